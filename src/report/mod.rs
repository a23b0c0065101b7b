//! Output formats behind one trait: the JSON document, the table and the CSV, each in its own
//! file, all rendering the same [`model::ScanReport`]; plus the benchmark breakdown for stderr.
//!
//! - [`model`] (`crate::model`, re-exported): the data (the JSON contract of product.md).
//! - [`json`], [`table`], [`csv`]: one [`Reporter`] each, chosen by [`Format`] through [`reporter`].
//! - [`benchmark`]: the `PIPELINE TIMING BREAKDOWN` text (`BENCHMARK=1`), always plain text.
//! - [`watch`]: `screen --watch`, one pass at a time (JSON Lines, or a table redrawn in place).
//!
//! Every format shows unknown values as unknown (`null`, an empty cell, `—`), never NaN: non-finite
//! numbers are turned into unknowns by [`sanitized`] before rendering.

pub mod benchmark;
pub mod csv;
pub mod detail;
pub mod json;
pub mod table;
pub mod watch;

/// The model the formats render (it lives at `crate::model`, below the pipeline and the filters).
pub use crate::model;

use model::{ScanReport, SymbolFields};
use std::io::{self, Write};
use std::str::FromStr;

/// One output format: renders a whole report to a writer (stdout in the CLI).
pub trait Reporter {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()>;
}

/// The output formats of `volscreen screen`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// A human-readable table (the default).
    #[default]
    Table,
    /// `--json`: one JSON document (docs/screen-output.schema.json).
    Json,
    /// `--csv`: one row per candidate.
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "unknown output format {s:?}: expected table, json or csv"
            )),
        }
    }
}

/// How to render. The caller decides colour (`--color`; `auto` is [`color_wanted`]) and the width
/// (see [`terminal_width`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours in the table (never in JSON or CSV).
    pub color: bool,
    /// `--explain`: list every rejected symbol with its failed filters, and every error.
    pub explain: bool,
    /// Cap on the candidates rendered. The pipeline already applies `--top` (see `meta.top`); this
    /// is a second, idempotent cap for callers that render a full report.
    pub top: Option<usize>,
    /// Terminal width in columns: the table hides its least important columns to fit. `None`: no
    /// limit (output is not a terminal).
    pub width: Option<u16>,
    /// `--csv-percent`: the CSV's fractions as percents, in columns named `NAME_pct`.
    pub csv_percent: bool,
    /// `--estimators`: the estimator columns the table and the CSV show (in
    /// [`crate::screen::columns::ESTIMATORS`] order; none by default). JSON always has the fields.
    pub estimators: Vec<crate::vol::estimators::Estimator>,
}

/// The reporter for `format`.
pub fn reporter(format: Format, options: &Options) -> Box<dyn Reporter> {
    match format {
        Format::Table => Box::new(table::TableReporter::new(options.clone())),
        Format::Json => Box::new(json::JsonReporter::new(options.top)),
        Format::Csv => Box::new(
            csv::CsvReporter::new(options.top)
                .percent(options.csv_percent)
                .estimators(&options.estimators),
        ),
    }
}

/// Render `report` in `format` to `out`.
pub fn render(
    format: Format,
    options: &Options,
    report: &ScanReport,
    out: &mut dyn Write,
) -> io::Result<()> {
    reporter(format, options).render(report, out)
}

/// Render `report` in `format` to a string.
pub fn render_to_string(format: Format, options: &Options, report: &ScanReport) -> String {
    let mut buf = Vec::new();
    render(format, options, report, &mut buf).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("reporters write UTF-8")
}

/// `--color auto`: whether to colour output written to a terminal (`is_tty`): yes unless
/// `NO_COLOR` is set to a non-empty value (<https://no-color.org>) or `TERM` is `dumb`.
pub fn color_wanted(is_tty: bool) -> bool {
    auto_color(
        is_tty,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// [`color_wanted`] on given values of `NO_COLOR` and `TERM`.
pub fn auto_color(
    is_tty: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    is_tty && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
}

/// Width of the terminal on stdout; `None` when stdout is not a terminal (a pipe or a file gets
/// every column). `COLUMNS`, when set, wins over the size the terminal reports.
pub fn terminal_width() -> Option<u16> {
    let probe = comfy_table::Table::new();
    if !probe.is_tty() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w > 0)
        .or_else(|| probe.width())
}

/// `Some(x)` only when `x` is finite.
pub(crate) fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

fn sanitize_fields(f: &mut SymbolFields) {
    for v in [
        &mut f.price,
        &mut f.iv,
        &mut f.iv_rank,
        &mut f.iv_percentile,
        &mut f.hv20,
        &mut f.hv30,
        &mut f.hv90,
        &mut f.hv252,
        &mut f.hv30_parkinson,
        &mut f.hv30_garman_klass,
        &mut f.hv30_rogers_satchell,
        &mut f.hv30_yang_zhang,
        &mut f.vrp_structural,
        &mut f.vrp_tactical,
        &mut f.iv_hv_spread,
        &mut f.vtr,
        &mut f.atm_strike,
        &mut f.straddle_mid,
        &mut f.expected_move,
        &mut f.slippage,
    ] {
        *v = finite(*v);
    }
}

/// A copy of `report` fit for output: every non-finite optional number becomes unknown (`None`),
/// and candidates beyond `top` (when given) are cut, recording the cap in `meta.top`.
///
/// Timings (`total_ms`, `start_ms`, `end_ms`) are clock readings and finite by construction; they
/// are left alone.
pub fn sanitized(report: &ScanReport, top: Option<usize>) -> ScanReport {
    let mut r = report.clone();
    for c in &mut r.candidates {
        sanitize_fields(&mut c.fields);
        c.score = finite(c.score);
    }
    for rej in &mut r.rejected {
        sanitize_fields(&mut rej.fields);
    }
    for e in &mut r.errors {
        sanitize_fields(&mut e.fields);
    }
    if let Some(k) = top {
        if r.candidates.len() > k {
            r.candidates.truncate(k);
        }
        r.meta.top = Some(r.meta.top.map_or(k, |t| t.min(k)));
    }
    r
}
