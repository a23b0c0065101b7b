//! The default output: a header line, a comfy-table of the ranked candidates, and a footer
//! (rejected and error counts; with `--explain`, every rejected symbol with each failed filter and
//! its numbers, and every error with its stage and cause: [`write_explanation`]).
//!
//! Percent columns (IV, IVR, IVP, HV30, HV90, the estimator columns PK30, GK30, RS30 and YZ30 that
//! `--estimators` adds, EM %, slip %) show fractions as percentages with one
//! decimal (`0.224` → `22.4%`); ratios (VRP-S, VRP-T, VTR) two decimals; unknown values `—`.
//! Numbers are right-aligned. Colour only when [`Options::color`] is set (the caller decides:
//! `--color`, the terminal, `NO_COLOR`, `TERM`). With [`Options::width`], the least important
//! columns are hidden until the table fits (IV rank last: see [`COLUMNS`]), and the footer says
//! which.
//!
//! A candidate with a warning (a value that arrived implausible and was not used) has
//! [`WARNING_MARK`] after its symbol, and its warnings are listed under the table. A partial result
//! (the budget ran out, Ctrl-C) says so in the header and in a note under the table
//! ([`incomplete_note`]: the reason and how many symbols were left undecided).

use super::model::{Candidate, ScanReport, Stage, Warning};
use super::{finite, sanitized, Options, Reporter};
use crate::model::MoveMethod;
use crate::vol::estimators::Estimator;
use comfy_table::{Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement};
use std::io::{self, Write};

/// Shown for an unknown value.
pub const UNKNOWN: &str = "—";

/// Appended to the symbol of a candidate with a warning (a value that arrived implausible and was
/// not used); the warnings are listed under the table.
pub const WARNING_MARK: &str = "!";

/// Header underline only: no borders, columns separated by their padding.
const STYLE: &str = "     ──            ";

/// One table column: its title, alignment and how eagerly it is hidden on a narrow terminal
/// (`Some(0)` first; `None`: never); an estimator column is shown only when asked for
/// ([`Options::estimators`]).
struct Column {
    title: &'static str,
    right: bool,
    hide_order: Option<u8>,
    estimator: Option<Estimator>,
}

const fn col(title: &'static str, right: bool, hide_order: Option<u8>) -> Column {
    Column {
        title,
        right,
        hide_order,
        estimator: None,
    }
}

/// An estimator's 30-session column (`--estimators`): hidden first on a narrow terminal.
const fn est(title: &'static str, estimator: Estimator) -> Column {
    Column {
        title,
        right: true,
        hide_order: Some(0),
        estimator: Some(estimator),
    }
}

/// The columns, in order. On a narrow terminal they are hidden in `hide_order`: first the
/// estimator columns asked for with `--estimators` (PK30, GK30, RS30, YZ30), then what the other
/// columns imply or the CSV has (class, HV90, exp, HV30), then the trade's details (EM %, slip %,
/// VRP-T), then price, VTR and IVP; IV rank is the last to go. `#`, symbol, IV, VRP-S, score and
/// signal are never hidden.
const COLUMNS: &[Column] = &[
    col("#", true, None),
    col("symbol", false, None),
    col("class", false, Some(1)),
    col("price", true, Some(8)),
    col("IV", true, None),
    col("IVR", true, Some(11)),
    col("IVP", true, Some(10)),
    col("HV30", true, Some(4)),
    col("HV90", true, Some(2)),
    est("PK30", Estimator::Parkinson),
    est("GK30", Estimator::GarmanKlass),
    est("RS30", Estimator::RogersSatchell),
    est("YZ30", Estimator::YangZhang),
    col("VRP-S", true, None),
    col("VRP-T", true, Some(7)),
    col("VTR", true, Some(9)),
    col("exp", false, Some(3)),
    col("EM %", true, Some(5)),
    col("slip %", true, Some(6)),
    col("score", true, None),
    col("signal", false, None),
];

/// The titles of the table's columns, in order, as printed by default (no estimator columns).
pub fn column_titles() -> Vec<&'static str> {
    column_titles_with(&[])
}

/// The titles of the table's columns with the estimator columns of `estimators`, in order.
pub fn column_titles_with(estimators: &[Estimator]) -> Vec<&'static str> {
    let options = Options {
        estimators: estimators.to_vec(),
        ..Options::default()
    };
    shown(&options)
        .into_iter()
        .map(|i| COLUMNS[i].title)
        .collect()
}

/// The title of `e`'s column (`PK30`, `GK30`, `RS30`, `YZ30`); `None` for close-to-close (HV30).
pub fn estimator_title(e: Estimator) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|c| c.estimator == Some(e))
        .map(|c| c.title)
}

/// The indices in [`COLUMNS`] of the columns shown with `options`: every column but the estimator
/// columns not asked for.
fn shown(options: &Options) -> Vec<usize> {
    (0..COLUMNS.len())
        .filter(|&i| {
            COLUMNS[i]
                .estimator
                .is_none_or(|e| options.estimators.contains(&e))
        })
        .collect()
}

/// A fraction as a percentage with one decimal: `0.224` → `22.4%`.
pub fn pct(x: Option<f64>) -> String {
    finite(x).map_or_else(|| UNKNOWN.to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A number with `decimals` decimals.
pub fn fixed(x: Option<f64>, decimals: usize) -> String {
    finite(x).map_or_else(|| UNKNOWN.to_string(), |v| format!("{v:.decimals$}"))
}

/// The cells of a candidate in every column of [`COLUMNS`].
fn cells(c: &Candidate) -> Vec<String> {
    let f = &c.fields;
    let exp = match (f.expiration, f.dte) {
        (Some(e), Some(d)) => format!("{e} {d}d"),
        (Some(e), None) => e.to_string(),
        (None, Some(d)) => format!("{d}d"),
        (None, None) => UNKNOWN.to_string(),
    };
    let em = match (finite(f.expected_move), f.expected_move_method) {
        (Some(_), Some(MoveMethod::IvDte)) => format!("~{}", pct(f.expected_move)),
        _ => pct(f.expected_move),
    };
    let symbol = if f.warnings.is_empty() {
        c.symbol.clone()
    } else {
        format!("{}{WARNING_MARK}", c.symbol)
    };
    vec![
        c.rank.to_string(),
        symbol,
        f.asset_class
            .map_or_else(|| UNKNOWN.to_string(), |a| a.as_str().to_string()),
        fixed(f.price, 2),
        pct(f.iv),
        pct(f.iv_rank),
        pct(f.iv_percentile),
        pct(f.hv30),
        pct(f.hv90),
        pct(f.hv30_parkinson),
        pct(f.hv30_garman_klass),
        pct(f.hv30_rogers_satchell),
        pct(f.hv30_yang_zhang),
        fixed(f.vrp_structural, 2),
        fixed(f.vrp_tactical, 2),
        fixed(f.vtr, 2),
        exp,
        em,
        pct(f.slippage),
        fixed(c.score, 1),
        c.signal.to_string(),
    ]
}

fn signal_color(signal: &str) -> Option<Color> {
    match signal {
        "RICH" => Some(Color::Green),
        "EXPANDING" | "EVENT" => Some(Color::Yellow),
        "COILED" => Some(Color::Cyan),
        "DISCOUNT" => Some(Color::Red),
        _ => None,
    }
}

/// Renders the table.
#[derive(Debug, Clone, Default)]
pub struct TableReporter {
    options: Options,
}

impl TableReporter {
    pub fn new(options: Options) -> TableReporter {
        TableReporter { options }
    }

    /// The comfy-table of `rows` (cells of the columns `cols`, indices in [`COLUMNS`]), showing
    /// the columns where `visible` is true.
    fn table(
        &self,
        cols: &[usize],
        rows: &[Vec<String>],
        visible: &[bool],
        color: bool,
    ) -> comfy_table::Table {
        let mut t = comfy_table::Table::new();
        t.load_preset(STYLE)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        if color {
            t.enforce_styling();
        }
        t.set_header(cols.iter().map(|&i| {
            let cell = Cell::new(COLUMNS[i].title);
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in rows {
            t.add_row(row.iter().enumerate().map(|(i, text)| {
                let cell = Cell::new(text);
                match (color, COLUMNS[cols[i]].title) {
                    (true, "signal") => match signal_color(text) {
                        Some(c) => cell.fg(c),
                        None => cell,
                    },
                    (true, "symbol") => cell.add_attribute(Attribute::Bold),
                    _ => cell,
                }
            }));
        }
        for (i, c) in cols.iter().map(|&k| &COLUMNS[k]).enumerate() {
            if let Some(column) = t.column_mut(i) {
                if c.right {
                    column.set_cell_alignment(CellAlignment::Right);
                }
                if !visible[i] {
                    column.set_constraint(ColumnConstraint::Hidden);
                }
            }
        }
        t
    }

    /// Which of the columns `cols` to show so that the table fits `width` (all when it is `None`).
    fn fit(&self, cols: &[usize], rows: &[Vec<String>]) -> Vec<bool> {
        let mut visible = vec![true; cols.len()];
        let Some(width) = self.options.width else {
            return visible;
        };
        let mut order: Vec<(u8, usize)> = cols
            .iter()
            .enumerate()
            .filter_map(|(i, &k)| COLUMNS[k].hide_order.map(|o| (o, i)))
            .collect();
        order.sort();
        for (_, i) in order {
            let rendered = self.table(cols, rows, &visible, false).trim_fmt();
            let widest = rendered
                .lines()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0);
            if widest <= width as usize {
                break;
            }
            visible[i] = false;
        }
        visible
    }
}

/// The two header lines: where the data came from, then what the scan found.
fn header_lines(r: &ScanReport) -> [String; 2] {
    let m = &r.meta;
    let mut first = format!(
        "{} {} · source {} · profile {} · as of {} · watchlist {}",
        m.tool, m.version, m.source, m.profile, m.as_of, m.watchlist,
    );
    if m.show_all {
        first.push_str(" · filters bypassed (--show-all)");
    }
    let second = format!(
        "{} symbols scanned in {:.2} s: {} candidates, {} rejected, {} errors",
        m.symbols_requested,
        m.timings.total_ms / 1000.0,
        m.counts.candidates,
        m.counts.rejected,
        m.counts.errors,
    );
    [first, second]
}

impl Reporter for TableReporter {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let r = sanitized(report, self.options.top);
        let m = &r.meta;
        for line in header_lines(&r) {
            writeln!(out, "{line}")?;
        }
        if !m.complete {
            let why = m.incomplete_reason.as_deref().unwrap_or("stopped early");
            writeln!(out, "INCOMPLETE SCAN: {why}")?;
        }
        writeln!(out)?;

        if r.candidates.is_empty() {
            writeln!(out, "no candidates")?;
        } else {
            let cols = shown(&self.options);
            let rows: Vec<Vec<String>> = r
                .candidates
                .iter()
                .map(|c| {
                    let all = cells(c);
                    cols.iter().map(|&i| all[i].clone()).collect()
                })
                .collect();
            let visible = self.fit(&cols, &rows);
            let table = self.table(&cols, &rows, &visible, self.options.color);
            writeln!(out, "{}", table.trim_fmt())?;
            if r.candidates.len() < m.counts.candidates {
                writeln!(
                    out,
                    "showing the top {} of {} candidates",
                    r.candidates.len(),
                    m.counts.candidates
                )?;
            }
            let em_visible = cols
                .iter()
                .position(|&k| COLUMNS[k].title == "EM %")
                .is_some_and(|i| visible[i]);
            if em_visible
                && r.candidates.iter().any(|c| {
                    c.fields.expected_move_method == Some(MoveMethod::IvDte)
                        && c.fields.expected_move.is_some()
                })
            {
                writeln!(
                    out,
                    "~ expected move estimated from IV·√(dte/365) (no option quotes)"
                )?;
            }
            let hidden: Vec<&str> = cols
                .iter()
                .zip(&visible)
                .filter(|(_, v)| !**v)
                .map(|(&k, _)| COLUMNS[k].title)
                .collect();
            if !hidden.is_empty() {
                writeln!(
                    out,
                    "hidden to fit {} columns: {} (--json or --csv have every field)",
                    self.options.width.unwrap_or_default(),
                    hidden.join(", ")
                )?;
            }
        }

        let with_warnings: Vec<_> = r
            .candidates
            .iter()
            .filter(|c| !c.fields.warnings.is_empty())
            .collect();
        if !with_warnings.is_empty() {
            writeln!(
                out,
                "{WARNING_MARK} implausible values were not used (the field is unknown):"
            )?;
            let w = with_warnings.iter().map(|c| c.symbol.chars().count()).max();
            let w = w.unwrap_or(0);
            for c in with_warnings {
                for warning in &c.fields.warnings {
                    writeln!(out, "  {:<w$}  {}", c.symbol, warning_text(warning))?;
                }
            }
        }
        if let Some(note) = incomplete_note(&r) {
            writeln!(out, "{note}")?;
        }

        let (n_rej, n_err) = (r.rejected.len(), r.errors.len());
        if self.options.explain {
            if n_rej > 0 || n_err > 0 {
                writeln!(out)?;
                write_explanation(&r, out)?;
            }
        } else if n_rej > 0 || n_err > 0 {
            writeln!(out)?;
            let mut parts = Vec::new();
            if n_rej > 0 {
                parts.push(format!("{n_rej} rejected"));
            }
            if n_err > 0 {
                parts.push(format!(
                    "{n_err} error{}",
                    if n_err == 1 { "" } else { "s" }
                ));
            }
            writeln!(out, "({}; --explain shows why)", parts.join(", "))?;
        }
        out.flush()
    }
}

/// One warning as text: `field=value (rule)`; a string value is shown without quotes.
pub fn warning_text(w: &Warning) -> String {
    let value = match &w.value {
        serde_json::Value::String(v) => v.clone(),
        other => other.to_string(),
    };
    format!("{}={value} ({})", w.field, w.rule)
}

/// Symbols left undecided when the scan stopped early: errors at stage `timeout` or `interrupted`.
pub fn undecided(r: &ScanReport) -> usize {
    r.errors
        .iter()
        .filter(|e| matches!(e.stage, Stage::Timeout | Stage::Interrupted))
        .count()
}

/// The line under the table of a partial result: `incomplete: REASON; N symbols undecided`.
/// `None` when the scan completed.
pub fn incomplete_note(r: &ScanReport) -> Option<String> {
    if r.meta.complete {
        return None;
    }
    let why = r
        .meta
        .incomplete_reason
        .as_deref()
        .unwrap_or("stopped early");
    let n = undecided(r);
    Some(if n > 0 {
        format!(
            "incomplete: {why}; {n} symbol{} undecided",
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!("incomplete: {why}")
    })
}

/// The `--explain` text, rendered from the report alone: every rejected symbol with each failed
/// filter and its numbers, then every error with its stage, its cause and the filters it left
/// unknown; under each symbol, the values that arrived implausible and were not used. Writes
/// nothing when there is nothing to explain. The table appends it under itself; with `--json` or
/// `--csv` the command writes it to stderr.
/// A symbol's warnings under its line of the explanation, indented past a `w`-wide symbol column.
fn write_warnings(out: &mut dyn Write, w: usize, warnings: &[Warning]) -> io::Result<()> {
    for warning in warnings {
        writeln!(
            out,
            "  {:<w$}    {WARNING_MARK} {}",
            "",
            warning_text(warning)
        )?;
    }
    Ok(())
}

pub fn write_explanation(r: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let (n_rej, n_err) = (r.rejected.len(), r.errors.len());
    if n_rej > 0 {
        writeln!(out, "rejected ({n_rej}):")?;
        let w = r.rejected.iter().map(|x| x.symbol.chars().count()).max();
        let w = w.unwrap_or(0);
        for rej in &r.rejected {
            writeln!(out, "  {:<w$}  {}", rej.symbol, rej.stage)?;
            for reason in &rej.reasons {
                writeln!(out, "  {:<w$}    ✗ {reason}", "")?;
            }
            write_warnings(out, w, &rej.fields.warnings)?;
        }
    }
    if n_err > 0 {
        if n_rej > 0 {
            writeln!(out)?;
        }
        writeln!(out, "errors ({n_err}):")?;
        let w = r.errors.iter().map(|x| x.symbol.chars().count()).max();
        let w = w.unwrap_or(0);
        let sw = r
            .errors
            .iter()
            .map(|x| x.stage.as_str().chars().count())
            .max();
        let sw = sw.unwrap_or(0);
        for e in &r.errors {
            writeln!(out, "  {:<w$}  {:<sw$}  {}", e.symbol, e.stage, e.error)?;
            for unknown in e.unknown.iter().filter(|u| !e.error.contains(u.as_str())) {
                writeln!(out, "  {:<w$}    ? {unknown}", "")?;
            }
            write_warnings(out, w, &e.fields.warnings)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row of typical cells, in [`COLUMNS`] order.
    fn row(symbol: &str) -> Vec<String> {
        [
            "1",
            symbol,
            "equity",
            "251.37",
            "62.4%",
            "48.0%",
            "71.0%",
            "45.1%",
            "50.3%",
            "44.8%",
            "46.2%",
            "43.9%",
            "47.0%",
            "1.24",
            "1.38",
            "0.90",
            "2027-01-15 45d",
            "~9.8%",
            "2.1%",
            "73.5",
            "EXPANDING",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// The titles hidden at `width`, with the estimator columns `estimators` asked for.
    fn hidden_at(width: u16, estimators: &[Estimator]) -> Vec<&'static str> {
        let t = TableReporter::new(Options {
            width: Some(width),
            estimators: estimators.to_vec(),
            ..Options::default()
        });
        let cols = shown(&t.options);
        let rows: Vec<Vec<String>> = [row("TSLA"), row("/ES")]
            .iter()
            .map(|r| cols.iter().map(|&i| r[i].clone()).collect())
            .collect();
        let visible = t.fit(&cols, &rows);
        cols.iter()
            .zip(visible)
            .filter(|(_, v)| !v)
            .map(|(&i, _)| COLUMNS[i].title)
            .collect()
    }

    /// The hiding order of the columns shown with `estimators`.
    fn hiding_order(estimators: &[Estimator]) -> Vec<&'static str> {
        let options = Options {
            estimators: estimators.to_vec(),
            ..Options::default()
        };
        let mut order: Vec<(u8, usize)> = shown(&options)
            .into_iter()
            .filter_map(|i| COLUMNS[i].hide_order.map(|o| (o, i)))
            .collect();
        order.sort();
        order.into_iter().map(|(_, i)| COLUMNS[i].title).collect()
    }

    #[test]
    fn columns_hide_in_order_and_iv_rank_goes_last() {
        let all = Estimator::ALL;
        for asked in [&[][..], &all[..], &[Estimator::YangZhang][..]] {
            let order = hiding_order(asked);
            assert_eq!(order.last(), Some(&"IVR"), "IV rank is the last to hide");
            let mut seen = 0;
            for width in (20..=240).rev() {
                let hidden = hidden_at(width, asked);
                // What is hidden is the start of the order: nothing jumps the queue.
                let mut queue = hidden.clone();
                queue.sort_by_key(|t| order.iter().position(|o| o == t));
                assert_eq!(queue, order[..queue.len()], "width {width}");
                for kept in ["#", "symbol", "IV", "VRP-S", "score", "signal"] {
                    assert!(!hidden.contains(&kept), "{kept} hidden at {width}");
                }
                assert!(hidden.len() >= seen, "narrower never shows more");
                seen = hidden.len();
            }
            // At 80 columns IV rank is still shown while the details are gone.
            let at80 = hidden_at(80, asked);
            assert!(!at80.contains(&"IVR"), "{at80:?}");
            assert!(
                at80.contains(&"class") && at80.contains(&"HV90"),
                "{at80:?}"
            );
            // Narrow enough, everything that can go has gone; one column wider, IV rank is back.
            let most = hidden_at(20, asked).len();
            assert_eq!(most, order.len());
            let last = (20..=240)
                .find(|w| hidden_at(*w, asked).len() < most)
                .map(|w| hidden_at(w, asked))
                .unwrap_or_default();
            assert!(!last.contains(&"IVR"), "IV rank goes last: {last:?}");
        }
    }

    #[test]
    fn estimator_columns_show_only_when_asked_for_and_hide_first() {
        let plain = hiding_order(&[]);
        for title in ["PK30", "GK30", "RS30", "YZ30"] {
            assert!(
                !plain.contains(&title),
                "{title} shown without --estimators"
            );
        }
        let order = hiding_order(&Estimator::ALL);
        assert_eq!(order[..4], ["PK30", "GK30", "RS30", "YZ30"]);
        assert_eq!(hiding_order(&[Estimator::RogersSatchell])[0], "RS30");
        for (e, title) in [
            (Estimator::Parkinson, "PK30"),
            (Estimator::GarmanKlass, "GK30"),
            (Estimator::RogersSatchell, "RS30"),
            (Estimator::YangZhang, "YZ30"),
        ] {
            assert_eq!(estimator_title(e), Some(title));
        }
        assert_eq!(estimator_title(Estimator::CloseToClose), None);
        // A table just too narrow for everything loses an estimator column first.
        let widest = (20..=400)
            .rev()
            .find(|w| !hidden_at(*w, &Estimator::ALL).is_empty())
            .expect("some width hides a column");
        assert_eq!(hidden_at(widest, &Estimator::ALL), ["PK30"]);
    }

    #[test]
    fn the_cells_follow_the_columns() {
        let c = Candidate {
            rank: 1,
            symbol: "SPY".into(),
            fields: crate::model::SymbolFields {
                hv30: Some(0.2),
                hv30_parkinson: Some(0.211),
                hv30_yang_zhang: Some(0.199),
                ..Default::default()
            },
            score: None,
            signal: crate::model::Signal::Fair,
            filters: Default::default(),
        };
        let cells = cells(&c);
        assert_eq!(cells.len(), COLUMNS.len());
        let at = |title: &str| COLUMNS.iter().position(|c| c.title == title).unwrap();
        assert_eq!(cells[at("HV30")], "20.0%");
        assert_eq!(cells[at("PK30")], "21.1%");
        assert_eq!(cells[at("GK30")], UNKNOWN);
        assert_eq!(cells[at("YZ30")], "19.9%");
    }
}
