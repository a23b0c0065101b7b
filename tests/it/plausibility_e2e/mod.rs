//! End-to-end tests of plausibility at the edge (product.md, "Plausibility at the edge" and
//! "Verdicts"; issue 8, items 4 and 5): the real binary (`CARGO_BIN_EXE_volscreen`) scans, with the
//! tastytrade source, a demo market started in this process whose `--fixtures` directory the test
//! writes, and is checked only through the JSON it prints.
//!
//! Every fixture is built from the synthetic market itself (its `/market-metrics` and
//! `/market-data/by-type` rows, its candles) and then one value is made hostile, so each test
//! compares a scan with the hostile value against **the same scan without it** (the unmodified
//! fixture, served the same way). The market counts what it served from fixture files
//! (`/__sim/stats` `fixtures`), so every test also proves the hostile value reached the client.
//!
//! Scans run with a clean environment (no `TASTYTRADE_*` / `TT_*` but the demo credentials), a
//! private `VOLSCREEN_CACHE_DIR`, `--no-cache --quiet` (except the cache test), and a small config
//! ([`CONFIG`]) under which AMZN and SPY are both candidates of the healthy market, so that a
//! hostile value has a verdict to spoil.
//!
//! This module owns what the suite's files share: the markets, running a scan ([`scan`], [`Scan`])
//! and the checks every test makes. The tests are in [`metrics`] (`/market-metrics`), [`quotes`]
//! (`/market-data/by-type`), [`chains`] (option chains of another underlying), [`candles`] (DXLink
//! candle histories) and [`cache`] (empty histories are never cached).

use crate::harness::{self, Market, TempDir};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use volscreen::candle::Candle;
use volscreen::date::Date;
use volscreen::sim::SimOptions;

mod cache;
mod candles;
mod chains;
mod metrics;
mod quotes;

/// The demo market's date.
const AS_OF: &str = "2026-11-20";
/// The scan: AMZN and SPY are candidates of the healthy market (with [`CONFIG`]), QQQ is
/// rejected on known data after its candles (vrp), AAPL at the prefilter (so a scan never has
/// every symbol failed).
const SYMBOLS: &str = "AMZN,SPY,QQQ,AAPL";
const SYMBOL_LIST: [&str; 4] = ["AMZN", "SPY", "QQQ", "AAPL"];
/// Under the balanced defaults SPY misses `vtr ≥ 0.85` by 0.01 on this date; 0.80 lets it pass.
/// Earnings allowed: AMZN's verdict then does not hang on its next report date (the scans are
/// dated at the market's date through `VOLSCREEN_TODAY`).
const CONFIG: &str = "[filters]\nvtr_min = 0.80\nearnings_allowed = true\n";
const HV_FIELDS: [&str; 4] = ["hv20", "hv30", "hv90", "hv252"];

// ---------------------------------------------------------------------------------------------
// The market, the binary
// ---------------------------------------------------------------------------------------------

fn as_of() -> Date {
    AS_OF.parse().expect("valid date")
}

/// This suite's markets: [`harness::Market`]s of the demo market's date, with or without
/// fixtures, and what they served.
impl Market {
    /// The synthetic market, no fixtures.
    fn plain() -> Market {
        Market::on(as_of())
    }

    /// A market serving the files under `dir` where they match.
    fn with_fixtures(dir: &Path) -> Market {
        Market::start(SimOptions {
            fixtures: Some(dir.to_path_buf()),
            ..SimOptions::new(as_of())
        })
    }

    /// How many answers the market served from the fixture `name` (`/market-metrics`,
    /// `dxlink/candles/SPY`, ...).
    fn fixture_served(&self, name: &str) -> u64 {
        self.stats()["fixtures"][name].as_u64().unwrap_or(0)
    }

    /// `GET path` (with its query) as an authenticated client, the body as JSON.
    fn get(&self, path: &str) -> Value {
        let token = self.server().state.auth.issue_access();
        let url = format!("{}{path}", self.url());
        self.block_on(async move {
            let resp = reqwest::Client::new()
                .get(&url)
                .header("User-Agent", "volscreen-tests/1.0")
                .bearer_auth(token)
                .send()
                .await
                .expect("the market answers");
            assert!(resp.status().is_success(), "{url}: {}", resp.status());
            resp.json::<Value>().await.expect("a JSON body")
        })
    }

    /// The market's daily candles of `symbol`, ascending.
    fn candles(&self, symbol: &str) -> Vec<Candle> {
        self.server()
            .state
            .market
            .candles(symbol)
            .unwrap_or_else(|| panic!("{symbol} has candles"))
            .to_vec()
    }
}

/// What one scan printed.
struct Scan {
    args: Vec<String>,
    code: i32,
    stderr: String,
    doc: Value,
}

impl Scan {
    /// The entry of `symbol` and the list it is in (`candidates`, `rejected`, `errors`); every
    /// symbol must be in exactly one (conservation).
    fn entry(&self, symbol: &str) -> (&'static str, &Value) {
        let mut found = Vec::new();
        for list in ["candidates", "rejected", "errors"] {
            for e in self.doc[list].as_array().into_iter().flatten() {
                if e["symbol"] == symbol {
                    found.push((list, e));
                }
            }
        }
        assert_eq!(
            found.len(),
            1,
            "{symbol} must appear exactly once across candidates/rejected/errors\n{}",
            self.show()
        );
        found[0]
    }

    fn list_of(&self, symbol: &str) -> &'static str {
        self.entry(symbol).0
    }

    /// `symbol`'s warnings whose field satisfies `field`.
    fn warnings(&self, symbol: &str, field: impl Fn(&str) -> bool) -> Vec<&Value> {
        self.entry(symbol).1["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|w| w["field"].as_str().is_some_and(&field))
            .collect()
    }

    /// `meta.timings.requests.per_endpoint[name]`.
    fn requests(&self, name: &str) -> u64 {
        self.doc["meta"]["timings"]["requests"]["per_endpoint"][name]
            .as_u64()
            .unwrap_or(0)
    }

    /// Symbol → (list, stage) of the whole scan, for comparing verdicts.
    fn verdicts(&self) -> BTreeMap<String, (String, String)> {
        let mut out = BTreeMap::new();
        for list in ["candidates", "rejected", "errors"] {
            for e in self.doc[list].as_array().into_iter().flatten() {
                out.insert(
                    e["symbol"].as_str().unwrap_or_default().to_string(),
                    (
                        list.to_string(),
                        e["stage"].as_str().unwrap_or_default().to_string(),
                    ),
                );
            }
        }
        out
    }

    /// The scan, for failure messages.
    fn show(&self) -> String {
        let mut lines = vec![format!("args: {:?}, exit {}", self.args, self.code)];
        for list in ["candidates", "rejected", "errors"] {
            for e in self.doc[list].as_array().into_iter().flatten() {
                let mut brief = serde_json::Map::new();
                for k in [
                    "symbol",
                    "stage",
                    "reasons",
                    "error",
                    "unknown",
                    "price",
                    "iv",
                    "iv_rank",
                    "iv_percentile",
                    "liquidity_rating",
                    "hv20",
                    "hv30",
                    "hv90",
                    "hv252",
                    "vrp_structural",
                    "expiration",
                    "straddle_mid",
                    "expected_move",
                    "warnings",
                    "signal",
                    "score",
                ] {
                    if let Some(v) = e.get(k) {
                        brief.insert(k.to_string(), v.clone());
                    }
                }
                lines.push(format!("{list}: {}", Value::Object(brief)));
            }
        }
        if !self.stderr.trim().is_empty() {
            lines.push(format!("stderr: {}", self.stderr.trim()));
        }
        lines.join("\n")
    }

    /// Every HV the scan reports is null or within (0, 5] (never exactly 0, never above 500 %).
    fn assert_hv_plausible(&self) {
        for list in ["candidates", "rejected", "errors"] {
            for e in self.doc[list].as_array().into_iter().flatten() {
                for f in HV_FIELDS {
                    if let Some(v) = e.get(f).and_then(Value::as_f64) {
                        assert!(
                            v > 0.0 && v <= 5.0,
                            "{} {f} = {v} is reported: an HV of exactly 0 or above 5 must be null \
                             with a warning\n{}",
                            e["symbol"],
                            self.show()
                        );
                    }
                }
            }
        }
    }
}

/// `volscreen screen --source tastytrade --api-url URL --symbols SYMBOLS --json --quiet` with the
/// test config, the demo credentials and a clean environment; `--no-cache` and a throwaway cache
/// directory unless `cache` is given.
fn scan(market: &Market, cache: Option<&Path>) -> Scan {
    let work = TempDir::new("scan");
    let config_arg = work.file("volscreen.toml", CONFIG);
    let url = market.url();
    let mut args: Vec<String> = [
        "screen",
        "--source",
        "tastytrade",
        "--api-url",
        url.as_str(),
        "--symbols",
        SYMBOLS,
        "--json",
        "--quiet",
        "--config",
        config_arg.as_str(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if cache.is_none() {
        args.push("--no-cache".into());
    }
    let mut env = vec![
        // The tastytrade source dates the scan "today": fix the clock at the market's date.
        (volscreen::date::TODAY_VAR, AS_OF),
    ];
    env.extend_from_slice(&harness::DEMO_CREDS);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = harness::run(&argv, &env, cache.unwrap_or_else(|| work.path()));
    let scan = Scan {
        args,
        code: run.code,
        doc: run.json(),
        stderr: run.stderr,
    };
    assert_eq!(
        scan.code,
        0,
        "the scan completes (failed symbols are listed in errors)\n{}",
        scan.show()
    );
    for s in SYMBOL_LIST {
        scan.entry(s);
    }
    // What the scan said (shown by the harness when a test fails, or with --nocapture).
    eprintln!("{}\n", scan.show());
    scan
}

// ---------------------------------------------------------------------------------------------
// Fixtures built from the synthetic market
// ---------------------------------------------------------------------------------------------

/// The row of `symbol` in a list body.
fn row_mut<'a>(body: &'a mut Value, symbol: &str) -> &'a mut serde_json::Map<String, Value> {
    body["data"]["items"]
        .as_array_mut()
        .expect("items")
        .iter_mut()
        .find(|r| r["symbol"] == symbol)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("a row for {symbol}"))
}

/// A number or a numeric string as f64 (a warning's `value` may be either).
fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Assert the control scan has AMZN and SPY as candidates with the normal values, no warnings.
fn assert_healthy(control: &Scan) {
    for s in ["AMZN", "SPY"] {
        let (list, e) = control.entry(s);
        assert_eq!(
            list,
            "candidates",
            "control: {s} is a candidate of the healthy market\n{}",
            control.show()
        );
        assert_eq!(e["warnings"], json!([]), "control: {s} has no warnings");
    }
    control.assert_hv_plausible();
}
