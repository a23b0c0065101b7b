//! The pool's job queues: one generic FIFO, [`JobQueue`], over the two kinds of [`QueuedJob`]:
//! candle snapshots ([`CandleJob`]) and option quotes ([`QuoteTicket`]). Everything a queue does
//! (append a call's jobs, put jobs back at the front, fail them all, hand out the next live one,
//! time out the expired ones) is written once here for both kinds.
//!
//! Rules it keeps: a requeued job goes back to the front, in its order, so retries come before new
//! work; a job nobody waits for any more is dropped when met, never subscribed; a job past its
//! deadline is resolved with its kind's timeout (counted) when met, never subscribed.

use super::super::connection::FeedCounters;
use super::super::protocol::SubscriptionItem;
use super::super::quote::QuoteOutcome;
use super::batch::{SymbolOutcome, Ticket};
use super::worker::Shared;
use super::{lock, CandleOutcome, DxLinkConfig};
use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// A kind of job the pool queues and subscribes: its outcome type, its queue, and how one of its
/// subscriptions is removed on the wire.
pub(super) trait QueuedJob: Send + Sized + 'static {
    type Outcome: SymbolOutcome;
    fn ticket(&self) -> &Ticket<Self::Outcome>;
    /// This kind's queue in the pool.
    fn queue(shared: &Shared) -> &JobQueue<Self>;
    /// The `FEED_SUBSCRIPTION` item that removes the subscription of `wire`.
    fn unsubscribe(wire: &str) -> SubscriptionItem;
    /// The counter of removals sent, for the kinds that count them (candles).
    fn removals(c: &FeedCounters) -> Option<&AtomicU64>;
}

/// One candle symbol of a `fetch` call.
pub(super) struct CandleJob {
    pub(super) ticket: Ticket<CandleOutcome>,
    /// By [`super::candle_symbol_key`]: what the server's `eventSymbol` is matched by.
    pub(super) key: String,
    pub(super) from_time: i64,
    /// Sockets that dropped while this job was in flight, and the share of blame for them.
    pub(super) attempts: u32,
    pub(super) blame: f64,
}

/// A candle job is its ticket plus scheduling state; it reads as the ticket (symbol, deadline,
/// wanted, resolve).
impl std::ops::Deref for CandleJob {
    type Target = Ticket<CandleOutcome>;

    fn deref(&self) -> &Ticket<CandleOutcome> {
        &self.ticket
    }
}

impl QueuedJob for CandleJob {
    type Outcome = CandleOutcome;
    fn ticket(&self) -> &Ticket<CandleOutcome> {
        &self.ticket
    }
    fn queue(shared: &Shared) -> &JobQueue<CandleJob> {
        &shared.candles
    }
    fn unsubscribe(wire: &str) -> SubscriptionItem {
        SubscriptionItem::candle_remove(wire)
    }
    fn removals(c: &FeedCounters) -> Option<&AtomicU64> {
        Some(&c.subscriptions_removed)
    }
}

/// One streamer symbol of a `quotes` call: nothing but its ticket.
pub(super) type QuoteTicket = Ticket<QuoteOutcome>;

impl QueuedJob for QuoteTicket {
    type Outcome = QuoteOutcome;
    fn ticket(&self) -> &QuoteTicket {
        self
    }
    fn queue(shared: &Shared) -> &JobQueue<QuoteTicket> {
        &shared.quotes
    }
    fn unsubscribe(wire: &str) -> SubscriptionItem {
        SubscriptionItem::quote(wire)
    }
    fn removals(_: &FeedCounters) -> Option<&AtomicU64> {
        None
    }
}

/// Jobs of one kind waiting for a channel, FIFO.
pub(super) struct JobQueue<J>(Mutex<VecDeque<J>>);

impl<J: QueuedJob> JobQueue<J> {
    pub(super) fn new() -> JobQueue<J> {
        JobQueue(Mutex::new(VecDeque::new()))
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, VecDeque<J>> {
        lock(&self.0)
    }

    /// Some queued job is still wanted.
    pub(super) fn has_work(&self) -> bool {
        self.lock().iter().any(|j| j.ticket().wanted())
    }

    /// Append a call's jobs, first dropping leftovers of finished calls so the queue stays small.
    pub(super) fn push(&self, jobs: Vec<J>) {
        let mut q = self.lock();
        q.retain(|j| j.ticket().wanted());
        q.extend(jobs);
    }

    /// Put jobs back at the front of the queue, in their order.
    pub(super) fn push_front(&self, jobs: Vec<J>) {
        let mut q = self.lock();
        for j in jobs.into_iter().rev() {
            q.push_front(j);
        }
    }

    /// Empty the queue, failing every job with `err`.
    pub(super) fn fail_all(&self, err: <J::Outcome as SymbolOutcome>::Error) {
        let jobs: Vec<J> = self.lock().drain(..).collect();
        for j in jobs {
            j.ticket().resolve(Err(err.clone()));
        }
    }
}

/// The next job of `queue` worth subscribing: jobs nobody wants are dropped, jobs past their
/// deadline time out on the way.
pub(super) fn pop_live<J: QueuedJob>(
    queue: &mut VecDeque<J>,
    now: Instant,
    cfg: &DxLinkConfig,
    counters: &FeedCounters,
) -> Option<J> {
    while let Some(job) = queue.pop_front() {
        let t = job.ticket();
        if !t.wanted() {
            continue;
        }
        if t.deadline <= now {
            t.time_out(cfg, counters);
            continue;
        }
        return Some(job);
    }
    None
}

/// Keep the jobs still wanted and within their deadline; those past it time out.
pub(super) fn retain_live<J: QueuedJob>(
    jobs: &mut Vec<J>,
    now: Instant,
    cfg: &DxLinkConfig,
    counters: &FeedCounters,
) {
    jobs.retain(|job| {
        let t = job.ticket();
        if !t.wanted() {
            false
        } else if t.deadline <= now {
            t.time_out(cfg, counters);
            false
        } else {
            true
        }
    });
}
