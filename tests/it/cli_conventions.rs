//! What a command-line user expects, through the real binary: shell completions and man pages
//! generated from the clap definition, `--color auto|always|never` with `NO_COLOR` and
//! `TERM=dumb` (piped, and on a pseudo-terminal made by `script`), the user config at the XDG
//! location, the column legend (`volscreen columns`) against the header the table prints, and the
//! CSV's numbers (no float noise; `--csv-percent` against the JSON document of the same scan).
//!
//! Scans run on the built-in demo market as of [`AS_OF`], without the cache.

use crate::harness::{self, Run, TempDir};
use clap::CommandFactory;
use serde_json::Value;
use std::collections::BTreeMap;
use volscreen::cli::Cli;
use volscreen::model::Signal;
use volscreen::report;

const AS_OF: &str = "2026-11-20";

/// `volscreen ARGS` in a clean environment plus `env`, with a private cache directory.
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let cache = TempDir::new("conv");
    let mut all = vec![(volscreen::date::TODAY_VAR, AS_OF)];
    all.extend_from_slice(env);
    harness::run(args, &all, cache.path())
}

/// `volscreen screen ARGS --as-of AS_OF --no-cache --quiet` with `env`.
fn screen(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["screen"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--as-of", AS_OF, "--no-cache", "--quiet"]);
    run(&all, env)
}

fn has_ansi(s: &str) -> bool {
    s.contains('\u{1b}')
}

// ---------------------------------------------------------------------------------------------
// Completions and man pages
// ---------------------------------------------------------------------------------------------

#[test]
fn bash_completion_names_the_commands_and_flags_and_is_valid_bash() {
    let r = run(&["completions", "bash"], &[]);
    r.expect_code(0);
    for needle in [
        "screen",
        "--watchlist",
        "--color",
        "--csv-percent",
        "columns",
    ] {
        assert!(r.stdout.contains(needle), "bash completion lacks {needle}");
    }
    let dir = TempDir::new("bash");
    let file = dir.file("volscreen.bash", &r.stdout);
    let check = std::process::Command::new("bash")
        .args(["-n", &file])
        .output()
        .expect("run bash -n");
    assert!(
        check.status.success(),
        "bash -n refuses the script: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Sourced, it registers the completion function.
    let sourced = std::process::Command::new("bash")
        .args(["-c", &format!("source {file} && complete -p volscreen")])
        .output()
        .expect("run bash");
    let said = String::from_utf8_lossy(&sourced.stdout);
    assert!(said.contains("_volscreen"), "{said}");
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_shell_is_a_usage_error() {
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let r = run(&["completions", shell], &[]);
        r.expect_code(0);
        assert!(
            r.stdout.contains("screen") && r.stdout.contains("watchlist"),
            "{shell}"
        );
    }
    let r = run(&["completions", "tcsh"], &[]);
    r.expect_code(2);
    assert_eq!(r.stdout, "");
}

/// The long flags of `screen` a user sees (not hidden), from the clap definition.
fn screen_flags() -> Vec<String> {
    let cmd = Cli::command();
    let screen = cmd.find_subcommand("screen").expect("a screen command");
    screen
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

#[test]
fn man_pages_have_a_title_the_commands_and_every_screen_flag() {
    let main = run(&["man"], &[]);
    main.expect_code(0);
    assert!(main.stdout.contains(".TH volscreen 1"), "{}", main.stdout);
    for sub in ["screen", "cache", "columns", "completions"] {
        assert!(
            main.stdout.contains(&format!("volscreen\\-{sub}(1)")),
            "the main page lists {sub}"
        );
    }
    let page = run(&["man", "screen"], &[]);
    page.expect_code(0);
    assert!(page.stdout.contains(".TH volscreen-screen 1"));
    let flags = screen_flags();
    assert!(flags.len() > 15, "{flags:?}");
    for flag in flags {
        // roff escapes every `-`.
        let escaped = format!("\\-\\-{}", flag.replace('-', "\\-"));
        assert!(page.stdout.contains(&escaped), "man screen lacks --{flag}");
    }
    let nested = run(&["man", "cache", "stats"], &[]);
    nested.expect_code(0);
    assert!(nested.stdout.contains(".TH volscreen-cache-stats 1"));
    run(&["man", "scren"], &[]).expect_input_error(&["\"scren\"", "screen"]);
}

// ---------------------------------------------------------------------------------------------
// --color
// ---------------------------------------------------------------------------------------------

const SCAN: [&str; 3] = ["20", "--show-all", "--top"];

#[test]
fn color_always_colours_a_pipe_and_auto_and_never_do_not() {
    fn args(when: &str) -> [&str; 6] {
        [SCAN[0], SCAN[1], SCAN[2], "5", "--color", when]
    }
    let always = screen(&args("always"), &[]);
    always.expect_code(0);
    assert!(has_ansi(&always.stdout), "{}", always.stdout);
    for (when, env) in [
        ("never", vec![]),
        ("auto", vec![]),
        ("auto", vec![("NO_COLOR", "1")]),
        ("auto", vec![("TERM", "dumb")]),
    ] {
        let r = screen(&args(when), &env);
        r.expect_code(0);
        assert!(!has_ansi(&r.stdout), "--color {when} {env:?}: {}", r.stdout);
        assert!(r.stdout.contains("signal"), "a table was printed");
    }
    let default = screen(&[SCAN[0], SCAN[1], SCAN[2], "5"], &[]);
    assert!(!has_ansi(&default.stdout), "the default on a pipe is plain");
    // JSON and CSV are never coloured.
    for format in ["--json", "--csv"] {
        let r = screen(&[SCAN[0], SCAN[1], format, "--color", "always"], &[]);
        r.expect_code(0);
        assert!(!has_ansi(&r.stdout), "{format}");
    }
    screen(&["5", "--color", "sometimes"], &[]).expect_code(2);
}

/// `volscreen ARGS` on a pseudo-terminal (util-linux `script`), in a clean environment plus
/// `env`: what the terminal showed.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let cache = TempDir::new("pty");
    let quoted: Vec<String> = std::iter::once(harness::BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect();
    let mut all = vec![(volscreen::date::TODAY_VAR, AS_OF), ("COLUMNS", "250")];
    all.extend_from_slice(env);
    let out = harness::command(
        "script",
        &["-qec", &quoted.join(" "), "/dev/null"],
        &all,
        cache.path(),
    )
    .output()
    .expect("run script (util-linux)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn on_a_terminal_auto_colours_unless_no_color_or_a_dumb_terminal() {
    let args = [
        "screen",
        "20",
        "--show-all",
        "--top",
        "5",
        "--as-of",
        AS_OF,
        "--no-cache",
        "--quiet",
    ];
    let shown = on_terminal(&args, &[("TERM", "xterm-256color")]);
    assert!(shown.contains("signal"), "{shown}");
    assert!(has_ansi(&shown), "a terminal gets colour:\n{shown}");
    for env in [
        [("TERM", "xterm-256color"), ("NO_COLOR", "1")],
        [("TERM", "dumb"), ("NO_COLOR", "")],
    ] {
        let shown = on_terminal(&args, &env);
        assert!(shown.contains("signal"), "{shown}");
        assert!(!has_ansi(&shown), "{env:?}:\n{shown}");
    }
    let mut never = args.to_vec();
    never.extend(["--color", "never"]);
    assert!(!has_ansi(&on_terminal(
        &never,
        &[("TERM", "xterm-256color")]
    )));
}

// ---------------------------------------------------------------------------------------------
// The user config at the XDG location
// ---------------------------------------------------------------------------------------------

fn candidates(r: &Run) -> Vec<String> {
    r.expect_code(0);
    harness::list(&r.json(), "candidates")
        .iter()
        .map(|c| c["symbol"].as_str().unwrap_or_default().to_string())
        .collect()
}

const STRICT: &str =
    "# stricter than the built-in balanced profile\n[filters]\niv_percentile_min = 0.9\n";

#[test]
fn a_user_config_at_the_xdg_location_changes_the_verdicts_and_config_replaces_it() {
    let base = candidates(&screen(&["60", "--json"], &[]));
    assert!(base.len() >= 3, "the default scan has candidates: {base:?}");

    let xdg = TempDir::new("xdg");
    let home = xdg.path().to_str().unwrap();
    // Absent file: the defaults.
    let absent = screen(&["60", "--json"], &[("XDG_CONFIG_HOME", home)]);
    assert_eq!(candidates(&absent), base);

    xdg.file("volscreen/config.toml", STRICT);
    let strict = screen(&["60", "--json"], &[("XDG_CONFIG_HOME", home)]);
    let doc = strict.json();
    let kept = candidates(&strict);
    assert!(kept.len() < base.len(), "{kept:?} vs {base:?}");
    for c in harness::list(&doc, "candidates") {
        let ivp = c["iv_percentile"].as_f64().unwrap();
        assert!(ivp >= 0.9, "{} passed with IVP {ivp}", c["symbol"]);
    }
    let dropped: Vec<&String> = base.iter().filter(|s| !kept.contains(s)).collect();
    for r in harness::list(&doc, "rejected") {
        if dropped.iter().any(|s| r["symbol"] == s.as_str()) {
            let reasons = r["reasons"].to_string();
            assert!(reasons.contains("iv_percentile"), "{reasons}");
        }
    }

    // `--config FILE` replaces the user config: its file alone is read on top of the built-in.
    let other = xdg.file("other.toml", "[scan]\ntimeout_secs = 50\n");
    let replaced = screen(
        &["60", "--json", "--config", &other],
        &[("XDG_CONFIG_HOME", home)],
    );
    assert_eq!(candidates(&replaced), base);
}

#[test]
fn without_xdg_config_home_the_user_config_is_under_home() {
    let home = TempDir::new("home");
    home.file(".config/volscreen/config.toml", STRICT);
    let cache = TempDir::new("home-cache");
    let args = [
        "screen",
        "60",
        "--json",
        "--as-of",
        AS_OF,
        "--no-cache",
        "--quiet",
    ];
    let mut cmd = harness::command(
        harness::BIN,
        &args,
        &[(volscreen::date::TODAY_VAR, AS_OF)],
        cache.path(),
    );
    cmd.env_remove("XDG_CONFIG_HOME").env("HOME", home.path());
    let r = Run::from_output(&args, cmd.output().expect("run volscreen"));
    let doc = r.json();
    for c in harness::list(&doc, "candidates") {
        assert!(c["iv_percentile"].as_f64().unwrap() >= 0.9, "{c}");
    }
    let base = candidates(&screen(&["60", "--json"], &[]));
    assert!(candidates(&r).len() < base.len());
}

#[test]
fn a_malformed_user_config_is_a_usage_error_naming_the_file_and_line() {
    let xdg = TempDir::new("xdg-bad");
    let path = xdg.file(
        "volscreen/config.toml",
        "[filters]\n# a comment\nvrp_structural_min = \"high\"\n",
    );
    let env = [("XDG_CONFIG_HOME", xdg.path().to_str().unwrap())];
    screen(&["5"], &env).expect_input_error(&[&format!("{path}:3:")]);
    // An out-of-range duration is named with its line too.
    let path = xdg.file("volscreen/config.toml", "[rest]\n\ntimeout_secs = 1e300\n");
    screen(&["5"], &env).expect_input_error(&[&format!("{path}:3:"), "timeout_secs"]);
    // A user config that is a directory cannot be read.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    screen(&["5"], &env).expect_input_error(&[&path]);
    // `--config` wins over a broken user config: it is not read at all.
    let fine = xdg.file("fine.toml", "");
    screen(&["5", "--json", "--config", &fine], &env).expect_code(0);
}

// ---------------------------------------------------------------------------------------------
// The column legend
// ---------------------------------------------------------------------------------------------

/// The titles of the table the binary prints (a pipe: every column), read off its header line.
fn printed_titles() -> Vec<String> {
    let r = screen(&["20", "--show-all", "--top", "3"], &[]);
    r.expect_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let rule = lines
        .iter()
        .position(|l| l.trim_start().starts_with('─'))
        .expect("the header's rule");
    lines[rule - 1]
        .split("  ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn columns_explains_every_printed_column_csv_field_and_signal() {
    let titles = printed_titles();
    assert_eq!(titles, report::table::column_titles(), "read the header");
    let legend = run(&["columns"], &[]);
    legend.expect_code(0);
    for t in &titles {
        assert!(
            legend
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("  {t} "))),
            "no line explains {t:?}"
        );
    }
    let csv = screen(&["20", "--show-all", "--csv"], &[]);
    let header = csv.stdout.lines().next().unwrap_or_default();
    let words: Vec<&str> = legend
        .stdout
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    for column in header.split(',') {
        assert!(words.contains(&column), "the legend lacks {column}");
    }
    for s in Signal::ALL {
        assert!(
            legend
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("  {s} "))),
            "{s}"
        );
    }
    // `volscreen help columns` shows the same legend; screen's help points to it.
    let help = run(&["help", "columns"], &[]);
    help.expect_code(0);
    assert!(help.stdout.contains(legend.stdout.trim_end()));
    let screen_help = run(&["screen", "--help"], &[]);
    assert!(screen_help.stdout.contains("volscreen columns"));
}

// ---------------------------------------------------------------------------------------------
// CSV numbers
// ---------------------------------------------------------------------------------------------

/// The CSV's rows as maps from column name to cell.
fn csv_rows(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Decimals of a number cell (`None` when it is not a plain decimal number).
fn decimals(cell: &str) -> Option<usize> {
    cell.parse::<f64>().ok()?;
    if cell.contains(['e', 'E']) {
        return Some(usize::MAX);
    }
    Some(cell.split_once('.').map_or(0, |(_, d)| d.len()))
}

fn json_by_symbol(doc: &Value) -> BTreeMap<String, Value> {
    harness::list(doc, "candidates")
        .iter()
        .map(|c| (c["symbol"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

#[test]
fn csv_numbers_have_at_most_six_decimals_and_match_the_json() {
    let args = ["60", "--show-all"];
    let json = screen(&[args[0], args[1], "--json"], &[]);
    json.expect_code(0);
    let doc = json.json();
    let by_symbol = json_by_symbol(&doc);
    // The JSON carries full precision, float noise included: the CSV must not.
    let noisy = by_symbol.values().any(|c| {
        [
            "straddle_mid",
            "iv_hv_spread",
            "vrp_structural",
            "expected_move",
            "slippage",
        ]
        .iter()
        .any(|f| {
            c[f].as_f64()
                .is_some_and(|v| decimals(&v.to_string()) > Some(6))
        })
    });
    assert!(
        noisy,
        "the scan has values with more than 6 decimals to round"
    );
    let plain = screen(&[args[0], args[1], "--csv"], &[]);
    plain.expect_code(0);
    let (header, rows) = csv_rows(&plain.stdout);
    assert_eq!(header, report::csv::COLUMNS);
    assert_eq!(rows.len(), by_symbol.len());
    for row in &rows {
        let c = &by_symbol[&row["symbol"]];
        for (column, cell) in row {
            let Some(d) = decimals(cell) else { continue };
            assert!(d <= 6, "{} {column} = {cell}", row["symbol"]);
            if let Some(v) = c[column].as_f64() {
                let x: f64 = cell.parse().unwrap();
                assert!((x - v).abs() <= 0.5e-6 + 1e-12, "{column}: {x} vs {v}");
            }
        }
    }
}

#[test]
fn csv_percent_prints_fractions_as_percents_of_the_same_scan() {
    let json = screen(&["60", "--show-all", "--json"], &[]);
    let by_symbol = json_by_symbol(&json.json());
    let pct = screen(&["60", "--show-all", "--csv", "--csv-percent"], &[]);
    pct.expect_code(0);
    let (header, rows) = csv_rows(&pct.stdout);
    for p in report::csv::PERCENT_COLUMNS {
        assert!(header.contains(&format!("{p}_pct")), "{p}_pct");
        assert!(!header.iter().any(|h| h == p), "{p} is renamed");
    }
    assert!(
        header.iter().any(|h| h == "vrp_structural"),
        "ratios keep their names"
    );
    assert_eq!(rows.len(), by_symbol.len());
    let mut compared = 0;
    for row in &rows {
        let c = &by_symbol[&row["symbol"]];
        for p in report::csv::PERCENT_COLUMNS {
            let cell = &row[&format!("{p}_pct")];
            match c[*p].as_f64() {
                None => assert_eq!(cell, "", "{p}: unknown stays empty"),
                Some(v) => {
                    assert!(decimals(cell) <= Some(4), "{p} = {cell}");
                    let x: f64 = cell.parse().unwrap();
                    assert!(
                        (x - 100.0 * v).abs() <= 0.5e-4 + 1e-9,
                        "{p}: {x} vs 100 × {v}"
                    );
                    compared += 1;
                }
            }
        }
        // Ratios are not percents.
        if let Some(v) = c["vrp_structural"].as_f64() {
            let x: f64 = row["vrp_structural"].parse().unwrap();
            assert!((x - v).abs() <= 0.5e-6 + 1e-12);
        }
    }
    assert!(compared > 100, "{compared} percent cells compared");
    // Without --csv it is a usage error.
    let r = screen(&["5", "--csv-percent"], &[]);
    r.expect_code(2);
    assert_eq!(r.stdout, "");
}
