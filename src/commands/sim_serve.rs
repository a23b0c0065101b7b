//! `volscreen sim serve`: the demo market on a socket until Ctrl-C. Its flags are checked first
//! (exit 2 on a bad one); the first stdout line is `listening on http://HOST:PORT`.

use super::plan::{parse_as_of, UsageError};
use super::{runtime, usage_error};
use crate::cli::SimServeArgs;
use crate::sim::{self, Faults, LatencyProfile, SimOptions};
use std::io::Write;
use std::process::ExitCode;

/// The flags of `sim serve` → the demo market's options.
fn options(args: &SimServeArgs) -> Result<SimOptions, UsageError> {
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let latency = LatencyProfile::load(&args.latency).map_err(UsageError::Latency)?;
    let faults = Faults::parse(&args.faults).map_err(UsageError::Faults)?;
    if let Some(dir) = &args.fixtures {
        if !dir.is_dir() {
            return Err(UsageError::Fixtures(dir.clone()));
        }
    }
    Ok(SimOptions {
        latency,
        faults,
        fixtures: args.fixtures.clone(),
        ..SimOptions::new(as_of)
    })
}

/// `volscreen sim serve`.
pub fn sim_serve(args: &SimServeArgs) -> ExitCode {
    let options = match options(args) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let addr = args.addr;
    let as_of = options.as_of;
    rt.block_on(async move {
        let server = match sim::start(options, addr).await {
            Ok(s) => s,
            Err(e) => {
                say!("volscreen: cannot listen on {addr}: {e}");
                return ExitCode::from(1);
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.base_url());
        let _ = out.flush();
        drop(out);
        say!(
            "demo market as of {as_of}, latency {}; credentials: client secret and refresh token {:?}",
            server.state.options.latency.name,
            sim::DEMO_SECRET
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
