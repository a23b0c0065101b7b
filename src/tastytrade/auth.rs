//! The access-token manager: the OAuth2 refresh-token flow of `POST /oauth/token`.
//!
//! - One token at a time, shared by every request; a new one is fetched proactively
//!   `margin` before expiry (60 s, but never more than half of `expires_in`; 900 s is assumed when
//!   the server omits it).
//! - Exactly one refresh in flight: refreshes run under an async mutex; requests that find a refresh
//!   under way keep using the old token while it is still valid, else wait for the new one.
//! - A 401 on a request reports the token generation it used ([`TokenManager::token_rejected`]): the
//!   first such report refreshes, later reports for the same generation reuse the new token.
//! - `invalid_grant` (and any other 4xx from the token endpoint but 408/429) is final: it is stored and
//!   returned to every later caller without another request, so a refused credential is never
//!   retried in a loop. 5xx, 408, 429, timeouts, connection errors and broken bodies are retried a few
//!   times with exponential backoff and jitter.
//! - A `refresh_token` in a token response replaces the configured one (RFC 6749 §6 rotation).
//! - Credentials and tokens are [`Secret`]s (registered with the scrubber of [`super::secret`]);
//!   error codes and details from the server are bounded and scrubbed of every secret, in every
//!   encoding, before they are stored.

use super::error::ApiError;
use super::http::{short, transport_detail, Counters, Event};
use super::secret::Secret;
use crate::backoff::Backoff;
use crate::date::now_ms;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// The token endpoint, as named in counters and errors.
pub const TOKEN_ENDPOINT: &str = "/oauth/token";

/// The lifetime assumed when a token response has no usable `expires_in`.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(900);

/// An access token saved by a caller (e.g. a cache) to be reused by a later client, so a run need
/// not start with a token request. If the server refuses it, the client refreshes once and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub access_token: Secret,
    /// When the token expires, in epoch milliseconds.
    pub expires_at_ms: i64,
}

/// The token a request uses, with the generation that identifies it in 401 reports.
#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub secret: Secret,
    pub generation: u64,
    refresh_at: Instant,
    usable_until: Instant,
    /// Until then the token is young (the first half of its life): a 401 for it is a refusal,
    /// not an expiry the server saw before we did.
    fresh_until: Instant,
    expires_at_ms: i64,
}

/// Settings of the token manager.
#[derive(Debug, Clone)]
pub(crate) struct AuthSettings {
    pub token_url: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub margin: Duration,
    pub retries: u32,
    pub backoff: Backoff,
}

/// Holds the current access token and refreshes it.
pub(crate) struct TokenManager {
    http: reqwest::Client,
    settings: AuthSettings,
    refresh_token: Mutex<Secret>,
    counters: Arc<Counters>,
    current: RwLock<Option<AccessToken>>,
    refresh_lock: tokio::sync::Mutex<()>,
    failure: OnceLock<ApiError>,
    generations: AtomicU64,
}

impl TokenManager {
    pub(crate) fn new(
        http: reqwest::Client,
        settings: AuthSettings,
        counters: Arc<Counters>,
        cached: Option<CachedToken>,
    ) -> TokenManager {
        let m = TokenManager {
            http,
            refresh_token: Mutex::new(settings.refresh_token.clone()),
            settings,
            counters,
            current: RwLock::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
            failure: OnceLock::new(),
            generations: AtomicU64::new(1),
        };
        if let Some(c) = cached {
            let left = c.expires_at_ms - now_ms();
            if left > 0 {
                let token = m.make_token(
                    c.access_token,
                    Instant::now(),
                    Duration::from_millis(left as u64),
                );
                *m.current.write().expect("token lock") = Some(token);
            }
        }
        m
    }

    /// The final refusal of the credentials, once the token endpoint gave one (`invalid_grant`).
    pub(crate) fn refused(&self) -> Option<ApiError> {
        self.failure.get().cloned()
    }

    /// The current token as a cache entry.
    pub(crate) fn cached(&self) -> Option<CachedToken> {
        self.current
            .read()
            .expect("token lock")
            .as_ref()
            .map(|t| CachedToken {
                access_token: t.secret.clone(),
                expires_at_ms: t.expires_at_ms,
            })
    }

    /// A valid access token: the current one, or a new one when it is due for refresh.
    pub(crate) async fn access_token(&self) -> Result<AccessToken, ApiError> {
        if let Some(e) = self.failure.get() {
            return Err(e.clone());
        }
        let now = Instant::now();
        let current = self.current.read().expect("token lock").clone();
        if let Some(t) = &current {
            if now < t.refresh_at {
                return Ok(t.clone());
            }
        }
        let guard = match self.refresh_lock.try_lock() {
            Ok(g) => g,
            Err(_) => {
                // A refresh is under way: the old token serves while it is still valid.
                if let Some(t) = current.filter(|t| now < t.usable_until) {
                    return Ok(t);
                }
                self.refresh_lock.lock().await
            }
        };
        let result = self.refresh_locked(None).await;
        drop(guard);
        result
    }

    /// A request with the token of `generation` got a 401: refresh unless someone already did.
    pub(crate) async fn token_rejected(&self, generation: u64) -> Result<AccessToken, ApiError> {
        let _guard = self.refresh_lock.lock().await;
        self.refresh_locked(Some(generation)).await
    }

    /// Refresh under the refresh lock, unless the current token is fresh (and not the rejected one).
    async fn refresh_locked(&self, rejected: Option<u64>) -> Result<AccessToken, ApiError> {
        if let Some(e) = self.failure.get() {
            return Err(e.clone());
        }
        let current = self.current.read().expect("token lock").clone();
        if let Some(t) = current {
            if Instant::now() < t.refresh_at && Some(t.generation) != rejected {
                return Ok(t);
            }
        }
        match self.fetch().await {
            Ok(t) => {
                *self.current.write().expect("token lock") = Some(t.clone());
                Ok(t)
            }
            Err(e) => {
                if e.is_auth_failure() {
                    let _ = self.failure.set(e.clone());
                    *self.current.write().expect("token lock") = None;
                }
                Err(e)
            }
        }
    }

    /// `POST /oauth/token`, retrying transient failures.
    async fn fetch(&self) -> Result<AccessToken, ApiError> {
        let mut attempt = 0u32;
        loop {
            self.counters
                .record(TOKEN_ENDPOINT, Event::Sent { retry: attempt > 0 });
            let error = match self.fetch_once().await {
                Ok(t) => {
                    self.counters.token_refreshed();
                    return Ok(t);
                }
                Err(Fetch::Final(e)) => e,
                Err(Fetch::Transient(_)) if attempt < self.settings.retries => {
                    tokio::time::sleep(self.settings.backoff.delay(attempt)).await;
                    attempt += 1;
                    continue;
                }
                Err(Fetch::Transient(e)) => e,
            };
            self.counters.record(TOKEN_ENDPOINT, Event::Failed);
            return Err(error);
        }
    }

    async fn fetch_once(&self) -> Result<AccessToken, Fetch> {
        let refresh_token = self.refresh_token.lock().expect("token lock").clone();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_secret", self.settings.client_secret.expose()),
        ];
        if let Some(id) = &self.settings.client_id {
            form.push(("client_id", id));
        }
        if let Some(scope) = &self.settings.scope {
            form.push(("scope", scope));
        }
        let sent_at = Instant::now();
        let context = || "the access token".to_string();
        let resp = match self
            .http
            .post(&self.settings.token_url)
            .form(&form)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Err(Fetch::Transient(self.transport_error(&e))),
        };
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(Fetch::Transient(self.transport_error(&e))),
        };
        if (200..300).contains(&status) {
            let parsed = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    let token = v.get("access_token")?.as_str()?.to_string();
                    Some((token, v))
                })
                .filter(|(token, _)| !token.is_empty());
            let Some((token, v)) = parsed else {
                self.counters.record(TOKEN_ENDPOINT, Event::BadBody);
                return Err(Fetch::Transient(ApiError::Decode {
                    endpoint: TOKEN_ENDPOINT.to_string(),
                    context: context(),
                    detail: "no access_token in the token response (truncated or invalid JSON?)"
                        .to_string(),
                }));
            };
            let expires_in = v
                .get("expires_in")
                .and_then(super::decode::number)
                .filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64)
                .unwrap_or(DEFAULT_EXPIRES_IN);
            if let Some(rotated) = v.get("refresh_token").and_then(|r| r.as_str()) {
                if !rotated.is_empty() && rotated != refresh_token.expose() {
                    *self.refresh_token.lock().expect("token lock") = Secret::new(rotated);
                }
            }
            return Ok(self.make_token(Secret::new(token), sent_at, expires_in));
        }
        let (code, detail) = super::decode::error_body(&body);
        let code = self.scrub(&code.unwrap_or_default());
        let detail = self.scrub(&detail.unwrap_or_default());
        match status {
            408 | 429 | 500..=599 => {
                let event = if status == 429 {
                    Event::RateLimited
                } else {
                    Event::ServerError
                };
                self.counters.record(TOKEN_ENDPOINT, event);
                let message = [code, detail]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                Err(Fetch::Transient(ApiError::Http {
                    status,
                    endpoint: TOKEN_ENDPOINT.to_string(),
                    context: context(),
                    message,
                }))
            }
            _ if code.eq_ignore_ascii_case("invalid_grant") => {
                Err(Fetch::Final(ApiError::InvalidGrant { detail }))
            }
            _ => {
                if status == 401 {
                    self.counters.record(TOKEN_ENDPOINT, Event::Unauthorized);
                }
                Err(Fetch::Final(ApiError::AuthRejected {
                    status,
                    code: if code.is_empty() {
                        "no error code".to_string()
                    } else {
                        self.scrub(&code)
                    },
                    detail,
                }))
            }
        }
    }

    /// Whether the token is still in the first half of its life.
    pub(crate) fn is_fresh_token(token: &AccessToken) -> bool {
        Instant::now() < token.fresh_until
    }

    fn make_token(&self, secret: Secret, from: Instant, lifetime: Duration) -> AccessToken {
        let margin = self.settings.margin.min(lifetime / 2);
        let expires = from + lifetime;
        AccessToken {
            secret,
            generation: self.generations.fetch_add(1, Ordering::Relaxed),
            refresh_at: expires - margin,
            usable_until: expires - margin / 2,
            fresh_until: from + lifetime / 2,
            expires_at_ms: now_ms() + lifetime.saturating_sub(from.elapsed()).as_millis() as i64,
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        let context = "the access token".to_string();
        if e.is_timeout() {
            self.counters.record(TOKEN_ENDPOINT, Event::Timeout);
            ApiError::Timeout {
                endpoint: TOKEN_ENDPOINT.to_string(),
                context,
            }
        } else {
            self.counters.record(TOKEN_ENDPOINT, Event::Network);
            ApiError::Network {
                endpoint: TOKEN_ENDPOINT.to_string(),
                context,
                detail: transport_detail(e),
            }
        }
    }

    /// Remove the credentials (every registered secret, in every encoding) from a server-provided
    /// text and bound it.
    fn scrub(&self, text: &str) -> String {
        short(text)
    }
}

/// How one token request failed.
enum Fetch {
    Transient(ApiError),
    Final(ApiError),
}
