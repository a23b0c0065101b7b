//! The synthetic bodies against the recorded tastytrade responses: the same keys (less what the
//! model does not provide) and the same JSON types at every level of every endpoint.

use super::{fixture, fixture_row, get, items, keys, login, plain_market};
use serde_json::Value;

/// Keys of the synthetic row must cover the recorded row's keys, except those the model does not
/// provide, and add nothing the real service does not send (beyond `extra`).
fn assert_same_shape(
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
        let kind = |v: &Value| match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert_eq!(
            kind(&synthetic[k]),
            kind(&recorded[k]),
            "{what}: {k} has another JSON type"
        );
    }
}

#[tokio::test]
async fn synthetic_bodies_have_the_recorded_shapes() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let market = &srv.state.market;

    // Market metrics: a symbol for which the model provides every optional field.
    let candidates = [
        "AAPL", "MSFT", "NVDA", "AMZN", "META", "GOOGL", "JPM", "KO", "XOM", "TSLA",
    ];
    let sym = candidates
        .iter()
        .copied()
        .find(|s| {
            let m = market.metrics(s).unwrap();
            m.hv30.is_some()
                && m.hv60.is_some()
                && m.hv90.is_some()
                && m.beta.is_some()
                && m.corr_spy_3month.is_some()
                && m.liquidity_rating.is_some()
                && m.earnings.is_some()
        })
        .expect("a fully described equity");
    let (_, body) = get(&srv, &token, &format!("/market-metrics?symbols={sym}")).await;
    let recorded = fixture("market-metrics-AAPL-TSLA.json");
    assert_eq!(keys(&body["data"]), keys(&recorded["data"]));
    let (row, rec) = (&items(&body)[0], fixture_row(&recorded, "AAPL"));
    assert_same_shape(
        "market-metrics",
        row,
        rec,
        &[
            "liquidity-running-state",
            "beta-updated-at",
            "dividend-rate-per-share",
            "annual-dividend-per-share",
            "dividend-yield",
            "dividend-ex-date",
            "dividend-next-date",
            "dividend-pay-date",
            "dividend-updated-at",
            "listed-market",
            "lendability",
            "borrow-rate",
            "price-earnings-ratio",
            "earnings-per-share",
        ],
        &[],
    );
    assert_same_shape(
        "market-metrics earnings",
        &row["earnings"],
        &rec["earnings"],
        &[
            "quarter-end-date",
            "actual-eps",
            "consensus-estimate",
            "updated-at",
        ],
        &["time-of-day"],
    );
    assert_same_shape(
        "market-metrics expiration IV",
        &row["option-expiration-implied-volatilities"][0],
        &rec["option-expiration-implied-volatilities"][0],
        &[],
        &[],
    );

    // Quotes: an equity row carries every recorded field the model has a value for.
    let (_, body) = get(&srv, &token, "/market-data/by-type?equity=AAPL").await;
    let recorded = fixture("market-data-by-type.json");
    let q = market.quote("AAPL").unwrap();
    let mut absent = vec![
        "bid-size",
        "ask-size",
        "last-mkt",
        "beta",
        "dividend-amount",
        "dividend-frequency",
        "prev-close-date",
        "low-limit-price",
        "high-limit-price",
    ];
    for (key, v) in [
        ("bid", q.bid),
        ("ask", q.ask),
        ("mid", q.mid),
        ("mark", q.mark),
        ("last", q.last),
        ("open", q.open),
        ("day-high-price", q.day_high),
        ("day-low-price", q.day_low),
        ("volume", q.volume),
        ("year-low-price", q.year_low),
        ("year-high-price", q.year_high),
    ] {
        if v.is_none() {
            absent.push(key);
        }
    }
    if q.close.is_none() {
        absent.extend(["close", "close-price-type"]);
    }
    if q.prev_close.is_none() {
        absent.extend(["prev-close", "prev-close-price-type"]);
    }
    assert_same_shape(
        "market-data/by-type",
        &items(&body)[0],
        fixture_row(&recorded, "AAPL"),
        &absent,
        &[],
    );

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
