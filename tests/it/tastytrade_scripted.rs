//! The tastytrade client against a scripted server (axum on a loopback port) for behaviours the demo
//! market does not produce on demand: a 401 that survives a refresh, transient and final token
//! endpoint failures, refresh-token rotation, `Retry-After`, timeouts, a chunk rejected with 400,
//! a body that is never valid JSON, an insecure DXLink URL, and the exact headers and bodies sent.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use volscreen::tastytrade::{ApiError, ClientConfig, Outcome, TastytradeClient, USER_AGENT};

/// One request the server received.
#[derive(Debug, Clone)]
struct Call {
    /// Index of this call among the calls of its kind (token or API).
    n: usize,
    path_and_query: String,
    headers: HeaderMap,
    body: String,
}

impl Call {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The symbols of a `/market-metrics?symbols=...` call.
    fn symbols(&self) -> Vec<String> {
        let q = self.path_and_query.split_once('?').map_or("", |(_, q)| q);
        q.split('&')
            .filter_map(|kv| kv.strip_prefix("symbols="))
            .flat_map(|v| v.split(','))
            .map(percent_decode)
            .collect()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// What the server answers.
struct Reply {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

fn token_ok(n: usize) -> Reply {
    reply(
        200,
        format!(
            r#"{{"access_token":"at-{}","token_type":"Bearer","expires_in":900}}"#,
            n + 1
        ),
    )
}

fn metrics_rows(symbols: &[String]) -> Reply {
    let rows: Vec<String> = symbols
        .iter()
        .map(|s| format!(r#"{{"symbol":"{s}","implied-volatility-index":"0.2"}}"#))
        .collect();
    reply(
        200,
        format!(r#"{{"data":{{"items":[{}]}}}}"#, rows.join(",")),
    )
}

type Handler = Box<dyn Fn(&Call) -> Reply + Send + Sync>;

struct Fake {
    token: Handler,
    api: Handler,
    token_calls: Mutex<Vec<Call>>,
    api_calls: Mutex<Vec<Call>>,
}

impl Fake {
    async fn handle(&self, is_token: bool, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let calls = if is_token {
            &self.token_calls
        } else {
            &self.api_calls
        };
        let call = {
            let mut calls = calls.lock().unwrap();
            let call = Call {
                n: calls.len(),
                path_and_query: uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            calls.push(call.clone());
            call
        };
        let r = if is_token {
            (self.token)(&call)
        } else {
            (self.api)(&call)
        };
        if !r.delay.is_zero() {
            tokio::time::sleep(r.delay).await;
        }
        let mut response = (StatusCode::from_u16(r.status).unwrap(), r.body).into_response();
        for (name, value) in r.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }

    fn token_calls(&self) -> Vec<Call> {
        self.token_calls.lock().unwrap().clone()
    }

    fn api_calls(&self) -> Vec<Call> {
        self.api_calls.lock().unwrap().clone()
    }
}

async fn token_route(State(f): State<Arc<Fake>>, uri: Uri, h: HeaderMap, b: Bytes) -> Response {
    f.handle(true, uri, h, b).await
}

async fn api_route(State(f): State<Arc<Fake>>, uri: Uri, h: HeaderMap, b: Bytes) -> Response {
    f.handle(false, uri, h, b).await
}

/// Start a scripted server; returns it and a client config pointing at it.
async fn serve(
    token: impl Fn(&Call) -> Reply + Send + Sync + 'static,
    api: impl Fn(&Call) -> Reply + Send + Sync + 'static,
) -> (Arc<Fake>, ClientConfig) {
    let fake = Arc::new(Fake {
        token: Box::new(token),
        api: Box::new(api),
        token_calls: Mutex::default(),
        api_calls: Mutex::default(),
    });
    let app = Router::new()
        .route("/oauth/token", post(token_route))
        .fallback(api_route)
        .with_state(fake.clone());
    let addr = crate::harness::serve(app).await;
    let mut config = ClientConfig::new(format!("http://{addr}/"), "cs-xyz-secret", "rt-abc-secret");
    config.backoff_base = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(100);
    (fake, config)
}

fn client(config: ClientConfig) -> TastytradeClient {
    TastytradeClient::new(config).unwrap()
}

#[tokio::test]
async fn sends_the_documented_headers_and_token_form() {
    let (fake, config) = serve(|c| token_ok(c.n), |c| metrics_rows(&c.symbols())).await;
    let client = client(config);
    let batch = client.market_metrics(&["AAPL", "BRK/B", "/ES"]).await;
    assert_eq!(batch.found().count(), 3);

    let token = &fake.token_calls()[0];
    assert_eq!(token.path_and_query, "/oauth/token");
    assert!(token
        .header("content-type")
        .starts_with("application/x-www-form-urlencoded"));
    for part in [
        "grant_type=refresh_token",
        "refresh_token=rt-abc-secret",
        "client_secret=cs-xyz-secret",
    ] {
        assert!(
            token.body.split('&').any(|p| p == part),
            "{part} in {}",
            token.body
        );
    }
    assert_eq!(token.header("user-agent"), USER_AGENT);
    assert_eq!(USER_AGENT, concat!("volscreen/", env!("CARGO_PKG_VERSION")));

    let get = &fake.api_calls()[0];
    assert_eq!(
        get.path_and_query,
        "/market-metrics?symbols=AAPL,BRK%2FB,%2FES"
    );
    assert_eq!(get.header("authorization"), "Bearer at-1");
    assert_eq!(get.header("accept"), "application/json");
    assert_eq!(get.header("user-agent"), USER_AGENT);
}

#[tokio::test]
async fn a_401_that_survives_a_refresh_is_unauthorized_after_one_retry() {
    let (fake, config) = serve(
        |c| token_ok(c.n),
        |_| reply(401, r#"{"error":{"code":"token_invalid"}}"#),
    )
    .await;
    let client = client(config);
    let e = client.option_chain("AAPL").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unauthorized { endpoint, context }
            if endpoint == "/option-chains/{symbol}/nested" && context == "AAPL"),
        "{e:?}"
    );
    assert_eq!(fake.token_calls().len(), 2, "one refresh");
    let gets = fake.api_calls();
    assert_eq!(gets.len(), 2, "one retry");
    assert_eq!(gets[0].header("authorization"), "Bearer at-1");
    assert_eq!(gets[1].header("authorization"), "Bearer at-2");
    assert_eq!(client.counters().unauthorized, 2);
}

#[tokio::test]
async fn transient_token_failures_are_retried_then_reported_without_sticking() {
    let (fake, config) = serve(
        |c| match c.n {
            0 | 1 => reply(503, "upstream busy"),
            2 => token_ok(c.n),
            3..=5 => reply(500, r#"{"error_code":"server_error"}"#),
            _ => token_ok(c.n),
        },
        |_| {
            reply(
                200,
                r#"{"data":{"token":"qt","dxlink-url":"wss://x.example/realtime"}}"#,
            )
        },
    )
    .await;
    let mut config = config;
    config.token_retries = 2;
    config.refresh_margin = Duration::from_secs(60);
    let client = client(config);
    client.quote_token().await.unwrap();
    assert_eq!(fake.token_calls().len(), 3, "two retries, then a token");

    // A new client whose token endpoint keeps failing: an HTTP error after 1 + 2 attempts...
    let (fake2, config2) = serve(|_| reply(502, ""), |_| reply(200, "{}")).await;
    let mut config2 = config2;
    config2.token_retries = 2;
    let failing = TastytradeClient::new(config2).unwrap();
    let e = failing.authenticate().await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Http { status: 502, endpoint, .. } if endpoint == "/oauth/token"),
        "{e:?}"
    );
    assert_eq!(fake2.token_calls().len(), 3);
    // ...which is not final: the next call tries again.
    let _ = failing.authenticate().await;
    assert_eq!(fake2.token_calls().len(), 6);
    assert!(!e.is_auth_failure());
}

#[tokio::test]
async fn rejected_credentials_are_final_and_scrubbed() {
    let (fake, config) = serve(
        |_| {
            reply(
                401,
                r#"{"error":"invalid_client","error_description":"client secret cs-xyz-secret is wrong"}"#,
            )
        },
        |_| reply(200, "{}"),
    )
    .await;
    let client = client(config);
    let e = client.authenticate().await.unwrap_err();
    assert!(
        matches!(&e, ApiError::AuthRejected { status: 401, code, .. } if code == "invalid_client"),
        "{e:?}"
    );
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("cs-xyz-secret"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    let batch = client.market_metrics(&["AAPL", "TSLA"]).await;
    assert!(batch
        .iter()
        .all(|r| matches!(r.outcome, Outcome::Failed(ApiError::AuthRejected { .. }))));
    assert_eq!(fake.token_calls().len(), 1);
    assert!(fake.api_calls().is_empty());
}

#[tokio::test]
async fn a_rotated_refresh_token_is_used_for_the_next_refresh() {
    let (fake, config) = serve(
        |c| match c.n {
            0 => reply(
                200,
                r#"{"access_token":"at-1","expires_in":900,"refresh_token":"rt-rotated"}"#,
            ),
            n => token_ok(n),
        },
        |c| match c.n {
            0 => reply(401, ""),
            _ => metrics_rows(&c.symbols()),
        },
    )
    .await;
    let client = client(config);
    assert!(client.market_metrics(&["AAPL"]).await.results[0]
        .outcome
        .is_found());
    let tokens = fake.token_calls();
    assert_eq!(tokens.len(), 2);
    assert!(tokens[0].body.contains("refresh_token=rt-abc-secret"));
    assert!(tokens[1].body.contains("refresh_token=rt-rotated"));
}

#[tokio::test]
async fn retry_after_and_timeouts_are_retried() {
    let (fake, config) = serve(
        |c| token_ok(c.n),
        |c| match c.n {
            0 => {
                let mut r = reply(429, "");
                r.headers.push(("retry-after", "0.2".to_string()));
                r
            }
            1 => {
                let mut r = metrics_rows(&c.symbols());
                r.delay = Duration::from_secs(3);
                r
            }
            _ => metrics_rows(&c.symbols()),
        },
    )
    .await;
    let mut config = config;
    config.timeout = Duration::from_millis(400);
    let client = client(config);
    let batch = client.market_metrics(&["AAPL"]).await;
    assert!(batch.results[0].outcome.is_found(), "{batch:?}");
    assert_eq!(fake.api_calls().len(), 3);
    let c = client.counters();
    assert_eq!((c.rate_limited, c.timeouts, c.retries), (1, 1, 2));
}

#[tokio::test]
async fn a_chunk_rejected_with_400_is_split_down_to_the_bad_symbol() {
    let (_fake, config) = serve(
        |c| token_ok(c.n),
        |c| {
            let symbols = c.symbols();
            if symbols.iter().any(|s| s == "BAD!") {
                reply(
                    400,
                    r#"{"error":{"code":"invalid_symbol","message":"BAD! is malformed"}}"#,
                )
            } else {
                metrics_rows(&symbols)
            }
        },
    )
    .await;
    let mut config = config;
    config.metrics_chunk = 4;
    let client = client(config);
    let asked = ["A", "B", "C", "BAD!", "D", "E", "F", "G"];
    let batch = client.market_metrics(&asked).await;
    assert_eq!(batch.len(), 8);
    let failed = batch.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "BAD!");
    let message = failed[0].1.to_string();
    assert!(
        message.contains("400") && message.contains("BAD! is malformed"),
        "{message}"
    );
    assert_eq!(batch.found().count(), 7);
    assert!(client.counters().split_chunks >= 2);
}

#[tokio::test]
async fn a_body_that_is_never_json_fails_each_symbol_after_retries_and_one_split() {
    let (fake, config) = serve(
        |c| token_ok(c.n),
        |_| reply(200, r#"{"data":{"items":[{"sym"#),
    )
    .await;
    let mut config = config;
    config.max_retries = 1;
    let client = client(config);
    let batch = client.market_metrics(&["AAPL", "TSLA"]).await;
    for r in batch.iter() {
        assert!(
            matches!(&r.outcome, Outcome::Failed(ApiError::Decode { endpoint, .. }) if endpoint == "/market-metrics"),
            "{r:?}"
        );
    }
    // The chunk (2 attempts), then each half once more (2 attempts each).
    assert_eq!(fake.api_calls().len(), 6);
    assert_eq!(client.counters().bad_bodies, 6);
}

#[tokio::test]
async fn an_insecure_dxlink_url_is_refused() {
    let (_fake, config) = serve(
        |c| token_ok(c.n),
        |_| reply(200, r#"{"data":{"token":"qt-1","dxlink-url":"ws://stream.example.com/realtime","level":"api"}}"#),
    )
    .await;
    let e = client(config).quote_token().await.unwrap_err();
    assert!(
        matches!(&e, ApiError::InsecureUrl { url } if url == "ws://stream.example.com/realtime"),
        "{e:?}"
    );
}

#[tokio::test]
async fn not_found_and_client_errors_are_not_retried() {
    let (fake, config) = serve(
        |c| token_ok(c.n),
        |c| {
            if c.path_and_query.starts_with("/option-chains/") {
                reply(
                    404,
                    r#"{"error":{"code":"not_found","message":"Not found"}}"#,
                )
            } else {
                reply(
                    403,
                    r#"{"error":{"code":"forbidden","message":"No market data entitlement"}}"#,
                )
            }
        },
    )
    .await;
    let client = client(config);
    let e = client.option_chain("BRK/B").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::NotFound { symbol, .. } if symbol == "BRK/B"),
        "{e:?}"
    );
    let e = client.futures_option_chain("/ES").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Http { status: 403, message, .. } if message.contains("entitlement")),
        "{e:?}"
    );
    let calls = fake.api_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].path_and_query, "/option-chains/BRK%2FB/nested");
    assert_eq!(calls[1].path_and_query, "/futures-option-chains/ES/nested");
}

/// A burst of 429s slows the pace (the counters show a reduced rate), no symbol is lost, and once
/// the 429s stop the pace climbs back to the configured rate.
#[tokio::test]
async fn a_429_episode_slows_the_pace_which_then_recovers() {
    let (fake, config) = serve(
        |c| token_ok(c.n),
        |c| {
            if (4..16).contains(&c.n) {
                reply(429, r#"{"error":{"code":"rate_limit_exceeded"}}"#)
            } else {
                metrics_rows(&c.symbols())
            }
        },
    )
    .await;
    let mut config = config;
    config.rate_per_sec = 200.0;
    config.burst = 4.0;
    config.concurrency = 1;
    config.metrics_chunk = 1;
    config.rate_limit_backoff_base = Duration::from_millis(1);
    let client = client(config);
    let syms: Vec<String> = (0..6).map(|i| format!("P{i}")).collect();
    let batch = client.market_metrics(&syms).await;
    assert_eq!(batch.found().count(), 6, "{:?}", batch.failed());
    let slowed = client.counters();
    assert_eq!(slowed.rate_limited, 12);
    assert!(slowed.pacing_rate < 200.0 * 0.6, "{}", slowed.pacing_rate);
    assert!(
        slowed.pacing_rate >= 20.0,
        "never below a tenth: {}",
        slowed.pacing_rate
    );
    // 100 more successes: back to the configured rate.
    let more: Vec<String> = (0..100).map(|i| format!("Q{i}")).collect();
    let batch = client.market_metrics(&more).await;
    assert_eq!(batch.found().count(), 100);
    assert_eq!(client.counters().pacing_rate, 200.0);
    assert_eq!(fake.api_calls().len(), 6 + 12 + 100);
}

/// Tokens that live 2 s and a queue that takes about 3 s to drain through the pacer: each request
/// takes its token only when the pacer lets it go, so none is sent with a token that expired while
/// it waited (the server answers 401 to an expired token), and no symbol is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_request_takes_its_token_after_pacing() {
    use std::time::Instant;
    let issued: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let issued_t = issued.clone();
    let issued_a = issued.clone();
    let (fake, config) = serve(
        move |c| {
            issued_t.lock().unwrap().push(Instant::now());
            reply(
                200,
                format!(
                    r#"{{"access_token":"at-{}","token_type":"Bearer","expires_in":2}}"#,
                    c.n + 1
                ),
            )
        },
        move |c| {
            let n: usize = c
                .header("authorization")
                .trim_start_matches("Bearer at-")
                .parse()
                .unwrap_or(0);
            let at = issued_a.lock().unwrap().get(n.wrapping_sub(1)).copied();
            match at {
                Some(t) if t.elapsed() < Duration::from_secs(2) => metrics_rows(&c.symbols()),
                _ => reply(401, r#"{"error":{"code":"token_invalid"}}"#),
            }
        },
    )
    .await;
    let mut config = config;
    config.rate_per_sec = 5.0;
    config.burst = 1.0;
    config.concurrency = 16;
    config.metrics_chunk = 1;
    let client = client(config);
    let syms: Vec<String> = (0..15).map(|i| format!("T{i:02}")).collect();
    let started = Instant::now();
    let batch = client.market_metrics(&syms).await;
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "the queue was long"
    );
    assert_eq!(batch.found().count(), 15, "{:?}", batch.failed());
    let counters = client.counters();
    assert_eq!(
        counters.unauthorized, 0,
        "a request carried an expired token"
    );
    assert!(
        fake.token_calls().len() >= 2,
        "tokens were refreshed meanwhile"
    );
    assert_eq!(fake.api_calls().len(), 15);
}
