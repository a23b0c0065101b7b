//! Stored chains, put to work early. A chain's structure stored today ([`super::cache`]) needs no
//! request, only the underlying's price to pick the ATM strike; so as soon as the prices arrive
//! (during the metrics stage, long before the prefilter) each stored chain of the scan is decoded,
//! its expiration and ATM strike are chosen ([`super::chains::decide`], exactly as for a fetched
//! chain) and the ATM pair's DXLink quotes are started on the pool. The quotes are live, only
//! asked for earlier: by the time a symbol's candles pass, its quotes are in, and a warm scan ends
//! with the metrics instead of a chain wave and a quote round trip later.
//!
//! The choice is recorded only if the symbol reaches the chain stage with the same price (always,
//! since the price is set from the same answer); a symbol that fails earlier leaves nothing behind
//! but a few DXLink quotes. A stored chain that does not decode is left out: its symbol fetches
//! the chain again, and the fetch replaces the entry.

use super::chains::{decide, Choice};
use crate::dxlink::{OptionQuote, QuoteError};
use crate::pipeline::metrics::PoolFuture;
use crate::pipeline::Ctx;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Quotes by streamer symbol, as [`crate::dxlink::CandlePool::quotes_all`] gives them.
pub(super) type QuoteMap = HashMap<String, Result<OptionQuote, QuoteError>>;

/// The ATM pair's DXLink quotes, started from a stored chain: `None` when the pool could not be
/// had (the pair is then quoted the ordinary way).
pub(super) type Prequoted = JoinHandle<Option<QuoteMap>>;

/// A choice made from a stored chain, waiting for its symbol's chain task.
pub(super) struct Prepared {
    /// The price the choice was made at.
    pub(super) price: Option<f64>,
    pub(super) choice: Choice,
    pub(super) quotes: Option<Prequoted>,
}

/// Prepare the stored chains of `symbols` (index, the price the scan records for it): choose
/// expiration and strike, start the pair's quotes. Only with the cache read (`Mode::Use`).
pub(crate) async fn prepare_stored_chains(
    ctx: &Arc<Ctx>,
    pool: &PoolFuture,
    symbols: Vec<(usize, Option<f64>)>,
) {
    if !ctx.cache.reads() || symbols.is_empty() {
        return;
    }
    let stored = ctx.cache.stored_chains().await;
    if stored.is_empty() {
        return;
    }
    let jobs: Vec<_> = symbols
        .into_iter()
        .filter_map(|(i, price)| {
            let (symbol, class) = ctx.board.with(i, |s| (s.symbol.clone(), s.class));
            let blob = stored.get(&symbol)?.clone();
            Some((i, symbol, class, price, blob))
        })
        .collect();
    if jobs.is_empty() {
        return;
    }
    // Decoding is CPU work (tens of kilobytes a chain): off the reactor, which is still busy
    // with the metrics.
    let c = ctx.clone();
    let decided = tokio::task::spawn_blocking(move || {
        jobs.into_iter()
            .filter_map(|(i, symbol, class, price, blob)| {
                // Corrupt: fetched again (a miss), and the fetch replaces it.
                let chain = blob.decode()?;
                Some((i, price, decide(&c.req, &symbol, class, &chain, price)))
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    for (i, price, choice) in decided {
        let quotes = choice.streamers().cloned().map(|(call, put)| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let pool = pool.await.ok()?;
                Some(pool.quotes_all(vec![call, put]).await)
            })
        });
        ctx.cache.keep_prepared(
            i,
            Prepared {
                price,
                choice,
                quotes,
            },
        );
    }
}

/// The choice prepared for symbol `i` at `price`, if there is one.
pub(super) fn take(ctx: &Ctx, i: usize, price: Option<f64>) -> Option<Prepared> {
    let p = ctx.cache.take_prepared(i)?;
    if p.price != price {
        // Never expected (the price comes from the same answer); fetch rather than guess.
        if let Some(q) = p.quotes {
            q.abort();
        }
        return None;
    }
    Some(p)
}
