//! The tastytrade source against any base URL (a demo market in this process, reached through
//! `--api-url`), and tokens and credentials never printed.

use super::{market, screen, screen_env, volscreen};
use crate::harness::{self, assert_schema_valid, TempDir};
use volscreen::sim::DEMO_SECRET;

#[test]
fn tastytrade_source_works_against_any_base_url() {
    let market = market();
    let url = market.url();
    let env = harness::DEMO_CREDS;
    // --api-url alone implies --source tastytrade.
    let doc = screen_env(&["20", "--api-url", &url, "--json"], &env)
        .expect_code(0)
        .json();
    assert_schema_valid(&doc);
    assert_eq!(doc["meta"]["source"], "tastytrade");
    assert_eq!(doc["meta"]["complete"], true);
    let stats = market.stats();
    assert!(stats["oauth"]["grants"].as_u64().unwrap() >= 1, "{stats}");
    assert!(
        stats["dxlink"]["snapshots"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    // The same market, reached through --api-url, says what the built-in demo source says.
    let demo = screen(&["20", "--json"]).expect_code(0).json();
    for key in ["candidates", "rejected", "errors"] {
        assert_eq!(doc[key], demo[key], "{key}");
    }
}

#[test]
fn tokens_and_credentials_are_never_printed() {
    let market = market();
    let url = market.url();
    let env = [
        ("TASTYTRADE_REFRESH_TOKEN", DEMO_SECRET),
        ("TASTYTRADE_CLIENT_SECRET", DEMO_SECRET),
        ("BENCHMARK", "1"),
    ];
    let cache = TempDir::new("secrets");
    let runs = [
        volscreen(
            &["screen", "15", "--api-url", &url, "--json", "--explain"],
            &env,
            cache.path(),
        ),
        volscreen(
            &["screen", "15", "--api-url", &url, "--explain"],
            &env,
            cache.path(),
        ),
        volscreen(
            &["screen", "15", "--api-url", &url, "--csv"],
            &env,
            cache.path(),
        ),
    ];
    for run in &runs {
        run.expect_code(0);
        for needle in ["sim-at-", "sim-qt-", DEMO_SECRET] {
            assert!(
                !run.stdout.contains(needle) && !run.stderr.contains(needle),
                "{:?} printed {needle:?}",
                run.args
            );
        }
    }
    // Tokens were issued (so their absence above means something).
    let stats = market.stats();
    assert!(stats["oauth"]["grants"].as_u64().unwrap() >= 1);
    assert!(stats["oauth"]["quote_tokens"].as_u64().unwrap() >= 1);
}
