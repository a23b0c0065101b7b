//! The candle batch and the compute stage: one DXLink batch for the survivors (the cache first);
//! each history is turned into fields the moment it completes ([`crate::pipeline::fields`]) and
//! into a verdict of the metrics and candle filters: a failure on known data rejects the symbol at
//! once, an unknown makes it an error, and its chain task is told either way. A history the server
//! cut short (SNAPSHOT_SNIP) is asked for again; an empty one is an error, never a quiet market;
//! only clean histories are cached.

use super::cache::Count;
use super::CandleVerdict;
use crate::dxlink::{self, CandlePool, CandleSeries};
use crate::model::{RejectStage, Stage};
use crate::pipeline::{fields, Ctx};
use crate::screen::filters::{self, Needs};
use crate::symbol::AssetClass;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::watch;

/// How many times a history cut short by the server (SNAPSHOT_SNIP) is asked for again.
const SNIP_RETRIES: usize = 6;

/// The candle batch and the compute stage.
pub(super) async fn candles(
    ctx: Arc<Ctx>,
    pool: Result<Arc<CandlePool>, String>,
    survivors: Vec<usize>,
    senders: HashMap<usize, watch::Sender<CandleVerdict>>,
) {
    let g = ctx.clock.begin("candles", survivors.len());
    let fail_all = |e: &str| {
        for &i in &survivors {
            ctx.board.with(i, |s| s.fail(Stage::Candles, e.to_string()));
            if let Some(tx) = senders.get(&i) {
                let _ = tx.send(CandleVerdict::Fail);
            }
        }
    };
    let pool = match pool {
        Ok(p) => p,
        Err(e) => {
            fail_all(&e);
            g.end(0, 0);
            return;
        }
    };
    let mut by_candle: HashMap<String, usize> = HashMap::new();
    for &i in &survivors {
        let sym = ctx.board.with(i, |s| match s.class {
            AssetClass::Future => s
                .streamer_symbol
                .as_deref()
                .and_then(dxlink::futures_candle_symbol),
            _ => dxlink::candle_symbol_for(&s.symbol),
        });
        match sym {
            Some(c) => {
                by_candle.insert(c, i);
            }
            None => {
                ctx.board.with(i, |s| {
                    s.fail(Stage::Candles, "no candle symbol (no streamer symbol)")
                });
                let _ = senders[&i].send(CandleVerdict::Fail);
            }
        }
    }
    let from = dxlink::history_from_time_ms(
        ctx.req.as_of,
        ctx.req.config.scan.candle_history_days as i64,
    );
    let mut ok = 0;
    let mut compute_start: Option<f64> = None;
    let mut computed = 0;
    // True when the series was clean (nothing empty or implausible) and may be cached.
    let mut on_series = |i: usize, series: &CandleSeries| -> bool {
        ok += 1;
        compute_start.get_or_insert_with(|| ctx.clock.now_ms());
        computed += 1;
        let (verdict, clean) = compute(&ctx, i, series);
        let _ = senders[&i].send(verdict);
        ctx.progress.inc(1);
        clean
    };
    let hits = ctx
        .cache
        .candles(by_candle.keys().cloned().collect(), from)
        .await;
    for (sym, series) in &hits {
        if let Some(i) = by_candle.remove(sym) {
            on_series(i, series);
        }
    }
    if ctx.cache.active() {
        ctx.cache.count(Count::CandleHit, hits.len() as u64);
        ctx.cache.count(Count::CandleMiss, by_candle.len() as u64);
    }
    let mut fetched: Vec<(String, CandleSeries)> = Vec::new();
    // A history the server cut short (SNAPSHOT_SNIP) is asked for again, up to SNIP_RETRIES
    // times; the longest one received is used if every answer was cut (with a note).
    let mut snipped: HashMap<String, CandleSeries> = HashMap::new();
    let mut round = 0;
    let mut rx = pool.fetch(by_candle.keys().cloned().collect(), from);
    loop {
        while let Some(o) = rx.recv().await {
            let Some(&i) = by_candle.get(&o.symbol) else {
                continue;
            };
            let result = match o.result {
                Ok(series) if series.truncated => {
                    let best = match snipped.remove(&o.symbol) {
                        Some(b) if b.candles.len() >= series.candles.len() => b,
                        _ => series,
                    };
                    if round < SNIP_RETRIES {
                        snipped.insert(o.symbol, best);
                        continue;
                    }
                    Ok(best)
                }
                // A complete answer wins, unless it is empty and a cut one already came.
                Ok(series) => match snipped.remove(&o.symbol) {
                    Some(cut) if series.candles.is_empty() => Ok(cut),
                    _ => Ok(series),
                },
                // A retry that failed falls back on the cut history already received.
                Err(e) => snipped.remove(&o.symbol).ok_or(e),
            };
            match result {
                Ok(series) => {
                    if on_series(i, &series) {
                        fetched.push((o.symbol, series));
                    }
                }
                Err(e) => {
                    ctx.board.with(i, |s| s.fail(Stage::Candles, e.to_string()));
                    let _ = senders[&i].send(CandleVerdict::Fail);
                    ctx.progress.inc(1);
                }
            }
        }
        if snipped.is_empty() {
            break;
        }
        if round >= SNIP_RETRIES {
            // Every outcome arrived (one per symbol); anything left is used as it is.
            for (sym, series) in snipped.drain() {
                if let Some(&i) = by_candle.get(&sym) {
                    on_series(i, &series);
                }
            }
            break;
        }
        round += 1;
        rx = pool.fetch(snipped.keys().cloned().collect(), from);
    }
    ctx.cache.store_candles(fetched, from).await;
    g.end(ok, ctx.dx_since(pool.stats()).subscriptions_added);
    if let Some(start) = compute_start {
        ctx.clock.record("compute", start, computed, computed, 0);
    }
}

/// Stage 6 for one symbol: HV and derived metrics; the verdict of the candle-based filters; and
/// whether the series was clean enough to cache.
fn compute(ctx: &Ctx, i: usize, series: &CandleSeries) -> (CandleVerdict, bool) {
    if let Some(keep) = &ctx.req.keep {
        keep.candles(&ctx.board.with(i, |s| s.symbol.clone()), series);
    }
    let started = std::time::Instant::now();
    let out = compute_one(ctx, i, series);
    ctx.compute_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

fn compute_one(ctx: &Ctx, i: usize, series: &CandleSeries) -> (CandleVerdict, bool) {
    if series.candles.is_empty() {
        // A broken feed must not look like a quiet market: an empty history is an error.
        ctx.board.with(i, |s| {
            s.fail(
                Stage::Candles,
                "the feed sent an empty candle history (no candles at all)",
            )
        });
        return (CandleVerdict::Fail, false);
    }
    let floor = ctx.req.config.scan.hv_floor;
    let t = &ctx.req.thresholds;
    ctx.board.with(i, |s| {
        let clean = fields::from_candles_with(
            &mut s.fields,
            series.candles.clone(),
            series.truncated,
            ctx.req.as_of,
            floor,
            &ctx.req.estimators,
        );
        // The verdict so far: metrics and candle filters (the chain ones come later).
        let mut results = filters::run(&s.fields, t, Some(Needs::Metrics));
        results.extend(filters::run(&s.fields, t, Some(Needs::Candles)));
        s.advance(Stage::Chains);
        if ctx.req.show_all {
            s.candles_passed = Some(true);
            return (CandleVerdict::Pass, clean);
        }
        match filters::verdict(&results) {
            filters::Verdict::Candidate => {
                s.candles_passed = Some(true);
                (CandleVerdict::Pass, clean)
            }
            filters::Verdict::Rejected(reasons) => {
                s.candles_passed = Some(false);
                s.reject(RejectStage::Filter, reasons);
                (CandleVerdict::Fail, clean)
            }
            filters::Verdict::Unknown(unknown) => {
                s.candles_passed = Some(false);
                let details: Vec<String> = unknown.into_iter().map(|r| r.detail).collect();
                s.fail_unknown(Stage::Candles, details.join("; "), details);
                (CandleVerdict::Fail, clean)
            }
        }
    })
}
