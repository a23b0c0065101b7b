//! `volscreen detail` with the real binary on the demo market at `--as-of 2026-11-20`:
//!
//! - the JSON document validates against `docs/detail-output.schema.json`, and its price, IV,
//!   ranks, chain, straddle, expected move, earnings, score, signal and filter outcomes are what
//!   `screen --symbols SYM --show-all --json` reports; its verdict is the one `screen` without
//!   `--show-all` gives;
//! - the estimators and the HV cone equal HV computed here, independently, from the daily candles
//!   the demo market serves over DXLink (fetched by this test with the `fromTime` of the document's
//!   `meta.candle_history_days`);
//! - the term structure is the served per-expiration IVs (REST, fetched by this test), its slope
//!   is their least-squares slope computed here, and its sign agrees with the first and last point;
//! - an ETF, an index and a future each work (filters that do not apply are `n/a`, no earnings);
//! - an unknown symbol is exit 1 with one line and nothing on stdout; a symbol that does not
//!   normalise is exit 2; the cache never serves the screen's shorter history to `detail`;
//! - what a person sees: `detail TSLA` on a 120×60 tmux pane (`capture-pane`), asserted on and
//!   saved to `docs/captures/detail-TSLA.txt`.

use crate::harness::{self, TempDir};
use serde_json::Value;
use std::sync::OnceLock;
use volscreen::candle::Candle;
use volscreen::date::Date;
use volscreen::dxlink::{candle_symbol_for, history_from_time_ms, CandlePool, DxLinkConfig};
use volscreen::sim::{start_local, SimOptions, DEMO_SECRET};
use volscreen::tastytrade::{ClientConfig, TastytradeClient};

const AS_OF: &str = "2026-11-20";
const WINDOWS: [usize; 7] = [10, 20, 30, 60, 90, 120, 252];

/// `docs/detail-output.schema.json`, compiled once (with format checks).
fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema = harness::read_json(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/detail-output.schema.json"
        ));
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the detail schema compiles")
    })
}

fn assert_valid(doc: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

/// `volscreen ARGS` on the built-in demo market with a private cache directory.
fn run(args: &[&str]) -> harness::Run {
    let cache = TempDir::new("detail");
    harness::run(args, &[], cache.path())
}

/// `detail SYM --json` at the suite's date: exit 0, one document, valid.
fn detail_json(symbol: &str) -> Value {
    let r = run(&[
        "detail",
        symbol,
        "--json",
        "--as-of",
        AS_OF,
        "--no-cache",
        "--quiet",
    ]);
    let doc = r.expect_code(0).json();
    assert_valid(&doc);
    assert_eq!(r.stderr, "", "--quiet: nothing on stderr");
    doc
}

/// `screen --symbols LIST --json` at the suite's date (with `--show-all` when asked).
fn screen_json(list: &str, show_all: bool) -> Value {
    let mut args = vec![
        "screen",
        "--symbols",
        list,
        "--json",
        "--as-of",
        AS_OF,
        "--no-cache",
        "--quiet",
    ];
    if show_all {
        args.push("--show-all");
    }
    run(&args).expect_code(0).json()
}

/// The entry of `symbol` in a screen document and the list it is in.
fn entry<'a>(doc: &'a Value, symbol: &str) -> (&'static str, &'a Value) {
    for list in ["candidates", "rejected", "errors"] {
        if let Some(e) = harness::list(doc, list)
            .iter()
            .find(|e| e["symbol"] == symbol)
        {
            return (list, e);
        }
    }
    panic!("{symbol} is not in the screen's document")
}

/// The names (or, for `unknown` and `fail`, the details) of `doc`'s filters with `outcome`.
fn filters_with(doc: &Value, outcome: &str) -> Vec<Value> {
    let key = if outcome == "pass" || outcome == "n/a" {
        "name"
    } else {
        "detail"
    };
    harness::list(doc, "filters")
        .iter()
        .filter(|f| f["outcome"] == outcome)
        .map(|f| f[key].clone())
        .collect()
}

#[test]
fn the_document_is_valid_and_the_screens_own_numbers() {
    let symbols = ["TSLA", "AMD", "KO"];
    let all = screen_json(&symbols.join(","), true);
    let plain = screen_json(&symbols.join(","), false);
    for symbol in symbols {
        let doc = detail_json(symbol);
        let (list, e) = entry(&all, symbol);
        assert_eq!(list, "candidates", "{symbol}: --show-all gives every field");
        for field in [
            "asset_class",
            "price",
            "iv",
            "iv_rank",
            "iv_percentile",
            "liquidity_rating",
            "vrp_structural",
            "vrp_tactical",
            "iv_hv_spread",
            "vtr",
            "expiration",
            "dte",
            "atm_strike",
            "straddle_mid",
            "expected_move",
            "expected_move_method",
            "slippage",
            "earnings_date",
            "days_to_earnings",
            "earnings_before_expiration",
            "score",
            "signal",
        ] {
            assert_eq!(doc[field], e[field], "{symbol} {field}");
            if field != "earnings_date" && field != "days_to_earnings" {
                assert!(!doc[field].is_null(), "{symbol} {field} is known");
            }
        }
        for n in [20, 30, 90, 252] {
            assert_eq!(
                doc["hv"]["close_to_close"][n.to_string()],
                e[format!("hv{n}")],
                "{symbol}: close-to-close over {n} sessions is the screen's HV{n}"
            );
        }
        assert_eq!(doc["expected_move_method"], "straddle");
        assert_eq!(doc["expected_move_price"], e["straddle_mid"]);
        let f = &e["filters"];
        assert_eq!(
            filters_with(&doc, "pass"),
            harness::list(f, "passed").clone()
        );
        assert_eq!(filters_with(&doc, "n/a"), harness::list(f, "na").clone());
        assert_eq!(
            filters_with(&doc, "unknown"),
            harness::list(f, "unknown").clone()
        );
        assert_eq!(
            filters_with(&doc, "fail"),
            harness::list(f, "failed").clone()
        );
        // The verdict is what the screen decides without --show-all.
        let (list, _) = entry(&plain, symbol);
        let want = match list {
            "candidates" => "candidate",
            "rejected" => "rejected",
            _ => "error",
        };
        assert_eq!(doc["verdict"], want, "{symbol}");
        assert_eq!(doc["meta"]["as_of"], AS_OF);
        assert_eq!(doc["meta"]["source"], "demo");
        assert_eq!(doc["meta"]["profile"], "balanced");
        let stages: Vec<&str> = harness::list(&doc["meta"]["timings"], "stages")
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        for stage in ["metrics", "candles", "chains", "detail"] {
            assert!(
                stages.contains(&stage),
                "{symbol}: stage {stage} in {stages:?}"
            );
        }
        assert!(
            doc["warnings"].as_array().is_some_and(Vec::is_empty),
            "{symbol}"
        );
    }
}

/// Close-to-close HV of the `w` returns ending at close index `end` (inclusive), computed here.
fn hv_ending(closes: &[f64], end: usize, w: usize) -> f64 {
    let r: Vec<f64> = (end + 1 - w..=end)
        .map(|k| (closes[k] / closes[k - 1]).ln())
        .collect();
    let mean = r.iter().sum::<f64>() / w as f64;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (w - 1) as f64;
    (var * 252.0).sqrt()
}

/// Hyndman–Fan type 7 quantile of ascending `v`.
fn quantile(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Sessions ascending, one per candle time (the last one received wins).
fn sessions(candles: &[Candle]) -> Vec<Candle> {
    let mut v = candles.to_vec();
    v.sort_by_key(|c| c.time);
    let mut out: Vec<Candle> = Vec::new();
    for c in v {
        match out.last_mut() {
            Some(l) if l.time == c.time => *l = c,
            _ => out.push(c),
        }
    }
    out
}

fn close(a: f64, b: &Value, what: &str) {
    let b = b
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {b}"));
    assert!(
        (a - b).abs() <= 1e-12 * a.abs().max(1.0),
        "{what}: computed here {a}, reported {b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimators_and_cone_equal_hv_computed_from_the_served_candles() {
    let symbols = ["TSLA", "SPY"];
    let docs = tokio::task::spawn_blocking(move || symbols.map(detail_json))
        .await
        .expect("the detail runs");
    let days = docs[0]["meta"]["candle_history_days"]
        .as_i64()
        .expect("candle_history_days");
    assert!(
        days >= i64::from(volscreen::detail::HISTORY_DAYS),
        "detail asks for about two years, not the screen's 400 days"
    );
    let as_of: Date = AS_OF.parse().expect("a date");
    let server = start_local(SimOptions::new(as_of))
        .await
        .expect("the demo market starts");
    let client = TastytradeClient::new(ClientConfig::new(
        server.base_url(),
        DEMO_SECRET,
        DEMO_SECRET,
    ))
    .expect("a REST client");
    client.authenticate().await.expect("demo credentials");
    let qt = client.quote_token().await.expect("a quote token");
    let pool = CandlePool::connect(
        qt.dxlink_url.clone(),
        qt.token.expose(),
        DxLinkConfig::default(),
    );
    let wanted: Vec<String> = symbols
        .iter()
        .map(|s| candle_symbol_for(s).expect("a candle symbol"))
        .collect();
    let fetched = pool
        .fetch_all(wanted.clone(), history_from_time_ms(as_of, days))
        .await;
    pool.shutdown().await;
    server.shutdown().await;

    for ((symbol, candle_symbol), doc) in symbols.iter().zip(&wanted).zip(&docs) {
        let series = match fetched.get(candle_symbol) {
            Some(Ok(s)) => s,
            other => panic!("{candle_symbol}: {other:?}"),
        };
        let s = sessions(&series.candles);
        let closes: Vec<f64> = s.iter().map(|c| c.close).collect();
        let n = closes.len();
        assert_eq!(doc["history"]["sessions"], n, "{symbol}");
        assert!(
            n >= 505,
            "{symbol}: {n} sessions: the 252-session cone needs 504 closes"
        );
        for (i, &w) in WINDOWS.iter().enumerate() {
            let current = hv_ending(&closes, n - 1, w);
            close(
                current,
                &doc["hv"]["close_to_close"][w.to_string()],
                &format!("{symbol} HV{w}"),
            );
            // Windows ending on each of the last 252 closes.
            let mut hvs: Vec<f64> = (n - 252..n).map(|e| hv_ending(&closes, e, w)).collect();
            hvs.sort_by(f64::total_cmp);
            let row = &doc["cone"][i];
            assert_eq!(row["window"], w);
            assert_eq!(row["samples"], 252, "{symbol} {w}");
            let what = |stat: &str| format!("{symbol} cone {w} {stat}");
            close(current, &row["current"], &what("current"));
            close(hvs[0], &row["min"], &what("min"));
            close(quantile(&hvs, 0.25), &row["p25"], &what("p25"));
            close(quantile(&hvs, 0.5), &row["median"], &what("median"));
            close(quantile(&hvs, 0.75), &row["p75"], &what("p75"));
            close(hvs[251], &row["max"], &what("max"));
        }
        // One range estimator by hand as well: Parkinson over the last 20 sessions.
        let last: &[Candle] = &s[n - 20..];
        let sum: f64 = last.iter().map(|c| (c.high / c.low).ln().powi(2)).sum();
        let parkinson = (sum / (4.0 * 20.0 * 2f64.ln()) * 252.0).sqrt();
        close(
            parkinson,
            &doc["hv"]["parkinson"]["20"],
            &format!("{symbol} Parkinson 20"),
        );
    }
}

/// The least-squares slope of IV against dte/365 over the points 7..=365 DTE, computed here.
fn ols_slope(points: &[(i64, f64)]) -> f64 {
    let used: Vec<(f64, f64)> = points
        .iter()
        .filter(|(d, _)| (7..=365).contains(d))
        .map(|&(d, iv)| (d as f64 / 365.0, iv))
        .collect();
    let n = used.len() as f64;
    let (mt, mv) = (
        used.iter().map(|p| p.0).sum::<f64>() / n,
        used.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = used.iter().map(|(t, v)| (t - mt) * (v - mv)).sum();
    let sxx: f64 = used.iter().map(|(t, _)| (t - mt).powi(2)).sum();
    sxy / sxx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_term_slope_is_the_served_ivs_and_its_sign_agrees_with_them() {
    let symbols = ["TSLA", "AMD", "KO", "/ES"];
    let docs = tokio::task::spawn_blocking(move || symbols.map(detail_json))
        .await
        .expect("the detail runs");
    let as_of: Date = AS_OF.parse().expect("a date");
    let server = start_local(SimOptions::new(as_of))
        .await
        .expect("the demo market starts");
    let client = TastytradeClient::new(ClientConfig::new(
        server.base_url(),
        DEMO_SECRET,
        DEMO_SECRET,
    ))
    .expect("a REST client");
    client.authenticate().await.expect("demo credentials");
    let metrics = client.market_metrics(&symbols).await;
    server.shutdown().await;
    let mut shapes = Vec::new();
    for (symbol, doc) in symbols.iter().zip(&docs) {
        let m = metrics
            .get(symbol)
            .and_then(|o| o.found())
            .unwrap_or_else(|| panic!("{symbol}: metrics"));
        let mut served: Vec<(String, i64, f64)> = m
            .expiration_ivs
            .iter()
            .filter_map(|e| {
                let d = e.expiration_date?;
                let dte = i64::from(d.days_since(as_of));
                (dte >= 0).then_some((d.to_string(), dte, e.implied_volatility?))
            })
            .collect();
        served.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let reported: Vec<(String, i64, f64)> = harness::list(doc, "term_structure")
            .iter()
            .map(|p| {
                (
                    p["expiration"].as_str().unwrap_or_default().to_string(),
                    p["dte"].as_i64().unwrap_or(-1),
                    p["iv"].as_f64().unwrap_or(f64::NAN),
                )
            })
            .collect();
        assert_eq!(reported, served, "{symbol}: the served IVs, by DTE");
        let points: Vec<(i64, f64)> = served.iter().map(|p| (p.1, p.2)).collect();
        let slope = ols_slope(&points);
        close(slope, &doc["term_slope"], &format!("{symbol} slope"));
        let in_range: Vec<&(i64, f64)> = points
            .iter()
            .filter(|(d, _)| (7..=365).contains(d))
            .collect();
        let (first, last) = (in_range[0], in_range[in_range.len() - 1]);
        let shape = doc["term_shape"].as_str().unwrap_or_default().to_string();
        match shape.as_str() {
            "contango" => assert!(slope >= 0.02 && last.1 > first.1, "{symbol}"),
            "backwardation" => assert!(slope <= -0.02 && last.1 < first.1, "{symbol}"),
            "flat" => assert!(slope.abs() < 0.02, "{symbol}"),
            other => panic!("{symbol}: shape {other:?}"),
        }
        shapes.push(shape);
    }
    for both in ["contango", "backwardation"] {
        assert!(
            shapes.iter().any(|s| s == both),
            "no {both} among {shapes:?}"
        );
    }
}

#[test]
fn an_etf_an_index_and_a_future_each_work() {
    for (symbol, class) in [("SPY", "etf"), ("SPX", "index"), ("/ESZ6", "future")] {
        let doc = detail_json(symbol);
        let symbol = if class == "future" { "/ES" } else { symbol };
        assert_eq!(doc["symbol"], symbol, "a contract means its root");
        assert_eq!(doc["asset_class"], class);
        assert!(doc["earnings_date"].is_null() && doc["earnings_before_expiration"].is_null());
        let na: Vec<Value> = filters_with(&doc, "n/a");
        assert!(na.contains(&Value::from("earnings")), "{symbol}: {na:?}");
        if class == "future" {
            assert!(na.contains(&Value::from("price")), "{symbol}: {na:?}");
        }
        for key in ["price", "iv", "expected_move", "term_slope"] {
            assert!(doc[key].is_f64(), "{symbol}: {key}");
        }
        for row in harness::list(&doc, "cone") {
            assert_eq!(row["samples"], 252, "{symbol}: {row}");
        }
        assert!(doc["hv"]["yang_zhang"]["252"].is_f64(), "{symbol}");
        assert!(
            !harness::list(&doc, "term_structure").is_empty(),
            "{symbol}"
        );
        // And the text view of it.
        let text = run(&["detail", symbol, "--as-of", AS_OF, "--no-cache", "--quiet"]);
        text.expect_code(0);
        assert!(
            text.stdout
                .starts_with(&format!("{symbol} · {class} · price ")),
            "{}",
            text.stdout
        );
        assert!(text.stdout.contains("earnings none (an"), "{}", text.stdout);
        assert!(!text.stdout.contains('\x1b'), "no colour on a pipe");
    }
}

#[test]
fn an_unknown_symbol_is_exit_1_with_one_line_and_nothing_on_stdout() {
    for (symbol, json) in [("ZZZZ", false), ("ZZZZ", true), ("/XYZ6", true)] {
        let mut args = vec!["detail", symbol, "--as-of", AS_OF, "--no-cache", "--quiet"];
        if json {
            args.push("--json");
        }
        let r = run(&args);
        r.expect_code(1);
        assert_eq!(r.stdout, "", "no document for an unknown symbol");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        let shown = symbol.trim_end_matches("Z6");
        assert!(
            r.stderr.contains(shown) && r.stderr.contains("unknown symbol"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"));
    }
}

#[test]
fn a_scan_that_cannot_complete_is_exit_1_with_one_line_and_nothing_on_stdout() {
    // Nothing listens on port 1: authentication cannot happen.
    let cache = TempDir::new("detail-down");
    let r = harness::run(
        &[
            "detail",
            "TSLA",
            "--json",
            "--api-url",
            "http://127.0.0.1:1",
            "--quiet",
        ],
        &harness::DEMO_CREDS,
        cache.path(),
    );
    r.expect_code(1);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("detail TSLA could not complete: authentication failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_symbol_that_does_not_normalise_is_a_usage_error() {
    for bad in ["AAPL,TSLA", "1ABC", "", "/", "BRK.B.C"] {
        run(&["detail", bad, "--as-of", AS_OF]).expect_input_error(&["is not a symbol"]);
    }
    run(&["detail", "TSLA", "--profile", "nope", "--as-of", AS_OF])
        .expect_input_error(&["--profile"]);
    run(&["detail", "TSLA", "--as-of", "2026-13-01"]).expect_input_error(&["--as-of"]);
    run(&["detail", "TSLA", "--timeout", "0"]).expect_input_error(&["--timeout"]);
}

#[test]
fn the_cache_never_serves_the_screens_shorter_history_to_detail() {
    let cache = TempDir::new("detail-cache");
    let at = |args: &[&str]| harness::run(args, &[], cache.path());
    let common = ["--as-of", AS_OF, "--quiet", "--json"];
    let screen = |extra: &[&str]| {
        let mut a = vec!["screen", "--symbols", "TSLA", "--show-all"];
        a.extend_from_slice(&common);
        a.extend_from_slice(extra);
        at(&a).expect_code(0).json()
    };
    let detail = || {
        let mut a = vec!["detail", "TSLA"];
        a.extend_from_slice(&common);
        let doc = at(&a).expect_code(0).json();
        assert_valid(&doc);
        doc
    };
    let counter = |doc: &Value, key: &str| {
        doc["meta"]["timings"]["requests"]["per_endpoint"][key]
            .as_u64()
            .unwrap_or(0)
    };
    let first_screen = screen(&[]);
    assert_eq!(counter(&first_screen, "cache candles misses"), 1);
    // The screen's 400-day series is cached; detail must not take it for its two years.
    let cold = detail();
    assert_eq!(counter(&cold, "cache candles hits"), 0);
    assert_eq!(counter(&cold, "cache candles misses"), 1);
    let sessions = cold["history"]["sessions"].as_u64().unwrap_or(0);
    assert!(sessions >= 505, "{sessions} sessions");
    assert_eq!(cold["cone"][6]["samples"], 252);
    // Its own series is cached: the warm run reads it and says the same.
    let warm = detail();
    assert_eq!(counter(&warm, "cache candles hits"), 1);
    assert_eq!(
        counter(&warm, "dxlink subscriptions"),
        0,
        "no candle request"
    );
    let strip = |d: &Value| {
        let mut d = d.clone();
        let meta = d["meta"].as_object_mut().expect("meta");
        meta.remove("scanned_at");
        meta.remove("timings");
        d
    };
    assert_eq!(strip(&warm), strip(&cold));
    // And the screen still gets its own 400 days, with the same numbers as before.
    let second_screen = screen(&[]);
    assert_eq!(counter(&second_screen, "cache candles hits"), 1);
    assert_eq!(
        harness::without_clock(&second_screen)["candidates"],
        harness::without_clock(&first_screen)["candidates"]
    );
}

/// `detail TSLA` on a 120×60 tmux pane: the header, the cone drawn with blocks, the filters. The
/// whole output (the pane's history included) is saved to `docs/captures/detail-TSLA.txt`.
#[test]
fn what_a_person_sees_under_tmux() {
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        println!("tmux is not installed: the pseudo-terminal check of detail is skipped");
        return;
    }
    let doc = detail_json("TSLA");
    let cache = TempDir::new("detail-tmux");
    let socket = format!("volscreen-detail-{}", std::process::id());
    let tmux = |args: &[&str]| {
        let mut all = vec!["-L", socket.as_str(), "-f", "/dev/null"];
        all.extend_from_slice(args);
        harness::command("tmux", &all, &[("TERM", "xterm-256color")], cache.path())
            .output()
            .expect("run tmux")
    };
    let shell = format!(
        "{} detail TSLA --as-of {AS_OF} --no-cache --quiet; echo __END__; sleep 120",
        harness::BIN
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "60",
        "-s",
        "detail",
        &shell,
    ]);
    assert!(started.status.success(), "tmux: {started:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let screen = loop {
        let out = tmux(&["capture-pane", "-p", "-S", "-", "-t", "detail"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if text.contains("__END__") {
            break text;
        }
        if std::time::Instant::now() > deadline {
            tmux(&["kill-server"]);
            panic!("detail did not finish on the tmux pane:\n{text}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    tmux(&["kill-server"]);
    let shown: Vec<&str> = screen
        .lines()
        .take_while(|l| !l.contains("__END__"))
        .map(str::trim_end)
        .collect();
    let capture = format!("{}\n", shown.join("\n").trim_end());
    let header = format!(
        "TSLA · equity · price {:.2} · IV {:.1}% · IVR {:.1}% · IVP {:.1}% · liquidity 5",
        doc["price"].as_f64().unwrap_or(f64::NAN),
        doc["iv"].as_f64().unwrap_or(f64::NAN) * 100.0,
        doc["iv_rank"].as_f64().unwrap_or(f64::NAN) * 100.0,
        doc["iv_percentile"].as_f64().unwrap_or(f64::NAN) * 100.0,
    );
    assert_eq!(shown[0], header, "{capture}");
    // The cone: a row per window with the year's range, the box and the current HV.
    for w in WINDOWS {
        let row = shown
            .iter()
            .find(|l| l.starts_with(&format!("{:>5}  ", format!("{w}d"))) && l.contains('▕'))
            .unwrap_or_else(|| panic!("no cone row for {w}:\n{capture}"));
        for c in ['▕', '▏', '█', '●'] {
            assert!(row.contains(c), "{c} in {row}");
        }
        assert!(row.chars().count() <= 120, "{row}");
        let current = doc["cone"]
            .as_array()
            .and_then(|c| c.iter().find(|r| r["window"] == w))
            .and_then(|r| r["current"].as_f64())
            .unwrap_or(f64::NAN);
        let pct = format!("{:.1}%", current * 100.0);
        assert!(row.contains(&pct), "{row} lacks {pct}");
    }
    let vrp = shown
        .iter()
        .find(|l| l.contains("vrp_structural") && l.trim_start().starts_with('✓'))
        .unwrap_or_else(|| panic!("no passing vrp_structural line:\n{capture}"));
    let want = format!(
        "vrp_structural {:.2} > 1.10",
        doc["vrp_structural"].as_f64().unwrap_or(f64::NAN)
    );
    assert!(vrp.contains(&want), "{vrp} lacks {want}");
    assert!(capture.contains("◀ chosen"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/captures/detail-TSLA.txt");
    std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/captures"))
        .expect("docs/captures");
    std::fs::write(path, capture).expect("write the capture");
}
