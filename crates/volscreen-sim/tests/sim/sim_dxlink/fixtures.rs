//! Candle fixtures (`--fixtures DIR`: `DIR/dxlink/candles/{SYMBOL}.json`): hostile histories
//! served verbatim as proper snapshots, a copy of the synthetic candles, the empty and raw-event
//! forms, broken files, and the snapshot faults on fixture candles.

use super::{
    as_of, assert_empty_history, assert_snapshot, authorized, candles_of, fault_count, market,
    options, stat,
};
use crate::dxlink_client::{double, flags, int, BEGIN, END, SNIP};
use serde_json::{json, Value};
use volscreen_core::date::Date;
use volscreen_sim::{Faults, SimOptions, SimServer};

/// A fresh fixtures directory with `dxlink/candles/` inside; `files` are `(name, JSON text)`.
fn candle_fixtures(tag: &str, files: &[(&str, String)]) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "volscreen-sim-dxlink-{tag}-{}-{nanos}",
        std::process::id()
    ));
    let candles = dir.join("dxlink/candles");
    std::fs::create_dir_all(&candles).expect("create the fixtures dir");
    for (name, text) in files {
        std::fs::write(candles.join(name), text).expect("write a fixture");
    }
    dir
}

fn with_fixtures(dir: &std::path::Path) -> SimOptions {
    let mut o = options();
    o.fixtures = Some(dir.to_path_buf());
    o
}

fn fixture_count(server: &SimServer, name: &str) -> i64 {
    server.stats()["fixtures"][name].as_i64().unwrap_or(0)
}

/// A hostile history: out of order in the file, a candle after the as-of date, a close of 1e308,
/// non-finite values written as strings, and one candle before `fromTime`. It arrives as a proper
/// snapshot, newest first with BEGIN / END, every value as written, in COMPACT and in FULL; a
/// symbol without a file keeps its synthetic candles.
#[tokio::test]
async fn candle_fixtures_are_served_as_snapshots_with_hostile_values_verbatim() {
    let d = |y, m, day| Date::from_ymd(y, m, day).expect("date").epoch_ms();
    let future = as_of().add_days(40).epoch_ms();
    let text = json!([
        {"date": "2026-03-18", "open": 500.0, "high": 505.0, "low": 498.0, "close": 503.0, "volume": 1000},
        {"time": future, "open": 1, "high": 1, "low": 1, "close": 1.0e308, "volume": 5},
        {"date": "2026-03-19", "open": "NaN", "high": "Infinity", "low": "-Infinity", "close": 2.5,
         "volume": "NaN", "vwap": "NaN", "eventSymbol": "ignored"},
        {"date": "2026-03-20", "open": 0.0, "high": -3.0, "low": 7.0, "close": -1.0, "volume": -10},
        {"date": "2020-01-02", "close": 1.0}
    ])
    .to_string();
    let dir = candle_fixtures("hostile", &[("SPY.json", text)]);
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    c.open_channel(3, "AUTO").await; // no FEED_SETUP: FULL with the default fields
    let from = d(2025, 1, 1);
    let aapl_from = candles_of(&server, "AAPL")[candles_of(&server, "AAPL").len() - 30].time;
    c.add_candles(1, &[("SPY{=1d}", from), ("AAPL{=1d}", aapl_from)])
        .await;
    c.add_candles(3, &[("SPY{=d}", from)]).await;
    let compact = c.collect_snapshots(1, &["SPY{=1d}", "AAPL{=1d}"]).await;
    let full = c.collect_snapshots(3, &["SPY{=d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", aapl_from, &compact["AAPL{=1d}"]);

    for (symbol, snap) in [
        ("SPY{=1d}", &compact["SPY{=1d}"]),
        ("SPY{=d}", &full["SPY{=d}"]),
    ] {
        let e = &snap.events;
        assert_eq!(
            e.len(),
            4,
            "{symbol}: the 2020 candle is before fromTime\n{}",
            c.dump()
        );
        let times: Vec<i64> = e.iter().map(|e| int(e, "time")).collect();
        assert_eq!(
            times,
            vec![future, d(2026, 3, 20), d(2026, 3, 19), d(2026, 3, 18)],
            "{symbol}: newest first"
        );
        let fl: Vec<i64> = e.iter().map(flags).collect();
        assert_eq!(fl, vec![BEGIN, 0, 0, END], "{symbol}: snapshot flags");
        for (ev, t) in e.iter().zip(&times) {
            assert_eq!(
                ev["eventSymbol"], symbol,
                "as subscribed, not as in the file"
            );
            assert_eq!(
                int(ev, "index"),
                (t / 1000) << 32,
                "{symbol}: index from time"
            );
        }
        assert_eq!(double(&e[0], "close"), 1.0e308);
        assert_eq!(e[1]["close"], json!(-1.0));
        assert_eq!(e[1]["high"], json!(-3.0));
        assert_eq!(e[1]["volume"], json!(-10.0));
        assert_eq!(e[2]["open"], "NaN");
        assert_eq!(e[2]["high"], "Infinity");
        assert_eq!(e[2]["low"], "-Infinity");
        assert_eq!(e[2]["volume"], "NaN");
        assert_eq!(e[2]["vwap"], "NaN");
        assert_eq!(double(&e[2], "close"), 2.5);
        assert_eq!(double(&e[3], "close"), 503.0);
        assert_eq!(double(&e[3], "vwap"), (505.0 + 498.0 + 503.0) / 3.0);
    }
    assert_eq!(fixture_count(&server, "dxlink/candles/SPY"), 2);
    assert_eq!(fixture_count(&server, "dxlink/candles/AAPL"), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fixture written from the market's own candles is indistinguishable from the synthetic feed:
/// the same events, flags, indices and vwap, split into messages of at most 100 candles.
#[tokio::test]
async fn a_fixture_of_the_synthetic_candles_reproduces_the_synthetic_snapshot() {
    let plain = market(options()).await;
    let msft = candles_of(&plain, "MSFT");
    let rows: Vec<Value> = msft
        .iter()
        .map(|k| {
            json!({"time": k.time, "open": k.open, "high": k.high, "low": k.low,
                   "close": k.close, "volume": k.volume})
        })
        .collect();
    let dir = candle_fixtures("copy", &[("MSFT.json", Value::Array(rows).to_string())]);
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let from = msft[msft.len() - 250].time;
    c.add_candles(1, &[("MSFT{=1d}", from)]).await;
    let snaps = c.collect_snapshots(1, &["MSFT{=1d}"]).await;
    assert_snapshot(&server, "MSFT{=1d}", from, &snaps["MSFT{=1d}"]);
    assert_eq!(
        snaps["MSFT{=1d}"].messages.len(),
        3,
        "250 candles in 100-candle messages"
    );
    assert_eq!(fixture_count(&server, "dxlink/candles/MSFT"), 1);
    assert_eq!(stat(&server, "candles"), 250);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `[]` is the empty-history form; objects with `eventFlags` are raw events sent exactly as
/// written, in file order (here oldest first, with explicit indices); a broken file is an `ERROR`
/// naming it, and the other subscriptions of the same message still get their snapshots.
#[tokio::test]
async fn candle_fixtures_empty_raw_and_broken_files() {
    let raw = json!([
        {"date": "2026-03-18", "close": 10.0, "eventFlags": 4, "index": 1},
        {"date": "2026-03-19", "close": "NaN", "index": 2},
        {"date": "2026-03-20", "close": 12.0, "eventFlags": 8, "index": 3}
    ])
    .to_string();
    let empty_raw = json!([{"eventFlags": 14, "open": "NaN", "high": "NaN", "low": "NaN",
                            "close": "NaN", "volume": "NaN"}])
    .to_string();
    let dir = candle_fixtures(
        "kinds",
        &[
            ("SPY.json", "[]".to_string()),
            ("QQQ.json", raw),
            ("IWM.json", empty_raw),
            ("BRK_B.json", "not json".to_string()),
        ],
    );
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    c.add_candles(
        1,
        &[
            ("SPY{=1d}", 0),
            ("BRK/B{=1d}", 0),
            ("QQQ{=1d}", i64::MAX / 2),
            ("IWM{=1d}", 0),
        ],
    )
    .await;
    let error = c.recv_until(|m| m["type"] == "ERROR").await;
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("BRK_B.json") && message.contains("not JSON"),
        "{error}"
    );
    let snaps = c
        .collect_snapshots(1, &["SPY{=1d}", "QQQ{=1d}", "IWM{=1d}"])
        .await;
    assert_empty_history("SPY{=1d}", &snaps["SPY{=1d}"]);
    assert_empty_history("IWM{=1d}", &snaps["IWM{=1d}"]);
    let q = &snaps["QQQ{=1d}"].events;
    assert_eq!(q.len(), 3, "raw events ignore fromTime");
    assert_eq!(q.iter().map(flags).collect::<Vec<_>>(), vec![BEGIN, 0, END]);
    assert_eq!(
        q.iter().map(|e| int(e, "index")).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(q[1]["close"], "NaN");
    assert_eq!(double(&q[2], "close"), 12.0);
    assert!(
        int(&q[0], "time") < int(&q[2], "time"),
        "file order, oldest first"
    );
    assert!(
        !c.snapshots(1).contains_key("BRK/B{=1d}"),
        "no snapshot for a broken file"
    );
    // The connection is still usable.
    c.add_candles(1, &[("AAPL{=1d}", as_of().add_days(-10).epoch_ms())])
        .await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(
        &server,
        "AAPL{=1d}",
        as_of().add_days(-10).epoch_ms(),
        &snaps["AAPL{=1d}"],
    );
    assert_eq!(fixture_count(&server, "dxlink/candles/QQQ"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The snapshot faults apply to fixture candles as to synthetic ones.
#[tokio::test]
async fn snapshot_faults_apply_to_candle_fixtures() {
    let rows: Vec<Value> = (1..=10)
        .map(|k| json!({"date": format!("2026-03-{:02}", k + 5), "close": 100.0 + k as f64}))
        .collect();
    let dir = candle_fixtures("faults", &[("SPY.json", Value::Array(rows).to_string())]);
    let mut o = with_fixtures(&dir);
    o.faults = Faults::parse("snip=1").expect("fault spec");
    let server = market(o).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.add_candles(1, &[("SPY{=1d}", 0)]).await;
    let snaps = c.collect_snapshots(1, &["SPY{=1d}"]).await;
    let e = &snaps["SPY{=1d}"].events;
    assert_eq!(e.len(), 5, "half the history");
    assert_eq!(flags(&e[0]), BEGIN);
    assert_eq!(flags(&e[4]), SNIP);
    assert_eq!(double(&e[0], "close"), 110.0, "newest first");
    assert_eq!(fault_count(&server, "snip"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
