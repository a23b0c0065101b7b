//! `screen --estimators` (issue 12): the range-based estimators over 30 sessions as optional
//! columns, run with the real binary against the demo market at `--as-of 2026-11-20`.
//!
//! - The JSON values equal `vol::estimators::estimate` over the daily candles this test fetches
//!   itself from a demo market of the same date (REST tokens, then the DXLink client with the
//!   scan's `fromTime`), for an equity, an ETF, an index and a future.
//! - Without the flag every estimator field is `null` and the document is otherwise the same as
//!   with `--estimators all`: the flag adds values, it changes nothing else.
//! - The CSV has the columns asked for (after `hv252`, as fractions or with `--csv-percent` as
//!   percents) and the same numbers as the JSON; the table has PK30 … YZ30 after HV90.
//! - `--sort hv30_yang_zhang` (no `--estimators` needed) orders the candidates by it, re-checked
//!   pair by pair here; `--min hv30_parkinson=…` keeps only candidates at or above it.

use crate::harness::{self, list, without_clock, Run, TempDir};
use serde_json::Value;
use std::collections::BTreeMap;
use volscreen::config::Config;
use volscreen::date::{Date, TODAY_VAR};
use volscreen::dxlink::{
    candle_symbol_for, futures_candle_symbol, history_from_time_ms, CandlePool, DxLinkConfig,
};
use volscreen::sim::{start_local, SimOptions, DEMO_SECRET};
use volscreen::tastytrade::{ClientConfig, TastytradeClient};
use volscreen::vol::estimators::{estimate, Estimator};

const AS_OF: &str = "2026-11-20";

/// The estimator columns: estimator, JSON/CSV field, table title.
const COLUMNS: [(Estimator, &str, &str); 4] = [
    (Estimator::Parkinson, "hv30_parkinson", "PK30"),
    (Estimator::GarmanKlass, "hv30_garman_klass", "GK30"),
    (Estimator::RogersSatchell, "hv30_rogers_satchell", "RS30"),
    (Estimator::YangZhang, "hv30_yang_zhang", "YZ30"),
];

/// `volscreen screen ARGS --as-of 2026-11-20 --no-cache --quiet` on the built-in demo market.
fn screen(args: &[&str]) -> Run {
    let cache = TempDir::new("estimators");
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--as-of", AS_OF, "--no-cache", "--quiet"]);
    harness::run(&all, &[(TODAY_VAR, AS_OF)], cache.path())
}

/// `screen ARGS --json`, exit 0, schema-valid.
fn scan(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let doc = screen(&all).expect_code(0).json();
    harness::assert_schema_valid(&doc);
    doc
}

/// Every entry of the document (candidates, rejected, errors) by symbol.
fn by_symbol(doc: &Value) -> BTreeMap<String, Value> {
    ["candidates", "rejected", "errors"]
        .iter()
        .flat_map(|k| list(doc, k).iter())
        .map(|x| (x["symbol"].as_str().unwrap().to_string(), x.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_estimators_equal_the_estimators_of_the_served_candles() {
    let as_of: Date = AS_OF.parse().unwrap();
    let server = start_local(SimOptions::new(as_of)).await.unwrap();
    let client = TastytradeClient::new(ClientConfig::new(
        server.base_url(),
        DEMO_SECRET,
        DEMO_SECRET,
    ))
    .unwrap();
    client.authenticate().await.unwrap();
    let qt = client.quote_token().await.unwrap();
    let products = client.futures_contracts(&["ES"]).await;
    let es = products
        .get("ES")
        .and_then(|o| o.found())
        .and_then(|p| p.active_month())
        .and_then(|c| c.streamer_symbol.as_deref())
        .and_then(futures_candle_symbol)
        .expect("/ES has an active month with a streamer symbol");
    let wanted: Vec<(&str, String)> = vec![
        ("AAPL", candle_symbol_for("AAPL").unwrap()),
        ("SPY", candle_symbol_for("SPY").unwrap()),
        ("SPX", candle_symbol_for("SPX").unwrap()),
        ("/ES", es),
    ];
    let days = Config::builtin().scan.candle_history_days as i64;
    let pool = CandlePool::connect(
        qt.dxlink_url.clone(),
        qt.token.expose(),
        DxLinkConfig::default(),
    );
    let fetched = pool
        .fetch_all(
            wanted.iter().map(|(_, c)| c.clone()).collect(),
            history_from_time_ms(as_of, days),
        )
        .await;
    pool.shutdown().await;
    server.shutdown().await;

    let list_arg = wanted.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(",");
    let doc = tokio::task::spawn_blocking(move || {
        scan(&["--symbols", &list_arg, "--show-all", "--estimators", "all"])
    })
    .await
    .unwrap();
    assert_eq!(doc["errors"], serde_json::json!([]), "no symbol may fail");
    let entries = by_symbol(&doc);
    let mut compared = 0;
    for (symbol, candle_symbol) in &wanted {
        let series = match fetched.get(candle_symbol) {
            Some(Ok(s)) => s,
            other => panic!("{candle_symbol}: {other:?}"),
        };
        let entry = &entries[*symbol];
        for (e, field, _) in COLUMNS {
            let want = estimate(&series.candles, e, 30)
                .unwrap_or_else(|why| panic!("{symbol} {e}: {why}"));
            let got = entry[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{symbol} {field} is {}", entry[field]));
            assert!(
                (got - want).abs() <= 1e-12 * want.max(1.0),
                "{symbol} {field}: reported {got}, from {} DXLink candles {want}",
                series.candles.len()
            );
            // A range estimator is in the same range as close-to-close on a sane market.
            let hv30 = entry["hv30"].as_f64().unwrap();
            assert!(
                got > 0.2 * hv30 && got < 5.0 * hv30,
                "{symbol} {field} {got} vs {hv30}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, wanted.len() * COLUMNS.len());
}

#[test]
fn without_the_flag_the_fields_are_null_and_nothing_else_changes() {
    let plain = scan(&["40"]);
    let with = scan(&["40", "--estimators", "all"]);
    let strip = |doc: &Value| {
        let mut d = without_clock(doc);
        for key in ["candidates", "rejected", "errors"] {
            for x in d[key].as_array_mut().unwrap() {
                for (_, field, _) in COLUMNS {
                    x.as_object_mut().unwrap().remove(field);
                }
            }
        }
        d
    };
    assert_eq!(strip(&plain), strip(&with));
    let (mut nulls, mut values) = (0, 0);
    for (symbol, x) in by_symbol(&plain) {
        for (_, field, _) in COLUMNS {
            assert_eq!(x.get(field), Some(&Value::Null), "{symbol} {field}");
            nulls += 1;
        }
    }
    // Every symbol whose candles were computed (hv30 known) has the four values; the others
    // (rejected at the prefilter, before any candle) have none.
    for (symbol, x) in by_symbol(&with) {
        let known = x["hv30"].is_number();
        for (_, field, _) in COLUMNS {
            assert_eq!(x[field].is_number(), known, "{symbol} {field}");
            values += known as usize;
        }
    }
    assert_eq!(nulls, 40 * COLUMNS.len());
    assert!(values >= 10 * COLUMNS.len(), "{values} estimator values");
}

#[test]
fn csv_and_table_show_the_columns_asked_for() {
    let doc = scan(&["30", "--show-all", "--estimators", "yang_zhang,parkinson"]);
    let entries = by_symbol(&doc);
    let csv = screen(&[
        "30",
        "--show-all",
        "--csv",
        "--estimators",
        "parkinson,yang-zhang",
    ]);
    csv.expect_code(0);
    let mut lines = csv.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let hv252 = at("hv252").unwrap();
    assert_eq!(at("hv30_parkinson"), Some(hv252 + 1), "{header:?}");
    assert_eq!(at("hv30_yang_zhang"), Some(hv252 + 2), "{header:?}");
    assert_eq!(at("hv30_garman_klass"), None, "not asked for");
    assert_eq!(at("hv30_rogers_satchell"), None, "not asked for");
    let mut compared = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let x = &entries[cells[at("symbol").unwrap()]];
        for field in ["hv30_parkinson", "hv30_yang_zhang"] {
            let cell = cells[at(field).unwrap()];
            match x[field].as_f64() {
                Some(v) => {
                    let c: f64 = cell.parse().unwrap();
                    assert!((c - v).abs() <= 0.5e-6 + 1e-12, "{field}: {c} vs {v}");
                    compared += 1;
                }
                None => assert_eq!(cell, "", "{field}"),
            }
        }
    }
    assert!(compared >= 50, "{compared} cells compared");
    // As percents with --csv-percent, named NAME_pct.
    let pct = screen(&[
        "5",
        "--show-all",
        "--csv",
        "--csv-percent",
        "--estimators",
        "all",
    ]);
    let header = pct
        .expect_code(0)
        .stdout
        .lines()
        .next()
        .unwrap()
        .to_string();
    for (_, field, _) in COLUMNS {
        assert!(header.contains(&format!(",{field}_pct,")), "{header}");
    }
    // The default CSV has none of them.
    let plain = screen(&["5", "--csv"]);
    assert!(!plain.expect_code(0).stdout.contains("hv30_"));
    // The table: after HV90, only when asked for.
    let table = screen(&["30", "--show-all", "--top", "3", "--estimators", "all"]);
    let head = table
        .expect_code(0)
        .stdout
        .lines()
        .nth(3)
        .unwrap()
        .to_string();
    let titles: Vec<&str> = head.split_whitespace().collect();
    let hv90 = titles.iter().position(|t| *t == "HV90").unwrap();
    assert_eq!(
        titles[hv90 + 1..hv90 + 5],
        ["PK30", "GK30", "RS30", "YZ30"],
        "{head}"
    );
    let plain = screen(&["30", "--show-all", "--top", "3"]);
    assert!(!plain.expect_code(0).stdout.contains("YZ30"));
}

#[test]
fn sorting_and_thresholds_take_the_estimator_fields() {
    let doc = scan(&["60", "--show-all", "--sort", "hv30_yang_zhang"]);
    let candidates = list(&doc, "candidates");
    assert!(candidates.len() >= 50, "{}", candidates.len());
    let values: Vec<Option<f64>> = candidates
        .iter()
        .map(|c| c["hv30_yang_zhang"].as_f64())
        .collect();
    assert!(
        values.iter().filter(|v| v.is_some()).count() >= 50,
        "--sort asks for the estimator without --estimators"
    );
    for (k, pair) in values.windows(2).enumerate() {
        match (pair[0], pair[1]) {
            (Some(a), Some(b)) => assert!(a >= b, "rank {}: {a} before {b}", k + 1),
            (None, Some(_)) => panic!("rank {}: an unknown value before a known one", k + 1),
            _ => {}
        }
    }
    for (k, c) in candidates.iter().enumerate() {
        assert_eq!(c["rank"], k + 1);
    }
    // Lowest first.
    let asc = scan(&["60", "--show-all", "--sort", "hv30_yang_zhang:asc"]);
    let first = list(&asc, "candidates")[0]["hv30_yang_zhang"]
        .as_f64()
        .unwrap();
    let min = values
        .iter()
        .flatten()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(first, min);
    // A minimum on an estimator field: every candidate at or above it, and it did remove some.
    let doc = scan(&["60", "--min", "hv30_parkinson=0.30", "--profile", "broad"]);
    for c in list(&doc, "candidates") {
        let v = c["hv30_parkinson"].as_f64().expect("known for a candidate");
        assert!(v >= 0.30, "{}: {v}", c["symbol"]);
    }
    let removed = list(&doc, "rejected")
        .iter()
        .filter(|r| {
            r["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().starts_with("min_hv30_parkinson"))
        })
        .count();
    assert!(removed > 0, "the threshold removed something");
    // An unknown estimator is a usage error naming the choices.
    screen(&["5", "--estimators", "garman"]).expect_input_error(&["--estimators", "parkinson"]);
}
