//! Stage 5 (enrich) and 6 (compute): candles and option chains for the prefilter survivors,
//! concurrently, then ATM option quotes.
//!
//! - Candles: one DXLink batch over the pool that has been connecting since authentication. Each
//!   outcome is computed on arrival (HV, VRP, VTR; the compute stage) and turned into a verdict: does
//!   the symbol still pass the candle-based filters?
//! - Chains: one task per survivor waits for its verdict and fetches the chain only if it passes;
//!   up to `rest.speculative_chains` tasks do not wait (their chain overlaps the candles), so small
//!   scans lose no time and big scans spend no rate budget on symbols that fail.
//! - Quotes: ATM call and put of the chosen expiration, as DXLink `Quote` events on the pool's
//!   connections (no REST request, no rate budget); when a chain names no streamer symbols, by
//!   `/market-data/by-type`, batched (chains that finish together share one request).

use super::metrics::Background;
use super::Ctx;
use crate::dxlink::{self, CandlePool, CandleSeries};
use crate::plausible;
use crate::screen::filters::{self, Stage};
use crate::symbol::AssetClass;
use crate::tastytrade::{ApiError, InstrumentKind, InstrumentRef, OptionChain, Outcome};
use crate::vol::{derived, expiry, hv};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How many times a history cut short by the server (SNAPSHOT_SNIP) is asked for again.
const SNIP_RETRIES: usize = 6;
/// Longest the quote batcher holds a batch open for more chains.
const QUOTE_BATCH_WINDOW: Duration = Duration::from_millis(150);
/// How often the quote batcher looks whether chain fetches are still in flight.
const QUOTE_POLL: Duration = Duration::from_millis(3);
/// A quiet spell this long ends a wave of chains.
const QUOTE_QUIET: Duration = Duration::from_millis(24);
/// Option pairs per `/market-data/by-type` request (2 symbols each, at most 100 symbols).
const QUOTE_BATCH_PAIRS: usize = 50;

/// What the candles said about a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pending,
    Pass,
    Fail,
}

/// A symbol's ATM pair to quote: REST symbols (for `/market-data/by-type`) and, when the chain has
/// them, DXLink streamer symbols.
struct QuoteJob {
    index: usize,
    call: InstrumentRef,
    put: InstrumentRef,
    streamers: Option<(String, String)>,
}

/// Run stage 5 for every active symbol.
pub async fn enrich(ctx: &Arc<Ctx>, bg: Background) {
    let survivors = ctx.board.active();
    if survivors.is_empty() {
        bg.pool.abort();
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
        let (tx, rx) = watch::channel(Verdict::Pending);
        senders.insert(i, tx);
        receivers.push((i, rx));
    }
    // The pool has been connecting since the quote token arrived (long before the metrics ended).
    let pool: Result<Arc<CandlePool>, String> = match bg.pool.await {
        Ok(Ok(p)) => Ok(Arc::new(p)),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(format!("DXLink pool task failed: {e}")),
    };
    let candles = tokio::spawn(candles(
        ctx.clone(),
        pool.clone(),
        survivors.clone(),
        senders,
    ));
    let (qtx, qrx) = mpsc::channel::<QuoteJob>(survivors.len());
    let speculative = Arc::new(Semaphore::new(ctx.req.config.rest.speculative_chains));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let quotes = tokio::spawn(quotes(
        ctx.clone(),
        qrx,
        in_flight.clone(),
        pool.clone().ok(),
    ));
    let chains_g = ctx.clock.begin("chains", survivors.len());
    let chains_before = ctx.client.counters();
    // Symbols predicted to pass take the speculation slots first; symbols without a prediction
    // too when every survivor fits the budget (a small scan has rate budget to spare); the rest
    // wait for their candles.
    let budget = ctx.req.config.rest.speculative_chains;
    let small = survivors.len() <= budget;
    let predict = |i: usize| ctx.board.with(i, |s| prediction(ctx, s));
    receivers.sort_by_key(|(i, _)| match predict(*i) {
        Some(true) => 0,
        None => 1,
        Some(false) => 2,
    });
    let mut tasks = JoinSet::new();
    for (i, rx) in receivers {
        let early = predict(i).unwrap_or(small);
        tasks.spawn(chain(
            ctx.clone(),
            i,
            rx,
            early.then(|| speculative.clone()),
            qtx.clone(),
            in_flight.clone(),
        ));
    }
    drop(qtx);
    let mut fetched = 0;
    while let Some(r) = tasks.join_next().await {
        fetched += matches!(r, Ok(true)) as usize;
    }
    let chain_requests = endpoint_delta(&chains_before, &ctx.client.counters(), "chains");
    chains_g.end(fetched, chain_requests);
    let _ = candles.await;
    let _ = quotes.await;
    if let (Ok(p), Ok(mut last)) = (&pool, ctx.dx_stats.lock()) {
        *last = Some(p.stats());
    }
    let out = ctx.board.active().len();
    g.end(out, ctx.requests() - before);
}

/// Requests to endpoints whose name contains `part`, between two counter snapshots.
fn endpoint_delta(
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

/// The candle batch and the compute stage.
async fn candles(
    ctx: Arc<Ctx>,
    pool: Result<Arc<CandlePool>, String>,
    survivors: Vec<usize>,
    senders: HashMap<usize, watch::Sender<Verdict>>,
) {
    let g = ctx.clock.begin("candles", survivors.len());
    let fail_all = |e: &str| {
        for &i in &survivors {
            ctx.board.with(i, |s| s.fail("candles", e.to_string()));
            if let Some(tx) = senders.get(&i) {
                let _ = tx.send(Verdict::Fail);
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
                    s.fail("candles", "no candle symbol (no streamer symbol)")
                });
                let _ = senders[&i].send(Verdict::Fail);
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
    let cache = CacheUse::new(&ctx, from);
    let hits = cache.lookup(by_candle.keys().cloned().collect()).await;
    for (sym, series) in &hits {
        if let Some(i) = by_candle.remove(sym) {
            on_series(i, series);
        }
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
                Ok(series) => {
                    snipped.remove(&o.symbol);
                    Ok(series)
                }
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
                    ctx.board.with(i, |s| s.fail("candles", e.to_string()));
                    let _ = senders[&i].send(Verdict::Fail);
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
    cache.store(fetched).await;
    g.end(ok, pool.stats().subscriptions_added);
    if let Some(start) = compute_start {
        ctx.clock.record("compute", start, computed, computed, 0);
    }
}

/// Relative slack under a threshold within which a prediction still counts as "may pass".
const PREDICTION_SLACK: f64 = 0.02;

/// Whether a symbol will pass the candle-based filters, predicted from the service's own HV
/// (`/market-metrics`); `None` when the service gives no HV. Only the order and the speculation of
/// chain fetches depend on this; the verdict always comes from our own candles.
fn prediction(ctx: &Ctx, s: &super::state::SymbolState) -> Option<bool> {
    if ctx.req.show_all {
        return Some(true);
    }
    let (hv30, hv90) = s.service_hv;
    let (hv30, hv90) = (hv30?, hv90?);
    let t = &ctx.req.thresholds;
    let floor = ctx.req.config.scan.hv_floor;
    let iv = s.fields.iv;
    let ok = |v: Option<f64>, min: f64| v.is_none_or(|v| v >= min * (1.0 - PREDICTION_SLACK));
    Some(
        ok(
            derived::vrp_structural(iv, Some(hv90), floor),
            t.vrp_structural_min,
        ) && ok(
            derived::vrp_tactical(iv, Some(hv30), floor),
            t.vrp_tactical_min,
        ) && ok(derived::vtr(Some(hv30), Some(hv90)), t.vtr_min),
    )
}

/// The candle cache as one scan uses it.
struct CacheUse {
    mode: crate::cache::Mode,
    source: String,
    as_of: crate::date::Date,
    from: i64,
    max_age: Option<i64>,
}

impl CacheUse {
    fn new(ctx: &Ctx, from: i64) -> CacheUse {
        let (source, max_age) = match &ctx.req.source {
            super::Source::Demo { .. } => ("demo".to_string(), None),
            super::Source::Tastytrade { base_url, .. } => {
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
    async fn lookup(&self, symbols: Vec<String>) -> Vec<(String, CandleSeries)> {
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
    async fn store(&self, series: Vec<(String, CandleSeries)>) {
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

/// Stage 6 for one symbol: HV and derived metrics; the verdict of the candle-based filters; and
/// whether the series was clean enough to cache.
fn compute(ctx: &Ctx, i: usize, series: &CandleSeries) -> (Verdict, bool) {
    let started = std::time::Instant::now();
    let out = compute_one(ctx, i, series);
    ctx.compute_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

fn compute_one(ctx: &Ctx, i: usize, series: &CandleSeries) -> (Verdict, bool) {
    if series.candles.is_empty() {
        // A broken feed must not look like a quiet market: an empty history is an error.
        ctx.board.with(i, |s| {
            s.fail(
                "candles",
                "the feed sent an empty candle history (no candles at all)",
            )
        });
        return (Verdict::Fail, false);
    }
    let floor = ctx.req.config.scan.hv_floor;
    let t = &ctx.req.thresholds;
    ctx.board.with(i, |s| {
        let f = &mut s.fields;
        let warned = f.warnings.len();
        let usable = plausible::candles(series.candles.clone(), ctx.req.as_of, &mut f.warnings);
        let clean = f.warnings.len() == warned;
        let set = hv::HvSet::from_candles(&usable);
        let mut take = |name: &str, r: &Result<f64, hv::HvError>| match r {
            Ok(v) => plausible::hv(name, Some(*v), &mut f.warnings),
            Err(e) => {
                f.notes.push(e.to_string());
                None
            }
        };
        let h20 = take("hv20", &set.hv20);
        let h30 = take("hv30", &set.hv30);
        let h90 = take("hv90", &set.hv90);
        let h252 = take("hv252", &set.hv252);
        f.hv20 = h20;
        f.hv30 = h30;
        f.hv90 = h90;
        f.hv252 = h252;
        if series.truncated {
            f.notes
                .push("candle history cut short by the server (SNAPSHOT_SNIP)".into());
        }
        f.vrp_structural = derived::vrp_structural(f.iv, f.hv90, floor);
        f.vrp_tactical = derived::vrp_tactical(f.iv, f.hv30, floor);
        f.iv_hv_spread = derived::iv_hv_spread(f.iv, f.hv30);
        f.vtr = derived::vtr(f.hv30, f.hv90);
        let clean = clean && f.warnings.len() == warned;
        // The verdict so far: metrics and candle filters (the chain ones come later).
        let mut results = filters::run(&s.fields, t, Some(Stage::Metrics));
        results.extend(filters::run(&s.fields, t, Some(Stage::Candles)));
        s.advance("chains");
        if ctx.req.show_all {
            s.candles_passed = Some(true);
            return (Verdict::Pass, clean);
        }
        match filters::verdict(&results) {
            filters::Verdict::Candidate => {
                s.candles_passed = Some(true);
                (Verdict::Pass, clean)
            }
            filters::Verdict::Rejected(reasons) => {
                s.candles_passed = Some(false);
                s.reject("filter", reasons);
                (Verdict::Fail, clean)
            }
            filters::Verdict::Unknown(unknown) => {
                s.candles_passed = Some(false);
                let details: Vec<String> = unknown.into_iter().map(|r| r.detail).collect();
                s.fail_unknown("candles", details.join("; "), details);
                (Verdict::Fail, clean)
            }
        }
    })
}

/// One survivor's option chain: wait for a passing verdict (or a speculation slot), fetch, choose
/// the expiration and the ATM strike, hand the pair to the quote batcher. True if fetched.
async fn chain(
    ctx: Arc<Ctx>,
    i: usize,
    mut verdict: watch::Receiver<Verdict>,
    speculative: Option<Arc<Semaphore>>,
    quotes: mpsc::Sender<QuoteJob>,
    in_flight: Arc<AtomicUsize>,
) -> bool {
    loop {
        let v = *verdict.borrow_and_update();
        match v {
            Verdict::Pass => break,
            Verdict::Fail => {
                ctx.progress.inc(1);
                return false;
            }
            Verdict::Pending => {}
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
async fn fetch_chain(ctx: &Arc<Ctx>, i: usize, quotes: &mpsc::Sender<QuoteJob>) -> bool {
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
) -> Option<QuoteJob> {
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
        (Some(c), Some(p)) => Some(QuoteJob {
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

/// The quote batcher: groups ATM pairs that arrive within a short window into one request.
async fn quotes(
    ctx: Arc<Ctx>,
    mut rx: mpsc::Receiver<QuoteJob>,
    in_flight: Arc<AtomicUsize>,
    pool: Option<Arc<CandlePool>>,
) {
    let mut started: Option<super::timing::StageGuard> = None;
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

/// Quote one ATM pair over DXLink (`Quote` events on the pool's connections). A pair that DXLink
/// could not quote in time (a dropped socket, a slow feed) is asked for once over REST
/// (`/market-data/by-type`), so a flaky feed costs time, not the symbol.
async fn quote_dxlink(ctx: Arc<Ctx>, pool: Arc<CandlePool>, job: QuoteJob) {
    let Some((call, put)) = job.streamers.clone() else {
        return;
    };
    let quotes = pool.quotes_all(vec![call.clone(), put.clone()]).await;
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

/// Straddle mid and slippage from the ATM call's and put's (bid, ask).
fn record_pair(
    s: &mut super::state::SymbolState,
    call: (Option<f64>, Option<f64>),
    put: (Option<f64>, Option<f64>),
) {
    // Crossed, negative or non-finite quotes are not used (plausibility at the edge).
    let (Some(call), Some(put)) = (
        plausible::quote("atm_call", call.0, call.1, &mut s.chain_warnings),
        plausible::quote("atm_put", put.0, put.1, &mut s.chain_warnings),
    ) else {
        s.chain_notes
            .push("ATM quotes implausible (see warnings)".into());
        return;
    };
    let cm = derived::mid(call.0, call.1);
    let pm = derived::mid(put.0, put.1);
    s.fields.straddle_mid = cm.zip(pm).map(|(a, b)| a + b);
    s.fields.slippage = derived::slippage(call, put);
    if s.fields.straddle_mid.is_none() {
        s.chain_notes
            .push("ATM quotes without a usable bid/ask".into());
    }
}

async fn quote_batch(ctx: Arc<Ctx>, batch: Vec<QuoteJob>) {
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
