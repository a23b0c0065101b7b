//! Stage 7: the final filters, score, signal and rank, and the [`ScanReport`] with its meta and
//! timings. Also the report of a scan that could not start.

use super::state::{Board, Status};
use super::timing::Clock;
use super::{Ctx, Fatal, LocalCost, ScanOutcome, ScanRequest};
use crate::report::model::{
    Candidate, Counts, ErrorEntry, FilterSummary, Meta, Rejected, RequestStats, ScanReport, Timings,
};
use crate::screen::{filters, score, signal};
use crate::vol::derived;

/// Build the report from the board; `fatal` says why the scan stopped early, if it did.
pub fn report(ctx: &Ctx, fatal: Option<Fatal>) -> ScanOutcome {
    let req = &ctx.req;
    let active = ctx.board.active();
    let started = std::time::Instant::now();
    let g = ctx.clock.begin("filter", active.len());
    let mut candidates = Vec::new();
    let mut rejected = Vec::new();
    let mut errors = Vec::new();
    for s in ctx.board.lock().iter_mut() {
        s.settle_chain_fields(req.show_all);
        match &s.status {
            Status::Active(_) => {
                let f = &mut s.fields;
                if let Some((m, method)) =
                    derived::expected_move(f.straddle_mid, f.price, f.iv, f.dte)
                {
                    f.expected_move = Some(m);
                    f.expected_move_method = Some(method);
                }
                let results = filters::run(f, &req.thresholds, None);
                let passed: Vec<String> = results
                    .iter()
                    .filter(|r| r.passed)
                    .map(|r| r.name.to_string())
                    .collect();
                let failed: Vec<String> = results
                    .iter()
                    .filter(|r| !r.passed)
                    .map(|r| r.detail.clone())
                    .collect();
                if failed.is_empty() || req.show_all {
                    candidates.push(Candidate {
                        rank: 0,
                        symbol: s.symbol.clone(),
                        score: score::score(f, &req.config.score),
                        signal: signal::signal(f, req.config.scan.earnings_event_days).to_string(),
                        fields: f.clone(),
                        filters: FilterSummary { passed, failed },
                    });
                } else {
                    rejected.push(Rejected {
                        symbol: s.symbol.clone(),
                        stage: "filter".into(),
                        reasons: failed,
                        fields: f.clone(),
                    });
                }
            }
            Status::Rejected { stage, reasons } => rejected.push(Rejected {
                symbol: s.symbol.clone(),
                stage: stage.to_string(),
                reasons: reasons.clone(),
                fields: s.fields.clone(),
            }),
            Status::Error { stage, error } => errors.push(ErrorEntry {
                symbol: s.symbol.clone(),
                stage: stage.to_string(),
                error: error.clone(),
            }),
        }
    }
    candidates.sort_by(|a, b| {
        b.score
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    for (k, c) in candidates.iter_mut().enumerate() {
        c.rank = k + 1;
    }
    g.end(candidates.len(), 0);
    let counts = Counts {
        candidates: candidates.len(),
        rejected: rejected.len(),
        errors: errors.len(),
    };
    if let Some(k) = req.top {
        candidates.truncate(k);
    }
    let fatal = fatal.map(|f| f.0).or_else(|| {
        (counts.candidates + counts.rejected == 0 && counts.errors > 0)
            .then(|| format!("every symbol failed ({} errors)", counts.errors))
    });
    let filter_ms = started.elapsed().as_secs_f64() * 1000.0;
    let report = ScanReport {
        meta: meta(req, &ctx.clock, counts, fatal.clone(), requests(ctx)),
        candidates,
        rejected,
        errors,
    };
    let local = LocalCost {
        compute_ms: ctx.compute_ns.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6,
        filter_ms,
    };
    ScanOutcome {
        report,
        fatal,
        local,
    }
}

fn requests(ctx: &Ctx) -> RequestStats {
    let c = ctx.client.counters();
    let mut per_endpoint: std::collections::BTreeMap<String, u64> = c
        .endpoints
        .iter()
        .map(|(k, v)| (k.clone(), v.requests))
        .collect();
    if let Some(dx) = ctx.dx_stats.lock().ok().and_then(|g| *g) {
        per_endpoint.insert("dxlink connections".into(), dx.connections_opened);
        per_endpoint.insert("dxlink subscriptions".into(), dx.subscriptions_added);
        per_endpoint.insert("dxlink candles".into(), dx.candles_received);
        per_endpoint.insert("dxlink quotes".into(), dx.quotes_received);
        per_endpoint.insert("dxlink reconnects".into(), dx.reconnects);
    }
    RequestStats {
        per_endpoint,
        requests: c.requests,
        retries: c.retries,
        rate_limited: c.rate_limited,
    }
}

fn meta(
    req: &ScanRequest,
    clock: &Clock,
    counts: Counts,
    fatal: Option<String>,
    requests: RequestStats,
) -> Meta {
    Meta {
        tool: "volscreen".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        source: req.source.name().into(),
        profile: req.profile.clone(),
        scanned_at: crate::date::rfc3339_ms(crate::date::now_ms()),
        as_of: req.as_of,
        watchlist: req.watchlist.clone(),
        symbols_requested: req.symbols.len(),
        counts,
        complete: fatal.is_none(),
        incomplete_reason: fatal,
        show_all: req.show_all,
        top: req.top,
        timings: Timings {
            total_ms: clock.now_ms(),
            stages: clock.stages(),
            requests,
        },
    }
}

/// The report of a scan that could not start (the source or the client could not be set up):
/// every symbol is an error at `source`.
pub fn fatal_before_start(req: &ScanRequest, clock: &Clock, msg: String) -> ScanOutcome {
    let board = Board::new(&req.symbols);
    board.fail_active(&msg);
    let errors: Vec<ErrorEntry> = board
        .lock()
        .iter()
        .map(|s| ErrorEntry {
            symbol: s.symbol.clone(),
            stage: "source".into(),
            error: msg.clone(),
        })
        .collect();
    let counts = Counts {
        errors: errors.len(),
        ..Counts::default()
    };
    ScanOutcome {
        report: ScanReport {
            meta: meta(
                req,
                clock,
                counts,
                Some(msg.clone()),
                RequestStats::default(),
            ),
            candidates: Vec::new(),
            rejected: Vec::new(),
            errors,
        },
        fatal: Some(msg),
        local: LocalCost::default(),
    }
}
