//! One survivor's option chain: wait for a passing candle verdict (or a speculation slot), fetch
//! the chain, check it belongs to the symbol ([`crate::plausible::chain`]), choose the expiration
//! (nearest the target DTE within the window, monthlies first) and the ATM strike, and hand the
//! pair to the quote batcher.

use super::{AtmPair, CandleVerdict};
use crate::pipeline::Ctx;
use crate::plausible;
use crate::symbol::AssetClass;
use crate::tastytrade::{ApiError, InstrumentKind, InstrumentRef, OptionChain};
use crate::vol::expiry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Semaphore};

/// One survivor's option chain: wait for a passing verdict (or a speculation slot), fetch, choose
/// the expiration and the ATM strike, hand the pair to the quote batcher. True if fetched.
pub(super) async fn chain(
    ctx: Arc<Ctx>,
    i: usize,
    mut verdict: watch::Receiver<CandleVerdict>,
    speculative: Option<Arc<Semaphore>>,
    quotes: mpsc::Sender<AtmPair>,
    in_flight: Arc<AtomicUsize>,
) -> bool {
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
    in_flight.fetch_add(1, Ordering::SeqCst);
    let fetched = fetch_chain(&ctx, i, &quotes).await;
    in_flight.fetch_sub(1, Ordering::SeqCst);
    fetched
}

/// Fetch one symbol's chain, choose expiration and strike, queue the ATM pair for quotes.
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
    match result {
        Ok(chain) => {
            if let Some(job) = choose(ctx, i, &chain, price, class) {
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

/// Choose the expiration (nearest target DTE within the window, monthlies preferred) and the ATM
/// strike; record them; return the pair to quote.
fn choose(
    ctx: &Ctx,
    i: usize,
    chain: &OptionChain,
    price: Option<f64>,
    class: AssetClass,
) -> Option<AtmPair> {
    let scan = &ctx.req.config.scan;
    let as_of = ctx.req.as_of;
    let symbol = ctx.board.with(i, |s| s.symbol.clone());
    if let Err(w) = plausible::chain(&symbol, class, chain) {
        ctx.board.with(i, |s| {
            s.chain_notes
                .push(format!("option chain refused: {}", w.rule));
            s.chain_warnings.push(w);
        });
        return None;
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
        ctx.board.with(i, |s| {
            s.chain_notes.push(format!(
                "no expiration within {}..{} DTE",
                scan.dte_min, scan.dte_max
            ))
        });
        return None;
    };
    let exp = &chain.expirations[k];
    ctx.board.with(i, |s| {
        s.fields.expiration = Some(exp.date);
        s.fields.dte = Some(infos[k].dte);
    });
    let Some(price) = price else {
        ctx.board
            .with(i, |s| s.chain_notes.push("no price: no ATM strike".into()));
        return None;
    };
    let Some(strike) = exp.nearest_strike(price) else {
        ctx.board
            .with(i, |s| s.chain_notes.push("option chain: no strikes".into()));
        return None;
    };
    if let Err(w) = plausible::strike_streamers(class, exp, strike) {
        ctx.board.with(i, |s| {
            s.chain_notes
                .push(format!("option chain refused: {}", w.rule));
            s.chain_warnings.push(w);
            s.fields.expiration = None;
            s.fields.dte = None;
        });
        return None;
    }
    ctx.board
        .with(i, |s| s.fields.atm_strike = Some(strike.price));
    let kind = match class {
        AssetClass::Future => InstrumentKind::FutureOption,
        _ => InstrumentKind::EquityOption,
    };
    match (&strike.call, &strike.put) {
        (Some(c), Some(p)) => Some(AtmPair {
            index: i,
            call: InstrumentRef::new(kind, c.clone()),
            put: InstrumentRef::new(kind, p.clone()),
            streamers: strike
                .call_streamer
                .clone()
                .zip(strike.put_streamer.clone()),
        }),
        _ => {
            ctx.board.with(i, |s| {
                s.chain_notes
                    .push("option chain: the ATM strike lacks a call or a put".into())
            });
            None
        }
    }
}
