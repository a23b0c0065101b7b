//! `volscreen check` (issue 12): the real binary's self-test, step by step.
//!
//! - The demo market in-process (`--source demo`): five passing steps, each with its latency, in
//!   text and in JSON (the document's shape checked field by field).
//! - A demo market in this test reached through `--api-url` with the demo credentials: every detail
//!   is checked against what this test fetches from the same market itself (the metrics row, the
//!   DXLink candle snapshot with the scan's `fromTime`, the option chain).
//! - A refused refresh token: the token step fails, the four others are skipped, exit 1, and the
//!   refresh token is nowhere in the output.
//! - A hostile server (`secrets.rs`'s echo server, plus a quote token whose level and DXLink URL
//!   quote it and a DXLink endpoint that echoes the AUTH frame in its ERROR): every failure is
//!   shown, and no credential or token appears in stdout or stderr in any encoding.
//! - Usage: no credentials, `--source tastytrade` without them, `--api-url` with `--source demo`.

use crate::harness::{self, Market, Run, TempDir, DEMO_CREDS};
use crate::secrets::{self, encode, CLIENT, QUOTE, REFRESH};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use volscreen::config::Config;
use volscreen::date::{Date, TODAY_VAR};
use volscreen::dxlink::{candle_symbol_for, history_from_time_ms, CandlePool, DxLinkConfig};
use volscreen::sim::DEMO_SECRET;
use volscreen::tastytrade::{ClientConfig, TastytradeClient};

const AS_OF: &str = "2026-11-20";
const NAMES: [&str; 5] = [
    "access_token",
    "quote_token",
    "market_metrics",
    "candles",
    "option_chain",
];
const LABELS: [&str; 5] = [
    "access token",
    "quote token",
    "market metrics",
    "candles",
    "option chain",
];

fn check(args: &[&str], env: &[(&str, &str)]) -> Run {
    let cache = TempDir::new("check");
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    harness::run(&all, env, cache.path())
}

/// The step lines of the text output: `(mark, label, ms, detail)`; `ms` `None` when skipped.
fn step_lines(r: &Run) -> Vec<(String, String, Option<u64>, String)> {
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("volscreen check · source "),
        "{}",
        r.stdout
    );
    lines[1..=5]
        .iter()
        .map(|l| {
            let (mark, rest) = l.split_once(' ').expect("a mark");
            let label = LABELS
                .iter()
                .find(|x| rest.starts_with(*x))
                .unwrap_or_else(|| panic!("no step label in {l:?}"));
            let rest = rest[label.len()..].trim_start();
            let (ms, detail) = match rest.split_once(" ms  ") {
                Some((ms, d)) if ms.trim().parse::<u64>().is_ok() => {
                    (Some(ms.trim().parse().unwrap()), d.to_string())
                }
                _ => (None, rest.to_string()),
            };
            (mark.to_string(), label.to_string(), ms, detail)
        })
        .collect()
}

#[test]
fn the_demo_market_passes_every_step_with_its_latency() {
    let r = check(&["--source", "demo", "--as-of", AS_OF], &[]);
    r.expect_code(0);
    assert!(r
        .stdout
        .starts_with("volscreen check · source demo · http://127.0.0.1:"));
    let steps = step_lines(&r);
    for ((mark, label, ms, detail), want) in steps.iter().zip(LABELS) {
        assert_eq!((mark.as_str(), label.as_str()), ("✓", want), "{}", r.stdout);
        assert!(ms.is_some(), "{label} has a latency: {}", r.stdout);
        assert!(
            detail.chars().any(|c| c.is_ascii_digit()),
            "{label}: numbers in {detail:?}"
        );
    }
    assert!(steps[3].3.starts_with("SPY{=1d}: "), "{}", steps[3].3);
    assert!(
        steps[3].3.contains(&format!("the last {AS_OF}")),
        "{}",
        steps[3].3
    );
    assert_eq!(r.stdout.lines().nth(6), Some("all 5 steps passed"));
    assert_eq!(r.stdout.lines().count(), 7);
    assert_eq!(r.stderr, "", "nothing on stderr");
}

#[test]
fn json_is_one_document_with_every_step() {
    let r = check(&["--source", "demo", "--as-of", AS_OF, "--json"], &[]);
    r.expect_code(0);
    let doc = r.json();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&doc),
        ["api_url", "ok", "source", "steps", "tool", "version"]
    );
    assert_eq!(doc["tool"], "volscreen");
    assert_eq!(doc["source"], "demo");
    assert_eq!(doc["ok"], true);
    assert!(doc["api_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let steps = doc["steps"].as_array().expect("steps");
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, NAMES);
    for s in steps {
        assert_eq!(keys(s), ["detail", "ms", "name", "ok"]);
        assert_eq!(s["ok"], true, "{s}");
        let ms = s["ms"].as_f64().expect("ms is a number");
        assert!(ms >= 0.0 && ms.is_finite(), "{s}");
        assert!(!s["detail"].as_str().unwrap().is_empty(), "{s}");
    }
}

#[test]
fn every_detail_is_what_the_market_serves() {
    let as_of: Date = AS_OF.parse().unwrap();
    let market = Market::on(as_of);
    let url = market.url();
    let (metrics, count, last, chain) = market.block_on(async {
        let client =
            TastytradeClient::new(ClientConfig::new(url.clone(), DEMO_SECRET, DEMO_SECRET))
                .unwrap();
        client.authenticate().await.unwrap();
        let m = client.market_metrics(&["SPY"]).await;
        let m = m.get("SPY").and_then(|o| o.found()).cloned().expect("SPY");
        let qt = client.quote_token().await.unwrap();
        let sym = candle_symbol_for("SPY").unwrap();
        let days = Config::builtin().scan.candle_history_days as i64;
        let pool = CandlePool::connect(
            qt.dxlink_url.clone(),
            qt.token.expose(),
            DxLinkConfig::default(),
        );
        let mut got = pool
            .fetch_all(vec![sym.clone()], history_from_time_ms(as_of, days))
            .await;
        pool.shutdown().await;
        let series = got.remove(&sym).unwrap().unwrap();
        let last = *series.candles.last().unwrap();
        let chain = client.option_chain("SPY").await.unwrap();
        (m, series.candles.len(), last, chain)
    });
    // The tastytrade source against this market, as a user points `--api-url` at a server.
    let mut env = DEMO_CREDS.to_vec();
    env.push((TODAY_VAR, AS_OF));
    let r = check(&["--api-url", &url], &env);
    r.expect_code(0);
    assert!(
        r.stdout
            .starts_with(&format!("volscreen check · source tastytrade · {url}")),
        "{}",
        r.stdout
    );
    let steps = step_lines(&r);
    assert!(steps.iter().all(|s| s.0 == "✓"), "{}", r.stdout);
    let pct = |x: Option<f64>| format!("{:.1}%", x.unwrap() * 100.0);
    assert_eq!(
        steps[2].3,
        format!(
            "SPY: IV {}, IV rank {}, IV percentile {}, liquidity {}",
            pct(metrics.iv_index),
            pct(metrics.iv_rank),
            pct(metrics.iv_percentile),
            metrics.liquidity_rating.unwrap()
        )
    );
    assert_eq!(
        steps[3].3,
        format!(
            "SPY{{=1d}}: {count} daily candles, the last {} (close {})",
            Date::from_epoch_ms(last.time),
            last.close
        )
    );
    assert!(count > 250, "a year of sessions: {count}");
    let strikes: usize = chain.expirations.iter().map(|e| e.strikes.len()).sum();
    assert!(
        steps[4].3.starts_with(&format!(
            "SPY: {} expirations, {strikes} strikes, the monthly nearest 45 days: ",
            chain.expirations.len()
        )),
        "{}",
        steps[4].3
    );
    // The quote token names the market's DXLink endpoint by host.
    let host = url.trim_start_matches("http://");
    assert!(
        steps[1].3.starts_with(&format!("DXLink at ws://{host}")),
        "{}",
        steps[1].3
    );
}

#[test]
fn a_refused_refresh_token_fails_the_first_step_and_skips_the_rest() {
    let market = Market::on(AS_OF.parse().unwrap());
    let wrong = "wrong-refresh-token-31337";
    let env = [
        ("TASTYTRADE_REFRESH_TOKEN", wrong),
        ("TASTYTRADE_CLIENT_SECRET", DEMO_SECRET),
    ];
    let r = check(&["--api-url", &market.url()], &env);
    r.expect_code(1);
    let steps = step_lines(&r);
    assert_eq!(steps[0].0, "✗", "{}", r.stdout);
    assert!(steps[0].2.is_some(), "a failed step has its latency");
    assert!(steps[0].3.contains("invalid_grant"), "{}", steps[0].3);
    for s in &steps[1..] {
        assert_eq!(s.0, "-", "{}", r.stdout);
        assert_eq!(s.2, None);
        assert_eq!(s.3, "skipped: needs the access token");
    }
    assert_eq!(
        r.stdout.lines().last(),
        Some("1 failed, 4 skipped of 5 steps")
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains(wrong), "{all}");

    let r = check(&["--api-url", &market.url(), "--json"], &env);
    r.expect_code(1);
    let doc = r.json();
    assert_eq!(doc["ok"], false);
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps[0]["ok"], false);
    assert!(steps[0]["ms"].is_number());
    for s in &steps[1..] {
        assert_eq!((&s["ok"], &s["ms"]), (&Value::Null, &Value::Null), "{s}");
    }
    assert!(!r.stdout.contains(wrong) && !r.stderr.contains(wrong));
}

#[test]
fn usage_errors_say_what_to_set() {
    let r = check(&[], &[]);
    r.expect_input_error(&[
        "TASTYTRADE_REFRESH_TOKEN",
        "TASTYTRADE_CLIENT_SECRET",
        "--source demo",
    ]);
    check(&["--source", "tastytrade"], &[])
        .expect_input_error(&["TASTYTRADE_REFRESH_TOKEN", "TASTYTRADE_CLIENT_SECRET"]);
    check(
        &["--source", "demo", "--api-url", "http://127.0.0.1:9"],
        &[],
    )
    .expect_input_error(&["--api-url"]);
    check(&["--api-url", "ftp://example.com"], &DEMO_CREDS).expect_input_error(&["ftp"]);
    check(&["--source", "demo", "--as-of", "2026-13-45"], &[]).expect_input_error(&["2026-13-45"]);
}

// ---------------------------------------------------------------------------------------------
// A hostile server
// ---------------------------------------------------------------------------------------------

/// A DXLink endpoint that answers the AUTH frame with an ERROR quoting it (and the quote token in
/// another encoding), then closes with the token as the reason.
async fn dxlink_echo(ws: WebSocketUpgrade) -> Response {
    static K: AtomicUsize = AtomicUsize::new(0);
    ws.on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(msg)) = socket.recv().await {
            let Message::Text(text) = msg else { continue };
            if !text.as_str().contains("\"AUTH\"") {
                continue;
            }
            let k = K.fetch_add(1, Ordering::SeqCst);
            let error = json!({
                "type": "ERROR",
                "channel": 0,
                "error": "UNAUTHORIZED",
                "message": format!("{} refused: {}", encode(QUOTE, k), text.as_str()),
            });
            let _ = socket.send(Message::Text(error.to_string().into())).await;
            let reason = encode(QUOTE, k + 1);
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code: 1008,
                    reason: reason.into(),
                })))
                .await;
            return;
        }
    })
}

/// `secrets.rs`'s echo server (tokens issued, data endpoints answering `api_status` with an echo of
/// the request), plus a quote token whose level and DXLink URL quote it and [`dxlink_echo`].
async fn hostile(token_status: u16, api_status: u16) -> (Arc<secrets::Echo>, String) {
    let echo = Arc::new(secrets::echo(token_status, api_status, false));
    let base: Arc<OnceLock<String>> = Arc::default();
    let b = base.clone();
    let quote = move || {
        let host = b.get().cloned().unwrap_or_default();
        async move {
            // Percent-encoded, so that the URL parses and the client does connect.
            let query: String = QUOTE
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            let url = format!("ws://{host}/dxlink?token={query}");
            let level = format!("api {}", encode(QUOTE, 4));
            let v = json!({"data": {"token": QUOTE, "dxlink-url": url, "level": level}});
            v.to_string().into_response()
        }
    };
    let app = Router::new()
        .route("/oauth/token", post(secrets::token_route))
        .route("/api-quote-tokens", get(quote))
        .route("/dxlink", get(dxlink_echo))
        .fallback(secrets::api_route)
        .with_state(echo.clone());
    let addr = harness::serve(app).await;
    let _ = base.set(addr.to_string());
    (echo, format!("http://{addr}"))
}

async fn check_against(url: &str, json: bool) -> Run {
    let dir = TempDir::new("check-hostile");
    let mut args = vec!["check", "--api-url", url];
    if json {
        args.push("--json");
    }
    let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let creds = [
        ("TASTYTRADE_REFRESH_TOKEN", REFRESH),
        ("TASTYTRADE_CLIENT_SECRET", CLIENT),
    ];
    let mut cmd = harness::command(harness::BIN, &owned, &creds, dir.path());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("the binary runs");
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    Run::from_output(&refs, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_echoes_every_secret_never_gets_one_printed() {
    for status in [400u16, 403, 503] {
        let (echo, url) = hostile(200, status).await;
        for json in [false, true] {
            let r = check_against(&url, json).await;
            r.expect_code(1);
            let all = format!("{}\n{}", r.stdout, r.stderr);
            secrets::assert_clean(
                &format!("check output ({status}, json {json})"),
                &all,
                &secrets::secrets(&echo),
            );
            // The echoes did reach the output, scrubbed: the search above was not vacuous.
            assert!(
                all.contains("[redacted]") || all.contains("withheld"),
                "{all}"
            );
            let steps: Vec<Option<bool>> = if json {
                let doc = r.json();
                doc["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["ok"].as_bool())
                    .collect()
            } else {
                step_lines(&r)
                    .iter()
                    .map(|s| match s.0.as_str() {
                        "✓" => Some(true),
                        "✗" => Some(false),
                        _ => None,
                    })
                    .collect()
            };
            // Token and quote token pass; metrics, candles (the DXLink ERROR) and chain fail.
            assert_eq!(
                steps,
                [
                    Some(true),
                    Some(true),
                    Some(false),
                    Some(false),
                    Some(false)
                ],
                "{all}"
            );
            assert!(all.contains(&format!("HTTP {status}")), "{all}");
            // The DXLink endpoint was reached and its echoing ERROR shown, scrubbed.
            assert!(all.contains("DXLink authorization refused"), "{all}");
        }
    }
    // The token endpoint echoes the form (client secret and refresh token): the first step fails,
    // the rest are skipped, nothing leaks.
    for status in [400u16, 401, 503] {
        let (echo, url) = hostile(status, 400).await;
        let r = check_against(&url, false).await;
        r.expect_code(1);
        let all = format!("{}\n{}", r.stdout, r.stderr);
        secrets::assert_clean(
            &format!("check output (token {status})"),
            &all,
            &secrets::secrets(&echo),
        );
        let steps = step_lines(&r);
        assert_eq!(steps[0].0, "✗", "{all}");
        assert!(steps[1..].iter().all(|s| s.0 == "-"), "{all}");
    }
}
