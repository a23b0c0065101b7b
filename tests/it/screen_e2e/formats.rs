//! The scan's other outputs, compared with its JSON document: CSV rows, the table and
//! `--explain` (no ANSI without a terminal), `--top`, `--show-all`, and the BENCHMARK breakdown on
//! stderr.

use super::{
    doc40, failing, owned, reason_filters, screen, screen_env, symbols_of, with, Out, BALANCED,
};
use crate::harness::{assert_schema_valid, list};
use serde_json::Value;

#[test]
fn csv_rows_match_the_json_candidates() {
    let doc = doc40();
    let run = screen(&["40", "--csv"]);
    run.expect_code(0);
    let mut rdr = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_string)
        .collect();
    for col in [
        "rank",
        "symbol",
        "price",
        "iv",
        "hv30",
        "vrp_structural",
        "score",
        "signal",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column: {header:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = rdr
        .records()
        .map(|r| r.expect("a well-formed CSV row"))
        .collect();
    let cands = list(&doc, "candidates");
    assert!(!cands.is_empty());
    let row_symbols: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    let json_symbols: Vec<String> = symbols_of(&doc, "candidates");
    assert_eq!(row_symbols, json_symbols, "same symbols, same order");
    for (row, c) in rows.iter().zip(cands) {
        let sym = &c["symbol"];
        for (col, cell) in header.iter().zip(row.iter()) {
            let joined = |v: &Value| {
                v.as_array()
                    .expect("a list")
                    .iter()
                    .map(|x| x.as_str().expect("text"))
                    .collect::<Vec<_>>()
                    .join(";")
            };
            let want = match col.as_str() {
                "filters_passed" => {
                    assert_eq!(cell, joined(&c["filters"]["passed"]), "{sym}: {col}");
                    continue;
                }
                "filters_failed" => {
                    assert_eq!(cell, joined(&c["filters"]["failed"]), "{sym}: {col}");
                    continue;
                }
                "filters_na" => {
                    assert_eq!(cell, joined(&c["filters"]["na"]), "{sym}: {col}");
                    continue;
                }
                "filters_unknown" => {
                    assert_eq!(cell, joined(&c["filters"]["unknown"]), "{sym}: {col}");
                    continue;
                }
                "warnings" => {
                    let n = c["warnings"].as_array().map_or(0, |w| w.len());
                    assert_eq!(cell.is_empty(), n == 0, "{sym}: {col} {cell:?}");
                    continue;
                }
                "notes" => {
                    assert_eq!(cell, joined(&c["notes"]), "{sym}: {col}");
                    continue;
                }
                _ => c
                    .get(col.as_str())
                    .unwrap_or_else(|| panic!("CSV column {col} is not a JSON candidate field")),
            };
            match want {
                Value::Null => assert_eq!(cell, "", "{sym}: {col} is null in JSON"),
                Value::Number(n) => {
                    let a: f64 = cell
                        .parse()
                        .unwrap_or_else(|_| panic!("{sym}: {col} = {cell:?} is not a number"));
                    let b = n.as_f64().expect("a number");
                    // The CSV rounds to 6 decimals (docs/metrics.md): half a millionth at most.
                    assert!(
                        (a - b).abs() <= 0.5e-6 + 1e-12 * b.abs(),
                        "{sym}: {col} CSV {a} JSON {b}"
                    );
                }
                Value::String(s) => assert_eq!(cell, s, "{sym}: {col}"),
                Value::Bool(b) => assert_eq!(cell, b.to_string(), "{sym}: {col}"),
                other => panic!("{sym}: {col} has an unexpected JSON value {other}"),
            }
        }
    }
}

#[test]
fn explain_lists_rejected_symbols_with_reasons_and_the_table_has_no_ansi() {
    let doc = doc40();
    let explained = screen(&["40", "--explain"]);
    explained.expect_code(0);
    let plain = screen(&["40"]);
    plain.expect_code(0);
    for run in [&explained, &plain] {
        assert!(
            !run.stdout.contains('\x1b') && !run.stderr.contains('\x1b'),
            "ANSI escapes without a terminal:\n{}",
            run.stdout
        );
    }
    let text = &explained.stdout;
    for c in symbols_of(&doc, "candidates") {
        assert!(text.contains(&c), "candidate {c} missing from the table");
    }
    let rejected = list(&doc, "rejected");
    assert!(!rejected.is_empty());
    let tail = &text[text.find("rejected").expect("a rejected section")..];
    for r in rejected {
        let sym = r["symbol"].as_str().unwrap();
        assert!(
            tail.lines()
                .any(|l| l.split_whitespace().next() == Some(sym)),
            "{sym} not listed in:\n{tail}"
        );
        for reason in r["reasons"].as_array().unwrap() {
            let reason = reason.as_str().unwrap();
            assert!(text.contains(reason), "{sym}: reason {reason:?} not shown");
            assert!(
                !plain.stdout.contains(reason),
                "without --explain the reason {reason:?} is shown"
            );
        }
    }
}

#[test]
fn top_caps_the_candidates_and_keeps_the_counts() {
    let full = doc40();
    let top = screen(&["40", "--top", "3", "--json"])
        .expect_code(0)
        .json();
    assert_schema_valid(&top);
    assert!(
        list(&full, "candidates").len() > 3,
        "need more than 3 candidates"
    );
    assert_eq!(list(&top, "candidates"), &list(&full, "candidates")[..3]);
    assert_eq!(top["meta"]["counts"], full["meta"]["counts"]);
    assert_eq!(top["meta"]["top"], 3);
    assert_eq!(top["rejected"], full["rejected"]);
    assert_eq!(top["errors"], full["errors"]);
}

#[test]
fn show_all_makes_every_symbol_with_data_a_candidate() {
    let doc = screen(&["30", "--show-all", "--json"])
        .expect_code(0)
        .json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["show_all"], true);
    assert_eq!(doc["meta"]["counts"]["rejected"], 0);
    assert!(list(&doc, "rejected").is_empty());
    let cands = list(&doc, "candidates");
    assert_eq!(cands.len() + list(&doc, "errors").len(), 30);
    let mut bypassed = 0;
    for (k, c) in cands.iter().enumerate() {
        assert_eq!(c["rank"], k + 1);
        // Each candidate still says which filters it failed, and those are exactly the ones it fails.
        let named = reason_filters(&c["filters"]["failed"]);
        assert_eq!(named, owned(&failing(c, &BALANCED)), "{}", c["symbol"]);
        let unknown = reason_filters(&c["filters"]["unknown"]);
        assert_eq!(
            unknown,
            owned(&with(c, &BALANCED, Out::Unknown)),
            "{}",
            c["symbol"]
        );
        bypassed += (!named.is_empty()) as usize;
    }
    assert!(bypassed > 0, "no candidate needed --show-all");
}

#[test]
fn benchmark_mode_keeps_stdout_json_and_breaks_down_every_stage_on_stderr() {
    let run = screen_env(&["20", "--json"], &[("BENCHMARK", "1")]);
    let doc = run.expect_code(0).json();
    assert_schema_valid(&doc);
    assert!(!run.stdout.contains("PIPELINE TIMING BREAKDOWN"));
    assert!(
        run.stderr.contains("PIPELINE TIMING BREAKDOWN"),
        "stderr:\n{}",
        run.stderr
    );
    let stages = doc["meta"]["timings"]["stages"].as_array().expect("stages");
    assert!(stages.len() >= 5, "{stages:?}");
    for s in stages {
        let name = s["name"].as_str().expect("stage name");
        assert!(
            run.stderr
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "stage {name} missing from the breakdown:\n{}",
            run.stderr
        );
    }
}
