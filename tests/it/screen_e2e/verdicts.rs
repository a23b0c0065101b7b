//! Filter verdicts re-derived from product.md: the `balanced` and `broad` profiles' thresholds
//! ([`check_verdicts`]), and earnings on or before the expiration (rejected under `balanced`,
//! marked EVENT under `broad`).

use super::{doc100, failing, outcomes, owned, reason_filters, screen, with, Bars, Out, BALANCED};
use crate::harness::{assert_schema_valid, list};
use serde_json::Value;
use std::collections::BTreeSet;
use volscreen::date::Date;

/// `broad`: vrp_structural 1.0, iv percentile 0.30, illiquid and earnings allowed; the rest as balanced.
const BROAD: Bars = Bars {
    vrp_structural_gt: 1.0,
    iv_percentile_ge: 0.30,
    liquidity_ge: 0,
    earnings_allowed: true,
    ..BALANCED
};

const ALL_FILTERS: [&str; 9] = [
    "data_integrity",
    "iv_percentile",
    "liquidity_rating",
    "price",
    "vrp_structural",
    "vrp_tactical",
    "vtr",
    "slippage",
    "earnings",
];
/// The filters that need only metrics (product.md stage 4).
const PREFILTERS: [&str; 4] = [
    "data_integrity",
    "iv_percentile",
    "liquidity_rating",
    "price",
];

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("an array of filter names")
        .iter()
        .map(|x| x.as_str().expect("a filter name").to_string())
        .collect()
}

/// product.md's verdicts, re-derived from the numbers: candidates pass every filter of `b` or
/// it does not apply (never unknown); every rejected symbol fails at least one on known data, and
/// its reasons name every filter it fails and otherwise only filters left unknown; every error
/// fails nothing on known data.
fn check_verdicts(doc: &Value, b: &Bars) {
    for c in list(doc, "candidates") {
        let sym = &c["symbol"];
        let bad: Vec<_> = outcomes(c, b)
            .into_iter()
            .filter(|(_, o)| !matches!(o, Out::Pass | Out::Na))
            .collect();
        assert!(bad.is_empty(), "candidate {sym}: {bad:?}: {c}");
        let mut all = names(&c["filters"]["passed"]);
        all.extend(names(&c["filters"]["na"]));
        assert_eq!(
            all,
            owned(&ALL_FILTERS.into_iter().collect()),
            "{sym}: filters"
        );
        assert_eq!(
            names(&c["filters"]["na"]),
            owned(&with(c, b, Out::Na)),
            "{sym}"
        );
        assert_eq!(c["filters"]["failed"], serde_json::json!([]), "{sym}");
        assert_eq!(c["filters"]["unknown"], serde_json::json!([]), "{sym}");
    }
    for r in list(doc, "rejected") {
        let sym = &r["symbol"];
        let reasons = r["reasons"].as_array().expect("reasons");
        assert!(
            reasons
                .iter()
                .all(|x| x.as_str().is_some_and(|s| !s.trim().is_empty())),
            "{sym}: empty reason in {reasons:?}"
        );
        let fails = failing(r, b);
        assert!(
            !fails.is_empty(),
            "rejected {sym} fails nothing on known data: {r}"
        );
        let named = reason_filters(&r["reasons"]);
        let unknown = owned(&with(r, b, Out::Unknown));
        let pre = |set: &BTreeSet<&'static str>| -> BTreeSet<&'static str> {
            set.iter()
                .copied()
                .filter(|n| PREFILTERS.contains(n))
                .collect()
        };
        let must = match r["stage"].as_str() {
            Some("prefilter") => pre(&fails),
            Some("filter") => {
                assert!(
                    pre(&fails).is_empty(),
                    "{sym} fails a prefilter {fails:?} but reached the filter stage"
                );
                fails.clone()
            }
            other => panic!("{sym}: rejected at stage {other:?}"),
        };
        assert!(
            !must.is_empty(),
            "{sym}: rejected at {} without a failure there",
            r["stage"]
        );
        for n in &must {
            assert!(named.contains(*n), "{sym}: reasons {reasons:?} omit {n}");
        }
        for n in &named {
            assert!(
                fails.contains(n.as_str()) || unknown.contains(n),
                "{sym}: reason {n} is neither failed nor unknown: {reasons:?}"
            );
        }
    }
    for e in list(doc, "errors") {
        let f = failing(e, b);
        assert!(
            f.is_empty(),
            "error {} fails {f:?} on known data: {e}",
            e["symbol"]
        );
        assert!(e["error"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
    }
}

#[test]
fn balanced_verdicts_follow_the_thresholds() {
    let doc = doc100();
    assert_eq!(doc["meta"]["profile"], "balanced");
    check_verdicts(&doc, &BALANCED);
    // Not vacuous: the scan has candidates and rejections at both stages.
    let stages: BTreeSet<&str> = list(&doc, "rejected")
        .iter()
        .map(|r| r["stage"].as_str().expect("stage"))
        .collect();
    assert!(!list(&doc, "candidates").is_empty());
    assert_eq!(stages, BTreeSet::from(["filter", "prefilter"]));
}

#[test]
fn broad_profile_applies_its_thresholds() {
    let run = screen(&["60", "--json", "--profile", "broad"]);
    let doc = run.expect_code(0).json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["profile"], "broad");
    check_verdicts(&doc, &BROAD);
    // The profile really changed the bars: some broad candidate would fail `balanced`.
    let looser: Vec<&Value> = list(&doc, "candidates")
        .iter()
        .filter(|c| !failing(c, &BALANCED).is_empty())
        .map(|c| &c["symbol"])
        .collect();
    assert!(
        !looser.is_empty(),
        "every broad candidate also passes balanced"
    );
}

#[test]
fn earnings_on_or_before_the_expiration_reject_or_mark_event() {
    // balanced: no candidate has its earnings inside the trade (check_verdicts re-derives it),
    // and the earnings filter really rejected some.
    let bal = screen(&["200", "--json"]).expect_code(0).json();
    check_verdicts(&bal, &BALANCED);
    let by_earnings = list(&bal, "rejected")
        .iter()
        .filter(|r| {
            r["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().starts_with("earnings "))
        })
        .count();
    assert!(by_earnings > 0, "no symbol rejected by the earnings filter");
    for c in list(&bal, "candidates") {
        assert_ne!(c["earnings_before_expiration"], true, "{c}");
        if c["asset_class"] == "equity" {
            assert!(c["earnings_before_expiration"].is_boolean(), "{c}");
        } else {
            assert!(c["earnings_before_expiration"].is_null(), "{c}");
        }
    }
    // broad allows earnings: those candidates are labelled EVENT, whatever their premium.
    let broad = screen(&["200", "--json", "--profile", "broad"])
        .expect_code(0)
        .json();
    check_verdicts(&broad, &BROAD);
    let inside: Vec<&Value> = list(&broad, "candidates")
        .iter()
        .filter(|c| c["earnings_before_expiration"] == true)
        .collect();
    assert!(
        !inside.is_empty(),
        "no broad candidate has earnings inside the trade"
    );
    for c in inside {
        assert_eq!(c["signal"], "EVENT", "{c}");
        let e: Date = c["earnings_date"].as_str().unwrap().parse().unwrap();
        let x: Date = c["expiration"].as_str().unwrap().parse().unwrap();
        assert!(e <= x, "{c}");
    }
}
