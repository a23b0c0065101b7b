//! The per-symbol candle snapshot assembler: turns a stream of decoded Candle events (newest first,
//! split across messages, interleaved with other symbols) into each symbol's daily candles, ascending
//! by time, the moment its snapshot completes.
//!
//! The rules are tastytrade-wire.md's (dxFeed's time-series snapshot protocol):
//! - `SNAPSHOT_BEGIN` clears the symbol's pending set;
//! - every event is applied to the pending set in arrival order: `REMOVE_EVENT` deletes the entry
//!   with that `index`, anything else inserts or replaces by `index`;
//! - `SNAPSHOT_END` or `SNAPSHOT_SNIP` marks the snapshot complete, but nothing is published while the
//!   latest event of the symbol carries `TX_PENDING`;
//! - a `SNAPSHOT_SNIP` completion is still a completion, reported as `truncated`;
//! - an empty history is one event with flags 14 (BEGIN|END|REMOVE) and NaN prices; the END marker
//!   can itself be a NaN REMOVE row (flags 0x0a).
//!
//! Output candles are sorted by time and de-duplicated by time (the highest `index` wins); rows
//! without a time or with a non-finite close are not candles and are dropped.

use super::decode::CandleEvent;
use crate::candle::Candle;
use std::collections::HashMap;

/// DXLink `eventFlags` bits.
pub mod flags {
    pub const TX_PENDING: u32 = 0x01;
    pub const REMOVE_EVENT: u32 = 0x02;
    pub const SNAPSHOT_BEGIN: u32 = 0x04;
    pub const SNAPSHOT_END: u32 = 0x08;
    pub const SNAPSHOT_SNIP: u32 = 0x10;
    pub const SNAPSHOT_MODE: u32 = 0x40;
}

/// One symbol's completed history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CandleSeries {
    /// Daily candles, ascending by time, one per time.
    pub candles: Vec<Candle>,
    /// The server cut the snapshot short (`SNAPSHOT_SNIP`): more history exists than was sent.
    pub truncated: bool,
}

#[derive(Debug, Default)]
struct Pending {
    rows: HashMap<i64, CandleEvent>,
    /// END or SNIP seen since the last BEGIN.
    complete: bool,
    truncated: bool,
}

/// Assembles snapshots for any number of interleaved symbols (one per channel).
#[derive(Debug, Default)]
pub struct SnapshotAssembler {
    symbols: HashMap<String, Pending>,
}

impl SnapshotAssembler {
    pub fn new() -> SnapshotAssembler {
        SnapshotAssembler::default()
    }

    /// Feed one event; returns the symbol's series when this event completes its snapshot. The
    /// symbol's state is dropped then, so later events for it start afresh.
    pub fn push(&mut self, event: CandleEvent) -> Option<(String, CandleSeries)> {
        let f = event.flags;
        let state = match self.symbols.get_mut(&event.symbol) {
            Some(s) => s,
            None => self.symbols.entry(event.symbol.clone()).or_default(),
        };
        if f & flags::SNAPSHOT_BEGIN != 0 {
            state.rows.clear();
            state.complete = false;
            state.truncated = false;
        }
        if let Some(key) = event.key() {
            if f & flags::REMOVE_EVENT != 0 {
                state.rows.remove(&key);
            } else {
                state.rows.insert(key, event.clone());
            }
        }
        if f & (flags::SNAPSHOT_END | flags::SNAPSHOT_SNIP) != 0 {
            state.complete = true;
        }
        if f & flags::SNAPSHOT_SNIP != 0 {
            state.truncated = true;
        }
        if !state.complete || f & flags::TX_PENDING != 0 {
            return None;
        }
        let done = self.symbols.remove(&event.symbol)?;
        Some((event.symbol, finish(done)))
    }

    /// Feed many events, collecting every completion in order.
    pub fn push_all(
        &mut self,
        events: impl IntoIterator<Item = CandleEvent>,
    ) -> Vec<(String, CandleSeries)> {
        events.into_iter().filter_map(|e| self.push(e)).collect()
    }

    /// Drop whatever is buffered for `symbol`.
    pub fn forget(&mut self, symbol: &str) {
        self.symbols.remove(symbol);
    }

    /// Symbols with buffered, incomplete snapshots.
    pub fn in_progress(&self) -> usize {
        self.symbols.len()
    }
}

fn finish(p: Pending) -> CandleSeries {
    let mut rows: Vec<(i64, i64, Candle)> = p
        .rows
        .into_iter()
        .filter_map(|(key, e)| {
            let time = e.candle_time()?;
            e.close.is_finite().then_some((
                time,
                key,
                Candle {
                    time,
                    open: e.open,
                    high: e.high,
                    low: e.low,
                    close: e.close,
                    volume: e.volume,
                },
            ))
        })
        .collect();
    rows.sort_unstable_by_key(|(time, key, _)| (*time, *key));
    let mut candles: Vec<Candle> = Vec::with_capacity(rows.len());
    for (time, _, c) in rows {
        match candles.last_mut() {
            Some(last) if last.time == time => *last = c,
            _ => candles.push(c),
        }
    }
    CandleSeries {
        candles,
        truncated: p.truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::flags::*;
    use super::*;

    fn ev(sym: &str, flags: u32, t: i64, close: f64) -> CandleEvent {
        CandleEvent {
            symbol: sym.into(),
            flags,
            index: Some(t << 32),
            time: Some(t),
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn newest_first_snapshot_completes_on_end() {
        let mut a = SnapshotAssembler::new();
        assert!(a.push(ev("A", SNAPSHOT_BEGIN, 3, 3.0)).is_none());
        assert!(a.push(ev("A", 0, 2, 2.0)).is_none());
        let (sym, s) = a.push(ev("A", SNAPSHOT_END, 1, 1.0)).unwrap();
        assert_eq!(sym, "A");
        assert!(!s.truncated);
        let times: Vec<_> = s.candles.iter().map(|c| c.time).collect();
        assert_eq!(times, vec![1, 2, 3]);
        assert_eq!(a.in_progress(), 0);
    }

    #[test]
    fn empty_history_and_nan_end_marker() {
        let mut a = SnapshotAssembler::new();
        let (_, s) = a
            .push(ev(
                "E",
                SNAPSHOT_BEGIN | SNAPSHOT_END | REMOVE_EVENT,
                0,
                f64::NAN,
            ))
            .unwrap();
        assert!(s.candles.is_empty() && !s.truncated);
        a.push(ev("B", SNAPSHOT_BEGIN, 5, 5.0));
        let (_, s) = a
            .push(ev("B", SNAPSHOT_END | REMOVE_EVENT, 0, f64::NAN))
            .unwrap();
        assert_eq!(s.candles.len(), 1);
    }

    #[test]
    fn tx_pending_holds_publication() {
        let mut a = SnapshotAssembler::new();
        a.push(ev("A", SNAPSHOT_BEGIN | TX_PENDING, 2, 2.0));
        assert!(a.push(ev("A", SNAPSHOT_END | TX_PENDING, 1, 1.0)).is_none());
        // A pending update replaces index 2, then the transaction ends.
        assert!(a.push(ev("A", TX_PENDING, 2, 2.5)).is_none());
        let (_, s) = a.push(ev("A", 0, 3, 3.0)).unwrap();
        let closes: Vec<_> = s.candles.iter().map(|c| c.close).collect();
        assert_eq!(closes, vec![1.0, 2.5, 3.0]);
    }

    #[test]
    fn remove_deletes_by_index_and_begin_clears() {
        let mut a = SnapshotAssembler::new();
        a.push(ev("A", 0, 9, 9.0)); // stale, before BEGIN
        a.push(ev("A", SNAPSHOT_BEGIN, 3, 3.0));
        a.push(ev("A", 0, 2, 2.0));
        a.push(ev("A", REMOVE_EVENT, 3, f64::NAN));
        let (_, s) = a.push(ev("A", SNAPSHOT_END, 1, 1.0)).unwrap();
        let times: Vec<_> = s.candles.iter().map(|c| c.time).collect();
        assert_eq!(times, vec![1, 2]);
    }

    #[test]
    fn snip_is_a_truncated_completion() {
        let mut a = SnapshotAssembler::new();
        a.push(ev("A", SNAPSHOT_BEGIN | SNAPSHOT_MODE, 3, 3.0));
        let (_, s) = a.push(ev("A", SNAPSHOT_SNIP, 2, 2.0)).unwrap();
        assert!(s.truncated);
        assert_eq!(s.candles.len(), 2);
    }

    #[test]
    fn duplicate_times_keep_the_highest_index() {
        let mut a = SnapshotAssembler::new();
        let mut e1 = ev("A", SNAPSHOT_BEGIN, 7, 1.0);
        e1.index = Some((7 << 32) | 2);
        let mut e2 = ev("A", SNAPSHOT_END, 7, 2.0);
        e2.index = Some((7 << 32) | 1);
        a.push(e1);
        let (_, s) = a.push(e2).unwrap();
        assert_eq!(s.candles.len(), 1);
        assert_eq!(s.candles[0].close, 1.0);
    }
}
