//! The synthetic bodies against the recorded tastytrade responses: the same keys (less what the
//! model does not provide) and the same JSON types at every level of every endpoint. By-type rows
//! lack nothing the recorded rows carry (see also [`super::by_type`]).

use super::{fixture, fixture_row, get, items, keys, login, plain_market};
use serde_json::Value;

/// The JSON type of a value.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Keys of the synthetic row must cover the recorded row's keys, except those the model does not
/// provide, and add nothing the real service does not send (beyond `extra`).
pub(super) fn assert_same_shape(
    what: &str,
    synthetic: &Value,
    recorded: &Value,
    not_provided: &[&str],
    extra: &[&str],
) {
    let (s, r) = (keys(synthetic), keys(recorded));
    let missing: Vec<_> = r
        .iter()
        .filter(|k| !s.contains(*k) && !not_provided.contains(&k.as_str()))
        .collect();
    assert!(missing.is_empty(), "{what}: synthetic lacks {missing:?}");
    let unexpected: Vec<_> = s
        .iter()
        .filter(|k| !r.contains(*k) && !extra.contains(&k.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{what}: synthetic adds {unexpected:?}"
    );
    for k in s.intersection(&r) {
        assert_eq!(
            kind(&synthetic[k]),
            kind(&recorded[k]),
            "{what}: {k} has another JSON type"
        );
    }
}

/// Recorded `/market-metrics` fields the model does not provide (internal running state, the
/// listing venue, borrow figures, and the P/E and EPS the capture reports as `"0.0"` anyway).
const METRICS_NOT_PROVIDED: &[&str] = &[
    "liquidity-running-state",
    "listed-market",
    "lendability",
    "borrow-rate",
    "price-earnings-ratio",
    "earnings-per-share",
    "created-at",
];

#[tokio::test]
async fn synthetic_bodies_have_the_recorded_shapes() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let market = &srv.state.market;

    // Market metrics: a dividend payer for which the model provides every optional field.
    let described = |s: &str| {
        let m = market.metrics(s).unwrap();
        m.hv30.is_some()
            && m.hv60.is_some()
            && m.hv90.is_some()
            && m.beta.is_some()
            && m.corr_spy_3month.is_some()
            && m.liquidity_rating.is_some()
            && m.earnings.is_some()
    };
    let payers = [
        "AAPL", "MSFT", "NVDA", "META", "GOOGL", "JPM", "KO", "XOM", "PG", "JNJ",
    ];
    let sym = payers
        .iter()
        .copied()
        .find(|s| described(s))
        .expect("a fully described payer");
    let (_, body) = get(&srv, &token, &format!("/market-metrics?symbols={sym}")).await;
    let recorded = fixture("market-metrics-AAPL-TSLA.json");
    assert_eq!(keys(&body["data"]), keys(&recorded["data"]));
    let (row, rec) = (&items(&body)[0], fixture_row(&recorded, "AAPL"));
    assert_same_shape("market-metrics", row, rec, METRICS_NOT_PROVIDED, &[]);
    assert!(market.dividend(sym).unwrap().frequency > 0, "{sym} pays");
    assert_same_shape(
        "market-metrics earnings",
        &row["earnings"],
        &rec["earnings"],
        &["actual-eps", "consensus-estimate"],
        &["time-of-day"],
    );
    // A non-payer (TSLA in the capture): zero dividend figures and no dates.
    let non_payers = [
        "TSLA", "AMZN", "NFLX", "AMD", "UBER", "PLTR", "CRWD", "SHOP",
    ];
    let sym = non_payers
        .iter()
        .copied()
        .find(|s| described(s))
        .expect("a fully described non-payer");
    let (_, body) = get(&srv, &token, &format!("/market-metrics?symbols={sym}")).await;
    assert_eq!(market.dividend(sym).unwrap().frequency, 0);
    assert_same_shape(
        "market-metrics non-payer",
        &items(&body)[0],
        fixture_row(&recorded, "TSLA"),
        METRICS_NOT_PROVIDED,
        &[],
    );
    assert_same_shape(
        "market-metrics expiration IV",
        &row["option-expiration-implied-volatilities"][0],
        &rec["option-expiration-implied-volatilities"][0],
        &[],
        &[],
    );

    // Quotes: a payer's equity row (AAPL) and a non-payer's (TSLA) carry exactly the recorded
    // rows' fields, with the recorded JSON types.
    let recorded = fixture("market-data-by-type.json");
    for sym in ["AAPL", "TSLA"] {
        let (_, body) = get(&srv, &token, &format!("/market-data/by-type?equity={sym}")).await;
        assert_same_shape(
            "market-data/by-type",
            &items(&body)[0],
            fixture_row(&recorded, sym),
            &[],
            &[],
        );
    }

    // Option chains: identical key sets at every level.
    let (_, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    let recorded = fixture("option-chains-nested-AAPL.json");
    assert_eq!(keys(&body), keys(&recorded));
    let (item, rec) = (&items(&body)[0], &items(&recorded)[0]);
    assert_same_shape("chain item", item, rec, &[], &[]);
    assert_same_shape(
        "chain deliverable",
        &item["deliverables"][0],
        &rec["deliverables"][0],
        &[],
        &[],
    );
    let (exp, rexp) = (&item["expirations"][0], &rec["expirations"][0]);
    assert_same_shape("chain expiration", exp, rexp, &[], &[]);
    assert_same_shape(
        "chain strike",
        &exp["strikes"][0],
        &rexp["strikes"][0],
        &[],
        &[],
    );
    let spy = fixture("option-chains-nested-SPY.json");
    let (_, body) = get(&srv, &token, "/option-chains/SPY/nested").await;
    assert_same_shape(
        "SPY chain item",
        &items(&body)[0],
        &spy["items"][0],
        &[],
        &[],
    );

    // Futures option chains.
    let (_, body) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    let recorded = fixture("futures-option-chains-nested-ES.json");
    assert_eq!(keys(&body), keys(&recorded));
    assert_eq!(keys(&body["data"]), keys(&recorded["data"]));
    assert_same_shape(
        "futures-option-chains futures",
        &body["data"]["futures"][0],
        &recorded["data"]["futures"][0],
        &[],
        &[],
    );
    let (chain, rchain) = (
        &body["data"]["option-chains"][0],
        &recorded["data"]["option-chains"][0],
    );
    assert_same_shape("futures-option chain", chain, rchain, &[], &[]);
    let (exp, rexp) = (&chain["expirations"][0], &rchain["expirations"][0]);
    assert_same_shape(
        "futures-option expiration",
        exp,
        rexp,
        &["notional-value"],
        &[],
    );
    assert_same_shape(
        "futures-option strike",
        &exp["strikes"][0],
        &rexp["strikes"][0],
        &[],
        &[],
    );

    // Futures instruments: like the ES capture, within what the LE capture also shows.
    let (_, body) = get(&srv, &token, "/instruments/futures?product-code[]=ES").await;
    let recorded = fixture("instruments-futures-ES.json");
    let le = fixture("instruments-futures-LE.json");
    assert_eq!(keys(&body), keys(&recorded));
    let row = &items(&body)[0];
    let le_keys: Vec<&str> = le["items"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_same_shape(
        "instruments/futures",
        row,
        &items(&recorded)[0],
        &["future-etf-equivalent", "spread-tick-sizes"],
        &le_keys,
    );
    let le_product: Vec<&str> = le["items"][0]["future-product"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_same_shape(
        "instruments/futures future-product",
        &row["future-product"],
        &items(&recorded)[0]["future-product"],
        &["clearing-exchange-code"],
        &le_product,
    );
    assert_same_shape(
        "future-product roll",
        &row["future-product"]["roll"],
        &items(&recorded)[0]["future-product"]["roll"],
        &[],
        &[],
    );
}
