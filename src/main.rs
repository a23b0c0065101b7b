//! The `volscreen` binary: parse the command line, run the command, map errors to exit codes
//! (0 done, 1 could not complete, 2 usage/config/input error).

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use volscreen::cli::{Cli, Command, SimCommand, SimServeArgs};
use volscreen::date::Date;
use volscreen::sim::{self, Faults, LatencyProfile, SimOptions};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sim {
            command: SimCommand::Serve(args),
        } => sim_serve(args),
    }
}

/// A usage error: message on stderr, exit 2.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("volscreen: {msg}");
    ExitCode::from(2)
}

fn sim_serve(args: SimServeArgs) -> ExitCode {
    let as_of = match args.as_of.as_deref().map(str::parse::<Date>).transpose() {
        Ok(d) => d.unwrap_or_else(Date::today_utc),
        Err(e) => return usage_error(format_args!("--as-of: {e}")),
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
        fixtures: args.fixtures,
        ..SimOptions::new(as_of)
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("volscreen: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let server = match sim::start(options, args.addr).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("volscreen: cannot listen on {}: {e}", args.addr);
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
