//! What each command does, one file per command: `screen` ([`screen()`]), `sim serve`
//! ([`sim_serve()`]) and `cache stats|clear` ([`cache()`]); `columns` ([`columns()`]: the column
//! legend), `completions` and `man` ([`completions()`], [`man()`]: generated from the clap
//! definition); `watchlists` ([`watchlists()`]: the lists `--watchlist tt:NAME` can read);
//! `detail` ([`detail()`]: one symbol in depth, from a one-symbol scan); `check` ([`check()`]: a
//! self-test of the data source, step by step with latencies).
//! `plan` turns the parsed `screen` flags into a checked [`plan::ScanPlan`] before anything runs.
//!
//! Rules every command keeps:
//! - Exit codes: 0 done, 1 could not complete, 2 usage/config/input, 130 interrupted by Ctrl-C.
//! - Every usage, config or input problem is one [`plan::UsageError`], found before anything is
//!   fetched or served, and turned into its exit code in one place ([`usage_error`]): one line on
//!   stderr, nothing on stdout, exit 2.
//! - stdout gets only the requested output; nothing written to stderr can panic (`say!` drops a
//!   line that cannot be written).

use std::io::Write;
use std::process::ExitCode;

/// Write one line to stderr. A closed or broken stderr is not worth a panic (`eprintln!` would
/// panic): the line is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cache;
mod check;
mod columns;
mod completions;
mod detail;
pub mod plan;
mod screen;
#[cfg(feature = "demo")]
mod sim_serve;
mod watchlists;

pub use cache::cache;
pub use check::check;
pub use columns::columns;
pub use completions::{completions, man, man_page};
pub use detail::detail;
pub use plan::{check_api_url, UsageError, MAX_SECS};
pub use screen::screen;
#[cfg(feature = "demo")]
pub use sim_serve::sim_serve;
pub use watchlists::watchlists;

/// The one place a usage, config or input error becomes output: its message on stderr, exit 2.
fn usage_error(e: &UsageError) -> ExitCode {
    say!("volscreen: {e}");
    ExitCode::from(2)
}

/// `bytes` on stdout: exit 0, also when the reader closed the pipe early (`| head`); exit 1 with a
/// line on stderr when stdout failed otherwise.
fn print(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say!("volscreen: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}

/// A multi-threaded tokio runtime, or exit 1 with a line on stderr.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        say!("volscreen: cannot start the async runtime: {e}");
        ExitCode::from(1)
    })
}

/// Run `work` to its end on a new runtime ([`runtime`]), then abandon the runtime instead of
/// shutting it down. Background tasks still running (sockets, the in-process demo market after a
/// budget or Ctrl-C) would otherwise see their pending timers fire with a shutdown error, on which
/// tokio's `Sleep` panics inside those tasks (a panic message on stderr after the output). The
/// process exits right after the output, which ends them. (`screen --watch` keeps one runtime
/// across passes and abandons it the same way when it ends.)
fn block_on<F: std::future::Future>(work: F) -> Result<F::Output, ExitCode> {
    let rt = runtime()?;
    let out = rt.block_on(work);
    std::mem::forget(rt);
    Ok(out)
}
