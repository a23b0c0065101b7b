//! The watchlist endpoints, shaped as the real service's (and as the official SDKs read them):
//! `GET /watchlists`, `GET /watchlists/{name}`, `GET /public-watchlists` (with `counts-only`),
//! `GET /public-watchlists/{name}`; names percent-decoded; unknown names a 404 with the error
//! envelope; the common gate (User-Agent, token, rate limit, faults); every symbol on the default
//! watchlist and known to the market.

use super::{
    as_of, faulty_market, get, get_raw, http, items, keys, login, market, plain_market, set, stats,
    UA,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use volscreen_sim::SimOptions;

/// Every symbol of the default watchlist file.
fn default_watchlist() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/watchlists/default.csv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').next().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty() && !s.starts_with('#') && s != "symbol")
        .collect()
}

/// A watchlist document as the SDKs read it: `name` a string, `watchlist-entries` an array of
/// `{symbol, instrument-type}` strings, `group-name` a string, `order-index` an integer.
fn assert_watchlist(w: &Value, srv: &volscreen_sim::SimServer) {
    assert_eq!(
        keys(w),
        set(&["name", "watchlist-entries", "group-name", "order-index"]),
        "{w}"
    );
    assert!(w["name"].is_string() && w["group-name"].is_string());
    assert!(w["order-index"].is_u64());
    let entries = w["watchlist-entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    let default = default_watchlist();
    for e in entries {
        assert_eq!(keys(e), set(&["symbol", "instrument-type"]));
        let sym = e["symbol"].as_str().unwrap();
        assert!(default.contains(sym), "{sym} is on the default watchlist");
        let class = srv
            .state
            .market
            .asset_class(sym)
            .expect("known to the market");
        let want = match class {
            volscreen_core::symbol::AssetClass::Index => "Index",
            volscreen_core::symbol::AssetClass::Future => "Future",
            _ => "Equity",
        };
        assert_eq!(e["instrument-type"], want, "{sym}");
    }
}

#[tokio::test]
async fn watchlists_are_shaped_as_the_real_service() {
    let srv = plain_market().await;
    let token = login(&srv).await;

    // The user's private lists.
    let (status, body) = get(&srv, &token, "/watchlists").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["context"], "/watchlists");
    let names: BTreeSet<String> = items(&body)
        .iter()
        .map(|w| {
            assert_watchlist(w, &srv);
            w["name"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(names, set(&["Earnings Plays", "My Watchlist"]));

    // One of them, by its percent-encoded name: the same document, not in `items`.
    let (status, one) = get(&srv, &token, "/watchlists/My%20Watchlist").await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["data"].get("items").is_none());
    assert_watchlist(&one["data"], &srv);
    let listed = items(&body).iter().find(|w| w["name"] == "My Watchlist");
    assert_eq!(Some(&one["data"]), listed);

    // Public lists, all and one.
    let (status, public) = get(&srv, &token, "/public-watchlists").await;
    assert_eq!(status, StatusCode::OK);
    let names: BTreeSet<String> = items(&public)
        .iter()
        .map(|w| {
            assert_watchlist(w, &srv);
            w["name"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(names, set(&["Futures", "Liquid ETFs", "tasty Default"]));
    let (status, futures) = get(&srv, &token, "/public-watchlists/Futures").await;
    assert_eq!(status, StatusCode::OK);
    assert_watchlist(&futures["data"], &srv);
    let entries = futures["data"]["watchlist-entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["instrument-type"] == "Future"));
    assert!(entries.iter().any(|e| e["symbol"] == "/ES"));
    let (status, etfs) = get(&srv, &token, "/public-watchlists/Liquid%20ETFs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etfs["data"]["name"], "Liquid ETFs");

    // What the SDKs send: `counts-only=false` (Python and JS) lists entries; `true` counts them.
    let (_, all) = get(&srv, &token, "/public-watchlists?counts-only=false").await;
    assert_eq!(all, public);
    let (status, counts) = get(&srv, &token, "/public-watchlists?counts-only=true").await;
    assert_eq!(status, StatusCode::OK);
    for (c, full) in items(&counts).iter().zip(items(&public)) {
        assert!(c.get("watchlist-entries").is_none());
        assert_eq!(
            c["watchlist-entry-count"].as_u64().unwrap() as usize,
            full["watchlist-entries"].as_array().unwrap().len()
        );
    }

    // Every listed symbol has metrics and a quote: the lists are usable as a scan's input.
    let mut symbols = BTreeSet::new();
    for body in [&body, &public] {
        for w in items(body) {
            for e in w["watchlist-entries"].as_array().unwrap() {
                symbols.insert(e["symbol"].as_str().unwrap().to_string());
            }
        }
    }
    let list: Vec<String> = symbols.iter().cloned().collect();
    let (_, metrics) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", list.join(",")),
    )
    .await;
    assert_eq!(items(&metrics).len(), list.len());
    assert!(symbols.iter().all(|s| !srv.state.market.is_unknown(s)));
}

#[tokio::test]
async fn unknown_watchlists_are_404_and_the_gate_applies() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    for path in [
        "/watchlists/Nope",
        "/watchlists/my%20watchlist",
        "/watchlists/Futures",
        "/public-watchlists/My%20Watchlist",
        "/public-watchlists/Liquid%20ETFs%20",
    ] {
        let (status, body) = get(&srv, &token, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(keys(&body), set(&["error"]), "{path}");
        assert_eq!(body["error"]["code"], "record_not_found", "{path}");
        assert!(body["error"]["message"].is_string(), "{path}");
    }
    // A name that does not decode is a 400; a write is refused (the market is read-only).
    let (status, _) = get(&srv, &token, "/watchlists/%FF").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let r = http()
        .post(format!("{}/watchlists", srv.base_url()))
        .header("User-Agent", UA)
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Authentication: a token and a User-Agent are required, as on every endpoint.
    for path in ["/watchlists", "/public-watchlists/Futures"] {
        let r = http()
            .get(format!("{}{path}", srv.base_url()))
            .header("User-Agent", UA)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let r = http()
            .get(format!("{}{path}", srv.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "{path}: no User-Agent"
        );
        let (status, _, _) = get_raw(&srv, "not-a-token", path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let s = stats(&srv).await;
    let e = &s["endpoints"];
    assert_eq!(e["watchlists"]["status"]["404"], 3);
    assert_eq!(e["watchlists"]["status"]["400"], 1);
    assert_eq!(e["watchlists"]["status"]["401"], 3);
    assert_eq!(e["public-watchlists"]["status"]["404"], 2);
    assert_eq!(e["public-watchlists"]["status"]["401"], 3);
}

#[tokio::test]
async fn watchlists_pass_the_rate_limit_and_faults() {
    let mut options = SimOptions::new(as_of());
    options.latency.rest_limits.rate_burst = 2.0;
    options.latency.rest_limits.rate_per_sec = 0.001;
    let srv = market(options).await;
    let token = login(&srv).await;
    assert_eq!(get(&srv, &token, "/watchlists").await.0, StatusCode::OK);
    assert_eq!(
        get(&srv, &token, "/public-watchlists").await.0,
        StatusCode::OK
    );
    assert_eq!(
        get(&srv, &token, "/public-watchlists/Futures").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    let srv = faulty_market("http500=1").await;
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/watchlists").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["error"]["code"].is_string());

    // `missing` thins list rows but keeps their names.
    let srv = faulty_market("missing=1").await;
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/public-watchlists").await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).iter().all(|w| w["name"].is_string()));
    assert!(items(&body).iter().any(|w| keys(w).len() < 4));
}
