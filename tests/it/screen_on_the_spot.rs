//! Screening on the spot (issue 12): `--sort FIELD`, `--min`/`--max NAME=VALUE`, `--exclude`,
//! `--exclude-class` and `--symbols` showing every requested symbol, run with the real binary
//! against the demo market (the built-in one at `--as-of 2026-11-20`, or one started in this
//! process and reached with `--api-url` when a test needs a value made unknown).
//!
//! Every expectation is re-derived here from the JSON numbers, never by calling volscreen's own
//! ranking or filter code: the order of a sorted scan is checked pair by pair (nulls last, ties to
//! the higher score, then the symbol); a tightened scan's candidates are exactly the default
//! scan's candidates that satisfy the bounds (thresholds only remove), and each one removed names
//! the filter and its numbers; a loosened one admits a symbol the default rejects; exclusions drop
//! exactly the named symbols and classes from the watchlist before the first N are taken.

use crate::harness::{self, list, Market, Run, TempDir};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use volscreen::date::TODAY_VAR;
use volscreen::sim::SimOptions;
use volscreen::watchlist::Watchlist;

const AS_OF: &str = "2026-11-20";

/// `volscreen ARGS` in a clean environment (plus `env`), today fixed at [`AS_OF`], a private cache.
fn volscreen(args: &[&str], env: &[(&str, &str)]) -> Run {
    let cache = TempDir::new("spot");
    let mut all = vec![(TODAY_VAR, AS_OF)];
    all.extend_from_slice(env);
    harness::run(args, &all, cache.path())
}

/// `volscreen screen ARGS --as-of 2026-11-20 --no-cache --quiet` on the built-in demo market.
fn screen(args: &[&str]) -> Run {
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--as-of", AS_OF, "--no-cache", "--quiet"]);
    volscreen(&all, &[])
}

/// `screen ARGS --json`, exit 0, schema-valid.
fn scan(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let doc = screen(&all).expect_code(0).json();
    harness::assert_schema_valid(&doc);
    doc
}

/// `screen 100 --json` with the profile's defaults, run once and shared.
fn default100() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| scan(&["100"]))
}

fn symbols(doc: &Value, key: &str) -> Vec<String> {
    list(doc, key)
        .iter()
        .map(|x| x["symbol"].as_str().expect("a symbol").to_string())
        .collect()
}

/// Every symbol of the document, whichever list it is in.
fn all_symbols(doc: &Value) -> BTreeSet<String> {
    ["candidates", "rejected", "errors"]
        .iter()
        .flat_map(|k| symbols(doc, k))
        .collect()
}

fn entry<'a>(doc: &'a Value, key: &str, symbol: &str) -> &'a Value {
    list(doc, key)
        .iter()
        .find(|x| x["symbol"] == symbol)
        .unwrap_or_else(|| panic!("{symbol} not in {key}"))
}

fn reasons(x: &Value) -> Vec<String> {
    x["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("a reason").to_string())
        .collect()
}

/// The number right after `prefix` in one of `reasons` (`min_iv_rank: iv_rank 0.37 < 0.50` with
/// prefix `min_iv_rank: iv_rank ` gives 0.37), and that reason.
fn reason_number(reasons: &[String], prefix: &str, op_limit: &str) -> Option<(f64, String)> {
    reasons.iter().find_map(|r| {
        let rest = r.strip_prefix(prefix)?;
        let (num, tail) = rest.split_once(' ')?;
        if tail != op_limit {
            return None;
        }
        Some((num.parse().ok()?, r.clone()))
    })
}

// ---------------------------------------------------------------------------------------------
// --sort
// ---------------------------------------------------------------------------------------------

/// The candidates are ranked 1, 2, ... by `field` (descending unless `asc`), unknown values last,
/// ties to the higher score (unknown last), then the symbol A to Z: checked pair by pair.
fn assert_sorted(doc: &Value, field: &str, descending: bool) {
    let c = list(doc, "candidates");
    for (i, x) in c.iter().enumerate() {
        assert_eq!(
            x["rank"].as_u64(),
            Some(i as u64 + 1),
            "rank of {}",
            x["symbol"]
        );
    }
    // a before b: -1 (a first), 0 tie, 1 (b first).
    let known_first = |a: Option<f64>, b: Option<f64>, desc: bool| match (a, b) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(x), Some(y)) => {
            if (x > y) == desc {
                -1
            } else {
                1
            }
        }
        (Some(_), None) => -1,
        (None, Some(_)) => 1,
        (None, None) => 0,
    };
    for w in c.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let show = format!("{} before {} by {field}", a["symbol"], b["symbol"]);
        let by_field = known_first(a[field].as_f64(), b[field].as_f64(), descending);
        assert!(by_field <= 0, "{show}: {} then {}", a[field], b[field]);
        if by_field == 0 {
            let by_score = known_first(a["score"].as_f64(), b["score"].as_f64(), true);
            assert!(by_score <= 0, "{show}: a tie goes to the higher score");
            if by_score == 0 {
                assert!(
                    a["symbol"].as_str() < b["symbol"].as_str(),
                    "{show}: then A to Z"
                );
            }
        }
    }
}

#[test]
fn sort_ranks_by_the_field_and_top_follows() {
    let default = default100();
    let doc = scan(&["100", "--sort", "iv_rank"]);
    let by_rank = symbols(&doc, "candidates");
    assert_sorted(&doc, "iv_rank", true);
    // The same candidates, another order.
    let by_score = symbols(default, "candidates");
    assert_eq!(
        by_rank.iter().collect::<BTreeSet<_>>(),
        by_score.iter().collect::<BTreeSet<_>>()
    );
    assert!(
        by_rank.len() >= 5,
        "enough candidates to order: {by_rank:?}"
    );
    assert_ne!(by_rank, by_score, "iv_rank orders otherwise than the score");
    assert_sorted(default, "score", true);

    let asc = scan(&["100", "--sort", "iv_rank:asc"]);
    assert_sorted(&asc, "iv_rank", false);
    // --top K keeps the first K in the order asked; the counts are of every candidate.
    let top = scan(&["100", "--sort", "slippage:asc", "--top", "4"]);
    let full = scan(&["100", "--sort", "slippage:asc"]);
    assert_sorted(&full, "slippage", false);
    assert_eq!(
        symbols(&top, "candidates"),
        symbols(&full, "candidates")[..4]
    );
    assert_eq!(top["meta"]["counts"], full["meta"]["counts"]);
}

#[test]
fn unknown_values_sort_last_in_either_direction() {
    // With --show-all every symbol with data is a candidate, ETFs, indices and futures too: they
    // have no earnings, so days_to_earnings is null for them.
    for (flag, descending) in [("days_to_earnings", true), ("days_to_earnings:asc", false)] {
        let doc = scan(&["60", "--show-all", "--sort", flag]);
        let c = list(&doc, "candidates");
        let nulls = c.iter().filter(|x| x["days_to_earnings"].is_null()).count();
        assert!(
            nulls > 0 && nulls < c.len(),
            "{flag}: both known and unknown values ({nulls} of {})",
            c.len()
        );
        assert_sorted(&doc, "days_to_earnings", descending);
        assert!(
            c[c.len() - nulls..]
                .iter()
                .all(|x| x["days_to_earnings"].is_null()),
            "{flag}: the nulls are the last {nulls}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// --min / --max
// ---------------------------------------------------------------------------------------------

#[test]
fn tightened_thresholds_keep_exactly_the_candidates_that_satisfy_them() {
    let default = default100();
    // iv_rank has no filter in the profile (a filter min_iv_rank of its own, in percent);
    // slippage's profile maximum moves from 0.05; iv_percentile gets a maximum beside the
    // profile's minimum.
    let doc = scan(&[
        "100",
        "--min",
        "iv_rank=50%",
        "--max",
        "slippage=0.012",
        "--max",
        "iv_percentile=0.95",
    ]);
    let ok = |x: &Value| {
        let f = |k: &str| {
            x[k].as_f64()
                .unwrap_or_else(|| panic!("{k} of {}", x["symbol"]))
        };
        f("iv_rank") >= 0.5 && f("slippage") <= 0.012 && f("iv_percentile") <= 0.95
    };
    let expected: Vec<String> = list(default, "candidates")
        .iter()
        .filter(|x| ok(x))
        .map(|x| x["symbol"].as_str().unwrap().to_string())
        .collect();
    let got = symbols(&doc, "candidates");
    assert!(
        list(&doc, "candidates").iter().all(ok),
        "every candidate satisfies the bounds"
    );
    assert_eq!(
        got.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>(),
        "the default candidates that satisfy the bounds, no more, no fewer"
    );
    assert!(!got.is_empty(), "some candidates remain");
    assert_eq!(all_symbols(&doc), all_symbols(default), "the same scan");

    let mut removed = BTreeMap::<&str, usize>::new();
    for x in list(default, "candidates").iter().filter(|x| !ok(x)) {
        let sym = x["symbol"].as_str().unwrap();
        let rej = entry(&doc, "rejected", sym);
        let r = reasons(rej);
        let iv_rank = x["iv_rank"].as_f64().unwrap();
        let ivp = x["iv_percentile"].as_f64().unwrap();
        let mut metrics_bound = false;
        if iv_rank < 0.5 {
            let (n, reason) = reason_number(&r, "min_iv_rank: iv_rank ", "< 0.50")
                .unwrap_or_else(|| panic!("{sym}: min_iv_rank and its numbers in {r:?}"));
            assert!((n - iv_rank).abs() < 0.006, "{reason} vs iv_rank {iv_rank}");
            metrics_bound = true;
            *removed.entry("min_iv_rank").or_default() += 1;
        }
        if ivp > 0.95 {
            let (n, reason) = reason_number(&r, "max_iv_percentile: iv_percentile ", "> 0.95")
                .unwrap_or_else(|| panic!("{sym}: max_iv_percentile in {r:?}"));
            assert!((n - ivp).abs() < 0.006, "{reason} vs iv_percentile {ivp}");
            metrics_bound = true;
            *removed.entry("max_iv_percentile").or_default() += 1;
        }
        if metrics_bound {
            // A bound on a metrics field decides at the prefilter: nothing more is fetched.
            assert_eq!(rej["stage"], "prefilter", "{sym}");
            assert!(rej["hv30"].is_null(), "{sym}: no candles fetched");
        } else {
            let slip = x["slippage"].as_f64().unwrap();
            let (n, reason) = reason_number(&r, "slippage ", "> 0.012")
                .unwrap_or_else(|| panic!("{sym}: slippage and its numbers in {r:?}"));
            assert!((n - slip).abs() < 0.0006, "{reason} vs slippage {slip}");
            assert_eq!(rej["stage"], "filter", "{sym}");
            *removed.entry("slippage").or_default() += 1;
        }
    }
    for filter in ["min_iv_rank", "max_iv_percentile", "slippage"] {
        assert!(
            removed.get(filter).is_some_and(|n| *n > 0),
            "{filter} removed at least one default candidate: {removed:?}"
        );
    }
}

#[test]
fn a_loosened_threshold_admits_what_the_default_rejects() {
    let default = default100();
    let doc = scan(&["100", "--min", "iv_percentile=0.3"]);
    let c = list(&doc, "candidates");
    assert!(
        c.iter()
            .all(|x| x["iv_percentile"].as_f64().unwrap() >= 0.3),
        "every candidate satisfies the loosened minimum"
    );
    let before: BTreeSet<String> = symbols(default, "candidates").into_iter().collect();
    let after: BTreeSet<String> = symbols(&doc, "candidates").into_iter().collect();
    assert!(before.is_subset(&after), "loosening only adds");
    let admitted: Vec<&String> = after.difference(&before).collect();
    assert!(
        !admitted.is_empty(),
        "some symbol the default rejects is admitted"
    );
    for sym in admitted {
        let was = entry(default, "rejected", sym);
        let ivp = was["iv_percentile"].as_f64().unwrap();
        assert!((0.3..0.5).contains(&ivp), "{sym}: iv_percentile {ivp}");
        assert!(
            reasons(was).iter().any(|r| r.starts_with("iv_percentile ")),
            "{sym} was rejected by iv_percentile: {:?}",
            reasons(was)
        );
    }
}

/// The synthetic `/market-metrics` body of `symbols` from `market`, as an authenticated client.
fn synthetic_metrics(market: &Market, symbols: &str) -> Value {
    let token = market.server().state.auth.issue_access();
    let url = format!("{}/market-metrics?symbols={symbols}", market.url());
    market.block_on(async move {
        reqwest::Client::new()
            .get(&url)
            .header("User-Agent", "volscreen-tests/1.0")
            .bearer_auth(token)
            .send()
            .await
            .expect("the market answers")
            .json::<Value>()
            .await
            .expect("a JSON body")
    })
}

#[test]
fn an_unknown_value_never_passes_a_threshold() {
    // AMZN's IV rank arrives implausible (7): it is null, with a warning.
    let syms = "AMZN,TSLA,QQQ";
    let dir = TempDir::new("spot-fixture");
    let date = AS_OF.parse().expect("a date");
    let mut body = synthetic_metrics(&Market::on(date), syms);
    let items = body["data"]["items"].as_array_mut().expect("metrics items");
    let amzn = items
        .iter_mut()
        .find(|r| r["symbol"] == "AMZN")
        .expect("AMZN's row");
    amzn["implied-volatility-index-rank"] = Value::from(7);
    dir.file("market-metrics.json", &body.to_string());
    let market = Market::start(SimOptions {
        fixtures: Some(dir.path().to_path_buf()),
        ..SimOptions::new(date)
    });
    let url = market.url();
    let run = |extra: &[&str]| {
        let mut args = vec!["screen", "--symbols", syms, "--api-url", &url];
        args.extend_from_slice(&["--no-cache", "--quiet", "--json"]);
        args.extend_from_slice(extra);
        let doc = volscreen(&args, &harness::DEMO_CREDS).expect_code(0).json();
        harness::assert_schema_valid(&doc);
        doc
    };
    let control = run(&[]);
    assert!(
        symbols(&control, "candidates").contains(&"AMZN".to_string()),
        "AMZN is a candidate when nothing asks for its IV rank: {control}"
    );
    for bound in [["--min", "iv_rank=0.1"], ["--max", "iv_rank=0.99"]] {
        let doc = run(&bound);
        let name = format!("{}_iv_rank", &bound[0][2..]);
        assert!(
            !symbols(&doc, "candidates").contains(&"AMZN".to_string()),
            "{bound:?}: an unknown value is never a pass"
        );
        let err = entry(&doc, "errors", "AMZN");
        assert_eq!(
            err["stage"], "metrics",
            "{bound:?}: decided at the prefilter"
        );
        let unknown = err["unknown"].to_string();
        assert!(
            unknown.contains(&format!("{name} unknown (iv_rank 7")),
            "{bound:?}: {unknown}"
        );
        assert!(
            symbols(&doc, "candidates").contains(&"TSLA".to_string()),
            "{bound:?}: TSLA's known rank passes"
        );
    }
    // Sorting by it with --show-all: AMZN's null comes last either way.
    for sort in ["iv_rank", "iv_rank:asc"] {
        let doc = run(&["--show-all", "--sort", sort]);
        let c = symbols(&doc, "candidates");
        assert_eq!(c.last().map(String::as_str), Some("AMZN"), "{sort}: {c:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// --exclude, --exclude-class
// ---------------------------------------------------------------------------------------------

#[test]
fn exclusions_remove_exactly_the_named_symbols_and_classes() {
    let wl = Watchlist::builtin().symbols;
    // The classes of the first 50 symbols, as a scan without exclusions reports them.
    let control = scan(&["50", "--show-all"]);
    let class_of: BTreeMap<String, String> = ["candidates", "rejected", "errors"]
        .iter()
        .flat_map(|k| list(&control, k).iter())
        .filter_map(|x| {
            Some((
                x["symbol"].as_str()?.to_string(),
                x["asset_class"].as_str()?.to_string(),
            ))
        })
        .collect();
    let named = ["TSLA", "BRK/B", "/ES"];
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for s in &wl[..50] {
        if kept.len() == 40 {
            break;
        }
        let class = class_of.get(s).unwrap_or_else(|| panic!("{s} has a class"));
        if named.contains(&s.as_str()) || class == "index" {
            dropped.push(s.clone());
        } else {
            kept.push(s.clone());
        }
    }
    assert_eq!(kept.len(), 40, "the first 50 symbols hold 40 to keep");
    assert!(dropped.contains(&"TSLA".to_string()) && dropped.contains(&"/ES".to_string()));
    assert!(dropped.len() >= 4, "indices too: {dropped:?}");

    let mut args = vec!["screen", "40", "--json", "--as-of", AS_OF, "--no-cache"];
    args.extend_from_slice(&["--exclude", "tsla,brk.b", "--exclude", "/ESZ6"]);
    args.extend_from_slice(&["--exclude-class", "index"]);
    let run = volscreen(&args, &[]);
    let doc = run.expect_code(0).json();
    harness::assert_schema_valid(&doc);
    let excluded: Vec<String> = doc["meta"]["excluded"]
        .as_array()
        .expect("meta.excluded")
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        excluded, dropped,
        "in list order; BRK/B is beyond the scan's reach"
    );
    assert_eq!(
        doc["meta"]["symbols_requested"], 40,
        "N counts scanned symbols"
    );
    let scanned = all_symbols(&doc);
    assert_eq!(
        scanned,
        kept.iter().cloned().collect(),
        "conservation over the scanned symbols"
    );
    let c = &doc["meta"]["counts"];
    let total: u64 = ["candidates", "rejected", "errors"]
        .iter()
        .map(|k| c[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 40);
    let notice = format!("excluded {} symbols from the scan", dropped.len());
    assert!(
        run.stderr.contains(&notice),
        "{notice:?} on stderr:\n{}",
        run.stderr
    );

    // A whole class, by its JSON name: no future is scanned.
    let doc = scan(&["30", "--exclude-class", "future,etf", "--show-all"]);
    for x in list(&doc, "candidates") {
        let class = x["asset_class"].as_str().unwrap();
        assert!(
            class != "future" && class != "etf",
            "{} is {class}",
            x["symbol"]
        );
    }
    assert!(doc["meta"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s.as_str().is_some_and(|s| s.starts_with('/'))));
    // Without exclusions the list is empty.
    assert_eq!(default100()["meta"]["excluded"], Value::Array(Vec::new()));
}

// ---------------------------------------------------------------------------------------------
// --symbols
// ---------------------------------------------------------------------------------------------

#[test]
fn symbols_shows_every_requested_symbol_with_its_verdict() {
    let syms = ["TSLA", "AAPL", "SPY", "/ES", "KO", "ZZZZ"];
    let joined = syms.join(",");
    let doc = scan(&["--symbols", &joined]);
    let table = screen(&["--symbols", &joined])
        .expect_code(0)
        .stdout
        .clone();
    assert!(
        !list(&doc, "rejected").is_empty() && !list(&doc, "errors").is_empty(),
        "the request has rejections and errors to show: {doc}"
    );
    for sym in syms {
        assert!(table.contains(sym), "{sym} is shown:\n{table}");
    }
    for c in symbols(&doc, "candidates") {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(c.as_str())),
            "candidate {c} has a ranked row:\n{table}"
        );
    }
    let rejected_at = table.find("rejected (").expect("a rejected section");
    for rej in list(&doc, "rejected") {
        for r in reasons(rej) {
            assert!(
                table[rejected_at..].contains(&format!("✗ {r}")),
                "{r}:\n{table}"
            );
        }
    }
    let errors_at = table.find("errors (").expect("an errors section");
    for e in list(&doc, "errors") {
        let line = table[errors_at..]
            .lines()
            .find(|l| l.split_whitespace().next() == e["symbol"].as_str())
            .unwrap_or_else(|| panic!("{} in the errors:\n{table}", e["symbol"]));
        assert!(line.contains(e["error"].as_str().unwrap()), "{line}");
    }
    // The watchlist's table keeps its summary line.
    let plain = screen(&["20"]).expect_code(0).stdout.clone();
    assert!(!plain.contains("rejected ("), "{plain}");
    assert!(plain.contains("--explain shows why"), "{plain}");
}

// ---------------------------------------------------------------------------------------------
// Usage errors
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_flags_exit_2_with_one_line_and_nothing_on_stdout() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--sort", "ivr"],
            &["--sort", "ivr", "iv_rank", "slippage", "score"],
        ),
        (&["--sort", "iv_rank:up"], &["--sort", "asc or desc"]),
        (&["--sort", "earnings_date"], &["unknown field"]),
        (&["--min", "ivrank=0.3"], &["--min", "ivrank", "iv_rank"]),
        (&["--min", "iv_rank"], &["--min", "NAME=VALUE"]),
        (&["--max", "iv_rank=abc"], &["--max", "abc"]),
        (&["--max", "iv_rank=NaN"], &["--max", "NaN"]),
        (&["--min", "score=50"], &["--min", "score"]),
        (
            &["--min", "iv_percentile=150%"],
            &["--min", "iv_percentile", "0..=1"],
        ),
        (
            &["--min", "liquidity_rating=4.5"],
            &["--min", "liquidity_rating"],
        ),
        (
            &["--min", "iv_rank=0.3", "--min", "iv_rank=0.4"],
            &["--min", "twice"],
        ),
        (
            &["--min", "iv_rank=0.5", "--max", "iv_rank=0.3"],
            &["--max iv_rank=0.3", "--min iv_rank=0.5"],
        ),
        (
            &["--max", "iv_percentile=0.4"],
            &["--max iv_percentile=0.4", "iv_percentile_min"],
        ),
        (&["--exclude-class", "bond"], &["--exclude-class", "bond"]),
        (&["--exclude", "a b"], &["--exclude", "a b"]),
        (&["--exclude", ","], &["--exclude"]),
        (
            &["--symbols", "TSLA", "--exclude", "tsla"],
            &["nothing to scan"],
        ),
    ];
    for (args, needles) in cases {
        screen(args).expect_input_error(needles);
    }
}
