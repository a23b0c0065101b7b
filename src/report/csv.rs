//! `--csv`: one row per candidate, the JSON candidate flattened into columns named exactly like
//! its JSON fields ([`COLUMNS`]); `filters.passed`/`filters.na`/`filters.failed`/`filters.unknown`
//! become `filters_passed`, `filters_na`, `filters_failed` and `filters_unknown`, and lists are joined with `;`; each of
//! `warnings` is written `field=value (rule)`. Unknown values are empty cells; booleans are `true`
//! or `false`; numbers are written at full precision (the same values as the JSON document). Only
//! the header is written when there are no candidates.
//!
//! A CSV has no room for a note: when the scan is partial the command says so on stderr.

use super::model::{Candidate, ScanReport};
use super::{finite, sanitized, Reporter};
use std::io::{self, Write};

/// The CSV header, in order.
pub const COLUMNS: &[&str] = &[
    "rank",
    "symbol",
    "asset_class",
    "price",
    "iv",
    "iv_rank",
    "iv_percentile",
    "hv20",
    "hv30",
    "hv90",
    "hv252",
    "vrp_structural",
    "vrp_tactical",
    "iv_hv_spread",
    "vtr",
    "liquidity_rating",
    "earnings_date",
    "days_to_earnings",
    "earnings_before_expiration",
    "expiration",
    "dte",
    "atm_strike",
    "straddle_mid",
    "expected_move",
    "expected_move_method",
    "slippage",
    "score",
    "signal",
    "filters_passed",
    "filters_na",
    "filters_failed",
    "filters_unknown",
    "notes",
    "warnings",
];

/// Separator of list cells (`filters_*`, `notes`, `warnings`).
pub const LIST_SEPARATOR: &str = ";";

/// Renders the CSV.
#[derive(Debug, Clone, Default)]
pub struct CsvReporter {
    top: Option<usize>,
}

impl CsvReporter {
    /// `top`: cap on the rows written (the pipeline normally applies `--top` already).
    pub fn new(top: Option<usize>) -> CsvReporter {
        CsvReporter { top }
    }
}

fn num(x: Option<f64>) -> String {
    finite(x).map(|v| v.to_string()).unwrap_or_default()
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The cells of one candidate, in [`COLUMNS`] order.
pub fn row(c: &Candidate) -> Vec<String> {
    let f = &c.fields;
    vec![
        c.rank.to_string(),
        c.symbol.clone(),
        opt(f.asset_class.map(|a| a.as_str())),
        num(f.price),
        num(f.iv),
        num(f.iv_rank),
        num(f.iv_percentile),
        num(f.hv20),
        num(f.hv30),
        num(f.hv90),
        num(f.hv252),
        num(f.vrp_structural),
        num(f.vrp_tactical),
        num(f.iv_hv_spread),
        num(f.vtr),
        opt(f.liquidity_rating),
        opt(f.earnings_date),
        opt(f.days_to_earnings),
        opt(f.earnings_before_expiration),
        opt(f.expiration),
        opt(f.dte),
        num(f.atm_strike),
        num(f.straddle_mid),
        num(f.expected_move),
        opt(f.expected_move_method.map(|m| m.as_str())),
        num(f.slippage),
        num(c.score),
        c.signal.to_string(),
        c.filters.passed.join(LIST_SEPARATOR),
        c.filters.na.join(LIST_SEPARATOR),
        c.filters.failed.join(LIST_SEPARATOR),
        c.filters.unknown.join(LIST_SEPARATOR),
        f.notes.join(LIST_SEPARATOR),
        f.warnings
            .iter()
            .map(super::table::warning_text)
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
    ]
}

impl Reporter for CsvReporter {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let report = sanitized(report, self.top);
        let mut w = ::csv::Writer::from_writer(&mut *out);
        w.write_record(COLUMNS).map_err(io_error)?;
        for c in &report.candidates {
            w.write_record(row(c)).map_err(io_error)?;
        }
        w.flush()
    }
}

/// A CSV error as the I/O error it wraps, so that the caller can tell a closed pipe
/// (`ErrorKind::BrokenPipe`) from a real failure.
fn io_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
