//! Watchlists kept at tastytrade, through the real binary: `screen --watchlist tt:NAME` and
//! `tt-public:NAME` scan exactly the list's symbols (checked against the list fetched from the
//! demo market over plain HTTP by this test, not through volscreen's client), with conservation;
//! futures contracts become roots and entries volscreen cannot scan are errors at stage `load`
//! naming the list and the entry; an unknown list is exit 1 with a line naming it; an empty name is
//! exit 2; `volscreen watchlists --json` lists both kinds with the market's counts.
//!
//! Scans of the tastytrade source point `--api-url` at a demo market started in this process
//! (dated today: that source scans today); scans of the demo source use `--as-of 2026-11-20`.

use crate::harness::{self, assert_schema_valid, list, Market, Run, TempDir, DEMO_CREDS};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use volscreen::date::Date;
use volscreen::sim::{SimOptions, DEMO_SECRET};

const AS_OF: &str = "2026-11-20";

/// `volscreen ARGS` in a clean environment plus `env`, with a throwaway cache directory.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = TempDir::new("wl-cache");
    harness::run(args, env, dir.path())
}

/// `ARGS --api-url URL` with the demo credentials: the tastytrade source, on `market`.
fn on_market(market: &Market, args: &[&str]) -> Run {
    let url = market.url();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--api-url", &url]);
    run_with(&all, &DEMO_CREDS)
}

/// `GET path` on `market` with a token of its own, as plain HTTP (reqwest and serde_json only).
fn get(market: &Market, path: &str) -> (u16, Value) {
    let base = market.url();
    market.block_on(async move {
        let http = reqwest::Client::builder()
            .user_agent("volscreen-it")
            .build()
            .unwrap();
        let token: Value = http
            .post(format!("{base}/oauth/token"))
            .json(
                &json!({"grant_type": "refresh_token", "refresh_token": DEMO_SECRET,
                          "client_secret": DEMO_SECRET}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = token["access_token"].as_str().expect("an access token");
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

/// The symbols of one list as the market serves it (`/watchlists/My%20Watchlist`).
fn entries(market: &Market, path: &str) -> Vec<String> {
    let (status, body) = get(market, path);
    assert_eq!(status, 200, "{path}: {body}");
    list(&body["data"], "watchlist-entries")
        .iter()
        .map(|e| e["symbol"].as_str().expect("symbol").to_string())
        .collect()
}

/// Every symbol of the document across candidates, rejected and errors (each at most once).
fn scanned(doc: &Value) -> Vec<String> {
    let all: Vec<String> = ["candidates", "rejected", "errors"]
        .iter()
        .flat_map(|k| list(doc, k))
        .map(|e| e["symbol"].as_str().expect("symbol").to_string())
        .collect();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a symbol appears twice: {all:?}");
    all
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Conservation and the counts: every item once, the counts those of the lists.
fn assert_conserved(doc: &Value, want: &[String]) {
    assert_eq!(sorted(scanned(doc)), sorted(want.to_vec()));
    let meta = &doc["meta"];
    assert_eq!(meta["symbols_requested"], want.len());
    for k in ["candidates", "rejected", "errors"] {
        assert_eq!(meta["counts"][k], list(doc, k).len(), "{k}");
    }
    assert_schema_valid(doc);
}

#[test]
fn a_private_list_scans_exactly_its_symbols() {
    let market = Market::on(Date::today());
    let want = entries(&market, "/watchlists/My%20Watchlist");
    assert!(
        want.len() >= 10 && want.contains(&"/ES".to_string()),
        "{want:?}"
    );
    let run = on_market(
        &market,
        &[
            "screen",
            "--watchlist",
            "tt:My Watchlist",
            "--json",
            "--no-cache",
            "--quiet",
        ],
    );
    run.expect_code(0);
    let doc = run.json();
    assert_conserved(&doc, &want);
    assert_eq!(doc["meta"]["watchlist"], "tt:My Watchlist");
    assert_eq!(doc["meta"]["source"], "tastytrade");
    // Every symbol of the list, and only those, had its metrics asked for.
    let stats = market.stats();
    assert_eq!(stats["endpoints"]["market-metrics"]["symbols"], want.len());
    // One request for the list (besides the one this test made).
    assert_eq!(stats["endpoints"]["watchlists"]["requests"], 2);
    assert!(
        list(&doc, "errors").iter().all(|e| e["stage"] != "load"),
        "{doc}"
    );
}

#[test]
fn a_public_list_on_the_demo_source_scans_its_first_n() {
    // The demo source's market (in the binary) and this one have the same lists.
    let market = Market::on(AS_OF.parse().unwrap());
    let all = entries(&market, "/public-watchlists/Liquid%20ETFs");
    let n = 7;
    let want: Vec<String> = all[..n].to_vec();
    let run = run_with(
        &[
            "screen",
            &n.to_string(),
            "--watchlist",
            "tt-public:Liquid ETFs",
            "--source",
            "demo",
            "--as-of",
            AS_OF,
            "--json",
            "--no-cache",
            "--quiet",
        ],
        &[],
    );
    run.expect_code(0);
    let doc = run.json();
    assert_conserved(&doc, &want);
    assert_eq!(doc["meta"]["watchlist"], "tt-public:Liquid ETFs");
    assert_eq!(doc["meta"]["source"], "demo");
    // `--exclude-class future` passes over the list's futures before the first N are taken.
    let all = entries(&market, "/public-watchlists/tasty%20Default");
    let n = 9;
    let want: Vec<String> = all
        .iter()
        .filter(|s| !s.starts_with('/'))
        .take(n)
        .cloned()
        .collect();
    let last = all.iter().position(|s| s == &want[n - 1]).unwrap();
    let passed_over: Vec<&String> = all[..last].iter().filter(|s| s.starts_with('/')).collect();
    assert!(!passed_over.is_empty(), "{all:?}");
    let run = run_with(
        &[
            "screen",
            &n.to_string(),
            "--watchlist",
            "tt-public:tasty Default",
            "--exclude-class",
            "future",
            "--as-of",
            AS_OF,
            "--json",
            "--no-cache",
            "--quiet",
        ],
        &[],
    );
    run.expect_code(0);
    let doc = run.json();
    assert_conserved(&doc, &want);
    assert_eq!(doc["meta"]["excluded"], json!(passed_over));
    // The table works too, and the timing breakdown names the watchlist stage.
    let run = run_with(
        &[
            "screen",
            "3",
            "--watchlist",
            "tt-public:Futures",
            "--as-of",
            AS_OF,
            "--no-cache",
            "--quiet",
            "--benchmark",
        ],
        &[],
    );
    run.expect_code(0);
    assert!(run.stderr.contains("watchlist"), "{}", run.stderr);
}

/// A list the market serves from a file: a name with a space and a `/`, a futures contract, a
/// duplicate, a lower-case symbol, a type missing, and entries volscreen cannot scan.
#[test]
fn contracts_become_roots_and_unscannable_entries_are_load_errors() {
    let dir = TempDir::new("wl-fixtures");
    dir.file(
        "watchlists/Semis/AI picks.json",
        &json!({"data": {"name": "Semis/AI picks", "group-name": "mine", "order-index": 3,
        "watchlist-entries": [
            {"symbol": "/ESZ6", "instrument-type": "Future"},
            {"symbol": "aapl", "instrument-type": "Equity"},
            {"symbol": "BTC/USD", "instrument-type": "Cryptocurrency"},
            {"symbol": "AAPL", "instrument-type": "Equity"},
            {"symbol": "SPY   261218C00600000", "instrument-type": "Equity Option"},
            {"symbol": "SPX", "instrument-type": "Index"},
            {"symbol": "/ES", "instrument-type": "Future"},
            {"symbol": "MSFT"}
        ]}})
        .to_string(),
    );
    let market = Market::start(SimOptions {
        fixtures: Some(dir.path().to_path_buf()),
        ..SimOptions::new(Date::today())
    });
    let run = on_market(
        &market,
        &[
            "screen",
            "--watchlist",
            "tt:Semis/AI picks",
            "--json",
            "--no-cache",
            "--quiet",
        ],
    );
    run.expect_code(0);
    let doc = run.json();
    let want: Vec<String> = [
        "/ES",
        "AAPL",
        "BTC/USD",
        "SPY   261218C00600000",
        "SPX",
        "MSFT",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_conserved(&doc, &want);
    let load: Vec<&Value> = list(&doc, "errors")
        .iter()
        .filter(|e| e["stage"] == "load")
        .collect();
    assert_eq!(load.len(), 2, "{doc}");
    assert_eq!(load[0]["symbol"], "BTC/USD");
    let msg = load[0]["error"].as_str().unwrap();
    assert!(
        msg.starts_with("tt:Semis/AI picks entry 3: ") && msg.contains("Cryptocurrency"),
        "{msg}"
    );
    assert!(load[1]["error"]
        .as_str()
        .unwrap()
        .contains("entry 5: \"SPY   261218C00600000\" has instrument type Equity Option"));
    // Only the scannable symbols reached the service.
    assert_eq!(
        market.stats()["endpoints"]["market-metrics"]["symbols"],
        4,
        "/ES, AAPL, SPX, MSFT"
    );
}

#[test]
fn an_unknown_list_is_exit_1_naming_it_and_an_empty_name_exit_2() {
    let market = Market::on(Date::today());
    for (arg, kind) in [("tt:No Such List", "private"), ("tt-public:Nope", "public")] {
        let run = on_market(
            &market,
            &["screen", "--watchlist", arg, "--no-cache", "--quiet"],
        );
        run.expect_code(1);
        assert_eq!(run.stdout, "", "{arg}: a table has nothing to show");
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        for needle in [arg, kind, "not found", "volscreen watchlists"] {
            assert!(
                run.stderr.contains(needle),
                "{arg}: {needle}: {}",
                run.stderr
            );
        }
        assert!(!run.stderr.contains(DEMO_SECRET));
    }
    let before = market.stats()["requests"].clone();
    for arg in ["tt:", "tt-public:", "tt:   "] {
        let run = on_market(&market, &["screen", "--watchlist", arg, "--json"]);
        run.expect_input_error(&["--watchlist", "NAME"]);
    }
    assert_eq!(market.stats()["requests"], before, "nothing fetched");
}

#[test]
fn a_file_named_like_a_list_is_read_with_a_path() {
    let dir = TempDir::new("wl-file");
    dir.file("tt:foo", "symbol\nSPY\nQQQ\n");
    let cache = TempDir::new("wl-cache");
    let args = [
        "screen",
        "--watchlist",
        "./tt:foo",
        "--as-of",
        AS_OF,
        "--json",
        "--no-cache",
        "--quiet",
    ];
    let out = harness::command(harness::BIN, &args, &[], cache.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let run = Run::from_output(&args, out);
    run.expect_code(0);
    let doc = run.json();
    assert_conserved(&doc, &["SPY".to_string(), "QQQ".to_string()]);
    assert_eq!(doc["meta"]["watchlist"], "./tt:foo");
}

#[test]
fn the_watchlists_command_lists_both_kinds_with_their_counts() {
    let market = Market::on(Date::today());
    let run = on_market(&market, &["watchlists", "--json"]);
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["source"], "tastytrade");
    assert_eq!(list(&doc, "errors").len(), 0);
    let rows = list(&doc, "watchlists");
    let mut kinds = BTreeSet::new();
    for (path, kind, prefix) in [
        ("/watchlists", "private", "tt:"),
        ("/public-watchlists", "public", "tt-public:"),
    ] {
        let (status, body) = get(&market, path);
        assert_eq!(status, 200);
        let served = list(&body["data"], "items");
        let ours: Vec<&Value> = rows.iter().filter(|r| r["kind"] == kind).collect();
        assert_eq!(ours.len(), served.len(), "{kind}");
        for (row, item) in ours.iter().zip(served) {
            let name = item["name"].as_str().unwrap();
            assert_eq!(row["name"], name);
            assert_eq!(row["watchlist"], format!("{prefix}{name}"));
            assert_eq!(row["group"], item["group-name"]);
            let count = list(item, "watchlist-entries").len();
            assert_eq!(row["entries"], count, "{kind} {name}");
            kinds.insert(kind);
        }
    }
    assert_eq!(kinds.len(), 2, "both kinds listed");
    // The table on the demo source names every list as `--watchlist` takes it.
    let run = run_with(&["watchlists", "--as-of", AS_OF], &[]);
    run.expect_code(0);
    assert!(run.stderr.contains("demo market"), "{}", run.stderr);
    let header = run.stdout.lines().next().unwrap_or("");
    assert!(
        header.starts_with("KIND") && header.contains("ENTRIES"),
        "{header}"
    );
    for row in rows {
        let label = row["watchlist"].as_str().unwrap();
        assert!(run.stdout.contains(label), "{label}:\n{}", run.stdout);
    }
    // Usage errors: exit 2, nothing fetched.
    run_with(
        &["watchlists", "--source", "tastytrade", "--as-of", AS_OF],
        &DEMO_CREDS,
    )
    .expect_input_error(&["--as-of"]);
}
