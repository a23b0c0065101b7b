//! Stages 2–4: authenticate; start the quote token and the DXLink pool in the background; fetch
//! market metrics, underlying prices and the futures front months concurrently; prefilter on
//! metrics alone.

use super::enrich::Count;
use super::state::SymbolState;
use super::{fields, Ctx, Fatal};
use crate::cache::FrontMonth;
use crate::dxlink::{CandlePool, DxLinkConfig};
use crate::model::{RejectStage, Stage};
use crate::screen::filters::{self, Verdict};
use crate::symbol::AssetClass;
use crate::tastytrade::{InstrumentKind, InstrumentRef, Outcome};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::AbortHandle;

/// The DXLink pool as the stages share it: connecting since the quote token arrived; awaited by
/// the quotes of stored chains (as soon as prices are known) and by the enrich stage.
pub type PoolFuture = Shared<BoxFuture<'static, Result<Arc<CandlePool>, String>>>;

/// The error of a symbol the service has no market metrics for (stage `metrics`).
pub const NOT_FOUND: &str = "not found";
/// The error of a futures root the service lists no contracts for (stage `metrics`).
pub const NO_CONTRACTS: &str = "no futures contracts listed";

/// Work started after authentication that later stages wait on.
pub struct Background {
    /// The DXLink candle pool, connecting since the quote token arrived.
    pub pool: PoolFuture,
    /// The task that gets the quote token and starts the pool (aborted when nothing survives).
    pub pool_task: AbortHandle,
}

/// The DXLink pool settings of the configuration.
pub fn dxlink_config(ctx: &Ctx) -> DxLinkConfig {
    let d = &ctx.req.config.dxlink;
    DxLinkConfig {
        connections: d.connections,
        channels_per_connection: d.channels_per_connection,
        snapshots_per_channel: d.snapshots_per_channel,
        symbol_deadline: Duration::from_secs_f64(d.symbol_deadline_secs),
        handshake_timeout: Duration::from_secs_f64(d.connect_timeout_secs),
        quote_deadline: Duration::from_secs_f64(d.quote_deadline_secs),
        ..DxLinkConfig::default()
    }
}

/// Stage 2: the access token; then the quote token and DXLink connections in the background.
pub async fn auth(ctx: &Arc<Ctx>) -> Result<Background, Fatal> {
    ctx.progress.set_message("auth");
    for i in ctx.board.active() {
        ctx.board.with(i, |s| s.advance(Stage::Auth));
    }
    let g = ctx.clock.begin("auth", 1);
    let before = ctx.requests();
    ctx.client
        .authenticate()
        .await
        .map_err(|e| Fatal(format!("authentication failed: {e}")))?;
    g.end(1, ctx.requests() - before);
    let c = ctx.clone();
    let task = tokio::spawn(async move {
        // A watch's later passes use the pool (and quote token) an earlier pass opened.
        if let Some(pool) = c.warm.as_ref().and_then(|w| w.pool()) {
            *c.dx_base.lock().unwrap_or_else(|e| e.into_inner()) = pool.stats();
            return Ok(pool);
        }
        let g = c.clock.begin("quote-token", 1);
        let qt = c.client.quote_token().await;
        g.end(qt.is_ok() as usize, 1);
        let qt = qt.map_err(|e| format!("quote token: {e}"))?;
        let pool = Arc::new(CandlePool::connect(
            qt.dxlink_url.clone(),
            qt.token.expose(),
            dxlink_config(&c),
        ));
        if let Some(w) = &c.warm {
            w.keep_pool(pool.clone());
        }
        Ok(pool)
    });
    let pool_task = task.abort_handle();
    let pool = async move {
        match task.await {
            Ok(r) => r,
            Err(e) => Err(format!("DXLink pool task failed: {e}")),
        }
    }
    .boxed()
    .shared();
    Ok(Background { pool, pool_task })
}

/// Stages 3 and 4: metrics, prices, futures front months; then the prefilter. The moment the
/// prices are in, stored chains are put to work ([`super::enrich::prepare_stored_chains`]).
pub async fn metrics_and_prefilter(ctx: &Arc<Ctx>, bg: &Background) -> Result<(), Fatal> {
    ctx.progress.set_message("metrics");
    for i in ctx.board.active() {
        ctx.board.with(i, |s| s.advance(Stage::Metrics));
    }
    let symbols = ctx.req.symbols.clone();
    let g = ctx.clock.begin("metrics", symbols.len());
    let before = ctx.requests();
    let (classes, roots): (Vec<AssetClass>, Vec<String>) = {
        let b = ctx.board.lock();
        let classes = b.iter().map(|s| s.class).collect();
        let roots = b
            .iter()
            .filter(|s| s.class == AssetClass::Future)
            .map(|s| s.symbol.clone())
            .collect();
        (classes, roots)
    };
    let underlyings: Vec<InstrumentRef> = symbols
        .iter()
        .zip(&classes)
        .filter_map(|(s, c)| match c {
            AssetClass::Future => None,
            AssetClass::Index => Some(InstrumentRef::new(InstrumentKind::Index, s.clone())),
            _ => Some(InstrumentRef::new(InstrumentKind::Equity, s.clone())),
        })
        .collect();
    let futures_prices = futures_front_months(ctx, roots, &bg.pool);
    let prices = async {
        let quotes = ctx.client.market_data(&underlyings).await;
        // The price each symbol will be given (the same function of the same answer).
        let known: Vec<(usize, Option<f64>)> = underlyings
            .iter()
            .filter_map(|u| {
                let i = ctx.board.index_of(&u.symbol)?;
                let price = match quotes.get(&u.symbol) {
                    Some(Outcome::Found(q)) => fields::price_of(q),
                    _ => None,
                };
                Some((i, price))
            })
            .collect();
        super::enrich::prepare_stored_chains(ctx, &bg.pool, known).await;
        quotes
    };
    let (metrics, quotes, ()) =
        tokio::join!(ctx.client.market_metrics(&symbols), prices, futures_prices);
    let mut found = 0;
    {
        let mut b = ctx.board.lock();
        for r in metrics.iter() {
            let Some(i) = ctx.board.index_of(&r.symbol) else {
                continue;
            };
            let s = &mut b[i];
            match &r.outcome {
                Outcome::Found(m) => {
                    found += 1;
                    fields::apply_metrics(&mut s.fields, m, ctx.req.as_of);
                    if let Some(keep) = &ctx.req.keep {
                        keep.expiration_ivs(&r.symbol, &m.expiration_ivs);
                    }
                    s.service_hv = (m.hv_30d, m.hv_90d);
                }
                Outcome::NotFound => s.fail(Stage::Metrics, NOT_FOUND),
                Outcome::Failed(e) => s.fail(Stage::Metrics, e.to_string()),
            }
        }
        for r in quotes.iter() {
            let Some(i) = ctx.board.index_of(&r.symbol) else {
                continue;
            };
            match &r.outcome {
                Outcome::Found(q) => fields::apply_price(&mut b[i].fields, q),
                Outcome::NotFound => {}
                Outcome::Failed(e) => b[i].fail(Stage::Metrics, format!("price: {e}")),
            }
        }
    }
    g.end(found, ctx.requests() - before);
    if found == 0 && !symbols.is_empty() {
        let b = ctx.board.lock();
        let all_failed = b
            .iter()
            .all(|s| matches!(&s.status, super::state::Status::Error { .. }));
        if all_failed {
            if let Some((sym, super::state::Status::Error { error, .. })) =
                b.first().map(|s| (&s.symbol, &s.status))
            {
                if error != "not found" {
                    let more = if b.len() > 1 {
                        format!(" (and {} more; see errors)", b.len() - 1)
                    } else {
                        String::new()
                    };
                    return Err(Fatal(format!(
                        "every symbol failed at metrics: {sym}: {error}{more}"
                    )));
                }
            }
        }
    }
    prefilter(ctx);
    Ok(())
}

/// Futures roots → active contract (`/instruments/futures`, or the cache of the trading day) →
/// its price (`/market-data/by-type`); then their stored chains are put to work.
async fn futures_front_months(ctx: &Arc<Ctx>, roots: Vec<String>, pool: &PoolFuture) {
    if roots.is_empty() {
        return;
    }
    let stored = ctx.cache.stored_fronts().await;
    let missing: Vec<String> = roots
        .iter()
        .filter(|r| !stored.contains_key(*r))
        .cloned()
        .collect();
    if ctx.cache.active() {
        let chunk = ctx.client.config().futures_chunk.max(1);
        let requests = |n: usize| n.div_ceil(chunk) as u64;
        let hits = roots.len() - missing.len();
        ctx.cache.count(Count::FrontHit, hits as u64);
        ctx.cache.count(Count::FrontMiss, missing.len() as u64);
        ctx.cache.count(
            Count::FrontSaved,
            requests(roots.len()) - requests(missing.len()),
        );
    }
    let codes: Vec<String> = missing
        .iter()
        .map(|r| r.trim_start_matches('/').to_string())
        .collect();
    let products = if codes.is_empty() {
        crate::tastytrade::Batch {
            results: Vec::new(),
        }
    } else {
        ctx.client.futures_contracts(&codes).await
    };
    let mut refs = Vec::new();
    {
        let mut b = ctx.board.lock();
        for root in &roots {
            let Some(i) = ctx.board.index_of(root) else {
                continue;
            };
            let Some(front) = stored.get(root) else {
                continue;
            };
            let s: &mut SymbolState = &mut b[i];
            s.front_contract = Some(front.symbol.clone());
            s.streamer_symbol = front.streamer_symbol.clone();
            refs.push(InstrumentRef::new(
                InstrumentKind::Future,
                front.symbol.clone(),
            ));
        }
        for (root, r) in missing.iter().zip(products.iter()) {
            let Some(i) = ctx.board.index_of(root) else {
                continue;
            };
            let s: &mut SymbolState = &mut b[i];
            match &r.outcome {
                Outcome::Found(p) => match p.active_month() {
                    Some(c) => {
                        s.front_contract = Some(c.symbol.clone());
                        s.streamer_symbol = c.streamer_symbol.clone();
                        refs.push(InstrumentRef::new(InstrumentKind::Future, c.symbol.clone()));
                        ctx.cache.keep_front(
                            root.clone(),
                            FrontMonth {
                                symbol: c.symbol.clone(),
                                streamer_symbol: c.streamer_symbol.clone(),
                            },
                        );
                    }
                    None => s.fail(Stage::Metrics, "no active futures contract"),
                },
                Outcome::NotFound => s.fail(Stage::Metrics, NO_CONTRACTS),
                Outcome::Failed(e) => s.fail(Stage::Metrics, format!("futures contracts: {e}")),
            }
        }
    }
    let quotes = ctx.client.market_data(&refs).await;
    let known: Vec<(usize, Option<f64>)> = {
        let mut b = ctx.board.lock();
        for s in b.iter_mut() {
            if let Some(front) = &s.front_contract {
                if let Some(Outcome::Found(q)) = quotes.get(front) {
                    fields::apply_price(&mut s.fields, q);
                }
            }
        }
        roots
            .iter()
            .filter_map(|r| ctx.board.index_of(r))
            .map(|i| (i, b[i].fields.price))
            .collect()
    };
    super::enrich::prepare_stored_chains(ctx, pool, known).await;
}

/// Stage 4: metrics-only filters. Rejected symbols cost nothing more; a symbol with a metrics
/// filter it cannot decide (and no failure) is an error here: it can never become a candidate.
fn prefilter(ctx: &Arc<Ctx>) {
    let g = ctx.clock.begin("prefilter", ctx.board.active().len());
    let mut b = ctx.board.lock();
    let mut out = 0;
    for s in b.iter_mut().filter(|s| s.is_active()) {
        let results = filters::prefilter(&s.fields, &ctx.req.thresholds);
        match filters::verdict(&results) {
            _ if ctx.req.show_all => {
                s.advance(Stage::Enrich);
                out += 1;
            }
            Verdict::Candidate => {
                s.advance(Stage::Enrich);
                out += 1;
            }
            Verdict::Rejected(reasons) => s.reject(RejectStage::Prefilter, reasons),
            Verdict::Unknown(unknown) => {
                let details: Vec<String> = unknown.into_iter().map(|r| r.detail).collect();
                s.fail_unknown(Stage::Metrics, details.join("; "), details);
            }
        }
    }
    drop(b);
    g.end(out, 0);
}
