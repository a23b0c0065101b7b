//! The secret scrub (issue 8, item 6; product.md "Errors and exit codes"): a hostile server on a
//! loopback port that echoes the request's headers, query and body in its error responses, in
//! every encoding (raw, percent-encoded upper and lower case, form-encoded, JSON-escaped with `\/`
//! and `\u002b` escapes, doubly percent-encoded, HTML entities), for 400, 403, 422, 503 on the data
//! endpoints, the quote-token endpoint and the token endpoint. Secrets are chosen with `+&=/`,
//! quotes, backslashes, `%` and spaces.
//!
//! - Client level: the `Display` and `Debug` of every error contain no secret in any encoding.
//! - End to end: the real binary (`screen --source tastytrade --api-url ...`) against the echoing
//!   server; every byte of stdout and stderr is searched for every secret in every encoding.
//!
//! The echoing server's pieces and the search ([`echo`], [`token_route`], [`api_route`],
//! [`secrets`], [`assert_clean`]) are shared with `check` (`volscreen check` against it).

use crate::harness::{self, TempDir, BIN};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use volscreen::tastytrade::secret::encodings;
use volscreen::tastytrade::{ApiError, ClientConfig, Outcome, TastytradeClient};

pub(crate) const REFRESH: &str = "rt+A&b=C/d\"e\\f'g%h-refresh";
pub(crate) const CLIENT: &str = "cs/X+y=Z&w\"q\\r tail-client";
pub(crate) const ACCESS_PREFIX: &str = "at+/=&\"\\tok-";
pub(crate) const QUOTE: &str = "qt+/=&\"\\quote-token";

/// Every encoding of `s` a hostile echo could use.
pub(crate) fn hostile_encodings(s: &str) -> Vec<String> {
    let mut all = encodings(s);
    let mut double = String::new();
    let mut html = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            double.push(b as char);
            html.push(b as char);
        } else {
            double.push_str(&format!("%25{b:02X}"));
            html.push_str(&format!("&#{b};"));
        }
    }
    all.push(double);
    all.push(html);
    all
}

/// The echo of `value` in encoding number `k` (of [`hostile_encodings`]).
pub(crate) fn encode(value: &str, k: usize) -> String {
    let all = hostile_encodings(value);
    all[k % all.len()].clone()
}

fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| {
            let v = v.replace('+', " ");
            let b = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap_or(b'?'));
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
    })
}

pub(crate) struct Echo {
    /// The token endpoint's status: 200 (issue an access token) or an error that echoes.
    token_status: u16,
    /// Status of the data and quote-token endpoints (0: by the `S<status>` symbol of the query).
    api_status: u16,
    /// Serve a quote token whose DXLink URL quotes it (an insecure URL).
    quote_ok: bool,
    issued: AtomicUsize,
    calls: AtomicUsize,
    tokens: Mutex<Vec<String>>,
}

fn echo_body(status: u16, k: usize, auth: &str, path: &str, body: &str) -> String {
    // The message starts with the echo (bounded server text keeps only its first few hundred
    // characters), in encoding `k`, then everything else raw.
    let first = encode(auth, k);
    let message = format!(
        "{first} | Authorization: {auth} | path {path} | body {body} | body-enc {}",
        encode(body, k + 1)
    );
    let shape = k % 3;
    let v = match shape {
        0 => {
            serde_json::json!({"error": {"code": format!("c{status} {}", encode(auth, k + 2)), "message": message}})
        }
        1 => serde_json::json!({"error": "echo", "error_description": message}),
        _ => {
            serde_json::json!({"error_code": "echo", "message": message, "errors": [{"message": message}]})
        }
    };
    v.to_string()
}

pub(crate) async fn token_route(State(e): State<Arc<Echo>>, h: HeaderMap, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    if e.token_status == 200 && form_value(&body, "client_secret").as_deref() == Some(CLIENT) {
        let n = e.issued.fetch_add(1, Ordering::SeqCst);
        let token = format!("{ACCESS_PREFIX}{n}");
        e.tokens.lock().unwrap().push(token.clone());
        let v =
            serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": 900});
        return (StatusCode::OK, v.to_string()).into_response();
    }
    let k = e.calls.fetch_add(1, Ordering::SeqCst);
    let auth = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let status = if e.token_status == 200 {
        400
    } else {
        e.token_status
    };
    // The body (the form with both credentials) first, in encoding k.
    let text = format!(
        "{} | raw {body} | {auth}",
        encode(&form_value(&body, "client_secret").unwrap_or_default(), k)
    );
    let v = match k % 2 {
        0 => serde_json::json!({"error": "invalid_client", "error_description": text}),
        _ => serde_json::json!({"error": {"code": "invalid_client", "message": text}}),
    };
    (StatusCode::from_u16(status).unwrap(), v.to_string()).into_response()
}

pub(crate) async fn api_route(
    State(e): State<Arc<Echo>>,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let auth = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if e.quote_ok && path.starts_with("/api-quote-tokens") {
        let url = format!("ws://evil.example/dxlink?token={}", encode(QUOTE, 1));
        let v = serde_json::json!({"data": {"token": QUOTE, "dxlink-url": url}});
        return (StatusCode::OK, v.to_string()).into_response();
    }
    // `S<status>E<k>` in the query picks the status and the encoding.
    let (mut status, mut k) = (e.api_status, e.calls.fetch_add(1, Ordering::SeqCst));
    if let Some(i) = path.find("S") {
        let tail = &path[i + 1..];
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(s) = digits.parse::<u16>() {
            status = s;
            if let Some(j) = tail.find('E') {
                let kd: String = tail[j + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                k = kd.parse().unwrap_or(k);
            }
        }
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let text = echo_body(status, k, &auth, &path, &body);
    (StatusCode::from_u16(status).unwrap(), text).into_response()
}

async fn serve(echo: Echo) -> (Arc<Echo>, String) {
    let echo = Arc::new(echo);
    let app = Router::new()
        .route("/oauth/token", post(token_route))
        .fallback(api_route)
        .with_state(echo.clone());
    let addr = harness::serve(app).await;
    (echo, format!("http://{addr}"))
}

pub(crate) fn echo(token_status: u16, api_status: u16, quote_ok: bool) -> Echo {
    Echo {
        token_status,
        api_status,
        quote_ok,
        issued: AtomicUsize::new(0),
        calls: AtomicUsize::new(0),
        tokens: Mutex::default(),
    }
}

fn config(url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(url, CLIENT, REFRESH);
    c.backoff_base = Duration::from_millis(5);
    c.backoff_max = Duration::from_millis(20);
    c.rate_limit_backoff_base = Duration::from_millis(5);
    c.max_retries = 1;
    c.token_retries = 1;
    c
}

/// Every secret of a run: the credentials, the access tokens the server issued, the quote token.
pub(crate) fn secrets(e: &Echo) -> Vec<String> {
    let mut all = vec![REFRESH.to_string(), CLIENT.to_string(), QUOTE.to_string()];
    all.extend(e.tokens.lock().unwrap().iter().cloned());
    // Also the Authorization header value as sent.
    let sent: Vec<String> = all
        .iter()
        .filter(|s| s.starts_with(ACCESS_PREFIX))
        .map(|t| format!("Bearer {t}"))
        .collect();
    all.extend(sent);
    all
}

/// Panic when `text` contains any secret in any encoding.
pub(crate) fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        for enc in hostile_encodings(s) {
            assert!(
                !text.contains(&enc),
                "{what} leaks {s:?} as {enc:?}:\n{text}"
            );
        }
    }
}

fn assert_error_clean(e: &ApiError, secrets: &[String]) {
    let shown = format!("{e}");
    let debug = format!("{e:?}");
    assert_clean("Display", &shown, secrets);
    assert_clean("Debug", &debug, secrets);
    assert!(shown.chars().count() < 1200, "unbounded: {shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_endpoint_errors_never_show_a_token_in_any_encoding() {
    let (server, url) = serve(echo(200, 0, false)).await;
    let client = TastytradeClient::new(config(&url)).unwrap();
    let n = hostile_encodings(ACCESS_PREFIX).len() + 3;
    let mut seen = 0;
    for status in [400u16, 403, 422, 503] {
        for k in 0..n {
            let sym = format!("S{status}E{k}");
            let chain = client.option_chain(&sym).await.unwrap_err();
            let batch = client.market_metrics(std::slice::from_ref(&sym)).await;
            let Outcome::Failed(metrics) = &batch.results[0].outcome else {
                panic!("{sym}: {:?}", batch.results[0].outcome);
            };
            for e in [&chain, metrics] {
                assert!(
                    matches!(e, ApiError::Http { status: s, .. } if *s == status),
                    "{e:?}"
                );
                assert_error_clean(e, &secrets(&server));
                seen += 1;
            }
        }
    }
    assert!(seen >= 4 * 2 * n);
    assert!(!server.tokens.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_token_errors_and_insecure_urls_never_show_the_tokens() {
    let (server, url) = serve(echo(200, 422, false)).await;
    let client = TastytradeClient::new(config(&url)).unwrap();
    for _ in 0..12 {
        let e = client.quote_token().await.unwrap_err();
        assert_error_clean(&e, &secrets(&server));
    }
    let (server, url) = serve(echo(200, 422, true)).await;
    let client = TastytradeClient::new(config(&url)).unwrap();
    let e = client.quote_token().await.unwrap_err();
    assert!(matches!(e, ApiError::InsecureUrl { .. }), "{e:?}");
    assert_error_clean(&e, &secrets(&server));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_errors_never_show_the_credentials() {
    for status in [400u16, 401, 403, 422, 503] {
        for k in 0..12 {
            let (server, url) = serve(echo(status, 400, false)).await;
            server.calls.store(k, Ordering::SeqCst);
            let client = TastytradeClient::new(config(&url)).unwrap();
            let e = client.authenticate().await.unwrap_err();
            assert_error_clean(&e, &secrets(&server));
            let batch = client.market_metrics(&["AAPL"]).await;
            if let Outcome::Failed(e) = &batch.results[0].outcome {
                assert_error_clean(e, &secrets(&server));
            }
        }
    }
}

#[test]
fn a_dxlink_error_frame_is_scrubbed_and_bounded() {
    let token = volscreen::dxlink::protocol::StreamerToken::new("dx+/=&\"\\token-1");
    let _other = volscreen::tastytrade::Secret::new(REFRESH);
    for k in 0..12 {
        let text = format!(
            "{} {} {}",
            encode("dx+/=&\"\\token-1", k),
            encode(REFRESH, k),
            "x".repeat(2000)
        );
        let shown = token.redact(&text);
        assert_clean(
            "DXLink ERROR",
            &shown,
            &["dx+/=&\"\\token-1".to_string(), REFRESH.to_string()],
        );
        assert!(shown.chars().count() <= 310, "{}", shown.len());
    }
}

// ---------------------------------------------------------------------------------------------
// End to end: the real binary
// ---------------------------------------------------------------------------------------------

async fn run_binary(url: &str) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let dir = TempDir::new("e2e");
    let args = [
        "screen",
        "--source",
        "tastytrade",
        "--api-url",
        url,
        "--symbols",
        "AAPL,SPY",
        "--json",
        "--no-cache",
        "--timeout",
        "20",
    ];
    let creds = [
        ("TASTYTRADE_REFRESH_TOKEN", REFRESH),
        ("TASTYTRADE_CLIENT_SECRET", CLIENT),
    ];
    let mut cmd = harness::command(BIN, &args, &creds, dir.path());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("the binary runs");
    (out.status.code(), out.stdout, out.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_no_secret_when_every_endpoint_echoes() {
    // The server issues the access token itself; every data endpoint and the quote-token
    // endpoint answer with an error that echoes the request.
    for status in [400u16, 403, 422, 503] {
        let (server, url) = serve(echo(200, status, false)).await;
        let (code, stdout, stderr) = run_binary(&url).await;
        assert!(
            !server.tokens.lock().unwrap().is_empty(),
            "the binary authenticated"
        );
        let all = format!(
            "{}\n{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        assert_clean(
            &format!("binary output ({status})"),
            &all,
            &secrets(&server),
        );
        assert!(code.is_some(), "no signal death: {all}");
        // The echoes did reach the output (scrubbed), so the search above was not vacuous.
        assert!(
            all.contains("[redacted]") || all.contains("withheld"),
            "{all}"
        );
        assert!(server.calls.load(Ordering::SeqCst) > 0, "{all}");
    }
    // The token endpoint echoes the form (client secret and refresh token).
    for status in [400u16, 401, 503] {
        let (server, url) = serve(echo(status, 400, false)).await;
        let (code, stdout, stderr) = run_binary(&url).await;
        let all = format!(
            "{}\n{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        assert_clean(
            &format!("binary output (token {status})"),
            &all,
            &secrets(&server),
        );
        assert_eq!(code, Some(1), "{all}");
    }
}
