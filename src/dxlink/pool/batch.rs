//! One `fetch` or `quotes` call as the pool sees it: a [`Request`] (the symbols still pending and
//! the channel their outcomes go to, under one deadline) and the [`Ticket`] each of its symbols
//! carries through the queues and channels. [`SymbolOutcome`] is what tells a candle request from a
//! quote request: the value, the errors, the deadline and the counter of timeouts.
//!
//! Rules it keeps:
//! - Every distinct symbol gets exactly one outcome: the first resolution wins, later ones are
//!   ignored, and the receiver closes after the last.
//! - A counter that describes an outcome is bumped *before* the outcome is sent, so whoever receives
//!   it already sees it counted in the pool's stats.
//! - At the deadline whatever is unresolved (queued or in flight) fails with the kind's timeout; on
//!   shutdown with its shutdown error.

use super::super::connection::{bump, FeedCounters};
use super::super::error::{CandleError, QuoteError};
use super::super::quote::{OptionQuote, QuoteOutcome};
use super::super::snapshot::CandleSeries;
use super::{lock, CandleOutcome, DxLinkConfig};
use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};
use tokio::time::Instant;

/// A per-symbol outcome a request delivers, and how a request of its kind fails.
pub(super) trait SymbolOutcome: Send + 'static {
    type Value;
    type Error: Clone + Send + 'static;
    fn new(symbol: String, result: Result<Self::Value, Self::Error>) -> Self;
    fn into_parts(self) -> (String, Result<Self::Value, Self::Error>);
    /// How long a request of this kind has, from the call.
    fn deadline(cfg: &DxLinkConfig) -> Duration;
    /// The error of a symbol still unresolved `after` the call.
    fn timeout(after: Duration) -> Self::Error;
    /// The error of a symbol unresolved when the pool shuts down.
    fn shutdown() -> Self::Error;
    /// The counter of this kind's timeouts.
    fn timeouts(c: &FeedCounters) -> &AtomicU64;
}

impl SymbolOutcome for CandleOutcome {
    type Value = CandleSeries;
    type Error = CandleError;
    fn new(symbol: String, result: Result<CandleSeries, CandleError>) -> CandleOutcome {
        CandleOutcome { symbol, result }
    }
    fn into_parts(self) -> (String, Result<CandleSeries, CandleError>) {
        (self.symbol, self.result)
    }
    fn deadline(cfg: &DxLinkConfig) -> Duration {
        cfg.symbol_deadline
    }
    fn timeout(after: Duration) -> CandleError {
        CandleError::Timeout(after)
    }
    fn shutdown() -> CandleError {
        CandleError::Shutdown
    }
    fn timeouts(c: &FeedCounters) -> &AtomicU64 {
        &c.timeouts
    }
}

impl SymbolOutcome for QuoteOutcome {
    type Value = OptionQuote;
    type Error = QuoteError;
    fn new(symbol: String, result: Result<OptionQuote, QuoteError>) -> QuoteOutcome {
        QuoteOutcome { symbol, result }
    }
    fn into_parts(self) -> (String, Result<OptionQuote, QuoteError>) {
        (self.symbol, self.result)
    }
    fn deadline(cfg: &DxLinkConfig) -> Duration {
        cfg.quote_deadline
    }
    fn timeout(after: Duration) -> QuoteError {
        QuoteError::Timeout(after)
    }
    fn shutdown() -> QuoteError {
        QuoteError::Shutdown
    }
    fn timeouts(c: &FeedCounters) -> &AtomicU64 {
        &c.quote_timeouts
    }
}

struct RequestState<O> {
    tx: Option<mpsc::Sender<O>>,
    pending: HashSet<String>,
}

/// The symbols of one `fetch` (or `quotes`) call and where their outcomes go.
pub(super) struct Request<O> {
    state: Mutex<RequestState<O>>,
    done: Notify,
}

/// A request just opened: the request, its distinct symbols (first occurrence kept, in order) and
/// its deadline.
pub(super) type Opened<O> = (Arc<Request<O>>, Vec<String>, Instant);

impl<O: SymbolOutcome> Request<O> {
    /// Start a request: de-duplicate `symbols` (first occurrence kept), open the outcome channel
    /// and compute the deadline (`O::deadline` from now). `None` when there is nothing to schedule:
    /// no symbols, or the pool is `closed` (then every symbol has already been resolved with
    /// `O::shutdown()`).
    pub(super) fn open(
        symbols: Vec<String>,
        cfg: &DxLinkConfig,
        closed: bool,
    ) -> (mpsc::Receiver<O>, Option<Opened<O>>) {
        let mut seen = HashSet::new();
        let symbols: Vec<String> = symbols
            .into_iter()
            .filter(|s| seen.insert(s.clone()))
            .collect();
        let (tx, rx) = mpsc::channel(symbols.len().max(1));
        if symbols.is_empty() {
            return (rx, None);
        }
        let request = Arc::new(Request {
            state: Mutex::new(RequestState {
                tx: Some(tx),
                pending: seen,
            }),
            done: Notify::new(),
        });
        if closed {
            request.resolve_all(O::shutdown());
            return (rx, None);
        }
        let now = Instant::now();
        let deadline = now
            .checked_add(O::deadline(cfg))
            .unwrap_or_else(|| now + Duration::from_secs(10 * 365 * 86_400));
        (rx, Some((request, symbols, deadline)))
    }

    /// The request's deadline, in a task of its own: whatever is still unresolved at `deadline`
    /// (queued or in flight) fails with `O::timeout(after)`, counted; on shutdown with
    /// `O::shutdown()`. The task ends early once every symbol is resolved.
    pub(super) fn watch_deadline(
        self: Arc<Self>,
        deadline: Instant,
        after: Duration,
        mut shutdown: watch::Receiver<bool>,
        counters: Arc<FeedCounters>,
    ) {
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    self.resolve_all_counted(O::timeout(after), Some(O::timeouts(&counters)));
                }
                _ = self.done.notified() => {}
                _ = shutdown.wait_for(|s| *s) => {
                    self.resolve_all(O::shutdown());
                }
            }
        });
    }

    /// Deliver `symbol`'s outcome unless it already has one. True when this call delivered it.
    pub(super) fn resolve(&self, symbol: &str, result: Result<O::Value, O::Error>) -> bool {
        self.resolve_counted(symbol, result, None)
    }

    /// [`Request::resolve`], bumping `counter` (when given) *before* the outcome is sent, so
    /// whoever receives the outcome already sees it counted in the pool's stats.
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

    /// [`Request::resolve_all`], counting each resolution in `counter` before it is sent.
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

/// One symbol of a request, waiting for its outcome: what candle jobs and quote jobs share.
pub(super) struct Ticket<O> {
    pub(super) symbol: String,
    pub(super) deadline: Instant,
    pub(super) request: Arc<Request<O>>,
}

impl<O: SymbolOutcome> Ticket<O> {
    /// Unresolved, and somebody is listening.
    pub(super) fn wanted(&self) -> bool {
        self.request.wants(&self.symbol)
    }

    pub(super) fn resolve(&self, result: Result<O::Value, O::Error>) -> bool {
        self.request.resolve(&self.symbol, result)
    }

    /// Fail with the kind's timeout (the full request deadline), counted before it is sent.
    pub(super) fn time_out(&self, cfg: &DxLinkConfig, counters: &FeedCounters) {
        let err = O::timeout(O::deadline(cfg));
        self.request
            .resolve_counted(&self.symbol, Err(err), Some(O::timeouts(counters)));
    }
}
