//! The `PIPELINE TIMING BREAKDOWN` of benchmark mode (`BENCHMARK=1` or `--benchmark`), for stderr:
//! total wall time and ms per symbol, one row per stage (start, end, duration, % of total, items
//! in → out, requests, and a timeline showing which stages overlap), then requests per endpoint,
//! retries and 429s, then the cache: hits, misses and the requests saved, for candles and chains
//! (from the `cache … hits|misses` counters; absent with `--no-cache`). Plain text (no colour),
//! aligned columns; stdout is untouched, so `--json` stays valid JSON.

use super::model::ScanReport;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The title line.
pub const TITLE: &str = "PIPELINE TIMING BREAKDOWN";

/// Width of the timeline column, in characters.
const TIMELINE: usize = 30;

/// Prefix of the cache counters among `per_endpoint` (`cache candles hits`, ...).
const CACHE_PREFIX: &str = "cache ";

/// The cached kinds of data: counter name, label, what a hit saves. Requests saved are the hits,
/// unless a `cache KIND requests saved` counter says otherwise (futures contracts: many roots
/// share one request).
const CACHED: [(&str, &str, &str); 3] = [
    ("candles", "candles", "DXLink candle subscriptions"),
    ("chains", "option chains", "REST requests"),
    ("futures", "futures contracts", "REST requests"),
];

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
    let endpoints: Vec<(&String, &u64)> = rq
        .per_endpoint
        .iter()
        .filter(|(k, _)| !k.starts_with(CACHE_PREFIX))
        .collect();
    if endpoints.is_empty() {
        let _ = writeln!(s, "  requests per endpoint: none recorded");
    } else {
        let _ = writeln!(s, "  requests per endpoint");
        let rows: Vec<Vec<String>> = endpoints
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
    s.push_str(&cache_rows(&rq.per_endpoint));
    s
}

/// The cache section: one row per cached kind of data, when the scan used the cache.
fn cache_rows(per_endpoint: &std::collections::BTreeMap<String, u64>) -> String {
    let count = |kind: &str, what: &str| {
        per_endpoint
            .get(&format!("{CACHE_PREFIX}{kind} {what}"))
            .copied()
    };
    let mut rows = vec![["cache", "hits", "misses", "requests saved"]
        .map(String::from)
        .to_vec()];
    for (kind, label, saved) in CACHED {
        if let (Some(hits), Some(misses)) = (count(kind, "hits"), count(kind, "misses")) {
            let n = count(kind, "requests saved").unwrap_or(hits);
            rows.push(vec![
                format!(" {label}"),
                hits.to_string(),
                misses.to_string(),
                format!("{n} {saved}"),
            ]);
        }
    }
    if rows.len() == 1 {
        return String::new();
    }
    let mut s = String::from("\n");
    s.push_str(&aligned(&rows, &[true, false, false, true]));
    s
}

/// Write the breakdown to `out` (stderr in the CLI).
pub fn write_breakdown(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(breakdown(report).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_section_shows_hits_misses_and_requests_saved() {
        let mut per: std::collections::BTreeMap<String, u64> = [
            ("cache candles hits", 83),
            ("cache candles misses", 2),
            ("cache chains hits", 26),
            ("cache chains misses", 1),
            ("cache futures hits", 9),
            ("cache futures misses", 0),
            ("cache futures requests saved", 1),
            ("/oauth/token", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let text = cache_rows(&per);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "", "{text}");
        assert!(lines[1].contains("hits") && lines[1].contains("requests saved"));
        let candles = lines[2].split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(candles, "candles 83 2 83 DXLink candle subscriptions");
        let chains = lines[3].split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(chains, "option chains 26 1 26 REST requests");
        let futures = lines[4].split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(futures, "futures contracts 9 0 1 REST requests");
        // Without the cache (`--no-cache`) there is no section.
        per.retain(|k, _| !k.starts_with(CACHE_PREFIX));
        assert_eq!(cache_rows(&per), "");
    }
}
