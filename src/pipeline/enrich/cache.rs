//! The candle cache as one scan uses it: lookups before the DXLink batch (an empty history is
//! never a hit), writes after it of clean histories only, both off the reactor; a broken cache is
//! skipped, never fatal.

use crate::dxlink::CandleSeries;
use crate::pipeline::{Ctx, Source};

/// The candle cache as one scan uses it.
pub(super) struct CacheUse {
    mode: crate::cache::Mode,
    source: String,
    as_of: crate::date::Date,
    from: i64,
    max_age: Option<i64>,
}

impl CacheUse {
    pub(super) fn new(ctx: &Ctx, from: i64) -> CacheUse {
        let (source, max_age) = match &ctx.req.source {
            #[cfg(feature = "demo")]
            Source::Demo { .. } => ("demo".to_string(), None),
            Source::Tastytrade { base_url, .. } => {
                (base_url.clone(), Some(crate::cache::LIVE_MAX_AGE_MS))
            }
        };
        CacheUse {
            mode: ctx.req.cache,
            source,
            as_of: ctx.req.as_of,
            from,
            max_age,
        }
    }

    /// Cached series of `symbols` (only with `Mode::Use`; a broken cache is skipped, not fatal).
    pub(super) async fn lookup(&self, symbols: Vec<String>) -> Vec<(String, CandleSeries)> {
        if self.mode != crate::cache::Mode::Use || symbols.is_empty() {
            return Vec::new();
        }
        let (source, as_of, from, max_age) =
            (self.source.clone(), self.as_of, self.from, self.max_age);
        let task = tokio::task::spawn_blocking(move || {
            let cache = crate::cache::Cache::open(&crate::cache::default_path()).ok()?;
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
        });
        task.await.ok().flatten().unwrap_or_default()
    }

    /// Write fetched series (not with `Mode::Off`; the caller passes only clean series: never an
    /// empty, failed or implausible one; truncated series are not kept either), off the reactor.
    pub(super) async fn store(&self, series: Vec<(String, CandleSeries)>) {
        if self.mode == crate::cache::Mode::Off || series.is_empty() {
            return;
        }
        let (source, as_of, from) = (self.source.clone(), self.as_of, self.from);
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
        // On the blocking pool, while chains and quotes go on; awaited so that nothing is lost at exit.
        let _ = tokio::task::spawn_blocking(move || {
            if let Ok(mut cache) = crate::cache::Cache::open(&crate::cache::default_path()) {
                let _ = cache.put_many(&source, as_of, from, crate::date::now_ms(), &entries);
            }
        })
        .await;
    }
}
