//! The demo market: a local tastytrade REST API and DXLink WebSocket over real sockets.
//!
//! One axum server holds both: the REST endpoints ([`rest`]) and the DXLink feed at `/dxlink`
//! ([`dxlink`]). Both read the same synthetic [`market::Market`], share one [`auth::AuthStore`], obey
//! one [`latency::LatencyProfile`], inject the same [`faults::Faults`] and count into one
//! [`stats::Stats`]. [`start`] runs it in-process on any address (port 0 for a random loopback port,
//! as every test does); `volscreen sim serve` runs it standalone. The spec is `shared/spec/emulator.md`.

pub mod auth;
pub mod calendar;
pub mod dxlink;
pub mod faults;
pub mod latency;
pub mod market;
pub mod rest;
pub mod rng;
pub mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use volscreen_core::date::Date;

/// The revision of the market's numbers: bumped whenever anything the market serves changes
/// (prices, paths, metrics, chains, quotes). Caches of clients key demo data by it, so that data
/// cached from an older market is never served as this one's. `tests/sim/sim_market/revision.rs`
/// holds a fingerprint of the market's output and fails until both are updated together.
pub const MARKET_REVISION: u32 = 3;

pub use auth::{DemoCredentials, DEMO_SECRET};
pub use faults::Faults;
pub use latency::LatencyProfile;

/// Everything that configures a market instance.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub as_of: Date,
    pub latency: LatencyProfile,
    pub faults: Faults,
    /// Serve files under this directory instead of synthetic data where a path matches: REST
    /// responses (`rest::fixtures`) and DXLink candle histories (`dxlink::fixtures`).
    pub fixtures: Option<PathBuf>,
    pub credentials: DemoCredentials,
}

impl SimOptions {
    /// Latency `none`, no faults, no fixtures, the demo credentials, as of `as_of`.
    pub fn new(as_of: Date) -> SimOptions {
        SimOptions {
            as_of,
            latency: LatencyProfile::none(),
            faults: Faults::none(),
            fixtures: None,
            credentials: DemoCredentials::default(),
        }
    }
}

/// Serialised chain bodies kept for a repeated request (a second scan of the same market, tests):
/// a body is 40–700 KB and one scan asks for each chain once, so only a few are kept.
pub const CHAIN_BODIES_MEMO: usize = 16;

/// Shared state of a running market.
pub struct SimState {
    pub options: SimOptions,
    /// The market of the starting date (`options.as_of`). What the endpoints serve is
    /// [`SimState::market`], which follows [`SimState::move_to`].
    pub market: market::Market,
    /// The market of the date [`SimState::move_to`] moved to, if it did.
    moved: RwLock<Option<Arc<market::Market>>>,
    pub auth: auth::AuthStore,
    pub stats: stats::Stats,
    /// `http://HOST:PORT`, set once the listener is bound.
    pub base_url: OnceLock<String>,
    /// Serialised `/option-chains/{symbol}/nested` bodies by market date and requested symbol
    /// (bounded by [`CHAIN_BODIES_MEMO`]).
    pub chain_bodies: market::cache::Cache<(Date, String), axum::body::Bytes>,
}

/// The market a request reads ([`SimState::market`]): the starting one or the one moved to.
pub enum MarketRef<'a> {
    Start(&'a market::Market),
    Moved(Arc<market::Market>),
}

impl std::ops::Deref for MarketRef<'_> {
    type Target = market::Market;

    fn deref(&self) -> &market::Market {
        match self {
            MarketRef::Start(m) => m,
            MarketRef::Moved(m) => m,
        }
    }
}

impl SimState {
    pub fn new(options: SimOptions) -> SimState {
        let ttl = Duration::from_secs(options.faults.token_ttl.unwrap_or(900));
        SimState {
            market: market::Market::new(options.as_of),
            moved: RwLock::new(None),
            auth: auth::AuthStore::new(options.credentials.clone(), ttl),
            stats: stats::Stats::default(),
            base_url: OnceLock::new(),
            chain_bodies: market::cache::Cache::new(CHAIN_BODIES_MEMO),
            options,
        }
    }

    /// The market the endpoints serve now: the starting date's, or the date of the last
    /// [`SimState::move_to`].
    pub fn market(&self) -> MarketRef<'_> {
        match &*self.moved.read().unwrap_or_else(|e| e.into_inner()) {
            Some(m) => MarketRef::Moved(m.clone()),
            None => MarketRef::Start(&self.market),
        }
    }

    /// The date the market is at now.
    pub fn as_of(&self) -> Date {
        self.market().as_of()
    }

    /// Move the running market to `as_of` (a test control, also `POST /__sim/as-of`): every
    /// later request and snapshot is served from the deterministic market of that date, exactly
    /// as a market started on it would serve them; a request already being served finishes on the
    /// date it started with. Tokens, connections, limits, faults and stats are untouched.
    pub fn move_to(&self, as_of: Date) {
        let next = (as_of != self.market.as_of()).then(|| Arc::new(market::Market::new(as_of)));
        *self.moved.write().unwrap_or_else(|e| e.into_inner()) = next;
    }

    pub fn latency(&self) -> &LatencyProfile {
        &self.options.latency
    }

    pub fn faults(&self) -> &Faults {
        &self.options.faults
    }

    /// The DXLink URL handed out with quote tokens: `ws://HOST:PORT/dxlink`.
    pub fn dxlink_url(&self) -> String {
        let base = self
            .base_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1:0");
        format!("{}/dxlink", base.replacen("http://", "ws://", 1))
    }
}

/// The axum application: REST routes, the DXLink route and `/__sim/stats`.
pub fn router(state: Arc<SimState>) -> axum::Router {
    rest::routes().merge(dxlink::routes()).with_state(state)
}

/// A market running in this process.
pub struct SimServer {
    pub addr: SocketAddr,
    pub state: Arc<SimState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://HOST:PORT/dxlink`.
    pub fn dxlink_url(&self) -> String {
        self.state.dxlink_url()
    }

    /// The same document as `GET /__sim/stats`, read directly.
    pub fn stats(&self) -> serde_json::Value {
        self.state.stats.snapshot()
    }

    /// Stop accepting connections and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Bind `addr` (port 0 picks a free port) and serve the market on the current tokio runtime.
pub async fn start(options: SimOptions, addr: SocketAddr) -> std::io::Result<SimServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(SimState::new(options));
    let _ = state.base_url.set(format!("http://{addr}"));
    let app = router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok(SimServer {
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Start on a random loopback port.
pub async fn start_local(options: SimOptions) -> std::io::Result<SimServer> {
    start(options, SocketAddr::from(([127, 0, 0, 1], 0))).await
}
