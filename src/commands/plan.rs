//! `screen`'s flags → a checked [`ScanPlan`] (ripgrep's `LowArgs` → `HiArgs`): the config and
//! profile thresholds, the symbols, the data source, the market date, the budget, the cache mode,
//! the output format and render options, the benchmark flag. Nothing is fetched here.
//!
//! Rules: every usage, config or input problem is one [`UsageError`] (the caller turns it into
//! exit 2); checks run in a fixed order so that the first problem reported does not depend on
//! anything but the flags; numbers from flags or the config that become a `Duration` or a pacing
//! delay are bounded here so that nothing later can overflow.

use crate::cli::{ColorWhen, ScreenArgs, SourceArg, SourceArgs};
use crate::config::{Config, ConfigError};
use crate::date::{Date, DateError};
use crate::pipeline::{source, ScanRequest, Source};
use crate::report::{self, Format};
#[cfg(feature = "demo")]
use crate::sim::{faults::FaultSpecError, latency::LatencyError, Faults, LatencyProfile};
use crate::tastytrade::PRODUCTION_URL;
use crate::vol::estimators::Estimator;
use crate::watchlist::{RemoteList, Watchlist, WatchlistError, WatchlistSource};
use std::io::IsTerminal;
use std::path::Path;
#[cfg(feature = "demo")]
use std::path::PathBuf;
use std::time::Duration;

mod spot;
pub use spot::{excluded_notice, SpotError};

/// The longest duration accepted anywhere (`--timeout`, `timeout_secs`, the DXLink deadlines): 24 h.
pub const MAX_SECS: f64 = 86_400.0;

/// A usage, config or input problem: the command prints it and exits 2, having printed nothing on
/// stdout and fetched nothing.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// `--config FILE` (or the user's config file) unreadable or invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A config duration or rate out of the range a `Duration` or pacing delay can take (names
    /// `file:line:column` when the value is in the user's file).
    #[error("{0}")]
    ConfigNumber(String),
    #[error("--profile: {0}")]
    Profile(ConfigError),
    /// `--watchlist FILE` or `--symbols`.
    #[error("{0}")]
    Watchlist(#[from] WatchlistError),
    #[error("N must be at least 1")]
    ZeroSymbols,
    #[error("--as-of: {0}")]
    AsOf(#[from] DateError),
    /// `--timeout SECS` (or the config's `scan.timeout_secs`) out of range.
    #[error("{0}")]
    Timeout(String),
    #[error("--top must be at least 1")]
    ZeroTop,
    #[error("--api-url applies to --source tastytrade, not demo")]
    ApiUrlWithDemo,
    #[error("--as-of applies to the demo market; --source tastytrade scans today's market")]
    AsOfWithTastytrade,
    /// `--api-url` or the URL variable is not a base URL.
    #[error("{0}")]
    ApiUrl(String),
    #[error(
        "--source tastytrade needs credentials: set {} and {}",
        source::REFRESH_VARS[0],
        source::SECRET_VARS[0]
    )]
    NoCredentials,
    /// `volscreen check` with no credentials and no `--source`/`--api-url`.
    #[error(
        "check tests your tastytrade credentials: set {} and {} (or check the demo market with --source demo)",
        source::REFRESH_VARS[0],
        source::SECRET_VARS[0]
    )]
    CheckWithoutCredentials,
    #[cfg(feature = "demo")]
    #[error("--latency: {0}")]
    Latency(LatencyError),
    #[cfg(feature = "demo")]
    #[error("--faults: {0}")]
    Faults(FaultSpecError),
    /// `sim serve --fixtures DIR` that is no directory.
    #[cfg(feature = "demo")]
    #[error("--fixtures: {} is not a directory", .0.display())]
    Fixtures(PathBuf),
    /// The demo market was asked for (or chosen for want of credentials) in a build without it.
    #[cfg(not(feature = "demo"))]
    #[error(
        "this volscreen was built without the demo market (cargo feature `demo`): set {} and {} to scan tastytrade",
        source::REFRESH_VARS[0],
        source::SECRET_VARS[0]
    )]
    NoDemo,
    /// `--sort`, `--min`, `--max`, `--exclude`, `--exclude-class`.
    #[error("{0}")]
    Spot(#[from] SpotError),
    /// `--watch SECS` out of range, `--passes` without it or zero, `--watch` with `--csv`.
    #[error("{0}")]
    Watch(String),
    /// `volscreen detail SYM`: SYM does not normalise to a symbol.
    #[error("{text:?} is not a symbol ({why})")]
    Symbol { text: String, why: &'static str },
}

/// Everything `screen` needs, checked: what to scan (the pipeline's request) and how to show it.
#[derive(Debug)]
pub struct ScanPlan {
    /// Config, profile and thresholds, symbols, source, as-of, budget, cache mode, progress.
    pub request: ScanRequest,
    pub output: OutputPlan,
    /// The demo market was chosen because no credentials are set (a notice on stderr).
    pub demo_by_default: bool,
    /// `--watch SECS` (and `--passes N`): scan again and again; `None`: once.
    pub watch: Option<WatchPlan>,
}

/// `screen --watch`: how often, and how many passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchPlan {
    /// From the start of one pass to the start of the next.
    pub every: Duration,
    /// `--passes N`: stop after N passes (`None`: until Ctrl-C).
    pub passes: Option<u64>,
}

/// How the result is shown.
#[derive(Debug, Clone)]
pub struct OutputPlan {
    pub format: Format,
    /// Handed to the renderer with the report.
    pub render: report::Options,
    /// `--explain` with JSON or CSV: the explanation goes to stderr (the table has it inline).
    pub explain_on_stderr: bool,
    /// `--benchmark` or `BENCHMARK=1`: the timing breakdown on stderr.
    pub benchmark: bool,
}

impl ScanPlan {
    /// Check the flags, the config and the inputs, in a fixed order, and build the plan.
    pub fn from_args(args: &ScreenArgs) -> Result<ScanPlan, UsageError> {
        let config = load_config(args.config.as_deref())?;
        let profile = args
            .profile
            .clone()
            .unwrap_or_else(|| config.scan.default_profile.clone());
        let mut thresholds = config.profile(&profile).map_err(UsageError::Profile)?;
        spot::apply_bounds(&mut thresholds, &args.min, &args.max)?;
        let sort = args.sort.as_deref().map(spot::parse_sort).transpose()?;
        let estimators = spot::parse_estimators(&args.estimators, sort.as_ref(), &thresholds)?;
        let exclude = spot::parse_exclusions(&args.exclude, &args.exclude_class)?;
        // `--watchlist FILE`, or `tt:NAME` / `tt-public:NAME`: a list fetched by the scan.
        let list_source = args
            .watchlist
            .as_deref()
            .map(WatchlistSource::parse)
            .transpose()?;
        let watchlist = match (&args.symbols, &list_source) {
            (Some(list), _) => Watchlist::from_list(list),
            (None, Some(WatchlistSource::File(path))) => Watchlist::load(path),
            (None, Some(remote)) => Ok(Watchlist {
                name: remote.label(),
                symbols: Vec::new(),
                duplicates: 0,
            }),
            (None, None) => Ok(Watchlist::builtin()),
        }?;
        let remote_list = list_source
            .as_ref()
            .and_then(WatchlistSource::remote)
            .filter(|_| args.symbols.is_none())
            .map(|(kind, name)| RemoteList {
                kind,
                name: name.to_string(),
                first: args.n,
            });
        if args.n == Some(0) {
            return Err(UsageError::ZeroSymbols);
        }
        // Excluded symbols are dropped before the first N are taken (screen::exclude).
        let (symbols, excluded) = exclude.select(&watchlist.symbols, args.n);
        if symbols.is_empty() && !watchlist.symbols.is_empty() {
            return Err(SpotError::AllExcluded {
                watchlist: watchlist.name,
            }
            .into());
        }
        let as_of = parse_as_of(args.source.as_of.as_deref())?;
        let timeout = check_timeout(args.timeout.unwrap_or(config.scan.timeout_secs))
            .map_err(UsageError::Timeout)?;
        if args.top == Some(0) {
            return Err(UsageError::ZeroTop);
        }
        let watch = check_watch(args)?;
        let source = choose_source(&args.source)?;
        let demo_by_default = demo_by_default(&source, &args.source);
        let output = output_plan(args, &estimators);
        let request = ScanRequest {
            symbols,
            watchlist: watchlist.name,
            config,
            profile,
            thresholds,
            source,
            as_of,
            show_all: args.show_all,
            top: args.top,
            timeout,
            progress: std::io::stderr().is_terminal() && !args.quiet,
            cache: cache_mode(args),
            remote_list,
            sort: sort.unwrap_or_default(),
            exclude,
            excluded,
            estimators,
            keep: None,
        };
        Ok(ScanPlan {
            request,
            output,
            demo_by_default,
            watch,
        })
    }
}

/// `--watch SECS` (a finite number of seconds in (0, [`MAX_SECS`]]), `--passes N` (at least 1,
/// only with `--watch`); a watch prints tables or JSON lines, not CSV.
fn check_watch(args: &ScreenArgs) -> Result<Option<WatchPlan>, UsageError> {
    let Some(secs) = args.watch else {
        return match args.passes {
            Some(_) => Err(UsageError::Watch(
                "--passes applies to --watch SECS".to_string(),
            )),
            None => Ok(None),
        };
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_SECS) {
        return Err(UsageError::Watch(format!(
            "--watch {}: must be a number of seconds greater than 0 and at most {MAX_SECS} (24 h)",
            show_num(secs)
        )));
    }
    if args.passes == Some(0) {
        return Err(UsageError::Watch("--passes must be at least 1".to_string()));
    }
    if args.csv {
        return Err(UsageError::Watch(
            "--watch prints a table, or with --json one JSON document per line; not --csv"
                .to_string(),
        ));
    }
    Ok(Some(WatchPlan {
        every: Duration::from_secs_f64(secs),
        passes: args.passes,
    }))
}

/// `--json`/`--csv`, `--explain`, `--top`, `--benchmark`, the estimator columns and the terminal →
/// how to show the result.
fn output_plan(args: &ScreenArgs, estimators: &[Estimator]) -> OutputPlan {
    let format = if args.json {
        Format::Json
    } else if args.csv {
        Format::Csv
    } else {
        Format::Table
    };
    OutputPlan {
        format,
        render: report::Options {
            color: format == Format::Table && color(args.color),
            // `--symbols` looks symbols up: the table shows every one with its verdict.
            explain: (args.explain || args.symbols.is_some()) && format == Format::Table,
            top: args.top,
            width: report::terminal_width(),
            csv_percent: args.csv_percent,
            estimators: estimators.to_vec(),
        },
        explain_on_stderr: args.explain && format != Format::Table,
        benchmark: args.benchmark
            || std::env::var("BENCHMARK").is_ok_and(|v| v == "1" || v == "true"),
    }
}

/// `--color WHEN` → whether to colour: the one decision (`always`, `never`, or for `auto`
/// [`report::color_wanted`]: stdout is a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`).
/// JSON and CSV are never coloured.
pub fn color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => report::color_wanted(std::io::stdout().is_terminal()),
    }
}

/// `--as-of YYYY-MM-DD`, or today (UTC) when absent.
pub(super) fn parse_as_of(s: Option<&str>) -> Result<Date, UsageError> {
    Ok(s.map(str::parse::<Date>)
        .transpose()?
        .unwrap_or_else(Date::today))
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

/// `--config FILE`, else the user's file at the XDG location when there is one, else the built-in
/// config; its durations and rates checked ([`check_config_numbers`]). Every command that reaches
/// a data source reads the config this way.
pub(super) fn load_config(path: Option<&Path>) -> Result<Config, UsageError> {
    let (config, config_path) = match path {
        Some(path) => (Config::load(path)?, Some(path.to_path_buf())),
        None => match Config::load_user()? {
            Some((config, path)) => (config, Some(path)),
            None => (Config::builtin(), None),
        },
    };
    check_config_numbers(&config, config_path.as_deref()).map_err(UsageError::ConfigNumber)?;
    Ok(config)
}

/// The demo market was chosen for want of credentials (no `--source`): the commands say so on
/// stderr.
pub(super) fn demo_by_default(source: &Source, flags: &SourceArgs) -> bool {
    source.kind() == crate::model::SourceKind::Demo && flags.source.is_none()
}

/// `--source` and `--api-url` with the environment → the data source (`--latency` and `--faults`
/// set up the demo market; `--as-of` is refused with tastytrade).
pub(super) fn choose_source(flags: &SourceArgs) -> Result<Source, UsageError> {
    let creds = source::env_credentials();
    let wanted = match (flags.source, &flags.api_url, &creds) {
        (Some(s), _, _) => s,
        (None, Some(_), _) | (None, None, Some(_)) => SourceArg::Tastytrade,
        (None, None, None) => SourceArg::Demo,
    };
    match wanted {
        SourceArg::Demo => {
            if flags.api_url.is_some() {
                return Err(UsageError::ApiUrlWithDemo);
            }
            #[cfg(feature = "demo")]
            {
                let latency = LatencyProfile::load(&flags.latency).map_err(UsageError::Latency)?;
                let faults = Faults::parse(&flags.faults).map_err(UsageError::Faults)?;
                Ok(Source::Demo {
                    latency: Box::new(latency),
                    faults,
                })
            }
            #[cfg(not(feature = "demo"))]
            Err(UsageError::NoDemo)
        }
        SourceArg::Tastytrade => {
            if flags.as_of.is_some() {
                return Err(UsageError::AsOfWithTastytrade);
            }
            let base_url = match (&flags.api_url, source::env_api_url()) {
                (Some(url), _) => {
                    check_api_url("--api-url", url).map_err(UsageError::ApiUrl)?;
                    url.clone()
                }
                (None, Some(url)) => {
                    check_api_url(source::URL_VAR, &url).map_err(UsageError::ApiUrl)?;
                    url
                }
                (None, None) => PRODUCTION_URL.to_string(),
            };
            let (client_secret, refresh_token) = creds.ok_or(UsageError::NoCredentials)?;
            Ok(Source::Tastytrade {
                base_url,
                client_secret,
                refresh_token,
            })
        }
    }
}

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
pub(super) fn check_timeout(secs: f64) -> Result<Duration, String> {
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
/// `path` is the `--config` (or user's) file, to name the line.
pub(super) fn check_config_numbers(config: &Config, path: Option<&Path>) -> Result<(), String> {
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
    fn auto_colour_needs_a_terminal_no_no_color_and_a_capable_term() {
        use std::ffi::OsStr;
        let auto = |tty, no_color: Option<&str>, term: Option<&str>| {
            report::auto_color(tty, no_color.map(OsStr::new), term.map(OsStr::new))
        };
        assert!(auto(true, None, Some("xterm-256color")));
        assert!(
            auto(true, Some(""), None),
            "an empty NO_COLOR does not count"
        );
        assert!(!auto(false, None, Some("xterm")), "not a terminal");
        assert!(!auto(true, Some("1"), Some("xterm")));
        assert!(!auto(true, Some("0"), Some("xterm")), "any non-empty value");
        assert!(!auto(true, None, Some("dumb")));
        assert!(color(ColorWhen::Always) && !color(ColorWhen::Never));
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
