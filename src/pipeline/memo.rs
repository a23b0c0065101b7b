//! What a watch remembers between its passes ([`Memo`]): the candle histories, option-chain
//! structures and futures front months it fetched, in memory, for one trading day.
//!
//! The same rules as the disk cache ([`crate::cache`]), which it sits in front of
//! ([`super::enrich::ScanCache`]): everything belongs to the trading day it was fetched for (a
//! pass of another day clears the memo first, so the next trading day fetches again); only what
//! the cache would store is kept (clean, complete candle histories; complete, plausible chains); a
//! live candle history is used for [`crate::cache::LIVE_MAX_AGE_MS`] only (today's candle keeps
//! changing), a demo one for the whole day. Unlike the disk cache it is kept with `--no-cache`
//! too: it is the process's own memory of what it fetched, and it ends with the process.
//! Quotes, prices and metrics are never kept: every pass asks for them again.

use crate::cache::{ChainBlob, FrontMonth};
use crate::date::Date;
use crate::dxlink::CandleSeries;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// One kept candle history.
#[derive(Debug, Clone)]
struct KeptSeries {
    /// The history's start (`fromTime`, epoch ms): a request from another start misses.
    from: i64,
    /// When it was fetched (epoch ms).
    at_ms: i64,
    series: CandleSeries,
}

/// Everything kept, all of one trading day.
#[derive(Debug, Default)]
struct Day {
    day: Option<Date>,
    candles: HashMap<String, KeptSeries>,
    chains: HashMap<String, Arc<ChainBlob>>,
    fronts: HashMap<String, FrontMonth>,
}

/// The memory of a watch (shared by its passes; cheap to share behind an `Arc`).
#[derive(Debug, Default)]
pub struct Memo {
    inner: Mutex<Day>,
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// The kept data, cleared first when it is of another day than `day`.
    fn of(&self, day: Date) -> MutexGuard<'_, Day> {
        let mut d = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if d.day != Some(day) {
            *d = Day {
                day: Some(day),
                ..Day::default()
            };
        }
        d
    }

    /// The kept histories of `symbols` (candle symbols) from `from`, fetched at most `max_age`
    /// ms before `now` (`None`: any time that day).
    pub fn candles(
        &self,
        day: Date,
        symbols: &[String],
        from: i64,
        max_age: Option<i64>,
        now: i64,
    ) -> Vec<(String, CandleSeries)> {
        let d = self.of(day);
        symbols
            .iter()
            .filter_map(|s| {
                let k = d.candles.get(s)?;
                let fresh = max_age.is_none_or(|age| now - k.at_ms <= age);
                (k.from == from && fresh).then(|| (s.clone(), k.series.clone()))
            })
            .collect()
    }

    /// Keep histories fetched at `now` from `from`: only complete, non-empty ones (the caller
    /// passes clean ones only, as for the disk cache).
    pub fn keep_candles(&self, day: Date, from: i64, now: i64, series: &[(String, CandleSeries)]) {
        let mut d = self.of(day);
        for (s, series) in series {
            if series.truncated || series.candles.is_empty() {
                continue;
            }
            let kept = KeptSeries {
                from,
                at_ms: now,
                series: series.clone(),
            };
            d.candles.insert(s.clone(), kept);
        }
    }

    /// The kept chains of `symbols`.
    pub fn chains(&self, day: Date, symbols: &HashSet<String>) -> HashMap<String, Arc<ChainBlob>> {
        let d = self.of(day);
        d.chains
            .iter()
            .filter(|(s, _)| symbols.contains(*s))
            .map(|(s, c)| (s.clone(), c.clone()))
            .collect()
    }

    /// Keep fetched chains (their stored form).
    pub fn keep_chains(&self, day: Date, chains: &[(String, ChainBlob)]) {
        let mut d = self.of(day);
        for (s, c) in chains {
            d.chains.insert(s.clone(), Arc::new(c.clone()));
        }
    }

    /// The kept front months of `roots`.
    pub fn fronts(&self, day: Date, roots: &HashSet<String>) -> HashMap<String, FrontMonth> {
        let d = self.of(day);
        d.fronts
            .iter()
            .filter(|(r, _)| roots.contains(*r))
            .map(|(r, f)| (r.clone(), f.clone()))
            .collect()
    }

    /// Keep fetched front months.
    pub fn keep_fronts(&self, day: Date, fronts: &[(String, FrontMonth)]) {
        let mut d = self.of(day);
        for (r, f) in fronts {
            d.fronts.insert(r.clone(), f.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candle::Candle;

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn series(n: usize, truncated: bool) -> CandleSeries {
        CandleSeries {
            candles: (0..n)
                .map(|i| Candle {
                    time: i as i64 * 86_400_000,
                    open: 10.0,
                    high: 11.0,
                    low: 9.0,
                    close: 10.5,
                    volume: 100.0,
                })
                .collect(),
            truncated,
        }
    }

    fn names(v: &[(String, CandleSeries)]) -> Vec<&str> {
        let mut n: Vec<&str> = v.iter().map(|(s, _)| s.as_str()).collect();
        n.sort();
        n
    }

    #[test]
    fn candles_are_kept_for_their_day_start_and_age() {
        let m = Memo::new();
        let d = day("2026-11-20");
        let kept = vec![
            ("AAPL{=1d}".to_string(), series(3, false)),
            ("CUT{=1d}".to_string(), series(3, true)),
            ("EMPTY{=1d}".to_string(), series(0, false)),
        ];
        m.keep_candles(d, 5, 1_000, &kept);
        let all: Vec<String> = ["AAPL{=1d}", "CUT{=1d}", "EMPTY{=1d}", "MSFT{=1d}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let hits = m.candles(d, &all, 5, None, 9_999_999);
        assert_eq!(
            names(&hits),
            ["AAPL{=1d}"],
            "cut and empty histories are not kept"
        );
        assert_eq!(hits[0].1, kept[0].1);
        assert!(
            m.candles(d, &all, 6, None, 1_000).is_empty(),
            "another start"
        );
        assert_eq!(m.candles(d, &all, 5, Some(500), 1_500).len(), 1);
        assert!(
            m.candles(d, &all, 5, Some(500), 1_501).is_empty(),
            "too old"
        );
        // Another day clears everything: back on the first day, nothing is left.
        assert!(m
            .candles(day("2026-11-23"), &all, 5, None, 1_000)
            .is_empty());
        assert!(m.candles(d, &all, 5, None, 1_000).is_empty());
    }

    #[test]
    fn chains_and_fronts_are_kept_by_symbol_for_their_day() {
        let m = Memo::new();
        let d = day("2026-11-20");
        let blob = ChainBlob::from_bytes(vec![1, 2, 3]);
        m.keep_chains(d, &[("AAPL".into(), blob.clone())]);
        let front = FrontMonth {
            symbol: "/ESZ6".into(),
            streamer_symbol: Some("/ESZ26:XCME".into()),
        };
        m.keep_fronts(d, &[("/ES".into(), front.clone())]);
        let want: HashSet<String> = ["AAPL", "/ES", "SPY"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let chains = m.chains(d, &want);
        assert_eq!(chains.len(), 1);
        assert_eq!(*chains["AAPL"], blob);
        assert_eq!(m.fronts(d, &want)["/ES"], front);
        let none: HashSet<String> = HashSet::new();
        assert!(m.chains(d, &none).is_empty(), "only the symbols asked for");
        assert!(m.fronts(day("2026-11-21"), &want).is_empty());
        assert!(m.chains(d, &want).is_empty(), "the next day cleared them");
    }
}
