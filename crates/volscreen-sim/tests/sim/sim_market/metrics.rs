//! Market metrics: IV rank, percentile and HV consistent with the candles and the IV history,
//! unknown and malformed symbols absent everywhere, VIX as SPX's implied volatility, and cached
//! metrics for many symbols being fast.

use super::{check_ohlc, date, hv, watchlist, AS_OF};
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::{scale_universe, Market, UNKNOWN_SYMBOLS};

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
        "QWERTY",
        "X",
        "T123X",
        "MSFTT",
        "Y",
        "YAAAAA",
        "/ESZ5",
        "/ESH29",
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
        "AAPL", "aapl", "BRK/B", "YWER", "F", "SPX", "/ES", "/ESZ6", "YAAAA",
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
fn metrics_for_many_symbols_are_fast_once_cached() {
    let m = Market::new(date(AS_OF));
    let syms: Vec<String> = scale_universe(500);
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
