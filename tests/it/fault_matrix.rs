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

use crate::harness::{self, TempDir, BIN};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use volscreen::date::Date;
use volscreen::sim::{start_local, Faults, LatencyProfile, SimOptions};

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
/// Relative tolerance for numbers (they should be identical; this absorbs formatting only).
const TOL: f64 = 1e-9;
/// The issue's "all together" spec (transient faults only).
const ISSUE_SPEC: &str =
    "http500=0.05,http429=0.05,slow=0.02,truncate=0.03,token_ttl=2,ws_drop=0.1,reconfig=0.2,full=0.2";
/// What `docs/reliability.md` keeps above the generated matrix.
const MARKER: &str =
    "<!-- fault-matrix: everything below is written by tests/it/fault_matrix.rs -->";
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reliability.md");

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
// Running one cell
// ---------------------------------------------------------------------------------------------

/// What one scan did.
#[derive(Debug, Clone)]
struct Run {
    /// None when the watchdog killed it.
    code: Option<i32>,
    secs: f64,
    doc: Option<Value>,
    stderr: String,
    /// Faults the market served, by kind.
    served: BTreeMap<String, u64>,
    /// For a timed cell measured twice: (this cell's times, its baseline's times); `secs` is then
    /// the faster of the two and the ratio uses the faster baseline.
    retimed: Option<([f64; 2], [f64; 2])>,
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Wait for `child` until the watchdog fires; kill it then (it is ours). Returns the exit code.
fn wait_with_watchdog(child: &mut Child) -> Option<i32> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) if start.elapsed() < WATCHDOG => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// A private copy of the binary, made once: a build that relinks `target/debug/volscreen` while
/// the matrix runs (another `cargo` in the same tree) must not pull it away between cells.
fn binary() -> &'static Path {
    static COPY: std::sync::OnceLock<(TempDir, PathBuf)> = std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            let dir = TempDir::new("bin");
            let path = dir.path().join("volscreen");
            std::fs::copy(BIN, &path).expect("copy the volscreen binary");
            (dir, path)
        })
        .1
}

/// Start a market for `cell` on `rt`, scan it once with the binary, stop the market.
fn run_cell(rt: &tokio::runtime::Runtime, cell: &Cell, as_of: Date) -> Run {
    let options = SimOptions {
        faults: cell.faults(),
        latency: if cell.seed_latency {
            LatencyProfile::seed()
        } else {
            LatencyProfile::none()
        },
        ..SimOptions::new(as_of)
    };
    let server = rt
        .block_on(start_local(options))
        .expect("the demo market starts");
    let url = server.base_url();
    let cache = TempDir::new("cache");
    let n = N.to_string();
    let mut args = vec![
        "screen",
        &n,
        "--source",
        "tastytrade",
        "--api-url",
        &url,
        "--json",
        "--no-cache",
        "--quiet",
    ];
    if cell.show_all {
        args.push("--show-all");
    }
    let mut env = vec![(volscreen::date::TODAY_VAR, AS_OF)];
    env.extend_from_slice(&harness::DEMO_CREDS);
    let mut cmd = harness::command(binary(), &args, &env, cache.path());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            rt.block_on(server.shutdown());
            return Run {
                code: None,
                secs: 0.0,
                doc: None,
                stderr: format!("cannot run the volscreen binary: {e}"),
                served: BTreeMap::new(),
                retimed: None,
            };
        }
    };
    let out = read_all(child.stdout.take().expect("piped stdout"));
    let err = read_all(child.stderr.take().expect("piped stderr"));
    let code = wait_with_watchdog(&mut child);
    let secs = start.elapsed().as_secs_f64();
    let stdout = out.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let stats = server.stats();
    let mut served: BTreeMap<String, u64> = stats["faults"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    // Token expiry is not a counted fault: the refreshes it caused are (grants after the first).
    let refreshes = stats["oauth"]["grants"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(1);
    if refreshes > 0 {
        served.insert("token refresh".into(), refreshes);
    }
    rt.block_on(server.shutdown());
    Run {
        code,
        secs,
        doc: serde_json::from_slice(&stdout).ok(),
        stderr,
        served,
        retimed: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Judging one cell against the fault-free run
// ---------------------------------------------------------------------------------------------

const LISTS: [&str; 3] = ["candidates", "rejected", "errors"];
/// Fields compared as categories (besides every numeric field).
const CATEGORICAL: [&str; 7] = [
    "asset_class",
    "stage",
    "signal",
    "expiration",
    "earnings_date",
    "expected_move_method",
    "earnings_before_expiration",
];
/// Fields compared whole for transient faults only (data faults may add an unknown).
const EXACT_FOR_TRANSIENT: [&str; 2] = ["reasons", "filters"];
/// Fields that are positions or free text, not facts about the symbol.
const IGNORED: [&str; 5] = ["rank", "notes", "warnings", "error", "unknown"];

/// symbol → (list, entry).
fn index(doc: &Value) -> BTreeMap<String, (&'static str, Value)> {
    let mut m = BTreeMap::new();
    for list in LISTS {
        for e in doc[list].as_array().into_iter().flatten() {
            let sym = e["symbol"].as_str().unwrap_or("?").to_string();
            m.insert(sym, (list, e.clone()));
        }
    }
    m
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() != 0.0 => format!("{x:.4}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// The outcome of one cell.
#[derive(Debug, Default, Clone)]
struct Verdict {
    counts: [usize; 3],
    /// Symbols in `errors` that the fault-free run did not have there: (symbol, "stage: error").
    lost: Vec<(String, String)>,
    /// (symbol, from, to) for symbols outside `errors` whose list changed.
    changes: Vec<(String, String, String)>,
    /// (symbol, field, fault-free, this run) for a changed value.
    mismatches: Vec<(String, String, String, String)>,
    /// (symbol, field, fault-free, null) for a value withheld under a data fault.
    withheld: Vec<(String, String, String, String)>,
    /// Notes of this run that the fault-free entry does not have, on symbols with a mismatch or a
    /// withheld value: note (symbol name replaced by `SYM`) → symbols.
    notes: BTreeMap<String, Vec<String>>,
    /// Conservation problems: missing, duplicated or unknown symbols.
    conservation: Vec<String>,
    /// Every failed check, one line each.
    failures: Vec<String>,
}

/// `base_secs`: the baseline wall time the time ratio is measured against.
fn judge(cell: &Cell, run: &Run, base: &Run, base_secs: f64, symbols: &[String]) -> Verdict {
    let mut v = Verdict::default();
    if run.code != Some(0) {
        v.failures.push(match run.code {
            Some(c) => format!("exit code {c}: {}", first_line(&run.stderr)),
            None if run.secs == 0.0 => first_line(&run.stderr),
            None => format!("killed after {} s", WATCHDOG.as_secs()),
        });
    }
    let Some(doc) = &run.doc else {
        v.failures.push(format!(
            "stdout is not one JSON document; stderr: {}",
            first_line(&run.stderr)
        ));
        return v;
    };
    let Some(base_doc) = &base.doc else {
        v.failures.push("the fault-free run has no document".into());
        return v;
    };
    // Conservation.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, list) in LISTS.iter().enumerate() {
        let entries = doc[*list].as_array().cloned().unwrap_or_default();
        v.counts[i] = entries.len();
        for e in entries {
            *seen
                .entry(e["symbol"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
    }
    let wanted: BTreeSet<&String> = symbols.iter().collect();
    for s in symbols {
        match seen.get(s) {
            None => v.conservation.push(format!("{s} missing")),
            Some(1) => {}
            Some(k) => v.conservation.push(format!("{s} {k} times")),
        }
    }
    for s in seen.keys() {
        if !wanted.contains(s) {
            v.conservation.push(format!("{s} not scanned"));
        }
    }
    if !v.conservation.is_empty() {
        v.failures
            .push(format!("conservation: {}", v.conservation.join(", ")));
    }
    // Lists, numbers.
    let base_ix = index(base_doc);
    let ix = index(doc);
    for (sym, (list, e)) in &ix {
        let Some((blist, be)) = base_ix.get(sym) else {
            continue;
        };
        if *list == "errors" {
            if *blist != "errors" {
                let stage = e["stage"].as_str().unwrap_or("?");
                let why = e["error"].as_str().unwrap_or("");
                v.lost.push((sym.clone(), format!("{stage}: {why}")));
                if cell.class == Class::Data && (why.trim().is_empty() || stage == "?") {
                    v.failures.push(format!(
                        "{sym} is an error without a stage and a cause: {e}"
                    ));
                }
            }
            continue;
        }
        if list != blist {
            v.changes
                .push((sym.clone(), blist.to_string(), list.to_string()));
        }
        let before = v.mismatches.len() + v.withheld.len();
        compare(cell.class, sym, be, e, &mut v);
        if v.mismatches.len() + v.withheld.len() > before {
            let old: Vec<&Value> = be["notes"].as_array().into_iter().flatten().collect();
            for n in e["notes"].as_array().into_iter().flatten() {
                if !old.contains(&n) {
                    let text = anonymise(n.as_str().unwrap_or("?"), sym);
                    v.notes.entry(text).or_default().push(sym.clone());
                }
            }
        }
    }
    let lost = v.lost.len() as f64 / symbols.len() as f64;
    if cell.class == Class::Transient && lost > MAX_LOST_TRANSIENT {
        v.failures.push(format!(
            "lost {} of {} symbols ({:.1} % > {:.0} %)",
            v.lost.len(),
            symbols.len(),
            lost * 100.0,
            MAX_LOST_TRANSIENT * 100.0
        ));
    }
    let promoted: Vec<&str> = v
        .changes
        .iter()
        .filter(|(_, from, to)| from != "candidates" && to == "candidates")
        .map(|(s, _, _)| s.as_str())
        .collect();
    if !promoted.is_empty() {
        v.failures.push(format!(
            "{} symbol(s) the fault-free run did not list as candidates became candidates: {}",
            promoted.len(),
            promoted.join(", ")
        ));
    }
    let other = v.changes.len() - promoted.len();
    if other > 0 {
        let list: Vec<String> = v
            .changes
            .iter()
            .filter(|(_, _, to)| to != "candidates")
            .map(|(s, from, to)| format!("{s} {from}→{to}"))
            .collect();
        v.failures
            .push(format!("{other} verdict change(s): {}", list.join(", ")));
    }
    if !v.mismatches.is_empty() {
        let syms: BTreeSet<&str> = v.mismatches.iter().map(|m| m.0.as_str()).collect();
        v.failures.push(format!(
            "{} value(s) differ from the fault-free run on {} symbol(s)",
            v.mismatches.len(),
            syms.len()
        ));
    }
    if cell.class != Class::Baseline && run.served.is_empty() && !cell.may_be_vacuous {
        v.failures
            .push("the market served no fault: the cell proves nothing".into());
    }
    if cell.timed {
        let ratio = run.secs / base_secs.max(0.001);
        let extra_ok = !cell.seed_latency && run.secs - base_secs <= MAX_EXTRA_SECS_429_NO_LATENCY;
        if ratio > MAX_TIME_RATIO_429 && !extra_ok {
            let how = match run.retimed {
                Some((t, b)) => format!(
                    " (best of two runs each: {:.1} and {:.1} s against {:.1} and {:.1} s)",
                    t[0], t[1], b[0], b[1]
                ),
                None => String::new(),
            };
            v.failures.push(format!(
                "took {:.1} s, {ratio:.1}x the fault-free {base_secs:.1} s (> {MAX_TIME_RATIO_429}x, and more than {MAX_EXTRA_SECS_429_NO_LATENCY} s extra at latency none){how}",
                run.secs
            ));
        }
    }
    v
}

/// Compare one symbol's entry with its fault-free entry.
fn compare(class: Class, sym: &str, base: &Value, e: &Value, v: &mut Verdict) {
    let (Some(b), Some(f)) = (base.as_object(), e.as_object()) else {
        return;
    };
    let keys: BTreeSet<&String> = b.keys().chain(f.keys()).collect();
    for k in keys {
        if IGNORED.contains(&k.as_str()) {
            continue;
        }
        let (x, y) = (
            b.get(k).unwrap_or(&Value::Null),
            f.get(k).unwrap_or(&Value::Null),
        );
        let numeric = x.is_number() || y.is_number();
        let categorical = CATEGORICAL.contains(&k.as_str());
        let exact = EXACT_FOR_TRANSIENT.contains(&k.as_str());
        if !(numeric || categorical || exact) {
            continue;
        }
        if exact && class != Class::Transient {
            continue;
        }
        let same = match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(c)) => (a - c).abs() <= TOL * a.abs().max(1.0),
            _ => x == y,
        };
        if same {
            continue;
        }
        if class == Class::Data && y.is_null() && !exact {
            v.withheld
                .push((sym.to_string(), k.clone(), short(x), short(y)));
            continue;
        }
        v.mismatches
            .push((sym.to_string(), k.clone(), short(x), short(y)));
    }
}

/// `text` with `sym` as a whole word replaced by `SYM` (so that causes group across symbols).
fn anonymise(text: &str, sym: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_');
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(sym) {
        out.push_str(&rest[..i]);
        let after = rest[i + sym.len()..].chars().next();
        let whole = !word(out.chars().last()) && !word(after);
        out.push_str(if whole { "SYM" } else { sym });
        rest = &rest[i + sym.len()..];
    }
    out.push_str(rest);
    out
}

fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.chars().take(200).collect()
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

const INTRO: &str = r#"# Reliability: the fault matrix

Faults cost time, never truth. `tests/it/fault_matrix.rs` checks it on every `cargo test`: it scans the
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

struct Row {
    cell: Cell,
    run: Run,
    /// The wall time of the cell's fault-free baseline.
    base_secs: f64,
    verdict: Verdict,
}

fn table(rows: &[Row], as_of: Date, total_secs: f64) -> String {
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
fn write_doc(generated: &str) {
    let head = std::fs::read_to_string(DOC)
        .ok()
        .and_then(|old| old.find(MARKER).map(|i| old[..i].to_string()))
        .unwrap_or_else(|| INTRO.to_string());
    let text = format!("{head}{MARKER}\n\n{generated}");
    std::fs::write(DOC, text).expect("write docs/reliability.md");
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
