//! Criterion benchmark of the whole scan (`pipeline::run`) against the in-process demo market at
//! latency `none`: the demo market started on a loopback port, auth, metrics, prefilter, DXLink
//! candles over real WebSockets, option chains and quotes, compute, filter, score, report. With the
//! network's modelled latency at zero, this measures volscreen's (and the demo market's) own CPU and
//! scheduling cost. The wall-clock figure under the `seed` latency model is `scripts/bench-e2e`'s job.
//!
//! Each iteration runs one scan on a fresh multi-thread tokio runtime (as the CLI does); only
//! `pipeline::run` is timed, not building or shutting down the runtime. The scan uses `--no-cache`
//! semantics (`cache::Mode::Off`) and the built-in config and `balanced` profile.
//!
//! Benchmarks:
//! - `pipeline/none/100`: the first 100 default-watchlist symbols, the stock `none` profile. Its REST
//!   rate limit (20 req/s, bursts of 40, per access token) and the client's pacing under it (config
//!   `rest.rate_per_sec` 18, `rest.burst` 36) are kept, so this is what `volscreen screen 100
//!   --latency none --no-cache` costs; the client's pacing may add time beyond the burst.
//! - `pipeline/unlimited/100` and `pipeline/unlimited/5000`: the same scan with the rate limit lifted
//!   on both sides (the demo market's `rest_limits.rate_per_sec`/`rate_burst` and the client's
//!   `rest.rate_per_sec`/`burst` set to 1e9). A deliberate choice: at 20 req/s a 5,000-symbol scan
//!   would take minutes of pure pacing (thousands of chain and quote requests) and measure the token
//!   bucket, not the code. 5,000 symbols are the 500 default-watchlist symbols plus synthetic
//!   well-formed tickers (`YAAA`, `YAAB`, …) the demo market knows (`Market::is_unknown` is false).
//!
//! Sample size 10, flat sampling, bounded measurement time: `cargo bench --bench pipeline` takes a few
//! minutes on 2 cores. Before measuring, each benchmark runs one scan and prints its counts to stderr
//! (and asserts it completed).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use std::time::{Duration, Instant};
use volscreen::cache;
use volscreen::config::Config;
use volscreen::pipeline::{self, timing::Clock, ScanOutcome, ScanRequest, Source};
use volscreen::sim::market::Market;
use volscreen::sim::{Faults, LatencyProfile};

/// A rate limit high enough never to bind.
const UNLIMITED: f64 = 1e9;

/// The scan `volscreen screen --no-cache --as-of <bench date>` would run for `symbols`, on the demo
/// market with `latency`; `unlimited` lifts the client's pacing too.
fn request(symbols: Vec<String>, latency: LatencyProfile, unlimited: bool) -> ScanRequest {
    let mut config = Config::builtin();
    if unlimited {
        config.rest.rate_per_sec = UNLIMITED;
        config.rest.burst = UNLIMITED;
    }
    let profile = config.scan.default_profile.clone();
    let thresholds = config.profile(&profile).expect("built-in profile");
    let timeout = Duration::from_secs_f64(config.scan.timeout_secs);
    ScanRequest {
        symbols,
        watchlist: "bench".to_string(),
        config,
        profile,
        thresholds,
        source: Source::Demo {
            latency: Box::new(latency),
            faults: Faults::none(),
        },
        as_of: common::as_of(),
        show_all: false,
        top: None,
        timeout,
        progress: false,
        cache: cache::Mode::Off,
        remote_list: None,
        sort: Default::default(),
        exclude: Default::default(),
        excluded: Vec::new(),
        estimators: Vec::new(),
        keep: None,
    }
}

/// `LatencyProfile::none()` with the demo market's REST rate limit lifted.
fn none_unlimited() -> LatencyProfile {
    let mut p = LatencyProfile::none();
    p.name = "none-unlimited".to_string();
    p.rest_limits.rate_per_sec = UNLIMITED;
    p.rest_limits.rate_burst = UNLIMITED;
    p
}

/// Run one scan on a fresh runtime; returns the outcome and the time `pipeline::run` took.
fn scan(req: &ScanRequest) -> (ScanOutcome, Duration) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let req = req.clone();
    let (outcome, took) = rt.block_on(async move {
        let start = Instant::now();
        let outcome = pipeline::run(req, Clock::new()).await;
        (outcome, start.elapsed())
    });
    rt.shutdown_timeout(Duration::from_millis(100));
    (outcome, took)
}

/// One scan before measuring: it must complete; its counts go to stderr.
fn check(label: &str, req: &ScanRequest) {
    let (outcome, took) = scan(req);
    let m = &outcome.report.meta;
    assert!(
        outcome.fatal.is_none() && m.complete,
        "{label}: the scan did not complete: {:?}",
        outcome.fatal
    );
    let rq = &m.timings.requests;
    eprintln!(
        "{label}: {:.0} ms · {} symbols · candidates {} rejected {} errors {} · REST requests {} · retries {} · 429s {}",
        took.as_secs_f64() * 1000.0,
        m.symbols_requested,
        m.counts.candidates,
        m.counts.rejected,
        m.counts.errors,
        rq.requests,
        rq.retries,
        rq.rate_limited
    );
}

fn bench_pipeline(c: &mut Criterion) {
    let market = Market::new(common::as_of());
    let cases = [
        ("none", 100, false),
        ("unlimited", 100, true),
        ("unlimited", 5_000, true),
    ];
    let mut g = c.benchmark_group("pipeline");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20));
    for (name, n, unlimited) in cases {
        let latency = if unlimited {
            none_unlimited()
        } else {
            LatencyProfile::none()
        };
        let req = request(common::universe(n, &market, false), latency, unlimited);
        check(&format!("pipeline/{name}/{n}"), &req);
        g.bench_with_input(BenchmarkId::new(name, n), &req, |b, req| {
            b.iter_custom(|iters| (0..iters).map(|_| scan(req).1).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
