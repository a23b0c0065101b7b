//! A `--timeout` budget that runs out while chains are in flight: the partial document keeps every
//! final verdict of the full scan, and only the undecided become `timeout` errors.

use super::{first_watchlist_symbols, screen, symbols_of};
use crate::harness::{assert_schema_valid, list};
use serde_json::Value;
use std::collections::HashMap;

#[test]
fn a_budget_that_runs_out_keeps_every_final_verdict() {
    // Under the real service's latency model a 2 s budget ends the scan while chains are in
    // flight: what was decided stays decided, only the undecided become `timeout` errors.
    let full = screen(&["300", "--json", "--latency", "seed"])
        .expect_code(0)
        .json();
    // The budget: between the end of the candles and the end of the scan in the full run (the
    // machine is noisy, so up to four tries move it until it lands there).
    let stage_end = |name: &str| {
        full["meta"]["timings"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["end_ms"].as_f64())
            .unwrap_or_else(|| panic!("no {name} stage"))
    };
    let (candles_end, total) = (
        stage_end("candles"),
        full["meta"]["timings"]["total_ms"].as_f64().unwrap(),
    );
    let mut budget_ms = (candles_end + total) / 2.0;
    let mut tries = 0;
    let (part, timeouts) = loop {
        tries += 1;
        let budget = format!("{:.3}", budget_ms / 1000.0);
        let run = screen(&["300", "--json", "--latency", "seed", "--timeout", &budget]);
        if run.code == 0 && tries < 4 {
            // This run was faster than the full one and finished inside the budget: tighten it.
            budget_ms *= 0.8;
            continue;
        }
        let part = run.expect_code(1).json();
        let timeouts = list(&part, "errors")
            .iter()
            .filter(|e| e["stage"] == "timeout")
            .count();
        let after_candles = list(&part, "rejected")
            .iter()
            .any(|r| r["stage"] == "filter");
        if (timeouts > 0 && after_candles) || tries == 4 {
            // Rejections after the candles (stage filter) were kept, not thrown away as timeouts.
            assert!(
                after_candles,
                "no rejection after the candles was kept (budget {budget} s)"
            );
            assert!(
                timeouts > 0,
                "the budget did not cut the scan short: {}",
                part["meta"]
            );
            break (part, timeouts);
        }
        budget_ms = if timeouts == 0 {
            budget_ms * 0.8
        } else {
            budget_ms * 1.25
        };
    };
    assert_schema_valid(&part);
    assert_eq!(part["meta"]["complete"], false);
    assert!(part["meta"]["incomplete_reason"]
        .as_str()
        .is_some_and(|r| r.contains("--timeout")));
    let symbols = first_watchlist_symbols(300);
    let mut all: Vec<String> = ["candidates", "rejected", "errors"]
        .iter()
        .flat_map(|k| symbols_of(&part, k))
        .collect();
    all.sort();
    let mut want = symbols.clone();
    want.sort();
    assert_eq!(all, want, "conservation in the partial document");
    // Every decided symbol is decided as in the full scan, with the same numbers.
    let index = |doc: &Value, key: &str| -> HashMap<String, Value> {
        list(doc, key)
            .iter()
            .map(|e| (e["symbol"].as_str().unwrap().to_string(), e.clone()))
            .collect()
    };
    let (fc, fr) = (index(&full, "candidates"), index(&full, "rejected"));
    let mut decided = 0;
    for c in list(&part, "candidates") {
        let sym = c["symbol"].as_str().unwrap();
        let f = fc
            .get(sym)
            .unwrap_or_else(|| panic!("{sym} is no candidate in the full scan"));
        assert_eq!(c["score"], f["score"], "{sym}");
        assert_eq!(c["slippage"], f["slippage"], "{sym}");
        decided += 1;
    }
    for r in list(&part, "rejected") {
        let sym = r["symbol"].as_str().unwrap();
        let f = fr
            .get(sym)
            .unwrap_or_else(|| panic!("{sym} is not rejected in the full scan"));
        // The same verdict on the same data. A symbol is rejected on whatever data it had when
        // it was decided: a speculated chain (earnings) can land before the candles (HV) in one
        // run and after them in the other, so the failures listed may differ; the numbers may
        // not. Every field known in both runs is the same, and both name a failure.
        let failed = |v: &Value| {
            v["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| !x.as_str().unwrap().contains(" unknown ("))
        };
        assert!(
            failed(r) && failed(f),
            "{sym}: {} vs {}",
            r["reasons"],
            f["reasons"]
        );
        for (key, value) in r.as_object().unwrap() {
            if ["reasons", "stage", "warnings"].contains(&key.as_str()) || value.is_null() {
                continue;
            }
            // The expected move is the straddle's when the quotes came in, else IV × √DTE: a
            // symbol cut short before its quotes has the other method (and says so).
            if key == "expected_move" && r["expected_move_method"] != f["expected_move_method"] {
                continue;
            }
            if key == "expected_move_method" {
                continue;
            }
            let other = &f[key.as_str()];
            assert!(
                other.is_null() || other == value,
                "{sym}: {key} is {value} in the partial scan, {other} in the full one"
            );
        }
        decided += 1;
    }
    assert!(
        decided > timeouts,
        "{decided} decided, {timeouts} timed out"
    );
}
