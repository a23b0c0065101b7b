//! Errors and exit codes: an unknown symbol is an error entry, a scan where every symbol fails
//! exits 1, input and usage errors exit 2 and fetch nothing, refused credentials exit 1 with one
//! line and no secret.

use super::{first_watchlist_symbols, market, screen, screen_env, screen_raw, symbols_of, AS_OF};
use crate::harness::{self, assert_schema_valid, list, TempDir};

#[test]
fn an_unknown_symbol_is_an_error_entry_and_the_scan_completes() {
    let doc = screen(&["--symbols", "AAPL,ZZZZ,SPY", "--json"])
        .expect_code(0)
        .json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["symbols_requested"], 3);
    let errors = list(&doc, "errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["symbol"], "ZZZZ");
    assert_eq!(errors[0]["stage"], "metrics");
    assert!(
        errors[0]["error"].as_str().unwrap().contains("not found"),
        "{}",
        errors[0]
    );
    let mut rest: Vec<String> = symbols_of(&doc, "candidates");
    rest.extend(symbols_of(&doc, "rejected"));
    rest.sort();
    assert_eq!(rest, ["AAPL", "SPY"]);
}

#[test]
fn a_scan_where_every_symbol_fails_exits_1() {
    let run = screen(&["--symbols", "ZZZZ,XXXX,NOPE"]);
    run.expect_code(1);
    assert_eq!(run.stdout, "", "no document without --json");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let run = screen(&["--symbols", "ZZZZ,XXXX,NOPE", "--json"]);
    let doc = run.expect_code(1).json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["complete"], false);
    assert_eq!(list(&doc, "errors").len(), 3);
}

/// Usage, config and input errors: exit 2, a message naming what is wrong on stderr, nothing on
/// stdout, and nothing fetched: the runs point at a demo market whose counters stay at zero.
#[test]
fn input_errors_exit_2_naming_file_and_line_and_fetch_nothing() {
    let market = market();
    let url = market.url();
    let creds = harness::DEMO_CREDS;
    let dir = TempDir::new("inputs");
    let wl = dir.file("watch.csv", "symbol\nAAPL\nnot a symbol!\nSPY\n");
    let wl = wl.as_str();
    let cfg = dir.file(
        "volscreen.toml",
        "# my settings\n[scan]\ntimeout_secs = 30.0\n\n[rest]\nbogus_key = 1\n",
    );
    let cfg = cfg.as_str();
    let base = ["--api-url", url.as_str(), "--no-cache", "--quiet"];
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec!["--watchlist", wl],
            vec![format!("{wl}:3"), "not a symbol!".into()],
        ),
        (
            vec!["5", "--profile", "yolo"],
            vec!["profile".into(), "yolo".into()],
        ),
        (
            vec!["5", "--config", cfg],
            vec![format!("{cfg}:6"), "bogus_key".into()],
        ),
        (vec!["5", "--as-of", "2026-02-30"], vec!["--as-of".into()]),
        (vec!["5", "--as-of", "20261120"], vec!["--as-of".into()]),
        (vec!["5", "--as-of", AS_OF], vec!["--as-of".into()]),
    ];
    for (args, needles) in cases {
        let mut all = args.clone();
        all.extend_from_slice(&base);
        let run = screen_raw(&all, &creds);
        run.expect_code(2);
        assert_eq!(run.stdout, "", "{all:?}: stdout must be empty");
        for needle in needles {
            assert!(
                run.stderr.contains(&needle),
                "{all:?}: stderr lacks {needle:?}:\n{}",
                run.stderr
            );
        }
        assert_eq!(run.stderr.lines().count(), 1, "{all:?}:\n{}", run.stderr);
    }
    let stats = market.stats();
    assert_eq!(
        stats["requests"], 0,
        "fetched despite the input error: {stats}"
    );
    assert_eq!(stats["dxlink"]["connections"], 0, "{stats}");
    // And the same market does answer a valid scan (so zero above means something).
    let ok = screen_raw(
        &[
            "--symbols",
            "AAPL",
            "--api-url",
            &url,
            "--no-cache",
            "--quiet",
            "--json",
        ],
        &creds,
    );
    ok.expect_code(0);
    assert!(market.stats()["requests"].as_u64().unwrap() > 0);
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let cases: [&[&str]; 5] = [
        &["5", "--json", "--csv"],
        &["5", "--top", "lots"],
        &["5", "--top", "0"],
        &["5", "--symbols", "AAPL", "--watchlist", "w.csv"],
        &["5", "--no-such-flag"],
    ];
    for args in cases {
        let run = screen(args);
        run.expect_code(2);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.trim().is_empty(), "{args:?}: no message");
    }
}

#[test]
fn refused_credentials_exit_1_with_one_line_and_no_secret() {
    let market = market();
    let url = market.url();
    let refresh = "wrong-refresh-7f3a9c";
    let secret = "wrong-secret-91bc4e";
    let env = [
        ("TASTYTRADE_REFRESH_TOKEN", refresh),
        ("TASTYTRADE_CLIENT_SECRET", secret),
    ];
    let args = ["5", "--source", "tastytrade", "--api-url", url.as_str()];
    let run = screen_env(&args, &env);
    run.expect_code(1);
    assert_eq!(run.stdout, "", "no partial document without --json");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("auth"), "{}", lines[0]);

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let jrun = screen_env(&json_args, &env);
    let doc = jrun.expect_code(1).json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["complete"], false);
    assert!(doc["meta"]["incomplete_reason"].is_string());
    assert_eq!(jrun.stderr.lines().count(), 1, "{}", jrun.stderr);
    // Nothing was evaluated: every symbol is an error, none is a candidate or a rejection.
    assert!(list(&doc, "candidates").is_empty(), "{}", doc["candidates"]);
    assert!(list(&doc, "rejected").is_empty(), "{}", doc["rejected"]);
    assert_eq!(
        symbols_of(&doc, "errors"),
        first_watchlist_symbols(5),
        "every symbol is an error"
    );
    for r in [&run, &jrun] {
        for s in [refresh, secret] {
            assert!(
                !r.stdout.contains(s) && !r.stderr.contains(s),
                "{s} printed"
            );
        }
    }
    assert!(market.stats()["oauth"]["refusals"].as_u64().unwrap() >= 1);
}
