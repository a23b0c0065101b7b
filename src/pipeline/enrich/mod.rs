//! Stage 5 (enrich) and 6 (compute): candles and option chains for the prefilter survivors,
//! concurrently, then ATM option quotes. This file starts the three and wires them together; each
//! has its own file: [`candles`] (the DXLink batch and the compute stage), [`chains`] (when and how
//! a chain is fetched, the expiration and strike), [`quotes`] (the ATM pair); [`cache`] is the
//! cache as the scan uses it (candles, chain structure), [`cached`] puts stored chains to work as
//! soon as prices are known.
//!
//! - Candles: one DXLink batch over the pool that has been connecting since authentication. Each
//!   outcome is computed on arrival (HV, VRP, VTR; the compute stage) and turned into a verdict: does
//!   the symbol still pass the candle-based filters?
//! - Chains: one task per survivor waits for its verdict and fetches the chain only if it passes;
//!   tasks predicted to pass, or with no prediction, do not wait (their chain overlaps the
//!   candles; at most `rest.speculative_chains` at once), so scans lose no time on likely
//!   candidates and spend no rate budget on symbols the service's own HV says will fail.
//!   A chain stored today (same source, same trading day) is not fetched: its choice was made
//!   when the prices arrived ([`cached`]) and its task only waits for the verdict.
//! - Quotes: ATM call and put of the chosen expiration, as DXLink `Quote` events on the pool's
//!   connections (no REST request, no rate budget); when a chain names no streamer symbols, by
//!   `/market-data/by-type`, batched (chains that finish together share one request).

mod cache;
mod cached;
mod candles;
mod chains;
mod quotes;

pub use cache::{Count, ScanCache};
pub(crate) use cached::prepare_stored_chains;

use super::metrics::Background;
use super::Ctx;
use crate::dxlink::CandlePool;
use crate::screen::filters::{self, FilterOutcome, Needs};
use crate::tastytrade::InstrumentRef;
use crate::vol::derived;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

/// What the candles said about a symbol (sent to its chain task).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CandleVerdict {
    Pending,
    Pass,
    Fail,
}

/// A symbol's ATM pair to quote: REST symbols (for `/market-data/by-type`) and, when the chain has
/// them, DXLink streamer symbols (and, for a stored chain, their quotes already under way).
pub(super) struct AtmPair {
    pub(super) index: usize,
    pub(super) call: InstrumentRef,
    pub(super) put: InstrumentRef,
    pub(super) streamers: Option<(String, String)>,
    pub(super) prequoted: Option<cached::Prequoted>,
}

/// Run stage 5 for every active symbol.
pub async fn enrich(ctx: &Arc<Ctx>, bg: Background) {
    let survivors = ctx.board.active();
    if survivors.is_empty() {
        bg.pool_task.abort();
        return;
    }
    ctx.progress.set_message("enrich");
    ctx.progress.set_length(2 * survivors.len() as u64);
    ctx.progress.set_position(0);
    let g = ctx.clock.begin("enrich", survivors.len());
    let before = ctx.requests();

    let mut senders = HashMap::new();
    let mut receivers = Vec::new();
    for &i in &survivors {
        let (tx, rx) = watch::channel(CandleVerdict::Pending);
        senders.insert(i, tx);
        receivers.push((i, rx));
    }
    // The pool has been connecting since the quote token arrived (long before the metrics ended).
    let pool: Result<Arc<CandlePool>, String> = bg.pool.clone().await;
    let candles = tokio::spawn(candles::candles(
        ctx.clone(),
        pool.clone(),
        survivors.clone(),
        senders,
    ));
    let (qtx, qrx) = mpsc::channel::<AtmPair>(survivors.len());
    let speculative = Arc::new(Semaphore::new(ctx.req.config.rest.speculative_chains));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let quotes = tokio::spawn(quotes::quotes(
        ctx.clone(),
        qrx,
        in_flight.clone(),
        pool.clone().ok(),
    ));
    let chains_g = ctx.clock.begin("chains", survivors.len());
    let chains_before = ctx.client.counters();
    // Symbols predicted to pass take the speculation slots first, then symbols without a
    // prediction (the service sent no HV: a few percent of names, whose chain would otherwise
    // start only after the last candles and set the scan's end); symbols predicted to fail wait
    // for their candles. The slots bound how many fetch at once, not how many fetch early.
    // One prediction per survivor, used for the order and for the speculation.
    let mut predicted: Vec<_> = receivers
        .into_iter()
        .map(|(i, rx)| (i, rx, ctx.board.with(i, |s| prediction(ctx, s))))
        .collect();
    predicted.sort_by_key(|(_, _, p)| match p {
        Some(true) => 0,
        None => 1,
        Some(false) => 2,
    });
    let mut tasks = JoinSet::new();
    for (i, rx, p) in predicted {
        let early = p != Some(false);
        let price = ctx.board.with(i, |s| s.fields.price);
        tasks.spawn(chains::chain(
            ctx.clone(),
            i,
            rx,
            early.then(|| speculative.clone()),
            qtx.clone(),
            in_flight.clone(),
            cached::take(ctx, i, price),
        ));
    }
    drop(qtx);
    let mut fetched = 0;
    while let Some(r) = tasks.join_next().await {
        fetched += matches!(r, Ok(true)) as usize;
    }
    let chain_requests = endpoint_delta(&chains_before, &ctx.client.counters(), "chains");
    chains_g.end(fetched, chain_requests);
    // The chains fetched are written while the last quotes come in.
    let c = ctx.clone();
    let store = tokio::spawn(async move { c.cache.store_chains().await });
    let _ = candles.await;
    let _ = quotes.await;
    let _ = store.await;
    if let (Ok(p), Ok(mut last)) = (&pool, ctx.dx_stats.lock()) {
        *last = Some(ctx.dx_since(p.stats()));
    }
    let out = ctx.board.active().len();
    g.end(out, ctx.requests() - before);
}

/// Requests to endpoints whose name contains `part`, between two counter snapshots.
pub(super) fn endpoint_delta(
    a: &crate::tastytrade::RequestCounters,
    b: &crate::tastytrade::RequestCounters,
    part: &str,
) -> u64 {
    let sum = |c: &crate::tastytrade::RequestCounters| -> u64 {
        c.endpoints
            .iter()
            .filter(|(k, _)| k.contains(part))
            .map(|(_, v)| v.requests)
            .sum()
    };
    sum(b).saturating_sub(sum(a))
}

/// Relative slack under a threshold within which a prediction still counts as "may pass".
const PREDICTION_SLACK: f64 = 0.02;

/// Whether a symbol will pass the candle-based filters, predicted by asking those filters about
/// the service's own HV (`/market-metrics`) with thresholds relaxed by [`PREDICTION_SLACK`]; `None`
/// when the service gives no HV. Only the order and the speculation of chain fetches depend on
/// this; the verdict always comes from our own candles.
fn prediction(ctx: &Ctx, s: &super::state::SymbolState) -> Option<bool> {
    if ctx.req.show_all {
        return Some(true);
    }
    let (hv30, hv90) = s.service_hv;
    let (hv30, hv90) = (hv30?, hv90?);
    let floor = ctx.req.config.scan.hv_floor;
    let mut f = s.fields.clone();
    f.hv30 = Some(hv30);
    f.hv90 = Some(hv90);
    f.vrp_structural = derived::vrp_structural(f.iv, f.hv90, floor);
    f.vrp_tactical = derived::vrp_tactical(f.iv, f.hv30, floor);
    f.iv_hv_spread = derived::iv_hv_spread(f.iv, f.hv30);
    f.vtr = derived::vtr(f.hv30, f.hv90);
    // Command-line bounds on candle fields (`--min hv30=...`) are relaxed and asked too; one on a
    // field the service gives no value for (hv20, hv252) is unknown here, never a predicted failure.
    let t = filters::relaxed(&ctx.req.thresholds, PREDICTION_SLACK);
    Some(
        filters::run(&f, &t, Some(Needs::Candles))
            .iter()
            .all(|r| r.outcome != FilterOutcome::Fail),
    )
}
