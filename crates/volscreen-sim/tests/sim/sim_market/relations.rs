//! Relations among related instruments, on several as-of dates: index funds and mini indices at
//! their index's level, commodity funds against their futures, index futures at their index plus
//! carry, leveraged funds following their underlying's daily returns, and volatility ordered as a
//! trader expects (indices below single names, Nasdaq above the S&P 500, staples below crypto).

use super::{date, watchlist};
use std::collections::HashMap;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::Market;

/// Dates the relations must hold on: before the anchor date, just after a quarterly expiry, and
/// the documented as-of date.
const DATES: [&str; 3] = ["2025-06-02", "2026-03-20", "2026-11-20"];

fn last(m: &Market, s: &str) -> f64 {
    m.quote(s)
        .and_then(|q| q.last)
        .unwrap_or_else(|| panic!("{s}: no price"))
}

fn iv(m: &Market, s: &str) -> f64 {
    m.metrics(s)
        .map(|x| x.iv_index)
        .unwrap_or_else(|| panic!("{s}: no metrics"))
}

/// Years from the as-of date to the expiration of a product's active contract.
fn years_to_active(m: &Market, code: &str) -> f64 {
    let c = m
        .futures_contracts(code)
        .into_iter()
        .find(|c| c.active_month)
        .expect("an active month");
    f64::from(c.expiration_date.days_since(m.as_of())) / 365.25
}

/// Close-to-close simple returns by session time.
fn returns(m: &Market, s: &str) -> HashMap<i64, (f64, f64)> {
    let c = m.candles(s).unwrap_or_else(|| panic!("{s}: no candles"));
    c.windows(2)
        .map(|w| {
            (
                w[1].time,
                (w[1].close / w[0].close - 1.0, w[0].close.min(w[1].close)),
            )
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
fn index_funds_and_mini_indices_track_their_index() {
    for d in DATES {
        let m = Market::new(date(d));
        for (fund, index, factor) in [
            ("SPY", "SPX", 0.0998),
            ("VOO", "SPX", 0.0918),
            ("IVV", "SPX", 0.1003),
            ("XSP", "SPX", 0.1),
            ("QQQ", "NDX", 1.0 / 41.0),
            ("IWM", "RUT", 0.0992),
            ("DIA", "DJX", 1.0),
        ] {
            let r = last(&m, fund) / last(&m, index) / factor;
            assert!(
                (r - 1.0).abs() < 2e-3,
                "{d}: {fund}/{index} = {r} x {factor}"
            );
        }
        // The whole history, not only the last close.
        let (spy, spx) = (
            m.candles("SPY").expect("SPY"),
            m.candles("SPX").expect("SPX"),
        );
        assert_eq!(spy.len(), spx.len());
        for (a, b) in spy.iter().zip(spx.iter()) {
            assert_eq!(a.time, b.time);
            assert!((a.close / b.close / 0.0998 - 1.0).abs() < 1e-3, "{d}");
        }
    }
}

#[test]
fn commodity_funds_agree_with_their_futures() {
    for d in DATES {
        let m = Market::new(date(d));
        // GLD holds about 1/10.9 oz of gold a share: /GC ≈ 10.9 × GLD, plus the carry to expiry.
        let gc = last(&m, "/GC") / (10.905 * last(&m, "GLD"));
        assert!((gc - 1.0).abs() < 0.02, "{d}: /GC / (10.9 GLD) = {gc}");
        let carry = (0.04 * years_to_active(&m, "GC")).exp();
        assert!(
            (gc / carry - 1.0).abs() < 2e-3,
            "{d}: {gc} vs carry {carry}"
        );
        // SLV ≈ 0.92 × silver.
        let si = last(&m, "SLV") / last(&m, "/SI");
        assert!((si / 0.92 - 1.0).abs() < 0.02, "{d}: SLV / /SI = {si}");
        // USO and crude move together on the same path, scaled.
        let cl = last(&m, "USO") / last(&m, "/CL");
        assert!((cl / 1.25 - 1.0).abs() < 0.02, "{d}: USO / /CL = {cl}");
        let front = m
            .futures_contracts("CL")
            .into_iter()
            .find(|c| c.active_month)
            .expect("CL active");
        let (uso, crude) = (returns(&m, "USO"), returns(&m, &front.streamer_symbol));
        let mut n = 0;
        for (t, (r, p)) in &uso {
            if let Some((rc, pc)) = crude.get(t) {
                // Same path: equal returns up to the rounding of both prices and the change of
                // the contract's basis (3 % a year) over the days between the sessions.
                assert!((r - rc).abs() < 0.006 / p + 0.006 / pc + 5e-4, "{d} {t}");
                n += 1;
            }
        }
        assert!(n > 20, "{d}: {n} common sessions");
        let ibit = last(&m, "IBIT") / last(&m, "/BTC");
        assert!(
            (ibit / 0.000568 - 1.0).abs() < 0.02,
            "{d}: IBIT / /BTC = {ibit}"
        );
    }
}

#[test]
fn index_futures_sit_at_their_index_plus_carry() {
    for d in DATES {
        let m = Market::new(date(d));
        for (code, index, scale, carry) in [
            ("ES", "SPX", 1.0, 0.028),
            ("MES", "SPX", 1.0, 0.028),
            ("NQ", "NDX", 1.0, 0.033),
            ("RTY", "RUT", 1.0, 0.028),
            ("YM", "DJX", 100.0, 0.023),
        ] {
            let t = years_to_active(&m, code);
            let basis = last(&m, &format!("/{code}")) / (scale * last(&m, index)) - 1.0;
            // (r − q)·T with r ≈ 4 %: a fraction of a percent for the front month.
            assert!(
                (basis - carry * t).abs() < 5e-4,
                "{d}: /{code} basis {basis} vs {}",
                carry * t
            );
            assert!((0.0..0.012).contains(&basis), "{d}: /{code} basis {basis}");
        }
        // Deferred contracts carry more.
        let es: Vec<f64> = m
            .futures_contracts("ES")
            .iter()
            .map(|c| last(&m, &c.symbol))
            .collect();
        assert!(es.windows(2).all(|w| w[0] < w[1]), "{d}: {es:?}");
    }
}

#[test]
fn leveraged_funds_follow_their_underlying_daily() {
    for d in DATES {
        let m = Market::new(date(d));
        for (fund, base, lev) in [
            ("TQQQ", "QQQ", 3.0f64),
            ("SQQQ", "QQQ", -3.0),
            ("SOXL", "SOXX", 3.0),
            ("SOXS", "SOXX", -3.0),
            ("SPXL", "SPY", 3.0),
            ("SPXS", "SPY", -3.0),
            ("TNA", "IWM", 3.0),
            ("FAS", "XLF", 3.0),
            ("LABU", "XBI", 3.0),
            ("TMF", "TLT", 3.0),
            ("UVXY", "VXX", 1.5),
            ("SVXY", "VXX", -0.5),
        ] {
            let (f, b) = (returns(&m, fund), returns(&m, base));
            let mut pairs = Vec::new();
            for (t, (rf, pf)) in &f {
                let Some((rb, pb)) = b.get(t) else { continue };
                // Fees and financing (under 0.04 % a day) and cent rounding of both prices.
                let tol = 4e-4 + 0.011 / pf + lev.abs() * 0.011 / pb;
                assert!(
                    (rf - lev * rb).abs() < tol,
                    "{d} {fund} {t}: {rf} vs {lev} x {rb}"
                );
                pairs.push((*rb, *rf));
            }
            assert!(pairs.len() > 200, "{d} {fund}: {} sessions", pairs.len());
            let sxy: f64 = pairs.iter().map(|(x, y)| x * y).sum();
            let sxx: f64 = pairs.iter().map(|(x, _)| x * x).sum();
            let slope = sxy / sxx;
            assert!(
                (slope / lev - 1.0).abs() < 0.03,
                "{d} {fund}: slope {slope}"
            );
            let (ivf, ivb) = (iv(&m, fund), iv(&m, base));
            assert!(
                (ivf / (lev.abs() * ivb) - 1.0).abs() < 1e-9,
                "{d} {fund} IV"
            );
        }
    }
}

#[test]
fn volatility_is_ordered_as_a_trader_expects() {
    for d in DATES {
        let m = Market::new(date(d));
        let spx = iv(&m, "SPX");
        for (a, b, lo, hi) in [
            ("NDX", "SPX", 1.1, 1.6),
            ("QQQ", "SPY", 1.1, 1.6),
            ("RUT", "SPX", 1.15, 1.8),
            ("DJX", "SPX", 0.75, 1.05),
        ] {
            let r = iv(&m, a) / iv(&m, b);
            assert!((lo..hi).contains(&r), "{d}: {a}/{b} IV ratio {r}");
        }
        let vix = last(&m, "VIX");
        assert!(
            (vix - 100.0 * spx).abs() < 0.006,
            "{d}: VIX {vix} vs SPX IV {spx}"
        );
        assert!((9.0..45.0).contains(&vix), "{d}: VIX {vix}");
        // Index volatility below single-name volatility.
        let equities: Vec<f64> = watchlist()
            .iter()
            .filter_map(|s| m.metrics(s))
            .filter(|x| x.asset_class == AssetClass::Equity)
            .map(|x| x.iv_index)
            .collect();
        let eq = median(equities);
        assert!(eq > 1.4 * spx, "{d}: median equity IV {eq} vs SPX {spx}");
        // Classes: staples, utilities and index ETFs low; big tech medium; crypto and meme high.
        let group = |syms: &[&str]| median(syms.iter().map(|s| iv(&m, s)).collect());
        let low = group(&[
            "KO", "PG", "PEP", "MCD", "DUK", "SO", "JNJ", "XLU", "XLP", "WMT",
        ]);
        let index_funds = group(&["SPY", "DIA", "XLU", "TLT", "IEF"]);
        let tech = group(&["AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA"]);
        let high = group(&["COIN", "MSTR", "MARA", "RIOT", "GME", "AMC", "PLUG", "SMCI"]);
        assert!(
            low < 0.30 && index_funds < 0.25,
            "{d}: low {low}, index {index_funds}"
        );
        assert!(low < tech && tech < high, "{d}: {low} < {tech} < {high}");
        assert!(high > 2.0 * low, "{d}: high {high} vs low {low}");
        assert!(iv(&m, "VIX") > 0.6, "{d}: VIX's own IV");
    }
}
