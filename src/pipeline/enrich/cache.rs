//! The cache as one scan uses it ([`ScanCache`]): one connection, opened off the reactor by
//! whichever stage needs it first (the chain lookup, started with the scan); a broken cache is
//! skipped, never fatal; a file that is not a volscreen cache is moved aside with a warning on
//! stderr naming it.
//!
//! - Candles: lookups before the DXLink batch (an empty history is never a hit), writes after it
//!   of clean histories only.
//! - Chains: every stored chain of the scan's symbols for the trading day is read once, in the
//!   background, while the scan authenticates; [`super::cached`] turns them into ATM choices as
//!   soon as prices arrive. Chains fetched over REST are kept in their stored form (only complete,
//!   plausible ones: see [`super::chains`]) and written after the chain stage, beside the quotes.
//! - Futures: each root's active contract, read with the chains and used by the metrics stage
//!   instead of asking `/instruments/futures` again; fetched ones are written with the chains.
//! - Counters: hits and misses, for the benchmark breakdown (`meta.timings.requests.per_endpoint`,
//!   keys `cache candles hits` ...; a candle or chain hit is one request not made; the futures
//!   contracts of many roots share a request, so their requests saved are counted apart).
//! - A watch's memory ([`crate::pipeline::memo::Memo`], [`ScanCache::with_memo`]): looked up
//!   before the file and given everything fetched, with `--no-cache` and `--refresh` too (it is
//!   the process's own memory); its hits count as cache hits.

use super::cached::Prepared;
use crate::cache::{Cache, ChainBlob, FrontMonth, Mode};
use crate::date::Date;
use crate::dxlink::CandleSeries;
use crate::pipeline::memo::Memo;
use crate::pipeline::{ScanRequest, Source};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The cache as one scan uses it.
pub struct ScanCache {
    mode: Mode,
    /// `demo` or the API's base URL.
    source: String,
    /// The trading day: the demo market's as-of date, or the New York date of the live service.
    day: Date,
    /// How long a candle series stays usable (`None`: for good; the demo market's).
    candle_max_age: Option<i64>,
    /// The symbols of the scan (what the chain lookup keeps).
    symbols: HashSet<String>,
    conn: OnceCell<Option<Arc<Mutex<Cache>>>>,
    stored_chains: OnceCell<HashMap<String, Arc<ChainBlob>>>,
    stored_fronts: OnceCell<HashMap<String, FrontMonth>>,
    /// Futures roots' active contracts fetched in this scan, to store.
    fetched_fronts: Mutex<Vec<(String, FrontMonth)>>,
    /// ATM choices made from stored chains (by symbol index), taken by the chain tasks.
    prepared: Mutex<HashMap<usize, Prepared>>,
    /// Chains fetched in this scan, fit to store.
    fetched: Mutex<Vec<(String, ChainBlob)>>,
    counters: [AtomicU64; 7],
    /// A watch's memory of earlier passes (`None`: a one-shot scan).
    memo: Option<Arc<Memo>>,
}

/// What the counters count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    CandleHit = 0,
    CandleMiss = 1,
    ChainHit = 2,
    ChainMiss = 3,
    FrontHit = 4,
    FrontMiss = 5,
    FrontSaved = 6,
}

impl Count {
    const KEYS: [&'static str; 7] = [
        "cache candles hits",
        "cache candles misses",
        "cache chains hits",
        "cache chains misses",
        "cache futures hits",
        "cache futures misses",
        "cache futures requests saved",
    ];
}

impl ScanCache {
    /// The cache of a scan of `req` (nothing is opened yet).
    pub fn new(req: &ScanRequest) -> ScanCache {
        let (source, candle_max_age) = match &req.source {
            #[cfg(feature = "demo")]
            // Keyed by the market's revision: data cached from an older demo market is never
            // served as this one's.
            Source::Demo { .. } => (format!("demo-r{}", crate::sim::MARKET_REVISION), None),
            Source::Tastytrade { base_url, .. } => {
                (base_url.clone(), Some(crate::cache::LIVE_MAX_AGE_MS))
            }
        };
        ScanCache {
            mode: req.cache,
            source,
            day: req.as_of,
            candle_max_age,
            symbols: req.symbols.iter().cloned().collect(),
            conn: OnceCell::new(),
            stored_chains: OnceCell::new(),
            stored_fronts: OnceCell::new(),
            fetched_fronts: Mutex::new(Vec::new()),
            prepared: Mutex::new(HashMap::new()),
            fetched: Mutex::new(Vec::new()),
            counters: Default::default(),
            memo: None,
        }
    }

    /// The same, in front of a watch's memory of its earlier passes.
    pub fn with_memo(mut self, memo: Option<Arc<Memo>>) -> ScanCache {
        self.memo = memo;
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether stored entries are read (`Mode::Use`, or a watch's memory).
    pub fn reads(&self) -> bool {
        self.mode == Mode::Use || self.memo.is_some()
    }

    /// Whether fetched data is kept and hits and misses are counted (the file is used, or a
    /// watch's memory).
    pub fn active(&self) -> bool {
        self.mode != Mode::Off || self.memo.is_some()
    }

    pub(crate) fn count(&self, what: Count, n: u64) {
        self.counters[what as usize].fetch_add(n, Ordering::Relaxed);
    }

    /// The counters as `per_endpoint` entries (none with `--no-cache`, but in a watch).
    pub fn counters_into(&self, per_endpoint: &mut BTreeMap<String, u64>) {
        if !self.active() {
            return;
        }
        for (k, c) in Count::KEYS.iter().zip(&self.counters) {
            per_endpoint.insert(k.to_string(), c.load(Ordering::Relaxed));
        }
    }

    /// The open cache (opened on first use, off the reactor); `None` with `--no-cache` or when it
    /// cannot be opened. A file moved aside is reported here, once.
    async fn connection(&self) -> Option<Arc<Mutex<Cache>>> {
        if self.mode == Mode::Off {
            return None;
        }
        self.conn
            .get_or_init(|| async {
                let opened =
                    tokio::task::spawn_blocking(|| Cache::open(&crate::cache::default_path()).ok())
                        .await
                        .ok()
                        .flatten()?;
                if let Some(m) = opened.moved_aside() {
                    use std::io::Write;
                    let _ = writeln!(std::io::stderr(), "volscreen: warning: {m}");
                }
                Some(Arc::new(Mutex::new(opened)))
            })
            .await
            .clone()
    }

    /// Run `f` on the open cache, off the reactor; `None` when there is none (or it failed).
    async fn with_cache<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache) -> Option<R> + Send + 'static,
    ) -> Option<R> {
        let conn = self.connection().await?;
        tokio::task::spawn_blocking(move || {
            let mut cache = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut cache)
        })
        .await
        .ok()
        .flatten()
    }

    // -- candles ---------------------------------------------------------------------------------

    /// Cached series of `symbols` fetched from `from` (only with `Mode::Use`; a broken cache is
    /// skipped, not fatal).
    pub(super) async fn candles(
        &self,
        symbols: Vec<String>,
        from: i64,
    ) -> Vec<(String, CandleSeries)> {
        if !self.reads() || symbols.is_empty() {
            return Vec::new();
        }
        let (source, as_of, max_age) = (self.source.clone(), self.day, self.candle_max_age);
        let mut found = match &self.memo {
            Some(m) => m.candles(as_of, &symbols, from, max_age, crate::date::now_ms()),
            None => Vec::new(),
        };
        if self.mode != Mode::Use {
            return found;
        }
        let symbols: Vec<String> = {
            let had: HashSet<&String> = found.iter().map(|(s, _)| s).collect();
            symbols.into_iter().filter(|s| !had.contains(s)).collect()
        };
        let stored = self
            .with_cache(move |cache| {
                let now = crate::date::now_ms();
                Some(
                    symbols
                        .into_iter()
                        .filter_map(|s| {
                            let e = cache.get(&source, &s, as_of, from, max_age, now).ok()??;
                            // An empty history is never a hit (older versions stored some).
                            if e.candles.is_empty() {
                                return None;
                            }
                            Some((
                                s,
                                CandleSeries {
                                    candles: e.candles,
                                    truncated: e.truncated,
                                },
                            ))
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .unwrap_or_default();
        found.extend(stored);
        found
    }

    /// Write fetched series (not with `Mode::Off`; the caller passes only clean series: never an
    /// empty, failed or implausible one; truncated series are not kept either), off the reactor.
    pub(super) async fn store_candles(&self, series: Vec<(String, CandleSeries)>, from: i64) {
        if let Some(m) = &self.memo {
            m.keep_candles(self.day, from, crate::date::now_ms(), &series);
        }
        if self.mode == Mode::Off || series.is_empty() {
            return;
        }
        let (source, as_of) = (self.source.clone(), self.day);
        let entries: Vec<(String, crate::cache::Entry)> = series
            .into_iter()
            .filter(|(_, s)| !s.truncated)
            .map(|(sym, s)| {
                (
                    sym,
                    crate::cache::Entry {
                        candles: s.candles,
                        truncated: false,
                    },
                )
            })
            .collect();
        // Awaited so that nothing is lost at exit.
        self.with_cache(move |cache| {
            cache
                .put_many(&source, as_of, from, crate::date::now_ms(), &entries)
                .ok()
        })
        .await;
    }

    // -- chains ----------------------------------------------------------------------------------

    /// The stored chains of the scan's symbols for its trading day (read once; empty unless
    /// `Mode::Use`).
    pub(super) async fn stored_chains(&self) -> &HashMap<String, Arc<ChainBlob>> {
        self.stored_chains_in_background().await
    }

    /// [`ScanCache::stored_chains`], for the task that starts the lookup with the scan.
    pub async fn stored_chains_in_background(&self) -> &HashMap<String, Arc<ChainBlob>> {
        self.stored_chains
            .get_or_init(|| async {
                let mut kept = match &self.memo {
                    Some(m) => m.chains(self.day, &self.symbols),
                    None => HashMap::new(),
                };
                if self.mode != Mode::Use {
                    return kept;
                }
                let (source, day) = (self.source.clone(), self.day);
                let all = self
                    .with_cache(move |cache| cache.chains(&source, day).ok())
                    .await
                    .unwrap_or_default();
                for (s, blob) in all {
                    if self.symbols.contains(&s) && !kept.contains_key(&s) {
                        kept.insert(s, Arc::new(blob));
                    }
                }
                kept
            })
            .await
    }

    pub(super) fn keep_prepared(&self, i: usize, p: Prepared) {
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(i, p);
    }

    /// The ATM choice made from symbol `i`'s stored chain, if one was (taken: used once).
    pub(super) fn take_prepared(&self, i: usize) -> Option<Prepared> {
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&i)
    }

    /// Keep a fetched chain (in its stored form) to write after the chain stage.
    pub(super) fn keep_fetched(&self, symbol: String, blob: ChainBlob) {
        self.fetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((symbol, blob));
    }

    /// Write the chains and futures contracts fetched in this scan (not with `Mode::Off`), off
    /// the reactor.
    pub(super) async fn store_chains(&self) {
        let chains = std::mem::take(&mut *self.fetched.lock().unwrap_or_else(|e| e.into_inner()));
        let fronts = std::mem::take(
            &mut *self
                .fetched_fronts
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        if let Some(m) = &self.memo {
            m.keep_chains(self.day, &chains);
            m.keep_fronts(self.day, &fronts);
        }
        if self.mode == Mode::Off || (chains.is_empty() && fronts.is_empty()) {
            return;
        }
        let (source, day) = (self.source.clone(), self.day);
        self.with_cache(move |cache| {
            let now = crate::date::now_ms();
            let a = chains.is_empty() || cache.put_chains(&source, day, now, &chains).is_ok();
            let b = fronts.is_empty() || cache.put_fronts(&source, day, now, &fronts).is_ok();
            (a && b).then_some(())
        })
        .await;
    }

    // -- futures contracts -----------------------------------------------------------------------

    /// The stored active contracts of the scan's futures roots for its trading day (read once;
    /// empty unless `Mode::Use`).
    pub async fn stored_fronts(&self) -> &HashMap<String, FrontMonth> {
        self.stored_fronts
            .get_or_init(|| async {
                let mut kept = match &self.memo {
                    Some(m) => m.fronts(self.day, &self.symbols),
                    None => HashMap::new(),
                };
                if self.mode != Mode::Use {
                    return kept;
                }
                let (source, day) = (self.source.clone(), self.day);
                let all = self
                    .with_cache(move |cache| cache.fronts(&source, day).ok())
                    .await
                    .unwrap_or_default();
                for (s, front) in all {
                    if self.symbols.contains(&s) {
                        kept.entry(s).or_insert(front);
                    }
                }
                kept
            })
            .await
    }

    /// Keep a fetched active contract to write after the chain stage (not with `Mode::Off`, but
    /// in a watch).
    pub fn keep_front(&self, root: String, front: FrontMonth) {
        if self.active() {
            self.fetched_fronts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((root, front));
        }
    }
}
