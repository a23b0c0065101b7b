//! The quote channel of a [`Session`]: option `Quote`s ride on the connection's candle slots.
//!
//! A connection with quote work opens one FEED channel of contract `quote_contract` (`AUTO`) with
//! its own `FEED_SETUP` for the Quote fields, subscribes up to `quotes_per_channel` streamer symbols
//! on it (chunked like candles), and resolves each symbol with its first Quote event, unsubscribing
//! it at once.
//!
//! Rules it keeps:
//! - The quote channel takes one of the connection's `channels_per_connection` slots (servers cap
//!   channels per connection, and candles use them all): the least-loaded candle channel stops
//!   taking snapshots, is cancelled (`CHANNEL_CANCEL`) once its snapshots are done, and its slot is
//!   given back to candles (a fresh candle channel) only when the quote channel is idle and candle
//!   work is waiting, so repeated quote calls do not churn channels.
//! - A refused or closed quote channel puts its quotes back in the queue; after
//!   [`MAX_QUOTE_CHANNEL_REFUSALS`] refusals the session stops asking (other connections or the
//!   deadline take over).

use super::super::decode::QuoteEvent;
use super::super::quote::OptionQuote;
use super::super::snapshot::SnapshotAssembler;
use super::queue::{pop_live, QuoteTicket};
use super::session::{
    expire_flights, wanted_jobs, ChanState, Flight, Flights, Session, SessionEnd,
};
use crate::dxlink::connection::bump;
use crate::dxlink::protocol::SubscriptionItem;
use std::collections::HashMap;
use tokio::time::Instant;

/// Refused quote channels after which a session stops asking for one.
const MAX_QUOTE_CHANNEL_REFUSALS: u32 = 3;

/// The connection's quote channel and the quotes subscribed on it, by streamer symbol.
pub(super) struct QuoteChan {
    pub(super) id: u64,
    pub(super) state: ChanState,
    pub(super) flights: Flights<QuoteTicket>,
}

impl Session<'_> {
    /// The quote-channel part of [`Session::expire`]: resolved or expired quotes leave, and are
    /// unsubscribed.
    pub(super) fn expire_quotes(&mut self) {
        let now = Instant::now();
        let Some(q) = self.quote.as_mut() else { return };
        let wires: Vec<String> = expire_flights(&mut q.flights, now, self.shared)
            .into_iter()
            .map(|(_, wire)| wire)
            .collect();
        let id = q.id;
        let _ = self.unsubscribe::<QuoteTicket>(id, &wires);
    }

    /// Quote events arrived: the first one of each subscribed symbol resolves its jobs, and the
    /// symbol is unsubscribed.
    pub(super) fn on_quotes(
        &mut self,
        channel: u64,
        events: Vec<QuoteEvent>,
    ) -> Option<SessionEnd> {
        let q = self.quote.as_mut().filter(|q| q.id == channel)?;
        let mut removes = Vec::new();
        let mut done = Vec::new();
        for ev in &events {
            if let Some(flight) = q.flights.remove(&ev.symbol) {
                removes.push(flight.wire);
                done.push((flight.jobs, OptionQuote::from(ev)));
            }
        }
        let gone = !self.unsubscribe::<QuoteTicket>(channel, &removes);
        for (jobs, quote) in done {
            for job in jobs {
                job.resolve(Ok(quote));
            }
        }
        gone.then(|| SessionEnd::Dropped("socket closed".into()))
    }

    /// The quote channel closed or was refused: its quotes go back to the queue.
    pub(super) fn drop_quote_channel(&mut self) {
        if let Some(q) = self.quote.take() {
            self.shared.requeue(wanted_jobs(q.flights));
        }
    }

    /// Open, keep or give back the quote channel (see the module docs). False when the socket is
    /// gone.
    pub(super) fn manage_quote_channel(&mut self) -> bool {
        let shared = self.shared;
        let quote_work = shared.quotes.has_work();
        if let Some(q) = &self.quote {
            let idle = q.flights.is_empty() && !quote_work;
            if !idle || !shared.candles.has_work() {
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
            return self.lent.is_none() || !shared.candles.has_work() || self.reopen_lent();
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
    pub(super) fn fill_quotes(&mut self) -> bool {
        let shared = self.shared;
        let Some(q) = self.quote.as_mut().filter(|q| q.state == ChanState::Open) else {
            return true;
        };
        let cap = shared.cfg.quotes_per_channel.max(1);
        let now = Instant::now();
        let mut adds = Vec::new();
        {
            let mut queue = shared.quotes.lock();
            while q.flights.len() < cap {
                let Some(job) = pop_live(&mut queue, now, &shared.cfg, &shared.counters) else {
                    break;
                };
                match q.flights.get_mut(&job.symbol) {
                    Some(flight) => flight.jobs.push(job),
                    None => {
                        adds.push(SubscriptionItem::quote(&job.symbol));
                        let flight = Flight {
                            wire: job.symbol.clone(),
                            jobs: vec![job],
                        };
                        q.flights.insert(flight.wire.clone(), flight);
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
}
