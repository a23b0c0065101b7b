//! One connected socket's work ([`Session`]): its candle FEED channels, the snapshots in flight on
//! them ([`Flight`]s), the event loop that fills channels from the queue, completes snapshots,
//! expires deadlines and, on a drop, hands the in-flight jobs back with their share of blame. The
//! borrowed quote channel is [`super::quote_channel`]'s part of the same session.
//!
//! Rules it keeps (see the module docs of [`super`]):
//! - At most `window` snapshots in flight on the connection and `snapshots_per_channel` per
//!   channel, the least-loaded open channel first; a symbol already in flight is shared, or waits
//!   when its history start differs.
//! - A snapshot completes only by its event flags ([`SnapshotAssembler`]); it is unsubscribed
//!   before its outcome is sent, so the counters are final when a caller sees it.
//! - A drop blames the k snapshots in flight 1/k each; a symbol whose blame reaches
//!   `max_drops_per_symbol` fails with [`CandleError::Dropped`].

use super::super::connection::{bump, ConnEvent, Connection};
use super::super::decode::CandleEvent;
use super::super::error::CandleError;
use super::super::protocol::SubscriptionItem;
use super::super::snapshot::{CandleSeries, SnapshotAssembler};
use super::batch::SymbolOutcome;
use super::candle_symbol_key;
use super::queue::{pop_live, retain_live, CandleJob, QueuedJob};
use super::quote_channel::QuoteChan;
use super::worker::Shared;
use std::collections::HashMap;
use std::pin::pin;
use tokio::sync::watch;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChanState {
    Requested,
    Open,
    Dead,
    /// Cancelled by us: its slot is lent to the quote channel.
    Cancelled,
}

/// One symbol subscribed on a channel, and the jobs waiting for it (all asking the same thing:
/// for candles, the same history start).
pub(super) struct Flight<J> {
    /// The symbol as subscribed (and unsubscribed) on the wire.
    pub(super) wire: String,
    pub(super) jobs: Vec<J>,
}

/// A channel's flights by the key the server's events are matched with ([`candle_symbol_key`]
/// for candles, the streamer symbol itself for quotes).
pub(super) type Flights<J> = HashMap<String, Flight<J>>;

/// Drop the jobs resolved elsewhere and time out those past their deadline; flights left without
/// jobs leave. Returns the keys and wire symbols of those that left (to unsubscribe).
pub(super) fn expire_flights<J: QueuedJob>(
    flights: &mut Flights<J>,
    now: Instant,
    shared: &Shared,
) -> Vec<(String, String)> {
    let mut emptied = Vec::new();
    flights.retain(|key, flight| {
        retain_live(&mut flight.jobs, now, &shared.cfg, &shared.counters);
        if flight.jobs.is_empty() {
            emptied.push((key.clone(), std::mem::take(&mut flight.wire)));
        }
        !flight.jobs.is_empty()
    });
    emptied
}

/// Every job in `flights` that is still wanted, flights emptied.
pub(super) fn wanted_jobs<J: QueuedJob>(flights: Flights<J>) -> Vec<J> {
    flights
        .into_values()
        .flat_map(|f| f.jobs)
        .filter(|j| j.ticket().wanted())
        .collect()
}

/// The earliest deadline of any job in `flights`.
pub(super) fn next_deadline<J: QueuedJob>(flights: &Flights<J>) -> Option<Instant> {
    flights
        .values()
        .flat_map(|f| f.jobs.iter().map(|j| j.ticket().deadline))
        .min()
}

/// Fail every job in `flights` with the kind's shutdown error.
fn shut_down_flights<J: QueuedJob>(flights: Flights<J>) {
    for job in flights.into_values().flat_map(|f| f.jobs) {
        job.ticket()
            .resolve(Err(<J::Outcome as SymbolOutcome>::shutdown()));
    }
}

pub(super) struct Chan {
    pub(super) id: u64,
    pub(super) state: ChanState,
    /// Takes no new snapshots: it is cancelled for the quote channel once its flights are done.
    pub(super) retiring: bool,
    pub(super) flights: Flights<CandleJob>,
    pub(super) assembler: SnapshotAssembler,
}

pub(super) enum SessionEnd {
    Shutdown,
    Dropped(String),
}

fn socket_closed() -> SessionEnd {
    SessionEnd::Dropped("socket closed".into())
}

/// One connected socket's channels and in-flight snapshots.
pub(super) struct Session<'a> {
    pub(super) shared: &'a Shared,
    pub(super) conn: Connection,
    pub(super) chans: Vec<Chan>,
    pub(super) completed_any: bool,
    /// Snapshots this connection may keep in flight (congestion window, see the module docs).
    pub(super) window: usize,
    max_window: usize,
    pub(super) quote: Option<QuoteChan>,
    /// The candle channel (index in `chans`) whose slot the quote channel uses.
    pub(super) lent: Option<usize>,
    pub(super) quote_refusals: u32,
    /// The next odd channel number to request.
    next_id: u64,
}

impl<'a> Session<'a> {
    pub(super) fn new(shared: &'a Shared, conn: Connection, window: usize) -> Session<'a> {
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

    pub(super) fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 2;
        id
    }

    pub(super) async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> SessionEnd {
        let shared = self.shared;
        let cfg = &shared.cfg;
        for ch in &self.chans {
            if !self
                .conn
                .open_feed_channel(ch.id, &cfg.contract, cfg.aggregation_period)
            {
                return socket_closed();
            }
        }
        loop {
            let mut notified = pin!(shared.work.notified());
            notified.as_mut().enable();
            if *shutdown.borrow() {
                return SessionEnd::Shutdown;
            }
            if !self.manage_quote_channel() || !self.fill() || !self.fill_quotes() {
                return socket_closed();
            }
            if self.chans.iter().all(|c| c.state == ChanState::Dead) {
                return SessionEnd::Dropped("every channel was refused".into());
            }
            let quote_deadline = self.quote.as_ref().and_then(|q| next_deadline(&q.flights));
            let next_deadline = self
                .chans
                .iter()
                .filter_map(|c| next_deadline(&c.flights))
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
                        return socket_closed();
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

    /// Send the removals of `wires` (subscriptions of kind `J`) on `channel`, counted where the
    /// kind counts them. False when the socket is gone.
    pub(super) fn unsubscribe<J: QueuedJob>(&self, channel: u64, wires: &[String]) -> bool {
        if wires.is_empty() {
            return true;
        }
        let removes: Vec<SubscriptionItem> = wires.iter().map(|w| J::unsubscribe(w)).collect();
        if let Some(c) = J::removals(&self.shared.counters) {
            bump(c, removes.len() as u64);
        }
        let max_bytes = self.shared.cfg.max_subscription_bytes;
        self.conn
            .subscribe(channel, &[], &removes, max_bytes)
            .is_some()
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
            ConnEvent::Candles { channel, events } => return self.on_candles(channel, events),
        }
        None
    }

    /// Candle events arrived: feed the assembler; each completed snapshot is unsubscribed, then
    /// resolves its jobs and widens the congestion window by one.
    fn on_candles(&mut self, channel: u64, events: Vec<CandleEvent>) -> Option<SessionEnd> {
        let ch = self.chans.iter_mut().find(|c| c.id == channel)?;
        let mut removes = Vec::new();
        let mut completed: Vec<(Vec<CandleJob>, CandleSeries)> = Vec::new();
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
            removes.push(flight.wire);
            completed.push((flight.jobs, series));
        }
        // Unsubscribe first, so the counters are final when a caller sees the outcome.
        let gone = !self.unsubscribe::<CandleJob>(channel, &removes);
        let counters = &self.shared.counters;
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
        gone.then(socket_closed)
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
        let jobs = wanted_jobs(std::mem::take(&mut ch.flights));
        self.shared.requeue(jobs);
    }

    /// Drop in-flight jobs that are resolved or past their deadline; unsubscribe emptied flights.
    fn expire(&mut self) {
        self.expire_quotes();
        let now = Instant::now();
        for i in 0..self.chans.len() {
            let ch = &mut self.chans[i];
            let emptied = expire_flights(&mut ch.flights, now, self.shared);
            let mut wires = Vec::with_capacity(emptied.len());
            for (key, wire) in emptied {
                ch.assembler.forget(&key);
                wires.push(wire);
            }
            let id = ch.id;
            let _ = self.unsubscribe::<CandleJob>(id, &wires);
        }
    }

    /// Give each open channel jobs up to its in-flight bound, least-loaded channel first, and send
    /// the subscriptions. False when the socket is gone.
    fn fill(&mut self) -> bool {
        let shared = self.shared;
        let cap = shared.cfg.snapshots_per_channel.max(1);
        let now = Instant::now();
        let mut adds: Vec<Vec<SubscriptionItem>> = vec![Vec::new(); self.chans.len()];
        let mut in_flight: usize = self.chans.iter().map(|c| c.flights.len()).sum();
        {
            let mut q = shared.candles.lock();
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
                let Some(job) = pop_live(&mut q, now, &shared.cfg, &shared.counters) else {
                    break;
                };
                // The same symbol already in flight here: share its snapshot, or wait if the
                // history start differs (every job of a flight has the flight's start).
                if let Some(f) = self
                    .chans
                    .iter_mut()
                    .find_map(|c| c.flights.get_mut(&job.key))
                {
                    if f.jobs.first().is_none_or(|j| j.from_time == job.from_time) {
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
            bump(&shared.counters.subscriptions_added, items.len() as u64);
            let sent = self
                .conn
                .subscribe(ch.id, &items, &[], shared.cfg.max_subscription_bytes);
            if sent.is_none() {
                return false;
            }
        }
        true
    }

    /// The socket dropped: blame the k snapshots in flight 1/k each, fail the jobs whose blame
    /// reached the limit with `Dropped`, and put the rest back at the front of the queue. Returns k.
    pub(super) fn requeue_all(&mut self) -> usize {
        let limit = self.shared.cfg.max_drops_per_symbol.max(f64::MIN_POSITIVE);
        let flights: Vec<Flight<CandleJob>> = self
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

    /// The pool shuts down: every job in flight fails with its kind's shutdown error.
    pub(super) fn shut_down(&mut self) {
        for ch in &mut self.chans {
            shut_down_flights(std::mem::take(&mut ch.flights));
        }
        if let Some(q) = self.quote.take() {
            shut_down_flights(q.flights);
        }
    }
}
