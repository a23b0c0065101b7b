//! Option chains of another underlying served as AMZN's (the recorded AAPL chain, a current GOOGL
//! chain, streamer symbols of another root): refused, with a warning.

use super::{assert_healthy, scan, Scan};
use crate::harness::{self, assert_schema_valid, Market, TempDir};
use serde_json::Value;
use std::path::Path;

/// Serve `chain` as AMZN's nested chain; returns the control scan (no chain fixture) and the
/// hostile one.
fn chain_scans(tag: &str, chain: &Value) -> (Scan, Scan, Market) {
    let dir = TempDir::new(tag);
    let market = Market::with_fixtures(dir.path());
    let control = scan(&market, None);
    assert_healthy(&control);
    assert!(
        !control.entry("AMZN").1["expected_move"].is_null(),
        "control: AMZN has an expected move\n{}",
        control.show()
    );
    dir.file("option-chains/AMZN/nested.json", &chain.to_string());
    let hostile = scan(&market, None);
    assert!(
        market.fixture_served("/option-chains/AMZN/nested") >= 1,
        "the chain fixture is served: {}",
        market.stats()
    );
    (control, hostile, market)
}

fn assert_foreign_chain_unused(hostile: &Scan) {
    let show = hostile.show();
    let (list, amzn) = hostile.entry("AMZN");
    for f in [
        "expiration",
        "dte",
        "atm_strike",
        "straddle_mid",
        "expected_move",
        "slippage",
    ] {
        assert_eq!(
            amzn[f],
            Value::Null,
            "{f} is never taken from another underlying's chain\n{show}"
        );
    }
    assert!(
        !hostile.warnings("AMZN", |f| f == "option_chain").is_empty(),
        "a warning {{field: option_chain}}\n{show}"
    );
    assert_ne!(list, "candidates", "{show}");
    assert_schema_valid(&hostile.doc);
}

/// The recorded AAPL chain (`tests/fixtures/tastytrade/option-chains-nested-AAPL.json`) served
/// as AMZN's.
#[test]
fn the_recorded_aapl_chain_served_for_amzn_is_refused() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tastytrade/option-chains-nested-AAPL.json");
    let chain = harness::read_json(path);
    let (_c, hostile, _m) = chain_scans("aaplchain", &chain);
    assert_foreign_chain_unused(&hostile);
}

/// The synthetic GOOGL chain of the same date (current expirations, quotable streamer symbols)
/// served as AMZN's: only the underlying is wrong.
#[test]
fn a_current_chain_of_another_underlying_is_refused() {
    let chain = Market::plain().get("/option-chains/GOOGL/nested");
    assert_eq!(chain["data"]["items"][0]["underlying-symbol"], "GOOGL");
    let (_c, hostile, _m) = chain_scans("googlchain", &chain);
    assert_foreign_chain_unused(&hostile);
}

/// AMZN's own chain whose streamer symbols name another root (`.AMZNQ...`, as `.AA...` would for
/// `A`): the underlying is right, the quotes would not be; refused.
#[test]
fn streamer_symbols_of_another_root_are_refused() {
    let chain = Market::plain().get("/option-chains/AMZN/nested");
    let text = chain.to_string().replace("\".AMZN", "\".AMZNQ");
    assert_ne!(text, chain.to_string(), "the chain has streamer symbols");
    let chain: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(chain["data"]["items"][0]["underlying-symbol"], "AMZN");
    let (_c, hostile, _m) = chain_scans("otherroot", &chain);
    assert_foreign_chain_unused(&hostile);
}
