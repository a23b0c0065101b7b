//! `screen --watch` output, one pass at a time (the report's `meta.pass`, `meta.entered`,
//! `meta.left` say which pass and what changed).
//!
//! - JSON ([`write_json_line`]): one compact document per line (JSON Lines), flushed per pass, so
//!   that `volscreen screen --watch 60 --json | while read -r doc; ...` gets each pass as it ends.
//! - A table on a terminal ([`write_table`] with `terminal`): the cursor homed and the screen
//!   cleared (`ESC[H ESC[2J`) before each pass, so the table is redrawn in place; then the status
//!   line ([`status_line`]: pass, time, when the next pass starts, how many entered and left), the
//!   table with [`ENTERED_MARK`] before each symbol that entered since the previous pass, and a line
//!   naming the symbols that left.
//! - A table on a pipe or into a file: the same without the escape sequences, passes separated by
//!   a blank line; the status line heads each pass.
//!
//! Marks start on pass 2: on pass 1 every candidate entered (that is what `meta.entered` says), and
//! marking them all would say nothing.

use super::model::ScanReport;
use super::{sanitized, table::TableReporter, Options, Reporter};
use std::io::{self, Write};
use std::time::Duration;

/// Homes the cursor and clears the screen (ANSI), before a pass drawn on a terminal.
pub const REDRAW: &str = "\x1b[H\x1b[2J";

/// Put before the symbol of a candidate that entered since the previous pass.
pub const ENTERED_MARK: &str = "+";

/// The pass's JSON document on one line.
pub fn write_json_line(
    report: &ScanReport,
    top: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let cut = top.is_some_and(|k| report.candidates.len() > k);
    let owned;
    let report = if cut {
        owned = sanitized(report, top);
        &owned
    } else {
        report
    };
    let mut buf = serde_json::to_vec(report)?;
    buf.push(b'\n');
    out.write_all(&buf)?;
    out.flush()
}

/// `volscreen watch · pass 3 · 14:30:05 UTC · next in 60 s · 2 entered (+) · 1 left`; the last
/// pass (`next_in` of `None`) says so instead of when the next one starts, a pass that took longer
/// than the interval says `next now`.
pub fn status_line(report: &ScanReport, next_in: Option<Duration>) -> String {
    let m = &report.meta;
    let pass = m.watch.as_ref().map_or(1, |w| w.pass);
    // `scanned_at` is RFC 3339 in UTC (`2026-11-29T14:30:05.123Z`): its time of day.
    let time = m
        .scanned_at
        .get(11..19)
        .map_or_else(|| m.scanned_at.clone(), |t| format!("{t} UTC"));
    let mut line = format!("volscreen watch · pass {pass} · {time}");
    match next_in {
        // The pass took longer than the interval: the next one starts at once.
        Some(d) if d < Duration::from_millis(50) => line.push_str(" · next now"),
        Some(d) => line.push_str(&format!(" · next in {}", seconds(d))),
        None => line.push_str(" · last pass"),
    }
    if let Some(w) = m.watch.as_ref().filter(|w| w.pass > 1) {
        line.push_str(&format!(
            " · {} entered ({ENTERED_MARK}) · {} left",
            w.entered.len(),
            w.left.len()
        ));
    }
    line
}

/// A duration as `60 s`, `2.5 s`, `0.2 s` (at most one decimal, no float noise).
fn seconds(d: Duration) -> String {
    let text = format!("{:.1}", d.as_secs_f64());
    format!("{} s", text.trim_end_matches(".0"))
}

/// One pass as a table: on a `terminal`, redrawn in place; else after a blank line when it is
/// not the first pass.
pub fn write_table(
    report: &ScanReport,
    options: &Options,
    next_in: Option<Duration>,
    terminal: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let watch = report.meta.watch.as_ref();
    let pass = watch.map_or(1, |w| w.pass);
    if terminal {
        out.write_all(REDRAW.as_bytes())?;
    } else if pass > 1 {
        writeln!(out)?;
    }
    writeln!(out, "{}", status_line(report, next_in))?;
    let marked;
    let shown = match watch.filter(|w| w.pass > 1 && !w.entered.is_empty()) {
        Some(w) => {
            let mut r = report.clone();
            for c in &mut r.candidates {
                if w.entered.contains(&c.symbol) {
                    c.symbol = format!("{ENTERED_MARK}{}", c.symbol);
                }
            }
            marked = r;
            &marked
        }
        None => report,
    };
    TableReporter::new(options.clone()).render(shown, out)?;
    if let Some(w) = watch.filter(|w| w.pass > 1 && !w.left.is_empty()) {
        writeln!(out, "left since pass {}: {}", w.pass - 1, w.left.join(", "))?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Candidate, Counts, FilterSummary, Meta, RequestStats, Signal, SourceKind, SymbolFields,
        Timings, WatchPass,
    };

    fn report(pass: u64, candidates: &[&str], entered: &[&str], left: &[&str]) -> ScanReport {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        ScanReport {
            meta: Meta {
                tool: "volscreen".into(),
                version: "0.1.0".into(),
                source: SourceKind::Demo,
                profile: "balanced".into(),
                scanned_at: "2026-11-20T14:30:05.123Z".into(),
                as_of: "2026-11-20".parse().unwrap(),
                watchlist: "test".into(),
                symbols_requested: 5,
                counts: Counts {
                    candidates: candidates.len(),
                    rejected: 5 - candidates.len(),
                    errors: 0,
                },
                complete: true,
                incomplete_reason: None,
                show_all: false,
                top: None,
                excluded: Vec::new(),
                watch: Some(WatchPass {
                    pass,
                    entered: v(entered),
                    left: v(left),
                }),
                timings: Timings {
                    total_ms: 120.0,
                    stages: Vec::new(),
                    requests: RequestStats::default(),
                },
            },
            candidates: candidates
                .iter()
                .enumerate()
                .map(|(i, s)| Candidate {
                    rank: i + 1,
                    symbol: s.to_string(),
                    fields: SymbolFields::default(),
                    score: Some(50.0),
                    signal: Signal::Rich,
                    filters: FilterSummary::default(),
                })
                .collect(),
            rejected: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn table(r: &ScanReport, next: Option<Duration>, terminal: bool) -> String {
        let mut out = Vec::new();
        write_table(r, &Options::default(), next, terminal, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The symbol cell of each table row (the second column), in order.
    fn symbols(text: &str) -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.trim_start().starts_with('#'))
            .skip(2)
            .take_while(|l| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|r| r.parse::<usize>().is_ok())
            })
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect()
    }

    #[test]
    fn a_later_pass_marks_what_entered_and_names_what_left() {
        let r = report(3, &["AAA", "BBB", "CCC"], &["BBB"], &["XXX", "YYY"]);
        let text = table(&r, Some(Duration::from_secs(60)), false);
        assert!(
            text.starts_with("\nvolscreen watch"),
            "a blank line between passes"
        );
        assert!(!text.contains('\x1b'), "no escape sequences on a pipe");
        let status = text.lines().nth(1).unwrap();
        assert_eq!(
            status,
            "volscreen watch · pass 3 · 14:30:05 UTC · next in 60 s · 1 entered (+) · 2 left"
        );
        assert_eq!(symbols(&text), ["AAA", "+BBB", "CCC"], "{text}");
        assert!(text.ends_with("left since pass 2: XXX, YYY\n"), "{text}");
    }

    #[test]
    fn a_terminal_is_redrawn_in_place_and_pass_one_has_no_marks() {
        let r = report(1, &["AAA", "BBB"], &["AAA", "BBB"], &[]);
        let text = table(&r, Some(Duration::from_millis(2500)), true);
        assert!(text.starts_with(REDRAW), "{text:?}");
        assert_eq!(text.matches(REDRAW).count(), 1);
        let status = text[REDRAW.len()..].lines().next().unwrap();
        assert_eq!(
            status,
            "volscreen watch · pass 1 · 14:30:05 UTC · next in 2.5 s"
        );
        assert_eq!(symbols(&text), ["AAA", "BBB"]);
        assert!(!text.contains("left since"));
        let late = table(&r, Some(Duration::from_millis(10)), false);
        assert!(late.starts_with("volscreen watch · pass 1 · 14:30:05 UTC · next now\n"));
        let piped = table(&r, None, false);
        assert!(piped.starts_with("volscreen watch · pass 1 · 14:30:05 UTC · last pass\n"));
    }

    #[test]
    fn json_is_one_line_per_pass_with_the_watch_fields() {
        let r = report(2, &["AAA", "BBB", "CCC"], &["CCC"], &["DDD"]);
        let mut out = Vec::new();
        write_json_line(&r, Some(2), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        assert!(text.ends_with('\n'));
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["meta"]["pass"], 2);
        assert_eq!(doc["meta"]["entered"], serde_json::json!(["CCC"]));
        assert_eq!(doc["meta"]["left"], serde_json::json!(["DDD"]));
        assert_eq!(doc["candidates"].as_array().unwrap().len(), 2, "--top cuts");
        let back: ScanReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back.meta.watch, r.meta.watch);
        let mut one_shot = r.clone();
        one_shot.meta.watch = None;
        let doc = serde_json::to_value(&one_shot).unwrap();
        for key in ["pass", "entered", "left"] {
            assert!(doc["meta"].get(key).is_none(), "{key} only in a watch");
        }
        let back: ScanReport = serde_json::from_value(doc).unwrap();
        assert_eq!(back.meta.watch, None);
    }
}
