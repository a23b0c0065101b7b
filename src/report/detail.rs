//! `volscreen detail`'s text view of a [`Detail`]: pure (the document in, a `String` out), the same
//! text on a terminal and on a pipe except for colour, which the caller decides (`--color`).
//!
//! Sections, top to bottom:
//! - the header: symbol, class, price, IV, IV rank, IV percentile, liquidity; then the source, the
//!   date, the profile, the verdict, score and signal;
//! - the estimator table: one row per estimator, one column per window, percents;
//! - the HV cone: per window a bar on one scale shared by every window, from the year's minimum
//!   (`▕`) to its maximum (`▏`) along a whisker (`─`), the quartile box (`█`) with the median (`┃`)
//!   and the current HV (`●`), then the numbers;
//! - the IV term structure: one line per expiration with a bar proportional to its IV (the chosen
//!   expiration marked `◀`), then the slope and shape;
//! - the trade: expiration, DTE, ATM strike, straddle mid, expected move (percent and ± price),
//!   slippage; the earnings and whether they fall inside the trade;
//! - every filter of the profile: `✓` pass, `✗` fail, `n/a` does not apply, `?` unknown, with its
//!   numbers; then the warnings (implausible values not used) and the notes (why values are
//!   unknown).
//!
//! Unknown values print as `—`. The bars fit [`Options::width`] (100 columns when it is `None`).

use super::table::{fixed, pct, warning_text, UNKNOWN};
use crate::detail::{ConeEntry, Detail, DetailVerdict, Outcome};
use crate::model::MoveMethod;
use crate::symbol::AssetClass;
use crate::vol::estimators::Estimator;
use crate::vol::term::TermShape;
use std::fmt::Write as _;

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours.
    pub color: bool,
    /// Terminal width in columns; `None`: [`DEFAULT_WIDTH`].
    pub width: Option<u16>,
}

/// The width assumed off a terminal.
pub const DEFAULT_WIDTH: usize = 100;
/// The cone's bar is at most this wide, and at least [`MIN_BAR`].
const MAX_BAR: usize = 40;
const MIN_BAR: usize = 12;
/// The term structure's longest bar.
const TERM_BAR: usize = 30;

/// The cone's characters.
pub const WHISKER: char = '─';
pub const MIN_CAP: char = '▕';
pub const MAX_CAP: char = '▏';
pub const BOX: char = '█';
pub const MEDIAN: char = '┃';
pub const CURRENT: char = '●';

/// SGR codes.
const BOLD: &str = "1";
const DIM: &str = "2";
const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const CYAN: &str = "36";

struct Painter(bool);

impl Painter {
    fn paint(&self, text: &str, sgr: &str) -> String {
        if self.0 && !text.is_empty() {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The estimator's name as a person reads it.
pub fn estimator_title(e: Estimator) -> &'static str {
    match e {
        Estimator::CloseToClose => "close-to-close",
        Estimator::Parkinson => "Parkinson",
        Estimator::GarmanKlass => "Garman–Klass",
        Estimator::RogersSatchell => "Rogers–Satchell",
        Estimator::YangZhang => "Yang–Zhang",
    }
}

/// The mark of a filter's outcome.
pub fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::NotApplicable => "n/a",
        Outcome::Unknown => "?",
    }
}

/// The text view of `d`.
pub fn render(d: &Detail, options: &Options) -> String {
    let p = Painter(options.color);
    let width = options
        .width
        .map_or(DEFAULT_WIDTH, usize::from)
        .max(MIN_BAR + 60);
    let mut out = String::new();
    header(&mut out, d, &p);
    estimators(&mut out, d);
    cone(&mut out, d, &p, width);
    term(&mut out, d, &p);
    trade(&mut out, d);
    filters(&mut out, d, &p);
    remarks(&mut out, d, &p);
    out
}

fn header(out: &mut String, d: &Detail, p: &Painter) {
    let class = d.asset_class.map_or(UNKNOWN, AssetClass::as_str);
    let rating = d
        .liquidity_rating
        .map_or_else(|| UNKNOWN.to_string(), |r| r.to_string());
    let _ = writeln!(
        out,
        "{} · {class} · price {} · IV {} · IVR {} · IVP {} · liquidity {rating}",
        p.paint(&d.symbol, BOLD),
        fixed(d.price, 2),
        pct(d.iv),
        pct(d.iv_rank),
        pct(d.iv_percentile),
    );
    let verdict = match d.verdict {
        DetailVerdict::Candidate => p.paint("candidate", GREEN),
        DetailVerdict::Rejected => p.paint("rejected", RED),
        DetailVerdict::Error => p.paint("error", YELLOW),
    };
    let signal = d.signal.map_or(UNKNOWN, |s| s.as_str());
    let _ = writeln!(
        out,
        "{} · as of {} · profile {} · {verdict} · score {} · {signal}",
        d.meta.source,
        d.meta.as_of,
        d.meta.profile,
        fixed(d.score, 1),
    );
}

fn estimators(out: &mut String, d: &Detail) {
    let h = &d.history;
    let span = match (h.first, h.last) {
        (Some(a), Some(b)) => format!("{} sessions, {a} → {b}", h.sessions),
        _ => "no candles".to_string(),
    };
    let cut = if h.truncated { ", cut short" } else { "" };
    let _ = writeln!(out, "\nRealised volatility (annualised; {span}{cut})");
    let mut line = format!("{:<16}", "");
    for w in &d.hv.windows {
        let _ = write!(line, "{:>8}", format!("{w}d"));
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for (e, row) in &d.hv.rows {
        let mut line = format!("{:<16}", estimator_title(*e));
        for v in row {
            let _ = write!(line, "{:>8}", pct(*v));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// The cone's scale: the lowest minimum and the highest maximum of the known rows.
fn scale(rows: &[ConeEntry]) -> Option<(f64, f64)> {
    let lo = rows.iter().filter_map(|r| r.min).reduce(f64::min)?;
    let hi = rows.iter().filter_map(|r| r.max).reduce(f64::max)?;
    Some((lo, hi))
}

/// One row's bar, `bar` characters wide, on the scale `lo..hi`; `None` when min or max is unknown.
pub fn cone_bar(r: &ConeEntry, lo: f64, hi: f64, bar: usize) -> Option<String> {
    let (min, max) = (r.min?, r.max?);
    if bar == 0 {
        return Some(String::new());
    }
    let last = bar - 1;
    let at = |x: f64| -> usize {
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            return last / 2;
        }
        let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
        ((t * last as f64).round() as usize).min(last)
    };
    // The cells from x to y (in either order).
    let span = |x: f64, y: f64| -> std::ops::RangeInclusive<usize> {
        let (a, b) = (at(x), at(y));
        a.min(b)..=a.max(b)
    };
    let mut cells = vec![' '; bar];
    for c in &mut cells[span(min, max)] {
        *c = WHISKER;
    }
    cells[at(min)] = MIN_CAP;
    cells[at(max)] = MAX_CAP;
    if let (Some(q1), Some(q3)) = (r.p25, r.p75) {
        for c in &mut cells[span(q1, q3)] {
            *c = BOX;
        }
    }
    if let Some(m) = r.median {
        cells[at(m)] = MEDIAN;
    }
    if let Some(c) = r.current {
        cells[at(c)] = CURRENT;
    }
    Some(cells.into_iter().collect())
}

fn cone(out: &mut String, d: &Detail, p: &Painter, width: usize) {
    let _ = writeln!(
        out,
        "\nHV cone (close-to-close; each window against its rolling windows of the past year)"
    );
    // window (7) + bar + gap (2) + seven number columns (8 each).
    let bar = width
        .saturating_sub(7 + 2 + 7 * 8 + 1)
        .clamp(MIN_BAR, MAX_BAR);
    let Some((lo, hi)) = scale(&d.cone) else {
        let _ = writeln!(out, "  unknown (see notes)");
        return;
    };
    let (left, right) = (pct(Some(lo)), pct(Some(hi)));
    let axis = format!(
        "{left}{}{right}",
        " ".repeat(bar.saturating_sub(left.chars().count() + right.chars().count()))
    );
    let _ = writeln!(
        out,
        "{:<7}{axis:<bar$}  {:>8}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
        "window", "current", "min", "p25", "median", "p75", "max", "samples"
    );
    for r in &d.cone {
        let label = format!("{:>5}  ", format!("{}d", r.window));
        let drawn = match cone_bar(r, lo, hi, bar) {
            Some(b) => paint_bar(&b, p),
            None => format!("{:<bar$}", "unknown (see notes)"),
        };
        let samples = r
            .samples
            .map_or_else(|| UNKNOWN.to_string(), |n| n.to_string());
        let _ = writeln!(
            out,
            "{label}{drawn}  {:>8}{:>8}{:>8}{:>8}{:>8}{:>8}{samples:>8}",
            pct(r.current),
            pct(r.min),
            pct(r.p25),
            pct(r.median),
            pct(r.p75),
            pct(r.max),
        );
    }
    let _ = writeln!(
        out,
        "       {MIN_CAP}{WHISKER}{MAX_CAP} min to max  {BOX} p25 to p75  {MEDIAN} median  {CURRENT} current"
    );
}

/// The bar with the box in cyan and the current marker in bold yellow (when colouring).
fn paint_bar(bar: &str, p: &Painter) -> String {
    if !p.0 {
        return bar.to_string();
    }
    bar.chars()
        .map(|c| match c {
            BOX | MEDIAN => p.paint(&c.to_string(), CYAN),
            CURRENT => p.paint(&c.to_string(), "1;33"),
            _ => c.to_string(),
        })
        .collect()
}

/// `frac` of `full` cells in eighths of a block.
pub fn eighths(frac: f64, full: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let units = (frac.clamp(0.0, 1.0) * (full * 8) as f64).round() as usize;
    let mut s = "█".repeat(units / 8);
    if units % 8 > 0 {
        s.push(PARTS[units % 8]);
    }
    s
}

fn term(out: &mut String, d: &Detail, p: &Painter) {
    let slope = d
        .term_slope
        .map_or_else(|| UNKNOWN.to_string(), |s| format!("{s:+.3} per year"));
    let shape = d.term_shape.map_or(UNKNOWN, TermShape::name);
    let ivs = d.term_structure.iter().map(|t| t.iv);
    let (Some(lo), Some(hi)) = (ivs.clone().reduce(f64::min), ivs.reduce(f64::max)) else {
        let _ = writeln!(out, "\nIV term structure (slope {slope}, {shape})");
        let _ = writeln!(out, "  no per-expiration IVs");
        return;
    };
    // The bars start below the lowest IV (by a quarter of the range) so that the shape shows.
    let base = if hi - lo > 1e-9 {
        (lo - (hi - lo) / 4.0).max(0.0)
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "\nIV term structure (slope {slope}, {shape}; bars from {} to {})",
        pct(Some(base)),
        pct(Some(hi))
    );
    for t in &d.term_structure {
        let bar = eighths((t.iv - base) / (hi - base), TERM_BAR);
        let chosen = if Some(t.expiration) == d.expiration {
            p.paint("  ◀ chosen", BOLD)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {}  {:>4}d  {:<TERM_BAR$} {:>6}{chosen}",
            t.expiration,
            t.dte,
            bar,
            pct(Some(t.iv)),
        );
    }
}

fn trade(out: &mut String, d: &Detail) {
    let _ = writeln!(out, "\nTrade");
    let exp = match (d.expiration, d.dte) {
        (Some(e), Some(n)) => format!("{e} ({n} DTE)"),
        (Some(e), None) => e.to_string(),
        _ => UNKNOWN.to_string(),
    };
    let _ = writeln!(
        out,
        "  expiration {exp} · ATM strike {} · straddle mid {} · slippage {}",
        fixed(d.atm_strike, 2),
        fixed(d.straddle_mid, 2),
        pct(d.slippage),
    );
    let how = match d.expected_move_method {
        Some(MoveMethod::Straddle) => " (ATM straddle / price)",
        Some(MoveMethod::IvDte) => " (IV·√(DTE/365): no option quotes)",
        None => "",
    };
    let em = match (d.expected_move, d.expected_move_price) {
        (Some(_), Some(m)) => format!("±{} = ±{m:.2}{how}", pct(d.expected_move)),
        (Some(_), None) => format!("±{}{how}", pct(d.expected_move)),
        _ => UNKNOWN.to_string(),
    };
    let _ = writeln!(out, "  expected move {em}");
    let earnings = match (d.earnings_date, d.asset_class) {
        (Some(e), _) => {
            let days = d
                .days_to_earnings
                .map_or_else(String::new, |n| format!(" (in {n} days)"));
            let inside = match d.earnings_before_expiration {
                Some(true) => " · on or before the expiration: inside the trade",
                Some(false) => " · after the expiration",
                None => "",
            };
            format!("{e}{days}{inside}")
        }
        (None, Some(AssetClass::Equity)) => "not known".to_string(),
        (None, Some(c)) => format!("none (an {} has no earnings)", c.as_str()),
        (None, None) => UNKNOWN.to_string(),
    };
    let _ = writeln!(out, "  earnings {earnings}");
}

fn filters(out: &mut String, d: &Detail, p: &Painter) {
    let _ = writeln!(out, "\nFilters (profile {})", d.meta.profile);
    let w = d
        .filters
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    for f in &d.filters {
        let mark = outcome_mark(f.outcome);
        let mark = match f.outcome {
            Outcome::Pass => p.paint(&format!("{mark:<3}"), GREEN),
            Outcome::Fail => p.paint(&format!("{mark:<3}"), RED),
            Outcome::NotApplicable => p.paint(&format!("{mark:<3}"), DIM),
            Outcome::Unknown => p.paint(&format!("{mark:<3}"), YELLOW),
        };
        let _ = writeln!(out, "  {mark} {:<w$}  {}", f.name, f.detail);
    }
}

fn remarks(out: &mut String, d: &Detail, p: &Painter) {
    if !d.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint("Warnings (implausible values, not used)", YELLOW)
        );
        for w in &d.warnings {
            let _ = writeln!(out, "  ! {}", warning_text(w));
        }
    }
    if !d.notes.is_empty() {
        let _ = writeln!(out, "\nNotes");
        for n in &d.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
}

#[cfg(test)]
mod tests;
