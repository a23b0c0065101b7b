//! Hostile `/market-metrics` values on AMZN: an IV index of 50, an IV percentile above 1, an IV
//! rank of -5, a liquidity rating of 99 or unreadable; each null with a warning, never a pass.

use super::{assert_healthy, number, row_mut, scan, Scan, SYMBOLS};
use crate::harness::{assert_schema_valid, Market, TempDir};
use serde_json::{json, Value};

/// The synthetic `/market-metrics` body of the scan's symbols.
fn synthetic_metrics() -> Value {
    Market::plain().get(&format!("/market-metrics?symbols={SYMBOLS}"))
}

/// Serve the metrics with `AMZN.field = value`; returns the control and the hostile scan.
fn metrics_scans(tag: &str, field: &str, value: Value) -> (Scan, Scan, Market) {
    let dir = TempDir::new(tag);
    let mut body = synthetic_metrics();
    dir.file("market-metrics.json", &body.to_string());
    let market = Market::with_fixtures(dir.path());
    let control = scan(&market, None);
    assert_eq!(
        market.fixture_served("/market-metrics"),
        1,
        "the fixture is served"
    );
    row_mut(&mut body, "AMZN").insert(field.to_string(), value);
    dir.file("market-metrics.json", &body.to_string());
    let hostile = scan(&market, None);
    assert_eq!(
        market.fixture_served("/market-metrics"),
        2,
        "the hostile fixture is served"
    );
    (control, hostile, market)
}

/// IV index "50" (a percent where a fraction belongs): never used, so no vrp_structural is made
/// from it and AMZN is not a candidate; it is an error unless another filter fails on known data.
#[test]
fn iv_index_of_50_is_a_warning_not_a_ranking() {
    let (control, hostile, _m) = metrics_scans("iv50", "implied-volatility-index", json!("50"));
    assert_healthy(&control);
    let iv = control.entry("AMZN").1["iv"].as_f64().expect("control iv");
    assert!(iv > 0.1 && iv < 1.0, "control iv {iv}");

    let (list, amzn) = hostile.entry("AMZN");
    let show = hostile.show();
    assert_eq!(amzn["iv"], Value::Null, "iv 50 is never used\n{show}");
    for derived in ["vrp_structural", "vrp_tactical", "iv_hv_spread"] {
        assert_eq!(
            amzn[derived],
            Value::Null,
            "{derived} is never made from iv 50\n{show}"
        );
    }
    let w = hostile.warnings("AMZN", |f| f == "iv");
    assert!(
        w.iter().any(|w| number(&w["value"]) == Some(50.0)),
        "a warning {{field: iv, value: 50}}\n{show}"
    );
    assert_ne!(list, "candidates", "AMZN is not a candidate\n{show}");
    if list == "rejected" {
        let failed = amzn["filters"]["failed"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let reasons = amzn["reasons"].as_array().cloned().unwrap_or_default();
        assert!(
            !reasons.is_empty() && reasons.iter().all(|r| !r.to_string().contains("vrp")),
            "rejected only by a filter on known data, not by a vrp made from iv 50\n{failed:?}\n{show}"
        );
    } else {
        assert_eq!(list, "errors", "{show}");
        assert!(
            amzn["unknown"].as_array().is_some_and(|u| !u.is_empty()),
            "the error names what is unknown\n{show}"
        );
    }
    // Nothing else moved.
    assert_eq!(
        hostile.entry("SPY").0,
        "candidates",
        "SPY is untouched\n{show}"
    );
    assert_schema_valid(&hostile.doc);
}

/// IV percentile "1.5": null with a warning; the iv_percentile filter cannot pass on it.
#[test]
fn iv_percentile_above_one_is_unknown_never_a_pass() {
    let (control, hostile, _m) =
        metrics_scans("ivp", "implied-volatility-percentile", json!("1.5"));
    assert_healthy(&control);
    let (list, amzn) = hostile.entry("AMZN");
    let show = hostile.show();
    assert_eq!(amzn["iv_percentile"], Value::Null, "{show}");
    assert!(
        hostile
            .warnings("AMZN", |f| f == "iv_percentile")
            .iter()
            .any(|w| number(&w["value"]) == Some(1.5)),
        "a warning {{field: iv_percentile, value: 1.5}}\n{show}"
    );
    assert_ne!(
        list, "candidates",
        "iv_percentile cannot pass on 1.5\n{show}"
    );
    let passed = amzn["filters"]["passed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!passed.contains(&json!("iv_percentile")), "{show}");
    if list == "errors" {
        let unknown = amzn["unknown"].to_string();
        assert!(unknown.contains("iv_percentile"), "{show}");
    }
    assert_schema_valid(&hostile.doc);
}

/// IV rank "-5": null with a warning (the rank is not a filter input, so the verdict stays).
#[test]
fn iv_rank_of_minus_5_is_null_with_a_warning() {
    let (control, hostile, _m) = metrics_scans("ivr", "implied-volatility-index-rank", json!("-5"));
    assert_healthy(&control);
    let show = hostile.show();
    let (_, amzn) = hostile.entry("AMZN");
    assert_eq!(
        amzn["iv_rank"],
        Value::Null,
        "rank -5 is never printed\n{show}"
    );
    assert!(
        hostile
            .warnings("AMZN", |f| f == "iv_rank")
            .iter()
            .any(|w| number(&w["value"]) == Some(-5.0)),
        "a warning {{field: iv_rank, value: -5}}\n{show}"
    );
    assert_schema_valid(&hostile.doc);
}

/// Liquidity rating 99: null with a warning; the liquidity filter cannot pass on it.
#[test]
fn liquidity_rating_99_is_unknown_never_a_pass() {
    let (control, hostile, _m) = metrics_scans("liq", "liquidity-rating", json!(99));
    assert_healthy(&control);
    let show = hostile.show();
    let (list, amzn) = hostile.entry("AMZN");
    assert_eq!(amzn["liquidity_rating"], Value::Null, "{show}");
    assert!(
        hostile
            .warnings("AMZN", |f| f.starts_with("liquidity"))
            .iter()
            .any(|w| number(&w["value"]) == Some(99.0)),
        "a warning {{field: liquidity_rating, value: 99}}\n{show}"
    );
    assert_ne!(list, "candidates", "liquidity cannot pass on 99\n{show}");
    let passed = amzn["filters"]["passed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!passed.contains(&json!("liquidity_rating")), "{show}");
    assert_schema_valid(&hostile.doc);
}

/// A rating sent but unreadable ("NaN", 4.5) is implausible: null with a warning, never taken
/// for "not rated" (which would be a known 0 and a rejection).
#[test]
fn an_unreadable_liquidity_rating_is_a_warning_not_a_zero() {
    for (tag, value) in [("liqnan", json!("NaN")), ("liqfrac", json!(4.5))] {
        let (control, hostile, _m) = metrics_scans(tag, "liquidity-rating", value.clone());
        assert_healthy(&control);
        let show = hostile.show();
        let (list, amzn) = hostile.entry("AMZN");
        assert_eq!(amzn["liquidity_rating"], Value::Null, "{value}: {show}");
        assert!(
            !hostile
                .warnings("AMZN", |f| f == "liquidity_rating")
                .is_empty(),
            "{value}: a warning {{field: liquidity_rating}}\n{show}"
        );
        assert_ne!(list, "candidates", "{show}");
        assert_ne!(
            list, "rejected",
            "an unreadable rating is no known 0\n{show}"
        );
        assert_schema_valid(&hostile.doc);
    }
}
