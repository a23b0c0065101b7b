//! Hostile DXLink candle histories for SPY: a candle after the as-of date, a close of 1e308,
//! constant closes and an empty history; never an implausible HV.

use super::{as_of, assert_healthy, number, scan, Scan, HV_FIELDS};
use crate::harness::{assert_schema_valid, Market, TempDir};
use serde_json::{json, Value};
use volscreen::candle::Candle;
use volscreen::date::Date;

/// Candles as a DXLink fixture file (`docs/demo-market.md`, "Candle fixtures").
fn candle_file(candles: &[Candle]) -> Value {
    Value::Array(
        candles
            .iter()
            .map(|c| {
                json!({"time": c.time, "open": c.open, "high": c.high, "low": c.low,
                       "close": c.close, "volume": c.volume})
            })
            .collect(),
    )
}

/// A scan with SPY's synthetic candles served from a fixture (control), then with `hostile`.
fn candle_scans(tag: &str, hostile: impl FnOnce(&[Candle]) -> Value) -> (Scan, Scan, Market) {
    let dir = TempDir::new(tag);
    let candles = Market::plain().candles("SPY");
    dir.file(
        "dxlink/candles/SPY.json",
        &candle_file(&candles).to_string(),
    );
    let market = Market::with_fixtures(dir.path());
    let control = scan(&market, None);
    assert_eq!(
        market.fixture_served("dxlink/candles/SPY"),
        1,
        "the candle fixture is served"
    );
    assert_healthy(&control);
    dir.file("dxlink/candles/SPY.json", &hostile(&candles).to_string());
    let scan = scan(&market, None);
    assert_eq!(
        market.fixture_served("dxlink/candles/SPY"),
        2,
        "the hostile candles are served"
    );
    (control, scan, market)
}

/// SPY has a warning on its candles or an HV, and is not a candidate while an HV its filters need
/// is unknown.
fn assert_spy_flagged(hostile: &Scan) {
    let show = hostile.show();
    hostile.assert_hv_plausible();
    assert!(
        !hostile
            .warnings("SPY", |f| f.starts_with("hv") || f.contains("candle"))
            .is_empty(),
        "SPY has a warning on its candles or HV\n{show}"
    );
    let (list, spy) = hostile.entry("SPY");
    if spy["hv30"].is_null() || spy["hv90"].is_null() {
        assert_ne!(list, "candidates", "SPY's HV is unknown\n{show}");
    }
    assert_schema_valid(&hostile.doc);
}

/// A candle dated after the as-of session (and after today) with a 50 % jump: never used.
#[test]
fn a_candle_after_the_as_of_date_is_never_used() {
    let today = Date::today();
    let after = if today > as_of() { today } else { as_of() };
    let (control, hostile, _m) = candle_scans("future", |c| {
        let mut c = c.to_vec();
        let last = *c.last().expect("candles");
        c.push(Candle {
            time: after.add_days(30).epoch_ms(),
            open: last.close * 1.5,
            high: last.close * 1.5,
            low: last.close * 1.5,
            close: last.close * 1.5,
            volume: last.volume,
        });
        candle_file(&c)
    });
    assert_spy_flagged(&hostile);
    let show = hostile.show();
    let (ctl, spy) = (control.entry("SPY").1, hostile.entry("SPY").1);
    for f in HV_FIELDS {
        assert!(
            spy[f].is_null() || spy[f] == ctl[f],
            "{f}: {} vs control {}: the future candle must not move it\n{show}",
            spy[f],
            ctl[f]
        );
    }
}

/// The newest close 1e308: no HV of 2492 (or any above 5) is reported.
#[test]
fn a_close_of_1e308_gives_no_hv() {
    let (_control, hostile, _m) = candle_scans("huge", |c| {
        let mut c = c.to_vec();
        if let Some(last) = c.last_mut() {
            last.close = 1e308;
            last.high = 1e308;
        }
        candle_file(&c)
    });
    assert_spy_flagged(&hostile);
}

/// Constant closes: an HV of exactly 0 is stale data, never a RICH signal.
#[test]
fn constant_closes_give_no_hv_of_zero() {
    let (_control, hostile, _m) = candle_scans("flat", |c| {
        let flat: Vec<Candle> = c
            .iter()
            .map(|k| Candle {
                open: 500.0,
                high: 500.0,
                low: 500.0,
                close: 500.0,
                ..*k
            })
            .collect();
        candle_file(&flat)
    });
    assert_spy_flagged(&hostile);
    let show = hostile.show();
    let spy = hostile.entry("SPY").1;
    for f in HV_FIELDS {
        assert_eq!(spy[f], Value::Null, "{f} of constant closes\n{show}");
    }
    assert!(
        hostile
            .warnings("SPY", |f| f.starts_with("hv"))
            .iter()
            .any(|w| number(&w["value"]) == Some(0.0)),
        "a warning {{field: hv.., value: 0}}\n{show}"
    );
    assert_ne!(hostile.list_of("SPY"), "candidates", "{show}");
}

/// An empty history (flags 14, NaN prices) is an error of stage candles, not a rejection.
#[test]
fn an_empty_history_is_an_error_of_stage_candles() {
    let (_control, hostile, _m) = candle_scans("empty", |_| json!([]));
    let show = hostile.show();
    hostile.assert_hv_plausible();
    let (list, spy) = hostile.entry("SPY");
    assert_eq!(
        list, "errors",
        "an empty history is not a quiet market\n{show}"
    );
    assert_eq!(spy["stage"], "candles", "{show}");
    for f in HV_FIELDS {
        assert_eq!(spy[f], Value::Null, "{show}");
    }
    assert!(
        !spy["iv"].is_null(),
        "the error carries every field that is known\n{show}"
    );
    assert_schema_valid(&hostile.doc);
}
