//! The pool's workers: what the [`super::CandlePool`] handle and its workers share ([`Shared`]: the
//! job queues, the wake-up, the shutdown signal, the counters) and the loop of one connection slot
//! ([`worker`]): connect, serve a [`Session`], reconnect.
//!
//! Rules it keeps (see the module docs of [`super`]):
//! - After a drop the in-flight jobs go back to the front of the queue and the worker reconnects: at
//!   once after a session that completed something, else with exponential backoff
//!   ([`crate::backoff`], up to a quarter of jitter on top). The congestion window halves.
//! - A worker that fails `connect_attempts` connects in a row idles until a later call brings new
//!   work; the last worker to give up fails everything queued with [`CandleError::Connection`].

use super::super::connection::{bump, ConnectOptions, Connection, FeedCounters};
use super::super::error::{CandleError, QuoteError};
use super::lock;
use super::queue::{CandleJob, JobQueue, QueuedJob, QuoteTicket};
use super::session::{Session, SessionEnd};
use super::DxLinkConfig;
use crate::backoff::{Backoff, Jitter};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// State shared by the pool handle and its workers.
pub(super) struct Shared {
    pub(super) cfg: DxLinkConfig,
    pub(super) opts: ConnectOptions,
    /// Candle jobs, FIFO.
    pub(super) candles: JobQueue<CandleJob>,
    /// Quote jobs, FIFO.
    pub(super) quotes: JobQueue<QuoteTicket>,
    pub(super) work: Notify,
    pub(super) shutdown: watch::Sender<bool>,
    pub(super) closed: AtomicBool,
    pub(super) counters: Arc<FeedCounters>,
    /// Workers not idling after exhausting their connect attempts.
    pub(super) live: AtomicUsize,
    /// Bumped by every call: a worker that gave up connecting retries only for new work.
    pub(super) generation: AtomicU64,
    pub(super) last_error: Mutex<String>,
}

impl Shared {
    fn has_work(&self) -> bool {
        self.candles.has_work() || self.quotes.has_work()
    }

    /// Queue a new call's jobs and wake the workers.
    pub(super) fn enqueue<J: QueuedJob>(&self, jobs: Vec<J>) {
        J::queue(self).push(jobs);
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.work.notify_waiters();
    }

    /// Put jobs back at the front of their queue (in their order) and wake the workers.
    pub(super) fn requeue<J: QueuedJob>(&self, jobs: Vec<J>) {
        if jobs.is_empty() {
            return;
        }
        J::queue(self).push_front(jobs);
        self.work.notify_waiters();
    }

    /// Fail every queued job with `err` (queued quotes with its quote counterpart).
    pub(super) fn drain(&self, err: CandleError) {
        let quote_err = match &err {
            CandleError::Timeout(_) => QuoteError::Timeout(self.cfg.quote_deadline),
            CandleError::Connection(reason) => QuoteError::Connection(reason.clone()),
            CandleError::Dropped(n) => QuoteError::Connection(format!("socket dropped {n} times")),
            CandleError::Shutdown => QuoteError::Shutdown,
        };
        self.candles.fail_all(err);
        self.quotes.fail_all(quote_err);
    }

    /// The reconnect delay after `n` failures in a row: none after none, then
    /// `backoff_initial · 2ⁿ⁻¹` up to `backoff_max`, plus up to a quarter of jitter.
    fn backoff(&self, n: u32) -> Duration {
        Backoff::new(self.cfg.backoff_initial, self.cfg.backoff_max)
            .with_jitter(Jitter::ADD_QUARTER)
            .after_failures(n)
    }
}

/// Wait, waking at every notification, until `ready` says so (true) or the pool shuts down
/// (false).
async fn wait_until(
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
    mut ready: impl FnMut(&Shared) -> bool,
) -> bool {
    loop {
        let mut notified = pin!(shared.work.notified());
        notified.as_mut().enable();
        if *shutdown.borrow() {
            return false;
        }
        if ready(shared) {
            return true;
        }
        tokio::select! {
            _ = notified => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Wait until there is queued work (true) or the pool shuts down (false).
async fn wait_for_work(shared: &Shared, shutdown: &mut watch::Receiver<bool>) -> bool {
    wait_until(shared, shutdown, Shared::has_work).await
}

/// Wait until a call after generation `seen` queued work (true) or the pool shuts down (false).
async fn wait_for_new_work(
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
    mut seen: u64,
) -> bool {
    wait_until(shared, shutdown, |shared| {
        let now = shared.generation.load(Ordering::SeqCst);
        if now == seen {
            return false;
        }
        seen = now;
        shared.has_work()
    })
    .await
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
pub(super) async fn worker(shared: Arc<Shared>) {
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
                session.shut_down();
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
