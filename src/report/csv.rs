//! `--csv`: one row per candidate, the JSON candidate flattened into columns named exactly like
//! its JSON fields ([`COLUMNS`]); `filters.passed`/`filters.na`/`filters.failed`/`filters.unknown`
//! become `filters_passed`, `filters_na`, `filters_failed` and `filters_unknown`, and lists are joined with `;`; each of
//! `warnings` is written `field=value (rule)`. Unknown values are empty cells; booleans are `true`
//! or `false`. Only the header is written when there are no candidates.
//!
//! Numbers are the JSON document's values rounded to [`DECIMALS`] decimals and written without
//! trailing zeros (`31.65`, never the float noise `31.650000000000002`): a millionth of a
//! fraction is far below what the data carries, and prices keep every tick (1/64 = 0.015625).
//! With `--csv-percent` ([`CsvReporter::percent`]) the fractions ([`PERCENT_COLUMNS`]: iv, ranks,
//! HVs, spread, expected move, slippage) are written as percents with [`PERCENT_DECIMALS`] decimals
//! (the same precision) in columns named `NAME_pct` (`iv_pct` 26.175); ratios (VRP, VTR), prices
//! and the score are unchanged.
//!
//! With `--estimators` ([`CsvReporter::estimators`]) the chosen estimator columns (`hv30_parkinson`,
//! ...: fractions, percents with `--csv-percent`) follow `hv252`; without it the CSV has none.
//!
//! A CSV has no room for a note: when the scan is partial the command says so on stderr.

use super::model::{Candidate, ScanReport, SymbolFields};
use super::{finite, sanitized, Reporter};
use crate::screen::columns;
use crate::vol::estimators::Estimator;
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

/// The columns that hold fractions (0.25 = 25 %): `--csv-percent` writes them ×100, named
/// `NAME_pct`.
pub const PERCENT_COLUMNS: &[&str] = &[
    "iv",
    "iv_rank",
    "iv_percentile",
    "hv20",
    "hv30",
    "hv90",
    "hv252",
    "iv_hv_spread",
    "expected_move",
    "slippage",
];

/// The most decimals a number is written with.
pub const DECIMALS: usize = 6;

/// The most decimals a percent is written with (`--csv-percent`): a fraction's [`DECIMALS`].
pub const PERCENT_DECIMALS: usize = DECIMALS - 2;

/// Suffix of a percent column's name (`iv_pct`).
pub const PERCENT_SUFFIX: &str = "_pct";

/// Separator of list cells (`filters_*`, `notes`, `warnings`).
pub const LIST_SEPARATOR: &str = ";";

/// The column after which the estimator columns (`--estimators`) are written.
pub const ESTIMATORS_AFTER: &str = "hv252";

/// Renders the CSV.
#[derive(Debug, Clone, Default)]
pub struct CsvReporter {
    top: Option<usize>,
    percent: bool,
    estimators: Vec<Estimator>,
}

impl CsvReporter {
    /// `top`: cap on the rows written (the pipeline normally applies `--top` already).
    pub fn new(top: Option<usize>) -> CsvReporter {
        CsvReporter {
            top,
            percent: false,
            estimators: Vec::new(),
        }
    }

    /// `--csv-percent`: the fractions ([`PERCENT_COLUMNS`]) as percents, named `NAME_pct`.
    pub fn percent(self, percent: bool) -> CsvReporter {
        CsvReporter { percent, ..self }
    }

    /// `--estimators`: their columns (`hv30_NAME`, fractions) after [`ESTIMATORS_AFTER`].
    pub fn estimators(self, estimators: &[Estimator]) -> CsvReporter {
        CsvReporter {
            estimators: estimators.to_vec(),
            ..self
        }
    }
}

/// The columns written: [`COLUMNS`] with the fields of `estimators` (in
/// [`columns::ESTIMATORS`] order) after [`ESTIMATORS_AFTER`].
pub fn columns_with(estimators: &[Estimator]) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(COLUMNS.len() + estimators.len());
    for &c in COLUMNS {
        out.push(c);
        if c == ESTIMATORS_AFTER {
            out.extend(
                columns::ESTIMATORS
                    .iter()
                    .filter(|(e, _)| estimators.contains(e))
                    .map(|(_, f)| *f),
            );
        }
    }
    out
}

/// Whether column `name` holds a fraction ([`PERCENT_COLUMNS`] or an estimator column).
fn is_percent(name: &str) -> bool {
    PERCENT_COLUMNS.contains(&name) || columns::estimator_of_field(name).is_some()
}

/// The header: [`COLUMNS`], with `--csv-percent` ([`percent`](CsvReporter::percent)) each of
/// [`PERCENT_COLUMNS`] suffixed [`PERCENT_SUFFIX`].
pub fn header(percent: bool) -> Vec<String> {
    header_with(percent, &[])
}

/// [`header`] with the columns of `estimators` ([`columns_with`]; suffixed too with `percent`).
pub fn header_with(percent: bool, estimators: &[Estimator]) -> Vec<String> {
    columns_with(estimators)
        .into_iter()
        .map(|c| {
            if percent && is_percent(c) {
                format!("{c}{PERCENT_SUFFIX}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `v` with at most `decimals` decimals and no trailing zeros (`0.250000` → `0.25`, `3.000` →
/// `3`, a rounded `-0` → `0`).
pub fn decimal(v: f64, decimals: usize) -> String {
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        let kept = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(kept);
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

fn num(x: Option<f64>) -> String {
    finite(x).map(|v| decimal(v, DECIMALS)).unwrap_or_default()
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The cells of one candidate, in [`COLUMNS`] order, fractions as fractions.
pub fn row(c: &Candidate) -> Vec<String> {
    row_as(c, false)
}

/// The cells of one candidate, in [`COLUMNS`] order; with `percent`, the cells of
/// [`PERCENT_COLUMNS`] as percents with [`PERCENT_DECIMALS`] decimals.
pub fn row_as(c: &Candidate, percent: bool) -> Vec<String> {
    row_with(c, percent, &[])
}

/// [`row_as`] with the cells of `estimators`' columns, in [`columns_with`] order.
pub fn row_with(c: &Candidate, percent: bool, estimators: &[Estimator]) -> Vec<String> {
    let mut cells = cells(c);
    if let Some(at) = COLUMNS.iter().position(|n| *n == ESTIMATORS_AFTER) {
        let extra = columns::ESTIMATORS
            .iter()
            .filter(|(e, _)| estimators.contains(e))
            .map(|(e, _)| num(columns::estimator_value(&c.fields, *e)));
        cells.splice(at + 1..at + 1, extra);
    }
    if percent {
        for (cell, name) in cells.iter_mut().zip(columns_with(estimators)) {
            if is_percent(name) {
                *cell = finite(fraction(&c.fields, name))
                    .map(|v| decimal(v * 100.0, PERCENT_DECIMALS))
                    .unwrap_or_default();
            }
        }
    }
    cells
}

/// The value of the fraction column `name` (one of [`PERCENT_COLUMNS`], or an estimator column).
fn fraction(f: &SymbolFields, name: &str) -> Option<f64> {
    if let Some(e) = columns::estimator_of_field(name) {
        return columns::estimator_value(f, e);
    }
    match name {
        "iv" => f.iv,
        "iv_rank" => f.iv_rank,
        "iv_percentile" => f.iv_percentile,
        "hv20" => f.hv20,
        "hv30" => f.hv30,
        "hv90" => f.hv90,
        "hv252" => f.hv252,
        "iv_hv_spread" => f.iv_hv_spread,
        "expected_move" => f.expected_move,
        "slippage" => f.slippage,
        _ => None,
    }
}

fn cells(c: &Candidate) -> Vec<String> {
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
        w.write_record(header_with(self.percent, &self.estimators))
            .map_err(io_error)?;
        for c in &report.candidates {
            w.write_record(row_with(c, self.percent, &self.estimators))
                .map_err(io_error)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Signal;

    #[test]
    fn numbers_are_rounded_without_trailing_zeros() {
        assert_eq!(decimal(0.261749999999998, DECIMALS), "0.26175");
        assert_eq!(decimal(26.174999999999997, PERCENT_DECIMALS), "26.175");
        assert_eq!(decimal(0.015625, DECIMALS), "0.015625");
        assert_eq!(decimal(4512.25, DECIMALS), "4512.25");
        assert_eq!(decimal(3.0, DECIMALS), "3");
        assert_eq!(decimal(120.0, DECIMALS), "120");
        assert_eq!(decimal(-0.0123, DECIMALS), "-0.0123");
        assert_eq!(decimal(-0.0000001, DECIMALS), "0");
        assert_eq!(decimal(1e-7, DECIMALS), "0");
        assert_eq!(decimal(12.350000000000001, DECIMALS), "12.35");
    }

    fn candidate() -> Candidate {
        Candidate {
            rank: 1,
            symbol: "TSLA".into(),
            score: Some(73.5),
            signal: Signal::Rich,
            filters: Default::default(),
            fields: SymbolFields {
                price: Some(250.10000000000002),
                iv: Some(0.261749999999998),
                iv_rank: Some(0.3),
                hv30: Some(0.1),
                iv_hv_spread: Some(0.16174999999999998),
                vrp_structural: Some(1.4200000000000002),
                slippage: None,
                ..SymbolFields::default()
            },
        }
    }

    #[test]
    fn percent_cells_are_the_fractions_times_100_in_pct_columns() {
        let c = candidate();
        let (plain, pct) = (row_as(&c, false), row_as(&c, true));
        let h = header(true);
        let at = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
        assert_eq!(plain[at("iv")], "0.26175");
        assert_eq!(pct[at("iv")], "26.175");
        assert_eq!(h[at("iv")], "iv_pct");
        assert_eq!(pct[at("iv_rank")], "30");
        assert_eq!(pct[at("iv_hv_spread")], "16.175");
        assert_eq!(pct[at("slippage")], "", "unknown stays empty");
        // Ratios, prices and the score are not percents.
        assert_eq!(h[at("vrp_structural")], "vrp_structural");
        assert_eq!(pct[at("vrp_structural")], "1.42");
        assert_eq!(pct[at("price")], "250.1");
        assert_eq!(pct[at("score")], "73.5");
        assert_eq!(header(false), COLUMNS);
        // Every percent column is a column with a fraction behind it.
        let all = Candidate {
            fields: SymbolFields {
                iv: Some(0.1),
                iv_rank: Some(0.1),
                iv_percentile: Some(0.1),
                hv20: Some(0.1),
                hv30: Some(0.1),
                hv90: Some(0.1),
                hv252: Some(0.1),
                iv_hv_spread: Some(0.1),
                expected_move: Some(0.1),
                slippage: Some(0.1),
                ..SymbolFields::default()
            },
            ..candidate()
        };
        let pct = row_as(&all, true);
        for p in PERCENT_COLUMNS {
            assert_eq!(pct[at(p)], "10", "{p}");
        }
    }

    #[test]
    fn estimator_columns_follow_hv252_only_when_asked_for() {
        let c = Candidate {
            fields: SymbolFields {
                hv252: Some(0.2),
                hv30_parkinson: Some(0.2512345678),
                hv30_garman_klass: Some(0.26),
                hv30_yang_zhang: None,
                ..candidate().fields
            },
            ..candidate()
        };
        assert_eq!(columns_with(&[]), COLUMNS);
        assert_eq!(row_with(&c, false, &[]), row_as(&c, false));
        // Asked for out of order: written in report order, right after hv252.
        let asked = [Estimator::YangZhang, Estimator::Parkinson];
        let names = columns_with(&asked);
        let at = |name: &str| names.iter().position(|c| *c == name).unwrap();
        assert_eq!(names.len(), COLUMNS.len() + 2);
        assert_eq!(at("hv30_parkinson"), at("hv252") + 1);
        assert_eq!(at("hv30_yang_zhang"), at("hv252") + 2);
        assert!(!names.contains(&"hv30_garman_klass"), "not asked for");
        let plain = row_with(&c, false, &asked);
        assert_eq!(plain.len(), names.len());
        assert_eq!(plain[at("hv30_parkinson")], "0.251235");
        assert_eq!(plain[at("hv30_yang_zhang")], "", "unknown stays empty");
        assert_eq!(
            plain[at("vrp_structural")],
            "1.42",
            "later cells keep their place"
        );
        let pct = row_with(&c, true, &asked);
        let h = header_with(true, &asked);
        assert_eq!(h[at("hv30_parkinson")], "hv30_parkinson_pct");
        assert_eq!(pct[at("hv30_parkinson")], "25.1235");
        assert_eq!(h[at("iv")], "iv_pct");
    }
}
