//! The candle batch fetcher: a pool of DXLink connections × FEED channels that turns a list of
//! candle symbols into a stream of per-symbol outcomes.
//!
//! Scheduling: one shared FIFO of jobs (one per symbol and batch). Each connection slot runs a worker
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
//! worker is in that state the queued symbols fail with [`CandleError::Connection`]. Each batch has a
//! deadline: whatever is unresolved then becomes [`CandleError::Timeout`]. Every distinct requested
//! symbol gets exactly one [`CandleOutcome`], and the receiver closes after the last one.
//!
//! Quotes ([`CandlePool::quotes`]) ride on the same connections, in a second FIFO: a connection
//! with quote work opens one FEED channel of contract `quote_contract` (`AUTO`) with its own
//! `FEED_SETUP` for the Quote fields, subscribes up to `quotes_per_channel` streamer symbols on it
//! (chunked like candles), and resolves each symbol with its first Quote event, unsubscribing it at
//! once. The quote channel takes one of the connection's `channels_per_connection` slots (servers
//! cap channels per connection, and candles use them all): the least-loaded candle channel stops
//! taking snapshots, is cancelled (`CHANNEL_CANCEL`) once its snapshots are done, and its slot is
//! given back to candles (a fresh candle channel) only when the quote channel is idle and candle
//! work is waiting, so repeated quote batches do not churn channels. Each quote has its own
//! deadline (`quote_deadline`, from the `quotes` call): a symbol the server never quotes (the real
//! service sends nothing for unknown symbols) ends as [`QuoteError::Timeout`]; a dropped socket
//! puts the missing quotes back in the queue. Every distinct symbol gets exactly one
//! [`QuoteOutcome`].

use super::connection::{bump, ConnEvent, ConnectOptions, Connection, Counters};
use super::decode::QuoteEvent;
use super::error::{CandleError, QuoteError};
use super::protocol::{QuoteToken, SubscriptionItem, MAX_SUBSCRIPTION_BYTES};
use super::quote::{OptionQuote, QuoteOutcome};
use super::snapshot::{CandleSeries, SnapshotAssembler};
use crate::symbol::split_candle_symbol;
use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

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

/// A per-symbol outcome a batch delivers.
trait Outcome: Send + 'static {
    type Value;
    type Error: Clone + Send + 'static;
    fn new(symbol: String, result: Result<Self::Value, Self::Error>) -> Self;
}

impl Outcome for CandleOutcome {
    type Value = CandleSeries;
    type Error = CandleError;
    fn new(symbol: String, result: Result<CandleSeries, CandleError>) -> CandleOutcome {
        CandleOutcome { symbol, result }
    }
}

impl Outcome for QuoteOutcome {
    type Value = OptionQuote;
    type Error = QuoteError;
    fn new(symbol: String, result: Result<OptionQuote, QuoteError>) -> QuoteOutcome {
        QuoteOutcome { symbol, result }
    }
}

struct BatchState<O> {
    tx: Option<mpsc::Sender<O>>,
    pending: HashSet<String>,
}

/// The symbols of one `fetch` (or `quotes`) call and where their outcomes go.
struct Batch<O = CandleOutcome> {
    state: Mutex<BatchState<O>>,
    done: Notify,
}

impl<O: Outcome> Batch<O> {
    /// Deliver `symbol`'s outcome unless it already has one. True when this call delivered it.
    fn resolve(&self, symbol: &str, result: Result<O::Value, O::Error>) -> bool {
        self.resolve_counted(symbol, result, None)
    }

    /// [`Batch::resolve`], bumping `counter` (when given) *before* the outcome is sent, so whoever
    /// receives the outcome already sees it counted in the pool's stats.
    fn resolve_counted(
        &self,
        symbol: &str,
        result: Result<O::Value, O::Error>,
        counter: Option<&AtomicU64>,
    ) -> bool {
        let mut st = lock(&self.state);
        if !st.pending.remove(symbol) {
            return false;
        }
        if let Some(c) = counter {
            bump(c, 1);
        }
        if let Some(tx) = &st.tx {
            let _ = tx.try_send(O::new(symbol.to_string(), result));
        }
        if st.pending.is_empty() {
            st.tx = None; // closes the receiver after the last outcome
            self.done.notify_one();
        }
        true
    }

    /// Resolve everything still pending with `err`; returns how many.
    fn resolve_all(&self, err: O::Error) -> usize {
        self.resolve_all_counted(err, None)
    }

    /// [`Batch::resolve_all`], counting each resolution in `counter` before it is sent.
    fn resolve_all_counted(&self, err: O::Error, counter: Option<&AtomicU64>) -> usize {
        let pending: Vec<String> = lock(&self.state).pending.iter().cloned().collect();
        pending
            .iter()
            .filter(|s| self.resolve_counted(s, Err(err.clone()), counter))
            .count()
    }

    /// Still wanted: unresolved and somebody is listening.
    fn wants(&self, symbol: &str) -> bool {
        let st = lock(&self.state);
        st.pending.contains(symbol) && st.tx.as_ref().is_some_and(|t| !t.is_closed())
    }
}

/// One symbol of a batch, waiting for its outcome: what candle jobs and quote jobs share.
struct Ticket<O: Outcome> {
    symbol: String,
    deadline: Instant,
    batch: Arc<Batch<O>>,
}

impl<O: Outcome> Ticket<O> {
    fn wanted(&self) -> bool {
        self.batch.wants(&self.symbol)
    }

    fn resolve(&self, result: Result<O::Value, O::Error>) -> bool {
        self.batch.resolve(&self.symbol, result)
    }

    /// Resolve with `result`, counted in `counter` before it is sent.
    fn resolve_counted(&self, result: Result<O::Value, O::Error>, counter: &AtomicU64) {
        self.batch
            .resolve_counted(&self.symbol, result, Some(counter));
    }
}

/// One candle symbol of a `fetch` batch.
struct Job {
    ticket: Ticket<CandleOutcome>,
    key: String,
    from_time: i64,
    /// Sockets that dropped while this job was in flight, and the share of blame for them.
    attempts: u32,
    blame: f64,
}

/// A candle job is its ticket plus scheduling state; it reads as the ticket (symbol, deadline,
/// wanted, resolve).
impl std::ops::Deref for Job {
    type Target = Ticket<CandleOutcome>;

    fn deref(&self) -> &Ticket<CandleOutcome> {
        &self.ticket
    }
}

/// One streamer symbol of a `quotes` batch.
type QuoteJob = Ticket<QuoteOutcome>;

struct Shared {
    cfg: DxLinkConfig,
    opts: ConnectOptions,
    queue: Mutex<VecDeque<Job>>,
    /// Quote jobs, FIFO.
    quotes: Mutex<VecDeque<QuoteJob>>,
    work: Notify,
    shutdown: watch::Sender<bool>,
    closed: AtomicBool,
    counters: Arc<Counters>,
    /// Workers not idling after exhausting their connect attempts.
    live: AtomicUsize,
    /// Bumped by every `fetch`: a worker that gave up connecting retries only for new work.
    generation: AtomicU64,
    last_error: Mutex<String>,
}

impl Shared {
    fn has_work(&self) -> bool {
        self.has_candle_work() || self.has_quote_work()
    }

    fn has_candle_work(&self) -> bool {
        lock(&self.queue).iter().any(|j| j.wanted())
    }

    fn has_quote_work(&self) -> bool {
        lock(&self.quotes).iter().any(QuoteJob::wanted)
    }

    /// Put quote jobs back at the front of the quote queue (in their order) and wake the workers.
    fn requeue_quotes(&self, jobs: Vec<QuoteJob>) {
        if jobs.is_empty() {
            return;
        }
        {
            let mut q = lock(&self.quotes);
            for j in jobs.into_iter().rev() {
                q.push_front(j);
            }
        }
        self.work.notify_waiters();
    }

    /// Put jobs back at the front of the queue (in their order) and wake the workers.
    fn requeue(&self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        {
            let mut q = lock(&self.queue);
            for j in jobs.into_iter().rev() {
                q.push_front(j);
            }
        }
        self.work.notify_waiters();
    }

    /// Fail every queued job with `err` (queued quotes with its quote counterpart).
    fn drain(&self, err: CandleError) {
        let jobs: Vec<Job> = lock(&self.queue).drain(..).collect();
        for j in jobs {
            j.resolve(Err(err.clone()));
        }
        let quote_err = match &err {
            CandleError::Timeout(_) => QuoteError::Timeout(self.cfg.quote_deadline),
            CandleError::Connection(reason) => QuoteError::Connection(reason.clone()),
            CandleError::Dropped(n) => QuoteError::Connection(format!("socket dropped {n} times")),
            CandleError::Shutdown => QuoteError::Shutdown,
        };
        let quotes: Vec<QuoteJob> = lock(&self.quotes).drain(..).collect();
        for j in quotes {
            j.resolve(Err(quote_err.clone()));
        }
    }

    fn backoff(&self, n: u32) -> Duration {
        if n == 0 {
            return Duration::ZERO;
        }
        let base = self
            .cfg
            .backoff_initial
            .saturating_mul(1u32 << (n - 1).min(16))
            .min(self.cfg.backoff_max);
        // Up to 25 % jitter, from the clock (no RNG crate needed for this).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }
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
        quote_token: impl Into<QuoteToken>,
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
            queue: Mutex::new(VecDeque::new()),
            quotes: Mutex::new(VecDeque::new()),
            work: Notify::new(),
            shutdown,
            closed: AtomicBool::new(false),
            counters: Arc::new(Counters::default()),
            live: AtomicUsize::new(n),
            generation: AtomicU64::new(0),
            last_error: Mutex::new("not connected".to_string()),
        });
        let workers = (0..n)
            .map(|_| tokio::spawn(worker(shared.clone())))
            .collect();
        CandlePool { shared, workers }
    }

    /// Start a batch: de-duplicate `symbols` (first occurrence kept), open the outcome channel and
    /// the batch, and compute its deadline. `None` when there is nothing to schedule: no symbols,
    /// or the pool is shut down (then every symbol has already been resolved with `shutdown`).
    #[allow(clippy::type_complexity)]
    fn open_batch<O: Outcome>(
        &self,
        symbols: Vec<String>,
        deadline_after: Duration,
        shutdown: O::Error,
    ) -> (
        mpsc::Receiver<O>,
        Option<(Arc<Batch<O>>, Vec<String>, Instant)>,
    ) {
        let mut seen = HashSet::new();
        let symbols: Vec<String> = symbols
            .into_iter()
            .filter(|s| seen.insert(s.clone()))
            .collect();
        let (tx, rx) = mpsc::channel(symbols.len().max(1));
        if symbols.is_empty() {
            return (rx, None);
        }
        let batch = Arc::new(Batch {
            state: Mutex::new(BatchState {
                tx: Some(tx),
                pending: seen,
            }),
            done: Notify::new(),
        });
        if self.shared.closed.load(Ordering::SeqCst) {
            batch.resolve_all(shutdown);
            return (rx, None);
        }
        let now = Instant::now();
        let deadline = now
            .checked_add(deadline_after)
            .unwrap_or_else(|| now + Duration::from_secs(10 * 365 * 86_400));
        (rx, Some((batch, symbols, deadline)))
    }

    /// Fetch the daily candles of `symbols` (candle symbols such as `AAPL{=1d}`) from `from_time_ms`.
    /// Outcomes stream in as snapshots complete, one per distinct symbol (duplicates in `symbols`
    /// are fetched once); the receiver closes after the last.
    pub fn fetch(&self, symbols: Vec<String>, from_time_ms: i64) -> mpsc::Receiver<CandleOutcome> {
        let deadline_after = self.shared.cfg.symbol_deadline;
        let (rx, opened) = self.open_batch(symbols, deadline_after, CandleError::Shutdown);
        let Some((batch, symbols, deadline)) = opened else {
            return rx;
        };
        {
            let mut q = lock(&self.shared.queue);
            // Drop leftovers of finished batches so the queue stays small.
            q.retain(|j| j.wanted());
            for symbol in symbols {
                q.push_back(Job {
                    key: candle_symbol_key(&symbol),
                    ticket: Ticket {
                        symbol,
                        deadline,
                        batch: batch.clone(),
                    },
                    from_time: from_time_ms,
                    attempts: 0,
                    blame: 0.0,
                });
            }
        }
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.work.notify_waiters();
        self.watch_deadline(
            batch,
            deadline,
            CandleError::Timeout(deadline_after),
            CandleError::Shutdown,
            |c| &c.timeouts,
        );
        rx
    }

    /// The batch deadline: whatever is still unresolved then (queued or in flight) fails with
    /// `timeout` (`on_timeout` gets how many); on shutdown with `shutdown_err`.
    fn watch_deadline<O: Outcome>(
        &self,
        batch: Arc<Batch<O>>,
        deadline: Instant,
        timeout: O::Error,
        shutdown_err: O::Error,
        counter: fn(&Counters) -> &AtomicU64,
    ) {
        let mut shutdown = self.shared.shutdown.subscribe();
        let counters = self.shared.counters.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    batch.resolve_all_counted(timeout, Some(counter(&counters)));
                }
                _ = batch.done.notified() => {}
                _ = shutdown.wait_for(|s| *s) => {
                    batch.resolve_all(shutdown_err);
                }
            }
        });
    }

    /// Fetch one Quote (bid, ask and their sizes) for each of `symbols`, DXLink streamer symbols
    /// such as `.AAPL261218C200` or `./EW4N23C3990:XCME`, over the pool's connections (no extra
    /// connection: see the module docs). Outcomes stream in as quotes arrive, one per distinct
    /// symbol; a symbol not quoted within `quote_deadline` gets [`QuoteError::Timeout`]. The
    /// receiver closes after the last outcome. Runs concurrently with [`CandlePool::fetch`].
    pub fn quotes(&self, symbols: Vec<String>) -> mpsc::Receiver<QuoteOutcome> {
        let deadline_after = self.shared.cfg.quote_deadline;
        let (rx, opened) = self.open_batch(symbols, deadline_after, QuoteError::Shutdown);
        let Some((batch, symbols, deadline)) = opened else {
            return rx;
        };
        {
            let mut q = lock(&self.shared.quotes);
            q.retain(QuoteJob::wanted);
            q.extend(symbols.into_iter().map(|symbol| QuoteJob {
                symbol,
                deadline,
                batch: batch.clone(),
            }));
        }
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        self.shared.work.notify_waiters();
        self.watch_deadline(
            batch,
            deadline,
            QuoteError::Timeout(deadline_after),
            QuoteError::Shutdown,
            |c| &c.quote_timeouts,
        );
        rx
    }

    /// [`CandlePool::quotes`] and wait for every outcome.
    pub async fn quotes_all(
        &self,
        symbols: Vec<String>,
    ) -> HashMap<String, Result<OptionQuote, QuoteError>> {
        let mut rx = self.quotes(symbols);
        let mut out = HashMap::new();
        while let Some(o) = rx.recv().await {
            out.insert(o.symbol, o.result);
        }
        out
    }

    /// [`CandlePool::fetch`] and wait for every outcome.
    pub async fn fetch_all(
        &self,
        symbols: Vec<String>,
        from_time_ms: i64,
    ) -> HashMap<String, Result<CandleSeries, CandleError>> {
        let mut rx = self.fetch(symbols, from_time_ms);
        let mut out = HashMap::new();
        while let Some(o) = rx.recv().await {
            out.insert(o.symbol, o.result);
        }
        out
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        let c = &self.shared.counters;
        let g = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
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

impl Drop for CandlePool {
    fn drop(&mut self) {
        if !self.shared.closed.load(Ordering::SeqCst) {
            self.signal_shutdown();
        }
    }
}

/// Wait until there is queued work (true) or the pool shuts down (false).
async fn wait_for_work(shared: &Shared, shutdown: &mut watch::Receiver<bool>) -> bool {
    loop {
        let mut notified = pin!(shared.work.notified());
        notified.as_mut().enable();
        if *shutdown.borrow() {
            return false;
        }
        if shared.has_work() {
            return true;
        }
        tokio::select! {
            _ = notified => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Wait until a `fetch` after generation `seen` queued work (true) or the pool shuts down (false).
async fn wait_for_new_work(
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
    mut seen: u64,
) -> bool {
    loop {
        let mut notified = pin!(shared.work.notified());
        notified.as_mut().enable();
        if *shutdown.borrow() {
            return false;
        }
        let now = shared.generation.load(Ordering::SeqCst);
        if now != seen {
            if shared.has_work() {
                return true;
            }
            seen = now;
        }
        tokio::select! {
            _ = notified => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Sleep `d` unless the pool shuts down first (false).
async fn sleep_unless_shutdown(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if d.is_zero() {
        return !*shutdown.borrow();
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = shutdown.wait_for(|s| *s) => return false,
    }
    !*shutdown.borrow()
}

/// One connection slot: connect, serve sessions, reconnect.
async fn worker(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut failures = 0u32;
    let mut sessions = 0u64;
    let mut drops_in_row = 0u32;
    let max_window =
        shared.cfg.channels_per_connection.max(1) * shared.cfg.snapshots_per_channel.max(1);
    let mut window = max_window;
    // The first connect is eager, so connecting overlaps whatever the caller does before `fetch`.
    let mut eager = true;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if !eager && !wait_for_work(&shared, &mut shutdown).await {
            return;
        }
        let conn = tokio::select! {
            r = Connection::open(&shared.opts, shared.counters.clone()) => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                bump(&shared.counters.connect_failures, 1);
                *lock(&shared.last_error) = e.to_string();
                failures += 1;
                if failures >= shared.cfg.connect_attempts.max(1) {
                    // Give up until a later `fetch` brings new work.
                    failures = 0;
                    let seen = shared.generation.load(Ordering::SeqCst);
                    if shared.live.fetch_sub(1, Ordering::SeqCst) == 1 {
                        // Nobody can serve the queue: fail it rather than let it wait for the deadline.
                        let reason = lock(&shared.last_error).clone();
                        shared.drain(CandleError::Connection(reason));
                    }
                    let more = wait_for_new_work(&shared, &mut shutdown, seen).await;
                    shared.live.fetch_add(1, Ordering::SeqCst);
                    if !more {
                        return;
                    }
                } else if !sleep_unless_shutdown(shared.backoff(failures), &mut shutdown).await {
                    return;
                }
                eager = true;
                continue;
            }
        };
        failures = 0;
        bump(&shared.counters.connections_opened, 1);
        if sessions > 0 {
            bump(&shared.counters.reconnects, 1);
        }
        sessions += 1;
        let mut session = Session::new(&shared, conn, window);
        let end = session.run(&mut shutdown).await;
        window = session.window;
        match end {
            SessionEnd::Shutdown => {
                session.resolve_all(CandleError::Shutdown);
                session.conn.close().await;
                return;
            }
            SessionEnd::Dropped(reason) => {
                *lock(&shared.last_error) = reason;
                if session.completed_any {
                    drops_in_row = 0;
                }
                drops_in_row += 1;
                let in_flight = session.requeue_all();
                if in_flight > 0 {
                    window = (in_flight / 2).max(1);
                }
                drop(session);
                // The first reconnect after a working session is immediate; repeated drops back off.
                let delay = shared.backoff(drops_in_row.saturating_sub(1));
                if !sleep_unless_shutdown(delay, &mut shutdown).await {
                    return;
                }
                eager = shared.has_work();
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChanState {
    Requested,
    Open,
    Dead,
    /// Cancelled by us: its slot is lent to the quote channel.
    Cancelled,
}

/// One symbol subscribed on a channel, and the jobs waiting for it.
struct Flight {
    wire: String,
    from_time: i64,
    jobs: Vec<Job>,
}

struct Chan {
    id: u64,
    state: ChanState,
    /// Takes no new snapshots: it is cancelled for the quote channel once its flights are done.
    retiring: bool,
    /// By [`candle_symbol_key`].
    flights: HashMap<String, Flight>,
    assembler: SnapshotAssembler,
}

/// The connection's quote channel and the quotes subscribed on it, by streamer symbol.
struct QuoteChan {
    id: u64,
    state: ChanState,
    flights: HashMap<String, Vec<QuoteJob>>,
}

/// Refused quote channels after which a session stops asking for one (other connections or the
/// deadline take over).
const MAX_QUOTE_CHANNEL_REFUSALS: u32 = 3;

enum SessionEnd {
    Shutdown,
    Dropped(String),
}

/// One connected socket's channels and in-flight snapshots.
struct Session<'a> {
    shared: &'a Shared,
    conn: Connection,
    chans: Vec<Chan>,
    completed_any: bool,
    /// Snapshots this connection may keep in flight (congestion window, see the module docs).
    window: usize,
    max_window: usize,
    quote: Option<QuoteChan>,
    /// The candle channel (index in `chans`) whose slot the quote channel uses.
    lent: Option<usize>,
    quote_refusals: u32,
    /// The next odd channel number to request.
    next_id: u64,
}

impl<'a> Session<'a> {
    fn new(shared: &'a Shared, conn: Connection, window: usize) -> Session<'a> {
        let chans = (0..shared.cfg.channels_per_connection.max(1))
            .map(|i| Chan {
                id: 2 * i as u64 + 1,
                state: ChanState::Requested,
                retiring: false,
                flights: HashMap::new(),
                assembler: SnapshotAssembler::new(),
            })
            .collect::<Vec<_>>();
        let next_id = 2 * chans.len() as u64 + 1;
        let max_window =
            shared.cfg.channels_per_connection.max(1) * shared.cfg.snapshots_per_channel.max(1);
        Session {
            shared,
            conn,
            chans,
            completed_any: false,
            window: window.clamp(1, max_window),
            max_window,
            quote: None,
            lent: None,
            quote_refusals: 0,
            next_id,
        }
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 2;
        id
    }

    async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> SessionEnd {
        let shared = self.shared;
        let cfg = &shared.cfg;
        for ch in &self.chans {
            if !self
                .conn
                .open_feed_channel(ch.id, &cfg.contract, cfg.aggregation_period)
            {
                return SessionEnd::Dropped("socket closed".into());
            }
        }
        loop {
            let mut notified = pin!(shared.work.notified());
            notified.as_mut().enable();
            if *shutdown.borrow() {
                return SessionEnd::Shutdown;
            }
            if !self.manage_quote_channel() || !self.fill() || !self.fill_quotes() {
                return SessionEnd::Dropped("socket closed".into());
            }
            if self.chans.iter().all(|c| c.state == ChanState::Dead) {
                return SessionEnd::Dropped("every channel was refused".into());
            }
            let quote_deadline = self
                .quote
                .iter()
                .flat_map(|q| q.flights.values().flatten())
                .map(|j| j.deadline)
                .min();
            let next_deadline = self
                .chans
                .iter()
                .flat_map(|c| c.flights.values())
                .flat_map(|f| f.jobs.iter().map(|j| j.deadline))
                .chain(quote_deadline)
                .min();
            let expire_at = pin!(async move {
                match next_deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            });
            tokio::select! {
                biased;
                _ = shutdown.changed() => {}
                ev = self.conn.recv() => {
                    let Some(ev) = ev else {
                        return SessionEnd::Dropped("socket closed".into());
                    };
                    if let Some(end) = self.on_event(ev) {
                        return end;
                    }
                }
                _ = expire_at => self.expire(),
                _ = notified => {}
            }
        }
    }

    fn chan_mut(&mut self, id: u64) -> Option<&mut Chan> {
        self.chans.iter_mut().find(|c| c.id == id)
    }

    fn on_event(&mut self, ev: ConnEvent) -> Option<SessionEnd> {
        let counters = &self.shared.counters;
        match ev {
            ConnEvent::Closed(reason) => return Some(SessionEnd::Dropped(reason)),
            ConnEvent::AuthLost => {
                return Some(SessionEnd::Dropped("authorization lost".into()));
            }
            ConnEvent::ChannelOpened(id) => {
                if let Some(q) = self.quote.as_mut().filter(|q| q.id == id) {
                    if q.state == ChanState::Requested {
                        q.state = ChanState::Open;
                        bump(&counters.channels_opened, 1);
                    }
                } else if let Some(ch) = self.chan_mut(id) {
                    if ch.state == ChanState::Requested {
                        ch.state = ChanState::Open;
                        bump(&counters.channels_opened, 1);
                    }
                }
            }
            ConnEvent::ChannelClosed(id) => {
                if self.quote.as_ref().is_some_and(|q| q.id == id) {
                    self.drop_quote_channel();
                } else {
                    self.kill_channel(id);
                }
            }
            ConnEvent::ServerError { channel, .. }
                if self
                    .quote
                    .as_ref()
                    .is_some_and(|q| q.id == channel && q.state == ChanState::Requested) =>
            {
                bump(&counters.channels_refused, 1);
                self.quote_refusals += 1;
                self.drop_quote_channel();
            }
            ConnEvent::Quotes { channel, events } => return self.on_quotes(channel, events),
            ConnEvent::ServerError { channel, .. } => {
                // An error on a channel that never opened is a refusal (e.g. too many channels).
                let refused = channel != 0
                    && self
                        .chans
                        .iter()
                        .any(|c| c.id == channel && c.state == ChanState::Requested);
                if refused {
                    bump(&counters.channels_refused, 1);
                    self.kill_channel(channel);
                }
            }
            ConnEvent::Candles { channel, events } => {
                let ch = self.chans.iter_mut().find(|c| c.id == channel)?;
                let mut removes = Vec::new();
                let mut completed = Vec::new();
                for mut ev in events {
                    let key = candle_symbol_key(&ev.symbol);
                    if !ch.flights.contains_key(&key) {
                        continue; // late updates of something already complete, or not ours
                    }
                    ev.symbol = key;
                    let Some((key, series)) = ch.assembler.push(ev) else {
                        continue;
                    };
                    let Some(flight) = ch.flights.remove(&key) else {
                        continue;
                    };
                    removes.push(SubscriptionItem::candle_remove(&flight.wire));
                    completed.push((flight.jobs, series));
                }
                // Unsubscribe first, so the counters are final when a caller sees the outcome.
                let mut gone = false;
                if !removes.is_empty() {
                    bump(&counters.subscriptions_removed, removes.len() as u64);
                    gone = self
                        .conn
                        .subscribe(
                            channel,
                            &[],
                            &removes,
                            self.shared.cfg.max_subscription_bytes,
                        )
                        .is_none();
                }
                for (jobs, series) in completed {
                    bump(&counters.snapshots_completed, 1);
                    if series.truncated {
                        bump(&counters.snapshots_truncated, 1);
                    }
                    self.completed_any = true;
                    self.window = (self.window + 1).min(self.max_window);
                    for job in jobs {
                        job.resolve(Ok(series.clone()));
                    }
                }
                if gone {
                    return Some(SessionEnd::Dropped("socket closed".into()));
                }
            }
        }
        None
    }

    /// A channel is gone: its jobs go back to the queue (no attempt counted: not the symbol's fault).
    fn kill_channel(&mut self, id: u64) {
        let Some(ch) = self.chan_mut(id) else { return };
        if ch.state == ChanState::Cancelled {
            return; // our own CHANNEL_CANCEL answered
        }
        ch.state = ChanState::Dead;
        ch.retiring = false;
        ch.assembler = SnapshotAssembler::new();
        let jobs: Vec<Job> = ch
            .flights
            .drain()
            .flat_map(|(_, f)| f.jobs)
            .filter(|j| j.wanted())
            .collect();
        self.shared.requeue(jobs);
    }

    /// Drop in-flight jobs that are resolved or past their deadline; unsubscribe emptied flights.
    fn expire(&mut self) {
        self.expire_quotes();
        let now = Instant::now();
        let counters = &self.shared.counters;
        for ch in &mut self.chans {
            let mut removes = Vec::new();
            ch.flights.retain(|key, flight| {
                flight.jobs.retain(|job| {
                    if !job.wanted() {
                        false
                    } else if job.deadline <= now {
                        job.resolve_counted(
                            Err(CandleError::Timeout(self.shared.cfg.symbol_deadline)),
                            &counters.timeouts,
                        );
                        false
                    } else {
                        true
                    }
                });
                if flight.jobs.is_empty() {
                    ch.assembler.forget(key);
                    removes.push(SubscriptionItem::candle_remove(&flight.wire));
                    false
                } else {
                    true
                }
            });
            if !removes.is_empty() {
                bump(&counters.subscriptions_removed, removes.len() as u64);
                let _ = self.conn.subscribe(
                    ch.id,
                    &[],
                    &removes,
                    self.shared.cfg.max_subscription_bytes,
                );
            }
        }
    }

    /// The quote-channel part of [`Session::expire`]: resolved or expired quotes leave, and are
    /// unsubscribed.
    fn expire_quotes(&mut self) {
        let now = Instant::now();
        let shared = self.shared;
        let Some(q) = self.quote.as_mut() else { return };
        let mut removes = Vec::new();
        q.flights.retain(|symbol, jobs| {
            jobs.retain(|job| {
                if !job.wanted() {
                    false
                } else if job.deadline <= now {
                    job.resolve_counted(
                        Err(QuoteError::Timeout(shared.cfg.quote_deadline)),
                        &shared.counters.quote_timeouts,
                    );
                    false
                } else {
                    true
                }
            });
            if jobs.is_empty() {
                removes.push(SubscriptionItem::quote(symbol));
            }
            !jobs.is_empty()
        });
        if !removes.is_empty() {
            let _ = self
                .conn
                .subscribe(q.id, &[], &removes, shared.cfg.max_subscription_bytes);
        }
    }

    /// Quote events arrived: the first one of each subscribed symbol resolves its jobs, and the
    /// symbol is unsubscribed.
    fn on_quotes(&mut self, channel: u64, events: Vec<QuoteEvent>) -> Option<SessionEnd> {
        let q = self.quote.as_mut().filter(|q| q.id == channel)?;
        let mut removes = Vec::new();
        let mut done = Vec::new();
        for ev in &events {
            if let Some(jobs) = q.flights.remove(&ev.symbol) {
                removes.push(SubscriptionItem::quote(&ev.symbol));
                done.push((jobs, OptionQuote::from(ev)));
            }
        }
        let gone = !removes.is_empty()
            && self
                .conn
                .subscribe(
                    channel,
                    &[],
                    &removes,
                    self.shared.cfg.max_subscription_bytes,
                )
                .is_none();
        for (jobs, quote) in done {
            for job in jobs {
                job.resolve(Ok(quote));
            }
        }
        gone.then(|| SessionEnd::Dropped("socket closed".into()))
    }

    /// The quote channel closed or was refused: its quotes go back to the queue.
    fn drop_quote_channel(&mut self) {
        if let Some(q) = self.quote.take() {
            let jobs = q
                .flights
                .into_values()
                .flatten()
                .filter(QuoteJob::wanted)
                .collect();
            self.shared.requeue_quotes(jobs);
        }
    }

    /// Open, keep or give back the quote channel (see the module docs). False when the socket is
    /// gone.
    fn manage_quote_channel(&mut self) -> bool {
        let shared = self.shared;
        let quote_work = shared.has_quote_work();
        if let Some(q) = &self.quote {
            let idle = q.flights.is_empty() && !quote_work;
            if !idle || !shared.has_candle_work() {
                return true;
            }
            // Candles wait and quotes are done: the slot goes back to a fresh candle channel.
            let id = q.id;
            self.quote = None;
            if !self.conn.cancel_channel(id) {
                return false;
            }
            return self.reopen_lent();
        }
        if !quote_work || self.quote_refusals >= MAX_QUOTE_CHANNEL_REFUSALS {
            for ch in &mut self.chans {
                ch.retiring = false;
            }
            return self.lent.is_none() || !shared.has_candle_work() || self.reopen_lent();
        }
        if self.lent.is_none() {
            let retiring = match self.chans.iter().position(|c| c.retiring) {
                Some(i) => i,
                None => {
                    let pick = self
                        .chans
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| matches!(c.state, ChanState::Open | ChanState::Requested))
                        .min_by_key(|(_, c)| c.flights.len())
                        .map(|(i, _)| i);
                    let Some(i) = pick else { return true };
                    self.chans[i].retiring = true;
                    i
                }
            };
            let ch = &mut self.chans[retiring];
            if !ch.flights.is_empty() {
                return true; // wait for its snapshots
            }
            ch.retiring = false;
            ch.state = ChanState::Cancelled;
            ch.assembler = SnapshotAssembler::new();
            let id = ch.id;
            self.lent = Some(retiring);
            if !self.conn.cancel_channel(id) {
                return false;
            }
        }
        let id = self.alloc_id();
        self.quote = Some(QuoteChan {
            id,
            state: ChanState::Requested,
            flights: HashMap::new(),
        });
        self.conn.open_quote_channel(
            id,
            &shared.cfg.quote_contract,
            shared.cfg.aggregation_period,
        )
    }

    /// Give the lent slot back to candles: a candle channel under a new number.
    fn reopen_lent(&mut self) -> bool {
        let Some(i) = self.lent.take() else {
            return true;
        };
        let id = self.alloc_id();
        let ch = &mut self.chans[i];
        ch.id = id;
        ch.state = ChanState::Requested;
        ch.retiring = false;
        ch.assembler = SnapshotAssembler::new();
        let cfg = &self.shared.cfg;
        self.conn
            .open_feed_channel(id, &cfg.contract, cfg.aggregation_period)
    }

    /// Subscribe queued quotes on the open quote channel, up to `quotes_per_channel` in flight.
    /// False when the socket is gone.
    fn fill_quotes(&mut self) -> bool {
        let shared = self.shared;
        let Some(q) = self.quote.as_mut().filter(|q| q.state == ChanState::Open) else {
            return true;
        };
        let cap = shared.cfg.quotes_per_channel.max(1);
        let now = Instant::now();
        let mut adds = Vec::new();
        {
            let mut queue = lock(&shared.quotes);
            while q.flights.len() < cap {
                let Some(job) = queue.pop_front() else { break };
                if !job.wanted() {
                    continue;
                }
                if job.deadline <= now {
                    job.resolve_counted(
                        Err(QuoteError::Timeout(shared.cfg.quote_deadline)),
                        &shared.counters.quote_timeouts,
                    );
                    continue;
                }
                match q.flights.get_mut(&job.symbol) {
                    Some(jobs) => jobs.push(job),
                    None => {
                        adds.push(SubscriptionItem::quote(&job.symbol));
                        q.flights.insert(job.symbol.clone(), vec![job]);
                    }
                }
            }
        }
        if adds.is_empty() {
            return true;
        }
        bump(&shared.counters.quote_subscriptions, adds.len() as u64);
        self.conn
            .subscribe(q.id, &adds, &[], shared.cfg.max_subscription_bytes)
            .is_some()
    }

    /// Give each open channel jobs up to its in-flight bound, least-loaded channel first, and send
    /// the subscriptions. False when the socket is gone.
    fn fill(&mut self) -> bool {
        let cap = self.shared.cfg.snapshots_per_channel.max(1);
        let now = Instant::now();
        let mut adds: Vec<Vec<SubscriptionItem>> = vec![Vec::new(); self.chans.len()];
        let mut in_flight: usize = self.chans.iter().map(|c| c.flights.len()).sum();
        {
            let mut q = lock(&self.shared.queue);
            let mut deferred = Vec::new();
            while in_flight < self.window {
                let free = self
                    .chans
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        c.state == ChanState::Open && !c.retiring && c.flights.len() < cap
                    })
                    .min_by_key(|(_, c)| c.flights.len())
                    .map(|(i, _)| i);
                let Some(ci) = free else { break };
                let Some(job) = q.pop_front() else { break };
                if !job.wanted() {
                    continue;
                }
                if job.deadline <= now {
                    job.resolve_counted(
                        Err(CandleError::Timeout(self.shared.cfg.symbol_deadline)),
                        &self.shared.counters.timeouts,
                    );
                    continue;
                }
                // The same symbol already in flight here: share its snapshot, or wait if the
                // history start differs.
                if let Some(f) = self
                    .chans
                    .iter_mut()
                    .find_map(|c| c.flights.get_mut(&job.key))
                {
                    if f.from_time == job.from_time {
                        f.jobs.push(job);
                    } else {
                        deferred.push(job);
                    }
                    continue;
                }
                adds[ci].push(SubscriptionItem::candle(&job.symbol, job.from_time));
                in_flight += 1;
                self.chans[ci].flights.insert(
                    job.key.clone(),
                    Flight {
                        wire: job.symbol.clone(),
                        from_time: job.from_time,
                        jobs: vec![job],
                    },
                );
            }
            for j in deferred.into_iter().rev() {
                q.push_front(j);
            }
        }
        for (ch, items) in self.chans.iter().zip(adds) {
            if items.is_empty() {
                continue;
            }
            bump(
                &self.shared.counters.subscriptions_added,
                items.len() as u64,
            );
            let sent =
                self.conn
                    .subscribe(ch.id, &items, &[], self.shared.cfg.max_subscription_bytes);
            if sent.is_none() {
                return false;
            }
        }
        true
    }

    /// The socket dropped: blame the k snapshots in flight 1/k each, fail the jobs whose blame
    /// reached the limit with `Dropped`, and put the rest back at the front of the queue. Returns k.
    fn requeue_all(&mut self) -> usize {
        let limit = self.shared.cfg.max_drops_per_symbol.max(f64::MIN_POSITIVE);
        let flights: Vec<Flight> = self
            .chans
            .iter_mut()
            .flat_map(|ch| ch.flights.drain().map(|(_, f)| f))
            .filter(|f| f.jobs.iter().any(|j| j.wanted()))
            .collect();
        let k = flights.len();
        let mut again = Vec::new();
        for flight in flights {
            for mut job in flight.jobs {
                if !job.wanted() {
                    continue;
                }
                job.attempts += 1;
                job.blame += 1.0 / k as f64;
                if job.blame >= limit - 1e-9 {
                    job.resolve(Err(CandleError::Dropped(job.attempts)));
                } else {
                    again.push(job);
                }
            }
        }
        bump(&self.shared.counters.resubscriptions, again.len() as u64);
        self.shared.requeue(again);
        self.drop_quote_channel();
        k
    }

    fn resolve_all(&mut self, err: CandleError) {
        for ch in &mut self.chans {
            for (_, flight) in ch.flights.drain() {
                for job in flight.jobs {
                    job.resolve(Err(err.clone()));
                }
            }
        }
        if let Some(q) = self.quote.take() {
            for job in q.flights.into_values().flatten() {
                job.resolve(Err(QuoteError::Shutdown));
            }
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
    fn default_sizes_respect_the_demo_limits() {
        let c = DxLinkConfig::default();
        assert!(c.connections <= 4);
        assert!(c.channels_per_connection <= 10);
        assert!(c.snapshots_per_channel <= 4);
        assert_eq!(c.contract, "HISTORY");
    }
}
