//! ATM option quotes: pairs with streamer symbols go over DXLink (`Quote` events on the pool's
//! connections: no REST request, no rate budget), falling back to REST when DXLink cannot quote
//! them in time; pairs without go to `/market-data/by-type`, batched (chains that finish together
//! share one request). Which way a pair goes never depends on what arrived with it.

use super::{endpoint_delta, AtmPair};
use crate::dxlink::CandlePool;
use crate::pipeline::{fields, state::SymbolState, Ctx};
use crate::tastytrade::{InstrumentRef, Outcome};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Longest the quote batcher holds a batch open for more chains.
const QUOTE_BATCH_WINDOW: Duration = Duration::from_millis(150);
/// How often the quote batcher looks whether chain fetches are still in flight.
const QUOTE_POLL: Duration = Duration::from_millis(3);
/// A quiet spell this long ends a wave of chains.
const QUOTE_QUIET: Duration = Duration::from_millis(24);
/// Option pairs per `/market-data/by-type` request (2 symbols each, at most 100 symbols).
const QUOTE_BATCH_PAIRS: usize = 50;

/// The quote batcher: groups ATM pairs that arrive within a short window into one request.
pub(super) async fn quotes(
    ctx: Arc<Ctx>,
    mut rx: mpsc::Receiver<AtmPair>,
    in_flight: Arc<AtomicUsize>,
    pool: Option<Arc<CandlePool>>,
) {
    let mut started: Option<crate::pipeline::timing::StageGuard> = None;
    let before = ctx.client.counters();
    let mut requests = JoinSet::new();
    let mut pairs = 0;
    while let Some(first) = rx.recv().await {
        started.get_or_insert_with(|| ctx.clock.begin("quotes", 0));
        // Over DXLink when the chain named streamer symbols: no REST request, no rate budget.
        let first = match (&pool, first.streamers.is_some()) {
            (Some(pool), true) => {
                pairs += 1;
                requests.spawn(quote_dxlink(ctx.clone(), pool.clone(), first));
                continue;
            }
            _ => first,
        };
        let mut batch = vec![first];
        // Gather the wave of chains that is arriving: chains sent together come back together,
        // so a short quiet spell (or no chain fetch in flight) ends the batch; so does a full
        // batch or the window.
        let deadline = Instant::now() + QUOTE_BATCH_WINDOW;
        let mut quiet = Duration::ZERO;
        while batch.len() < QUOTE_BATCH_PAIRS && Instant::now() < deadline {
            match tokio::time::timeout(QUOTE_POLL, rx.recv()).await {
                // A pair with streamer symbols goes over DXLink whatever batch is open: which way
                // a pair is quoted never depends on what happened to arrive with it.
                Ok(Some(job)) if pool.is_some() && job.streamers.is_some() => {
                    if let Some(pool) = &pool {
                        pairs += 1;
                        requests.spawn(quote_dxlink(ctx.clone(), pool.clone(), job));
                    }
                    quiet = Duration::ZERO;
                }
                Ok(Some(job)) => {
                    batch.push(job);
                    quiet = Duration::ZERO;
                }
                Ok(None) => break,
                Err(_) => {
                    quiet += QUOTE_POLL;
                    if in_flight.load(Ordering::SeqCst) == 0 || quiet >= QUOTE_QUIET {
                        break;
                    }
                }
            }
        }
        pairs += batch.len();
        requests.spawn(quote_batch(ctx.clone(), batch));
    }
    while requests.join_next().await.is_some() {}
    if let Some(g) = started {
        let n = endpoint_delta(&before, &ctx.client.counters(), "by-type");
        g.end(pairs, n);
    }
}

/// Quote one ATM pair over DXLink (`Quote` events on the pool's connections; for a stored chain,
/// the quotes started when the price was known). A pair that DXLink could not quote in time (a
/// dropped socket, a slow feed) is asked for once over REST (`/market-data/by-type`), so a flaky
/// feed costs time, not the symbol.
async fn quote_dxlink(ctx: Arc<Ctx>, pool: Arc<CandlePool>, mut job: AtmPair) {
    let Some((call, put)) = job.streamers.clone() else {
        return;
    };
    // A stored chain's pair was asked for as soon as the price was known.
    let early = match job.prequoted.take() {
        Some(h) => h.await.ok().flatten(),
        None => None,
    };
    let quotes = match early {
        Some(q) => q,
        None => pool.quotes_all(vec![call.clone(), put.clone()]).await,
    };
    let side = |s: &str| match quotes.get(s) {
        Some(Ok(q)) => Ok((q.bid, q.ask)),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("no quote".to_string()),
    };
    match (side(&call), side(&put)) {
        (Ok(c), Ok(p)) => ctx.board.with(job.index, |s| record_pair(s, c, p)),
        (Err(e), _) | (_, Err(e)) => {
            ctx.board.with(job.index, |s| {
                s.chain_notes
                    .push(format!("ATM quotes over DXLink: {e}; asked over REST"))
            });
            quote_batch(ctx.clone(), vec![job]).await;
        }
    }
}

/// Straddle mid and slippage from the ATM call's and put's (bid, ask), into the chain fields
/// (settled with the verdict: see `SymbolState::settle_chain_fields`).
fn record_pair(
    s: &mut SymbolState,
    call: (Option<f64>, Option<f64>),
    put: (Option<f64>, Option<f64>),
) {
    match fields::atm_pair(call, put, &mut s.chain_warnings) {
        Some((straddle, slippage)) => {
            s.fields.straddle_mid = straddle;
            s.fields.slippage = slippage;
            if straddle.is_none() {
                s.chain_notes
                    .push("ATM quotes without a usable bid/ask".into());
            }
        }
        None => s
            .chain_notes
            .push("ATM quotes implausible (see warnings)".into()),
    }
}

async fn quote_batch(ctx: Arc<Ctx>, batch: Vec<AtmPair>) {
    let refs: Vec<InstrumentRef> = batch
        .iter()
        .flat_map(|j| [j.call.clone(), j.put.clone()])
        .collect();
    let result = ctx.client.market_data(&refs).await;
    for job in batch {
        let call = result.get(&job.call.symbol);
        let put = result.get(&job.put.symbol);
        ctx.board.with(job.index, |s| match (call, put) {
            (Some(Outcome::Found(c)), Some(Outcome::Found(p))) => {
                record_pair(s, (c.bid, c.ask), (p.bid, p.ask))
            }
            (Some(Outcome::Failed(e)), _) | (_, Some(Outcome::Failed(e))) => {
                s.chain_notes.push(format!("ATM quotes: {e}"));
            }
            _ => s.chain_notes.push("ATM options not quoted".into()),
        });
    }
}
