//! The tastytrade REST client: OAuth2 tokens, one rate-aware request layer, and tolerant typed decoding
//! of the endpoints volscreen uses. The wire facts it follows are `shared/spec/tastytrade-wire.md`; the
//! demo market (`volscreen sim serve`) is reached through the very same code.
//!
//! # API
//! ```no_run
//! # async fn demo() -> Result<(), volscreen::tastytrade::ApiError> {
//! use volscreen::tastytrade::{ClientConfig, InstrumentRef, TastytradeClient};
//! let client = TastytradeClient::new(ClientConfig::new(
//!     "https://api.tastyworks.com",
//!     std::env::var("TASTYTRADE_CLIENT_SECRET").unwrap_or_default(),
//!     std::env::var("TASTYTRADE_REFRESH_TOKEN").unwrap_or_default(),
//! ))?;
//! client.authenticate().await?;                       // POST /oauth/token (once)
//! let metrics = client.market_metrics(&["AAPL", "TSLA"]).await; // one outcome per symbol
//! let quotes = client.market_data(&[InstrumentRef::guess("AAPL")]).await;
//! let chain = client.option_chain("AAPL").await?;
//! let es = client.futures_option_chain("/ES").await?;
//! let products = client.futures_contracts(&["ES"]).await;
//! let qt = client.quote_token().await?;              // token + checked dxlink-url
//! let counters = client.counters();                   // requests, retries, 429s, per endpoint
//! # Ok(()) }
//! ```
//! - [`TastytradeClient::new`]`(`[`ClientConfig`]`) -> Result<TastytradeClient, ApiError>`; clones share
//!   everything (an `Arc` inside).
//! - `market_metrics(&[S]) -> `[`MetricsBatch`], `market_data(&[`[`InstrumentRef`]`]) -> `[`QuoteBatch`],
//!   `futures_contracts(&[S]) -> Batch<`[`FuturesProduct`]`>`: for every symbol asked, in request order,
//!   exactly one [`Outcome`]: `Found`, `NotFound` or `Failed(ApiError)`.
//! - `option_chain(&str)`, `futures_option_chain(&str) -> Result<`[`OptionChain`]`, ApiError>`.
//! - `quote_token() -> Result<`[`QuoteToken`]`, ApiError>`; `authenticate()`; `cached_token()`.
//! - `watchlist(`[`ListKind`]`, &str) -> Result<`[`AccountWatchlist`]`, `[`WatchlistFetchError`]`>`,
//!   `watchlists(ListKind) -> Result<Vec<AccountWatchlist>, ApiError>`: private and public lists.
//! - `counters() -> `[`RequestCounters`] (a plain snapshot).
//! - `decode_*` functions decode a response body (`serde_json::Value`) without a client: the contract
//!   tests use them on recorded responses.
//!
//! # Behaviour
//! - Auth ([`auth`]): refresh-token grant, proactive refresh (60 s margin, at most half of
//!   `expires_in`), one refresh in flight, on 401 one refresh and one retry, `invalid_grant` final,
//!   transient token failures retried with backoff.
//! - Settings ([`ClientConfig`]): from the `[rest]` config section ([`ClientConfig::from_rest`]);
//!   [`ClientConfig::new`] takes the built-in `config/volscreen.toml`'s, the one home of the defaults.
//! - Requests ([`http`]): a concurrency bound, a client-side token bucket (rate and burst from the
//!   `[rest]` config section) whose rate each 429 lowers (×0.94, never below a tenth) and each
//!   success raises back (×1.03),
//!   the access token taken only once pacing lets the request go, backoff with jitter on 429 (short)
//!   / 5xx / timeouts / connection errors / broken JSON (honouring `Retry-After`), a per-request
//!   timeout, counters.
//! - Batches ([`batch`]): chunked (`[rest] metrics_chunk`, by-type at most 100), concurrent, failed
//!   chunks split.
//! - Decoding ([`decode`]): every field but `symbol` optional, numbers as strings or numbers, `"NaN"`
//!   and empty as `None`, unknown fields ignored, scales normalised to fractions once ([`metrics`]).
//! - Secrets ([`secret`]): credentials and tokens print as `[redacted]` everywhere; every secret
//!   registers with one process-wide scrubber, and every text from a server (error bodies, codes,
//!   URLs, DXLink `ERROR` frames) is bounded and scrubbed of every secret in every encoding (raw,
//!   percent- and form-encoded, JSON-escaped, HTML entities) before it is stored in an error.

pub mod auth;
pub mod batch;
pub mod chains;
pub mod client;
pub mod decode;
pub mod error;
pub mod futures;
pub mod http;
pub mod market_data;
pub mod metrics;
pub mod quote_token;
pub mod secret;
pub mod watchlists;

pub use auth::CachedToken;
pub use batch::{Batch, Outcome, SymbolResult};
pub use chains::{
    decode_futures_option_chain, decode_option_chain, ChainKind, Expiration, OptionChain, Strike,
};
pub use client::{ClientConfig, TastytradeClient, PRODUCTION_URL, SANDBOX_URL, USER_AGENT};
pub use decode::DecodeError;
pub use error::ApiError;
pub use futures::{active_month, decode_futures, product_code, FutureContract, FuturesProduct};
pub use http::{EndpointCounters, RequestCounters};
pub use market_data::{decode_market_data, InstrumentKind, InstrumentRef, MarketData, QuoteBatch};
pub use metrics::{decode_market_metrics, Earnings, ExpirationIv, MarketMetrics, MetricsBatch};
pub use quote_token::{check_dxlink_url, decode_quote_token, QuoteToken};
pub use secret::Secret;
pub use watchlists::{
    decode_watchlist, decode_watchlists, AccountWatchlist, ListKind, WatchlistEntry,
    WatchlistFetchError,
};
