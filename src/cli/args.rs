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
  volscreen screen 50 --profile broad --top 10
  volscreen screen 100 --source demo --as-of 2026-11-20 --latency seed --benchmark

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
}

/// Where the data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    Demo,
    Tastytrade,
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
    #[arg(long, value_name = "FILE", conflicts_with = "symbols")]
    pub watchlist: Option<PathBuf>,
    /// Scan these symbols instead of a watchlist.
    #[arg(long, value_name = "A,B,C")]
    pub symbols: Option<String>,
    /// Filter profile: balanced, broad, high_quality, aggressive, or one from the config.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Configuration file read on top of the built-in config/volscreen.toml.
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
    /// Data source (default: tastytrade when credentials are set, else demo).
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// tastytrade API base URL (default: TASTYTRADE_API_URL, else production); implies --source tastytrade.
    ///
    /// http(s)://host[:port], optionally with a path prefix (requests go to URL/oauth/token, ...)
    /// and a trailing slash; no user name or password, query or fragment.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Demo market date (YYYY-MM-DD); default: today in New York. Only for the demo market: the
    /// tastytrade source always scans today's market.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Demo market latency model: none, seed, or a profile TOML file.
    #[arg(long, value_name = "PROFILE", default_value = "none")]
    #[cfg_attr(not(feature = "demo"), arg(hide = true))]
    pub latency: String,
    /// Demo market faults, e.g. `http500=0.05,ws_drop=0.1,seed=7` (testing).
    #[arg(long, value_name = "SPEC", default_value = "", hide = true)]
    pub faults: String,
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
    /// No progress bars and no notices on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the PIPELINE TIMING BREAKDOWN on stderr (also BENCHMARK=1).
    #[arg(long)]
    pub benchmark: bool,
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
