//! `option-expiration-implied-volatilities` on the wire: each metrics row's term structure has the
//! recorded entries' shape (`expiration-date`, `option-chain-type`, `settlement-type`,
//! `implied-volatility` as a decimal fraction string), lists exactly the expirations (and
//! settlement types) the same server's chain endpoints serve, and carries the market's
//! [`Market::term_structure`] values.

use super::{as_of, f, fixture, fixture_row, get, items, keys, login, plain_market};
use serde_json::Value;
use volscreen_sim::market::Market;

/// `(expiration-date, settlement-type)` of a nested chain body's expirations.
fn chain_expirations(chain: &Value) -> Vec<(String, String)> {
    chain["expirations"]
        .as_array()
        .expect("expirations")
        .iter()
        .map(|e| {
            (
                e["expiration-date"].as_str().expect("date").to_string(),
                e["settlement-type"]
                    .as_str()
                    .expect("settlement")
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn metrics_term_structure_is_the_chains_expirations_in_the_recorded_shape() {
    let recorded = fixture("market-metrics-AAPL-TSLA.json");
    let rec = fixture_row(&recorded, "AAPL")["option-expiration-implied-volatilities"]
        .as_array()
        .expect("recorded term structure")
        .clone();
    let rec_keys = keys(&rec[0]);
    assert!(rec.iter().all(|e| keys(e) == rec_keys));
    // The recorded IVs are decimal fractions written as strings: "0.288187496".
    for e in &rec {
        let iv = f(&e["implied-volatility"]);
        assert!(iv > 0.05 && iv < 2.0, "{iv}");
    }

    let srv = plain_market().await;
    let token = login(&srv).await;
    let market = Market::new(as_of());
    let symbols = ["AAPL", "SPY", "SPX", "KO", "/ES", "/6E", "/ZB"];
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", symbols.join(",")),
    )
    .await;
    assert!(status.is_success());
    assert_eq!(items(&body).len(), symbols.len());
    for row in items(&body) {
        let sym = row["symbol"].as_str().expect("symbol");
        let wire = row["option-expiration-implied-volatilities"]
            .as_array()
            .unwrap_or_else(|| panic!("{sym}: no term structure"));
        let model = market.term_structure(sym);
        assert!(!wire.is_empty(), "{sym}");
        assert_eq!(wire.len(), model.len(), "{sym}");
        for (w, (date, iv)) in wire.iter().zip(&model) {
            assert_eq!(keys(w), rec_keys, "{sym}: {w}");
            for k in &rec_keys {
                assert!(w[k].is_string(), "{sym}: {k} is not a string: {w}");
            }
            assert_eq!(w["option-chain-type"], "Standard");
            assert_eq!(w["expiration-date"], date.to_string(), "{sym}");
            let text = w["implied-volatility"].as_str().expect("iv string");
            assert!(
                text.bytes().all(|c| c.is_ascii_digit() || c == b'.'),
                "{sym}: {text} is not a plain decimal"
            );
            assert!(
                (f(&w["implied-volatility"]) - iv).abs() < 1e-8,
                "{sym}: {text} vs {iv}"
            );
            assert!(*iv > 0.01 && *iv < 3.0, "{sym}: {iv} is not a fraction");
        }
        // The same expirations, with the same settlement types, as the chain endpoints serve.
        let chain_path = match sym.strip_prefix('/') {
            Some(code) => format!("/futures-option-chains/{code}/nested"),
            None => format!("/option-chains/{sym}/nested"),
        };
        let (status, chain) = get(&srv, &token, &chain_path).await;
        assert!(status.is_success(), "{chain_path}");
        let served = if sym.starts_with('/') {
            chain_expirations(&chain["data"]["option-chains"][0])
        } else {
            chain_expirations(&items(&chain)[0])
        };
        let listed: Vec<(String, String)> = wire
            .iter()
            .map(|w| {
                (
                    w["expiration-date"].as_str().unwrap_or("").to_string(),
                    w["settlement-type"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(listed, served, "{sym}");
    }
}
