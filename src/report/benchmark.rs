//! The `PIPELINE TIMING BREAKDOWN` of benchmark mode (`BENCHMARK=1` or `--benchmark`), for stderr:
//! total wall time and ms per symbol, one row per stage (start, end, duration, % of total, items
//! in → out, requests, and a timeline showing which stages overlap), then requests per endpoint,
//! retries and 429s. Plain text (no colour), aligned columns; stdout is untouched, so `--json`
//! stays valid JSON.

use super::model::ScanReport;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The title line.
pub const TITLE: &str = "PIPELINE TIMING BREAKDOWN";

/// Width of the timeline column, in characters.
const TIMELINE: usize = 30;

/// `rows` as aligned lines: column `i` is left-aligned when `left[i]`, else right-aligned;
/// columns are separated by two spaces, lines indented by two.
fn aligned(rows: &[Vec<String>], left: &[bool]) -> String {
    let n = left.len();
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::from(" ");
        for (i, cell) in r.iter().enumerate() {
            let w = widths[i];
            if left[i] {
                let _ = write!(line, " {cell:<w$}");
            } else {
                let _ = write!(line, " {cell:>w$}");
            }
            line.push(' ');
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// A bar of `TIMELINE` characters with `#` over `start..end` of `0..total`.
fn timeline(start: f64, end: f64, total: f64) -> String {
    if !total.is_finite() || total <= 0.0 || !start.is_finite() || !end.is_finite() {
        return String::new();
    }
    let scale = |x: f64| ((x / total).clamp(0.0, 1.0) * TIMELINE as f64) as usize;
    let a = scale(start).min(TIMELINE - 1);
    let b = scale(end).clamp(a + 1, TIMELINE);
    let bar: String = (0..TIMELINE)
        .map(|i| if (a..b).contains(&i) { '#' } else { '.' })
        .collect();
    format!("|{bar}|")
}

/// The breakdown as text (ends with a newline).
pub fn breakdown(report: &ScanReport) -> String {
    let m = &report.meta;
    let t = &m.timings;
    let total = t.total_ms;
    let mut s = String::new();
    let _ = writeln!(s, "{TITLE}");
    let per_symbol = if m.symbols_requested > 0 {
        format!("{:.2} ms/symbol", total / m.symbols_requested as f64)
    } else {
        "— ms/symbol".to_string()
    };
    let _ = writeln!(
        s,
        "  total wall time {total:.1} ms · {} symbols · {per_symbol} · source {} · profile {}",
        m.symbols_requested, m.source, m.profile
    );
    if !m.complete {
        let why = m.incomplete_reason.as_deref().unwrap_or("stopped early");
        let _ = writeln!(s, "  INCOMPLETE SCAN: {why}");
    }
    s.push('\n');

    let mut rows = vec![[
        "stage",
        "start ms",
        "end ms",
        "duration ms",
        "% total",
        "items in → out",
        "requests",
        "timeline",
    ]
    .map(String::from)
    .to_vec()];
    for st in &t.stages {
        let dur = st.end_ms - st.start_ms;
        let share = if total > 0.0 {
            format!("{:.1}%", 100.0 * dur / total)
        } else {
            "—".to_string()
        };
        rows.push(vec![
            st.name.clone(),
            format!("{:.1}", st.start_ms),
            format!("{:.1}", st.end_ms),
            format!("{dur:.1}"),
            share,
            format!("{} → {}", st.items_in, st.items_out),
            st.requests.to_string(),
            timeline(st.start_ms, st.end_ms, total),
        ]);
    }
    s.push_str(&aligned(
        &rows,
        &[true, false, false, false, false, false, false, true],
    ));

    let rq = &t.requests;
    s.push('\n');
    if rq.per_endpoint.is_empty() {
        let _ = writeln!(s, "  requests per endpoint: none recorded");
    } else {
        let _ = writeln!(s, "  requests per endpoint");
        let rows: Vec<Vec<String>> = rq
            .per_endpoint
            .iter()
            .map(|(k, v)| vec![format!(" {k}"), v.to_string()])
            .collect();
        s.push_str(&aligned(&rows, &[true, false]));
    }
    let _ = writeln!(
        s,
        "  requests {} · retries {} · 429s {}",
        rq.requests, rq.retries, rq.rate_limited
    );
    s
}

/// Write the breakdown to `out` (stderr in the CLI).
pub fn write_breakdown(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(breakdown(report).as_bytes())?;
    out.flush()
}
