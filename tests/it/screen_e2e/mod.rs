//! End-to-end tests of `volscreen screen`: the real binary (`CARGO_BIN_EXE_volscreen`) run as a child
//! process against the demo market, checked only through what it prints and its exit code.
//!
//! Every scan passes `--as-of 2026-11-20 --no-cache --quiet` unless the test is about one of those,
//! runs with `VOLSCREEN_CACHE_DIR` in a private temporary directory, and without any `TASTYTRADE_*`
//! or `TT_*` variable, so the source is the built-in demo market. Tests of the tastytrade source start
//! a demo market in the test process and point `--api-url` at it. Nothing here measures wall time.
//!
//! Filter verdicts are re-derived in this suite from the JSON numbers and the profile thresholds of
//! product.md ([`BALANCED`] here, `BROAD` in [`verdicts`]), not by calling volscreen's filter code.
//!
//! This module owns what the suite's files share: running the binary, reading the document and the
//! filter outcomes re-derived from product.md. The tests are in [`document`] (the JSON document),
//! [`verdicts`] (profiles, filter verdicts, earnings), [`formats`] (CSV, table, `--explain`,
//! `--top`, `--show-all`, BENCHMARK), [`errors`] (errors and exit codes), [`tastytrade`] (the
//! tastytrade source against any base URL; secrets), [`cache`] (the candle cache), [`wrapper`]
//! (`scripts/screen`) and [`budget`] (a `--timeout` that runs out).

use crate::harness::{self, list, Market, Run, TempDir};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use volscreen::watchlist::Watchlist;

mod budget;
mod cache;
mod document;
mod errors;
mod formats;
mod tastytrade;
mod verdicts;
mod wrapper;

const AS_OF: &str = "2026-11-20";
/// The options every scan gets unless a test is about them.
const DEFAULTS: [&str; 4] = ["--as-of", AS_OF, "--no-cache", "--quiet"];

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// Run `volscreen ARGS` with `env` on top of a clean environment and `cache_dir` as the cache;
/// today is fixed at [`AS_OF`] (`VOLSCREEN_TODAY`) unless `env` says otherwise.
fn volscreen(args: &[&str], env: &[(&str, &str)], cache_dir: &Path) -> Run {
    let mut all = vec![(volscreen::date::TODAY_VAR, AS_OF)];
    all.extend_from_slice(env);
    harness::run(args, &all, cache_dir)
}

/// `volscreen screen ARGS --as-of 2026-11-20 --no-cache --quiet` with `env`.
fn screen_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = TempDir::new("cache");
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    if args.contains(&"--api-url") {
        // The tastytrade source takes no --as-of.
        all.extend_from_slice(&DEFAULTS[2..]);
    } else {
        all.extend_from_slice(&DEFAULTS);
    }
    volscreen(&all, env, dir.path())
}

/// `volscreen screen ARGS --as-of 2026-11-20 --no-cache --quiet`.
fn screen(args: &[&str]) -> Run {
    screen_env(args, &[])
}

/// `volscreen screen ARGS` exactly as given (for tests of the default options themselves).
fn screen_raw(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = TempDir::new("raw");
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    volscreen(&all, env, dir.path())
}

/// `screen 100 --json` on the demo market, run once per test binary and shared. Not `--quiet`, so
/// the demo-market notice is on stderr and can be checked.
fn scan100() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| screen_raw(&["100", "--json", "--as-of", AS_OF, "--no-cache"], &[]))
}

fn doc100() -> Value {
    scan100().expect_code(0).json()
}

/// `screen 40 --json` (with the defaults), run once and shared by the tests that compare another
/// output of the same scan with it.
fn doc40() -> Value {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| screen(&["40", "--json"]))
        .expect_code(0)
        .json()
}

/// A demo market running in this test process. The tastytrade source scans "today" (`--as-of` is
/// for the demo source only): every run of the binary fixes today at AS_OF (`VOLSCREEN_TODAY`),
/// the market's date.
fn market() -> Market {
    Market::on(AS_OF.parse().expect("valid date"))
}

// ---------------------------------------------------------------------------------------------
// Reading the document
// ---------------------------------------------------------------------------------------------

fn symbols_of(doc: &Value, key: &str) -> Vec<String> {
    list(doc, key)
        .iter()
        .map(|e| e["symbol"].as_str().expect("symbol").to_string())
        .collect()
}

fn first_watchlist_symbols(n: usize) -> Vec<String> {
    Watchlist::builtin().first(Some(n)).to_vec()
}

fn num(e: &Value, key: &str) -> Option<f64> {
    assert!(
        e.get(key).is_some(),
        "{} has no field {key}: {e}",
        e["symbol"]
    );
    e[key].as_f64()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

// ---------------------------------------------------------------------------------------------
// Filters, re-derived from product.md
// ---------------------------------------------------------------------------------------------

/// A profile's thresholds as product.md states them.
struct Bars {
    vrp_structural_gt: f64,
    vrp_tactical_gt: f64,
    iv_percentile_ge: f64,
    liquidity_ge: u64,
    price_ge: f64,
    slippage_le: f64,
    vtr_ge: f64,
    earnings_allowed: bool,
}

const BALANCED: Bars = Bars {
    vrp_structural_gt: 1.10,
    vrp_tactical_gt: 1.15,
    iv_percentile_ge: 0.50,
    liquidity_ge: 4,
    price_ge: 25.0,
    slippage_le: 0.05,
    vtr_ge: 0.85,
    earnings_allowed: false,
};

/// A filter's outcome (product.md, "Verdicts").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Pass,
    Fail,
    Na,
    Unknown,
}

/// Every filter's outcome for an entry under `b`, from its JSON numbers alone: a null input is
/// unknown (never a pass); n/a as product.md declares it per class.
fn outcomes(e: &Value, b: &Bars) -> Vec<(&'static str, Out)> {
    let cmp = |v: Option<f64>, ok: &dyn Fn(f64) -> bool| match v {
        None => Out::Unknown,
        Some(v) if ok(v) => Out::Pass,
        Some(_) => Out::Fail,
    };
    let class = e["asset_class"].as_str().unwrap_or("");
    let iv = num(e, "iv");
    let price = num(e, "price");
    let integrity = if iv.is_some() && price.is_some() {
        Out::Pass
    } else {
        Out::Unknown
    };
    let liquidity = if b.liquidity_ge == 0 {
        Out::Pass
    } else {
        match e["liquidity_rating"].as_u64() {
            None => Out::Unknown,
            Some(r) if r >= b.liquidity_ge => Out::Pass,
            Some(_) => Out::Fail,
        }
    };
    let price_out = if class == "future" {
        Out::Na
    } else {
        cmp(price, &|p| p >= b.price_ge)
    };
    let earnings = if class != "equity" {
        Out::Na
    } else if b.earnings_allowed {
        Out::Pass
    } else {
        match e["earnings_before_expiration"].as_bool() {
            None => Out::Unknown,
            Some(true) => Out::Fail,
            Some(false) => Out::Pass,
        }
    };
    vec![
        ("data_integrity", integrity),
        (
            "iv_percentile",
            cmp(num(e, "iv_percentile"), &|v| v >= b.iv_percentile_ge),
        ),
        ("liquidity_rating", liquidity),
        ("price", price_out),
        (
            "vrp_structural",
            cmp(num(e, "vrp_structural"), &|v| v > b.vrp_structural_gt),
        ),
        (
            "vrp_tactical",
            cmp(num(e, "vrp_tactical"), &|v| v > b.vrp_tactical_gt),
        ),
        ("vtr", cmp(num(e, "vtr"), &|v| v >= b.vtr_ge)),
        ("slippage", cmp(num(e, "slippage"), &|v| v <= b.slippage_le)),
        ("earnings", earnings),
    ]
}

/// The filters of `e` with outcome `o`.
fn with(e: &Value, b: &Bars, o: Out) -> BTreeSet<&'static str> {
    outcomes(e, b)
        .into_iter()
        .filter(|(_, x)| *x == o)
        .map(|(n, _)| n)
        .collect()
}

/// The filters an entry fails on known data under `b`.
fn failing(e: &Value, b: &Bars) -> BTreeSet<&'static str> {
    with(e, b, Out::Fail)
}

/// The filter a reason names: `iv_percentile 0.12 < 0.50` → `iv_percentile`.
fn reason_filter(reason: &str) -> &str {
    reason.split([' ', ':']).next().unwrap_or("")
}

fn reason_filters(reasons: &Value) -> BTreeSet<String> {
    reasons
        .as_array()
        .expect("an array of reasons")
        .iter()
        .map(|r| reason_filter(r.as_str().expect("a reason string")).to_string())
        .collect()
}

fn owned(s: &BTreeSet<&str>) -> BTreeSet<String> {
    s.iter().map(|x| x.to_string()).collect()
}
