//! What each command does: turn parsed arguments into a scan, a demo market or a cache action,
//! and map every outcome onto an exit code (0 done, 1 could not complete, 2 usage/config/input).
//! Usage errors are found before anything is fetched; stdout gets only the requested output.

use crate::cli::{CacheCommand, ScreenArgs, SimServeArgs, SourceArg};
use crate::config::Config;
use crate::date::Date;
use crate::pipeline::{self, source, ScanRequest, Source};
use crate::report::{self, Format};
use crate::sim::{self, Faults, LatencyProfile, SimOptions};
use crate::tastytrade::PRODUCTION_URL;
use crate::watchlist::Watchlist;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// A usage, config or input error: message on stderr, exit 2.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("volscreen: {msg}");
    ExitCode::from(2)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("volscreen: cannot start the async runtime: {e}");
        ExitCode::from(1)
    })
}

fn parse_as_of(s: Option<&str>) -> Result<Date, String> {
    match s.map(str::parse::<Date>).transpose() {
        Ok(d) => Ok(d.unwrap_or_else(Date::today_utc)),
        Err(e) => Err(format!("--as-of: {e}")),
    }
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
    let timeout = args.timeout.unwrap_or(config.scan.timeout_secs);
    if !(timeout.is_finite() && timeout > 0.0) {
        return usage_error("--timeout must be a positive number of seconds");
    }
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
        eprintln!(
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
        timeout: Duration::from_secs_f64(timeout),
        progress: stderr_tty && !args.quiet,
        cache: cache_mode(args),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let outcome = rt.block_on(pipeline::run(req, clock));
    // Let background tasks (sockets, the demo market) wind down without blocking exit.
    rt.shutdown_timeout(Duration::from_millis(100));

    let options = report::Options {
        color: format == Format::Table && report::color_wanted(std::io::stdout().is_terminal()),
        explain: args.explain && format == Format::Table,
        top: args.top,
        width: report::terminal_width(),
    };
    // Buffered: stdout is line-buffered, and a pretty 5,000-symbol document has 200k lines.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let render_started = std::time::Instant::now();
    if outcome.fatal.is_none() || format == Format::Json {
        if let Err(e) = report::render(format, &options, &outcome.report, &mut out) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("volscreen: cannot write the output: {e}");
                return ExitCode::from(1);
            }
        }
        let _ = out.flush();
    }
    drop(out);
    let render_ms = render_started.elapsed().as_secs_f64() * 1000.0;
    if args.explain && format != Format::Table {
        // The explanation goes to stderr so that stdout stays one document.
        let opts = report::Options {
            explain: true,
            color: false,
            ..options.clone()
        };
        let text = report::render_to_string(Format::Table, &opts, &outcome.report);
        if let Some(pos) = text.find("rejected") {
            eprint!("{}", &text[text[..pos].rfind('\n').map_or(0, |p| p + 1)..]);
        }
    }
    if benchmark {
        let _ = report::benchmark::write_breakdown(&outcome.report, &mut std::io::stderr());
        let l = outcome.local;
        eprintln!(
            "  local work: compute {:.2} ms · filter/score/rank {:.2} ms · report {:.2} ms · total {:.2} ms",
            l.compute_ms,
            l.filter_ms,
            render_ms,
            l.compute_ms + l.filter_ms + render_ms
        );
    }
    match outcome.fatal {
        None => ExitCode::SUCCESS,
        Some(msg) => {
            eprintln!("volscreen: scan could not complete: {msg}");
            ExitCode::from(1)
        }
    }
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
            let (client_secret, refresh_token) = creds.ok_or_else(|| {
                format!(
                    "--source tastytrade needs credentials: set {} and {}",
                    source::REFRESH_VARS[0],
                    source::SECRET_VARS[0]
                )
            })?;
            let base_url = args
                .api_url
                .clone()
                .or_else(source::env_api_url)
                .unwrap_or_else(|| PRODUCTION_URL.to_string());
            if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                return Err(format!("--api-url {base_url:?} is not an http(s) URL"));
            }
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
                eprintln!("volscreen: cannot listen on {addr}: {e}");
                return ExitCode::from(1);
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.base_url());
        let _ = out.flush();
        drop(out);
        eprintln!(
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
                println!("cache: {}", path.display());
                println!("series: {}", s.series);
                println!("candles: {}", s.candles);
                println!("size: {} bytes", s.bytes);
            }),
        CacheCommand::Clear => crate::cache::Cache::open(&path)
            .and_then(|c| c.clear())
            .map(|n| {
                println!("cleared {n} cached series from {}", path.display());
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("volscreen: cache {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}
