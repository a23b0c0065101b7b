//! Integration tests of the demo market's synthetic market model (`volscreen_sim::market`),
//! through the library API only: who exists (the named universe, the scale universe, listed
//! contracts; everything else unknown), candle invariants and determinism, metrics consistent
//! with the candles, relations among related instruments, earnings cycles, cross-sectional
//! distributions over the default watchlist, chains, futures and quotes.
//!
//! `cargo test -p volscreen-sim --test sim sim_market::distributions::default_watchlist_report -- --nocapture` prints the distributions
//! and the `balanced` filter pass counts quoted in `docs/demo-market.md`.
//!
//! This file holds the suite's shared helpers (the as-of date, the default watchlist, an
//! independent HV, the OHLC check); the tests are in [`universe`], [`candles`], [`metrics`],
//! [`relations`], [`earnings`], [`distributions`], [`instruments`] and [`option_market`]
//! (spreads, strike grids, the IV term structure).

mod candles;
mod distributions;
mod earnings;
mod instruments;
mod metrics;
mod option_market;
mod realism;
mod relations;
mod revision;
mod universe;

use volscreen_core::candle::Candle;
use volscreen_core::date::Date;

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
