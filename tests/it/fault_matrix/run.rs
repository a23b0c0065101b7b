//! Running one cell of the fault matrix: a demo market with the cell's faults started in this
//! process, one `volscreen screen` by a private copy of the binary under a watchdog, and what the
//! market served.

use super::{Cell, AS_OF, N, WATCHDOG};
use crate::harness::{self, TempDir, BIN};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use volscreen::date::Date;
use volscreen::sim::{start_local, LatencyProfile, SimOptions};

// ---------------------------------------------------------------------------------------------
// Running one cell
// ---------------------------------------------------------------------------------------------

/// What one scan did.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// None when the watchdog killed it.
    pub(super) code: Option<i32>,
    pub(super) secs: f64,
    pub(super) doc: Option<Value>,
    pub(super) stderr: String,
    /// Faults the market served, by kind.
    pub(super) served: BTreeMap<String, u64>,
    /// For a timed cell measured twice: (this cell's times, its baseline's times); `secs` is then
    /// the faster of the two and the ratio uses the faster baseline.
    pub(super) retimed: Option<([f64; 2], [f64; 2])>,
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Wait for `child` until the watchdog fires; kill it then (it is ours). Returns the exit code.
fn wait_with_watchdog(child: &mut Child) -> Option<i32> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) if start.elapsed() < WATCHDOG => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// A private copy of the binary, made once: a build that relinks `target/debug/volscreen` while
/// the matrix runs (another `cargo` in the same tree) must not pull it away between cells.
fn binary() -> &'static Path {
    static COPY: std::sync::OnceLock<(TempDir, PathBuf)> = std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            let dir = TempDir::new("bin");
            let path = dir.path().join("volscreen");
            std::fs::copy(BIN, &path).expect("copy the volscreen binary");
            (dir, path)
        })
        .1
}

/// Start a market for `cell` on `rt`, scan it once with the binary, stop the market.
pub(super) fn run_cell(rt: &tokio::runtime::Runtime, cell: &Cell, as_of: Date) -> Run {
    let options = SimOptions {
        faults: cell.faults(),
        latency: if cell.seed_latency {
            LatencyProfile::seed()
        } else {
            LatencyProfile::none()
        },
        ..SimOptions::new(as_of)
    };
    let server = rt
        .block_on(start_local(options))
        .expect("the demo market starts");
    let url = server.base_url();
    let cache = TempDir::new("cache");
    let n = N.to_string();
    let mut args = vec![
        "screen",
        &n,
        "--source",
        "tastytrade",
        "--api-url",
        &url,
        "--json",
        "--no-cache",
        "--quiet",
    ];
    if cell.show_all {
        args.push("--show-all");
    }
    let mut env = vec![(volscreen::date::TODAY_VAR, AS_OF)];
    env.extend_from_slice(&harness::DEMO_CREDS);
    let mut cmd = harness::command(binary(), &args, &env, cache.path());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            rt.block_on(server.shutdown());
            return Run {
                code: None,
                secs: 0.0,
                doc: None,
                stderr: format!("cannot run the volscreen binary: {e}"),
                served: BTreeMap::new(),
                retimed: None,
            };
        }
    };
    let out = read_all(child.stdout.take().expect("piped stdout"));
    let err = read_all(child.stderr.take().expect("piped stderr"));
    let code = wait_with_watchdog(&mut child);
    let secs = start.elapsed().as_secs_f64();
    let stdout = out.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let stats = server.stats();
    let mut served: BTreeMap<String, u64> = stats["faults"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    // Token expiry is not a counted fault: the refreshes it caused are (grants after the first).
    let refreshes = stats["oauth"]["grants"]
        .as_u64()
        .unwrap_or(0)
        .saturating_sub(1);
    if refreshes > 0 {
        served.insert("token refresh".into(), refreshes);
    }
    rt.block_on(server.shutdown());
    Run {
        code,
        secs,
        doc: serde_json::from_slice(&stdout).ok(),
        stderr,
        served,
        retimed: None,
    }
}
