//! The `volscreen` binary: parse the command line and hand it to [`volscreen::commands`].

use clap::Parser;
use std::process::ExitCode;
use volscreen::cli::{Cli, Command};
use volscreen::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Screen(args) => commands::screen(args),
        Command::Detail(args) => commands::detail(args),
        Command::Watchlists(args) => commands::watchlists(args),
        Command::Check(args) => commands::check(args),
        #[cfg(feature = "demo")]
        Command::Sim {
            command: volscreen::cli::SimCommand::Serve(args),
        } => commands::sim_serve(args),
        Command::Cache { command } => commands::cache(command),
        Command::Columns => commands::columns(),
        Command::Completions { shell } => commands::completions(*shell),
        Command::Man { command } => commands::man(command),
    }
}
