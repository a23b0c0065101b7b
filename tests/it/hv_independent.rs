//! The HV numbers `volscreen screen --json` reports equal HV computed here, independently, from the
//! daily candles the demo market serves for the same symbols and date.
//!
//! The candles are fetched the way a client sees them: a demo market started in this test, an
//! access and quote token through the REST client, and the DXLink client (`CandlePool`) with the
//! `fromTime` the pipeline uses. Futures go through the active contract's streamer symbol from
//! `/instruments/futures`. HV is computed by [`hv`] below (log returns of the last n+1 closes, sample
//! standard deviation with n−1, ×√252), not by `volscreen::vol`. The scan is the real binary.

use crate::harness::{self, TempDir};
use serde_json::Value;
use volscreen::candle::Candle;
use volscreen::config::Config;
use volscreen::date::Date;
use volscreen::dxlink::{
    candle_symbol_for, futures_candle_symbol, history_from_time_ms, CandlePool, DxLinkConfig,
};
use volscreen::sim::{start_local, SimOptions, DEMO_SECRET};
use volscreen::tastytrade::{ClientConfig, TastytradeClient};

const AS_OF: &str = "2026-11-20";
const WINDOWS: [usize; 4] = [20, 30, 90, 252];

/// Close-to-close HV over the last `n` returns of `candles`, or `None` with fewer than n+1 closes.
fn hv(candles: &[Candle], n: usize) -> Option<f64> {
    let mut rows: Vec<(i64, f64)> = candles.iter().map(|c| (c.time, c.close)).collect();
    rows.sort_by_key(|r| r.0);
    let mut closes: Vec<f64> = Vec::new();
    let mut last_time = None;
    for (t, c) in rows {
        if last_time == Some(t) {
            *closes.last_mut().expect("a close") = c;
        } else {
            closes.push(c);
            last_time = Some(t);
        }
    }
    if closes.len() < n + 1 {
        return None;
    }
    let tail = &closes[closes.len() - (n + 1)..];
    let returns: Vec<f64> = tail.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = returns.iter().sum::<f64>() / n as f64;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((var * 252.0).sqrt())
}

/// product.md's test vector, so this file's own estimator is known to be right.
#[test]
fn the_independent_estimator_matches_the_spec_test_vector() {
    let closes = [
        15.0, 14.75, 14.5, 14.875, 15.0, 15.125, 15.1875, 15.3125, 15.5, 15.75, 16.0,
    ];
    let day = 86_400_000;
    let candles: Vec<Candle> = closes
        .iter()
        .enumerate()
        .rev() // out of order on purpose
        .map(|(i, &c)| Candle {
            time: i as i64 * day,
            open: c,
            high: c,
            low: c,
            close: c,
            volume: 0.0,
        })
        .collect();
    let v = hv(&candles, 10).expect("11 closes give HV10");
    assert!((v - 0.2172).abs() <= 1e-4, "{v}");
    assert_eq!(hv(&candles, 11), None);
}

/// Run `volscreen screen ARGS` with no tastytrade credentials (so the built-in demo market) and a
/// private cache directory; it must exit 0 with one JSON document.
fn volscreen_json(args: &[&str]) -> Value {
    let cache = TempDir::new("hv");
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    harness::run(&all, &[], cache.path()).expect_code(0).json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_hv_equals_hv_of_the_candles_served_over_dxlink() {
    let as_of: Date = AS_OF.parse().expect("a valid date");
    let server = start_local(SimOptions::new(as_of))
        .await
        .expect("the demo market starts");
    let client = TastytradeClient::new(ClientConfig::new(
        server.base_url(),
        DEMO_SECRET,
        DEMO_SECRET,
    ))
    .expect("a REST client");
    client
        .authenticate()
        .await
        .expect("demo credentials accepted");
    let qt = client.quote_token().await.expect("a quote token");

    // Report symbol → candle symbol: an equity, an ETF, an index and a future (active month).
    let products = client.futures_contracts(&["ES"]).await;
    let es = products
        .get("ES")
        .and_then(|o| o.found())
        .and_then(|p| p.active_month())
        .and_then(|c| c.streamer_symbol.as_deref())
        .and_then(futures_candle_symbol)
        .expect("/ES has an active month with a streamer symbol");
    let wanted: Vec<(&str, String)> = vec![
        ("AAPL", candle_symbol_for("AAPL").expect("AAPL{=1d}")),
        ("SPY", candle_symbol_for("SPY").expect("SPY{=1d}")),
        ("SPX", candle_symbol_for("SPX").expect("SPX{=1d}")),
        ("/ES", es),
    ];

    let days = Config::builtin().scan.candle_history_days as i64;
    let from = history_from_time_ms(as_of, days);
    let pool = CandlePool::connect(
        qt.dxlink_url.clone(),
        qt.token.expose(),
        DxLinkConfig::default(),
    );
    let fetched = pool
        .fetch_all(wanted.iter().map(|(_, c)| c.clone()).collect(), from)
        .await;
    pool.shutdown().await;
    server.shutdown().await;

    let symbols: Vec<&str> = wanted.iter().map(|(s, _)| *s).collect();
    let list = symbols.join(",");
    let doc = tokio::task::spawn_blocking(move || {
        volscreen_json(&[
            "--symbols",
            &list,
            "--json",
            "--show-all",
            "--as-of",
            AS_OF,
            "--no-cache",
            "--quiet",
        ])
    })
    .await
    .expect("the scan task");
    assert_eq!(doc["errors"], serde_json::json!([]), "no symbol may fail");

    let mut compared = 0;
    for (symbol, candle_symbol) in &wanted {
        let series = match fetched.get(candle_symbol) {
            Some(Ok(s)) => s,
            other => panic!("{candle_symbol}: {other:?}"),
        };
        assert!(!series.truncated, "{candle_symbol}: truncated snapshot");
        let entry = doc["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .find(|c| c["symbol"] == *symbol)
            .unwrap_or_else(|| panic!("{symbol} not among the --show-all candidates"));
        for n in WINDOWS {
            let key = format!("hv{n}");
            let want = hv(&series.candles, n);
            let got = entry[&key].as_f64();
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert!(
                        (g - w).abs() <= 1e-9,
                        "{symbol} {key}: reported {g}, from {} DXLink candles {w}",
                        series.candles.len()
                    );
                    compared += 1;
                }
                (None, None) => {}
                (g, w) => panic!("{symbol} {key}: reported {g:?}, expected {w:?}"),
            }
        }
    }
    // Every window of every symbol was a real number comparison (a year of history is served).
    assert_eq!(compared, wanted.len() * WINDOWS.len());
}
