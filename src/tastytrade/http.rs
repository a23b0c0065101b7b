//! The one shared, rate-aware request layer every tastytrade GET goes through.
//!
//! For each request, in this order: a concurrency permit ([`tokio::sync::Semaphore`]), a pacing
//! token from [`Pacer`] (a client-side token bucket at the configured rate and burst; each 429
//! multiplies the rate by 0.94, never below a tenth of the configured rate, each success by 1.03 up
//! to the configured rate, so sporadic 429s cost only their retries and sustained ones slow the
//! pace until it fits), then, only once the request may go, the bearer token
//! from [`super::auth::TokenManager`] (so a request that waited never carries a token that expired
//! meanwhile), a per-request timeout, then classification of the answer:
//! - 2xx with valid JSON: done (and the pacer speeds up again);
//! - 401: a token refresh and a retry; [`ApiError::Unauthorized`] after a second 401 for a young
//!   token (first half of its life), or after 3 more for tokens near their expiry (a loaded server
//!   may see the expiry before the client does);
//! - 429: a slower pace (and a global pause when the server sent `Retry-After`), then a retry after
//!   a short exponential backoff with jitter (`Retry-After` when present), through the pacer again;
//!   up to `max_rate_limit_retries` times;
//! - 5xx, timeouts, connection errors, truncated or invalid JSON bodies: retry with exponential backoff
//!   with jitter (every request here is an idempotent GET);
//! - 404: [`ApiError::NotFound`]; other 4xx: [`ApiError::Http`] at once.
//!
//! Every attempt is counted in [`Counters`], readable as a [`RequestCounters`] snapshot.

use super::auth::TokenManager;
use super::error::ApiError;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Counters of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EndpointCounters {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Attempts beyond the first.
    pub retries: u64,
    /// 429 responses.
    pub rate_limited: u64,
    /// Calls that ended in an error after their retries.
    pub failures: u64,
}

/// A snapshot of the client's request counters ([`super::TastytradeClient::counters`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RequestCounters {
    /// HTTP requests sent, every attempt, the token endpoint included.
    pub requests: u64,
    /// Attempts beyond the first (backoff retries and 401 retries).
    pub retries: u64,
    /// 429 responses.
    pub rate_limited: u64,
    /// 5xx responses.
    pub server_errors: u64,
    /// 401 responses.
    pub unauthorized: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Connection-level failures.
    pub network_errors: u64,
    /// Truncated or invalid JSON bodies.
    pub bad_bodies: u64,
    /// Access tokens obtained from `/oauth/token`.
    pub token_refreshes: u64,
    /// Batch chunks split in two after failing.
    pub split_chunks: u64,
    /// The pacer's current rate (requests per second); below the configured rate after a 429.
    pub pacing_rate: f64,
    /// Per endpoint (`/market-metrics`, `/oauth/token`, `/option-chains/{symbol}/nested`, ...).
    pub endpoints: BTreeMap<String, EndpointCounters>,
}

/// What happened, for [`Counters::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// One HTTP request sent; `retry` when it is not the first attempt.
    Sent {
        retry: bool,
    },
    RateLimited,
    ServerError,
    Unauthorized,
    Timeout,
    Network,
    BadBody,
    /// A call ended in an error.
    Failed,
}

/// The live counters, shared by the request layer and the token manager.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: Mutex<RequestCounters>,
}

impl Counters {
    pub(crate) fn record(&self, endpoint: &str, event: Event) {
        let mut c = self.inner.lock().expect("counters lock");
        match event {
            Event::Sent { retry } => {
                c.requests += 1;
                c.retries += retry as u64;
            }
            Event::RateLimited => c.rate_limited += 1,
            Event::ServerError => c.server_errors += 1,
            Event::Unauthorized => c.unauthorized += 1,
            Event::Timeout => c.timeouts += 1,
            Event::Network => c.network_errors += 1,
            Event::BadBody => c.bad_bodies += 1,
            Event::Failed => {}
        }
        let e = c.endpoints.entry(endpoint.to_string()).or_default();
        match event {
            Event::Sent { retry } => {
                e.requests += 1;
                e.retries += retry as u64;
            }
            Event::RateLimited => e.rate_limited += 1,
            Event::Failed => e.failures += 1,
            _ => {}
        }
    }

    pub(crate) fn token_refreshed(&self) {
        self.inner.lock().expect("counters lock").token_refreshes += 1;
    }

    pub(crate) fn chunk_split(&self) {
        self.inner.lock().expect("counters lock").split_chunks += 1;
    }

    pub(crate) fn snapshot(&self, pacing_rate: f64) -> RequestCounters {
        let mut c = self.inner.lock().expect("counters lock").clone();
        c.pacing_rate = pacing_rate;
        c
    }
}

/// Exponential backoff with jitter: attempt `n` (0-based) waits a uniformly random time in
/// `[d/2, d]` with `d = min(max, base · 2ⁿ)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let d = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max);
        d.mul_f64(0.5 + 0.5 * jitter())
    }
}

/// A pseudo-random number in [0, 1) for jitter (xorshift over a time-seeded global state).
fn jitter() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x2545_F491_4F6C_DD1D)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Client-side pacing: a token bucket (`max_rate` per second, `burst`) whose rate follows every
/// answer, AIMD-style with proportional steps:
///
/// - **Decrease**: each 429 multiplies the rate by [`DOWN`], never below the floor,
///   `max_rate` × [`FLOOR`]: the pace slows, it never collapses.
/// - **Increase**: each success multiplies a reduced rate by [`UP`], up to `max_rate`: from the
///   floor back to full speed takes about 80 successes, from a single 429 three.
/// - A `Retry-After` from the server pauses every request until it has passed.
/// - The bucket's size shrinks and grows with the rate (`burst` × rate / `max_rate`): a sporadic
///   429 barely touches the burst, so it does not cost the requests queued behind it their turn
///   (emptying the bucket on every 429 made one 429 in a burst of 36 chains cost 2 s), while under
///   sustained 429s the saved-up burst goes away with the rate.
///
/// The two steps balance when about a third of the answers are 429s (ln UP / (ln UP + ln 1/DOWN) ≈ 0.32). Below
/// that share (sporadic 429s: a loaded server, a fault) the rate stays at or returns to
/// `max_rate` and the 429s only cost their own retries; above it the rate falls geometrically
/// until the server stops refusing so often. Against a real limit below `max_rate` the pace thus
/// settles where about a third of the requests are refused at most (and a server whose limit is
/// at the configured rate, as intended, sees the client at full speed).
#[derive(Debug)]
pub(crate) struct Pacer {
    state: Mutex<PacerState>,
    max_rate: f64,
    min_rate: f64,
    burst: f64,
}

/// Rate factor of a 429.
pub(crate) const DOWN: f64 = 0.94;
/// Rate factor of a success (until `max_rate`).
pub(crate) const UP: f64 = 1.03;
/// The lowest rate, as a fraction of the configured one.
pub(crate) const FLOOR: f64 = 0.1;

#[derive(Debug)]
struct PacerState {
    tokens: f64,
    /// Refill reference time; in the future while paused after a `Retry-After`.
    last: Instant,
    rate: f64,
}

impl Pacer {
    pub(crate) fn new(rate: f64, burst: f64) -> Pacer {
        Pacer {
            state: Mutex::new(PacerState {
                tokens: burst,
                last: Instant::now(),
                rate,
            }),
            max_rate: rate,
            min_rate: rate * FLOOR,
            burst,
        }
    }

    /// The bucket's size at `rate`: the burst shrinks with the rate (at least one request).
    fn burst_at(&self, rate: f64) -> f64 {
        (self.burst * rate / self.max_rate).max(1.0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // A panic elsewhere while holding the lock leaves a consistent state: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for a pacing token.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                if now > s.last {
                    let refill = now.duration_since(s.last).as_secs_f64() * s.rate;
                    s.tokens = (s.tokens + refill).min(self.burst_at(s.rate));
                    s.last = now;
                }
                let pause = s.last.saturating_duration_since(now);
                if pause.is_zero() && s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                pause + Duration::from_secs_f64((1.0 - s.tokens).max(0.0) / s.rate)
            };
            tokio::time::sleep(wait.max(Duration::from_micros(200))).await;
        }
    }

    /// A 429 came back: slow down and honour the server's `Retry-After`.
    pub(crate) fn rate_limited(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let now = Instant::now();
        s.rate = (s.rate * DOWN).max(self.min_rate);
        s.tokens = s.tokens.min(self.burst_at(s.rate));
        if let Some(pause) = retry_after {
            // Settle the refill up to now, then move the reference time past the pause.
            if now > s.last {
                let refill = now.duration_since(s.last).as_secs_f64() * s.rate;
                s.tokens = (s.tokens + refill).min(self.burst_at(s.rate));
            }
            let until = now + pause;
            if until > s.last {
                s.last = until;
            }
        }
    }

    /// A request succeeded: grow a reduced rate back.
    pub(crate) fn succeeded(&self) {
        let mut s = self.lock();
        if s.rate < self.max_rate {
            s.rate = (s.rate * UP).min(self.max_rate);
        }
    }

    pub(crate) fn rate(&self) -> f64 {
        self.lock().rate
    }
}

/// Retries after a 401 for a token in the second half of its life (see `get_inner`).
pub(crate) const MAX_STALE_401_RETRIES: u32 = 3;

/// Settings of the request layer.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub base_url: String,
    pub max_retries: u32,
    pub max_rate_limit_retries: u32,
    pub backoff: Backoff,
    /// Backoff of a retry after a 429 without `Retry-After` (short: the pacer does the slowing).
    pub rate_limit_backoff: Backoff,
}

/// One GET to make.
#[derive(Debug, Clone)]
pub(crate) struct Get<'a> {
    /// Counter key and message name: `/market-metrics`, `/option-chains/{symbol}/nested`, ...
    pub endpoint: &'a str,
    /// Path and query, already percent-encoded: `/market-metrics?symbols=AAPL,BRK%2FB`.
    pub path_and_query: String,
    /// The symbol(s) involved, for messages.
    pub context: String,
}

/// The request layer: shared by every clone of the client.
pub(crate) struct RequestLayer {
    pub http: reqwest::Client,
    pub auth: Arc<TokenManager>,
    pub counters: Arc<Counters>,
    pub pacer: Pacer,
    pub permits: Semaphore,
    pub settings: HttpSettings,
}

/// How one attempt ended.
enum Attempt {
    Done(Value),
    /// Retry after backoff (`retry_after` from the server when it sent one).
    Again {
        error: ApiError,
        rate_limited: bool,
        retry_after: Option<Duration>,
    },
    /// 401 with the token of this generation (`fresh`: sent in the first half of its life).
    Unauthorized {
        token_generation: u64,
        fresh: bool,
    },
    Fail(ApiError),
}

impl RequestLayer {
    /// GET a JSON document, with pacing, retries and counting. The value is valid JSON; decoding
    /// it into types is the caller's job.
    pub(crate) async fn get_json(&self, req: &Get<'_>) -> Result<Value, ApiError> {
        let result = self.get_inner(req).await;
        if result.is_err() {
            self.counters.record(req.endpoint, Event::Failed);
        }
        result
    }

    async fn get_inner(&self, req: &Get<'_>) -> Result<Value, ApiError> {
        let mut retries = 0u32;
        let mut rate_limit_retries = 0u32;
        let mut auth_retried = false;
        let mut stale_401s = 0u32;
        let mut first = true;
        loop {
            let attempt = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| ApiError::Config("request layer closed".into()))?;
                self.pacer.acquire().await;
                // The token is taken after pacing, right before sending: a request that waited in
                // the queue never carries a token that expired meanwhile.
                let token = self.auth.access_token().await?;
                let fresh = TokenManager::is_fresh_token(&token);
                self.counters
                    .record(req.endpoint, Event::Sent { retry: !first });
                first = false;
                let mut attempt = self
                    .attempt(req, token.secret.expose(), token.generation)
                    .await;
                if let Attempt::Unauthorized { fresh: f, .. } = &mut attempt {
                    *f = fresh;
                }
                if let Attempt::Again {
                    rate_limited: true,
                    retry_after,
                    ..
                } = &attempt
                {
                    self.pacer.rate_limited(*retry_after);
                }
                attempt
            };
            match attempt {
                Attempt::Done(v) => {
                    self.pacer.succeeded();
                    return Ok(v);
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::Unauthorized {
                    token_generation,
                    fresh,
                } => {
                    // A 401 for a token in the second half of its life may be an expiry the
                    // server saw first (a loaded server, clocks): refresh and retry, a few times
                    // at most. A 401 for a young token is a refusal: one refresh, one retry.
                    let give_up = if fresh {
                        std::mem::replace(&mut auth_retried, true)
                    } else {
                        stale_401s += 1;
                        stale_401s > MAX_STALE_401_RETRIES
                    };
                    if give_up {
                        return Err(ApiError::Unauthorized {
                            endpoint: req.endpoint.to_string(),
                            context: req.context.clone(),
                        });
                    }
                    self.auth.token_rejected(token_generation).await?;
                }
                Attempt::Again {
                    error,
                    rate_limited,
                    retry_after,
                } => {
                    let (used, limit, backoff) = if rate_limited {
                        rate_limit_retries += 1;
                        (
                            rate_limit_retries,
                            self.settings.max_rate_limit_retries,
                            self.settings.rate_limit_backoff,
                        )
                    } else {
                        retries += 1;
                        (retries, self.settings.max_retries, self.settings.backoff)
                    };
                    if used > limit {
                        return Err(match error {
                            ApiError::RateLimited {
                                endpoint, context, ..
                            } => ApiError::RateLimited {
                                endpoint,
                                context,
                                attempts: used,
                            },
                            e => e,
                        });
                    }
                    let backoff = backoff.delay(used - 1);
                    let wait = match retry_after {
                        Some(ra) => ra.max(backoff / 4),
                        None => backoff,
                    };
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(&self, req: &Get<'_>, bearer: &str, token_generation: u64) -> Attempt {
        let url = format!("{}{}", self.settings.base_url, req.path_and_query);
        let sent = self.http.get(&url).bearer_auth(bearer).send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return self.transport_error(req, &e),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return self.transport_error(req, &e),
            Err(e) if (200..300).contains(&status) => {
                self.counters.record(req.endpoint, Event::BadBody);
                return Attempt::Again {
                    error: decode_error(
                        req,
                        short(&format!("body cut short: {}", e.without_url())),
                    ),
                    rate_limited: false,
                    retry_after: None,
                };
            }
            Err(_) => Default::default(),
        };
        match status {
            200..=299 => match serde_json::from_slice::<Value>(&body) {
                Ok(v) => Attempt::Done(v),
                Err(e) => {
                    self.counters.record(req.endpoint, Event::BadBody);
                    Attempt::Again {
                        error: decode_error(req, short(&format!("invalid JSON ({e})"))),
                        rate_limited: false,
                        retry_after: None,
                    }
                }
            },
            401 => {
                self.counters.record(req.endpoint, Event::Unauthorized);
                Attempt::Unauthorized {
                    token_generation,
                    fresh: true,
                }
            }
            429 => {
                self.counters.record(req.endpoint, Event::RateLimited);
                Attempt::Again {
                    error: ApiError::RateLimited {
                        endpoint: req.endpoint.to_string(),
                        context: req.context.clone(),
                        attempts: 1,
                    },
                    rate_limited: true,
                    retry_after,
                }
            }
            404 => Attempt::Fail(ApiError::NotFound {
                endpoint: req.endpoint.to_string(),
                symbol: req.context.clone(),
            }),
            s => {
                let (code, message) = super::decode::error_body(&body);
                let message = short(
                    &[code, message]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": "),
                );
                let error = ApiError::Http {
                    status: s,
                    endpoint: req.endpoint.to_string(),
                    context: req.context.clone(),
                    message,
                };
                if s >= 500 {
                    self.counters.record(req.endpoint, Event::ServerError);
                    Attempt::Again {
                        error,
                        rate_limited: false,
                        retry_after,
                    }
                } else {
                    Attempt::Fail(error)
                }
            }
        }
    }

    fn transport_error(&self, req: &Get<'_>, e: &reqwest::Error) -> Attempt {
        let error = if e.is_timeout() {
            self.counters.record(req.endpoint, Event::Timeout);
            ApiError::Timeout {
                endpoint: req.endpoint.to_string(),
                context: req.context.clone(),
            }
        } else {
            self.counters.record(req.endpoint, Event::Network);
            ApiError::Network {
                endpoint: req.endpoint.to_string(),
                context: req.context.clone(),
                detail: transport_detail(e),
            }
        };
        Attempt::Again {
            error,
            rate_limited: false,
            retry_after: None,
        }
    }
}

fn decode_error(req: &Get<'_>, detail: String) -> ApiError {
    ApiError::Decode {
        endpoint: req.endpoint.to_string(),
        context: req.context.clone(),
        detail,
    }
}

/// A transport error's description with its source chain (no URL: it is in the message already).
pub(crate) fn transport_detail(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let head = if e.is_connect() {
        "connection failed"
    } else if e.is_body() {
        "response body failed"
    } else {
        "request failed"
    };
    if parts.is_empty() {
        head.to_string()
    } else {
        short(&format!("{head}: {}", parts.join(": ")))
    }
}

/// `Retry-After` as a delay: delta-seconds only (an HTTP date is ignored), at most 60 s.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(60.0)))
}

/// A server message made safe to show: scrubbed of every secret and cut to a readable length
/// ([`super::secret::server_text`]).
pub(crate) fn short(s: &str) -> String {
    super::secret::server_text(s)
}

/// Percent-encode one query value or path segment: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A comma-joined list of percent-encoded values (`AAPL,BRK%2FB,%2FES`), commas left literal.
pub fn encode_list<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(|v| encode_component(v.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_symbols() {
        assert_eq!(encode_component("BRK/B"), "BRK%2FB");
        assert_eq!(encode_component("/ES"), "%2FES");
        assert_eq!(
            encode_component("SPY   260804C00500000"),
            "SPY%20%20%20260804C00500000"
        );
        assert_eq!(encode_list(&["AAPL", "BRK/B"]), "AAPL,BRK%2FB");
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for attempt in 0..8 {
            let d = b.delay(attempt);
            let cap = Duration::from_millis(100 * (1 << attempt)).min(Duration::from_secs(1));
            assert!(d >= cap / 2 && d <= cap, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("9999"), Some(Duration::from_secs(60)));
    }

    #[tokio::test]
    async fn pacer_slows_per_429_never_collapses_and_recovers() {
        let p = Pacer::new(20.0, 5.0);
        for _ in 0..5 {
            p.acquire().await;
        }
        p.rate_limited(None);
        assert!((p.rate() - 20.0 * DOWN).abs() < 1e-9);
        for _ in 0..3 {
            p.succeeded();
        }
        assert_eq!(p.rate(), 20.0);
        // A third of the answers refused, in any order: the pace stays near the top.
        for i in 0..300 {
            if i % 10 < 3 {
                p.rate_limited(None);
            } else {
                p.succeeded();
            }
        }
        assert!(p.rate() > 15.0, "{}", p.rate());
        // Nothing but 429s: down to the floor, never below it.
        for _ in 0..500 {
            p.rate_limited(None);
        }
        assert_eq!(p.rate(), 20.0 * FLOOR);
        // Half refused: keeps falling (a real limit well below the configured rate).
        let q = Pacer::new(20.0, 5.0);
        for i in 0..100 {
            if i % 2 == 0 {
                q.rate_limited(None);
            } else {
                q.succeeded();
            }
        }
        assert!(q.rate() < 10.0, "{}", q.rate());
        // And the pace recovers once the 429s stop.
        for _ in 0..80 {
            p.succeeded();
        }
        assert_eq!(p.rate(), 20.0);
        let share = UP.ln() / (UP.ln() + (1.0 / DOWN).ln());
        assert!((share - 0.323).abs() < 0.001, "{share}");
    }

    #[tokio::test]
    async fn retry_after_pauses_everyone() {
        let p = Pacer::new(1000.0, 10.0);
        p.rate_limited(Some(Duration::from_millis(150)));
        let t = Instant::now();
        p.acquire().await;
        assert!(
            t.elapsed() >= Duration::from_millis(140),
            "{:?}",
            t.elapsed()
        );
    }
}
