//! `volscreen detail SYM`: one symbol in depth. Flags → a checked plan → one `--show-all` scan of
//! the symbol (the screen's own pipeline, so price, IV, ranks, chain, ATM straddle, expected move,
//! earnings and filter outcomes are the screen's) that asks for [`detail::HISTORY_DAYS`] days of
//! candles and keeps the candles and per-expiration IVs (`pipeline::keep`) → the document
//! ([`detail::build`]) → JSON (`--json`) or the text view (`report::detail`).
//!
//! Rules:
//! - Flags are checked first, in a fixed order (symbol, config, profile, date, budget, source): a
//!   problem is exit 2 with one line, nothing fetched. A symbol that does not normalise (the
//!   watchlist's rules: `brk.b` → `BRK/B`, `/ESZ6` → `/ES`) is such a problem.
//! - Exit 1 with one line on stderr and **nothing on stdout, also with `--json`**: an unknown
//!   symbol (the service has no market metrics for it), or a scan that could not complete (source,
//!   authentication, the metrics request, the `--timeout` budget). A detail view of a symbol
//!   without metrics would be all `null`; a script tells the cases apart by the exit code.
//!   130 after Ctrl-C.
//! - Otherwise exit 0 with the document: what the scan could not have (no candles, no chain, no
//!   quotes) is `null`, with the reason in `notes`.
//! - No progress bars (one symbol); the demo-market notice on stderr unless `--quiet`.

use super::plan::{check_timeout, choose_source, demo_by_default, load_config, parse_as_of};
use super::{block_on, print, usage_error, UsageError};
use crate::cli::DetailArgs;
use crate::detail::{self, Detail, DetailMeta, Input};
use crate::model::{ScanReport, Signal, Stage, SymbolFields, Timings};
use crate::pipeline::keep::Keep;
use crate::pipeline::metrics::{NOT_FOUND, NO_CONTRACTS};
use crate::pipeline::{self, timing::Clock, ScanOutcome, ScanRequest};
use crate::report;
use std::io::Write;
use std::process::ExitCode;

/// Everything `detail` needs, checked.
struct DetailPlan {
    symbol: String,
    request: ScanRequest,
    json: bool,
    render: report::detail::Options,
    demo_by_default: bool,
}

impl DetailPlan {
    fn from_args(args: &DetailArgs) -> Result<DetailPlan, UsageError> {
        let symbol =
            crate::watchlist::normalize(&args.symbol).map_err(|why| UsageError::Symbol {
                text: args.symbol.clone(),
                why,
            })?;
        let mut config = load_config(args.config.as_deref())?;
        let profile = args
            .profile
            .clone()
            .unwrap_or_else(|| config.scan.default_profile.clone());
        let thresholds = config.profile(&profile).map_err(UsageError::Profile)?;
        let as_of = parse_as_of(args.source.as_of.as_deref())?;
        let timeout = check_timeout(args.timeout.unwrap_or(config.scan.timeout_secs))
            .map_err(UsageError::Timeout)?;
        let source = choose_source(&args.source)?;
        let demo_by_default = demo_by_default(&source, &args.source);
        // The cone's year of 252-session windows needs about two years of candles.
        config.scan.candle_history_days = config.scan.candle_history_days.max(detail::HISTORY_DAYS);
        let cache = if args.no_cache {
            crate::cache::Mode::Off
        } else if args.refresh {
            crate::cache::Mode::Refresh
        } else {
            crate::cache::Mode::Use
        };
        let request = ScanRequest {
            symbols: vec![symbol.clone()],
            watchlist: format!("detail {symbol}"),
            config,
            profile,
            thresholds,
            source,
            as_of,
            // Every field, even when a filter fails: the filters are reported, not applied.
            show_all: true,
            top: None,
            timeout,
            progress: false,
            cache,
            sort: Default::default(),
            exclude: Default::default(),
            excluded: Vec::new(),
            remote_list: None,
            estimators: Vec::new(),
            keep: Some(Keep::new()),
        };
        Ok(DetailPlan {
            symbol,
            request,
            json: args.json,
            render: report::detail::Options {
                color: !args.json && super::plan::color(args.color),
                width: report::terminal_width(),
            },
            demo_by_default,
        })
    }
}

/// `volscreen detail`.
pub fn detail(args: &DetailArgs) -> ExitCode {
    let clock = Clock::new();
    let load = clock.begin("load", 0);
    let plan = match DetailPlan::from_args(args) {
        Ok(plan) => plan,
        Err(e) => return usage_error(&e),
    };
    if plan.demo_by_default && !args.quiet {
        say!(
            "volscreen: no tastytrade credentials (TASTYTRADE_REFRESH_TOKEN); using the demo market as of {}",
            plan.request.as_of
        );
    }
    load.end(1, 0);
    let keep = plan.request.keep.clone().unwrap_or_default();
    let thresholds = plan.request.thresholds.clone();
    let as_of = plan.request.as_of;
    let history_days = plan.request.config.scan.candle_history_days;
    let outcome = match block_on(pipeline::run(plan.request, clock.clone())) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    let symbol = plan.symbol.as_str();
    let entry = match found(&outcome, symbol) {
        Ok(entry) => entry,
        Err((code, line)) => {
            say!("volscreen: {line}");
            return code;
        }
    };
    let started = clock.now_ms();
    let kept = keep.take(symbol);
    let meta = &outcome.report.meta;
    let mut d = detail::build(
        &Input {
            symbol,
            fields: entry.fields,
            score: entry.score,
            signal: entry.signal,
            error: entry.error,
            candles: kept.candles.as_ref(),
            expiration_ivs: kept.expiration_ivs.as_deref(),
            thresholds: &thresholds,
            as_of,
        },
        DetailMeta {
            tool: meta.tool.clone(),
            version: meta.version.clone(),
            source: meta.source,
            profile: meta.profile.clone(),
            scanned_at: meta.scanned_at.clone(),
            as_of: meta.as_of,
            candle_history_days: history_days,
            timings: meta.timings.clone(),
        },
    );
    clock.record("detail", started, 1, 1, 0);
    d.meta.timings = Timings {
        total_ms: clock.now_ms(),
        stages: clock.stages(),
        requests: meta.timings.requests.clone(),
    };
    print(&output(&d, plan.json, &plan.render))
}

/// The document as JSON (pretty, one document) or as the text view.
fn output(d: &Detail, json: bool, options: &report::detail::Options) -> Vec<u8> {
    if json {
        match serde_json::to_vec_pretty(d) {
            Ok(mut bytes) => {
                bytes.push(b'\n');
                bytes
            }
            // Serialising plain data with string keys does not fail; say so if it ever does.
            Err(e) => {
                say!("volscreen: cannot write the document: {e}");
                Vec::new()
            }
        }
    } else {
        report::detail::render(d, options).into_bytes()
    }
}

/// The symbol's entry in the scan's report, as `detail` reads it.
struct Entry<'a> {
    fields: &'a SymbolFields,
    score: Option<f64>,
    signal: Option<Signal>,
    error: Option<(Stage, &'a str)>,
}

/// The symbol's entry, or the exit code and the one line saying why there is no document
/// (module docs).
fn found<'a>(outcome: &'a ScanOutcome, symbol: &str) -> Result<Entry<'a>, (ExitCode, String)> {
    if outcome.interrupted {
        return Err((ExitCode::from(130), "interrupted".to_string()));
    }
    let could_not = |why: &str| {
        (
            ExitCode::from(1),
            format!("detail {symbol} could not complete: {why}"),
        )
    };
    let r: &ScanReport = &outcome.report;
    if let Some(c) = r.candidates.iter().find(|c| c.symbol == symbol) {
        // With --show-all a symbol halted by the budget is reported as far as it got.
        if let Some(fatal) = &outcome.fatal {
            return Err(could_not(fatal));
        }
        return Ok(Entry {
            fields: &c.fields,
            score: c.score,
            signal: Some(c.signal),
            error: None,
        });
    }
    if let Some(x) = r.rejected.iter().find(|x| x.symbol == symbol) {
        if let Some(fatal) = &outcome.fatal {
            return Err(could_not(fatal));
        }
        return Ok(Entry {
            fields: &x.fields,
            score: None,
            signal: None,
            error: None,
        });
    }
    let Some(e) = r.errors.iter().find(|e| e.symbol == symbol) else {
        return Err(could_not("the scan did not report the symbol"));
    };
    match e.stage {
        Stage::Metrics if e.error == NOT_FOUND || e.error == NO_CONTRACTS => {
            let why = if e.error == NOT_FOUND {
                "the service has no market metrics for it"
            } else {
                "the service lists no futures contracts for it"
            };
            Err((
                ExitCode::from(1),
                format!("detail: {symbol}: unknown symbol ({why})"),
            ))
        }
        // Nothing about the symbol is known before its metrics row.
        Stage::Load
        | Stage::Source
        | Stage::Auth
        | Stage::Metrics
        | Stage::Timeout
        | Stage::Interrupted
            if e.fields.iv.is_none() && e.fields.price.is_none() =>
        {
            Err(could_not(&e.error))
        }
        Stage::Timeout | Stage::Interrupted => Err(could_not(&e.error)),
        stage => Ok(Entry {
            fields: &e.fields,
            score: None,
            signal: None,
            error: Some((stage, e.error.as_str())),
        }),
    }
}
