//! OAuth and the token checks of the REST gate: the refresh-token grant in JSON and form bodies and
//! its refusals, the User-Agent and bearer-token 401s, token expiry, and the DXLink quote token.

use super::{faulty_market, get, http, login, plain_market, stats, UA};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use volscreen_sim::DEMO_SECRET;

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
