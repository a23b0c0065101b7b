//! `volscreen check`: a first-run self-test of the data source. Five steps, in order, each timed:
//! 1. `access token`: the OAuth refresh (`POST /oauth/token`);
//! 2. `quote token`: the DXLink quote token (`GET /api-quote-tokens`);
//! 3. `market metrics`: one `/market-metrics` row ([`SYMBOL`]);
//! 4. `candles`: one DXLink daily candle snapshot of [`SYMBOL`] with the scan's own client
//!    ([`CandlePool`], one connection: connect, SETUP, AUTH, channel, subscribe, snapshot);
//! 5. `option chain`: [`SYMBOL`]'s chain (`/option-chains/SPY/nested`), as the screener reads it.
//!
//! A step whose input failed is not run: it is shown as skipped (the quote token, the metrics row
//! and the chain need the access token; the candles need the quote token).
//!
//! Output: one line per step on stdout (`✓ access token    142 ms  expires in 900 s`, `✗ ...`,
//! `- ... skipped: needs the access token`) under a line naming the source, or with `--json` one
//! document `{tool, version, source, api_url, ok, steps: [{name, ok, ms, detail}]}` where a skipped
//! step has `ok` and `ms` `null`. Every detail is built from what volscreen decoded, or from an
//! error whose server text is bounded and scrubbed ([`crate::tastytrade::secret`]), and is scrubbed
//! once more before it is printed: no credential or token is ever shown. The DXLink URL is shown by
//! its host only.
//!
//! Exit codes: 0 every step passed, 1 a step failed (or stdout failed), 2 usage: a bad flag or config
//! (`--config FILE`, else the user config, read as for `screen`; its `[rest]` settings), or no
//! credentials (`check` tests tastytrade credentials; the demo market only with `--source demo`).

use super::plan::{choose_source, load_config, parse_as_of, UsageError};
use super::{block_on, usage_error};
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::date::Date;
use crate::dxlink::{self, CandlePool, DxLinkConfig};
use crate::pipeline::{source, Source};
use crate::tastytrade::secret::{bound, scrub, server_text};
use crate::tastytrade::{ApiError, ClientConfig, Outcome, QuoteToken, TastytradeClient};
use serde::Serialize;
use std::future::Future;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The symbol the metrics, candle and chain steps ask for.
pub const SYMBOL: &str = "SPY";

/// The longest a step may take (the REST client's retries and the DXLink reconnects included).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The steps, in order: JSON name and the label of the text output.
const STEPS: [(&str, &str); 5] = [
    ("access_token", "access token"),
    ("quote_token", "quote token"),
    ("market_metrics", "market metrics"),
    ("candles", "candles"),
    ("option_chain", "option chain"),
];

/// The JSON document.
#[derive(Debug, Serialize)]
struct Report {
    tool: &'static str,
    version: &'static str,
    /// `demo` or `tastytrade`.
    source: &'static str,
    /// The base URL checked (the in-process demo market's loopback URL for `demo`).
    api_url: String,
    /// Every step passed.
    ok: bool,
    steps: Vec<Step>,
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Step {
    name: &'static str,
    /// `true` passed, `false` failed, `null` skipped (a step it needs failed).
    ok: Option<bool>,
    /// Wall time of the step in milliseconds; `null` when skipped.
    ms: Option<f64>,
    /// What was found, why it failed, or which step it needed.
    detail: String,
}

impl Step {
    fn skipped(name: &'static str, needs: &str) -> Step {
        Step {
            name,
            ok: None,
            ms: None,
            detail: format!("skipped: needs the {needs}"),
        }
    }
}

/// `volscreen check`.
pub fn check(args: &CheckArgs) -> ExitCode {
    let flags = &args.source;
    let chosen = (|| {
        let config = load_config(args.config.as_deref())?;
        if flags.source.is_none() && flags.api_url.is_none() && source::env_credentials().is_none()
        {
            return Err(UsageError::CheckWithoutCredentials);
        }
        let s = choose_source(flags)?;
        Ok((config, s, parse_as_of(flags.as_of.as_deref())?))
    })();
    let (config, source, as_of) = match chosen {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    let outcome = match block_on(run(&source, as_of, &config)) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    let (api_url, steps) = match outcome {
        Ok(r) => r,
        Err(msg) => {
            say!("volscreen: {msg}");
            return ExitCode::from(1);
        }
    };
    let report = Report {
        tool: "volscreen",
        version: env!("CARGO_PKG_VERSION"),
        source: source.name(),
        api_url,
        ok: steps.iter().all(|s| s.ok == Some(true)),
        steps,
    };
    let text = if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(t) => t + "\n",
            Err(e) => {
                say!("volscreen: cannot write the output: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        render(&report)
    };
    let code = super::print(text.as_bytes());
    if code == ExitCode::SUCCESS && !report.ok {
        return ExitCode::from(1);
    }
    code
}

/// Start the source and run the steps with the config's `[rest]` client settings and candle
/// history; the base URL and the steps, or why the source could not start.
async fn run(source: &Source, as_of: Date, config: &Config) -> Result<(String, Vec<Step>), String> {
    let connected = source::connect(source, as_of)
        .await
        .map_err(|e| format!("cannot start the {} source: {e}", source.name()))?;
    let base_url = connected.base_url.clone();
    let cc = ClientConfig::from_rest(
        &config.rest,
        connected.base_url.clone(),
        connected.client_secret.clone(),
        connected.refresh_token.clone(),
    );
    let client = TastytradeClient::new(cc).map_err(|e| scrub(&e.to_string()))?;
    let steps = steps(&client, as_of, config.scan.candle_history_days).await;
    drop(connected);
    Ok((base_url, steps))
}

/// Run `f` as step `index` of [`STEPS`] under [`STEP_TIMEOUT`]: its detail or its error, timed.
async fn timed<T, F>(index: usize, f: F) -> (Step, Option<T>)
where
    F: Future<Output = Result<(T, String), String>>,
{
    let started = Instant::now();
    let result = tokio::time::timeout(STEP_TIMEOUT, f).await;
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    let (ok, detail, value) = match result {
        Ok(Ok((value, detail))) => (true, detail, Some(value)),
        Ok(Err(why)) => (false, why, None),
        Err(_) => (
            false,
            format!("no answer within {} s", STEP_TIMEOUT.as_secs()),
            None,
        ),
    };
    let step = Step {
        name: STEPS[index].0,
        ok: Some(ok),
        ms: Some(ms),
        detail: one_line(&detail),
    };
    (step, value)
}

/// Most characters of a step's detail.
pub const MAX_DETAIL: usize = 600;

/// A detail fit for one line of output: scrubbed of every secret (again), control characters (a
/// server's newlines or escape sequences) as spaces, at most [`MAX_DETAIL`] characters.
fn one_line(text: &str) -> String {
    let flat: String = scrub(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    bound(&flat, MAX_DETAIL)
}

/// The five steps, each run only when what it needs succeeded; the candle step asks for
/// `history_days` days (the config's `scan.candle_history_days`, as a scan does).
async fn steps(client: &TastytradeClient, as_of: Date, history_days: i32) -> Vec<Step> {
    let label = |i: usize| STEPS[i].1;
    let (token_step, token) = timed(0, access_token(client)).await;
    let mut out = vec![token_step];
    if token.is_none() {
        out.extend((1..STEPS.len()).map(|i| Step::skipped(STEPS[i].0, label(0))));
        return out;
    }
    let (quote_step, quote) = timed(1, quote_token(client)).await;
    out.push(quote_step);
    let (metrics_step, _) = timed(2, metrics_row(client)).await;
    out.push(metrics_step);
    match quote {
        Some(qt) => out.push(timed(3, candles(qt, as_of, history_days)).await.0),
        None => out.push(Step::skipped(STEPS[3].0, label(1))),
    }
    out.push(timed(4, option_chain(client)).await.0);
    out
}

fn api(e: ApiError) -> String {
    e.to_string()
}

/// Step 1: an access token from the refresh token.
async fn access_token(client: &TastytradeClient) -> Result<((), String), String> {
    client.authenticate().await.map_err(api)?;
    let detail = match client.cached_token() {
        Some(t) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            format!("expires in {} s", (t.expires_at_ms - now).max(0) / 1000)
        }
        None => "issued".to_string(),
    };
    Ok(((), detail))
}

/// Step 2: the DXLink quote token (its URL checked by the client).
async fn quote_token(client: &TastytradeClient) -> Result<(QuoteToken, String), String> {
    let qt = client.quote_token().await.map_err(api)?;
    let mut detail = format!("DXLink at {}", url_host(&qt.dxlink_url));
    if let Some(level) = &qt.level {
        detail.push_str(&format!(", level {}", server_text(level)));
    }
    Ok((qt, detail))
}

/// `scheme://host[:port]` of a URL, nothing else (no path or query, which could carry a token).
fn url_host(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{}://{h}:{p}", u.scheme()),
            (Some(h), None) => format!("{}://{h}", u.scheme()),
            _ => u.scheme().to_string(),
        },
        Err(_) => "an unreadable URL".to_string(),
    }
}

/// A fraction as a percentage, or `-`.
fn pct(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// Step 3: one `/market-metrics` row.
async fn metrics_row(client: &TastytradeClient) -> Result<((), String), String> {
    let batch = client.market_metrics(&[SYMBOL]).await;
    match batch.get(SYMBOL) {
        Some(Outcome::Found(m)) => {
            let rating = m
                .liquidity_rating
                .map_or_else(|| "-".to_string(), |r| r.to_string());
            Ok((
                (),
                format!(
                    "{SYMBOL}: IV {}, IV rank {}, IV percentile {}, liquidity {rating}",
                    pct(m.iv_index),
                    pct(m.iv_rank.or(m.tos_iv_rank)),
                    pct(m.iv_percentile),
                ),
            ))
        }
        Some(Outcome::NotFound) => Err(format!("{SYMBOL} is not in the /market-metrics answer")),
        Some(Outcome::Failed(e)) => Err(e.to_string()),
        None => Err(format!("no outcome for {SYMBOL}")),
    }
}

/// Step 4: one daily candle snapshot over DXLink, with the scan's client on one connection.
async fn candles(qt: QuoteToken, as_of: Date, history_days: i32) -> Result<((), String), String> {
    let symbol = dxlink::candle_symbol_for(SYMBOL)
        .ok_or_else(|| format!("no candle symbol for {SYMBOL}"))?;
    let cfg = DxLinkConfig {
        connections: 1,
        connect_attempts: 3,
        symbol_deadline: STEP_TIMEOUT,
        ..DxLinkConfig::default()
    };
    let from = dxlink::history_from_time_ms(as_of, i64::from(history_days));
    let pool = CandlePool::connect(qt.dxlink_url.clone(), qt.token.expose(), cfg);
    let mut fetched = pool.fetch_all(vec![symbol.clone()], from).await;
    pool.shutdown().await;
    let series = match fetched.remove(&symbol) {
        Some(Ok(series)) => series,
        Some(Err(e)) => return Err(e.to_string()),
        None => return Err(format!("no outcome for {symbol}")),
    };
    let Some(last) = series.candles.last() else {
        return Err(format!(
            "{symbol}: the feed sent an empty candle history (no candles at all)"
        ));
    };
    let mut detail = format!(
        "{symbol}: {} daily candles, the last {} (close {})",
        series.candles.len(),
        Date::from_epoch_ms(last.time),
        last.close
    );
    if series.truncated {
        detail.push_str("; cut short by the server (SNAPSHOT_SNIP)");
    }
    Ok(((), detail))
}

/// Step 5: the option chain the screener reads.
async fn option_chain(client: &TastytradeClient) -> Result<((), String), String> {
    let chain = client.option_chain(SYMBOL).await.map_err(api)?;
    if chain.expirations.is_empty() {
        return Err(format!("{SYMBOL}: the chain has no expirations"));
    }
    let strikes: usize = chain.expirations.iter().map(|e| e.strikes.len()).sum();
    let monthly = chain
        .monthly_near(45, 25, 70)
        .map(|e| match e.dte {
            Some(d) => format!(", the monthly nearest 45 days: {} ({d} d)", e.date),
            None => format!(", the monthly nearest 45 days: {}", e.date),
        })
        .unwrap_or_default();
    Ok((
        (),
        format!(
            "{SYMBOL}: {} expirations, {strikes} strikes{monthly}",
            chain.expirations.len()
        ),
    ))
}

/// The text output: the source, one line per step, and a summary.
fn render(r: &Report) -> String {
    let width = STEPS
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "volscreen check · source {} · {}\n",
        r.source,
        scrub(&r.api_url)
    );
    for s in &r.steps {
        let label = STEPS
            .iter()
            .find(|(n, _)| *n == s.name)
            .map_or(s.name, |(_, l)| *l);
        let (mark, ms) = match (s.ok, s.ms) {
            (Some(true), Some(ms)) => ("✓", format!("{ms:>6.0} ms")),
            (Some(false), Some(ms)) => ("✗", format!("{ms:>6.0} ms")),
            _ => ("-", " ".repeat(9)),
        };
        out.push_str(&format!("{mark} {label:<width$} {ms}  {}\n", s.detail));
    }
    let failed = r.steps.iter().filter(|s| s.ok == Some(false)).count();
    let skipped = r.steps.iter().filter(|s| s.ok.is_none()).count();
    if failed == 0 && skipped == 0 {
        out.push_str(&format!("all {} steps passed\n", r.steps.len()));
    } else {
        out.push_str(&format!(
            "{failed} failed, {skipped} skipped of {} steps\n",
            r.steps.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &'static str, ok: Option<bool>, ms: Option<f64>, detail: &str) -> Step {
        Step {
            name,
            ok,
            ms,
            detail: detail.into(),
        }
    }

    #[test]
    fn the_text_has_one_aligned_line_per_step_and_a_summary() {
        let r = Report {
            tool: "volscreen",
            version: "0",
            source: "tastytrade",
            api_url: "https://api.example.com/v1".into(),
            ok: false,
            steps: vec![
                step("access_token", Some(true), Some(142.4), "expires in 900 s"),
                step("quote_token", Some(false), Some(88.0), "HTTP 401"),
                step("market_metrics", Some(true), Some(1204.6), "SPY: IV 20.0%"),
                Step::skipped("candles", "quote token"),
                step("option_chain", Some(true), Some(9.0), "SPY: 3 expirations"),
            ],
        };
        let text = render(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "volscreen check · source tastytrade · https://api.example.com/v1",
                "✓ access token      142 ms  expires in 900 s",
                "✗ quote token        88 ms  HTTP 401",
                "✓ market metrics   1205 ms  SPY: IV 20.0%",
                "- candles                   skipped: needs the quote token",
                "✓ option chain        9 ms  SPY: 3 expirations",
                "1 failed, 1 skipped of 5 steps",
            ]
        );
    }

    #[test]
    fn details_are_one_bounded_line() {
        assert_eq!(one_line("a\nb\x1b[31mc\td"), "a b [31mc d");
        let long = "x".repeat(5000);
        assert_eq!(one_line(&long).chars().count(), MAX_DETAIL + 3);
        let secret = crate::tastytrade::Secret::new("check-unit-secret-4711");
        let shown = one_line(&format!("echo {} end", secret.expose()));
        assert!(!shown.contains(secret.expose()), "{shown}");
    }

    #[test]
    fn urls_are_shown_by_host_only() {
        assert_eq!(
            url_host("wss://tasty-openapi-ws.dxfeed.com/realtime?token=abc"),
            "wss://tasty-openapi-ws.dxfeed.com"
        );
        assert_eq!(
            url_host("ws://127.0.0.1:4711/dxlink"),
            "ws://127.0.0.1:4711"
        );
        assert_eq!(url_host("not a url"), "an unreadable URL");
    }

    #[test]
    fn a_skipped_step_is_null_in_json() {
        let v = serde_json::to_value(Step::skipped("candles", "quote token")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "candles", "ok": null, "ms": null,
                               "detail": "skipped: needs the quote token"})
        );
    }
}
