//! The warm scan (issue 11): a second scan of the same trading day takes the candles and the
//! option chains' structure from the cache, fetches the quotes live as before, and prints the same
//! document as the cold scan (timings aside). Each test runs the real binary with the tastytrade
//! source against a demo market served from this process ([`Market`]), dated by
//! `VOLSCREEN_TODAY`, and reads what the market served from `/__sim/stats`: chain requests
//! (`option-chains-*`, `futures-option-chains-*`), candle snapshots and futures contract requests
//! (`instruments-futures`).
//!
//! Covered: warm equals cold (and equals a scan without the cache) and fetches no chain, no
//! candle and no futures contract; the next trading day fetches chains again; `--refresh` fetches again and rewrites; a
//! corrupt entry or one of another format is fetched again and replaced; a file that is not a
//! volscreen cache is moved aside with a warning naming it. No test asserts a time.

use crate::harness::{self, list, without_clock, Market, TempDir};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The demo market's date, and the next trading day (a Friday, then Monday).
const AS_OF: &str = "2026-11-20";
const NEXT_DAY: &str = "2026-11-23";
/// The scan: the first 100 symbols of the default watchlist.
const N: &str = "100";

fn market() -> Market {
    Market::on(AS_OF.parse().expect("a date"))
}

/// One scan and what the market served for it.
struct Scan {
    doc: Value,
    stderr: String,
    /// Chain requests the market answered during the scan.
    chain_requests: u64,
    /// Candle snapshots the market streamed during the scan.
    snapshots: u64,
    /// `/instruments/futures` requests (the futures roots' active contracts) during the scan.
    futures_requests: u64,
}

impl Scan {
    /// `meta.timings.requests.per_endpoint[key]` (the cache counters are there).
    fn counter(&self, key: &str) -> u64 {
        self.doc["meta"]["timings"]["requests"]["per_endpoint"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("no counter {key:?} in {}", self.doc["meta"]["timings"]))
    }

    /// The symbols that reached the chain stage with a chain (a chain hit or a chain fetched).
    fn chains_used(&self) -> u64 {
        self.counter("cache chains hits") + self.counter("cache chains misses")
    }
}

/// What the market has served so far: (chain requests, candle snapshots, futures contract
/// requests).
fn served(m: &Market) -> (u64, u64, u64) {
    let stats = m.stats();
    let requests = |part: &str| -> u64 {
        stats["endpoints"]
            .as_object()
            .expect("endpoints")
            .iter()
            .filter(|(name, _)| name.contains(part))
            .map(|(_, e)| e["requests"].as_u64().unwrap_or(0))
            .sum()
    };
    (
        requests("option-chains"),
        stats["dxlink"]["snapshots"].as_u64().unwrap_or(0),
        requests("instruments-futures"),
    )
}

/// `volscreen screen 100 --json --quiet` against `m`, dated `today`, with the cache in `cache`
/// and `extra` flags; exit 0.
fn scan(m: &Market, cache: &Path, today: &str, extra: &[&str]) -> Scan {
    let url = m.url();
    let mut args = vec![
        "screen",
        N,
        "--source",
        "tastytrade",
        "--api-url",
        url.as_str(),
        "--json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let mut env = vec![(volscreen::date::TODAY_VAR, today)];
    env.extend_from_slice(&harness::DEMO_CREDS);
    let before = served(m);
    let run = harness::run(&args, &env, cache);
    run.expect_code(0);
    let after = served(m);
    let doc = run.json();
    harness::assert_schema_valid(&doc);
    Scan {
        doc,
        stderr: run.stderr,
        chain_requests: after.0 - before.0,
        snapshots: after.1 - before.1,
        futures_requests: after.2 - before.2,
    }
}

/// Panics showing every difference between two documents (timings and clock aside).
fn assert_same(a: &Value, b: &Value, what: &str) {
    let (a, b) = (without_clock(a), without_clock(b));
    if a == b {
        return;
    }
    let mut diffs = Vec::new();
    for key in ["candidates", "rejected", "errors"] {
        let index = |d: &Value| -> Vec<(String, String)> {
            list(d, key)
                .iter()
                .map(|e| {
                    (
                        e["symbol"].as_str().unwrap_or("?").to_string(),
                        e.to_string(),
                    )
                })
                .collect()
        };
        let (x, y) = (index(&a), index(&b));
        let xs: BTreeSet<_> = x.iter().collect();
        let ys: BTreeSet<_> = y.iter().collect();
        for e in xs.symmetric_difference(&ys).take(6) {
            diffs.push(format!("{key}: {} {}", e.0, e.1));
        }
    }
    if a["meta"] != b["meta"] {
        diffs.push(format!("meta: {} vs {}", a["meta"], b["meta"]));
    }
    panic!("{what}: the documents differ:\n{}", diffs.join("\n"));
}

/// Chain-derived fields are present in the scan (so the comparison compares them).
fn assert_has_chain_fields(doc: &Value) {
    let candidates = list(doc, "candidates");
    assert!(!candidates.is_empty(), "the scan has candidates");
    for c in candidates {
        for f in [
            "expiration",
            "atm_strike",
            "straddle_mid",
            "expected_move",
            "slippage",
        ] {
            assert!(!c[f].is_null(), "{} has no {f}: {c}", c["symbol"]);
        }
    }
}

/// The cache file of a cache directory.
fn cache_file(dir: &Path) -> std::path::PathBuf {
    dir.join("candles.sqlite3")
}

#[test]
fn a_warm_scan_equals_the_cold_one_and_fetches_no_chain_or_candle() {
    let m = market();
    let cache = TempDir::new("warm");
    let cold = scan(&m, cache.path(), AS_OF, &[]);
    assert_has_chain_fields(&cold.doc);
    assert!(
        cold.chain_requests > 0 && cold.snapshots > 0,
        "the cold scan fetched"
    );
    assert_eq!(cold.counter("cache chains hits"), 0);
    assert_eq!(cold.counter("cache candles hits"), 0);

    let warm = scan(&m, cache.path(), AS_OF, &[]);
    assert_same(&cold.doc, &warm.doc, "warm against cold");
    assert_eq!(
        (warm.chain_requests, warm.snapshots),
        (0, 0),
        "a warm scan asks for no chain and no candle history"
    );
    // The futures roots among the first 100 symbols: their active contracts come from the cache.
    assert!(cold.futures_requests > 0 && cold.counter("cache futures misses") > 0);
    assert_eq!(warm.futures_requests, 0, "no futures contracts asked for");
    assert_eq!(warm.counter("cache futures misses"), 0);
    assert_eq!(
        warm.counter("cache futures hits"),
        cold.counter("cache futures misses")
    );
    assert_eq!(
        warm.counter("cache futures requests saved"),
        cold.futures_requests
    );
    assert_eq!(warm.counter("cache chains misses"), 0);
    assert_eq!(warm.counter("cache candles misses"), 0);
    assert!(warm.counter("cache chains hits") > 0);
    assert_eq!(
        warm.counter("cache candles hits"),
        cold.counter("cache candles misses")
    );
    // Quotes stay live: the ATM pairs are quoted in the warm scan too.
    assert!(warm.counter("dxlink quotes") >= 2 * warm.counter("cache chains hits"));

    // And both are what a scan without the cache prints.
    let uncached = scan(&m, cache.path(), AS_OF, &["--no-cache"]);
    assert_same(&uncached.doc, &warm.doc, "warm against --no-cache");
    assert!(uncached.chain_requests > 0);
    let counters = &uncached.doc["meta"]["timings"]["requests"]["per_endpoint"];
    assert!(
        counters.get("cache chains hits").is_none(),
        "--no-cache has no cache counters: {counters}"
    );
}

#[test]
fn the_next_trading_day_fetches_chains_again() {
    let m = market();
    let cache = TempDir::new("next-day");
    scan(&m, cache.path(), AS_OF, &[]);
    let next = scan(&m, cache.path(), NEXT_DAY, &[]);
    assert_eq!(
        next.counter("cache chains hits"),
        0,
        "no chain of another day"
    );
    assert_eq!(next.counter("cache candles hits"), 0);
    assert_eq!(next.counter("cache futures hits"), 0);
    assert!(
        next.futures_requests > 0,
        "futures contracts of the next day are asked for"
    );
    assert!(next.chains_used() > 0);
    assert_eq!(
        next.chain_requests,
        next.counter("cache chains misses"),
        "every chain of the next day is fetched"
    );
    assert!(next.snapshots > 0);
    // That day is then warm in turn; the first day's entries are still there.
    let again = scan(&m, cache.path(), NEXT_DAY, &[]);
    assert_eq!(
        (
            again.chain_requests,
            again.snapshots,
            again.futures_requests
        ),
        (0, 0, 0)
    );
    assert_same(&next.doc, &again.doc, "the next day, warm against cold");
    let first = scan(&m, cache.path(), AS_OF, &[]);
    assert_eq!((first.chain_requests, first.snapshots), (0, 0));
}

#[test]
fn refresh_fetches_again_and_rewrites() {
    let m = market();
    let cache = TempDir::new("refresh");
    let cold = scan(&m, cache.path(), AS_OF, &[]);
    let refresh = scan(&m, cache.path(), AS_OF, &["--refresh"]);
    assert_same(&cold.doc, &refresh.doc, "--refresh against cold");
    assert_eq!(
        refresh.counter("cache chains hits"),
        0,
        "--refresh reads nothing"
    );
    assert_eq!(refresh.counter("cache candles hits"), 0);
    assert_eq!(refresh.counter("cache futures hits"), 0);
    assert!(refresh.futures_requests > 0);
    assert!(refresh.chain_requests >= refresh.chains_used() && refresh.chain_requests > 0);
    assert!(refresh.snapshots > 0);
    // What --refresh wrote serves the next scan.
    let warm = scan(&m, cache.path(), AS_OF, &[]);
    assert_eq!(
        (warm.chain_requests, warm.snapshots, warm.futures_requests),
        (0, 0, 0)
    );
    assert_same(&cold.doc, &warm.doc, "warm after --refresh");
}

#[test]
fn a_corrupt_chain_entry_is_fetched_again_and_replaced() {
    let m = market();
    let cache = TempDir::new("corrupt");
    let cold = scan(&m, cache.path(), AS_OF, &[]);
    let candidates: Vec<&str> = list(&cold.doc, "candidates")
        .iter()
        .filter_map(|c| c["symbol"].as_str())
        .collect();
    assert!(candidates.len() >= 2, "two candidates to spoil");
    let (spoiled, other_format) = (candidates[0], candidates[1]);
    {
        let conn = rusqlite::Connection::open(cache_file(cache.path())).expect("open the cache");
        let n = conn
            .execute(
                "UPDATE chains SET data = x'56430100ff' WHERE symbol = ?1",
                [spoiled],
            )
            .expect("spoil an entry");
        assert_eq!(n, 1, "{spoiled}'s chain was stored");
        let n = conn
            .execute(
                "UPDATE chains SET format = format + 1 WHERE symbol = ?1",
                [other_format],
            )
            .expect("change an entry's format");
        assert_eq!(n, 1, "{other_format}'s chain was stored");
    }
    let warm = scan(&m, cache.path(), AS_OF, &[]);
    assert_eq!(
        warm.chain_requests, 2,
        "exactly the two unusable entries are fetched again"
    );
    assert_eq!(warm.counter("cache chains misses"), 2);
    assert_eq!(warm.snapshots, 0);
    assert_same(
        &cold.doc,
        &warm.doc,
        "warm with two bad entries against cold",
    );
    // Both were replaced.
    let again = scan(&m, cache.path(), AS_OF, &[]);
    assert_eq!(again.chain_requests, 0);
    let c = volscreen::cache::Cache::open(&cache_file(cache.path())).expect("the cache opens");
    let url = m.url();
    for s in [spoiled, other_format] {
        let chain = c
            .chain(&url, s, AS_OF.parse().unwrap())
            .expect("decodes")
            .unwrap_or_else(|| panic!("{s}'s chain is stored under {url}"));
        assert!(!chain.expirations.is_empty());
    }
}

#[test]
fn a_file_that_is_not_a_cache_is_moved_aside_with_a_warning() {
    let m = market();
    let cache = TempDir::new("foreign");
    let path = cache_file(cache.path());
    let garbage = "this is not a database\n".repeat(100);
    std::fs::write(&path, &garbage).expect("write the foreign file");
    let first = scan(&m, cache.path(), AS_OF, &[]);
    assert!(
        first.stderr.contains("is not a volscreen cache")
            && first.stderr.contains(&*path.to_string_lossy()),
        "a warning naming the file:\n{}",
        first.stderr
    );
    let moved: Vec<_> = std::fs::read_dir(cache.path())
        .expect("the cache dir")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.to_string_lossy().contains("candles.sqlite3.foreign-"))
        .collect();
    assert_eq!(moved.len(), 1, "moved aside once: {moved:?}");
    assert!(first.stderr.contains(&*moved[0].to_string_lossy()));
    assert_eq!(std::fs::read_to_string(&moved[0]).unwrap(), garbage);
    // The scan ran as if there had been no cache, and started one.
    assert!(first.chain_requests > 0);
    let second = scan(&m, cache.path(), AS_OF, &[]);
    assert!(second.stderr.trim().is_empty(), "{}", second.stderr);
    assert_eq!((second.chain_requests, second.snapshots), (0, 0));
    assert_same(&first.doc, &second.doc, "warm after the move against cold");
}
