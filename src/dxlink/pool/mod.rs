//! The candle batch fetcher: a pool of DXLink connections × FEED channels that turns a list of
//! candle symbols into a stream of per-symbol outcomes (and option streamer symbols into quotes, on
//! the same connections).
//!
//! Layout: this file holds the public face ([`CandlePool`], [`DxLinkConfig`], [`PoolStats`],
//! [`CandleOutcome`], [`candle_symbol_key`]); `batch` is one call and its per-symbol tickets;
//! `queue` the one generic job queue that candle and quote jobs share; `worker` the connection
//! slots (connect, reconnect, back off); `session` one connected socket's candle channels;
//! `quote_channel` the quote channel a session borrows from its candles.
//!
//! Scheduling: one shared FIFO of jobs (one per symbol and call). Each connection slot runs a worker
//! task; each of its channels keeps at most `snapshots_per_channel` snapshots in flight and pulls the
//! next job the moment one completes (the least-loaded open channel first), so fast channels take more
//! work and nothing waits on a timer. Completion comes only from the snapshot flags
//! ([`super::snapshot`]); completed symbols are unsubscribed (`remove`) at once.
//!
//! Failure handling: when a socket drops, its worker puts the still-missing jobs back at the front of
//! the queue and reconnects (at once after a session that completed something, else with exponential
//! backoff); any worker may pick them up. A drop is blamed on the k snapshots that were in flight,
//! 1/k each, and a symbol whose blame reaches `max_drops_per_symbol` fails with
//! [`CandleError::Dropped`], so a symbol that kills every socket it touches cannot loop forever while
//! innocent bystanders keep their retries. Each connection also keeps a congestion window (AIMD): a
//! drop halves the number of snapshots it keeps in flight, each completion adds one back up to
//! `channels_per_connection × snapshots_per_channel`, so a flaky feed is retried in small groups
//! instead of losing everything in flight again and again.
//!
//! A worker that fails `connect_attempts` connects in a row idles until new work arrives; when every
//! worker is in that state the queued symbols fail with [`CandleError::Connection`]. Each call has a
//! deadline: whatever is unresolved then becomes [`CandleError::Timeout`]. Every distinct requested
//! symbol gets exactly one [`CandleOutcome`], and the receiver closes after the last one.
//!
//! Quotes ([`CandlePool::quotes`]) ride on the same connections, in a second queue of the same kind:
//! a connection with quote work lends one of its candle channel slots to a quote channel
//! (`quote_channel`) and resolves each streamer symbol with its first Quote event. Each quote has
//! its own deadline (`quote_deadline`, from the `quotes` call): a symbol the server never quotes (the
//! real service sends nothing for unknown symbols) ends as [`QuoteError::Timeout`]; a dropped socket
//! puts the missing quotes back in the queue. Every distinct symbol gets exactly one
//! [`QuoteOutcome`].

mod batch;
mod queue;
mod quote_channel;
mod session;
mod worker;

use super::connection::{ConnectOptions, FeedCounters};
use super::error::{CandleError, QuoteError};
use super::protocol::{StreamerToken, MAX_SUBSCRIPTION_BYTES};
use super::quote::{OptionQuote, QuoteOutcome};
use super::snapshot::CandleSeries;
use crate::symbol::split_candle_symbol;
use batch::{Request, SymbolOutcome, Ticket};
use queue::{CandleJob, JobQueue, QueuedJob, QuoteTicket};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;
use worker::{worker, Shared};

/// Pool sizes, deadlines and retry bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct DxLinkConfig {
    /// WebSocket connections (the demo market and tastytrade allow 4 per quote token).
    pub connections: usize,
    /// FEED channels per connection (the demo market refuses an 11th).
    pub channels_per_connection: usize,
    /// Snapshots subscribed at once per channel (the demo market serves 4 at a time per channel).
    pub snapshots_per_channel: usize,
    /// Every symbol of a batch is resolved within this time of `fetch` (else `Timeout`).
    pub symbol_deadline: Duration,
    /// Time allowed from TCP connect to `AUTHORIZED`.
    pub handshake_timeout: Duration,
    /// Consecutive failed connects after which a connection slot idles until new work arrives.
    pub connect_attempts: u32,
    /// Drops a symbol may be blamed for before it fails with `Dropped` (a drop with k snapshots in
    /// flight counts 1/k against each).
    pub max_drops_per_symbol: f64,
    /// First reconnect delay after a failure; doubles per consecutive failure.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// The keepalive timeout we advertise in SETUP, in seconds.
    pub keepalive_timeout_secs: u64,
    /// Channel contract for candles: `HISTORY` (empty snapshots were reported under `AUTO`).
    pub contract: String,
    /// `FEED_SETUP.acceptAggregationPeriod`, seconds.
    pub aggregation_period: f64,
    /// Byte budget of one `FEED_SUBSCRIPTION`.
    pub max_subscription_bytes: usize,
    /// Every symbol of a quote batch is resolved within this time of `quotes` (else `Timeout`).
    pub quote_deadline: Duration,
    /// Channel contract of the quote channel: `AUTO` (what tastytrade's own client uses for
    /// Quote) or `TICKER`.
    pub quote_contract: String,
    /// Quote subscriptions in flight at once on one connection's quote channel.
    pub quotes_per_channel: usize,
}

impl Default for DxLinkConfig {
    /// 4 connections × 10 channels × 4 snapshots = 160 snapshots in flight: the most the demo
    /// market's limits (and, as far as is known, tastytrade's) serve at once. Under the `seed` model a
    /// 13-month daily snapshot costs about 525 ms, so 477 watchlist symbols take 3 waves after the
    /// 250 ms connect: measured 2.0 s, against 3.5 s with 5 channels or 2 snapshots per channel and
    /// 6.6 s with one connection (8 per channel, queued by the server, gains only 0.05 s and doubles
    /// what a dropped socket loses).
    fn default() -> DxLinkConfig {
        DxLinkConfig {
            connections: 4,
            channels_per_connection: 10,
            snapshots_per_channel: 4,
            symbol_deadline: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            connect_attempts: 5,
            max_drops_per_symbol: 8.0,
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(3),
            keepalive_timeout_secs: 60,
            contract: "HISTORY".to_string(),
            aggregation_period: 0.1,
            max_subscription_bytes: MAX_SUBSCRIPTION_BYTES,
            quote_deadline: Duration::from_secs(5),
            quote_contract: "AUTO".to_string(),
            quotes_per_channel: 500,
        }
    }
}

/// One symbol's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CandleOutcome {
    /// The candle symbol exactly as requested.
    pub symbol: String,
    pub result: Result<CandleSeries, CandleError>,
}

/// A snapshot of the pool's counters (for the benchmark breakdown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolStats {
    pub connections_opened: u64,
    pub connect_failures: u64,
    pub reconnects: u64,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub keepalives_sent: u64,
    pub channels_opened: u64,
    pub channels_refused: u64,
    pub subscriptions_added: u64,
    pub subscriptions_removed: u64,
    pub resubscriptions: u64,
    pub snapshots_completed: u64,
    pub snapshots_truncated: u64,
    pub candles_received: u64,
    pub timeouts: u64,
    pub server_errors: u64,
    pub malformed: u64,
    /// Quote subscriptions sent.
    pub quote_subscriptions: u64,
    /// Quote events received.
    pub quotes_received: u64,
    /// Quote requests that hit their deadline.
    pub quote_timeouts: u64,
}

impl PoolStats {
    /// What was counted since `earlier` (a snapshot of the same pool): the counters of one pass
    /// of a watch that keeps its pool between passes.
    pub fn since(&self, earlier: &PoolStats) -> PoolStats {
        let d = |now: u64, then: u64| now.saturating_sub(then);
        PoolStats {
            connections_opened: d(self.connections_opened, earlier.connections_opened),
            connect_failures: d(self.connect_failures, earlier.connect_failures),
            reconnects: d(self.reconnects, earlier.reconnects),
            messages_sent: d(self.messages_sent, earlier.messages_sent),
            messages_received: d(self.messages_received, earlier.messages_received),
            keepalives_sent: d(self.keepalives_sent, earlier.keepalives_sent),
            channels_opened: d(self.channels_opened, earlier.channels_opened),
            channels_refused: d(self.channels_refused, earlier.channels_refused),
            subscriptions_added: d(self.subscriptions_added, earlier.subscriptions_added),
            subscriptions_removed: d(self.subscriptions_removed, earlier.subscriptions_removed),
            resubscriptions: d(self.resubscriptions, earlier.resubscriptions),
            snapshots_completed: d(self.snapshots_completed, earlier.snapshots_completed),
            snapshots_truncated: d(self.snapshots_truncated, earlier.snapshots_truncated),
            candles_received: d(self.candles_received, earlier.candles_received),
            timeouts: d(self.timeouts, earlier.timeouts),
            server_errors: d(self.server_errors, earlier.server_errors),
            malformed: d(self.malformed, earlier.malformed),
            quote_subscriptions: d(self.quote_subscriptions, earlier.quote_subscriptions),
            quotes_received: d(self.quotes_received, earlier.quotes_received),
            quote_timeouts: d(self.quote_timeouts, earlier.quote_timeouts),
        }
    }
}

impl From<&FeedCounters> for PoolStats {
    fn from(c: &FeedCounters) -> PoolStats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        PoolStats {
            connections_opened: g(&c.connections_opened),
            connect_failures: g(&c.connect_failures),
            reconnects: g(&c.reconnects),
            messages_sent: g(&c.messages_sent),
            messages_received: g(&c.messages_received),
            keepalives_sent: g(&c.keepalives_sent),
            channels_opened: g(&c.channels_opened),
            channels_refused: g(&c.channels_refused),
            subscriptions_added: g(&c.subscriptions_added),
            subscriptions_removed: g(&c.subscriptions_removed),
            resubscriptions: g(&c.resubscriptions),
            snapshots_completed: g(&c.snapshots_completed),
            snapshots_truncated: g(&c.snapshots_truncated),
            candles_received: g(&c.candles_received),
            timeouts: g(&c.timeouts),
            server_errors: g(&c.server_errors),
            malformed: g(&c.malformed),
            quote_subscriptions: g(&c.quote_subscriptions),
            quotes_received: g(&c.quotes_received),
            quote_timeouts: g(&c.quote_timeouts),
        }
    }
}

/// The key that matches a subscribed candle symbol to the `eventSymbol` the server sends back:
/// the period `=1d` is the same as `=d`, and attribute order does not matter.
pub fn candle_symbol_key(symbol: &str) -> String {
    let (base, attrs) = split_candle_symbol(symbol);
    if attrs.is_empty() {
        return symbol.to_string();
    }
    let mut parts: Vec<String> = attrs
        .split(',')
        .map(|a| {
            let a = a.trim();
            match a.strip_prefix('=') {
                Some(p) => {
                    let digits = p.len() - p.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                    if digits > 0 && &p[..digits] == "1" && digits < p.len() {
                        format!("={}", &p[1..])
                    } else {
                        a.to_string()
                    }
                }
                None => a.to_string(),
            }
        })
        .collect();
    parts.sort();
    format!("{base}{{{}}}", parts.join(","))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pool of DXLink connections fetching daily candle snapshots.
pub struct CandlePool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for CandlePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CandlePool")
            .field("config", &self.shared.cfg)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl CandlePool {
    /// Start opening `cfg.connections` connections in the background and return at once. Must be
    /// called within a tokio runtime. Connection problems surface later, per symbol.
    pub fn connect(
        url: impl Into<String>,
        quote_token: impl Into<StreamerToken>,
        cfg: DxLinkConfig,
    ) -> CandlePool {
        let mut opts = ConnectOptions::new(url, quote_token.into());
        opts.keepalive_timeout = Duration::from_secs(cfg.keepalive_timeout_secs.max(1));
        opts.handshake_timeout = cfg.handshake_timeout;
        let n = cfg.connections.max(1);
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            cfg,
            opts,
            candles: JobQueue::new(),
            quotes: JobQueue::new(),
            work: Notify::new(),
            shutdown,
            closed: AtomicBool::new(false),
            counters: Arc::new(FeedCounters::default()),
            live: AtomicUsize::new(n),
            generation: AtomicU64::new(0),
            last_error: Mutex::new("not connected".to_string()),
        });
        let workers = (0..n)
            .map(|_| tokio::spawn(worker(shared.clone())))
            .collect();
        CandlePool { shared, workers }
    }

    /// Start a call: open its request (distinct symbols, outcome channel, deadline), queue one job
    /// per symbol (`job` turns the symbol's ticket into a job of its kind) and watch the deadline.
    fn submit<J: QueuedJob>(
        &self,
        symbols: Vec<String>,
        job: impl Fn(Ticket<J::Outcome>) -> J,
    ) -> mpsc::Receiver<J::Outcome> {
        let shared = &self.shared;
        let closed = shared.closed.load(Ordering::SeqCst);
        let (rx, opened) = Request::<J::Outcome>::open(symbols, &shared.cfg, closed);
        let Some((request, symbols, deadline)) = opened else {
            return rx;
        };
        let jobs = symbols
            .into_iter()
            .map(|symbol| {
                job(Ticket {
                    symbol,
                    deadline,
                    request: request.clone(),
                })
            })
            .collect();
        shared.enqueue(jobs);
        let after = <J::Outcome as SymbolOutcome>::deadline(&shared.cfg);
        request.watch_deadline(
            deadline,
            after,
            shared.shutdown.subscribe(),
            shared.counters.clone(),
        );
        rx
    }

    /// Fetch the daily candles of `symbols` (candle symbols such as `AAPL{=1d}`) from `from_time_ms`.
    /// Outcomes stream in as snapshots complete, one per distinct symbol (duplicates in `symbols`
    /// are fetched once); the receiver closes after the last.
    pub fn fetch(&self, symbols: Vec<String>, from_time_ms: i64) -> mpsc::Receiver<CandleOutcome> {
        self.submit(symbols, |ticket| CandleJob {
            key: candle_symbol_key(&ticket.symbol),
            ticket,
            from_time: from_time_ms,
            attempts: 0,
            blame: 0.0,
        })
    }

    /// Fetch one Quote (bid, ask and their sizes) for each of `symbols`, DXLink streamer symbols
    /// such as `.AAPL261218C200` or `./EW4N23C3990:XCME`, over the pool's connections (no extra
    /// connection: see the module docs). Outcomes stream in as quotes arrive, one per distinct
    /// symbol; a symbol not quoted within `quote_deadline` gets [`QuoteError::Timeout`]. The
    /// receiver closes after the last outcome. Runs concurrently with [`CandlePool::fetch`].
    pub fn quotes(&self, symbols: Vec<String>) -> mpsc::Receiver<QuoteOutcome> {
        self.submit(symbols, |ticket: QuoteTicket| ticket)
    }

    /// [`CandlePool::quotes`] and wait for every outcome.
    pub async fn quotes_all(
        &self,
        symbols: Vec<String>,
    ) -> HashMap<String, Result<OptionQuote, QuoteError>> {
        collect(self.quotes(symbols)).await
    }

    /// [`CandlePool::fetch`] and wait for every outcome.
    pub async fn fetch_all(
        &self,
        symbols: Vec<String>,
        from_time_ms: i64,
    ) -> HashMap<String, Result<CandleSeries, CandleError>> {
        collect(self.fetch(symbols, from_time_ms)).await
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        PoolStats::from(&*self.shared.counters)
    }

    /// The configuration in use.
    pub fn config(&self) -> &DxLinkConfig {
        &self.shared.cfg
    }

    /// Close every connection; unresolved symbols get [`CandleError::Shutdown`].
    pub async fn shutdown(mut self) {
        self.signal_shutdown();
        for w in std::mem::take(&mut self.workers) {
            let _ = w.await;
        }
    }

    fn signal_shutdown(&self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.shutdown.send_replace(true);
        self.shared.drain(CandleError::Shutdown);
        self.shared.work.notify_waiters();
    }
}

/// Every outcome of a call, by symbol.
async fn collect<O: SymbolOutcome>(
    mut rx: mpsc::Receiver<O>,
) -> HashMap<String, Result<O::Value, O::Error>> {
    let mut out = HashMap::new();
    while let Some(o) = rx.recv().await {
        let (symbol, result) = o.into_parts();
        out.insert(symbol, result);
    }
    out
}

impl Drop for CandlePool {
    fn drop(&mut self) {
        if !self.shared.closed.load(Ordering::SeqCst) {
            self.signal_shutdown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_keys_normalise_the_period() {
        assert_eq!(candle_symbol_key("AAPL{=1d}"), "AAPL{=d}");
        assert_eq!(candle_symbol_key("AAPL{=d}"), "AAPL{=d}");
        assert_eq!(candle_symbol_key("AAPL{=10d}"), "AAPL{=10d}");
        assert_eq!(
            candle_symbol_key("/ESZ26:XCME{tho=true,=1d}"),
            candle_symbol_key("/ESZ26:XCME{=d,tho=true}")
        );
        assert_eq!(candle_symbol_key("AAPL"), "AAPL");
    }

    #[test]
    fn stats_since_an_earlier_snapshot_count_what_came_after() {
        let earlier = PoolStats {
            connections_opened: 4,
            subscriptions_added: 30,
            quotes_received: 10,
            ..PoolStats::default()
        };
        let now = PoolStats {
            connections_opened: 4,
            subscriptions_added: 30,
            quotes_received: 16,
            reconnects: 1,
            ..PoolStats::default()
        };
        let d = now.since(&earlier);
        assert_eq!(
            (
                d.connections_opened,
                d.subscriptions_added,
                d.quotes_received,
                d.reconnects
            ),
            (0, 0, 6, 1)
        );
        assert_eq!(now.since(&PoolStats::default()), now);
        assert_eq!(earlier.since(&now).quotes_received, 0, "never below zero");
    }

    #[test]
    fn default_sizes_respect_the_demo_limits() {
        let c = DxLinkConfig::default();
        assert!(c.connections <= 4);
        assert!(c.channels_per_connection <= 10);
        assert!(c.snapshots_per_channel <= 4);
        assert_eq!(c.contract, "HISTORY");
    }
}
