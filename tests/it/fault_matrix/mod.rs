//! The fault matrix: a 200-symbol scan by the real binary against demo markets that inject one fault
//! kind at a time (at 0.1 and 0.3), all of them together, and none, each cell checked against the
//! fault-free run of the same market date.
//!
//! Every cell starts its own demo market in this process (`volscreen::sim::start_local`, latency
//! `none`, or `seed` for some 429 cells; a fixed fault seed) and runs `volscreen screen 200 --source
//! tastytrade --api-url URL --json --no-cache --quiet` (some cells with `--show-all`, which fetches
//! every chain) with the demo credentials, a private cache directory and no other `TASTYTRADE_*` or
//! `TT_*` variable. For every cell it records the exit code, the wall time and its ratio to the
//! fault-free run, the counts, the symbols lost (in `errors` but not in the fault-free run's
//! `errors`), verdict changes and number mismatches, then writes the matrix into
//! `docs/reliability.md` (below the generated-section marker; the text above it is kept) and only
//! then asserts:
//!
//! - exit code 0 and one JSON document; conservation (each of the 200 symbols exactly once);
//! - no symbol is a candidate that the fault-free run rejected, and no symbol outside `errors`
//!   changes list;
//! - every symbol outside `errors` has the fault-free numbers (every numeric field, plus stage,
//!   signal, expiration, earnings date, method; for transient faults also reasons, filters and
//!   nulls). Data faults (`missing`, `empty`) may withhold a number (null), never change one;
//! - transient faults (http500, http429, slow, truncate, token_ttl, ws_drop, snip, reconfig, full)
//!   lose at most 2 % of the symbols, and http429 cells take at most 3x the fault-free wall time
//!   (at latency `none`: or at most 3 s more, see [`MAX_EXTRA_SECS_429_NO_LATENCY`]);
//!   data faults may lose symbols, each as an error with a stage and a cause.
//!
//! The market's date is 2026-11-20 and every scan runs with `VOLSCREEN_TODAY=2026-11-20` (the
//! tastytrade source takes no `--as-of`; it dates the scan by the clock, which this fixes). `FAULT_MATRIX_JOBS=N` runs N untimed cells
//! at a time (default 1: CI has 2 cores and the market shares them with the scan);
//! `FAULT_MATRIX_ONLY=TEXT` runs only the cells whose label contains TEXT (and their baselines) and
//! leaves the doc alone. Run it with `cargo test --test it fault_matrix:: -- --nocapture`.
//!
//! This module owns the matrix's parameters, its cells ([`Cell`], [`cells`]) and the test that runs
//! them; [`run`] runs one cell (a market and one scan by the binary), [`verdict`] judges a cell
//! against its fault-free run, and [`report`] renders the matrix into `docs/reliability.md`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use volscreen::date::Date;
use volscreen::sim::Faults;

mod report;
mod run;
mod verdict;

use report::{table, write_doc, Row};
use run::{run_cell, Run};
use verdict::{anonymise, judge};

/// The market's date, and "today" for every scan (`VOLSCREEN_TODAY`: the tastytrade source takes
/// no `--as-of`), so the matrix does not depend on the day it runs.
const AS_OF: &str = "2026-11-20";
/// The scan size.
const N: usize = 200;
/// The fault seed of every cell.
const SEED: u64 = 7;
/// The share of symbols a transient fault may lose.
const MAX_LOST_TRANSIENT: f64 = 0.02;
/// How many times the fault-free wall time an http429 cell may take.
const MAX_TIME_RATIO_429: f64 = 3.0;
/// At latency `none` a fault-free scan is CPU-bound (under a second) and a 429's retry costs a
/// fixed backoff and pacing that no real network hides, so the ratio there measures that fixed
/// cost, not a collapse: those cells may instead take at most this many seconds more than the
/// fault-free run (a collapse costs tens of seconds). Cells under the `seed` latency model (the
/// real service's response times) are held to the 3x ratio strictly.
const MAX_EXTRA_SECS_429_NO_LATENCY: f64 = 3.0;
/// A scan that has not exited after this long is killed and recorded as a failure (the scan's own
/// budget is 60 s).
const WATCHDOG: Duration = Duration::from_secs(180);
/// The issue's "all together" spec (transient faults only).
const ISSUE_SPEC: &str =
    "http500=0.05,http429=0.05,slow=0.02,truncate=0.03,token_ttl=2,ws_drop=0.1,reconfig=0.2,full=0.2";

// ---------------------------------------------------------------------------------------------
// The cells
// ---------------------------------------------------------------------------------------------

/// How a cell's differences from the fault-free run are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// The fault-free run itself.
    Baseline,
    /// Faults that cost time, never truth: nothing lost beyond 2 %, every number identical.
    Transient,
    /// Faults in the data itself (`missing`, `empty`): symbols may be lost as errors with a cause,
    /// numbers may be withheld, never changed.
    Data,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Baseline => "fault-free",
            Class::Transient => "transient",
            Class::Data => "data",
        }
    }
}

#[derive(Debug, Clone)]
struct Cell {
    /// The fault spec without the seed ("" for none).
    spec: String,
    class: Class,
    show_all: bool,
    /// The market's latency model: `none`, or `seed` (realistic delays) for the 429 cells, as in
    /// issue #8's measurement.
    seed_latency: bool,
    /// Whether the wall-time ratio is asserted (http429): such cells run alone.
    timed: bool,
    /// Whether the market may serve no fault at all: `ws_drop` is rolled once per socket and a
    /// scan opens about 4, so at 0.1 and 0.3 it often never fires. Any other cell that injected
    /// nothing proved nothing and fails. Likewise a scan shorter than `token_ttl` sees no expiry
    /// (the `--show-all` cell runs long enough to see several).
    may_be_vacuous: bool,
}

impl Cell {
    fn new(spec: &str, class: Class, show_all: bool) -> Cell {
        Cell {
            spec: spec.to_string(),
            class,
            show_all,
            seed_latency: false,
            timed: spec.split(',').all(|i| i.starts_with("http429=")) && !spec.is_empty(),
            may_be_vacuous: matches!(
                spec,
                "ws_drop=0.1" | "ws_drop=0.3" | "token_ttl=2" | "token_ttl=1"
            ),
        }
    }

    fn label(&self) -> String {
        let spec = if self.spec.is_empty() {
            "none".to_string()
        } else if self.spec == ISSUE_SPEC {
            "issue #8 mix (transient)".to_string()
        } else if self.spec.starts_with(ISSUE_SPEC) {
            format!("issue #8 mix +{}", &self.spec[ISSUE_SPEC.len() + 1..])
        } else {
            self.spec.clone()
        };
        let mut label = spec;
        if self.show_all {
            label.push_str(" --show-all");
        }
        if self.seed_latency {
            label.push_str(" latency=seed");
        }
        label
    }

    /// The same cell under the `seed` latency model.
    fn seed_latency(mut self) -> Cell {
        self.seed_latency = true;
        self
    }

    /// Whether `other` is this cell's fault-free baseline.
    fn baseline_is(&self, other: &Cell) -> bool {
        other.class == Class::Baseline
            && other.show_all == self.show_all
            && other.seed_latency == self.seed_latency
    }

    fn faults(&self) -> Faults {
        let spec = if self.spec.is_empty() {
            String::new()
        } else {
            format!("{},seed={SEED}", self.spec)
        };
        Faults::parse(&spec).unwrap_or_else(|e| panic!("fault spec {spec:?}: {e}"))
    }
}

/// Every cell of the matrix, baselines first.
fn cells() -> Vec<Cell> {
    let mut v = vec![
        Cell::new("", Class::Baseline, false),
        Cell::new("", Class::Baseline, true),
        Cell::new("", Class::Baseline, false).seed_latency(),
        Cell::new("", Class::Baseline, true).seed_latency(),
    ];
    let kinds = [
        ("http500", Class::Transient),
        ("http429", Class::Transient),
        ("slow", Class::Transient),
        ("truncate", Class::Transient),
        ("missing", Class::Data),
        ("ws_drop", Class::Transient),
        ("snip", Class::Transient),
        ("reconfig", Class::Transient),
        ("full", Class::Transient),
        ("empty", Class::Data),
    ];
    for (kind, class) in kinds {
        for p in ["0.1", "0.3"] {
            v.push(Cell::new(&format!("{kind}={p}"), class, false));
        }
    }
    // ws_drop is rolled once per socket (about 4 per scan): at 0.8 it surely happens.
    v.push(Cell::new("ws_drop=0.8", Class::Transient, false));
    for ttl in ["2", "1"] {
        v.push(Cell::new(
            &format!("token_ttl={ttl}"),
            Class::Transient,
            false,
        ));
    }
    let all = format!("{ISSUE_SPEC},snip=0.05,missing=0.05,empty=0.05");
    v.push(Cell::new(ISSUE_SPEC, Class::Transient, false));
    v.push(Cell::new(&all, Class::Data, false));
    // --show-all fetches a chain and quotes for every symbol: the REST faults reach 200 chains.
    v.push(Cell::new("token_ttl=2", Class::Transient, true));
    v.push(Cell::new("http429=0.1", Class::Transient, true));
    v.push(Cell::new("ws_drop=0.8", Class::Transient, true));
    // Rate limits under realistic latency, where issue #8 measured the collapse.
    v.push(Cell::new("http429=0.1", Class::Transient, false).seed_latency());
    v.push(Cell::new("http429=0.3", Class::Transient, false).seed_latency());
    v.push(Cell::new("http429=0.1", Class::Transient, true).seed_latency());
    v.push(Cell::new(ISSUE_SPEC, Class::Transient, true));
    v.push(Cell::new(&all, Class::Data, true));
    v
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn faults_cost_time_never_truth() {
    let started = Instant::now();
    let as_of: Date = AS_OF.parse().expect("a valid date");
    let symbols: Vec<String> = volscreen::watchlist::Watchlist::builtin()
        .first(Some(N))
        .to_vec();
    assert_eq!(symbols.len(), N, "the built-in watchlist has {N} symbols");
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    );
    let jobs: usize = std::env::var("FAULT_MATRIX_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    // FAULT_MATRIX_ONLY=TEXT: the cells whose label contains TEXT (and the fault-free ones they
    // are measured against), to reproduce one cell; the doc is then left alone.
    let only = std::env::var("FAULT_MATRIX_ONLY")
        .ok()
        .filter(|s| !s.is_empty());
    let mut all = cells();
    if let Some(text) = &only {
        let picked: Vec<Cell> = all
            .iter()
            .filter(|c| c.class != Class::Baseline && c.label().contains(text.as_str()))
            .cloned()
            .collect();
        all.retain(|c| {
            picked.iter().any(|p| p.label() == c.label())
                || (c.class == Class::Baseline && picked.iter().any(|p| p.baseline_is(c)))
        });
    }
    let print = |cell: &Cell, run: &Run| {
        eprintln!(
            "fault matrix: {:<60} exit {:>6} {:>6.1} s",
            cell.label(),
            run.code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "killed".into()),
            run.secs
        );
    };
    // The fault-free runs first, alone: every other cell is measured against them.
    let mut results: Vec<Option<Run>> = vec![None; all.len()];
    for (i, cell) in all.iter().enumerate() {
        if cell.class == Class::Baseline {
            let run = run_cell(&rt, cell, as_of);
            print(cell, &run);
            results[i] = Some(run);
        }
    }
    // Untimed cells `jobs` at a time, then the timed cells alone.
    let queue: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new(
        (0..all.len())
            .filter(|i| all[*i].class != Class::Baseline && !all[*i].timed)
            .collect(),
    ));
    let shared: Arc<Mutex<Vec<Option<Run>>>> = Arc::new(Mutex::new(results));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let (queue, shared, rt, all) = (queue.clone(), shared.clone(), rt.clone(), &all);
            scope.spawn(move || loop {
                let next = queue.lock().expect("queue").pop_front();
                let Some(i) = next else { break };
                let run = run_cell(&rt, &all[i], as_of);
                print(&all[i], &run);
                shared.lock().expect("results")[i] = Some(run);
            });
        }
    });
    let mut results = std::mem::take(&mut *shared.lock().expect("results"));
    for (i, cell) in all.iter().enumerate() {
        if !cell.timed {
            continue;
        }
        let b = all
            .iter()
            .position(|b| cell.baseline_is(b))
            .expect("every cell has a fault-free baseline");
        let base_secs = results[b].as_ref().map_or(f64::INFINITY, |r| r.secs);
        let mut run = run_cell(&rt, cell, as_of);
        print(cell, &run);
        if run.secs / base_secs > MAX_TIME_RATIO_429 {
            // Wall time on a small shared machine is noisy: measure both sides once more and let
            // the faster run of each count (the first run's document is the one judged).
            let base_again = run_cell(&rt, &all[b], as_of);
            print(&all[b], &base_again);
            let again = run_cell(&rt, cell, as_of);
            print(cell, &again);
            run.retimed = Some(([run.secs, again.secs], [base_secs, base_again.secs]));
            run.secs = run.secs.min(again.secs);
        }
        results[i] = Some(run);
    }
    let results: Vec<Run> = results
        .into_iter()
        .map(|r| r.expect("every cell ran"))
        .collect();
    let base_of = |cell: &Cell| -> Run {
        let i = all
            .iter()
            .position(|b| cell.baseline_is(b))
            .expect("every cell has a fault-free baseline");
        results[i].clone()
    };
    let rows: Vec<Row> = all
        .iter()
        .zip(&results)
        .map(|(cell, run)| {
            let base = base_of(cell);
            let base_secs = run.retimed.map_or(base.secs, |(_, b)| b[0].min(b[1]));
            Row {
                cell: cell.clone(),
                run: run.clone(),
                base_secs,
                verdict: judge(cell, run, &base, base_secs, &symbols),
            }
        })
        .collect();
    let total = started.elapsed().as_secs_f64();
    let generated = table(&rows, as_of, total);
    eprintln!("\n{generated}");
    if only.is_none() {
        write_doc(&generated);
    }
    let failures: Vec<String> = rows
        .iter()
        .filter(|r| !r.verdict.failures.is_empty())
        .map(|r| format!("{}: {}", r.cell.label(), r.verdict.failures.join("; ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cells fail (see docs/reliability.md):\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn causes_group_across_symbols() {
    assert_eq!(
        anonymise("HV252 needs 253 closes for V; V/W and V: lost", "V"),
        "HV252 needs 253 closes for SYM; V/W and SYM: lost"
    );
    assert_eq!(
        anonymise("401 for /ES (/ESZ6)", "/ES"),
        "401 for SYM (/ESZ6)"
    );
}
