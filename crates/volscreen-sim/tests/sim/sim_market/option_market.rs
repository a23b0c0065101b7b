//! Option chains and quotes as a trader knows them: ATM spreads by liquidity (medians per rating
//! within the ranges `docs/demo-market.md` documents, the index ETFs and SPX under 1 %), quotes on
//! the exchanges' ticks, strike grids as listed (increment by product and price level, the ATM
//! strike within half an increment), and the metrics' IV term structure equal to the IV implied
//! by the chains' own ATM quotes (Black–Scholes or Black-76 inverted on the served mids).
//!
//! `atm_spread_report` prints the spread figures quoted in `docs/demo-market.md`.

use super::{date, watchlist, AS_OF};
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::{Expiration, Market, Quote, TickSize};

/// The model's rate (docs/demo-market.md: r = 4 %, continuous).
const RATE: f64 = 0.04;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn bid_ask(q: &Quote) -> (f64, f64) {
    (q.bid.expect("bid"), q.ask.expect("ask"))
}

/// `(ask − bid) / mid` of an option quote.
fn rel_spread(q: &Quote) -> f64 {
    let (b, a) = bid_ask(q);
    (a - b) / ((a + b) / 2.0)
}

/// The expiration a screener would trade: a monthly nearest 45 days within 25..=70, else any
/// expiration nearest 45 days in that window.
fn expiration_near_45(exps: &[Expiration]) -> Option<&Expiration> {
    let window = |e: &&Expiration| (25..=70).contains(&e.days_to_expiration);
    let near = |e: &&Expiration| (e.days_to_expiration - 45).abs();
    exps.iter()
        .filter(window)
        .filter(|e| e.expiration_type == "Regular")
        .min_by_key(near)
        .or_else(|| exps.iter().filter(window).min_by_key(near))
}

/// The strike nearest `price` and its index.
fn atm_index(e: &Expiration, price: f64) -> usize {
    let mut best = 0;
    for (i, k) in e.strikes.iter().enumerate() {
        if (k.strike_price - price).abs() < (e.strikes[best].strike_price - price).abs() {
            best = i;
        }
    }
    best
}

/// The ATM slippage of an equity, ETF or index as the screener measures it (the worse of the
/// ATM call's and put's relative spread at the expiration near 45 days), with the underlying
/// price.
fn atm_slippage(m: &Market, symbol: &str) -> Option<(f64, f64)> {
    let price = m.quote(symbol)?.last?;
    let chain = m.option_chain(symbol)?;
    let e = expiration_near_45(&chain.expirations)?;
    let k = &e.strikes[atm_index(e, price)];
    let c = m.quote(&k.call)?;
    let p = m.quote(&k.put)?;
    Some((rel_spread(&c).max(rel_spread(&p)), price))
}

/// Documented ranges of the median ATM slippage per liquidity rating (index 0: unrated).
const MEDIAN_RANGES: [(f64, f64); 6] = [
    (0.08, 0.25),
    (0.06, 0.18),
    (0.04, 0.12),
    (0.02, 0.06),
    (0.008, 0.025),
    (0.003, 0.015),
];

/// Slippages of the default watchlist's equities, ETFs and indices by rating (0 = unrated).
fn slippage_by_rating(m: &Market) -> Vec<Vec<f64>> {
    let mut by: Vec<Vec<f64>> = vec![Vec::new(); 6];
    for s in watchlist() {
        if s.starts_with('/') {
            continue;
        }
        let Some(r) = m.metrics(&s).map(|x| x.liquidity_rating.unwrap_or(0)) else {
            continue;
        };
        if let Some((slip, _)) = atm_slippage(m, &s) {
            by[usize::from(r.min(5))].push(slip);
        }
    }
    by
}

#[test]
fn atm_spreads_follow_liquidity() {
    let m = Market::new(date(AS_OF));
    let by = slippage_by_rating(&m);
    // Ratings held by at least 8 names (the default watchlist has few rated 1 and none unrated;
    // 2 to 5 must be there).
    let rated: Vec<usize> = (0..6).filter(|r| by[*r].len() >= 8).collect();
    assert!((2..=5).all(|r| rated.contains(&r)), "{rated:?}");
    let medians: Vec<f64> = rated.iter().map(|r| median(by[*r].clone())).collect();
    for (r, m) in rated.iter().zip(&medians) {
        let (lo, hi) = MEDIAN_RANGES[*r];
        assert!(
            (lo..=hi).contains(m),
            "rating {r}: median ATM slippage {m:.4} outside {lo}..{hi}"
        );
    }
    // Strictly tighter as the rating rises.
    assert!(medians.windows(2).all(|w| w[1] < w[0]), "{medians:?}");
    for (s, max) in [
        ("SPY", 0.005),
        ("QQQ", 0.005),
        ("IWM", 0.005),
        ("SPX", 0.01),
        ("AAPL", 0.015),
        ("MSFT", 0.015),
        ("NVDA", 0.015),
    ] {
        let (slip, _) = atm_slippage(&m, s).expect(s);
        assert!(slip < max, "{s}: ATM slippage {slip:.4} ≥ {max}");
    }
    // Futures: /ES as tight as SPY; the main contracts well under 2 %.
    for (code, max) in [("ES", 0.005), ("NQ", 0.01), ("CL", 0.02), ("GC", 0.02)] {
        let chain = m.futures_option_chain(code).expect(code);
        let e = expiration_near_45(&chain.expirations).expect("45-day expiration");
        let f = m
            .quote(&e.underlying_symbol)
            .and_then(|q| q.last)
            .expect("F");
        let k = &e.strikes[atm_index(e, f)];
        let c = m.quote(&k.call).expect("call");
        assert!(rel_spread(&c) < max, "/{code}: {:.4}", rel_spread(&c));
    }
}

#[test]
#[ignore = "prints the figures quoted in docs/demo-market.md; run with --ignored --nocapture"]
fn atm_spread_report() {
    let m = Market::new(date(AS_OF));
    let by = slippage_by_rating(&m);
    println!("| rating | names | p10 | median | p90 |");
    println!("|---|---|---|---|---|");
    for (r, v) in by.iter().enumerate().rev().filter(|(_, v)| !v.is_empty()) {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        let q = |f: f64| v[((v.len() - 1) as f64 * f) as usize] * 100.0;
        let name = if r == 0 { "none".into() } else { r.to_string() };
        println!(
            "| {name} | {} | {:.2} % | {:.2} % | {:.2} % |",
            v.len(),
            q(0.1),
            q(0.5),
            q(0.9)
        );
    }
    for s in [
        "SPY", "QQQ", "IWM", "SPX", "NDX", "RUT", "AAPL", "MSFT", "TSLA", "KO",
    ] {
        if let Some((slip, price)) = atm_slippage(&m, s) {
            println!("{s}: price {price}, ATM slippage {:.2} %", slip * 100.0);
        }
    }
}

/// The tick declared rules give at `price`: the first rule whose threshold is above it.
fn declared_tick(rules: &[TickSize], price: f64) -> f64 {
    rules
        .iter()
        .find(|r| r.threshold.is_none_or(|t| price < t))
        .map(|r| r.value)
        .expect("a rule for every price")
}

#[test]
fn option_quotes_sit_on_the_exchange_ticks() {
    let m = Market::new(date(AS_OF));
    let on = |x: f64, tick: f64| ((x / tick) - (x / tick).round()).abs() < 1e-6;
    // Each side of every quote on the tick its chain declares at that side's price.
    let check = |sym: &str, rules: &[TickSize]| {
        let q = m.quote(sym).expect("quote");
        let (b, a) = bid_ask(&q);
        assert!(b >= 0.0 && b < a, "{sym}: {b} {a}");
        assert!(b.is_sign_positive(), "{sym}: bid {b}");
        assert!(on(b, declared_tick(rules, b)), "{sym}: bid {b} ({rules:?})");
        assert!(on(a, declared_tick(rules, a)), "{sym}: ask {a} ({rules:?})");
    };
    let rule = |value: f64, threshold: Option<f64>| TickSize { value, threshold };
    // (symbol, declared ticks): SPY pennies everywhere, SPX nickels and dimes, AAPL pennies
    // under $3 and nickels from $3, a thin name nickels and dimes.
    for (s, want) in [
        ("SPY", vec![rule(0.01, None)]),
        ("SPX", vec![rule(0.05, Some(3.0)), rule(0.10, None)]),
        ("AAPL", vec![rule(0.01, Some(3.0)), rule(0.05, None)]),
        ("KO", vec![rule(0.01, Some(3.0)), rule(0.05, None)]),
        ("BLNK", vec![rule(0.05, Some(3.0)), rule(0.10, None)]),
    ] {
        let chain = m.option_chain(s).expect(s);
        assert_eq!(chain.tick_sizes, want, "{s}");
        for e in chain.expirations.iter().take(8) {
            for k in &e.strikes {
                check(&k.call, &chain.tick_sizes);
                check(&k.put, &chain.tick_sizes);
            }
        }
    }
    // Futures options: the product's option ticks (ES 0.05 under 5 points, 0.25 from 5).
    for (code, want) in [
        ("ES", vec![rule(0.05, Some(5.0)), rule(0.25, None)]),
        ("CL", vec![rule(0.01, None)]),
        ("ZB", vec![rule(1.0 / 64.0, None)]),
        ("6E", vec![rule(0.00005, None)]),
    ] {
        let chain = m.futures_option_chain(code).expect(code);
        assert_eq!(chain.product.option_tick_sizes, want, "{code}");
        for e in chain.expirations.iter().take(4) {
            for k in &e.strikes {
                check(&k.call, &chain.product.option_tick_sizes);
                check(&k.put, &chain.product.option_tick_sizes);
            }
        }
    }
    // Deterministic: a second market quotes the same.
    let again = Market::new(date(AS_OF));
    let k = &m.option_chain("KO").expect("KO").expirations[3].strikes[7];
    assert_eq!(m.quote(&k.put), again.quote(&k.put));
}

/// The two strikes bracketing `price` in an expiration.
fn bracket(e: &Expiration, price: f64) -> Option<(f64, f64)> {
    let i = e.strikes.partition_point(|k| k.strike_price <= price);
    (i > 0 && i < e.strikes.len())
        .then(|| (e.strikes[i - 1].strike_price, e.strikes[i].strike_price))
}

#[test]
fn strike_grids_are_listed_as_in_reality() {
    let m = Market::new(date(AS_OF));
    // (symbol, fine increment at the money): index ETFs $1, SPX 5, NDX 10, RUT 5.
    let mut cases: Vec<(String, f64)> = [("SPY", 1.0), ("QQQ", 1.0), ("IWM", 1.0)]
        .iter()
        .chain(&[("SPX", 5.0), ("NDX", 10.0), ("RUT", 5.0)])
        .map(|(s, i)| (s.to_string(), *i))
        .collect();
    // Equities by price level (liquid names): $0.5 under 25, $1 under 150, $2.5 under 500, $5
    // under 1500, $10 above.
    for s in ["AAPL", "MSFT", "TSLA", "F", "KO", "COST", "NVDA", "JPM"] {
        let p = m.quote(s).and_then(|q| q.last).expect(s);
        let inc = match p {
            p if p < 25.0 => 0.5,
            p if p < 150.0 => 1.0,
            p if p < 500.0 => 2.5,
            p if p < 1500.0 => 5.0,
            _ => 10.0,
        };
        cases.push((s.to_string(), inc));
    }
    for (s, inc) in &cases {
        let price = m.quote(s).and_then(|q| q.last).expect("price");
        let chain = m.option_chain(s).expect("chain");
        for e in chain
            .expirations
            .iter()
            .filter(|e| e.days_to_expiration <= 120)
        {
            let (lo, hi) = bracket(e, price).expect("strikes around the price");
            assert!(
                (hi - lo - inc).abs() < 1e-9,
                "{s} {}: {lo}..{hi} around {price}, want {inc}",
                e.expiration_date
            );
            let atm = e.strikes[atm_index(e, price)].strike_price;
            assert!(
                (atm - price).abs() <= inc / 2.0 + 1e-9,
                "{s}: {atm} {price}"
            );
            // Far from the money the grid is coarser, and no expiration lists absurdly many.
            let far = e
                .strikes
                .windows(2)
                .find(|w| w[0].strike_price < price * 0.85)
                .map(|w| w[1].strike_price - w[0].strike_price);
            if let Some(gap) = far {
                assert!(gap > inc - 1e-9, "{s}: far gap {gap}");
            }
            assert!(e.strikes.len() <= 170, "{s}: {}", e.strikes.len());
        }
    }
    // Futures options by product (the real contracts' increments).
    for (code, inc) in [
        ("ES", 5.0),
        ("NQ", 10.0),
        ("CL", 0.5),
        ("GC", 5.0),
        ("SI", 0.25),
        ("ZB", 0.5),
        ("6E", 0.005),
        ("6J", 0.00005),
    ] {
        let chain = m.futures_option_chain(code).expect(code);
        for e in chain
            .expirations
            .iter()
            .filter(|e| e.days_to_expiration <= 120)
        {
            let f = m
                .quote(&e.underlying_symbol)
                .and_then(|q| q.last)
                .expect("F");
            let (lo, hi) = bracket(e, f).expect("strikes around the future");
            assert!(
                ((hi - lo) / inc - 1.0).abs() < 1e-6,
                "/{code} {}: {lo}..{hi} around {f}",
                e.expiration_date
            );
            let atm = e.strikes[atm_index(e, f)].strike_price;
            assert!(
                (atm - f).abs() <= inc * 0.5 * (1.0 + 1e-6),
                "/{code}: {atm} {f}"
            );
        }
    }
    // The report's case: /NQ near 20880 must not be struck only at multiples of 25.
    let nq = m.futures_option_chain("NQ").expect("NQ");
    assert!(nq.expirations[0]
        .strikes
        .iter()
        .any(|k| k.strike_price % 25.0 != 0.0));
}

fn norm_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Black-76 on a forward `f` (Black–Scholes is Black-76 on `s·e^{rt}`).
fn black76(call: bool, f: f64, k: f64, t: f64, vol: f64) -> f64 {
    let df = (-RATE * t).exp();
    let sd = vol * t.sqrt();
    let d1 = ((f / k).ln() + 0.5 * sd * sd) / sd;
    let d2 = d1 - sd;
    if call {
        df * (f * norm_cdf(d1) - k * norm_cdf(d2))
    } else {
        df * (k * norm_cdf(-d2) - f * norm_cdf(-d1))
    }
}

/// The volatility that prices `premium` (bisection).
fn implied_vol(call: bool, f: f64, k: f64, t: f64, premium: f64) -> f64 {
    let (mut lo, mut hi) = (1e-4, 6.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if black76(call, f, k, t, mid) < premium {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The ATM IV implied by an expiration's served quotes: the out-of-the-money option's mid
/// inverted at the two strikes around the underlying, interpolated to the underlying. Also
/// returns the tolerance the quotes' tick allows (a tick over the ATM vega).
fn implied_atm_iv(m: &Market, e: &Expiration, under: f64, future: bool) -> (f64, f64) {
    let t = f64::from(e.days_to_expiration).max(0.3) / 365.0;
    let fwd = if future {
        under
    } else {
        under * (RATE * t).exp()
    };
    let (lo, hi) = bracket(e, under).expect("bracket");
    let iv_at = |k: f64| {
        let strike = e
            .strikes
            .iter()
            .find(|s| s.strike_price == k)
            .expect("strike");
        let call = k > under;
        let q = m
            .quote(if call { &strike.call } else { &strike.put })
            .expect("quote");
        let (b, a) = bid_ask(&q);
        (implied_vol(call, fwd, k, t, (a + b) / 2.0), a - b)
    };
    let ((v_lo, w_lo), (v_hi, w_hi)) = (iv_at(lo), iv_at(hi));
    let iv = v_lo + (v_hi - v_lo) * (under - lo) / (hi - lo);
    let vega = under * (t.sqrt()) * 0.39 * (-RATE * t).exp();
    (iv, w_lo.max(w_hi) / vega)
}

/// Checks every expiration of at least 5 days: the term structure's IV equals the one the ATM
/// quotes imply, within 0.5 % of the IV (the skew's curvature between two strikes) plus what a
/// tick of spread can hide. Returns the number of expirations checked.
fn check_term_structure(m: &Market, symbol: &str) -> usize {
    let ts = m.term_structure(symbol);
    assert!(!ts.is_empty(), "{symbol}: no term structure");
    assert!(
        ts.windows(2).all(|w| w[0].0 < w[1].0),
        "{symbol}: not ascending"
    );
    let (exps, future) = match m.asset_class(symbol) {
        Some(AssetClass::Future) => (
            m.futures_option_chain(symbol).expect("chain").expirations,
            true,
        ),
        _ => (m.option_chain(symbol).expect("chain").expirations, false),
    };
    let dates: Vec<Date> = exps.iter().map(|e| e.expiration_date).collect();
    let ts_dates: Vec<Date> = ts.iter().map(|x| x.0).collect();
    assert_eq!(ts_dates, dates, "{symbol}: the chain's expirations");
    let mut checked = 0;
    for (e, (_, iv)) in exps.iter().zip(&ts) {
        if e.days_to_expiration < 5 {
            continue;
        }
        let under_sym = if future {
            e.underlying_symbol.clone()
        } else {
            symbol.to_string()
        };
        let under = m
            .quote(&under_sym)
            .and_then(|q| q.last)
            .expect("underlying");
        let (implied, tick_tol) = implied_atm_iv(m, e, under, future);
        let tol = 0.005 * iv + tick_tol;
        assert!(
            (implied - iv).abs() <= tol,
            "{symbol} {}: term IV {iv:.5}, quotes imply {implied:.5} (tolerance {tol:.5})",
            e.expiration_date
        );
        checked += 1;
    }
    checked
}

#[test]
fn term_structure_is_the_iv_the_chain_quotes_imply() {
    let as_of = date(AS_OF);
    let m = Market::new(as_of);
    let mut checked = 0;
    for s in [
        "SPY", "SPX", "QQQ", "AAPL", "TSLA", "KO", "VIX", "/ES", "/NQ", "/CL", "/GC", "/6E", "/ZB",
    ] {
        checked += check_term_structure(&m, s);
    }
    // Names with earnings before some of their expirations: the bump is in the term structure
    // and in the quotes alike.
    let mut with_earnings = 0;
    for s in watchlist() {
        let Some(x) = m.metrics(&s) else { continue };
        let Some(e) = x.earnings else { continue };
        let report = e.expected_report_date;
        if report.days_since(as_of) > 40 || x.asset_class != AssetClass::Equity {
            continue;
        }
        let ts = m.term_structure(&s);
        // The last expiration at least two sessions before the report, the first a week after.
        let before = ts.iter().rev().find(|(d, _)| report.days_since(*d) >= 3);
        let after = ts.iter().find(|(d, _)| d.days_since(report) >= 7);
        if let (Some(b), Some(a)) = (before, after) {
            assert!(a.1 > b.1, "{s}: earnings {report}: {b:?} then {a:?}");
        }
        checked += check_term_structure(&m, &s);
        with_earnings += 1;
        if with_earnings >= 6 {
            break;
        }
    }
    assert!(with_earnings >= 3, "{with_earnings} names with earnings");
    assert!(checked > 100, "{checked} expirations checked");
    // A futures contract's options are its product's: the same term structure as the root.
    let es = m.term_structure("/ES");
    let contract = &m.futures_contracts("ES")[1].symbol;
    assert_eq!(m.term_structure(contract), es, "{contract}");
    assert!(m.term_structure("ZZZZ").is_empty());
}
