//! The fault matrix's report: the table and details rendered from the judged cells ([`table`]),
//! written into `docs/reliability.md` below the generated-section marker ([`write_doc`], [`MARKER`];
//! the text above it is kept, or the built-in introduction when the file has no marker).

use super::run::Run;
use super::verdict::{anonymise, Verdict};
use super::{Cell, N, SEED};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use volscreen::date::Date;

/// What `docs/reliability.md` keeps above the generated matrix.
const MARKER: &str = "<!-- fault-matrix: everything below is written by tests/it/fault_matrix/ -->";
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reliability.md");

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

const INTRO: &str = r#"# Reliability: the fault matrix

Faults cost time, never truth. `tests/it/fault_matrix/` checks it on every `cargo test`: it scans the
first 200 symbols of the built-in watchlist with the real binary (`volscreen screen 200 --source
tastytrade --api-url URL --json --no-cache --quiet`, the demo credentials, a private cache directory)
against demo markets started in the test process, one market per cell of the matrix below:

- no fault (the baseline of every other cell with the same options);
- each fault kind of the demo market (`docs/demo-market.md`) alone at probability 0.1 and 0.3, with
  `token_ttl` as an access-token lifetime of 2 s and 1 s. `ws_drop` is rolled once per socket and a
  scan opens about four, so at 0.1 and 0.3 it may never fire; `ws_drop=0.8` makes sure it does;
- the mix of issue #8 (`http500=0.05,http429=0.05,slow=0.02,truncate=0.03,token_ttl=2,ws_drop=0.1,
  reconfig=0.2,full=0.2`), and the same mix plus `snip=0.05,missing=0.05,empty=0.05`;
- `--show-all` cells, which fetch an option chain and ATM quotes for every symbol, so that the REST
  and quote faults reach 200 chains; and `latency=seed` cells, where 429s meet realistic delays.

Every market has fault seed 7 and the date of the run (the tastytrade source takes its date from the
clock, so the scan passes no `--as-of`). Each cell is compared with the fault-free cell of the same
options:

- **exit**: the exit code is 0, with one JSON document on stdout;
- **conservation**: each of the 200 symbols appears exactly once across candidates, rejected, errors;
- **verdict changes**: a symbol outside `errors` is in the same list as in the fault-free run; above
  all, no symbol that the fault-free run did not list as a candidate becomes one;
- **mismatches**: every symbol outside `errors` carries the fault-free values: every numeric field
  (price, iv, iv_rank, iv_percentile, hv20/30/90/252, vrp_structural, vrp_tactical, iv_hv_spread, vtr,
  liquidity rating, days to earnings, dte, ATM strike, straddle, expected move, slippage, score), its
  stage, signal, expiration, earnings date, expected-move method and `earnings_before_expiration`, and
  for transient faults also its reasons, filter outcomes and nulls (relative tolerance 1e-9);
- **lost**: symbols in `errors` that the fault-free run did not have there. Transient faults (HTTP
  429 and 500, slow and truncated responses, token expiry, dropped sockets, SNAPSHOT_SNIP, FEED_CONFIG
  re-configuration, FULL format) lose at most 2 %, and 429 cells take at most 3x the fault-free wall
  time under the `seed` latency model (the real service's response times); at latency `none`, where
  a fault-free scan is CPU-bound and under a second, a 429 cell may instead take at most 3 s more than
  the fault-free run (the ratio there measures the fixed cost of a backoff, not a collapse, which
  costs tens of seconds). Wall time on a small machine is noisy: a 429 cell over the bound is
  measured once more, with its baseline, and the faster run of each counts. Data faults (`missing`: optional fields dropped;
  `empty`: an empty candle history) may lose symbols, each as an error with its stage and cause, and
  may withhold a value (null), but never change a value or a verdict. In the mix with data faults a
  withheld value is allowed whatever caused it; the single-kind cells hold each transient fault to
  the strict rule. A cell whose market served no fault at all fails (it proved nothing), except
  `ws_drop` at 0.1 and 0.3 and `token_ttl` without `--show-all` (a scan shorter than the token's
  lifetime sees no expiry).

Run it alone with `cargo test --test it fault_matrix:: -- --nocapture` (about two and a half minutes on two
cores; it prints each cell as it finishes). Cells run one at a time, so wall times are comparable;
`FAULT_MATRIX_JOBS=2` runs two untimed cells at a time, which saves little on two cores and loads the
machine enough to change what some cells see; `FAULT_MATRIX_ONLY=TEXT` runs only the cells whose
label contains TEXT (and their baselines) and leaves this file alone. The suite rewrites everything
below the marker on every run, in CI too, and asserts only after writing it, so a failing run leaves
its evidence here. The text above the marker is kept.

"#;

pub(super) struct Row {
    pub(super) cell: Cell,
    pub(super) run: Run,
    /// The wall time of the cell's fault-free baseline.
    pub(super) base_secs: f64,
    pub(super) verdict: Verdict,
}

pub(super) fn table(rows: &[Row], as_of: Date, total_secs: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## The matrix\n");
    let _ = writeln!(
        s,
        "Market date {as_of}, {N} symbols, fault seed {SEED}, latency `none` unless the cell says \
         `latency=seed`; the whole suite took {total_secs:.0} s. Each cell is compared with the \
         fault-free cell of the same options (`ratio`: wall time over its wall time). `c/r/e`: \
         candidates, rejected, errors. `lost`: symbols in errors that the fault-free run did not \
         have there. `changes`: symbols outside errors whose list changed. `mismatches`: values \
         outside errors that differ from the fault-free run (withheld: nulls under a data fault, \
         allowed). `faults served`: as counted by the market (`token refresh`: access tokens \
         granted after the first).\n"
    );
    let _ = writeln!(
        s,
        "| cell | class | exit | wall s | ratio | c/r/e | lost | changes | mismatches | faults served | result |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let lost_pct = 100.0 * r.verdict.lost.len() as f64 / N as f64;
        let served: Vec<String> = r
            .run
            .served
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let mismatches = if !r.verdict.withheld.is_empty() {
            format!(
                "{} (withheld {})",
                r.verdict.mismatches.len(),
                r.verdict.withheld.len()
            )
        } else {
            r.verdict.mismatches.len().to_string()
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {:.1} | {:.2}{} | {}/{}/{} | {} ({:.1} %) | {} | {} | {} | {} |",
            r.cell.label(),
            r.cell.class.name(),
            r.run
                .code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "killed".into()),
            r.run.secs,
            r.run.secs / r.base_secs.max(0.001),
            match (r.cell.timed, r.cell.seed_latency, r.run.retimed.is_some()) {
                (true, true, true) => " (≤3, best of 2)",
                (true, true, false) => " (≤3)",
                (true, false, true) => " (≤3 or +3 s, best of 2)",
                (true, false, false) => " (≤3 or +3 s)",
                _ => "",
            },
            r.verdict.counts[0],
            r.verdict.counts[1],
            r.verdict.counts[2],
            r.verdict.lost.len(),
            lost_pct,
            r.verdict.changes.len(),
            mismatches,
            if served.is_empty() {
                "none".to_string()
            } else {
                served.join(", ")
            },
            if r.verdict.failures.is_empty() {
                "pass"
            } else {
                "**FAIL**"
            }
        );
    }
    let fails = rows
        .iter()
        .filter(|r| !r.verdict.failures.is_empty())
        .count();
    if fails == 0 {
        let _ = writeln!(s, "\nEvery cell passes.");
    } else {
        let _ = writeln!(s, "\n{fails} of {} cells fail.", rows.len());
    }
    let notable: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            let v = &r.verdict;
            !(v.failures.is_empty()
                && v.lost.is_empty()
                && v.mismatches.is_empty()
                && v.withheld.is_empty()
                && v.changes.is_empty())
        })
        .collect();
    if notable.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\n## Details\n");
    let _ = writeln!(
        s,
        "Every cell that failed, lost a symbol or withheld a value: what failed, the causes of the \
         losses (the symbol's own name replaced by `SYM`), and the values that differ \
         (fault-free → this run).\n"
    );
    for r in notable {
        let v = &r.verdict;
        let result = if v.failures.is_empty() {
            "pass"
        } else {
            "FAIL"
        };
        let _ = writeln!(s, "### `{}`: {result}\n", r.cell.label());
        for f in &v.failures {
            let _ = writeln!(s, "- {}", bounded(f, 400));
        }
        let mut causes: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (sym, why) in &v.lost {
            causes
                .entry(anonymise(why, sym))
                .or_default()
                .push(sym.as_str());
        }
        for (why, syms) in causes {
            let _ = writeln!(
                s,
                "- lost {}: {} ({})",
                syms.len(),
                bounded(&why, 200),
                syms.join(", ")
            );
        }
        details(&mut s, "differs", &v.mismatches);
        details(&mut s, "withheld (null)", &v.withheld);
        for (note, syms) in &v.notes {
            let _ = writeln!(
                s,
                "- new note on {}: {} ({})",
                syms.len(),
                bounded(note, 200),
                syms.join(", ")
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// One line per field: `field` WHAT on K: SYM x → y; ...
fn details(s: &mut String, what: &str, list: &[(String, String, String, String)]) {
    let mut fields: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (sym, field, x, y) in list {
        fields
            .entry(field.as_str())
            .or_default()
            .push(format!("{sym} {x} → {y}"));
    }
    for (field, list) in fields {
        let shown: Vec<&str> = list.iter().take(6).map(String::as_str).collect();
        let more = if list.len() > 6 {
            format!(" and {} more", list.len() - 6)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "- `{field}` {what} on {}: {}{more}",
            list.len(),
            bounded(&shown.join("; "), 600)
        );
    }
}

fn bounded(s: &str, n: usize) -> String {
    let s = s.replace('|', "/").replace('\n', " ");
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s
    }
}

/// Keep what `docs/reliability.md` has above the marker (or the built-in introduction) and put
/// `generated` below it.
pub(super) fn write_doc(generated: &str) {
    let head = std::fs::read_to_string(DOC)
        .ok()
        .and_then(|old| old.find(MARKER).map(|i| old[..i].to_string()))
        .unwrap_or_else(|| INTRO.to_string());
    let text = format!("{head}{MARKER}\n\n{generated}");
    std::fs::write(DOC, text).expect("write docs/reliability.md");
}
