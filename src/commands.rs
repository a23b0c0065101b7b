//! What each command does: turn parsed arguments into a scan, a demo market or a cache action,
//! and map every outcome onto an exit code (0 done, 1 could not complete, 2 usage/config/input,
//! 130 interrupted by Ctrl-C).
//!
//! - Usage errors (flags, config values that would overflow a duration, the API URL, `--as-of`
//!   with the tastytrade source, the watchlist) are found before anything is fetched: one line on
//!   stderr, nothing on stdout, exit 2.
//! - stdout gets only the requested output. A scan stopped by the budget or Ctrl-C prints its
//!   partial result in every format, with one line on stderr saying how many symbols are undecided.
//! - A reader that closes stdout early (`| head`) is not an error, and nothing written to stderr
//!   can panic (a closed stderr drops the line).

use crate::cli::{CacheCommand, ScreenArgs, SimServeArgs, SourceArg};
use crate::config::Config;
use crate::date::Date;
use crate::pipeline::{self, source, ScanRequest, Source};
use crate::report::{self, Format};
use crate::sim::{self, Faults, LatencyProfile, SimOptions};
use crate::tastytrade::PRODUCTION_URL;
use crate::watchlist::Watchlist;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Write one line to stderr. A closed or broken stderr is not worth a panic (`eprintln!` would
/// panic): the line is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A usage, config or input error: message on stderr, exit 2.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    say!("volscreen: {msg}");
    ExitCode::from(2)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        say!("volscreen: cannot start the async runtime: {e}");
        ExitCode::from(1)
    })
}

fn parse_as_of(s: Option<&str>) -> Result<Date, String> {
    match s.map(str::parse::<Date>).transpose() {
        Ok(d) => Ok(d.unwrap_or_else(Date::today_utc)),
        Err(e) => Err(format!("--as-of: {e}")),
    }
}

/// The longest duration accepted anywhere (`--timeout`, `timeout_secs`, the DXLink deadlines): 24 h.
pub const MAX_SECS: f64 = 86_400.0;

/// A number as typed in a message: scientific notation when very large or very small.
fn show_num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-3..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// `--timeout SECS` (or the config's `scan.timeout_secs`): a finite number of seconds in
/// (0, [`MAX_SECS`]].
fn check_timeout(secs: f64) -> Result<Duration, String> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_SECS {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "--timeout {}: must be a number of seconds greater than 0 and at most {MAX_SECS} (24 h)",
            show_num(secs)
        ))
    }
}

/// The config's durations and rates, bounded so that turning them into a `Duration` (or a pacing
/// delay) can never overflow: `config.rs` checks that they are positive, this checks that they are
/// finite and at most [`MAX_SECS`] (and at least 1 ms, below which a timeout is zero).
/// `path` is the `--config` file, to name the line.
fn check_config_numbers(config: &Config, path: Option<&Path>) -> Result<(), String> {
    let timeouts = [
        ("scan", "timeout_secs", config.scan.timeout_secs, 0.0),
        ("rest", "timeout_secs", config.rest.timeout_secs, 0.001),
        (
            "dxlink",
            "symbol_deadline_secs",
            config.dxlink.symbol_deadline_secs,
            0.001,
        ),
        (
            "dxlink",
            "connect_timeout_secs",
            config.dxlink.connect_timeout_secs,
            0.001,
        ),
        (
            "dxlink",
            "quote_deadline_secs",
            config.dxlink.quote_deadline_secs,
            0.001,
        ),
    ];
    let mut bad = None;
    for (section, key, v, min) in timeouts {
        if !(v.is_finite() && v > 0.0 && v >= min && v <= MAX_SECS) {
            bad = Some((
                section,
                key,
                if min > 0.0 {
                    format!(
                        "{} must be a number of seconds in [{min}, {MAX_SECS}] (at most 24 h)",
                        show_num(v)
                    )
                } else {
                    format!(
                        "{} must be a number of seconds greater than 0 and at most {MAX_SECS} (24 h)",
                        show_num(v)
                    )
                },
            ));
            break;
        }
    }
    if bad.is_none() {
        let rate = config.rest.rate_per_sec;
        let burst = config.rest.burst;
        if !(rate.is_finite() && (0.001..=1e6).contains(&rate)) {
            bad = Some((
                "rest",
                "rate_per_sec",
                format!(
                    "{} must be within 0.001..=1000000 requests per second",
                    show_num(rate)
                ),
            ));
        } else if !(burst.is_finite() && (1.0..=1e6).contains(&burst)) {
            bad = Some((
                "rest",
                "burst",
                format!("{} must be within 1..=1000000", show_num(burst)),
            ));
        }
    }
    let Some((section, key, msg)) = bad else {
        return Ok(());
    };
    let name = path.map_or_else(
        || crate::config::BUILTIN_NAME.to_string(),
        |p| p.display().to_string(),
    );
    let line = path
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| crate::config::locate(&text, section, key));
    Err(match line {
        Some((l, c)) => format!("{name}:{l}:{c}: [{section}] {key} {msg}"),
        None => format!("{name}: [{section}] {key} {msg}"),
    })
}

/// An API base URL: `http://host[:port]` or `https://host[:port]`, optionally followed by a path
/// prefix (kept: requests go to `URL/oauth/token`, `URL/market-metrics`, ...) and a trailing slash.
/// No user name or password, no query, no fragment, a port in 1..=65535. `what` names the flag or
/// variable. The URL is not echoed when it carries credentials.
pub fn check_api_url(what: &str, raw: &str) -> Result<(), String> {
    let shown = if raw.contains('@') {
        String::new()
    } else {
        format!(" {raw:?}")
    };
    let fail = |why: &str| {
        Err(format!(
            "{what}{shown}: {why}; expected http(s)://host[:port]"
        ))
    };
    let lower = raw.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return fail("not an http(s) URL");
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("contains whitespace");
    }
    let url = match reqwest::Url::parse(raw) {
        Ok(u) => u,
        Err(e) => return fail(&e.to_string()),
    };
    if url.host_str().is_none_or(str::is_empty) {
        return fail("no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail("a user name or password does not belong in the URL");
    }
    if url.port() == Some(0) {
        return fail("port 0");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return fail("a query or fragment does not belong in a base URL");
    }
    Ok(())
}

/// `volscreen screen`.
pub fn screen(args: &ScreenArgs) -> ExitCode {
    let clock = pipeline::timing::Clock::new();
    let load = clock.begin("load", 0);
    // Everything that can be wrong with the input is checked before anything is fetched.
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        },
        None => Config::builtin(),
    };
    if let Err(e) = check_config_numbers(&config, args.config.as_deref()) {
        return usage_error(e);
    }
    let profile = args
        .profile
        .clone()
        .unwrap_or_else(|| config.scan.default_profile.clone());
    let thresholds = match config.profile(&profile) {
        Ok(t) => t,
        Err(e) => return usage_error(format_args!("--profile: {e}")),
    };
    let watchlist = match (&args.symbols, &args.watchlist) {
        (Some(list), _) => Watchlist::from_list(list),
        (None, Some(path)) => Watchlist::load(path),
        (None, None) => Ok(Watchlist::builtin()),
    };
    let watchlist = match watchlist {
        Ok(w) => w,
        Err(e) => return usage_error(e),
    };
    if args.n == Some(0) {
        return usage_error("N must be at least 1");
    }
    let symbols = watchlist.first(args.n).to_vec();
    let as_of = match parse_as_of(args.as_of.as_deref()) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let timeout = match check_timeout(args.timeout.unwrap_or(config.scan.timeout_secs)) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    if args.top == Some(0) {
        return usage_error("--top must be at least 1");
    }
    let source = match choose_source(args) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let benchmark =
        args.benchmark || std::env::var("BENCHMARK").is_ok_and(|v| v == "1" || v == "true");
    let format = if args.json {
        Format::Json
    } else if args.csv {
        Format::Csv
    } else {
        Format::Table
    };
    let stderr_tty = std::io::stderr().is_terminal();
    if !args.quiet && matches!(source, Source::Demo { .. }) && args.source.is_none() {
        say!(
            "volscreen: no tastytrade credentials (TASTYTRADE_REFRESH_TOKEN); scanning the demo market as of {as_of}"
        );
    }
    load.end(symbols.len(), 0);
    let req = ScanRequest {
        symbols,
        watchlist: watchlist.name.clone(),
        config,
        profile,
        thresholds,
        source,
        as_of,
        show_all: args.show_all,
        top: args.top,
        timeout,
        progress: stderr_tty && !args.quiet,
        cache: cache_mode(args),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let outcome = rt.block_on(pipeline::run(req, clock));
    // Background tasks still running (sockets, the in-process demo market after the budget or
    // Ctrl-C) are abandoned, not shut down: shutting the runtime down fires their pending timers
    // with a shutdown error, on which tokio's `Sleep` panics inside those tasks (a panic message on
    // stderr after a partial scan). The process exits right after the output, which ends them.
    std::mem::forget(rt);

    let options = report::Options {
        color: format == Format::Table && report::color_wanted(std::io::stdout().is_terminal()),
        explain: args.explain && format == Format::Table,
        top: args.top,
        width: report::terminal_width(),
    };
    let r = &outcome.report;
    let undecided = report::table::undecided(r);
    // What was decided stays decided: a scan stopped by the budget or Ctrl-C (or by a failure after
    // some symbols were decided) prints its partial result in every format. A scan that decided
    // nothing prints only the JSON document (every symbol in `errors`) and its line on stderr.
    let partial = outcome.interrupted
        || undecided > 0
        || r.meta.counts.candidates > 0
        || r.meta.counts.rejected > 0;
    let print = outcome.fatal.is_none() || format == Format::Json || partial;
    let render_started = std::time::Instant::now();
    if print {
        // Buffered: stdout is line-buffered, and a pretty 5,000-symbol document has 200k lines.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let written = report::render(format, &options, r, &mut out).and_then(|()| out.flush());
        // A reader that closed the pipe (`| head`) has what it wanted: not an error.
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                say!("volscreen: cannot write the output: {e}");
                return ExitCode::from(1);
            }
        }
        // Dropping a BufWriter flushes again; after a broken pipe that fails again, silently.
        drop(out);
    }
    let render_ms = render_started.elapsed().as_secs_f64() * 1000.0;
    if args.explain && format != Format::Table {
        // The explanation goes to stderr so that stdout stays one document; it is rendered from
        // the report itself (rejected symbols and errors only), and a closed stderr is ignored.
        let mut err = std::io::BufWriter::new(std::io::stderr().lock());
        let _ = report::table::write_explanation(r, &mut err).and_then(|()| err.flush());
    }
    if benchmark {
        let _ = report::benchmark::write_breakdown(r, &mut std::io::stderr());
        let l = outcome.local;
        say!(
            "  local work: compute {:.2} ms · filter/score/rank {:.2} ms · report {:.2} ms · total {:.2} ms",
            l.compute_ms,
            l.filter_ms,
            render_ms,
            l.compute_ms + l.filter_ms + render_ms
        );
    }
    let undecided_text = match undecided {
        0 => String::new(),
        1 => "; 1 symbol undecided".to_string(),
        n => format!("; {n} symbols undecided"),
    };
    let printed = if print && fatal_or_interrupted(&outcome) {
        " (the partial result is printed)"
    } else {
        ""
    };
    if outcome.interrupted {
        say!("volscreen: interrupted{undecided_text}{printed}");
        return ExitCode::from(130);
    }
    match &outcome.fatal {
        None => ExitCode::SUCCESS,
        Some(msg) => {
            say!("volscreen: scan could not complete: {msg}{undecided_text}{printed}");
            ExitCode::from(1)
        }
    }
}

fn fatal_or_interrupted(o: &pipeline::ScanOutcome) -> bool {
    o.interrupted || o.fatal.is_some()
}

fn cache_mode(args: &ScreenArgs) -> crate::cache::Mode {
    if args.no_cache {
        crate::cache::Mode::Off
    } else if args.refresh {
        crate::cache::Mode::Refresh
    } else {
        crate::cache::Mode::Use
    }
}

/// `--source`, `--api-url` and the environment → the data source.
fn choose_source(args: &ScreenArgs) -> Result<Source, String> {
    let creds = source::env_credentials();
    let wanted = match (args.source, &args.api_url, &creds) {
        (Some(s), _, _) => s,
        (None, Some(_), _) | (None, None, Some(_)) => SourceArg::Tastytrade,
        (None, None, None) => SourceArg::Demo,
    };
    match wanted {
        SourceArg::Demo => {
            if args.api_url.is_some() {
                return Err("--api-url applies to --source tastytrade, not demo".into());
            }
            let latency =
                LatencyProfile::load(&args.latency).map_err(|e| format!("--latency: {e}"))?;
            let faults = Faults::parse(&args.faults).map_err(|e| format!("--faults: {e}"))?;
            Ok(Source::Demo {
                latency: Box::new(latency),
                faults,
            })
        }
        SourceArg::Tastytrade => {
            if args.as_of.is_some() {
                return Err(
                    "--as-of applies to the demo market; --source tastytrade scans today's market"
                        .into(),
                );
            }
            let base_url = match (&args.api_url, source::env_api_url()) {
                (Some(url), _) => {
                    check_api_url("--api-url", url)?;
                    url.clone()
                }
                (None, Some(url)) => {
                    check_api_url(source::URL_VAR, &url)?;
                    url
                }
                (None, None) => PRODUCTION_URL.to_string(),
            };
            let (client_secret, refresh_token) = creds.ok_or_else(|| {
                format!(
                    "--source tastytrade needs credentials: set {} and {}",
                    source::REFRESH_VARS[0],
                    source::SECRET_VARS[0]
                )
            })?;
            Ok(Source::Tastytrade {
                base_url,
                client_secret,
                refresh_token,
            })
        }
    }
}

/// `volscreen sim serve`.
pub fn sim_serve(args: &SimServeArgs) -> ExitCode {
    let as_of = match parse_as_of(args.as_of.as_deref()) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let latency = match LatencyProfile::load(&args.latency) {
        Ok(l) => l,
        Err(e) => return usage_error(format_args!("--latency: {e}")),
    };
    let faults = match Faults::parse(&args.faults) {
        Ok(f) => f,
        Err(e) => return usage_error(format_args!("--faults: {e}")),
    };
    if let Some(dir) = &args.fixtures {
        if !dir.is_dir() {
            return usage_error(format_args!(
                "--fixtures: {} is not a directory",
                dir.display()
            ));
        }
    }
    let options = SimOptions {
        latency,
        faults,
        fixtures: args.fixtures.clone(),
        ..SimOptions::new(as_of)
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let addr = args.addr;
    rt.block_on(async move {
        let server = match sim::start(options, addr).await {
            Ok(s) => s,
            Err(e) => {
                say!("volscreen: cannot listen on {addr}: {e}");
                return ExitCode::from(1);
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.base_url());
        let _ = out.flush();
        drop(out);
        say!(
            "demo market as of {as_of}, latency {}; credentials: client secret and refresh token {:?}",
            server.state.options.latency.name,
            sim::DEMO_SECRET
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// `volscreen cache stats|clear`.
pub fn cache(command: &CacheCommand) -> ExitCode {
    let path = crate::cache::default_path();
    let result = match command {
        CacheCommand::Stats => crate::cache::Cache::open(&path)
            .and_then(|c| c.stats())
            .map(|s| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "cache: {}", path.display());
                let _ = writeln!(out, "series: {}", s.series);
                let _ = writeln!(out, "candles: {}", s.candles);
                let _ = writeln!(out, "size: {} bytes", s.bytes);
            }),
        CacheCommand::Clear => crate::cache::Cache::open(&path)
            .and_then(|c| c.clear())
            .map(|n| {
                let _ = writeln!(
                    std::io::stdout(),
                    "cleared {n} cached series from {}",
                    path.display()
                );
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("volscreen: cache {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_are_http_host_port_with_an_optional_path_prefix() {
        for ok in [
            "https://api.tastyworks.com",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://[::1]:65535",
            "https://proxy.example/tastytrade/",
            "HTTPS://API.EXAMPLE",
        ] {
            assert_eq!(check_api_url("--api-url", ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("http://127.0.0.1:99999", "invalid port"),
            ("http://127.0.0.1:0", "port 0"),
            ("ftp://host", "not an http(s) URL"),
            ("host:80", "not an http(s) URL"),
            ("http:/host", "not an http(s) URL"),
            ("http://", "host"),
            ("http://:80", "host"),
            ("http://host?a=1", "query"),
            ("http://host#x", "fragment"),
            ("http://host /x", "whitespace"),
        ] {
            let e = check_api_url("--api-url", bad).unwrap_err();
            assert!(e.starts_with("--api-url"), "{e}");
            assert!(e.contains(why), "{bad}: {e}");
        }
        let e = check_api_url("--api-url", "http://u:secret@host").unwrap_err();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn timeouts_are_bounded() {
        assert_eq!(check_timeout(1.5), Ok(Duration::from_millis(1500)));
        assert_eq!(check_timeout(MAX_SECS), Ok(Duration::from_secs(86_400)));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, MAX_SECS + 1.0] {
            let e = check_timeout(bad).unwrap_err();
            assert!(e.starts_with("--timeout "), "{e}");
        }
        assert!(check_timeout(1e300).unwrap_err().contains("1e300"));
    }

    #[test]
    fn the_builtin_config_passes_the_number_checks() {
        assert_eq!(check_config_numbers(&Config::builtin(), None), Ok(()));
        let mut c = Config::builtin();
        c.rest.timeout_secs = 1e300;
        let e = check_config_numbers(&c, None).unwrap_err();
        assert!(e.contains("[rest] timeout_secs 1e300"), "{e}");
    }
}
