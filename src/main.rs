//! The `volscreen` binary: parse the command line and hand it to [`volscreen::commands`].

use clap::Parser;
use std::process::ExitCode;
use volscreen::cli::{Cli, Command};
use volscreen::commands;

fn main() -> ExitCode {
    limit_malloc_arenas();
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

/// Cap glibc's malloc arenas at two (what `MALLOC_ARENA_MAX=2` does), unless the user set that
/// variable. glibc gives threads that contend for the heap arenas of their own, up to 8 per core,
/// and memory freed in one arena is not reused by another. The demo market in this process does its
/// CPU work in `block_in_place`, so tokio starts a new thread for each worker it takes, and a scan
/// of 5,000 symbols left a third of its peak RSS as arena fragmentation (docs/performance.md, "Issue
/// 11 closed": in-process peak 300–345 MB → 190–205 MB). Elsewhere a no-op.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's <malloc.h>: `#define M_ARENA_MAX -8`.
        const M_ARENA_MAX: std::os::raw::c_int = -8;
        extern "C" {
            fn mallopt(
                param: std::os::raw::c_int,
                value: std::os::raw::c_int,
            ) -> std::os::raw::c_int;
        }
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            // SAFETY: mallopt only sets an allocator parameter; called first thing in main, before
            // this process starts any thread. Its result (0 on failure) changes nothing we rely on.
            unsafe {
                mallopt(M_ARENA_MAX, 2);
            }
        }
    }
}
