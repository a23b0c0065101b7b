//! Hostile `/market-data/by-type` quotes on AMZN: negative prices leave the price unknown, a
//! crossed quote is a warning.

use super::{assert_healthy, row_mut, scan, SYMBOLS};
use crate::harness::{assert_schema_valid, Market, TempDir};
use serde_json::{json, Value};

/// The synthetic `/market-data/by-type` body of the scan's symbols.
fn synthetic_quotes() -> Value {
    Market::plain().get(&format!("/market-data/by-type?equity={SYMBOLS}"))
}

/// Every price of AMZN's quote row negative: no price, a warning, and the price filter cannot
/// pass.
#[test]
fn negative_prices_leave_the_price_unknown() {
    let dir = TempDir::new("neg");
    let mut body = synthetic_quotes();
    dir.file("market-data/by-type.json", &body.to_string());
    let market = Market::with_fixtures(dir.path());
    let control = scan(&market, None);
    assert!(market.fixture_served("/market-data/by-type") >= 1);
    assert_healthy(&control);
    let price = control.entry("AMZN").1["price"]
        .as_f64()
        .expect("control price");
    let row = row_mut(&mut body, "AMZN");
    for f in [
        "bid",
        "ask",
        "mid",
        "mark",
        "last",
        "close",
        "prev-close",
        "open",
    ] {
        if row.contains_key(f) {
            row.insert(f.to_string(), json!(format!("{:.2}", -price)));
        }
    }
    dir.file("market-data/by-type.json", &body.to_string());
    let hostile = scan(&market, None);
    let show = hostile.show();
    let (list, amzn) = hostile.entry("AMZN");
    assert_eq!(
        amzn["price"],
        Value::Null,
        "a negative price is never used\n{show}"
    );
    assert!(
        !hostile
            .warnings("AMZN", |f| f == "price"
                || f == "quote"
                || f == "bid"
                || f == "ask")
            .is_empty(),
        "a warning on the price\n{show}"
    );
    assert_ne!(list, "candidates", "the price filter cannot pass\n{show}");
    assert_schema_valid(&hostile.doc);
}

/// A crossed quote (bid above ask) on AMZN: the quote is not used for a mid, and a warning says
/// so; the price comes from the mark as in the control scan.
#[test]
fn a_crossed_quote_is_a_warning() {
    let dir = TempDir::new("crossed");
    let mut body = synthetic_quotes();
    dir.file("market-data/by-type.json", &body.to_string());
    let market = Market::with_fixtures(dir.path());
    let control = scan(&market, None);
    assert_healthy(&control);
    let price = control.entry("AMZN").1["price"]
        .as_f64()
        .expect("control price");
    let row = row_mut(&mut body, "AMZN");
    row.insert("bid".into(), json!(format!("{:.2}", price + 10.0)));
    row.insert("ask".into(), json!(format!("{:.2}", price - 10.0)));
    dir.file("market-data/by-type.json", &body.to_string());
    let hostile = scan(&market, None);
    let show = hostile.show();
    assert!(
        !hostile
            .warnings("AMZN", |f| f.starts_with("quote")
                || f == "bid"
                || f == "ask")
            .is_empty(),
        "a warning on the crossed quote\n{show}"
    );
    let p = hostile.entry("AMZN").1["price"].as_f64();
    assert!(
        p.is_none() || (p.unwrap_or(0.0) - price).abs() < 0.02,
        "the crossed quote does not move the price ({p:?} vs {price})\n{show}"
    );
    assert_schema_valid(&hostile.doc);
}
