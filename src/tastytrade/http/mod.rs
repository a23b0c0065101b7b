//! The one shared, rate-aware request layer every tastytrade GET goes through.
//!
//! For each request, in this order: a concurrency permit ([`tokio::sync::Semaphore`]), a pacing
//! token from `Pacer` (a client-side token bucket at the configured rate and burst; each 429
//! multiplies the rate by 0.94, never below a tenth of the configured rate, each success by 1.03 up
//! to the configured rate, so sporadic 429s cost only their retries and sustained ones slow the
//! pace until it fits), then, only once the request may go, the bearer token from
//! `crate::tastytrade::auth::TokenManager` (so a request that waited never carries a token that
//! expired meanwhile), a per-request timeout, then classification of the answer:
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
//! Every attempt is counted in `Counters`, readable as a [`RequestCounters`] snapshot.
//!
//! Files, one job each: this one is the retry loop (permits, pacing, token, the policy above);
//! `attempt.rs` sends one request and classifies its answer; `pacer.rs` is the token bucket;
//! `counters.rs` the counters; `encode.rs` the percent-encoding of URLs. Backoff delays come from
//! [`crate::backoff`], the one backoff with jitter.

mod attempt;
pub mod counters;
pub mod encode;
pub(crate) mod pacer;

pub(crate) use attempt::{short, transport_detail};
pub(crate) use counters::{Counters, Event};
pub use counters::{EndpointCounters, RequestCounters};
pub use encode::{encode_component, encode_list};
pub(crate) use pacer::Pacer;

use crate::backoff::Backoff;
use crate::tastytrade::auth::TokenManager;
use crate::tastytrade::error::ApiError;
use attempt::Attempt;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::Semaphore;

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
}
