//! The JSON document of a demo scan: one schema-valid document, every scanned symbol exactly once,
//! candidates ranked by score, derived metrics and the score as defined, and the same document for
//! the same `--as-of`.

use super::{
    close, doc100, doc40, first_watchlist_symbols, num, scan100, screen, symbols_of, AS_OF,
};
use crate::harness::{assert_schema_valid, list, without_clock};
use serde_json::Value;
use std::collections::HashMap;

#[test]
fn screen_100_json_is_one_schema_valid_document() {
    let run = scan100();
    run.expect_code(0);
    let doc = run.json();
    assert_schema_valid(&doc);
    let meta = &doc["meta"];
    assert_eq!(meta["symbols_requested"], 100);
    assert_eq!(meta["tool"], "volscreen");
    assert_eq!(meta["source"], "demo");
    assert_eq!(meta["profile"], "balanced");
    assert_eq!(meta["as_of"], AS_OF);
    assert_eq!(meta["complete"], true);
    assert_eq!(meta["incomplete_reason"], Value::Null);
    for key in ["candidates", "rejected", "errors"] {
        assert_eq!(meta["counts"][key], list(&doc, key).len(), "counts.{key}");
    }
    // Not --quiet: stderr holds the one-line demo-market notice and nothing of the document.
    assert!(!run.stderr.contains('{'), "JSON on stderr:\n{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr: {:?}", run.stderr);
    assert!(lines[0].contains("demo market"), "{}", lines[0]);
}

#[test]
fn every_scanned_symbol_appears_exactly_once() {
    let doc = doc100();
    let expected = first_watchlist_symbols(100);
    assert_eq!(expected.len(), 100);
    let mut seen: HashMap<String, Vec<&str>> = HashMap::new();
    for key in ["candidates", "rejected", "errors"] {
        for s in symbols_of(&doc, key) {
            seen.entry(s).or_default().push(key);
        }
    }
    for s in &expected {
        match seen.get(s).map(Vec::as_slice) {
            Some([_]) => {}
            other => panic!("{s} appears in {other:?}"),
        }
    }
    let extra: Vec<&String> = seen.keys().filter(|s| !expected.contains(s)).collect();
    assert!(extra.is_empty(), "reported but not scanned: {extra:?}");
    assert_eq!(seen.len(), 100);
}

#[test]
fn candidates_are_ranked_1_to_k_by_score() {
    let doc = doc100();
    let cands = list(&doc, "candidates");
    assert!(
        cands.len() >= 3,
        "too few candidates to test ranking: {}",
        cands.len()
    );
    let mut last = f64::INFINITY;
    for (k, c) in cands.iter().enumerate() {
        assert_eq!(c["rank"], k + 1, "{}", c["symbol"]);
        let s = c["score"].as_f64().expect("a scored candidate");
        assert!((0.0..=100.0).contains(&s), "{}: score {s}", c["symbol"]);
        assert!(s <= last, "{} scores {s} after {last}", c["symbol"]);
        last = s;
    }
}

#[test]
fn derived_metrics_and_score_follow_their_definitions() {
    let doc = doc100();
    let floor = 0.05;
    let mut checked = 0;
    let entries = list(&doc, "candidates")
        .iter()
        .chain(list(&doc, "rejected").iter());
    for e in entries {
        let sym = &e["symbol"];
        let (iv, hv30, hv90) = (num(e, "iv"), num(e, "hv30"), num(e, "hv90"));
        let expect = |key: &str, want: Option<f64>| match (num(e, key), want) {
            (Some(a), Some(b)) => assert!(close(a, b, 1e-12), "{sym}: {key} {a} != {b}"),
            (None, None) => {}
            (a, b) => panic!("{sym}: {key} is {a:?}, expected {b:?}"),
        };
        expect(
            "vrp_structural",
            iv.zip(hv90).map(|(i, h)| i / h.max(floor)),
        );
        expect("vrp_tactical", iv.zip(hv30).map(|(i, h)| i / h.max(floor)));
        expect("iv_hv_spread", iv.zip(hv30).map(|(i, h)| i - h));
        expect("vtr", hv30.zip(hv90).map(|(a, b)| a / b));
        match e["expected_move_method"].as_str() {
            Some("straddle") => expect(
                "expected_move",
                Some(num(e, "straddle_mid").unwrap() / num(e, "price").unwrap()),
            ),
            Some("iv_dte") => expect(
                "expected_move",
                Some(iv.unwrap() * (num(e, "dte").unwrap() / 365.0).sqrt()),
            ),
            Some(m) => panic!("{sym}: method {m}"),
            None => expect("expected_move", None),
        }
        checked += 1;
    }
    assert!(checked >= 100 - list(&doc, "errors").len());
    // The score: the documented weighted blend (config/volscreen.toml [score]), rounded to 0.1.
    let clamp = |x: f64| x.clamp(0.0, 1.0);
    for c in list(&doc, "candidates") {
        let premium = |v: f64| clamp((v - 1.0) / (2.0 - 1.0));
        let parts = [
            (
                0.40,
                num(c, "vrp_structural")
                    .zip(num(c, "vrp_tactical"))
                    .map(|(s, t)| (premium(s) + premium(t)) / 2.0),
            ),
            (0.20, num(c, "iv_percentile").map(clamp)),
            (
                0.10,
                num(c, "vtr").map(|v| clamp(1.0 - (v - 1.0).abs() / 0.5)),
            ),
            (0.15, num(c, "expected_move").map(|m| clamp(m / 0.15))),
            (0.15, num(c, "liquidity_rating").map(|r| clamp(r / 5.0))),
        ];
        let (n, d) = parts
            .iter()
            .filter_map(|(w, x)| x.map(|x| (w * x, *w)))
            .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
        let want = 100.0 * n / d;
        let got = num(c, "score").expect("score");
        assert!(
            (got - want).abs() <= 0.05 + 1e-9,
            "{}: score {got}, blend {want}",
            c["symbol"]
        );
    }
}

#[test]
fn the_same_as_of_gives_the_same_document() {
    let a = doc40();
    let b = screen(&["40", "--json"]).expect_code(0).json();
    assert_ne!(a["meta"]["scanned_at"], Value::Null, "scanned_at is set");
    assert_eq!(without_clock(&a), without_clock(&b));
}
