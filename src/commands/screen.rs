//! `volscreen screen`: args → checked plan ([`ScanPlan`]) → run (the pipeline) → render (the
//! report), then the exit code.
//!
//! Rules:
//! - A usage error is found while building the plan, before anything is fetched: exit 2.
//! - stdout gets only the requested output. What was decided stays decided: a scan stopped by the
//!   budget or Ctrl-C (or by a failure after some symbols were decided) prints its partial result
//!   in every format, with one line on stderr saying how many symbols are undecided. A scan that
//!   decided nothing prints only the JSON document (every symbol in `errors`).
//! - A reader that closes stdout early (`| head`) is not an error.
//! - Exit codes: 0 completed, 1 could not complete (or stdout failed), 130 interrupted.
//! - `--watch SECS` runs pass after pass on one session ([`watch`]).

mod watch;

use super::plan::{OutputPlan, ScanPlan};
use super::{block_on, usage_error};
use crate::cli::ScreenArgs;
use crate::pipeline::{self, timing::Clock, ScanOutcome, ScanRequest};
use crate::report::{self, Format};
use std::io::Write;
use std::process::ExitCode;

/// `volscreen screen`.
pub fn screen(args: &ScreenArgs) -> ExitCode {
    let clock = Clock::new();
    let load = clock.begin("load", 0);
    let plan = match ScanPlan::from_args(args) {
        Ok(plan) => plan,
        Err(e) => return usage_error(&e),
    };
    if plan.demo_by_default && !args.quiet {
        say!(
            "volscreen: no tastytrade credentials (TASTYTRADE_REFRESH_TOKEN); scanning the demo market as of {}",
            plan.request.as_of
        );
    }
    load.end(plan.request.symbols.len(), 0);
    if let Some(w) = plan.watch {
        return watch::watch(&plan, w, clock, args.quiet);
    }
    let outcome = match run(plan.request, clock) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    // After the scan: a `tt:` list is known (and its exclusions made) only then.
    let excluded = &outcome.report.meta.excluded;
    if !excluded.is_empty() && !args.quiet {
        say!("volscreen: {}", super::plan::excluded_notice(excluded));
    }
    match render(&plan.output, &outcome) {
        Ok(printed) => exit_status(&outcome, printed),
        Err(code) => code,
    }
}

/// Run the scan to its end, the budget or Ctrl-C.
fn run(request: ScanRequest, clock: Clock) -> Result<ScanOutcome, ExitCode> {
    block_on(pipeline::run(request, clock))
}

/// Whether anything was decided: then the (partial) result is printed in every format.
fn decided_something(outcome: &ScanOutcome) -> bool {
    let r = &outcome.report;
    outcome.interrupted
        || report::table::undecided(r) > 0
        || r.meta.counts.candidates > 0
        || r.meta.counts.rejected > 0
}

/// The result on stdout (when there is one to print), the explanation and the benchmark breakdown
/// on stderr. `Ok(printed)`, or exit 1 when stdout failed other than by a closed pipe.
fn render(output: &OutputPlan, outcome: &ScanOutcome) -> Result<bool, ExitCode> {
    let r = &outcome.report;
    let format = output.format;
    let print = outcome.fatal.is_none() || format == Format::Json || decided_something(outcome);
    let render_started = std::time::Instant::now();
    if print {
        // Buffered: stdout is line-buffered, and a pretty 5,000-symbol document has 200k lines.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let written =
            report::render(format, &output.render, r, &mut out).and_then(|()| out.flush());
        // A reader that closed the pipe (`| head`) has what it wanted: not an error.
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                say!("volscreen: cannot write the output: {e}");
                return Err(ExitCode::from(1));
            }
        }
        // Dropping a BufWriter flushes again; after a broken pipe that fails again, silently.
        drop(out);
    }
    let render_ms = render_started.elapsed().as_secs_f64() * 1000.0;
    diagnostics(output, outcome, render_ms);
    Ok(print)
}

/// On stderr: the explanation (with JSON or CSV) and the benchmark breakdown, when asked for.
fn diagnostics(output: &OutputPlan, outcome: &ScanOutcome, render_ms: f64) {
    let r = &outcome.report;
    if output.explain_on_stderr {
        // The explanation goes to stderr so that stdout stays one document; it is rendered from
        // the report itself (rejected symbols and errors only), and a closed stderr is ignored.
        let mut err = std::io::BufWriter::new(std::io::stderr().lock());
        let _ = report::table::write_explanation(r, &mut err).and_then(|()| err.flush());
    }
    if output.benchmark {
        let _ = report::benchmark::write_breakdown(r, &mut std::io::stderr());
        let l = outcome.local;
        say!(
            "  local work: compute {:.2} ms · filter/score/rank {:.2} ms · report {:.2} ms · total {:.2} ms",
            l.compute_ms,
            l.filter_ms,
            render_ms,
            l.compute_ms + l.filter_ms + render_ms
        );
    }
}

/// 130 after Ctrl-C, 1 when the scan could not complete, else 0; the first two with one line on
/// stderr (how many symbols are undecided, whether the partial result was printed).
fn exit_status(outcome: &ScanOutcome, printed: bool) -> ExitCode {
    let undecided_text = match report::table::undecided(&outcome.report) {
        0 => String::new(),
        1 => "; 1 symbol undecided".to_string(),
        n => format!("; {n} symbols undecided"),
    };
    let printed = if printed && (outcome.interrupted || outcome.fatal.is_some()) {
        " (the partial result is printed)"
    } else {
        ""
    };
    if outcome.interrupted {
        say!("volscreen: interrupted{undecided_text}{printed}");
        return ExitCode::from(130);
    }
    match &outcome.fatal {
        None => ExitCode::SUCCESS,
        Some(msg) => {
            say!("volscreen: scan could not complete: {msg}{undecided_text}{printed}");
            ExitCode::from(1)
        }
    }
}
