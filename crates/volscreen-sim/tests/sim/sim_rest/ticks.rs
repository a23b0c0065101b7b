//! Declared option ticks agree with the served quotes: a nested chain's `tick-sizes` (equity
//! chains: the item's; futures option chains: each expiration's and each contract's
//! `option-tick-sizes`) are the quoting rule the by-type option quotes follow, so a client that
//! rounds a price to the declared tick at that price gets the served bid and ask back.

use super::{f, fixture, get, items, login, plain_market};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use volscreen_sim::SimServer;

/// The tick `rules` (a `tick-sizes` list) declare at `price`: the first rule whose threshold is
/// above the price, or the last rule (without a threshold).
fn declared_tick(rules: &Value, price: f64) -> f64 {
    rules
        .as_array()
        .expect("tick-sizes is a list")
        .iter()
        .find(|r| r.get("threshold").is_none_or(|t| price < f(t)))
        .map(|r| f(&r["value"]))
        .unwrap_or_else(|| panic!("no rule of {rules} covers {price}"))
}

fn on_tick(x: f64, tick: f64) -> bool {
    ((x / tick) - (x / tick).round()).abs() < 1e-6
}

/// The OCC (or futures-option) symbols of the calls and puts of the `n` strikes nearest `price`
/// on either side of the at-the-money strike (2n + 1 strikes).
fn near_the_money(strikes: &[Value], price: f64, n: usize) -> Vec<String> {
    let atm = strikes
        .iter()
        .enumerate()
        .min_by(|a, b| {
            let d = |s: &Value| (f(&s["strike-price"]) - price).abs();
            d(a.1).total_cmp(&d(b.1))
        })
        .map(|(i, _)| i)
        .expect("strikes");
    let lo = atm.saturating_sub(n);
    let hi = (atm + n + 1).min(strikes.len());
    strikes[lo..hi]
        .iter()
        .flat_map(|s| [&s["call"], &s["put"]])
        .map(|v| v.as_str().expect("option symbol").to_string())
        .collect()
}

/// The by-type rows of `symbols` under the `param` type parameter, by symbol (100 a request).
async fn rows_of(
    srv: &SimServer,
    token: &str,
    param: &str,
    symbols: &[String],
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for chunk in symbols.chunks(100) {
        let list: Vec<String> = chunk.iter().map(|s| s.replace(' ', "%20")).collect();
        let q = format!("/market-data/by-type?{param}={}", list.join(","));
        let (status, body) = get(srv, token, &q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        for row in items(&body) {
            out.insert(row["symbol"].as_str().unwrap().to_string(), row.clone());
        }
    }
    for s in symbols {
        assert!(out.contains_key(s), "{s} has a by-type row");
    }
    out
}

/// The last price of an underlying's by-type row.
async fn last_price(srv: &SimServer, token: &str, param: &str, symbol: &str) -> f64 {
    let rows = rows_of(srv, token, param, &[symbol.to_string()]).await;
    f(&rows[symbol]["last"])
}

/// Assert every row's bid and ask sit on the tick `rules` declare at that price. Returns how
/// many of them were at or above the first threshold (where the ticks differ).
fn assert_on_declared_ticks(what: &str, rules: &Value, rows: &BTreeMap<String, Value>) -> usize {
    let first_threshold = rules[0].get("threshold").map(f);
    let mut above = 0;
    for (sym, row) in rows {
        for side in ["bid", "ask"] {
            let x = f(&row[side]);
            let tick = declared_tick(rules, x);
            assert!(
                on_tick(x, tick),
                "{what}: {sym} {side} {x} is not a multiple of the declared tick {tick} ({rules})"
            );
            if first_threshold.is_some_and(|t| x >= t) {
                above += 1;
            }
        }
        let (bid, ask) = (f(&row["bid"]), f(&row["ask"]));
        assert!(0.0 <= bid && bid < ask, "{what}: {sym} {bid} {ask}");
    }
    above
}

/// Equity, ETF and index chains: the item's `tick-sizes` over every expiration's near-the-money
/// quotes. Returns the declared rules.
async fn check_equity_chain(srv: &SimServer, symbol: &str, param: &str) -> Value {
    // A token per underlying: each has its own rate-limit bucket.
    let token = login(srv).await;
    let (status, body) = get(srv, &token, &format!("/option-chains/{symbol}/nested")).await;
    assert_eq!(status, StatusCode::OK, "{symbol}");
    let item = &body["data"]["items"][0];
    let rules = item["tick-sizes"].clone();
    let price = last_price(srv, &token, param, symbol).await;
    let mut symbols = Vec::new();
    for e in item["expirations"].as_array().expect("expirations") {
        symbols.extend(near_the_money(
            e["strikes"].as_array().expect("strikes"),
            price,
            2,
        ));
    }
    let rows = rows_of(srv, &token, "equity-option", &symbols).await;
    assert_on_declared_ticks(symbol, &rules, &rows);
    rules
}

#[tokio::test]
async fn equity_chains_declare_the_ticks_their_quotes_are_on() {
    let srv = plain_market().await;
    let tick = |v: &str| json!([{ "value": v }]);
    let split =
        |below: &str, above: &str| json!([{"value": below, "threshold": "3.0"}, {"value": above}]);
    // SPY quotes pennies at every price, as the recorded SPY chain declares.
    let spy = check_equity_chain(&srv, "SPY", "equity").await;
    assert_eq!(spy, tick("0.01"));
    let recorded = fixture("option-chains-nested-SPY.json");
    assert_eq!(spy, recorded["items"][0]["tick-sizes"], "as recorded");
    assert_eq!(
        check_equity_chain(&srv, "QQQ", "equity").await,
        tick("0.01")
    );
    // The cash indices: nickels and dimes.
    assert_eq!(
        check_equity_chain(&srv, "SPX", "index").await,
        split("0.05", "0.1")
    );
    // A penny class: pennies under $3, nickels from $3, as the recorded AAPL chain declares.
    let aapl = check_equity_chain(&srv, "AAPL", "equity").await;
    assert_eq!(aapl, split("0.01", "0.05"));
    let recorded = fixture("option-chains-nested-AAPL.json");
    assert_eq!(
        aapl, recorded["data"]["items"][0]["tick-sizes"],
        "as recorded"
    );
    // Sub-$3 names, a penny class and a thin one (nickels and dimes).
    let token = login(&srv).await;
    let mut cheap = BTreeMap::new();
    for s in ["PLUG", "BLNK", "SNDL", "CGC", "BITF", "BLDP", "CRON", "IQ"] {
        let price = last_price(&srv, &token, "equity", s).await;
        let rating = srv.state.market.profile(s).and_then(|p| p.liquidity);
        if price < 3.0 {
            cheap.entry(rating.unwrap_or(0) >= 3).or_insert((s, price));
        }
    }
    assert_eq!(
        cheap.len(),
        2,
        "a penny-class and a thin sub-$3 name: {cheap:?}"
    );
    for (penny, (s, _)) in cheap {
        let rules = check_equity_chain(&srv, s, "equity").await;
        let want = if penny {
            split("0.01", "0.05")
        } else {
            split("0.05", "0.1")
        };
        assert_eq!(rules, want, "{s}");
    }
}

#[tokio::test]
async fn futures_option_chains_declare_the_ticks_their_quotes_are_on() {
    let srv = plain_market().await;
    let recorded = fixture("futures-option-chains-nested-ES.json");
    let recorded_es = &recorded["data"]["option-chains"][0]["expirations"][0]["tick-sizes"];
    for (code, want) in [
        ("ES", recorded_es.clone()),
        ("CL", json!([{"value": "0.01"}])),
        ("6E", json!([{"value": "0.00005"}])),
    ] {
        let token = login(&srv).await;
        let (status, body) = get(
            &srv,
            &token,
            &format!("/futures-option-chains/{code}/nested"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{code}");
        let expirations = body["data"]["option-chains"][0]["expirations"]
            .as_array()
            .expect("expirations");
        // The underlying contracts' prices.
        let contracts: Vec<String> = expirations
            .iter()
            .map(|e| e["underlying-symbol"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let prices = rows_of(&srv, &token, "future", &contracts).await;
        let mut symbols = Vec::new();
        for e in expirations {
            assert_eq!(e["tick-sizes"], want, "{code} {}", e["expiration-date"]);
            let price = f(&prices[e["underlying-symbol"].as_str().unwrap()]["last"]);
            symbols.extend(near_the_money(
                e["strikes"].as_array().expect("strikes"),
                price,
                2,
            ));
        }
        let rows = rows_of(&srv, &token, "future-option", &symbols).await;
        let above = assert_on_declared_ticks(code, &want, &rows);
        if code == "ES" {
            assert!(above > 0, "some ES option quotes are at 5 points or more");
        }
        // Every contract declares the same option ticks.
        let (_, body) = get(
            &srv,
            &token,
            &format!("/instruments/futures?product-code={code}"),
        )
        .await;
        assert!(!items(&body).is_empty());
        for row in items(&body) {
            assert_eq!(row["option-tick-sizes"], want, "{}", row["symbol"]);
        }
    }
}
