//! Stage 7: the final filters, score, signal and rank, and the [`ScanReport`] with its meta and
//! timings. Also the report of a scan that could not start.

use super::state::{Board, Status};
use super::timing::Clock;
use super::{fields, Ctx, Fatal, LocalCost, ScanOutcome, ScanRequest};
use crate::model::{
    Candidate, Counts, ErrorEntry, FilterSummary, Meta, Rejected, RequestStats, ScanReport, Timings,
};
use crate::model::{RejectStage, Stage, SymbolFields};
use crate::screen::filters::{self, FilterOutcome, Needs, Verdict};
use crate::screen::{rank, score, signal};

/// Build the report from the board; `fatal` says why the scan stopped early, if it did.
///
/// Symbols still moving (or halted by the budget or Ctrl-C) are decided here from what is known
/// (product.md, "Verdicts"): a failure on known data rejects; otherwise an unknown filter makes an
/// error, at the stage whose data is missing (or `timeout` / `interrupted`); only a symbol whose
/// every filter passes or does not apply is a candidate. The score uses known inputs only.
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
        fields::settle_earnings(&mut s.fields, s.class, req.as_of);
        let halted = match &s.status {
            Status::Active(_) => None,
            Status::Halted { kind, reason, at } => Some((*kind, reason.clone(), *at)),
            Status::Rejected { stage, reasons } => {
                rejected.push(Rejected {
                    symbol: s.symbol.clone(),
                    stage: *stage,
                    reasons: reasons.clone(),
                    fields: s.fields.clone(),
                });
                continue;
            }
            Status::Error {
                stage,
                error,
                unknown,
            } => {
                errors.push(ErrorEntry {
                    symbol: s.symbol.clone(),
                    stage: *stage,
                    error: error.clone(),
                    unknown: unknown.clone(),
                    fields: s.fields.clone(),
                });
                continue;
            }
        };
        let f = &mut s.fields;
        fields::expected_move(f);
        let results = filters::run(f, &req.thresholds, None);
        let verdict = filters::verdict(&results);
        let summary = summary(&results);
        // A score only from complete inputs: with --show-all a symbol whose filters could not all
        // be decided has no score (a blend of what happens to be known would rank it falsely).
        let decidable = !matches!(verdict, Verdict::Unknown(_));
        let candidate = |f: &SymbolFields| Candidate {
            rank: 0,
            symbol: s.symbol.clone(),
            score: decidable
                .then(|| score::score(f, &req.config.score))
                .flatten(),
            signal: signal::signal(f, req.config.scan.earnings_event_days),
            fields: f.clone(),
            filters: summary.clone(),
        };
        if req.show_all {
            candidates.push(candidate(f));
            continue;
        }
        match verdict {
            Verdict::Candidate => candidates.push(candidate(f)),
            Verdict::Rejected(reasons) => rejected.push(Rejected {
                symbol: s.symbol.clone(),
                stage: RejectStage::Filter,
                reasons,
                fields: f.clone(),
            }),
            Verdict::Unknown(unknown) => {
                let details: Vec<String> = unknown.iter().map(|r| r.detail.clone()).collect();
                let (stage, error) = match &halted {
                    Some((kind, reason, at)) => (*kind, format!("{reason} while at {at}")),
                    None => (stage_of_unknown(&unknown, f), details.join("; ")),
                };
                errors.push(ErrorEntry {
                    symbol: s.symbol.clone(),
                    stage,
                    error,
                    unknown: details,
                    fields: f.clone(),
                });
            }
        }
    }
    rank::rank(&mut candidates, req.sort);
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
        interrupted: false,
    }
}

/// Each filter's outcome, by kind.
fn summary(results: &[filters::FilterResult]) -> FilterSummary {
    let names = |o: FilterOutcome| -> Vec<String> {
        results
            .iter()
            .filter(|r| r.outcome == o)
            .map(|r| r.name.to_string())
            .collect()
    };
    let details = |o: FilterOutcome| -> Vec<String> {
        results
            .iter()
            .filter(|r| r.outcome == o)
            .map(|r| r.detail.clone())
            .collect()
    };
    FilterSummary {
        passed: names(FilterOutcome::Pass),
        na: names(FilterOutcome::NotApplicable),
        unknown: details(FilterOutcome::Unknown),
        failed: details(FilterOutcome::Fail),
    }
}

/// The stage whose data is missing for the first unknown filter.
fn stage_of_unknown(unknown: &[filters::FilterResult], f: &SymbolFields) -> Stage {
    let Some(first) = unknown.first() else {
        return Stage::Filter;
    };
    match filters::needs_of(first.name) {
        Some(Needs::Metrics) => Stage::Metrics,
        Some(Needs::Candles) => Stage::Candles,
        Some(Needs::Chain) if first.name == "earnings" && f.earnings_date.is_none() => {
            Stage::Metrics
        }
        Some(Needs::Chain) if f.expiration.is_none() => Stage::Chains,
        Some(Needs::Chain) => Stage::Quotes,
        None => Stage::Filter,
    }
}

/// This scan's requests: the client's counters since the scan started (a watch's client counts
/// across passes; an endpoint asked in an earlier pass only shows 0).
fn requests(ctx: &Ctx) -> RequestStats {
    let c = ctx.client.counters();
    let base = &ctx.rest_base;
    let mut per_endpoint: std::collections::BTreeMap<String, u64> = c
        .endpoints
        .iter()
        .map(|(k, v)| {
            let before = base.endpoints.get(k).map_or(0, |b| b.requests);
            (k.clone(), v.requests.saturating_sub(before))
        })
        .collect();
    if let Some(dx) = ctx.dx_stats.lock().ok().and_then(|g| *g) {
        per_endpoint.insert("dxlink connections".into(), dx.connections_opened);
        per_endpoint.insert("dxlink subscriptions".into(), dx.subscriptions_added);
        per_endpoint.insert("dxlink candles".into(), dx.candles_received);
        per_endpoint.insert("dxlink quotes".into(), dx.quotes_received);
        per_endpoint.insert("dxlink reconnects".into(), dx.reconnects);
    }
    ctx.cache.counters_into(&mut per_endpoint);
    RequestStats {
        per_endpoint,
        requests: c.requests.saturating_sub(base.requests),
        retries: c.retries.saturating_sub(base.retries),
        rate_limited: c.rate_limited.saturating_sub(base.rate_limited),
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
        source: req.source.kind(),
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
        excluded: req.excluded.clone(),
        watch: None,
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
            stage: Stage::Source,
            error: msg.clone(),
            unknown: Vec::new(),
            fields: s.fields.clone(),
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
        interrupted: false,
    }
}
