//! The demo market's tastytrade REST server over real sockets: OAuth, the request gate (User-Agent,
//! tokens, rate limit, faults), lenient query parsing, wire scales and shapes (checked against the
//! recorded responses in the workspace's `tests/fixtures/tastytrade/`), fixture mode and `/__sim/stats`.
//!
//! This file holds the suite's shared helpers (a market on a loopback port, login, authenticated
//! GETs, the recorded fixtures; `sim_dxlink` uses the REST ones to compare the feed with the
//! by-type rows); the tests are in [`auth`], [`gate`], [`endpoints`], [`shapes`], [`by_type`],
//! [`metrics_fields`], [`term_structure`], [`ticks`], [`unknown`], [`watchlists`] and
//! [`fixtures`].

mod auth;
mod by_type;
mod endpoints;
mod fixtures;
mod gate;
mod metrics_fields;
mod shapes;
mod term_structure;
mod ticks;
mod unknown;
mod watchlists;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use volscreen_core::date::Date;
use volscreen_sim::{start_local, Faults, SimOptions, SimServer, DEMO_SECRET};

const UA: &str = "volscreen-tests/1.0";

fn as_of() -> Date {
    Date::from_ymd(2026, 3, 20).expect("date")
}

async fn market(options: SimOptions) -> SimServer {
    start_local(options).await.expect("market starts")
}

async fn plain_market() -> SimServer {
    market(SimOptions::new(as_of())).await
}

async fn faulty_market(spec: &str) -> SimServer {
    let mut options = SimOptions::new(as_of());
    options.faults = Faults::parse(spec).expect("fault spec");
    market(options).await
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// A successful refresh-token grant; returns the access token.
pub(crate) async fn login(srv: &SimServer) -> String {
    let r = http()
        .post(format!("{}/oauth/token", srv.base_url()))
        .header("User-Agent", UA)
        .json(&json!({
            "grant_type": "refresh_token",
            "refresh_token": DEMO_SECRET,
            "client_secret": DEMO_SECRET,
        }))
        .send()
        .await
        .expect("token request");
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// An authenticated GET of `path_and_query`: status, headers and body text.
async fn get_raw(
    srv: &SimServer,
    token: &str,
    path_and_query: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = http()
        .get(format!("{}{}", srv.base_url(), path_and_query))
        .header("User-Agent", UA)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("body"))
}

/// An authenticated GET whose body must be JSON.
pub(crate) async fn get(srv: &SimServer, token: &str, path_and_query: &str) -> (StatusCode, Value) {
    let (status, _, text) = get_raw(srv, token, path_and_query).await;
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{path_and_query}: body is not JSON ({e}): {text}"));
    (status, body)
}

/// `data.items` of a list body.
pub(crate) fn items(body: &Value) -> &Vec<Value> {
    body["data"]["items"].as_array().expect("data.items")
}

fn symbols_of(body: &Value) -> BTreeSet<String> {
    items(body)
        .iter()
        .map(|r| r["symbol"].as_str().expect("symbol").to_string())
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// A string number parsed as f64.
pub(crate) fn f(v: &Value) -> f64 {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .parse()
        .unwrap_or_else(|_| panic!("{v} is not a number"))
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/tastytrade")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("fixture file")).expect("fixture json")
}

fn fixture_row<'a>(body: &'a Value, symbol: &str) -> &'a Value {
    items(body)
        .iter()
        .find(|r| r["symbol"] == symbol)
        .expect("fixture row")
}

async fn stats(srv: &SimServer) -> Value {
    let r = http()
        .get(format!("{}/__sim/stats", srv.base_url()))
        .send()
        .await
        .expect("stats");
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.expect("stats json")
}
