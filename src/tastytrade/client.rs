//! [`ClientConfig`] and [`TastytradeClient`]: construction (settings from the `[rest]` config
//! section, [`ClientConfig::from_rest`], the only place config becomes client settings), the shared
//! state behind every clone, and the counters. The endpoint methods live next to their types (`metrics.rs`, `market_data.rs`,
//! `chains.rs`, `futures.rs`, `quote_token.rs`).

use super::auth::{AuthSettings, CachedToken, TokenManager, TOKEN_ENDPOINT};
use super::error::ApiError;
use super::http::{Counters, Get, HttpSettings, Pacer, RequestCounters, RequestLayer};
use super::secret::Secret;
use crate::backoff::Backoff;
use crate::config::{Config, RestConfig};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The production API.
pub const PRODUCTION_URL: &str = "https://api.tastyworks.com";
/// The sandbox ("cert") API; its credentials do not work on production and vice versa.
pub const SANDBOX_URL: &str = "https://api.cert.tastyworks.com";
/// The `User-Agent` volscreen sends: `volscreen/<crate version>`.
pub const USER_AGENT: &str = concat!("volscreen/", env!("CARGO_PKG_VERSION"));
/// Most symbols `/market-data/by-type` accepts in one request, all types together.
pub const BY_TYPE_MAX_SYMBOLS: usize = 100;
/// The longest per-request timeout a config can ask for (a day); longer values are cut to it.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// `secs` as a timeout: cut to [`MAX_TIMEOUT_SECS`]; zero when not a positive number (which
/// [`ClientConfig`]'s validation then refuses), never a panic.
fn seconds(secs: f64) -> Duration {
    if secs.is_nan() {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs.min(MAX_TIMEOUT_SECS)).unwrap_or(Duration::ZERO)
}

/// Everything that configures a client. `Debug` is safe: secrets print `[redacted]`.
///
/// Defaults live in one place: the `[rest]` section of the built-in `config/volscreen.toml`
/// ([`ClientConfig::new`]); a loaded config becomes client settings through
/// [`ClientConfig::from_rest`]. The fields are public so a caller (a test) can change any of them.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.tastyworks.com`, the sandbox, or the demo market's `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// Sent with token requests when set (the API does not require it).
    pub client_id: Option<String>,
    /// Space-separated OAuth scopes, sent with token requests when set.
    pub scope: Option<String>,
    /// Default [`USER_AGENT`].
    pub user_agent: String,
    /// Requests in flight at once (`[rest] concurrency`).
    pub concurrency: usize,
    /// Sustained client-side request rate, per second (`[rest] rate_per_sec`).
    pub rate_per_sec: f64,
    /// Burst size of the client-side token bucket (`[rest] burst`).
    pub burst: f64,
    /// Per-request timeout, connection to last body byte (`[rest] timeout_secs`).
    pub timeout: Duration,
    /// Retries of a GET after 5xx, timeouts, connection errors and broken bodies
    /// (`[rest] max_retries`).
    pub max_retries: u32,
    /// Retries of a GET after 429s (default 12; the pacer slows down meanwhile).
    pub max_rate_limit_retries: u32,
    /// First backoff delay of a retry after a 429 without `Retry-After` (default 20 ms); doubles
    /// per retry, with jitter, up to `backoff_max`. Short, because the pacer does the slowing down.
    pub rate_limit_backoff_base: Duration,
    /// First backoff delay (default 250 ms); doubles per retry, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay (default 2 s: a scan has a budget; a failure that outlasts six
    /// retries is reported, not waited out).
    pub backoff_max: Duration,
    /// Retries of a token request after transient failures (default 3). `invalid_grant`: none.
    pub token_retries: u32,
    /// Refresh this long before expiry (default 60 s; never more than half of `expires_in`).
    pub refresh_margin: Duration,
    /// Symbols per `/market-metrics` request (`[rest] metrics_chunk`).
    pub metrics_chunk: usize,
    /// Symbols per `/market-data/by-type` request (`[rest] by_type_chunk`; at most 100).
    pub by_type_chunk: usize,
    /// Product codes per `/instruments/futures` request (default 50).
    pub futures_chunk: usize,
    /// An access token saved earlier, to start without a token request.
    pub cached_token: Option<CachedToken>,
}

impl ClientConfig {
    /// The built-in settings (`[rest]` of the built-in `config/volscreen.toml`, see
    /// [`ClientConfig::from_rest`]) for `base_url` and the credentials.
    pub fn new(
        base_url: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> ClientConfig {
        ClientConfig::from_rest(
            &Config::builtin().rest,
            base_url,
            client_secret,
            refresh_token,
        )
    }

    /// The settings of a `[rest]` config section for `base_url` and the credentials: the one place
    /// where configuration becomes client settings. `concurrency`, `rate_per_sec`, `burst`,
    /// `timeout_secs`, `max_retries`, `metrics_chunk` and `by_type_chunk` come from `rest`; the
    /// settings the config file has no key for (backoff, token refresh, futures chunk, the
    /// `User-Agent`) are fixed here.
    pub fn from_rest(
        rest: &RestConfig,
        base_url: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            client_id: None,
            scope: None,
            user_agent: USER_AGENT.to_string(),
            concurrency: rest.concurrency,
            rate_per_sec: rest.rate_per_sec,
            burst: rest.burst,
            timeout: seconds(rest.timeout_secs),
            max_retries: rest.max_retries,
            max_rate_limit_retries: 12,
            rate_limit_backoff_base: Duration::from_millis(20),
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(2),
            token_retries: 3,
            refresh_margin: Duration::from_secs(60),
            metrics_chunk: rest.metrics_chunk,
            by_type_chunk: rest.by_type_chunk,
            futures_chunk: 50,
            cached_token: None,
        }
    }

    fn validate(&self) -> Result<(), ApiError> {
        let bad = |m: &str| Err(ApiError::Config(m.to_string()));
        match reqwest::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return bad(&format!(
                    "base URL {:?} is not an http(s) URL",
                    self.base_url
                ))
            }
        }
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1");
        }
        if !(self.rate_per_sec.is_finite() && self.rate_per_sec > 0.0) {
            return bad("rate_per_sec must be a positive number");
        }
        if !(self.burst.is_finite() && self.burst >= 1.0) {
            return bad("burst must be at least 1");
        }
        if self.timeout.is_zero() {
            return bad("timeout must be positive");
        }
        if self.metrics_chunk == 0 || self.by_type_chunk == 0 || self.futures_chunk == 0 {
            return bad("chunk sizes must be at least 1");
        }
        if self.user_agent.trim().is_empty() {
            return bad("the User-Agent must not be empty (the API answers 401 without one)");
        }
        Ok(())
    }
}

/// The tastytrade REST client. Cheap to clone: every clone shares one connection pool, token,
/// pacer, concurrency bound and set of counters.
#[derive(Clone)]
pub struct TastytradeClient {
    pub(crate) layer: Arc<RequestLayer>,
    pub(crate) config: Arc<ClientConfig>,
}

impl std::fmt::Debug for TastytradeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TastytradeClient")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

impl TastytradeClient {
    /// A client for `config` (no request is made until the first call).
    pub fn new(config: ClientConfig) -> Result<TastytradeClient, ApiError> {
        config.validate()?;
        let mut config = config;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config.by_type_chunk = config.by_type_chunk.min(BY_TYPE_MAX_SYMBOLS);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        let backoff = Backoff::new(
            config.backoff_base,
            config.backoff_max.max(config.backoff_base),
        );
        let counters = Arc::new(Counters::default());
        let auth = Arc::new(TokenManager::new(
            http.clone(),
            AuthSettings {
                token_url: format!("{}{TOKEN_ENDPOINT}", config.base_url),
                client_secret: config.client_secret.clone(),
                refresh_token: config.refresh_token.clone(),
                client_id: config.client_id.clone(),
                scope: config.scope.clone(),
                margin: config.refresh_margin,
                retries: config.token_retries,
                backoff,
            },
            counters.clone(),
            config.cached_token.clone(),
        ));
        let layer = RequestLayer {
            http,
            auth,
            counters,
            pacer: Pacer::new(config.rate_per_sec, config.burst),
            permits: Semaphore::new(config.concurrency),
            settings: HttpSettings {
                base_url: config.base_url.clone(),
                max_retries: config.max_retries,
                max_rate_limit_retries: config.max_rate_limit_retries,
                backoff,
                rate_limit_backoff: Backoff::new(
                    config.rate_limit_backoff_base,
                    backoff.max.max(config.rate_limit_backoff_base),
                ),
            },
        };
        Ok(TastytradeClient {
            layer: Arc::new(layer),
            config: Arc::new(config),
        })
    }

    /// The configuration in use (base URL without a trailing slash, by-type chunk capped at 100).
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> RequestCounters {
        self.layer.counters.snapshot(self.layer.pacer.rate())
    }

    /// Make sure an access token is at hand (fetching one if needed): the pipeline's `auth` stage.
    pub async fn authenticate(&self) -> Result<(), ApiError> {
        self.layer.auth.access_token().await.map(|_| ())
    }

    /// The refusal of the credentials, once the token endpoint refused them for good
    /// (`invalid_grant`): every later call fails with it without asking again. `None` otherwise
    /// (also while a token could not be had for a transient reason).
    pub fn auth_refused(&self) -> Option<ApiError> {
        self.layer.auth.refused()
    }

    /// The current access token and its expiry, for a cache (see [`ClientConfig::cached_token`]).
    pub fn cached_token(&self) -> Option<CachedToken> {
        self.layer.auth.cached()
    }

    /// GET through the request layer.
    pub(crate) async fn get(
        &self,
        endpoint: &str,
        path_and_query: String,
        context: String,
    ) -> Result<Value, ApiError> {
        self.layer
            .get_json(&Get {
                endpoint,
                path_and_query,
                context,
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_builtin_rest_section() {
        let rest = Config::builtin().rest;
        let c = ClientConfig::new("http://127.0.0.1:1", "cs", "rt");
        assert_eq!(c.concurrency, rest.concurrency);
        assert_eq!(c.rate_per_sec, rest.rate_per_sec);
        assert_eq!(c.burst, rest.burst);
        assert_eq!(c.timeout, Duration::from_secs_f64(rest.timeout_secs));
        assert_eq!(c.max_retries, rest.max_retries);
        assert_eq!(c.metrics_chunk, rest.metrics_chunk);
        assert_eq!(c.by_type_chunk, rest.by_type_chunk);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn from_rest_takes_every_rest_setting() {
        let mut rest = Config::builtin().rest;
        rest.concurrency = 3;
        rest.rate_per_sec = 7.5;
        rest.burst = 2.0;
        rest.timeout_secs = 0.25;
        rest.max_retries = 1;
        rest.metrics_chunk = 9;
        rest.by_type_chunk = 8;
        let c = ClientConfig::from_rest(&rest, "http://127.0.0.1:1", "cs", "rt");
        assert_eq!(
            (c.concurrency, c.rate_per_sec, c.burst, c.timeout),
            (3, 7.5, 2.0, Duration::from_millis(250))
        );
        assert_eq!((c.max_retries, c.metrics_chunk, c.by_type_chunk), (1, 9, 8));
        assert_eq!(c.base_url, "http://127.0.0.1:1");
    }

    #[test]
    fn odd_timeouts_never_panic() {
        assert_eq!(seconds(f64::NAN), Duration::ZERO);
        assert_eq!(seconds(-1.0), Duration::ZERO);
        assert_eq!(seconds(1e300), Duration::from_secs(86_400));
        let mut rest = Config::builtin().rest;
        rest.timeout_secs = -3.0;
        let c = ClientConfig::from_rest(&rest, "http://127.0.0.1:1", "cs", "rt");
        assert!(matches!(c.validate(), Err(ApiError::Config(_))));
    }
}
