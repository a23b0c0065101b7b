//! One survivor's option chain: wait for a passing candle verdict (or a speculation slot), fetch
//! the chain, check it belongs to the symbol ([`crate::plausible::chain`]), choose the expiration
//! (nearest the target DTE within the window, monthlies first) and the ATM strike ([`decide`]),
//! and hand the pair to the quote batcher. A symbol whose chain was stored today has its choice
//! made already ([`super::cached`]): its task only waits for the verdict (no speculation slot, no
//! request). A fetched chain that is complete and plausible is kept for the cache.

use super::cache::Count;
use super::cached::{Prepared, Prequoted};
use super::{AtmPair, CandleVerdict};
use crate::cache::ChainBlob;
use crate::date::Date;
use crate::model::Warning;
use crate::pipeline::{Ctx, ScanRequest};
use crate::plausible;
use crate::symbol::AssetClass;
use crate::tastytrade::{ApiError, InstrumentKind, InstrumentRef, OptionChain};
use crate::vol::expiry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Semaphore};

/// One survivor's option chain: wait for a passing verdict (or a speculation slot), fetch, choose
/// the expiration and the ATM strike, hand the pair to the quote batcher. With a choice `prepared`
/// from the stored chain: wait for the verdict only, and use it. True if the chain was had.
pub(super) async fn chain(
    ctx: Arc<Ctx>,
    i: usize,
    mut verdict: watch::Receiver<CandleVerdict>,
    speculative: Option<Arc<Semaphore>>,
    quotes: mpsc::Sender<AtmPair>,
    in_flight: Arc<AtomicUsize>,
    prepared: Option<Prepared>,
) -> bool {
    // A stored chain costs no request: nothing to overlap, no speculation slot to spend.
    let speculative = if prepared.is_some() {
        None
    } else {
        speculative
    };
    loop {
        let v = *verdict.borrow_and_update();
        match v {
            CandleVerdict::Pass => break,
            CandleVerdict::Fail => {
                ctx.progress.inc(1);
                return false;
            }
            CandleVerdict::Pending => {}
        }
        let slot = async {
            match &speculative {
                Some(sem) => sem.clone().acquire_owned().await.ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            changed = verdict.changed() => {
                if changed.is_err() {
                    ctx.progress.inc(1);
                    return false;
                }
            }
            permit = slot => {
                if let Some(p) = permit {
                    // Spent for good: speculation is bounded per scan, not per moment.
                    p.forget();
                }
                break;
            }
        }
    }
    if let Some(p) = prepared {
        ctx.progress.inc(1);
        ctx.cache.count(Count::ChainHit, 1);
        if let Some(job) = apply(&ctx, i, p.choice, p.quotes) {
            let _ = quotes.send(job).await;
        }
        return true;
    }
    in_flight.fetch_add(1, Ordering::SeqCst);
    let fetched = fetch_chain(&ctx, i, &quotes).await;
    in_flight.fetch_sub(1, Ordering::SeqCst);
    fetched
}

/// Fetch one symbol's chain, choose expiration and strike, queue the ATM pair for quotes; keep
/// the chain for the cache when it is fit to store.
async fn fetch_chain(ctx: &Arc<Ctx>, i: usize, quotes: &mpsc::Sender<AtmPair>) -> bool {
    let (symbol, class, price) = ctx
        .board
        .with(i, |s| (s.symbol.clone(), s.class, s.fields.price));
    let result = match class {
        AssetClass::Future => {
            ctx.client
                .futures_option_chain(symbol.trim_start_matches('/'))
                .await
        }
        _ => ctx.client.option_chain(&symbol).await,
    };
    ctx.progress.inc(1);
    if ctx.cache.active() {
        ctx.cache.count(Count::ChainMiss, 1);
    }
    match result {
        Ok(chain) => {
            if ctx.cache.active() && cacheable(&symbol, class, &chain) {
                ctx.cache
                    .keep_fetched(symbol.clone(), ChainBlob::encode(&chain));
            }
            let choice = decide(&ctx.req, &symbol, class, &chain, price);
            if let Some(job) = apply(ctx, i, choice, None) {
                let _ = quotes.send(job).await;
            }
        }
        Err(ApiError::NotFound { .. }) => {
            ctx.board
                .with(i, |s| s.chain_notes.push("no option chain listed".into()));
        }
        Err(e) => {
            ctx.board
                .with(i, |s| s.chain_notes.push(format!("option chain: {e}")));
        }
    }
    true
}

/// Whether a fetched chain may be stored: it is the symbol's own ([`plausible::chain`]) and every
/// strike's streamer symbols belong to its expiration's root ([`plausible::strike_streamers`]), so
/// a stored chain passes every check a fetched one would, whatever strike a later price picks.
/// (An empty or failed chain never gets here.)
fn cacheable(symbol: &str, class: AssetClass, chain: &OptionChain) -> bool {
    !chain.expirations.is_empty()
        && plausible::chain(symbol, class, chain).is_ok()
        && chain.expirations.iter().all(|e| {
            e.strikes
                .iter()
                .all(|s| plausible::strike_streamers(class, e, s).is_ok())
        })
}

/// What a chain decides for one symbol: the expiration (nearest the target DTE within the window,
/// monthlies preferred), the ATM strike, the pair to quote, and the notes and warnings on the way.
/// A pure function of the chain, the price, the as-of date and the config, so that a choice made
/// from a stored chain (as soon as the price is known) is the one a fetched chain would give.
#[derive(Debug, Clone, Default)]
pub(super) struct Choice {
    /// The chosen expiration and its DTE, when one stands.
    pub(super) expiration: Option<(Date, i32)>,
    pub(super) atm_strike: Option<f64>,
    pub(super) notes: Vec<String>,
    pub(super) warnings: Vec<Warning>,
    /// The ATM pair to quote.
    pub(super) pair: Option<Pair>,
}

/// The ATM call and put (REST symbols) and, when the chain has them, their streamer symbols.
#[derive(Debug, Clone)]
pub(super) struct Pair {
    pub(super) call: InstrumentRef,
    pub(super) put: InstrumentRef,
    pub(super) streamers: Option<(String, String)>,
}

impl Choice {
    /// The streamer symbols of the pair to quote, if any.
    pub(super) fn streamers(&self) -> Option<&(String, String)> {
        self.pair.as_ref().and_then(|p| p.streamers.as_ref())
    }

    fn note(mut self, note: impl Into<String>) -> Choice {
        self.notes.push(note.into());
        self
    }
}

/// Choose the expiration and the ATM strike of `chain` for `symbol` at `price`.
pub(super) fn decide(
    req: &ScanRequest,
    symbol: &str,
    class: AssetClass,
    chain: &OptionChain,
    price: Option<f64>,
) -> Choice {
    let scan = &req.config.scan;
    let as_of = req.as_of;
    let mut c = Choice::default();
    if let Err(w) = plausible::chain(symbol, class, chain) {
        c.notes.push(format!("option chain refused: {}", w.rule));
        c.warnings.push(w);
        return c;
    }
    let infos: Vec<expiry::ExpiryInfo> = chain
        .expirations
        .iter()
        .map(|e| expiry::ExpiryInfo {
            date: e.date,
            dte: e
                .dte
                .map(|d| d as i32)
                .unwrap_or_else(|| e.date.days_since(as_of)),
            monthly: e.is_monthly(),
        })
        .collect();
    let Some(k) = expiry::choose(&infos, scan.target_dte, (scan.dte_min, scan.dte_max)) else {
        return c.note(format!(
            "no expiration within {}..{} DTE",
            scan.dte_min, scan.dte_max
        ));
    };
    let exp = &chain.expirations[k];
    c.expiration = Some((exp.date, infos[k].dte));
    let Some(price) = price else {
        return c.note("no price: no ATM strike");
    };
    let Some(strike) = exp.nearest_strike(price) else {
        return c.note("option chain: no strikes");
    };
    if let Err(w) = plausible::strike_streamers(class, exp, strike) {
        c.notes.push(format!("option chain refused: {}", w.rule));
        c.warnings.push(w);
        c.expiration = None;
        return c;
    }
    c.atm_strike = Some(strike.price);
    let kind = match class {
        AssetClass::Future => InstrumentKind::FutureOption,
        _ => InstrumentKind::EquityOption,
    };
    match (&strike.call, &strike.put) {
        (Some(call), Some(put)) => {
            c.pair = Some(Pair {
                call: InstrumentRef::new(kind, call.clone()),
                put: InstrumentRef::new(kind, put.clone()),
                streamers: strike
                    .call_streamer
                    .clone()
                    .zip(strike.put_streamer.clone()),
            });
            c
        }
        _ => c.note("option chain: the ATM strike lacks a call or a put"),
    }
}

/// Record a choice on symbol `i`; return the pair to quote (with its quotes already under way,
/// when the choice was made from a stored chain).
pub(super) fn apply(
    ctx: &Ctx,
    i: usize,
    choice: Choice,
    prequoted: Option<Prequoted>,
) -> Option<AtmPair> {
    let Choice {
        expiration,
        atm_strike,
        notes,
        warnings,
        pair,
    } = choice;
    ctx.board.with(i, |s| {
        if let Some((date, dte)) = expiration {
            s.fields.expiration = Some(date);
            s.fields.dte = Some(dte);
        }
        if atm_strike.is_some() {
            s.fields.atm_strike = atm_strike;
        }
        s.chain_notes.extend(notes);
        s.chain_warnings.extend(warnings);
    });
    pair.map(|p| AtmPair {
        index: i,
        call: p.call,
        put: p.put,
        streamers: p.streamers,
        prequoted,
    })
}
