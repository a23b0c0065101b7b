//! The test harness shared by the suites, so that each piece of it exists once: temporary
//! directories ([`TempDir`]), running the real binary in a clean environment ([`command`], [`run`],
//! [`Run`]), a demo market served from the test process ([`Market`]) or a scripted `axum` app on a
//! loopback port ([`serve`]), reading JSON files and the output document ([`read_json`], [`list`],
//! [`without_clock`]), its JSON schema compiled once ([`validator`], [`assert_schema_valid`]), and
//! the hang guard and fault counter of the DXLink suites ([`guarded`], [`fault_count`]).
//!
//! What belongs to one suite (its arguments, its dates, its own checks) stays in that suite.

use serde_json::Value;
use std::ffi::OsStr;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use volscreen::date::{Date, TODAY_FILE_VAR, TODAY_VAR};
use volscreen::sim::{start_local, SimOptions, SimServer, DEMO_SECRET};

// ---------------------------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------------------------

/// A fresh directory under the system temp dir, unique to this process and call, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// `volscreen-it-PID-TAG-N` under the system temp dir, empty.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("volscreen-it-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create a temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `text` to `rel` inside the directory (creating its parent directories); returns the
    /// file's path as a string, ready to be an argument.
    pub fn file(&self, rel: &str, text: &str) -> String {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create the file's directories");
        }
        std::fs::write(&p, text).expect("write a temp file");
        p.to_str().expect("a UTF-8 temp path").to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// The binary under test (built with the `demo` feature).
pub const BIN: &str = env!("CARGO_BIN_EXE_volscreen");

/// Credentials the demo market accepts, as the binary reads them from the environment.
pub const DEMO_CREDS: [(&str, &str); 2] = [
    ("TASTYTRADE_REFRESH_TOKEN", DEMO_SECRET),
    ("TASTYTRADE_CLIENT_SECRET", DEMO_SECRET),
];

/// Variables no run inherits from the test's environment, besides every `TASTYTRADE_*` and
/// `TT_*`: they would change the source, the output or the date. A suite that wants one sets it.
const UNSET: [&str; 8] = [
    "BENCHMARK",
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "COLUMNS",
    "RUST_BACKTRACE",
    "VOLSCREEN_CONFIG",
    TODAY_VAR,
    TODAY_FILE_VAR,
];

/// `program ARGS` (the binary, or a copy of it) with stdin closed, in a clean environment: no
/// `TASTYTRADE_*`/`TT_*` variable nor any of [`UNSET`], `cache` as `VOLSCREEN_CACHE_DIR`, no user
/// config (`XDG_CONFIG_HOME` a directory that does not exist), then `env` on top. Output is left to the caller (captured by `output`, or piped before `spawn`).
pub fn command<S: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    args: &[S],
    env: &[(&str, &str)],
    cache: &Path,
) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        let name = k.to_string_lossy();
        if name.starts_with("TASTYTRADE_") || name.starts_with("TT_") {
            cmd.env_remove(&k);
        }
    }
    for k in UNSET {
        cmd.env_remove(k);
    }
    cmd.env("VOLSCREEN_CACHE_DIR", cache);
    // No user config (`$XDG_CONFIG_HOME/volscreen/config.toml`, else under `$HOME/.config`) from
    // the machine running the tests: a directory that does not exist, unless `env` sets one.
    cmd.env("XDG_CONFIG_HOME", cache.join("no-user-config"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Run `volscreen ARGS` to the end as [`command`] sets it up, capturing what it printed.
pub fn run(args: &[&str], env: &[(&str, &str)], cache: &Path) -> Run {
    let out = command(BIN, args, env, cache)
        .output()
        .expect("run the volscreen binary");
    Run::from_output(args, out)
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The run of `args` that ended with `out`; panics if a signal killed it or it printed
    /// anything but UTF-8.
    pub fn from_output(args: &[&str], out: Output) -> Run {
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out
                .status
                .code()
                .unwrap_or_else(|| panic!("{args:?} was killed: {:?}", out.status)),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// stdout as exactly one JSON document (serde_json refuses trailing non-whitespace).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{:?}: stdout is not one JSON document: {e}\nstdout:\n{}\nstderr:\n{}",
                self.args, self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit code (showing both outputs when it differs).
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "{:?}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    /// Exit 2, nothing on stdout, one line on stderr containing every needle, and no panic.
    pub fn expect_input_error(&self, needles: &[&str]) {
        self.expect_code(2);
        assert_eq!(self.stdout, "", "{:?}: stdout must be empty", self.args);
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "{:?}: one line on stderr:\n{}",
            self.args,
            self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "{:?}: stderr lacks {needle:?}:\n{}",
                self.args,
                self.stderr
            );
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Servers in the test process
// ---------------------------------------------------------------------------------------------

/// A demo market running in this test process on a runtime of its own (two workers), so it
/// serves while the test thread waits for a child process; shut down on drop.
pub struct Market {
    server: Option<SimServer>,
    rt: tokio::runtime::Runtime,
}

impl Market {
    /// A market with `options`.
    pub fn start(options: SimOptions) -> Market {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt
            .block_on(start_local(options))
            .expect("the demo market starts");
        Market {
            server: Some(server),
            rt,
        }
    }

    /// The synthetic market of `date` (no faults, no fixtures).
    pub fn on(date: Date) -> Market {
        Market::start(SimOptions::new(date))
    }

    pub fn server(&self) -> &SimServer {
        self.server.as_ref().expect("running")
    }

    pub fn url(&self) -> String {
        self.server().base_url()
    }

    /// `/__sim/stats`: what the market served so far.
    pub fn stats(&self) -> Value {
        self.server().stats()
    }

    /// Run `f` to completion on the market's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

impl Drop for Market {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// Serve `app` on a random loopback port from a task of the current runtime; returns its address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Faults of kind `name` the demo market has injected so far.
pub fn fault_count(server: &SimServer, name: &str) -> u64 {
    server.stats()["faults"][name].as_u64().unwrap_or(0)
}

/// Run `f` under a generous guard (120 s) so a hang fails the test instead of blocking the suite.
pub async fn guarded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within the hang guard"))
}

// ---------------------------------------------------------------------------------------------
// JSON files and the output document
// ---------------------------------------------------------------------------------------------

/// The JSON file at `path`; panics naming the path.
pub fn read_json(path: impl AsRef<Path>) -> Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The output document's schema, `docs/screen-output.schema.json`.
pub fn schema() -> Value {
    read_json(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/screen-output.schema.json"
    ))
}

/// [`schema`] compiled once (with format checks) and shared by every test.
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema())
            .expect("the schema compiles")
    })
}

/// Panics listing every way `doc` violates the schema.
pub fn assert_schema_valid(doc: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

/// The array `doc[key]` (`candidates`, `rejected`, `errors`, ...); panics if it is not one.
pub fn list<'a>(doc: &'a Value, key: &str) -> &'a Vec<Value> {
    doc[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is an array"))
}

/// `doc` without what legitimately changes between runs: when it ran and how long it took.
pub fn without_clock(doc: &Value) -> Value {
    let mut d = doc.clone();
    let meta = d["meta"].as_object_mut().expect("meta");
    meta.remove("scanned_at");
    meta.remove("timings");
    d
}
