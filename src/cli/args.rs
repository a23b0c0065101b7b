//! clap (derive) definitions of every command, flag and help text. No logic lives here.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  volscreen screen 100                      scan the first 100 watchlist symbols, print a table
  volscreen screen 500 --json | jq '.candidates[].symbol'
  BENCHMARK=1 volscreen screen 100 --json   ... with the pipeline timing breakdown on stderr
  volscreen screen --symbols AAPL,TSLA,/ES --explain
  volscreen sim serve --latency seed        run the demo market on a random loopback port
";

const SCREEN_EXAMPLES: &str = "\
Examples:
  volscreen screen 100                         first 100 symbols of the default watchlist
  volscreen screen 500 --json > scan.json      one JSON document (schema: docs/screen-output.schema.json)
  volscreen screen --symbols AAPL,TSLA --explain
  volscreen screen --watchlist 'tt:My Watchlist'   a watchlist of your tastytrade account
  volscreen screen 50 --profile broad --top 10
  volscreen screen 200 --sort iv_rank --min iv_rank=30% --max slippage=0.03 --exclude-class future
  volscreen screen 100 --source demo --as-of 2026-11-20 --latency seed --benchmark
  volscreen screen 50 --watch 60               scan again every minute (Ctrl-C ends it)
  volscreen screen 100 --watch 300 --json | jq -c '.meta | {pass, entered, left}'

`volscreen columns` explains every column (VRP-S, VRP-T, VTR, the signals).

Without tastytrade credentials (TASTYTRADE_REFRESH_TOKEN, TASTYTRADE_CLIENT_SECRET) the scan runs on
the built-in demo market. Exit codes: 0 scan completed, 1 scan could not complete (the partial result
is printed), 2 usage/config/input error (nothing printed on stdout), 130 interrupted (Ctrl-C; the
partial result is printed).
";

/// volscreen: a fast volatility screener for options traders.
#[derive(Debug, Parser)]
#[command(name = "volscreen", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a watchlist for rich options (implied volatility well above realised).
    Screen(Box<ScreenArgs>),
    /// One symbol in depth: price, IV and ranks, every HV estimator, the HV cone, the IV term
    /// structure, the trade, earnings and every filter of the profile.
    Detail(Box<DetailArgs>),
    /// List the watchlists kept at tastytrade: your private lists (tt:NAME) and the public ones
    /// (tt-public:NAME), with their number of entries.
    Watchlists(WatchlistsArgs),
    /// Self-test the data source: access token, quote token, one metrics row, one DXLink candle
    /// snapshot and one option chain, each with its latency.
    Check(CheckArgs),
    /// The demo market: a local tastytrade REST API and DXLink feed with synthetic data.
    #[cfg(feature = "demo")]
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// The cache of candles, option-chain structure and futures contracts.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Explain every column of the table and the CSV: VRP-S, VRP-T, VTR, the signals, ...
    #[command(after_long_help = super::legend::COLUMNS_LEGEND)]
    Columns,
    /// Print a shell completion script to stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of volscreen, or of one of its commands, to stdout.
    #[command(after_help = MAN_HELP)]
    Man {
        /// A command (`screen`, `cache stats`, ...); none: the page of volscreen itself.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

const COMPLETIONS_HELP: &str = "\
Examples:
  volscreen completions bash > ~/.local/share/bash-completion/completions/volscreen
  volscreen completions zsh > ~/.zfunc/_volscreen      (with fpath+=~/.zfunc before compinit)
  volscreen completions fish > ~/.config/fish/completions/volscreen.fish
";

const MAN_HELP: &str = "\
Examples:
  volscreen man | man -l -
  volscreen man screen > ~/.local/share/man/man1/volscreen-screen.1
";

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

/// Where the data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    Demo,
    Tastytrade,
}

/// The flags that choose and set up the data source, shared by every command that reaches one
/// (`screen`, `detail`, `watchlists`, `check`): `#[command(flatten)] pub source: SourceArgs`.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Data source (default: tastytrade when credentials are set, else demo; check tests the
    /// demo market only with --source demo).
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// tastytrade API base URL (default: TASTYTRADE_API_URL, else production); implies --source tastytrade.
    ///
    /// http(s)://host[:port], optionally with a path prefix (requests go to URL/oauth/token, ...)
    /// and a trailing slash; no user name or password, query or fragment.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Demo market date (YYYY-MM-DD); default: today in New York. Only for the demo market: the
    /// tastytrade source always serves today's market.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Demo market latency model: none, seed, or a profile TOML file.
    #[arg(long, value_name = "PROFILE", default_value = "none")]
    #[cfg_attr(not(feature = "demo"), arg(hide = true))]
    pub latency: String,
    /// Demo market faults, e.g. `http500=0.05,ws_drop=0.1,seed=7` (testing).
    #[arg(long, value_name = "SPEC", default_value = "", hide = true)]
    pub faults: String,
}

#[derive(Debug, Args)]
#[command(after_help = SCREEN_EXAMPLES)]
pub struct ScreenArgs {
    /// Scan the first N symbols of the watchlist (all when absent). N is the scan size, not an output cap.
    #[arg(value_name = "N")]
    pub n: Option<usize>,
    /// Print one JSON document instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (one row per candidate) instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// Watchlist CSV: first column, or a `symbol` (or `ticker`) column; `#` comments. Default: the built-in list.
    ///
    /// `tt:NAME` reads your private watchlist at tastytrade, `tt-public:NAME` a tastytrade public
    /// watchlist (`volscreen watchlists` lists both); a file named like that is read as `./tt:NAME`.
    #[arg(
        long,
        value_name = "FILE|tt:NAME|tt-public:NAME",
        conflicts_with = "symbols"
    )]
    pub watchlist: Option<PathBuf>,
    /// Scan these symbols instead of a watchlist; the table shows each one with its verdict.
    #[arg(long, value_name = "A,B,C")]
    pub symbols: Option<String>,
    /// Filter profile: balanced, broad, high_quality, aggressive, or one from the config.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Configuration file read on top of the built-in config/volscreen.toml, instead of the user
    /// config ($XDG_CONFIG_HOME/volscreen/config.toml, else ~/.config/volscreen/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Show at most K candidates.
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// Bypass the filters: every scanned symbol with data is a candidate.
    #[arg(long)]
    pub show_all: bool,
    /// List every rejected symbol with each failed filter and its numbers.
    #[arg(long)]
    pub explain: bool,
    /// Rank candidates by a numeric field, highest first; FIELD:asc for lowest first.
    ///
    /// FIELD is any numeric JSON field (iv, iv_rank, iv_percentile, hv20..hv252, vrp_structural,
    /// vrp_tactical, iv_hv_spread, vtr, price, liquidity_rating, dte, expected_move, slippage,
    /// days_to_earnings, ...) or score (the default). Unknown values come last either way; ties go
    /// to the higher score. `rank` and --top follow this order.
    #[arg(long, value_name = "FIELD[:asc]")]
    pub sort: Option<String>,
    /// A minimum on a field, e.g. iv_rank=0.3 or iv_rank=30% (repeatable).
    ///
    /// Values in the JSON's units (fractions; 30% means 0.30). A field with a minimum filter in
    /// the profile (iv_percentile, liquidity_rating, price, vrp_structural, vrp_tactical, vtr)
    /// gets this threshold instead; any other numeric field gets a filter of its own, min_NAME.
    #[arg(long = "min", value_name = "NAME=VALUE")]
    pub min: Vec<String>,
    /// A maximum on a field, e.g. slippage=0.03 (repeatable; see --min).
    ///
    /// slippage's profile threshold is a maximum; on any other field this adds a filter max_NAME
    /// (also next to a profile minimum: --max iv_percentile=0.9 keeps the profile's minimum).
    #[arg(long = "max", value_name = "NAME=VALUE")]
    pub max: Vec<String>,
    /// Leave these symbols out of the scan (comma list, repeatable).
    #[arg(long, value_name = "A,B,C")]
    pub exclude: Vec<String>,
    /// Leave an asset class out of the scan: equity, etf, index, future (comma list, repeatable).
    #[arg(long, value_name = "CLASS")]
    pub exclude_class: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Do not read or write the cache (candles, option-chain structure, futures contracts).
    #[arg(long)]
    pub no_cache: bool,
    /// Fetch candles, option chains and futures contracts again and overwrite the cache.
    #[arg(long, conflicts_with = "no_cache")]
    pub refresh: bool,
    /// Whole-scan budget in seconds, at most 86400 (default: the config's scan.timeout_secs).
    ///
    /// When it runs out, what was decided stays decided: the partial result is printed in every
    /// format, undecided symbols are errors at stage `timeout`, and the exit code is 1. Ctrl-C does
    /// the same with stage `interrupted` and exit code 130.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Scan again every SECS seconds (0 < SECS <= 86400) in one process, keeping connections,
    /// tokens and the day's candles and chains, until Ctrl-C (exit 130).
    ///
    /// A terminal is redrawn in place (a status line, `+` before the symbols that entered, a line
    /// naming those that left); a pipe gets one table per pass, or with --json one JSON document
    /// per line (meta.pass, meta.entered, meta.left). Not with --csv. The interval runs from the
    /// start of one pass to the start of the next; --timeout is each pass's budget.
    #[arg(long, value_name = "SECS")]
    pub watch: Option<f64>,
    /// With --watch: stop after N passes; the exit code is the last pass's.
    #[arg(long, value_name = "N")]
    pub passes: Option<u64>,
    /// No progress bars and no notices on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the PIPELINE TIMING BREAKDOWN on stderr (also BENCHMARK=1).
    #[arg(long)]
    pub benchmark: bool,
    /// When to colour the table: auto (stdout is a terminal, NO_COLOR unset or empty, TERM not
    /// dumb), always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// With --csv: fractions (iv, iv_rank, hv30, slippage, ...) as percents, in columns named
    /// NAME_pct (iv 0.2617 → iv_pct 26.17).
    #[arg(long, requires = "csv")]
    pub csv_percent: bool,
    /// Add range-based estimators over 30 sessions as columns: parkinson, garman_klass,
    /// rogers_satchell, yang_zhang, or all (comma list, repeatable).
    ///
    /// JSON/CSV fields hv30_NAME (always in the JSON, null unless asked for), table columns PK30,
    /// GK30, RS30, YZ30. --sort or --min/--max on one of these fields adds it too.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub estimators: Vec<String>,
}

const DETAIL_EXAMPLES: &str = "\
Examples:
  volscreen detail TSLA                        the symbol in depth: estimators, HV cone, term structure
  volscreen detail /ES --profile broad         a futures root (its active contract)
  volscreen detail SPY --json | jq '.cone[] | {window, current, median}'
  volscreen detail AAPL --source demo --as-of 2026-11-20

JSON: one document (schema: docs/detail-output.schema.json). Exit codes: 0 shown (values that could
not be had are null, with the reason in notes), 1 unknown symbol or the scan could not complete (one
line on stderr, nothing on stdout, also with --json), 2 usage/config/input error, 130 interrupted.
";

/// `volscreen detail SYM`.
#[derive(Debug, Args)]
#[command(after_help = DETAIL_EXAMPLES)]
pub struct DetailArgs {
    /// The symbol: an equity, ETF, index or futures root (/ES; a contract such as /ESZ6 means its root).
    #[arg(value_name = "SYM")]
    pub symbol: String,
    /// Print one JSON document instead of the text view.
    #[arg(long)]
    pub json: bool,
    /// Filter profile whose filters are shown: balanced, broad, high_quality, aggressive, or one
    /// from the config.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Configuration file read on top of the built-in config/volscreen.toml, instead of the user
    /// config ($XDG_CONFIG_HOME/volscreen/config.toml, else ~/.config/volscreen/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Do not read or write the cache (candles, option-chain structure, futures contracts).
    #[arg(long)]
    pub no_cache: bool,
    /// Fetch candles, the option chain and the futures contract again and overwrite the cache.
    #[arg(long, conflicts_with = "no_cache")]
    pub refresh: bool,
    /// Budget in seconds, at most 86400 (default: the config's scan.timeout_secs); when it runs
    /// out: exit 1, nothing on stdout.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// No notices on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// When to colour the text view: auto (stdout is a terminal, NO_COLOR unset or empty, TERM
    /// not dumb), always, never. JSON is never coloured.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--latency` out of a command's help (and man page) also when built with the demo market; its
/// place among the arguments (completion scripts list them in order) is kept.
fn hide_latency(arg: clap::Arg) -> clap::Arg {
    if arg.get_id() == "latency" {
        arg.hide(true)
    } else {
        arg
    }
}

const WATCHLISTS_EXAMPLES: &str = "\
Examples:
  volscreen watchlists                               your lists and tastytrade's public ones
  volscreen watchlists --json | jq -r '.watchlists[].watchlist'
  volscreen screen --watchlist 'tt:My Watchlist'     scan one of them
  volscreen screen 50 --watchlist 'tt-public:Liquid ETFs' --json

Without tastytrade credentials the demo market's lists are shown. Exit codes: 0 listed, 1 a kind of
list could not be had (the other is still printed), 2 usage error.
";

/// `volscreen watchlists`. Its help leaves `--latency` out also when built with the demo market.
#[derive(Debug, Args)]
#[command(after_help = WATCHLISTS_EXAMPLES, mut_args(hide_latency))]
pub struct WatchlistsArgs {
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Configuration file read on top of the built-in config/volscreen.toml, instead of the user
    /// config ($XDG_CONFIG_HOME/volscreen/config.toml, else ~/.config/volscreen/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// No notices on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  volscreen check                       test your tastytrade credentials (TASTYTRADE_REFRESH_TOKEN,
                                        TASTYTRADE_CLIENT_SECRET) step by step
  volscreen check --json | jq '.steps[] | select(.ok == false)'
  volscreen check --api-url https://api.cert.tastyworks.com   the sandbox
  volscreen check --source demo         the built-in demo market

Steps: access token, quote token, market metrics (SPY), candles (one DXLink daily snapshot of SPY),
option chain (SPY); a step whose input failed is skipped. No credential or token is ever shown.
Exit codes: 0 every step passed, 1 a step failed, 2 usage error (no credentials: set
TASTYTRADE_REFRESH_TOKEN and TASTYTRADE_CLIENT_SECRET, or use --source demo).
";

/// `volscreen check`. Its help leaves `--latency` out also when built with the demo market.
#[derive(Debug, Args)]
#[command(after_help = CHECK_EXAMPLES, mut_args(hide_latency))]
pub struct CheckArgs {
    /// Print one JSON document instead of one line per step.
    #[arg(long)]
    pub json: bool,
    /// Configuration file read on top of the built-in config/volscreen.toml, instead of the user
    /// config ($XDG_CONFIG_HOME/volscreen/config.toml, else ~/.config/volscreen/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run the demo market until interrupted; the first stdout line is `listening on http://HOST:PORT`.
    Serve(SimServeArgs),
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Latency model: `none`, `seed`, or a profile TOML file.
    #[arg(long, default_value = "none")]
    pub latency: String,
    /// Market date (YYYY-MM-DD); default: today in New York.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Faults to inject, e.g. `http500=0.05,ws_drop=0.1,seed=7`.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Serve files under DIR instead of synthetic data: REST responses at paths mirroring the
    /// request (DIR/market-metrics.json, DIR/option-chains/AAPL/nested.json) and DXLink candle
    /// histories as DIR/dxlink/candles/SYM.json (see docs/demo-market.md).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Where the cache is, how many series, candles, chains and futures contracts it holds, its
    /// size.
    Stats,
    /// Delete every cached candle series, option chain and futures contract.
    Clear,
}
