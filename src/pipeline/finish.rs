//! Stage 7: the final filters, score, signal and rank, and the [`ScanReport`] with its meta and
//! timings. Also the report of a scan that could not start.

use super::state::{Board, Status};
use super::timing::Clock;
use super::{Ctx, Fatal, LocalCost, ScanOutcome, ScanRequest};
use crate::report::model::SymbolFields;
use crate::report::model::{
    Candidate, Counts, ErrorEntry, FilterSummary, Meta, Rejected, RequestStats, ScanReport, Timings,
};
use crate::screen::filters::{self, Outcome, Stage, Verdict};
use crate::screen::{score, signal};
use crate::symbol::AssetClass;
use crate::vol::derived;

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
        settle_earnings(&mut s.fields, s.class, req.as_of);
        let halted = match &s.status {
            Status::Active(_) => None,
            Status::Halted { kind, reason, at } => Some((*kind, reason.clone(), *at)),
            Status::Rejected { stage, reasons } => {
                rejected.push(Rejected {
                    symbol: s.symbol.clone(),
                    stage: stage.to_string(),
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
                    stage: stage.to_string(),
                    error: error.clone(),
                    unknown: unknown.clone(),
                    fields: s.fields.clone(),
                });
                continue;
            }
        };
        let f = &mut s.fields;
        if let Some((m, method)) = derived::expected_move(f.straddle_mid, f.price, f.iv, f.dte) {
            f.expected_move = Some(m);
            f.expected_move_method = Some(method);
        }
        let results = filters::run(f, &req.thresholds, None);
        let verdict = filters::verdict(&results);
        let summary = summary(&results);
        let candidate = |f: &SymbolFields| Candidate {
            rank: 0,
            symbol: s.symbol.clone(),
            score: score::score(f, &req.config.score),
            signal: signal::signal(f, req.config.scan.earnings_event_days).to_string(),
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
                stage: "filter".into(),
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
                    stage: stage.into(),
                    error,
                    unknown: details,
                    fields: f.clone(),
                });
            }
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
        interrupted: false,
    }
}

/// Each filter's outcome, by kind.
fn summary(results: &[filters::FilterResult]) -> FilterSummary {
    let names = |o: Outcome| -> Vec<String> {
        results
            .iter()
            .filter(|r| r.outcome == o)
            .map(|r| r.name.to_string())
            .collect()
    };
    let details = |o: Outcome| -> Vec<String> {
        results
            .iter()
            .filter(|r| r.outcome == o)
            .map(|r| r.detail.clone())
            .collect()
    };
    FilterSummary {
        passed: names(Outcome::Pass),
        na: names(Outcome::NotApplicable),
        unknown: details(Outcome::Unknown),
        failed: details(Outcome::Fail),
    }
}

/// The stage whose data is missing for the first unknown filter.
fn stage_of_unknown(unknown: &[filters::FilterResult], f: &SymbolFields) -> &'static str {
    let Some(first) = unknown.first() else {
        return "filter";
    };
    match filters::stage_of(first.name) {
        Some(Stage::Metrics) => "metrics",
        Some(Stage::Candles) => "candles",
        Some(Stage::Chain) if first.name == "earnings" && f.earnings_date.is_none() => "metrics",
        Some(Stage::Chain) if f.expiration.is_none() => "chains",
        Some(Stage::Chain) => "quotes",
        None => "filter",
    }
}

/// `earnings_before_expiration`: for an equity with an upcoming earnings date and a chosen
/// expiration, whether the earnings fall on or before it. A date already past says nothing about
/// the next one (null, with a note).
pub fn settle_earnings(f: &mut SymbolFields, class: AssetClass, as_of: crate::date::Date) {
    f.earnings_before_expiration = None;
    if class != AssetClass::Equity {
        return;
    }
    let Some(e) = f.earnings_date else {
        return;
    };
    if e < as_of {
        let note = format!("earnings date {e} is past; the next one is not known");
        if !f.notes.contains(&note) {
            f.notes.push(note);
        }
        f.earnings_date = None;
        f.days_to_earnings = None;
        return;
    }
    if let Some(x) = f.expiration {
        f.earnings_before_expiration = Some(e <= x);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> crate::date::Date {
        s.parse().unwrap()
    }

    #[test]
    fn earnings_inside_the_trade() {
        let as_of = d("2026-11-20");
        let mut f = SymbolFields {
            earnings_date: Some(d("2027-01-15")),
            expiration: Some(d("2027-01-15")),
            ..SymbolFields::default()
        };
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(
            f.earnings_before_expiration,
            Some(true),
            "on the expiration day"
        );
        f.earnings_date = Some(d("2027-01-16"));
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, Some(false));
        // No expiration chosen: unknown.
        f.expiration = None;
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        // Not an equity: no earnings.
        f.expiration = Some(d("2027-01-15"));
        settle_earnings(&mut f, AssetClass::Etf, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        // A date already past says nothing about the next one.
        let mut f = SymbolFields {
            earnings_date: Some(d("2026-11-02")),
            days_to_earnings: Some(-18),
            expiration: Some(d("2027-01-15")),
            ..SymbolFields::default()
        };
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        assert_eq!(f.earnings_date, None);
        assert_eq!(f.days_to_earnings, None);
        assert!(f.notes[0].contains("is past"), "{:?}", f.notes);
    }
}
