//! clap (derive) definitions of every command, flag and help text.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  volscreen sim serve --latency seed          run the demo market on a random loopback port
  volscreen sim serve --addr 127.0.0.1:8080   ... on a fixed address
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
    /// The demo market: a local tastytrade REST API and DXLink feed with synthetic data.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
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
    /// Market date (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Faults to inject, e.g. `http500=0.05,ws_drop=0.1,seed=7`.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Serve files under DIR (mirroring request paths) instead of synthetic data.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}
