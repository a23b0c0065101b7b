//! Integration tests of the demo market's synthetic market model (`volscreen_sim::market`),
//! through the library API only: candle invariants and determinism, metrics consistent with the
//! candles, cross-sectional distributions over the default watchlist, chains, futures and quotes.
//!
//! `cargo test -p volscreen-sim --test sim sim_market::default_watchlist_report -- --nocapture` prints the distributions
//! and the `balanced` filter pass counts quoted in `docs/demo-market.md`.

use volscreen_core::candle::Candle;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::calendar;
use volscreen_sim::market::{Market, Metrics, UNKNOWN_SYMBOLS};

fn date(s: &str) -> Date {
    s.parse().expect("test date")
}

/// The as-of date of the documented figures: a Friday session.
const AS_OF: &str = "2026-11-20";

/// The default watchlist's symbols (first column, header and comments skipped), or a built-in
/// list when the file is absent.
fn watchlist() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/watchlists/default.csv"
    );
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split(',').next().unwrap_or("").trim().to_string();
        if first.eq_ignore_ascii_case("symbol") || first.is_empty() {
            continue;
        }
        if !out.contains(&first) {
            out.push(first);
        }
    }
    if out.is_empty() {
        out = "SPY QQQ IWM DIA SPX NDX RUT VIX /ES /NQ /CL /GC AAPL TSLA NVDA AMZN MSFT META GOOGL AMD NFLX AVGO SMH XLF XLE XLK TLT GLD SLV HYG JPM BAC C WFC GS MS XOM CVX OXY BA DIS NKE SBUX MCD WMT COST TGT HD LOW PYPL UBER COIN MSTR PLTR SNOW CRWD SHOP ROKU INTC MU QCOM TSM BABA NIO F GM T VZ PFE MRK JNJ LLY UNH ABBV CVS KO PEP PG"
            .split_whitespace()
            .map(String::from)
            .collect();
    }
    out
}

/// Close-to-close HV written independently of the library: log returns of the last n+1 closes,
/// sample standard deviation, annualised with √252.
fn hv(candles: &[Candle], n: usize) -> Option<f64> {
    if candles.len() < n + 1 {
        return None;
    }
    let c: Vec<f64> = candles[candles.len() - n - 1..]
        .iter()
        .map(|c| c.close)
        .collect();
    let r: Vec<f64> = (1..c.len()).map(|i| (c[i] / c[i - 1]).ln()).collect();
    let m = r.iter().sum::<f64>() / r.len() as f64;
    let v = r.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (r.len() - 1) as f64;
    Some((v * 252.0).sqrt())
}

fn check_ohlc(sym: &str, candles: &[Candle]) {
    for c in candles {
        assert!(c.low > 0.0, "{sym}: low {}", c.low);
        assert!(c.low <= c.open.min(c.close), "{sym}: {c:?}");
        assert!(c.high >= c.open.max(c.close), "{sym}: {c:?}");
        assert!(c.volume >= 0.0 && c.volume.is_finite(), "{sym}: {c:?}");
    }
}

#[test]
fn candles_are_consistent_on_trading_days() {
    let m = Market::new(date("2026-11-22")); // a Sunday
    let mut syms = watchlist();
    syms.extend((0..200).map(|i| format!("T{i}X")));
    syms.extend(["/ESZ6", "/CLF27:XNYM", "/6EH27", "/ZBZ26:XCBT"].map(String::from));
    for s in &syms {
        if s.starts_with('/') && m.futures_product(&s[1..]).is_some() {
            assert!(m.candles(s).is_none(), "bare root {s} has no candles");
            continue;
        }
        let Some(c) = m.candles(s) else {
            panic!("{s}: no candles");
        };
        assert!(!c.is_empty(), "{s}");
        check_ohlc(s, &c);
        assert!(
            c.windows(2).all(|w| w[0].time < w[1].time),
            "{s}: not ascending"
        );
        for k in c.iter() {
            let d = Date::from_epoch_ms(k.time);
            assert_eq!(d.epoch_ms(), k.time, "{s}: candle time not at midnight UTC");
            assert!(calendar::is_trading_day(d), "{s}: candle on {d}");
        }
        let last = c.last().map(|k| Date::from_epoch_ms(k.time));
        assert_eq!(last, Some(date("2026-11-20")), "{s}: last candle");
        assert!(c.len() <= 760, "{s}: {} candles", c.len());
    }
    // Three years for an ordinary symbol.
    let spy = m.candles("SPY").expect("SPY");
    assert!(spy.len() >= 750, "{}", spy.len());
}

#[test]
fn no_holiday_candles_over_the_whole_history() {
    let m = Market::new(date("2027-12-31"));
    let c = m.candles("AAPL").expect("AAPL");
    let days: Vec<Date> = c.iter().map(|k| Date::from_epoch_ms(k.time)).collect();
    for closed in [
        "2026-11-26",
        "2026-04-03",
        "2026-07-03",
        "2027-12-24",
        "2025-01-09",
    ] {
        assert!(!days.contains(&date(closed)), "candle on {closed}");
    }
    assert!(days.contains(&date("2026-11-27")));
    assert_eq!(days.last(), Some(&date("2027-12-31")));
}

#[test]
fn deterministic_and_extending() {
    let a = Market::new(date(AS_OF));
    let b = Market::new(date(AS_OF));
    let later = Market::new(date("2027-03-15"));
    for s in ["AAPL", "SPY", "VIX", "/ESZ6", "T123X", "SPX"] {
        let x = a.candles(s).expect(s);
        let y = b.candles(s).expect(s);
        assert_eq!(x, y, "{s}: same symbol and date");
        let z = later.candles(s).expect(s);
        let first = z
            .iter()
            .position(|c| c.time == x[x.len() - 200].time)
            .expect("overlap");
        assert_eq!(
            &z[first..first + 200],
            &x[x.len() - 200..],
            "{s}: later as-of changed history"
        );
        assert!(z.last().map(|c| c.time) > x.last().map(|c| c.time));
        assert_eq!(a.metrics(s), b.metrics(s), "{s}: metrics deterministic");
    }
    assert_eq!(a.option_chain("AAPL"), b.option_chain("AAPL"));
    assert_eq!(a.quote("AAPL"), b.quote("AAPL"));
}

#[test]
fn metrics_match_candles_and_iv_history() {
    let m = Market::new(date(AS_OF));
    let mut checked_hv = 0;
    for s in watchlist() {
        let Some(x) = m.metrics(&s) else {
            panic!("{s}: no metrics");
        };
        for v in [x.iv_rank_tos, x.iv_rank_tw, x.iv_percentile] {
            assert!((0.0..=1.0).contains(&v), "{s}: {v}");
        }
        assert!(
            x.iv_index > 0.0 && x.iv_index < 3.0,
            "{s}: iv {}",
            x.iv_index
        );
        let hist: Vec<f64> = m.iv_history(&s).iter().map(|h| h.1).collect();
        assert!(!hist.is_empty(), "{s}");
        let cur = *hist.last().expect("history");
        assert!(
            (cur - x.iv_index).abs() < 1e-12,
            "{s}: iv index is the last history value"
        );
        let (lo, hi) = hist
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let rank = if hi > lo { (cur - lo) / (hi - lo) } else { 0.0 };
        assert!(
            (rank - x.iv_rank_tos).abs() < 1e-9,
            "{s}: rank {rank} vs {}",
            x.iv_rank_tos
        );
        let others = &hist[..hist.len() - 1];
        let pct = others.iter().filter(|v| **v < cur).count() as f64 / others.len().max(1) as f64;
        assert!((pct - x.iv_percentile).abs() < 1e-9, "{s}: percentile");
        if hist.len() > 6 {
            let d5 = cur - hist[hist.len() - 6];
            assert!(
                (d5 - x.iv_index_5d_change).abs() < 1e-12,
                "{s}: 5-day change"
            );
        }
        assert!(
            (x.iv30 / x.iv_index - 1.0).abs() < 0.1,
            "{s}: iv30 {} vs {}",
            x.iv30,
            x.iv_index
        );
        if x.asset_class != AssetClass::Future {
            let c = m.candles(&s).expect("candles");
            for (n, v) in [(30, x.hv30), (60, x.hv60), (90, x.hv90)] {
                if let Some(v) = v {
                    let mine = hv(&c, n).expect("enough candles when reported");
                    assert!((mine - v).abs() < 1e-9, "{s}: hv{n} {v} vs {mine}");
                    checked_hv += 1;
                }
            }
        }
        assert!(x
            .expiration_ivs
            .windows(2)
            .all(|w| w[0].expiration_date < w[1].expiration_date));
        assert!(x.expiration_ivs.iter().all(|e| e.implied_volatility > 0.0));
        if x.asset_class != AssetClass::Equity {
            assert!(x.earnings.is_none(), "{s}: earnings on a non-equity");
        }
    }
    assert!(checked_hv > 300, "{checked_hv}");
}

#[test]
fn unknown_and_malformed_symbols_are_absent() {
    let m = Market::new(date(AS_OF));
    let mut bad: Vec<&str> = UNKNOWN_SYMBOLS.to_vec();
    bad.extend([
        "",
        "  ",
        "AA PL",
        "$SPX",
        "ABCDEFGHIJKL",
        "/",
        "/QQQ",
        "/ESF7",
        "-X",
        "a,b",
    ]);
    for s in bad {
        assert!(m.is_unknown(s), "{s:?}");
        assert!(m.asset_class(s).is_none(), "{s:?}");
        assert!(m.metrics(s).is_none(), "{s:?}");
        assert!(m.quote(s).is_none(), "{s:?}");
        assert!(m.candles(s).is_none(), "{s:?}");
        assert!(m.option_chain(s).is_none(), "{s:?}");
        assert!(m.iv_history(s).is_empty(), "{s:?}");
    }
    for s in [
        "AAPL", "aapl", "BRK/B", "QWERTY", "X", "SPX", "/ES", "/ESZ6",
    ] {
        assert!(!m.is_unknown(s), "{s}");
        assert!(m.metrics(s).is_some(), "{s}");
    }
    assert_eq!(m.asset_class("spy"), Some(AssetClass::Etf));
    assert_eq!(m.asset_class("VIX"), Some(AssetClass::Index));
    assert_eq!(m.asset_class("/CLF27"), Some(AssetClass::Future));
    assert_eq!(m.asset_class("MSFT"), Some(AssetClass::Equity));
    assert!(m.futures_option_chain("ZZ").is_none());
    assert!(m.futures_contracts("ZZ").is_empty());
}

#[test]
fn recent_listings_have_short_fixed_histories() {
    let m = Market::new(date(AS_OF));
    let later = Market::new(date("2027-06-01"));
    let mut short = 0;
    let mut no_hv90 = 0;
    for i in 0..2000 {
        let s = format!("R{i}");
        let c = m.candles(&s).map(|c| c.len()).unwrap_or(0);
        if c < 700 {
            short += 1;
            if c > 0 {
                let first = m
                    .candles(&s)
                    .and_then(|c| c.first().copied())
                    .map(|k| k.time);
                let first_later = later
                    .candles(&s)
                    .and_then(|c| c.first().copied())
                    .map(|k| k.time);
                assert_eq!(
                    first, first_later,
                    "{s}: listing date moved with the as-of date"
                );
                let x = m.metrics(&s).expect("metrics");
                assert!(x.hv90.is_none() || c >= 91);
                if c < 91 {
                    no_hv90 += 1;
                }
            }
        }
    }
    assert!(
        (20..=100).contains(&short),
        "{short} short histories of 2000"
    );
    assert!(no_hv90 > 0);
}

/// The percentage of `xs` satisfying `f`.
fn share<T>(xs: &[T], f: impl Fn(&T) -> bool) -> f64 {
    xs.iter().filter(|x| f(x)).count() as f64 / xs.len().max(1) as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn default_metrics(m: &Market) -> Vec<(Metrics, Option<f64>)> {
    watchlist()
        .iter()
        .filter_map(|s| m.metrics(s).map(|x| (x, m.quote(s).and_then(|q| q.last))))
        .collect()
}

#[test]
fn cross_sectional_distributions() {
    for as_of in [AS_OF, "2026-06-15", "2027-02-10"] {
        let m = Market::new(date(as_of));
        let all = default_metrics(&m);
        assert!(all.len() > 450, "{}", all.len());
        for q in 0..4 {
            let lo = q as f64 * 0.25;
            let f = share(&all, |(x, _)| {
                x.iv_percentile >= lo && x.iv_percentile < lo + 0.25 + 1e-9 * (q == 3) as u8 as f64
            });
            assert!(
                f >= 0.10,
                "{as_of}: IV percentile quartile {q} holds {f:.2}"
            );
            let f = share(&all, |(x, _)| {
                x.iv_rank_tos >= lo && x.iv_rank_tos <= lo + 0.25
            });
            assert!(f >= 0.07, "{as_of}: IV rank quartile {q} holds {f:.2}");
        }
        let liq = share(&all, |(x, _)| x.liquidity_rating.unwrap_or(0) >= 4);
        assert!(
            (0.30..=0.50).contains(&liq),
            "{as_of}: liquidity 4-5 share {liq:.2}"
        );
        let prem: Vec<f64> = all
            .iter()
            .filter_map(|(x, _)| x.hv30.map(|h| x.iv_index / h))
            .collect();
        let med = median(prem.clone());
        assert!(
            (0.9..=1.5).contains(&med),
            "{as_of}: median IV/HV30 {med:.2}"
        );
        let inside = share(&prem, |p| (0.8..=1.6).contains(p));
        assert!(
            inside >= 0.5,
            "{as_of}: IV/HV30 within 0.8..1.6 for {inside:.2}"
        );
        let missing = share(&all, |(x, _)| x.hv30.is_none());
        assert!(
            (0.03..=0.2).contains(&missing),
            "{as_of}: hv30 missing {missing:.2}"
        );
        let pass = all
            .iter()
            .filter(|(x, p)| balanced(x, *p).iter().all(|b| *b))
            .count();
        let f = pass as f64 / all.len() as f64;
        assert!(
            (0.03..=0.25).contains(&f),
            "{as_of}: balanced passes {pass} ({f:.2})"
        );
    }
}

/// The metrics-level filters of the `balanced` profile, in order: iv_percentile, liquidity,
/// price, vrp_structural, vrp_tactical, vtr.
fn balanced(x: &Metrics, price: Option<f64>) -> [bool; 6] {
    let iv = x.iv_index;
    let floor = |h: Option<f64>| h.map(|h| h.max(0.05));
    [
        x.iv_percentile >= 0.50,
        x.liquidity_rating.is_none_or(|r| r >= 4),
        x.asset_class == AssetClass::Future || price.is_some_and(|p| p >= 25.0),
        floor(x.hv90).is_some_and(|h| iv / h > 1.10),
        floor(x.hv30).is_some_and(|h| iv / h > 1.15),
        match (x.hv30, x.hv90) {
            (Some(a), Some(b)) if b > 0.0 => a / b >= 0.85,
            _ => false,
        },
    ]
}

/// HV30 and HV90 as the screener computes them locally from the daily candles (a futures root
/// from its active contract's).
fn candle_hvs(m: &Market, x: &Metrics) -> (Option<f64>, Option<f64>) {
    let symbol = if x.asset_class == AssetClass::Future {
        m.futures_contracts(x.symbol.trim_start_matches('/'))
            .into_iter()
            .find(|c| c.active_month)
            .map(|c| c.streamer_symbol)
            .unwrap_or_default()
    } else {
        x.symbol.clone()
    };
    match m.candles(&symbol) {
        Some(c) => (hv(&c, 30), hv(&c, 90)),
        None => (None, None),
    }
}

#[test]
fn default_watchlist_report() {
    let m = Market::new(date(AS_OF));
    let all = default_metrics(&m);
    let n = all.len();
    println!("default watchlist as of {AS_OF}: {n} symbols with metrics");
    let buckets = |f: &dyn Fn(&Metrics) -> f64| -> Vec<usize> {
        let mut b = vec![0usize; 4];
        for (x, _) in &all {
            b[((f(x) * 4.0).floor() as usize).min(3)] += 1;
        }
        b
    };
    println!(
        "IV percentile by quartile: {:?}",
        buckets(&|x| x.iv_percentile)
    );
    println!(
        "IV rank (tos) by quartile: {:?}",
        buckets(&|x| x.iv_rank_tos)
    );
    println!(
        "IV rank (tw) by quartile:  {:?}",
        buckets(&|x| x.iv_rank_tw)
    );
    let mut ratings = [0usize; 6];
    let mut none = 0;
    for (x, _) in &all {
        match x.liquidity_rating {
            Some(r) => ratings[r as usize] += 1,
            None => none += 1,
        }
    }
    println!(
        "liquidity ratings 1..5: {:?}, none: {none}; 4-5: {:.1} %",
        &ratings[1..],
        100.0 * (ratings[4] + ratings[5]) as f64 / n as f64
    );
    let prem: Vec<f64> = all
        .iter()
        .filter_map(|(x, _)| x.hv30.map(|h| x.iv_index / h))
        .collect();
    let mut p = prem.clone();
    p.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| p[((p.len() - 1) as f64 * f) as usize];
    println!(
        "IV/HV30: n {} p10 {:.2} p25 {:.2} median {:.2} p75 {:.2} p90 {:.2}; within 0.8..1.6: {:.1} %",
        p.len(),
        q(0.1),
        q(0.25),
        q(0.5),
        q(0.75),
        q(0.9),
        100.0 * share(&prem, |v| (0.8..=1.6).contains(v))
    );
    let ivs = median(all.iter().map(|(x, _)| x.iv_index).collect());
    let missing = |f: &dyn Fn(&Metrics) -> bool| all.iter().filter(|(x, _)| f(x)).count();
    println!(
        "median IV index {ivs:.3}; metrics omit hv30 for {}, hv90 for {}; fewer than 253 candles: {}, fewer than 91: {}",
        missing(&|x| x.hv30.is_none()),
        missing(&|x| x.hv90.is_none()),
        all.iter()
            .filter(|(x, _)| x.asset_class != AssetClass::Future && m.candles(&x.symbol).is_some_and(|c| c.len() < 253))
            .count(),
        all.iter()
            .filter(|(x, _)| x.asset_class != AssetClass::Future && m.candles(&x.symbol).is_some_and(|c| c.len() < 91))
            .count(),
    );
    let names = [
        "iv_percentile >= 0.50",
        "liquidity_rating >= 4",
        "price >= 25 (futures exempt)",
        "vrp_structural > 1.10",
        "vrp_tactical > 1.15",
        "vtr >= 0.85",
    ];
    let from_metrics: Vec<[bool; 6]> = all.iter().map(|(x, p)| balanced(x, *p)).collect();
    let from_candles: Vec<[bool; 6]> = all
        .iter()
        .map(|(x, p)| {
            let (hv30, hv90) = candle_hvs(&m, x);
            let local = Metrics {
                hv30,
                hv90,
                ..x.clone()
            };
            balanced(&local, *p)
        })
        .collect();
    println!("filter                         alone (metrics HV / candle HV)   cumulative (metrics HV / candle HV)");
    for (i, name) in names.iter().enumerate() {
        let pass = |r: &[[bool; 6]]| r.iter().filter(|r| r[i]).count();
        let cum = |r: &[[bool; 6]]| r.iter().filter(|r| r[..=i].iter().all(|b| *b)).count();
        println!(
            "{name:<30} {:>4} / {:>4}   {:>4} / {:>4}   (of {n})",
            pass(&from_metrics),
            pass(&from_candles),
            cum(&from_metrics),
            cum(&from_candles)
        );
    }
    let earn = all
        .iter()
        .filter(|(x, _)| {
            x.earnings
                .as_ref()
                .is_some_and(|e| e.expected_report_date.days_since(date(AS_OF)) <= 10)
        })
        .count();
    println!("earnings within 10 days: {earn}");
    assert!(n > 0);
}

#[test]
fn option_chains_have_monthlies_weeklies_and_strikes_around_the_price() {
    let m = Market::new(date(AS_OF));
    for s in [
        "AAPL", "SPY", "SPX", "TSLA", "KO", "IWM", "XLF", "T123X", "BRK/B",
    ] {
        let chain = m.option_chain(s).expect(s);
        let price = m.quote(s).and_then(|q| q.last).expect("price");
        assert_eq!(chain.underlying_symbol, s);
        assert_eq!(chain.shares_per_contract, 100);
        let regular: Vec<_> = chain
            .expirations
            .iter()
            .filter(|e| e.expiration_type == "Regular")
            .collect();
        assert!(regular.len() >= 12, "{s}: {} monthlies", regular.len());
        for e in &regular {
            let d = e.expiration_date;
            // Third Friday, or the Thursday before when that Friday is a holiday.
            assert!(
                d == Date::third_friday(d.year(), d.month())
                    || d.add_days(1) == Date::third_friday(d.year(), d.month()),
                "{s}: {d}"
            );
        }
        assert!(chain
            .expirations
            .windows(2)
            .all(|w| w[0].expiration_date < w[1].expiration_date));
        for e in &chain.expirations {
            assert_eq!(
                e.days_to_expiration,
                e.expiration_date.days_since(date(AS_OF))
            );
            assert!(e.days_to_expiration >= 0);
            assert!(
                calendar::is_trading_day(e.expiration_date),
                "{s}: {}",
                e.expiration_date
            );
            assert!(e.strikes.len() >= 5, "{s}: {} strikes", e.strikes.len());
            let lo = e.strikes.first().map(|k| k.strike_price).unwrap_or(0.0);
            let hi = e.strikes.last().map(|k| k.strike_price).unwrap_or(0.0);
            assert!(
                lo < price && hi > price,
                "{s} {}: {lo}..{hi} around {price}",
                e.expiration_date
            );
            assert!(
                lo >= price * 0.35 && hi <= price * 1.65,
                "{s}: {lo}..{hi} around {price}"
            );
            let (y, mo, d) = e.expiration_date.ymd();
            let ymd = format!("{:02}{mo:02}{d:02}", y % 100);
            for k in &e.strikes {
                assert_eq!(k.call.len(), 21, "{}", k.call);
                assert_eq!(&k.call[6..12], ymd);
                assert_eq!(&k.call[12..13], "C");
                assert_eq!(&k.put[12..13], "P");
                let milli: u64 = k.call[13..].parse().expect("strike digits");
                assert_eq!(milli, (k.strike_price * 1000.0).round() as u64);
                assert_eq!(k.call[..6].trim_end(), chain.root_symbol);
                let streamer = format!(".{}{ymd}C{}", chain.root_symbol, k.strike_price);
                assert_eq!(k.call_streamer_symbol, streamer);
            }
        }
        if s != "KO" && s != "T123X" {
            assert!(
                chain
                    .expirations
                    .iter()
                    .any(|e| e.expiration_type == "Weekly"),
                "{s}: weeklies"
            );
        }
    }
    let spx = m.option_chain("SPX").expect("SPX");
    assert!(spx
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Regular" && e.settlement_type == "AM"));
    assert!(spx
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Weekly" && e.settlement_type == "PM"));
    assert_eq!(
        m.option_chain("BRK/B").map(|c| c.root_symbol),
        Some("BRKB".to_string())
    );
    assert!(
        m.option_chain("/ES").is_none(),
        "futures use futures_option_chain"
    );
}

#[test]
fn option_quotes_are_priced_consistently() {
    let m = Market::new(date(AS_OF));
    for s in ["AAPL", "SPY", "TSLA", "KO", "SPX", "T77X"] {
        let chain = m.option_chain(s).expect(s);
        let price = m.quote(s).and_then(|q| q.last).expect("price");
        let e = chain
            .expirations
            .iter()
            .filter(|e| e.expiration_type == "Regular")
            .min_by_key(|e| (e.days_to_expiration - 45).abs())
            .expect("a monthly");
        let atm = e
            .strikes
            .iter()
            .min_by(|a, b| {
                (a.strike_price - price)
                    .abs()
                    .total_cmp(&(b.strike_price - price).abs())
            })
            .expect("strike");
        let c = m.quote(&atm.call).expect("call quote");
        let p = m.quote(&atm.put).expect("put quote");
        assert_eq!(c.instrument_type, "Equity Option");
        for q in [&c, &p] {
            let (b, a) = (q.bid.expect("bid"), q.ask.expect("ask"));
            assert!(b > 0.0 && b < a, "{}: {b} / {a}", q.symbol);
        }
        let (cm, pm) = (c.mid.expect("mid"), p.mid.expect("mid"));
        // Put-call parity: C - P ≈ S - K e^{-rT} (r of a few percent).
        let t = e.days_to_expiration as f64 / 365.0;
        let k = atm.strike_price;
        let parity = price - k * (-0.04 * t).exp();
        assert!(
            (cm - pm - parity).abs() < 0.02 * price,
            "{s}: C {cm} P {pm} parity {parity}"
        );
        // The straddle is about 0.8 σ √T of the price.
        let iv = m.metrics(s).map(|x| x.iv_index).expect("metrics");
        let straddle = cm + pm;
        let approx = 0.8 * iv * t.sqrt() * price;
        assert!(
            straddle > 0.6 * approx && straddle < 1.6 * approx,
            "{s}: straddle {straddle} vs {approx}"
        );
        // The streamer symbol quotes the same option.
        let cs = m.quote(&atm.call_streamer_symbol).expect("streamer quote");
        assert_eq!(cs.mid, c.mid);
    }
    // Liquid names quote tighter than illiquid ones.
    assert!(
        m.quote("AAPL  261120C00000500").is_none(),
        "strike not listed"
    );
    assert!(
        m.quote("AAPL  301220C00200000").is_none(),
        "expiration not listed"
    );
    assert!(m.quote("ZZZZ  261218C00200000").is_none(), "unknown root");
    assert!(m.quote("AAPL  261218X00200000").is_none(), "malformed");
    assert!(
        m.quote("./ESZ6 EWZ6  261218C1").is_none(),
        "strike not listed"
    );
}

#[test]
fn underlying_quotes() {
    let m = Market::new(date(AS_OF));
    let q = m.quote("AAPL").expect("AAPL");
    let c = m.candles("AAPL").expect("candles");
    let last = c.last().expect("last");
    assert_eq!(q.instrument_type, "Equity");
    assert_eq!(q.last, Some(last.close));
    assert_eq!(q.prev_close, Some(c[c.len() - 2].close));
    let (b, a) = (q.bid.expect("bid"), q.ask.expect("ask"));
    assert!(b < a && b <= last.close && a >= last.close);
    assert!(q.year_low <= q.day_low && q.year_high >= q.day_high);
    let spx = m.quote("SPX").expect("SPX");
    assert_eq!(spx.instrument_type, "Index");
    assert!(spx.bid.is_none() && spx.ask.is_none());
    let level = spx.last.expect("last");
    assert!((3000.0..12000.0).contains(&level), "SPX {level}");
    let vix = m.quote("VIX").and_then(|q| q.last).expect("VIX");
    assert!((8.0..60.0).contains(&vix), "VIX {vix}");
    let es = m.quote("/ESZ6").expect("/ESZ6");
    assert_eq!(es.instrument_type, "Future");
    assert!(
        (es.last.expect("last") / level - 1.0).abs() < 0.05,
        "ES tracks SPX"
    );
    assert!(m.quote("/ESZ26:XCME").is_some());
}

#[test]
fn futures_products_contracts_and_option_chains() {
    let m = Market::new(date(AS_OF));
    let products = m.futures_products();
    for code in [
        "ES", "NQ", "RTY", "YM", "CL", "NG", "GC", "SI", "HG", "ZB", "ZN", "ZF", "ZT", "6E", "6J",
        "6B", "6A", "6C", "ZC", "ZS", "ZW", "LE", "HE",
    ] {
        let p = products
            .iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(p.root_symbol, format!("/{code}"));
        assert!(["CME", "CBOT", "NYMEX", "COMEX"].contains(&p.exchange));
        assert!(["XCME", "XCBT", "XNYM", "XCEC"].contains(&p.streamer_exchange_code));
        assert!(p.tick_size > 0.0 && p.notional_multiplier > 0.0);
        let contracts = m.futures_contracts(code);
        assert!(contracts.len() >= 5, "{code}");
        assert_eq!(
            contracts.iter().filter(|c| c.active_month).count(),
            1,
            "{code}"
        );
        assert!(contracts.iter().filter(|c| c.next_active_month).count() <= 1);
        for c in &contracts {
            assert!(c.symbol.starts_with(&p.root_symbol));
            assert!(c
                .streamer_symbol
                .ends_with(&format!(":{}", p.streamer_exchange_code)));
            assert!(c.expiration_date >= date(AS_OF));
            let candles = m.candles(&c.symbol).expect("contract candles");
            assert_eq!(m.candles(&c.streamer_symbol).as_deref(), Some(&*candles));
            check_ohlc(&c.symbol, &candles);
        }
        let metrics = m.metrics(&p.root_symbol).expect("root metrics");
        assert_eq!(metrics.asset_class, AssetClass::Future);
        assert!(metrics.earnings.is_none());
        let chain = m.futures_option_chain(code).expect("chain");
        assert!(!chain.expirations.is_empty(), "{code}");
        for e in &chain.expirations {
            assert!(
                contracts.iter().any(|c| c.symbol == e.underlying_symbol),
                "{code}: {}",
                e.underlying_symbol
            );
            assert!(!e.strikes.is_empty());
            let k = &e.strikes[e.strikes.len() / 2];
            let under = e.underlying_symbol.trim_start_matches('/');
            assert!(
                k.call
                    .starts_with(&format!("./{under} {}", e.option_contract_symbol)),
                "{}",
                k.call
            );
            assert!(k
                .call_streamer_symbol
                .starts_with(&format!("./{}", e.option_root_symbol)));
            assert!(k
                .call_streamer_symbol
                .ends_with(&format!(":{}", p.streamer_exchange_code)));
            let q = m.quote(&k.call).expect("future option quote");
            assert_eq!(q.instrument_type, "Future Option");
            assert!(q.bid.expect("bid") < q.ask.expect("ask"));
            assert_eq!(
                m.quote(&k.put_streamer_symbol).map(|q| q.instrument_type),
                Some("Future Option")
            );
        }
    }
    let es = m.futures_option_chain("ES").expect("ES");
    assert!(es.expirations.iter().any(|e| e.expiration_type == "Weekly"));
    assert!(es
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Regular"));
    let k = &es.expirations[0].strikes[0];
    // Shape of the real symbols: `./ESU3 EW4N3 230728C3990`, streamer `./EW4N23C3990:XCME`.
    let parts: Vec<&str> = k.call.split_whitespace().collect();
    assert_eq!(parts.len(), 3, "{}", k.call);
    assert!(parts[2].len() > 7 && parts[2][6..7] == *"C");
    assert!(m.candles("/ES").is_none(), "a bare root has no candles");
    assert!(m.futures_product("es").is_some());
}

#[test]
fn metrics_for_many_symbols_are_fast_once_cached() {
    let m = Market::new(date(AS_OF));
    let syms: Vec<String> = (0..500).map(|i| format!("F{i}Z")).collect();
    for s in &syms {
        let _ = m.metrics(s);
    }
    let t = std::time::Instant::now();
    for s in &syms {
        assert!(m.metrics(s).is_some());
    }
    // Generous even for a debug build on a loaded machine.
    assert!(t.elapsed().as_millis() < 500, "{:?}", t.elapsed());
}

#[test]
fn vix_is_the_spx_implied_volatility() {
    let m = Market::new(date(AS_OF));
    let vix = m.candles("VIX").expect("VIX");
    let spx_iv = m.iv_history("SPX");
    assert_eq!(spx_iv.len(), 252);
    let tail = &vix[vix.len() - spx_iv.len()..];
    for (c, (d, iv)) in tail.iter().zip(spx_iv.iter()) {
        assert_eq!(Date::from_epoch_ms(c.time), *d);
        assert!(
            (c.close - 100.0 * iv).abs() <= 0.0051,
            "{d}: VIX {} vs SPX IV {iv}",
            c.close
        );
    }
    check_ohlc("VIX", &vix);
    let (lo, hi) = vix.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| {
        (lo.min(c.close), hi.max(c.close))
    });
    assert!(lo > 7.0 && hi < 80.0 && hi > 20.0, "VIX range {lo}..{hi}");
    let x = m.metrics("VIX").expect("VIX metrics");
    assert!(
        x.iv_index > 0.5 && x.iv_index < 1.5,
        "VIX IV {}",
        x.iv_index
    );
}
