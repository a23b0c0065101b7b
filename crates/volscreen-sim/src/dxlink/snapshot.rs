//! Candle snapshot streaming for one channel: a FIFO queue of requested snapshots, at most
//! `max_snapshots_per_channel` of them in progress, each sent newest first in `FEED_DATA` batches of
//! at most `max_candles_per_message` candles on the latency model's schedule, with faults applied.
//!
//! Timing: a snapshot of n candles takes `latency.snapshot(n)` in total: its first batch of b
//! candles is due `snapshot_ms + per_candle_ms × b` after it starts, each later batch
//! `per_candle_ms × its size` after the previous one. The [`Scheduler`] is driven by its owner: it
//! says when the next batch is due ([`Scheduler::next_due`]) and sends one batch of every due
//! snapshot per [`Scheduler::run_due`] call, so snapshots in progress interleave message by message.
//! At latency `none` everything is due at once and nothing sleeps.
//!
//! Fixtures: a snapshot queued with a [`CandleFixture`] ([`Scheduler::enqueue_fixture`];
//! `--fixtures DIR`, see [`super::fixtures`]) sends the file's candles instead of the market's,
//! through the same batching, timing and faults.
//!
//! Faults: `empty`, `snip`, `reconfig` and `full` are rolled per snapshot ([`Planned::roll`]);
//! `ws_drop` is rolled per socket by the session and spent on the socket's first snapshot that
//! spans at least two messages, which is cut off after about half of them.

use super::events::{
    CandleEvent, EventType, FeedData, SNAPSHOT_BEGIN, SNAPSHOT_END, SNAPSHOT_SNIP,
};
use super::feed::FeedConfig;
use super::fixtures::{CandleFixture, FixtureCandle};
use crate::faults::{Fault, Faults};
use crate::latency::{ms, LatencyProfile};
use crate::market::Market;
use crate::stats::Stats;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use volscreen_core::candle::Candle;
use volscreen_core::symbol::split_candle_symbol;

/// What snapshots read and count into.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub market: &'a Market,
    pub latency: &'a LatencyProfile,
    pub stats: &'a Stats,
    /// The socket's `ws_drop` fault, armed until a snapshot takes it.
    pub ws_drop_armed: &'a Cell<bool>,
}

/// Faults decided for one snapshot when it was subscribed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Planned {
    pub empty: bool,
    pub snip: bool,
    pub reconfig: bool,
    pub full: bool,
}

impl Planned {
    /// Roll every snapshot fault once, in a fixed order (so a seed reproduces a run).
    pub fn roll(faults: &Faults) -> Planned {
        Planned {
            empty: faults.roll(Fault::Empty),
            snip: faults.roll(Fault::Snip),
            reconfig: faults.roll(Fault::Reconfig),
            full: faults.roll(Fault::Full),
        }
    }
}

/// A requested snapshot: the candle symbol exactly as subscribed and its `fromTime`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub symbol: String,
    pub from_time: i64,
    pub planned: Planned,
}

/// Whether the attributes of a candle symbol ask for daily candles: `=1d`, `=d` (any case), possibly
/// followed by other attributes (`=1d,tho=true`). The market has no other periods.
pub fn is_daily(attributes: &str) -> bool {
    attributes
        .split(',')
        .find_map(|a| a.trim().strip_prefix('='))
        .is_some_and(|p| p.eq_ignore_ascii_case("d") || p.eq_ignore_ascii_case("1d"))
}

/// What the socket should do after a round of batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    /// The `ws_drop` fault: close the socket now, without a close frame.
    DropSocket,
}

/// Where a snapshot's events come from.
enum Source {
    /// The empty-history form.
    Empty,
    /// The market's candles, ascending; the next one to send is `next - 1` (newest first).
    Market { candles: Arc<[Candle]>, next: usize },
    /// A fixture's candles in send order; the next one to send is `sent`.
    Fixture {
        fixture: Arc<CandleFixture>,
        events: Vec<FixtureCandle>,
    },
}

/// A snapshot in progress.
struct Stream {
    req: Request,
    source: Source,
    /// Events in the whole snapshot and events sent so far.
    total: usize,
    sent: usize,
    snipped: bool,
    batch: usize,
    batches_sent: usize,
    /// `ws_drop`: close the socket once this many batches are out.
    drop_after: Option<usize>,
    reconfig_pending: bool,
    full_pending: bool,
    due: Instant,
}

enum Step {
    More,
    Done,
    Drop,
}

impl Stream {
    fn start(
        req: Request,
        fixture: Option<Arc<CandleFixture>>,
        now: Instant,
        env: Env<'_>,
    ) -> Stream {
        env.stats.dxlink_snapshots.fetch_add(1, Ordering::Relaxed);
        let (base, attributes) = split_candle_symbol(&req.symbol);
        let (source, available) = if let Some(fixture) = fixture {
            env.stats.fixture(&fixture.name);
            let events = fixture.send_order(req.from_time);
            let n = events.len();
            (Source::Fixture { fixture, events }, n)
        } else {
            let candles = if is_daily(attributes) {
                env.market.candles(base)
            } else {
                None
            };
            match candles {
                Some(candles) => {
                    let len = candles.len();
                    let lo = candles.partition_point(|x| x.time < req.from_time);
                    (Source::Market { candles, next: len }, len - lo)
                }
                None => (Source::Empty, 0),
            }
        };
        let planned = req.planned;
        let empty = available == 0 || planned.empty;
        if available > 0 && planned.empty {
            env.stats.fault(Fault::Empty.name());
        }
        let (source, total, snipped) = if empty {
            (Source::Empty, 1, false)
        } else if planned.snip && available >= 2 {
            env.stats.fault(Fault::Snip.name());
            (source, available / 2, true)
        } else {
            (source, available, false)
        };
        let limits = &env.latency.dxlink_limits;
        let mut batch = limits.max_candles_per_message.max(1);
        let drop_after = if total >= 2 && env.ws_drop_armed.replace(false) {
            // Close after some but not all messages: make sure there are at least two.
            batch = batch.min(total.div_ceil(2));
            Some(total.div_ceil(batch) / 2)
        } else {
            None
        };
        let first = if empty { 0 } else { batch.min(total) };
        let dx = &env.latency.dxlink;
        let due = now + ms(dx.snapshot_ms + dx.per_candle_ms * first as f64);
        Stream {
            source,
            total,
            sent: 0,
            snipped,
            batch,
            batches_sent: 0,
            drop_after,
            reconfig_pending: planned.reconfig,
            full_pending: planned.full,
            due,
            req,
        }
    }

    /// Send the next batch (preceded by whatever `FEED_CONFIG` is due) into `out`.
    fn send_batch(
        &mut self,
        channel: u64,
        feed: &mut FeedConfig,
        env: Env<'_>,
        out: &mut Vec<String>,
    ) -> Step {
        if self.drop_after == Some(self.batches_sent) {
            env.stats.fault(Fault::WsDrop.name());
            return Step::Drop;
        }
        let size = self.batch.min(self.total - self.sent);
        let last_batch = self.sent + size >= self.total;
        let fault_now = self.batches_sent >= 1 || last_batch;
        out.extend(feed.announce(channel, EventType::Candle));
        if self.reconfig_pending && fault_now {
            self.reconfig_pending = false;
            feed.reorder(EventType::Candle);
            env.stats.fault(Fault::Reconfig.name());
            out.extend(feed.announce(channel, EventType::Candle));
        }
        if self.full_pending && fault_now {
            self.full_pending = false;
            if feed.force_full() {
                env.stats.fault(Fault::Full.name());
            }
            out.extend(feed.announce(channel, EventType::Candle));
        }
        let symbol = self.req.symbol.as_str();
        let mut events = Vec::with_capacity(size);
        let end = if self.snipped {
            SNAPSHOT_SNIP
        } else {
            SNAPSHOT_END
        };
        match &mut self.source {
            Source::Empty => events.push(CandleEvent::empty_history(symbol)),
            Source::Market { candles, next } => {
                for k in 0..size {
                    let at = self.sent + k;
                    let mut flags = 0;
                    if at == 0 {
                        flags |= SNAPSHOT_BEGIN;
                    }
                    if at + 1 == self.total {
                        flags |= end;
                    }
                    let c = &candles[*next - 1 - k];
                    events.push(CandleEvent::from_candle(symbol, c, flags));
                }
                *next -= size;
                env.stats
                    .dxlink_candles
                    .fetch_add(size as u64, Ordering::Relaxed);
            }
            Source::Fixture {
                fixture,
                events: fx,
            } => {
                for (k, c) in fx.iter().skip(self.sent).take(size).enumerate() {
                    let flags = fixture.flags(c, self.sent + k, self.total, end);
                    events.push(c.event(symbol, flags));
                }
                env.stats
                    .dxlink_candles
                    .fetch_add(size as u64, Ordering::Relaxed);
            }
        }
        let fields = feed.fields(EventType::Candle);
        out.push(
            FeedData {
                channel,
                format: feed.format(),
                event_type: EventType::Candle,
                fields: &fields,
                events: &events,
            }
            .to_json(),
        );
        self.sent += size;
        self.batches_sent += 1;
        if self.sent >= self.total {
            Step::Done
        } else {
            let next = self.batch.min(self.total - self.sent);
            self.due += ms(env.latency.dxlink.per_candle_ms * next as f64);
            Step::More
        }
    }
}

/// The snapshots of one channel: queued FIFO, a bounded number in progress.
#[derive(Default)]
pub struct Scheduler {
    /// Requests not started yet, with the fixture to send instead of the market's candles.
    queue: VecDeque<(Request, Option<Arc<CandleFixture>>)>,
    active: Vec<Stream>,
}

impl Scheduler {
    /// Queue a snapshot; one already queued or in progress for the same symbol is replaced (a new
    /// `fromTime` overwrites the subscription).
    pub fn enqueue(&mut self, req: Request) {
        self.enqueue_fixture(req, None);
    }

    /// [`Scheduler::enqueue`], sending `fixture`'s candles (when given) instead of the market's.
    pub fn enqueue_fixture(&mut self, req: Request, fixture: Option<Arc<CandleFixture>>) {
        self.cancel(&req.symbol);
        self.queue.push_back((req, fixture));
    }

    /// Stop a queued or in-progress snapshot of `symbol`; false when there was none.
    pub fn cancel(&mut self, symbol: &str) -> bool {
        let before = self.queue.len() + self.active.len();
        self.queue.retain(|(r, _)| r.symbol != symbol);
        self.active.retain(|s| s.req.symbol != symbol);
        before != self.queue.len() + self.active.len()
    }

    /// Drop every snapshot.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.active.clear();
    }

    /// Snapshots queued or in progress.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.active.len()
    }

    /// Start queued snapshots while fewer than the limit are in progress.
    pub fn promote(&mut self, now: Instant, env: Env<'_>) {
        let limit = env.latency.dxlink_limits.max_snapshots_per_channel.max(1);
        while self.active.len() < limit {
            let Some((req, fixture)) = self.queue.pop_front() else {
                break;
            };
            self.active.push(Stream::start(req, fixture, now, env));
        }
    }

    /// When the next batch is due (`None`: nothing in progress).
    pub fn next_due(&self) -> Option<Instant> {
        self.active.iter().map(|s| s.due).min()
    }

    /// Send one batch of every snapshot due at `now` into `out`, then start queued ones in the
    /// freed slots.
    pub fn run_due(
        &mut self,
        channel: u64,
        feed: &mut FeedConfig,
        now: Instant,
        env: Env<'_>,
        out: &mut Vec<String>,
    ) -> Outcome {
        let mut i = 0;
        while i < self.active.len() {
            if self.active[i].due > now {
                i += 1;
                continue;
            }
            match self.active[i].send_batch(channel, feed, env, out) {
                Step::More => i += 1,
                Step::Done => {
                    self.active.remove(i);
                }
                Step::Drop => return Outcome::DropSocket,
            }
        }
        self.promote(now, env);
        Outcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_periods() {
        assert!(is_daily("=1d"));
        assert!(is_daily("=d"));
        assert!(is_daily("=1D,tho=true"));
        assert!(is_daily("tho=true,=d"));
        assert!(!is_daily("=1h"));
        assert!(!is_daily(""));
        assert!(!is_daily("tho=true"));
    }
}
