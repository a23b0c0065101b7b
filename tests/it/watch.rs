//! `volscreen screen --watch SECS`: passes in one process against a demo market the test runs
//! (`--api-url`, demo credentials), read from the market's own counters (`/__sim/stats`) and from
//! each pass's document (`meta.pass`, `meta.entered`, `meta.left`, per-pass request counts).
//!
//! - A second pass of the same day makes no candle subscription, no chain request, no token or
//!   quote-token request and opens no DXLink connection, and says what the first said.
//! - A market moved to the next trading day between passes (`SimState::move_to`, the day the
//!   binary scans moved with `VOLSCREEN_TODAY_FILE`): each pass equals an independent one-shot scan
//!   of its day, and `entered`/`left` are the set differences of those scans' candidates.
//! - A pipe gets one table per pass; a pass that could not complete (nothing listening) does not
//!   end the watch; a refused credential does (exit 1); Ctrl-C between passes exits 130; bad
//!   `--watch`/`--passes` values exit 2.
//! - What a person sees: a watch on a tmux pane is redrawn in place (one table, the last pass's
//!   status line); the screen is saved to `docs/captures/watch.txt`.

use crate::harness::{self, list, Market, Run, TempDir, BIN, DEMO_CREDS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use volscreen::date::{Date, TODAY_FILE_VAR, TODAY_VAR};

/// The first day, and the next trading day: the 40 first symbols of the built-in list give
/// different candidates on them (NVDA enters, NDX and QQQ leave).
const DAY_A: &str = "2026-11-20";
const DAY_B: &str = "2026-11-23";
const N: &str = "40";

fn date(s: &str) -> Date {
    s.parse().expect("a date")
}

/// `screen N ARGS --api-url URL --no-cache --quiet` with the demo credentials and `env`.
fn screen_args<'a>(url: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["screen", N];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--api-url", url, "--no-cache", "--quiet"]);
    all
}

fn env_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = DEMO_CREDS.to_vec();
    env.extend_from_slice(extra);
    env
}

/// Every line of stdout as a JSON document, each valid against the schema.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| {
            let doc: Value = serde_json::from_str(l).unwrap_or_else(|e| {
                panic!("{:?}: not one JSON document per line ({e}):\n{l}", run.args)
            });
            harness::assert_schema_valid(&doc);
            doc
        })
        .collect()
}

fn candidates(doc: &Value) -> Vec<String> {
    list(doc, "candidates")
        .iter()
        .map(|c| c["symbol"].as_str().expect("symbol").to_string())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is an array"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// A pass's request counter (`meta.timings.requests.per_endpoint`), 0 when absent.
fn count(doc: &Value, key: &str) -> u64 {
    doc["meta"]["timings"]["requests"]["per_endpoint"][key]
        .as_u64()
        .unwrap_or(0)
}

/// `doc` without its clock and its watch fields: what a one-shot scan of the same data prints.
fn as_one_shot(doc: &Value) -> Value {
    let mut d = harness::without_clock(doc);
    let meta = d["meta"].as_object_mut().expect("meta");
    for key in ["pass", "entered", "left"] {
        meta.remove(key);
    }
    d
}

/// What the market served so far at `endpoint` (`/__sim/stats`).
fn served(market: &Market, endpoint: &str) -> u64 {
    market.stats()["endpoints"][endpoint]["requests"]
        .as_u64()
        .unwrap_or(0)
}

/// A one-shot `--json` scan of `day` against a fresh market of that day.
fn one_shot(day: &str) -> Value {
    let market = Market::on(date(day));
    let cache = TempDir::new("watch-one-shot");
    let url = market.url();
    let args = screen_args(&url, &["--json"]);
    let run = harness::run(&args, &env_with(&[(TODAY_VAR, day)]), cache.path());
    let doc = run.expect_code(0).json();
    assert!(
        doc["meta"].get("pass").is_none(),
        "no watch fields in a one-shot scan"
    );
    doc
}

#[test]
fn a_second_pass_of_the_same_day_reuses_tokens_connections_candles_and_chains() {
    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-warm");
    let url = market.url();
    let args = screen_args(&url, &["--json", "--watch", "0.2", "--passes", "2"]);
    let run = harness::run(&args, &env_with(&[(TODAY_VAR, DAY_A)]), cache.path());
    let docs = json_lines(run.expect_code(0));
    assert_eq!(docs.len(), 2, "one JSON line per pass:\n{}", run.stdout);
    let (first, second) = (&docs[0], &docs[1]);
    assert_eq!(first["meta"]["pass"], 1);
    assert_eq!(second["meta"]["pass"], 2);
    // Pass 1: every candidate entered; nothing changed in a market that did not move.
    assert_eq!(strings(&first["meta"]["entered"]), candidates(first));
    assert!(strings(&first["meta"]["left"]).is_empty());
    assert!(!candidates(first).is_empty());
    assert!(strings(&second["meta"]["entered"]).is_empty());
    assert!(strings(&second["meta"]["left"]).is_empty());
    assert_eq!(
        as_one_shot(second),
        as_one_shot(first),
        "the same data, the same result"
    );
    assert_eq!(as_one_shot(first), harness::without_clock(&one_shot(DAY_A)));
    // Pass 1 fetched candles and chains; pass 2 only the batched requests and the ATM quotes.
    let subscriptions = count(first, "dxlink subscriptions");
    let chains = count(first, "/option-chains/{symbol}/nested")
        + count(first, "/futures-option-chains/{code}/nested");
    assert!(
        subscriptions > 0 && chains > 0,
        "{}",
        first["meta"]["timings"]
    );
    for key in [
        "dxlink subscriptions",
        "dxlink candles",
        "dxlink connections",
        "/option-chains/{symbol}/nested",
        "/futures-option-chains/{code}/nested",
        "/instruments/futures",
        "/oauth/token",
        "/api-quote-tokens",
    ] {
        assert_eq!(
            count(second, key),
            0,
            "pass 2 {key}: {}",
            second["meta"]["timings"]
        );
    }
    assert!(count(second, "/market-metrics") > 0);
    assert!(count(second, "/market-data/by-type") > 0);
    assert!(
        count(second, "dxlink quotes") > 0,
        "quotes are live at every pass"
    );
    assert_eq!(count(first, "cache candles hits"), 0);
    assert_eq!(
        count(second, "cache candles hits"),
        count(first, "cache candles misses"),
        "every history from memory, with --no-cache"
    );
    // The market agrees: one token, one quote token, one pool of connections, the candle
    // snapshots and chains of pass 1 only.
    let stats = market.stats();
    assert_eq!(stats["oauth"]["grants"], 1, "{stats}");
    assert_eq!(stats["oauth"]["quote_tokens"], 1, "{stats}");
    assert_eq!(
        stats["dxlink"]["connections"].as_u64(),
        Some(count(first, "dxlink connections")),
        "{stats}"
    );
    assert_eq!(stats["dxlink"]["snapshots"].as_u64(), Some(subscriptions));
    assert_eq!(
        served(&market, "option-chains-nested") + served(&market, "futures-option-chains-nested"),
        chains
    );
    assert_eq!(
        served(&market, "market-metrics"),
        count(first, "/market-metrics") + count(second, "/market-metrics"),
        "each pass asks for the metrics"
    );
}

/// The child's stdout, line by line as they come.
struct Lines {
    child: Child,
    reader: BufReader<std::process::ChildStdout>,
}

impl Lines {
    fn spawn(args: &[&str], env: &[(&str, &str)], cache: &std::path::Path) -> Lines {
        let mut child = harness::command(BIN, args, env, cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn volscreen");
        let reader = BufReader::new(child.stdout.take().expect("stdout"));
        Lines { child, reader }
    }

    /// The next line (without its newline); panics at the end of the output.
    fn next(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("read stdout");
        assert!(n > 0, "stdout ended early");
        line.trim_end_matches('\n').to_string()
    }

    /// Wait for the exit; the exit code and stderr.
    fn finish(mut self) -> (i32, String) {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.reader, &mut rest).expect("read stdout");
        assert_eq!(rest, "", "nothing more on stdout");
        let out = self.child.wait_with_output().expect("wait for volscreen");
        let code = out.status.code().expect("an exit code, not a signal");
        (code, String::from_utf8_lossy(&out.stderr).to_string())
    }
}

#[test]
fn entered_and_left_follow_a_market_that_moved_to_the_next_day() {
    let a = one_shot(DAY_A);
    let b = one_shot(DAY_B);
    let (ca, cb) = (candidates(&a), candidates(&b));
    let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
        (ca.iter().collect(), cb.iter().collect());
    let want_entered: Vec<String> = cb.iter().filter(|s| !sa.contains(s)).cloned().collect();
    let want_left: Vec<String> = ca.iter().filter(|s| !sb.contains(s)).cloned().collect();
    assert!(
        !want_entered.is_empty() && !want_left.is_empty(),
        "the days must differ both ways: {ca:?} → {cb:?}"
    );

    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-move");
    let today = cache.file("today.txt", DAY_A);
    let url = market.url();
    // Passes 5 s apart, start to start: the market moves as soon as pass 1 is printed, long
    // before pass 2 starts (pass 2's `as_of` proves it did).
    let args = screen_args(&url, &["--json", "--watch", "5", "--passes", "2"]);
    let env = env_with(&[(TODAY_FILE_VAR, today.as_str())]);
    let mut lines = Lines::spawn(&args, &env, cache.path());
    let first: Value = serde_json::from_str(&lines.next()).expect("pass 1 is JSON");
    std::fs::write(&today, DAY_B).expect("move the binary's day");
    market.server().state.move_to(date(DAY_B));
    let second: Value = serde_json::from_str(&lines.next()).expect("pass 2 is JSON");
    let (code, stderr) = lines.finish();
    assert_eq!(code, 0, "{stderr}");
    harness::assert_schema_valid(&first);
    harness::assert_schema_valid(&second);
    assert_eq!(first["meta"]["as_of"], DAY_A);
    assert_eq!(
        second["meta"]["as_of"], DAY_B,
        "pass 2 started before the test moved the market"
    );
    assert_eq!(as_one_shot(&first), harness::without_clock(&a));
    assert_eq!(as_one_shot(&second), harness::without_clock(&b));
    assert_eq!(strings(&second["meta"]["entered"]), want_entered);
    assert_eq!(strings(&second["meta"]["left"]), want_left);
    // A new day: its candles and chains are fetched again (the memory is of one day).
    assert!(count(&second, "dxlink subscriptions") > 0);
    assert_eq!(count(&second, "/oauth/token"), 0, "the token is still good");
}

#[test]
fn a_pipe_gets_one_table_per_pass() {
    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-pipe");
    let url = market.url();
    let args = screen_args(&url, &["--watch", "0.2", "--passes", "2", "--top", "3"]);
    let run = harness::run(&args, &env_with(&[(TODAY_VAR, DAY_A)]), cache.path());
    run.expect_code(0);
    let out = &run.stdout;
    assert!(
        !out.contains('\x1b'),
        "no escape sequences on a pipe:\n{out}"
    );
    let passes: Vec<&str> = out
        .split("\n\n")
        .filter(|p| p.starts_with("volscreen watch"))
        .collect();
    assert_eq!(passes.len(), 2, "two passes, a blank line apart:\n{out}");
    assert!(
        passes[0].starts_with("volscreen watch · pass 1 · "),
        "{out}"
    );
    assert!(
        passes[1].starts_with("volscreen watch · pass 2 · "),
        "{out}"
    );
    assert!(passes[1]
        .lines()
        .next()
        .unwrap_or("")
        .contains("last pass · 0 entered (+) · 0 left"));
    assert_eq!(out.matches("symbols scanned in").count(), 2, "{out}");
    assert_eq!(
        out.matches("\n #   symbol").count(),
        2,
        "a table per pass:\n{out}"
    );
}

#[test]
fn a_pass_that_could_not_complete_does_not_end_the_watch() {
    // Nothing listens on the port during pass 1; the market starts there before pass 2.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let cache = TempDir::new("watch-down");
    let args = screen_args(&url, &["--json", "--watch", "6", "--passes", "2"]);
    let mut lines = Lines::spawn(&args, &env_with(&[(TODAY_VAR, DAY_A)]), cache.path());
    let first: Value = serde_json::from_str(&lines.next()).expect("pass 1 is JSON");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let server = rt
        .block_on(volscreen::sim::start(
            volscreen::sim::SimOptions::new(date(DAY_A)),
            addr,
        ))
        .expect("the market starts on the port");
    let second: Value = serde_json::from_str(&lines.next()).expect("pass 2 is JSON");
    let (code, stderr) = lines.finish();
    rt.block_on(server.shutdown());
    harness::assert_schema_valid(&first);
    assert_eq!(first["meta"]["complete"], false, "{}", first["meta"]);
    assert!(candidates(&first).is_empty());
    assert!(
        stderr.contains("pass 1 could not complete")
            && stderr.contains("the next pass tries again"),
        "{stderr}"
    );
    assert_eq!(code, 0, "the last pass completed: {stderr}");
    assert_eq!(second["meta"]["complete"], true, "{}", second["meta"]);
    assert_eq!(
        as_one_shot(&second),
        harness::without_clock(&one_shot(DAY_A))
    );
    assert_eq!(strings(&second["meta"]["entered"]), candidates(&second));
}

#[test]
fn a_refused_credential_ends_the_watch() {
    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-refused");
    let url = market.url();
    let args = screen_args(&url, &["--json", "--watch", "0.2", "--passes", "3"]);
    let env = [
        ("TASTYTRADE_REFRESH_TOKEN", "not-the-demo-token"),
        ("TASTYTRADE_CLIENT_SECRET", "not-the-demo-secret"),
        (TODAY_VAR, DAY_A),
    ];
    let run = harness::run(&args, &env, cache.path());
    run.expect_code(1);
    let docs = json_lines(&run);
    assert_eq!(docs.len(), 1, "no pass after the refusal:\n{}", run.stdout);
    assert_eq!(docs[0]["meta"]["complete"], false);
    assert!(
        run.stderr.contains("the watch ends after pass 1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("authentication failed"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not-the-demo"),
        "no secret in errors: {}",
        run.stderr
    );
    assert_eq!(market.stats()["oauth"]["grants"], 0);
}

#[test]
fn ctrl_c_between_passes_exits_130() {
    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-sigint");
    let url = market.url();
    // Were the signal not to end the wait, pass 2 would come a minute later and exit 0.
    let args = screen_args(&url, &["--json", "--watch", "60", "--passes", "2"]);
    let mut lines = Lines::spawn(&args, &env_with(&[(TODAY_VAR, DAY_A)]), cache.path());
    let first: Value = serde_json::from_str(&lines.next()).expect("pass 1 is JSON");
    assert_eq!(first["meta"]["pass"], 1);
    let killed = Command::new("kill")
        .args(["-INT", &lines.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let (code, stderr) = lines.finish();
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("interrupted after pass 1"), "{stderr}");
}

#[test]
fn ctrl_c_during_a_pass_prints_its_partial_result_and_exits_130() {
    // Pass 1 of 500 symbols under the seed latency takes longer than the interval, so pass 2
    // starts at once and is still asking for metrics when the signal comes.
    let cache = TempDir::new("watch-sigint-pass");
    let args = [
        "screen",
        "500",
        "--json",
        "--watch",
        "0.1",
        "--source",
        "demo",
        "--as-of",
        DAY_A,
        "--latency",
        "seed",
        "--no-cache",
        "--quiet",
    ];
    let mut lines = Lines::spawn(&args, &[], cache.path());
    let first: Value = serde_json::from_str(&lines.next()).expect("pass 1 is JSON");
    assert_eq!(first["meta"]["complete"], true);
    let killed = Command::new("kill")
        .args(["-INT", &lines.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let second: Value = serde_json::from_str(&lines.next()).expect("pass 2 is JSON");
    let (code, stderr) = lines.finish();
    assert_eq!(code, 130, "{stderr}");
    harness::assert_schema_valid(&second);
    assert_eq!(second["meta"]["pass"], 2);
    assert_eq!(second["meta"]["complete"], false, "{}", second["meta"]);
    let reason = second["meta"]["incomplete_reason"].as_str().unwrap_or("");
    assert!(reason.contains("interrupted"), "{reason}");
    let undecided = list(&second, "errors")
        .iter()
        .filter(|e| e["stage"] == "interrupted")
        .count();
    assert!(undecided > 0, "pass 2 was over before the signal");
    assert!(stderr.contains("volscreen: interrupted"), "{stderr}");
}

#[test]
fn bad_watch_values_are_usage_errors() {
    let cache = TempDir::new("watch-usage");
    for (args, needle) in [
        (vec!["--watch", "0"], "--watch 0"),
        (vec!["--watch=-1"], "--watch -1"),
        (vec!["--watch", "86401"], "at most 86400"),
        (vec!["--watch", "nan"], "--watch NaN"),
        (vec!["--watch", "inf"], "--watch inf"),
        (
            vec!["--watch", "1", "--passes", "0"],
            "--passes must be at least 1",
        ),
        (vec!["--passes", "2"], "--passes applies to --watch"),
        (vec!["--watch", "1", "--csv"], "not --csv"),
    ] {
        let mut all = vec!["screen", "5", "--source", "demo"];
        all.extend_from_slice(&args);
        harness::run(&all, &[], cache.path()).expect_input_error(&[needle]);
    }
    let run = harness::run(&["screen", "--watch", "soon"], &[], cache.path());
    run.expect_code(2);
    assert_eq!(run.stdout, "");
}

/// A watch on a 160×50 tmux pane, two passes 4 s apart, the market moved to the next day after
/// the first: the pane shows one table, the second pass's, under its status line (each pass
/// redraws the screen in place), with `+` before the symbol that entered and a line naming those
/// that left. The screen is saved to `docs/captures/watch.txt` when it differs from the saved one
/// other than in the time of day and the scan's duration.
#[test]
fn what_a_person_sees_under_tmux() {
    if Command::new("tmux")
        .arg("-V")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        println!("tmux is not installed: the pseudo-terminal check of --watch is skipped");
        return;
    }
    let (ca, cb) = (candidates(&one_shot(DAY_A)), candidates(&one_shot(DAY_B)));
    let market = Market::on(date(DAY_A));
    let cache = TempDir::new("watch-tmux");
    let today = cache.file("today.txt", DAY_A);
    let socket = format!("volscreen-watch-{}", std::process::id());
    let mut env = env_with(&[(TODAY_FILE_VAR, today.as_str())]);
    env.push(("TERM", "xterm-256color"));
    let tmux = |args: &[&str]| {
        let mut all = vec!["-L", socket.as_str(), "-f", "/dev/null"];
        all.extend_from_slice(args);
        harness::command("tmux", &all, &env, cache.path())
            .output()
            .expect("run tmux")
    };
    let shell = format!(
        "{BIN} screen {N} --watch 4 --passes 2 --api-url {} --no-cache; echo __END__ $?; sleep 120",
        market.url()
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "160",
        "-y",
        "50",
        "-s",
        "watch",
        &shell,
    ]);
    assert!(started.status.success(), "tmux: {started:?}");
    let pane = |until: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let out = tmux(&["capture-pane", "-p", "-t", "watch"]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if text.contains(until) {
                return text;
            }
            if Instant::now() > deadline {
                tmux(&["kill-server"]);
                panic!("no {until:?} on the tmux pane:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let first = pane("volscreen watch · pass 1 · ");
    std::fs::write(&today, DAY_B).expect("move the binary's day");
    market.server().state.move_to(date(DAY_B));
    let screen = pane("__END__");
    tmux(&["kill-server"]);
    assert!(first.contains(" UTC · next in "), "{first}");
    let shown: Vec<&str> = screen
        .lines()
        .take_while(|l| !l.contains("__END__"))
        .map(str::trim_end)
        .collect();
    let capture = format!("{}\n", shown.join("\n").trim_end());
    assert!(
        screen.contains("__END__ 0"),
        "exit 0 after 2 passes:\n{screen}"
    );
    let entered: Vec<&String> = cb.iter().filter(|s| !ca.contains(s)).collect();
    let left: Vec<&str> = ca
        .iter()
        .filter(|s| !cb.contains(s))
        .map(String::as_str)
        .collect();
    let status = format!(
        " UTC · last pass · {} entered (+) · {} left",
        entered.len(),
        left.len()
    );
    assert!(
        shown[0].starts_with("volscreen watch · pass 2 · ") && shown[0].ends_with(&status),
        "the status line on top:\n{capture}"
    );
    assert_eq!(
        capture.matches("volscreen watch · ").count(),
        1,
        "pass 1 was redrawn over:\n{capture}"
    );
    assert_eq!(
        capture
            .matches("volscreen 0.1.0 · source tastytrade")
            .count(),
        1,
        "{capture}"
    );
    assert!(capture.contains(&format!("as of {DAY_B}")), "{capture}");
    assert_eq!(
        capture.matches(" #   symbol").count(),
        1,
        "one table:\n{capture}"
    );
    // Each candidate's row, in rank order, `+` on those that entered.
    let rows: Vec<&str> = shown
        .iter()
        .skip_while(|l| !l.trim_start().starts_with("#   symbol"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    let want: Vec<String> = cb
        .iter()
        .map(|s| match entered.contains(&s) {
            true => format!("+{s}"),
            false => s.clone(),
        })
        .collect();
    assert_eq!(rows, want, "{capture}");
    let left_line = format!("left since pass 1: {}", left.join(", "));
    assert!(
        shown.contains(&left_line.as_str()),
        "{left_line}:\n{capture}"
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/captures/watch.txt");
    // What changes from run to run: the time of day and how long the scan took.
    let masked = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("volscreen watch") && !l.contains(" symbols scanned in "))
            .map(str::to_string)
            .collect()
    };
    let saved = std::fs::read_to_string(path).unwrap_or_default();
    if masked(&saved) != masked(&capture) {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/captures"))
            .expect("docs/captures");
        std::fs::write(path, capture).expect("write the capture");
    }
}
