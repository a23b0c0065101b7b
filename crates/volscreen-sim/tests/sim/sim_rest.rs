//! The demo market's tastytrade REST server over real sockets: OAuth, the request gate (User-Agent,
//! tokens, rate limit, faults), lenient query parsing, wire scales and shapes (checked against the
//! recorded responses in the workspace's `tests/fixtures/tastytrade/`), fixture mode and `/__sim/stats`.

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
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
async fn login(srv: &SimServer) -> String {
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
async fn get(srv: &SimServer, token: &str, path_and_query: &str) -> (StatusCode, Value) {
    let (status, _, text) = get_raw(srv, token, path_and_query).await;
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{path_and_query}: body is not JSON ({e}): {text}"));
    (status, body)
}

/// `data.items` of a list body.
fn items(body: &Value) -> &Vec<Value> {
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
fn f(v: &Value) -> f64 {
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

#[tokio::test]
async fn oauth_accepts_json_and_form_bodies_and_refuses_bad_grants() {
    let srv = plain_market().await;
    let url = format!("{}/oauth/token", srv.base_url());
    let ok = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert!(body.get("data").is_none(), "token response is not wrapped");
        assert!(!body["access_token"].as_str().unwrap().is_empty());
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        body
    };
    // JSON with client_id and scope.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .json(
            &json!({"grant_type": "refresh_token", "refresh_token": DEMO_SECRET,
            "client_secret": DEMO_SECRET, "client_id": "anything", "scope": "read trade"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok(r).await["scope"], "read trade");
    // JSON without either.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .json(
            &json!({"grant_type": "refresh_token", "refresh_token": DEMO_SECRET,
            "client_secret": DEMO_SECRET}),
        )
        .send()
        .await
        .unwrap();
    ok(r).await;
    // Form with scope (as the JS SDK sends it) and without client_id.
    let r = http()
        .post(&url)
        .header("User-Agent", "tastytrade-sdk-js")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=refresh_token&refresh_token={DEMO_SECRET}&client_secret={DEMO_SECRET}&scope=read+trade+openid"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ok(r).await["scope"], "read trade openid");
    // Form with client_id, no scope.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=refresh_token&refresh_token={DEMO_SECRET}&client_secret={DEMO_SECRET}&client_id=abc"
        ))
        .send()
        .await
        .unwrap();
    let token = ok(r).await["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&srv, &token, "/api-quote-tokens").await.0,
        StatusCode::OK
    );

    // Wrong secret: invalid_grant, OAuth style.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .json(
            &json!({"grant_type": "refresh_token", "refresh_token": DEMO_SECRET,
            "client_secret": "wrong"}),
        )
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 400 | 401), "{}", r.status());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "invalid_grant");
    assert!(body["error_description"].is_string());
    assert!(!body.to_string().contains(DEMO_SECRET), "no secret echoed");
    // Malformed JSON: a 400, not a panic.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .header("Content-Type", "application/json")
        .body("{\"grant_type\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().await.unwrap()["error_code"].is_string());
    // Wrong grant type.
    let r = http()
        .post(&url)
        .header("User-Agent", UA)
        .form(&[("grant_type", "password"), ("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let s = stats(&srv).await;
    assert_eq!(s["oauth"]["grants"], 4);
    assert_eq!(s["oauth"]["refusals"], 3);
    assert_eq!(s["endpoints"]["oauth-token"]["requests"], 7);
    assert_eq!(s["endpoints"]["oauth-token"]["status"]["200"], 4);
}

#[tokio::test]
async fn requests_without_user_agent_or_valid_token_get_401() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let url = format!("{}/market-metrics?symbols=AAPL", srv.base_url());
    // reqwest sends no User-Agent unless told to.
    let r = http().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.json::<Value>().await.unwrap()["error"]["code"].is_string());
    let r = http()
        .get(&url)
        .header("User-Agent", "")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // No Authorization.
    let r = http()
        .get(&url)
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    // Unknown token.
    let (status, body) = get(&srv, "sim-at-forged", "/market-metrics?symbols=AAPL").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "token_invalid");
    assert!(body["error"]["message"].is_string());
    // Any non-empty User-Agent with a good token works.
    let r = http()
        .get(&url)
        .header("User-Agent", "tastytrade-sdk-js")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let s = stats(&srv).await;
    assert_eq!(s["endpoints"]["market-metrics"]["status"]["401"], 4);
}

#[tokio::test]
async fn expired_tokens_get_401() {
    let srv = faulty_market("token_ttl=1").await;
    let r = http()
        .post(format!("{}/oauth/token", srv.base_url()))
        .header("User-Agent", UA)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", DEMO_SECRET),
            ("client_secret", DEMO_SECRET),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&srv, &token, "/market-metrics?symbols=SPY").await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=SPY").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "token_invalid");
    // A fresh token works again.
    let token = login(&srv).await;
    assert_eq!(
        get(&srv, &token, "/market-metrics?symbols=SPY").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn symbol_limits_give_400() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let names = |n: usize| {
        (0..n)
            .map(|i| format!("S{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-data/by-type?equity={}", names(101)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].is_string());
    // 100 in total across types is fine; 101 across types is not.
    let (status, _) = get(
        &srv,
        &token,
        &format!("/market-data/by-type?equity={}&index=SPX", names(99)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(
        &srv,
        &token,
        &format!("/market-data/by-type?equity={}&index=SPX,VIX", names(99)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", names(501)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", names(500)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!((400..=500).contains(&items(&body).len()));
    // A query that does not decode to UTF-8 is a 400 too.
    let (status, _) = get(&srv, &token, "/market-metrics?symbols=%FF%FE").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_gives_429_without_headers_and_is_counted() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let url = format!("{}/market-metrics?symbols=SPY", srv.base_url());
    let client = http();
    let requests = (0..45).map(|_| {
        client
            .get(&url)
            .header("User-Agent", UA)
            .bearer_auth(&token)
            .send()
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut limited = 0;
    for r in responses {
        let r = r.expect("response");
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            for name in r.headers().keys() {
                let n = name.as_str();
                assert!(
                    !n.contains("ratelimit") && !n.contains("rate-limit") && n != "retry-after",
                    "429 carries {n}"
                );
            }
            let body: Value = r.json().await.expect("429 body is JSON");
            assert!(body["error"]["code"].is_string());
        } else {
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    assert!((1..=5).contains(&limited), "{limited} of 45 limited");
    let s = stats(&srv).await;
    assert_eq!(s["rate_limited"], limited);
    assert_eq!(s["endpoints"]["market-metrics"]["status"]["429"], limited);
    assert_eq!(s["endpoints"]["market-metrics"]["requests"], 45);
    // Another token has its own bucket.
    let other = login(&srv).await;
    assert_eq!(
        get(&srv, &other, "/market-metrics?symbols=SPY").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn symbol_lists_accept_every_client_encoding() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let want = set(&["AAPL", "BRK/B", "SPY"]);
    for q in [
        "symbols=AAPL,SPY,BRK%2FB",
        "symbols=AAPL%2CSPY%2CBRK%2FB",
        "symbols[]=AAPL&symbols[]=SPY&symbols[]=BRK%2FB",
        "symbols%5B%5D=AAPL&symbols%5B%5D=SPY&symbols%5B%5D=BRK/B",
        "symbols=AAPL&symbols=SPY&symbols=BRK/B",
        "symbols=AAPL,+SPY,+BRK/B",
        "symbols=AAPL,SPY,SPY,BRK/B,",
    ] {
        let (status, body) = get(&srv, &token, &format!("/market-metrics?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(symbols_of(&body), want, "{q}");
        assert_eq!(items(&body).len(), 3, "{q}: one row per symbol");
    }
    for q in [
        "equity=AAPL,SPY&index=SPX",
        "equity=AAPL&equity=SPY&index=SPX",
        "equity[]=AAPL&equity[]=SPY&index[]=SPX",
        "equity=AAPL%2CSPY&index=SPX",
    ] {
        let (status, body) = get(&srv, &token, &format!("/market-data/by-type?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(symbols_of(&body), set(&["AAPL", "SPX", "SPY"]), "{q}");
    }
    // OCC option symbols carry spaces: `+` and `%20` both decode to them.
    let (_, chain) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    let occ = chain["data"]["items"][0]["expirations"][0]["strikes"][0]["call"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(occ.contains(' '));
    for encoded in [occ.replace(' ', "+"), occ.replace(' ', "%20")] {
        let (status, body) = get(
            &srv,
            &token,
            &format!("/market-data/by-type?equity-option={encoded}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(items(&body).len(), 1, "{encoded}");
        assert_eq!(items(&body)[0]["symbol"], occ.as_str());
        assert_eq!(items(&body)[0]["instrument-type"], "Equity Option");
    }
}

#[tokio::test]
async fn metrics_carry_the_real_scales() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let symbols = [
        "AAPL", "SPY", "TSLA", "SPX", "/ES", "XYZ", "NVDA", "KO", "IWM", "GME",
    ];
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", symbols.join(",")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body).len(), symbols.len());
    let market = &srv.state.market;
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;
    let mut hv_seen = 0;
    for row in items(&body) {
        let sym = row["symbol"].as_str().unwrap();
        let m = market.metrics(sym).expect("the market knows it");
        assert!(row["updated-at"].is_string(), "{sym}");
        assert!(row["market-cap"].is_number(), "{sym}");
        assert!(close(f(&row["implied-volatility-index"]), m.iv_index, 1e-8));
        assert!(
            f(&row["implied-volatility-index"]) < 5.0,
            "IVx is a fraction"
        );
        assert!(close(
            f(&row["implied-volatility-30-day"]),
            m.iv30 * 100.0,
            0.006
        ));
        for key in [
            "implied-volatility-index-rank",
            "tos-implied-volatility-index-rank",
            "tw-implied-volatility-index-rank",
            "implied-volatility-percentile",
        ] {
            let v = f(&row[key]);
            assert!((0.0..=1.0).contains(&v), "{sym} {key} {v}");
        }
        assert!(close(
            f(&row["implied-volatility-index-rank"]),
            m.iv_rank_tos,
            1e-8
        ));
        assert!(close(
            f(&row["implied-volatility-percentile"]),
            m.iv_percentile,
            1e-8
        ));
        for (key, hv) in [
            ("historical-volatility-30-day", m.hv30),
            ("historical-volatility-60-day", m.hv60),
            ("historical-volatility-90-day", m.hv90),
        ] {
            match hv {
                Some(hv) => {
                    hv_seen += 1;
                    assert!(close(f(&row[key]), hv * 100.0, 0.006), "{sym} {key}");
                }
                None => assert!(row.get(key).is_none(), "{sym} {key} omitted"),
            }
        }
        if let Some(hv30) = m.hv30 {
            let diff = f(&row["iv-hv-30-day-difference"]);
            assert!(close(diff, (m.iv30 - hv30) * 100.0, 0.02), "{sym}");
        }
        match m.liquidity_rating {
            Some(r) => assert_eq!(row["liquidity-rating"], r),
            None => assert!(row.get("liquidity-rating").is_none()),
        }
        let ivs = row["option-expiration-implied-volatilities"]
            .as_array()
            .unwrap();
        assert_eq!(ivs.len(), m.expiration_ivs.len());
        for (w, e) in ivs.iter().zip(&m.expiration_ivs) {
            assert_eq!(w["expiration-date"], e.expiration_date.to_string());
            assert!(close(
                f(&w["implied-volatility"]),
                e.implied_volatility,
                1e-8
            ));
        }
        assert_eq!(row.get("earnings").is_some(), m.earnings.is_some(), "{sym}");
    }
    assert!(hv_seen > 0);
    let aapl = items(&body).iter().find(|r| r["symbol"] == "AAPL").unwrap();
    assert_eq!(aapl["earnings"]["visible"], true);
    assert!(aapl["earnings"]["expected-report-date"].is_string());
}

#[tokio::test]
async fn unknown_symbols_are_absent_or_404() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    assert!(srv.state.market.is_unknown("ZZZZ"));
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AAPL,ZZZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL"]));
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=ZZZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).is_empty(), "items present even when empty");
    let (status, body) = get(&srv, &token, "/market-data/by-type?equity=ZZZZ,AAPL").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL"]));
    for path in [
        "/option-chains/ZZZZ/nested",
        "/option-chains/ZZZZ",
        "/futures-option-chains/ZZ/nested",
        "/futures-option-chains/ZZ",
        "/no/such/route",
    ] {
        let (status, body) = get(&srv, &token, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body["error"]["code"].is_string(), "{path}");
        assert!(body["error"]["message"].is_string(), "{path}");
    }
    let (status, body) = get(&srv, &token, "/instruments/futures?product-code=ZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).is_empty());
    // A wrong method is JSON too.
    let r = http()
        .delete(format!("{}/market-metrics", srv.base_url()))
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.json::<Value>().await.unwrap()["error"]["code"].is_string());
}

/// `AAPL  260417C00200000`: root padded to 6, YYMMDD, C/P, strike × 1000 on 8 digits.
fn occ_ok(occ: &str, root: &str, kind: char) -> bool {
    occ.len() == 21
        && occ[..6].trim_end() == root
        && occ[6..12].bytes().all(|b| b.is_ascii_digit())
        && occ.as_bytes()[12] == kind as u8
        && occ[13..].bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn option_chains_nested_and_flat() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["context"], "/option-chains/AAPL/nested");
    let chain = items(&body);
    assert_eq!(chain.len(), 1);
    let item = &chain[0];
    assert_eq!(item["underlying-symbol"], "AAPL");
    assert_eq!(item["shares-per-contract"], 100);
    let exps = item["expirations"].as_array().unwrap();
    assert!(exps.len() >= 3);
    let mut monthlies = 0;
    let mut strikes_total = 0;
    for e in exps {
        let date: Date = e["expiration-date"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            e["days-to-expiration"].as_i64().unwrap(),
            i64::from(date.days_since(as_of()))
        );
        if e["expiration-type"] == "Regular" {
            monthlies += 1;
            // The third Friday, or the Thursday before when that Friday is a holiday.
            let third = Date::third_friday(date.year(), date.month());
            assert!(date == third || date == third.add_days(-1), "{date}");
        }
        let yymmdd = format!(
            "{:02}{:02}{:02}",
            date.year() % 100,
            date.month(),
            date.day()
        );
        for s in e["strikes"].as_array().unwrap() {
            strikes_total += 1;
            let strike = f(&s["strike-price"]);
            assert!(strike > 0.0);
            let call = s["call"].as_str().unwrap();
            let put = s["put"].as_str().unwrap();
            assert!(
                occ_ok(call, "AAPL", 'C') && occ_ok(put, "AAPL", 'P'),
                "{call}"
            );
            assert_eq!(&call[6..12], yymmdd);
            let cs = s["call-streamer-symbol"].as_str().unwrap();
            let ps = s["put-streamer-symbol"].as_str().unwrap();
            assert!(cs.starts_with(&format!(".AAPL{yymmdd}C")), "{cs}");
            assert!(ps.starts_with(&format!(".AAPL{yymmdd}P")), "{ps}");
        }
    }
    assert!(monthlies >= 2, "monthly expirations present");
    // A 45-DTE screener finds a monthly within 25..70 days.
    assert!(exps.iter().any(|e| e["expiration-type"] == "Regular"
        && (25..=70).contains(&e["days-to-expiration"].as_i64().unwrap())));

    let (status, flat) = get(&srv, &token, "/option-chains/AAPL").await;
    assert_eq!(status, StatusCode::OK);
    let rows = items(&flat);
    assert_eq!(rows.len(), 2 * strikes_total);
    for r in rows {
        for key in [
            "symbol",
            "streamer-symbol",
            "strike-price",
            "option-type",
            "expiration-date",
            "days-to-expiration",
            "expiration-type",
            "settlement-type",
            "root-symbol",
            "underlying-symbol",
        ] {
            assert!(r.get(key).is_some(), "flat row lacks {key}");
        }
        assert_eq!(r["instrument-type"], "Equity Option");
        assert_eq!(r["active"], true);
        assert!(r["option-type"] == "C" || r["option-type"] == "P");
        assert!(r["days-to-expiration"].is_number());
    }

    // A slash in the symbol, percent-encoded.
    let (status, body) = get(&srv, &token, "/option-chains/BRK%2FB/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body)[0]["underlying-symbol"], "BRK/B");
    let (status, _) = get(&srv, &token, "/option-chains/BRK%2FB").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn futures_instruments_products_and_option_chains() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let month_codes = "FGHJKMNQUVXZ";
    let (status, body) = get(&srv, &token, "/instruments/futures?product-code[]=ES").await;
    assert_eq!(status, StatusCode::OK);
    let es = items(&body);
    assert!(es.len() >= 2);
    assert_eq!(
        es.iter().filter(|r| r["active-month"] == true).count(),
        1,
        "exactly one active month"
    );
    for r in es {
        assert_eq!(r["product-code"], "ES");
        assert_eq!(r["future-product"]["code"], "ES");
        let sym = r["symbol"].as_str().unwrap();
        let streamer = r["streamer-symbol"].as_str().unwrap();
        // `/ESZ6` and `/ESZ26:XCME`.
        assert!(sym.starts_with("/ES") && sym.len() == 5, "{sym}");
        assert!(month_codes.contains(&sym[3..4]));
        assert!(
            streamer.starts_with(&sym[..4]) && streamer.ends_with(":XCME"),
            "{streamer}"
        );
        assert_eq!(streamer.len(), "/ESZ26:XCME".len());
        assert!(r["expiration-date"]
            .as_str()
            .unwrap()
            .parse::<Date>()
            .is_ok());
    }
    // Filters in every form; no filter lists every product.
    for q in [
        "product-code=ES",
        "product-code=%2FES",
        "product-code[]=ES&product-code[]=ZZ",
    ] {
        let (_, b) = get(&srv, &token, &format!("/instruments/futures?{q}")).await;
        assert_eq!(items(&b).len(), es.len(), "{q}");
    }
    let (_, two) = get(
        &srv,
        &token,
        "/instruments/futures?product-code=ES&product-code=CL",
    )
    .await;
    let (_, all) = get(&srv, &token, "/instruments/futures").await;
    assert!(items(&two).len() > es.len());
    assert!(items(&all).len() > items(&two).len());
    let codes: BTreeSet<String> = items(&all)
        .iter()
        .map(|r| r["product-code"].as_str().unwrap().to_string())
        .collect();
    for code in &codes {
        let active = items(&all)
            .iter()
            .filter(|r| r["product-code"] == code.as_str() && r["active-month"] == true)
            .count();
        assert_eq!(active, 1, "{code}");
    }
    let first = es[0]["symbol"].as_str().unwrap();
    let (_, one) = get(
        &srv,
        &token,
        &format!("/instruments/futures?symbol[]={first}"),
    )
    .await;
    assert_eq!(symbols_of(&one), set(&[first]));

    let (status, products) = get(&srv, &token, "/instruments/future-products").await;
    assert_eq!(status, StatusCode::OK);
    let product_codes: BTreeSet<String> = items(&products)
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(product_codes, codes);

    let (status, body) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    assert_eq!(status, StatusCode::OK);
    let data = &body["data"];
    let futures = data["futures"].as_array().unwrap();
    assert_eq!(
        futures.iter().filter(|f| f["active-month"] == true).count(),
        1
    );
    let chains = data["option-chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1);
    let exps = chains[0]["expirations"].as_array().unwrap();
    assert!(!exps.is_empty());
    let mut strikes_total = 0;
    for e in exps {
        assert!(e["underlying-symbol"].as_str().unwrap().starts_with("/ES"));
        assert!(e["days-to-expiration"].is_number());
        for s in e["strikes"].as_array().unwrap() {
            strikes_total += 1;
            let cs = s["call-streamer-symbol"].as_str().unwrap();
            assert!(cs.starts_with("./") && cs.ends_with(":XCME"), "{cs}");
            assert!(s["call"].as_str().unwrap().starts_with("./ES"));
            f(&s["strike-price"]);
        }
    }
    // Also with the slash, encoded.
    let (status, _) = get(&srv, &token, "/futures-option-chains/%2FES/nested").await;
    assert_eq!(status, StatusCode::OK);
    let (status, flat) = get(&srv, &token, "/futures-option-chains/ES").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&flat).len(), 2 * strikes_total);
    assert_eq!(items(&flat)[0]["instrument-type"], "Future Option");
}

#[tokio::test]
async fn quote_token_points_at_the_local_dxlink() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/api-quote-tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["context"], "/api-quote-tokens");
    let d = &body["data"];
    let url = d["dxlink-url"].as_str().unwrap();
    assert_eq!(url, srv.dxlink_url());
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/dxlink"),
        "{url}"
    );
    assert_eq!(d["level"], "api");
    let qt = d["token"].as_str().unwrap();
    assert!(srv.state.auth.quote_token_known(qt));
    assert!(d["issued-at"].is_string() && d["expires-at"].is_string());
    assert_eq!(stats(&srv).await["oauth"]["quote_tokens"], 1);
}

/// A fresh directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "volscreen-sim-rest-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Lay the recorded fixtures out as request paths.
fn fixtures_dir() -> PathBuf {
    let dir = temp_dir("fixtures");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tastytrade");
    for (file, target) in [
        ("market-metrics-AAPL-TSLA.json", "market-metrics.json"),
        ("market-data-by-type.json", "market-data/by-type.json"),
        (
            "option-chains-nested-AAPL.json",
            "option-chains/AAPL/nested.json",
        ),
        (
            "option-chains-nested-SPY.json",
            "option-chains/SPY/nested.json",
        ),
        (
            "futures-option-chains-nested-ES.json",
            "futures-option-chains/ES/nested.json",
        ),
        ("instruments-futures-LE.json", "instruments/futures.json"),
    ] {
        let to = dir.join(target);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(file), to).unwrap();
    }
    dir
}

#[tokio::test]
async fn fixtures_mode_serves_the_recorded_files() {
    let dir = fixtures_dir();
    let mut options = SimOptions::new(as_of());
    options.fixtures = Some(dir.clone());
    let srv = market(options).await;
    let token = login(&srv).await;

    // List endpoints: only the requested rows, as recorded.
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AAPL,MSFT").await;
    assert_eq!(status, StatusCode::OK);
    let recorded = fixture("market-metrics-AAPL-TSLA.json");
    assert_eq!(items(&body), &vec![fixture_row(&recorded, "AAPL").clone()]);
    let (_, body) = get(
        &srv,
        &token,
        "/market-data/by-type?equity=TSLA&cryptocurrency=BTC%2FUSD",
    )
    .await;
    assert_eq!(symbols_of(&body), set(&["BTC/USD", "TSLA"]));
    let recorded = fixture("market-data-by-type.json");
    assert_eq!(
        items(&body).iter().find(|r| r["symbol"] == "TSLA").unwrap(),
        fixture_row(&recorded, "TSLA")
    );

    // Others verbatim; files holding only `data` are wrapped.
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, fixture("option-chains-nested-AAPL.json"));
    let (_, body) = get(&srv, &token, "/option-chains/SPY/nested").await;
    assert_eq!(body["data"], fixture("option-chains-nested-SPY.json"));
    let (_, body) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    assert_eq!(body, fixture("futures-option-chains-nested-ES.json"));
    let (_, body) = get(&srv, &token, "/instruments/futures?product-code[]=LE").await;
    assert_eq!(body["data"], fixture("instruments-futures-LE.json"));

    // No file: the synthetic market answers.
    let (status, body) = get(&srv, &token, "/option-chains/MSFT/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body)[0]["underlying-symbol"], "MSFT");

    // A broken file is a JSON 500, not a crash.
    std::fs::write(dir.join("option-chains/AAPL/nested.json"), "{oops").unwrap();
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["error"]["message"].is_string());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hostile values in fixture files reach the client exactly as written (emulator.md, Fixtures):
/// an IV index of "50", a percentile of "1.5", a rank of "-5", a liquidity rating of 99, a crossed
/// quote and a negative price, and another underlying's chain served for AMZN. Each file served
/// is counted under `fixtures` in `/__sim/stats`.
#[tokio::test]
async fn fixtures_serve_hostile_values_verbatim() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (_, mut metrics) = get(&srv, &token, "/market-metrics?symbols=AMZN,SPY").await;
    let (_, mut quotes) = get(&srv, &token, "/market-data/by-type?equity=AMZN,SPY").await;
    let row = |body: &mut Value, symbol: &str| -> serde_json::Map<String, Value> {
        body["data"]["items"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["symbol"] == symbol)
            .and_then(Value::as_object_mut)
            .unwrap()
            .clone()
    };
    let mut amzn = row(&mut metrics, "AMZN");
    amzn.insert("implied-volatility-index".into(), json!("50"));
    amzn.insert("implied-volatility-percentile".into(), json!("1.5"));
    amzn.insert("implied-volatility-index-rank".into(), json!("-5"));
    amzn.insert("liquidity-rating".into(), json!(99));
    let metrics_file = json!({"data": {"items": [Value::Object(amzn), row(&mut metrics, "SPY")]},
                              "context": "/market-metrics"});
    let mut q = row(&mut quotes, "AMZN");
    q.insert("bid".into(), json!("300.0"));
    q.insert("ask".into(), json!("200.0"));
    q.insert("mark".into(), json!("-5.25"));
    q.insert("last".into(), json!(-5.25));
    let quotes_file = json!({"items": [Value::Object(q)]}); // `data` only: wrapped
    let chain = fixture("option-chains-nested-AAPL.json");

    let dir = temp_dir("hostile");
    for (rel, body) in [
        ("market-metrics.json", &metrics_file),
        ("market-data/by-type.json", &quotes_file),
        ("option-chains/AMZN/nested.json", &chain),
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, body.to_string()).unwrap();
    }
    let mut options = SimOptions::new(as_of());
    options.fixtures = Some(dir.clone());
    let srv = market(options).await;
    let token = login(&srv).await;

    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AMZN").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        items(&body),
        &vec![metrics_file["data"]["items"][0].clone()]
    );
    let served = &items(&body)[0];
    assert_eq!(served["implied-volatility-index"], "50");
    assert_eq!(served["implied-volatility-percentile"], "1.5");
    assert_eq!(served["implied-volatility-index-rank"], "-5");
    assert_eq!(served["liquidity-rating"], 99);

    let (status, body) = get(&srv, &token, "/market-data/by-type?equity=AMZN,SPY").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        items(&body),
        quotes_file["items"].as_array().unwrap(),
        "only the file's rows: SPY has none"
    );
    assert_eq!(items(&body)[0]["bid"], "300.0");
    assert_eq!(items(&body)[0]["last"], json!(-5.25));

    let (status, body) = get(&srv, &token, "/option-chains/AMZN/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, chain, "another underlying's chain, verbatim");
    assert_eq!(items(&body)[0]["underlying-symbol"], "AAPL");

    let s = stats(&srv).await;
    assert_eq!(s["fixtures"]["/market-metrics"], 1, "{s}");
    assert_eq!(s["fixtures"]["/market-data/by-type"], 1, "{s}");
    assert_eq!(s["fixtures"]["/option-chains/AMZN/nested"], 1, "{s}");
    let (_, body) = get(&srv, &token, "/option-chains/SPY/nested").await;
    assert_eq!(items(&body)[0]["underlying-symbol"], "SPY");
    assert!(stats(&srv).await["fixtures"]
        .get("/option-chains/SPY/nested")
        .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn http500_and_http429_faults() {
    let srv = faulty_market("http500=1").await;
    let token = login(&srv).await; // OAuth is not subject to faults.
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AAPL").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["error"]["code"].is_string());
    let (status, _) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(stats(&srv).await["faults"]["http500"], 2);

    let srv = faulty_market("http429=1").await;
    let token = login(&srv).await;
    let (status, headers, text) = get_raw(&srv, &token, "/market-metrics?symbols=AAPL").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.get("retry-after").is_none());
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    let s = stats(&srv).await;
    assert_eq!(s["faults"]["http429"], 1);
    assert_eq!(s["rate_limited"], 1);
}

#[tokio::test]
async fn truncate_fault_cuts_the_body_short() {
    let srv = faulty_market("truncate=1").await;
    let token = login(&srv).await;
    for path in [
        "/market-metrics?symbols=AAPL,SPY",
        "/option-chains/AAPL/nested",
        "/instruments/futures",
    ] {
        let (status, _, text) = get_raw(&srv, &token, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!text.is_empty(), "{path}");
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "{path}: body still parses"
        );
    }
    assert_eq!(stats(&srv).await["faults"]["truncate"], 3);
}

#[tokio::test]
async fn missing_fault_drops_optional_fields_only() {
    let full_srv = plain_market().await;
    let full_token = login(&full_srv).await;
    let srv = faulty_market("missing=1").await;
    let token = login(&srv).await;
    let q = "/market-metrics?symbols=AAPL,SPY,TSLA,NVDA";
    let (_, full) = get(&full_srv, &full_token, q).await;
    let (status, thin) = get(&srv, &token, q).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&full), symbols_of(&thin));
    for (a, b) in items(&full).iter().zip(items(&thin)) {
        let (ka, kb) = (keys(a), keys(b));
        assert!(kb.is_subset(&ka));
        assert!(kb.len() < ka.len(), "{} lost nothing", b["symbol"]);
        for k in ["symbol", "updated-at", "market-cap"] {
            assert!(b.get(k).is_some(), "{k} is never dropped");
        }
    }
    let (_, quotes) = get(&srv, &token, "/market-data/by-type?equity=AAPL,SPY").await;
    for r in items(&quotes) {
        assert!(r.get("symbol").is_some() && r.get("instrument-type").is_some());
    }
    assert_eq!(stats(&srv).await["faults"]["missing"], 2);
}

#[tokio::test]
async fn latency_profile_delays_responses_but_not_429s() {
    let mut options = SimOptions::new(as_of());
    options.latency.rest.market_metrics_ms = 200.0;
    options.latency.rest_limits.rate_burst = 1.0;
    options.latency.rest_limits.rate_per_sec = 0.5;
    let srv = market(options).await;
    let token = login(&srv).await;
    let t = std::time::Instant::now();
    assert_eq!(
        get(&srv, &token, "/market-metrics?symbols=AAPL").await.0,
        StatusCode::OK
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    let t = std::time::Instant::now();
    assert_eq!(
        get(&srv, &token, "/market-metrics?symbols=AAPL").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "a 429 costs no latency"
    );
}

#[tokio::test]
async fn sim_stats_count_requests_symbols_and_statuses() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    get(&srv, &token, "/market-metrics?symbols=AAPL,SPY,TSLA").await;
    get(&srv, &token, "/market-metrics?symbols[]=KO").await;
    get(&srv, &token, "/market-data/by-type?equity=AAPL&index=SPX").await;
    get(&srv, &token, "/option-chains/AAPL/nested").await;
    get(&srv, &token, "/option-chains/ZZZZ/nested").await;
    get(&srv, &token, "/instruments/futures?product-code=ES").await;
    get(&srv, &token, "/futures-option-chains/ES/nested").await;
    let s = stats(&srv).await;
    let e = &s["endpoints"];
    assert_eq!(e["market-metrics"]["requests"], 2);
    assert_eq!(e["market-metrics"]["symbols"], 4);
    assert_eq!(e["market-metrics"]["status"]["200"], 2);
    assert_eq!(e["market-data-by-type"]["symbols"], 2);
    assert_eq!(e["option-chains-nested"]["requests"], 2);
    assert_eq!(e["option-chains-nested"]["status"]["404"], 1);
    assert_eq!(e["instruments-futures"]["requests"], 1);
    assert_eq!(e["futures-option-chains-nested"]["status"]["200"], 1);
    assert_eq!(e["oauth-token"]["requests"], 1);
    assert_eq!(s["oauth"]["grants"], 1);
    assert_eq!(s["in_flight"], 0);
    assert!(s["peak_in_flight"].as_i64().unwrap() >= 1);
    assert_eq!(s, srv.stats(), "the route serves the same document");
}

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
