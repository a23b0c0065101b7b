//! `volscreen screen --watch SECS`: pass after pass on one [`Session`] (connections, tokens and the
//! day's candles and chains kept warm between passes; see [`crate::pipeline::session`]).
//!
//! Rules:
//! - Passes start every SECS seconds, start to start; a pass that takes longer is followed at once
//!   by the next (said once on stderr). `--passes N` stops after N passes.
//! - Each pass is shown as it ends ([`crate::report::watch`]): on a terminal the table is redrawn in
//!   place; a pipe gets one table per pass, or with `--json` one JSON document per line. The
//!   explanation (`--explain` with `--json`) and the benchmark breakdown go to stderr, per pass.
//! - A pass that could not complete (the network is down) prints what it has, like a one-shot
//!   scan, says why on stderr, and the next pass tries again; a refusal of the credentials ends the
//!   watch (exit 1): nothing would work until they change.
//! - Ctrl-C during a pass prints the pass's partial result, as a one-shot scan does; during the
//!   wait it prints nothing more. Either way the watch ends with exit 130.
//! - After `--passes N` the exit code is the last pass's (0 completed, 1 could not complete). A
//!   reader that closes stdout (`| head -1`) ends the watch with exit 0.

use super::super::plan::{ScanPlan, WatchPlan};
use super::{diagnostics, exit_status};
use crate::commands::runtime;
use crate::pipeline::{timing::Clock, ScanOutcome, Session};
use crate::report::{self, Format};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Why showing a pass stopped the watch.
enum Stop {
    /// The reader closed stdout: it has what it wanted (exit 0).
    Closed,
    /// stdout failed otherwise (exit 1, said on stderr).
    Failed,
}

/// Run the watch until `--passes`, Ctrl-C, a refusal of the credentials or a closed stdout.
pub(super) fn watch(plan: &ScanPlan, w: WatchPlan, clock: Clock, quiet: bool) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let terminal = std::io::stdout().is_terminal();
    let mut session = rt.block_on(async { Session::watch() });
    let mut first_clock = Some(clock);
    let mut said_late = false;
    let mut pass = 0u64;
    let code = loop {
        pass += 1;
        let started = Instant::now();
        let clock = first_clock.take().unwrap_or_default();
        let outcome = rt.block_on(session.run(plan.request.clone(), clock));
        let excluded = &outcome.report.meta.excluded;
        if pass == 1 && !excluded.is_empty() && !quiet {
            say!(
                "volscreen: {}",
                super::super::plan::excluded_notice(excluded)
            );
        }
        let refused = session.auth_refused();
        let last = outcome.interrupted || refused.is_some() || w.passes.is_some_and(|n| pass >= n);
        let next_at = started + w.every;
        let next_in = (!last).then(|| next_at.saturating_duration_since(Instant::now()));
        match show(plan, &outcome, next_in, terminal) {
            Ok(()) => {}
            Err(Stop::Closed) => break ExitCode::SUCCESS,
            Err(Stop::Failed) => break ExitCode::from(1),
        }
        if let Some(msg) = refused {
            say!("volscreen: the watch ends after pass {pass}: {msg}");
            break ExitCode::from(1);
        }
        if last {
            break exit_status(&outcome, true);
        }
        if let Some(msg) = &outcome.fatal {
            say!("volscreen: pass {pass} could not complete: {msg}; the next pass tries again");
        }
        let now = Instant::now();
        if now >= next_at {
            if !said_late {
                // A notice: --quiet silences it.
                if !quiet {
                    say!(
                        "volscreen: pass {pass} took longer than --watch {}: the next pass starts at once",
                        seconds(w.every)
                    );
                }
                said_late = true;
            }
            continue;
        }
        let interrupted = rt.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep_until(next_at.into()) => false,
                _ = session.interrupted() => true,
            }
        });
        if interrupted {
            say!("volscreen: interrupted after pass {pass}");
            break ExitCode::from(130);
        }
    };
    // As for a one-shot scan (`commands::block_on`): background tasks are abandoned, not shut down.
    std::mem::forget(session);
    std::mem::forget(rt);
    code
}

/// One pass on stdout (and its explanation and benchmark breakdown on stderr).
fn show(
    plan: &ScanPlan,
    outcome: &ScanOutcome,
    next_in: Option<Duration>,
    terminal: bool,
) -> Result<(), Stop> {
    let output = &plan.output;
    let r = &outcome.report;
    let started = Instant::now();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match output.format {
        Format::Json => report::watch::write_json_line(r, output.render.top, &mut out),
        _ => report::watch::write_table(r, &output.render, next_in, terminal, &mut out),
    }
    .and_then(|()| out.flush());
    // Dropping a BufWriter flushes again; after a broken pipe that fails again, silently.
    drop(out);
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(Stop::Closed),
        Err(e) => {
            say!("volscreen: cannot write the output: {e}");
            return Err(Stop::Failed);
        }
    }
    let render_ms = started.elapsed().as_secs_f64() * 1000.0;
    if output.benchmark {
        say!("{}", report::watch::status_line(r, next_in));
    }
    diagnostics(output, outcome, render_ms);
    Ok(())
}

/// `--watch` as typed: `0.2`, `60` (no float noise).
fn seconds(d: Duration) -> String {
    let text = format!("{:.3}", d.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
