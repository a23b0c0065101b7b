//! The staged scan of product.md: load → auth → metrics → prefilter → enrich (candles ∥ chains →
//! quotes) → compute → filter, score, rank → report.
//!
//! Cheap batched data first; expensive per-symbol data only for symbols that can still pass;
//! everything that can overlap overlaps: the quote token, the DXLink connections and the futures
//! contract lookup start right after authentication, while metrics are in flight; candles and option
//! chains for the prefilter survivors run concurrently, candle outcomes are turned into verdicts the
//! moment each snapshot completes, and a chain is fetched only once its symbol is known to pass the
//! candle-based filters, except for a bounded number fetched speculatively to overlap small scans.
//!
//! Each stage records its timing as data ([`timing::Clock`]). Symbols move through [`state::Board`],
//! which makes conservation hold by construction.

pub mod enrich;
pub mod fields;
pub mod finish;
pub mod keep;
pub mod memo;
pub mod metrics;
pub mod session;
pub mod source;
pub mod state;
pub mod timing;

use crate::config::{Config, Thresholds};
use crate::date::Date;
use crate::model::ScanReport;
use crate::tastytrade::TastytradeClient;
pub use session::Session;
pub use source::Source;
use state::Board;
use std::sync::Arc;
use std::time::Duration;
use timing::Clock;

/// Everything a scan needs.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Normalised, de-duplicated symbols, in scan order.
    pub symbols: Vec<String>,
    /// Where they came from (a path, the built-in watchlist, `--symbols`).
    pub watchlist: String,
    pub config: Config,
    pub profile: String,
    pub thresholds: Thresholds,
    pub source: Source,
    /// The market date (the demo market's `--as-of`; today for tastytrade).
    pub as_of: Date,
    pub show_all: bool,
    pub top: Option<usize>,
    /// Whole-scan budget.
    pub timeout: Duration,
    /// Show progress bars on stderr.
    pub progress: bool,
    /// How the candle cache is used.
    pub cache: crate::cache::Mode,
    /// `--sort FIELD`: the candidates' order (default: score, highest first).
    pub sort: crate::screen::rank::SortKey,
    /// `--exclude`, `--exclude-class`: what is left out of the list (already applied to `symbols`).
    pub exclude: crate::screen::exclude::Exclusions,
    /// The symbols the exclusions dropped from the list (`meta.excluded`).
    pub excluded: Vec<String>,
    /// `--watchlist tt:NAME` / `tt-public:NAME`: the list to fetch once there is a client; its
    /// symbols then replace `symbols` (empty until then).
    pub remote_list: Option<crate::watchlist::RemoteList>,
    /// `--estimators`: the range-based estimators whose 30-session columns (`hv30_parkinson`,
    /// ...) the compute stage fills; empty by default (the fields stay `null`).
    pub estimators: Vec<crate::vol::estimators::Estimator>,
    /// Keep each symbol's candle history and per-expiration IVs for the caller (`volscreen
    /// detail`); `None` (`screen`): nothing is kept beyond the report.
    pub keep: Option<keep::Keep>,
}

/// The result of a scan: the report (possibly partial) and, when the scan could not complete, why.
#[derive(Debug)]
pub struct ScanOutcome {
    pub report: ScanReport,
    /// Set when the scan could not complete (exit code 1).
    pub fatal: Option<String>,
    /// Local CPU work of the scan, for the benchmark breakdown.
    pub local: LocalCost,
    /// The scan was stopped by Ctrl-C (exit 130).
    pub interrupted: bool,
}

/// Time spent on local work (not waiting on the network), in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LocalCost {
    /// HV and derived metrics, summed over symbols.
    pub compute_ms: f64,
    /// Final filters, score, signal and rank.
    pub filter_ms: f64,
}

/// What the stages share.
pub struct Ctx {
    pub req: ScanRequest,
    pub clock: Clock,
    pub board: Board,
    pub client: TastytradeClient,
    pub progress: indicatif::ProgressBar,
    /// DXLink pool counters, once the candle batch is done.
    pub dx_stats: std::sync::Mutex<Option<crate::dxlink::PoolStats>>,
    /// Time spent computing HV and derived metrics (summed over symbols), in nanoseconds.
    pub compute_ns: std::sync::atomic::AtomicU64,
    /// The cache as this scan uses it (candles, chain structure, hit and miss counters).
    pub cache: enrich::ScanCache,
    /// What a watch keeps between passes (the DXLink pool); `None` for a one-shot scan.
    pub warm: Option<Arc<session::Warm>>,
    /// The client's counters when this scan started (a watch's client counts across passes).
    pub rest_base: crate::tastytrade::RequestCounters,
    /// The DXLink pool's counters when this scan took it (a watch's pool counts across passes).
    pub dx_base: std::sync::Mutex<crate::dxlink::PoolStats>,
}

impl Ctx {
    /// Total REST requests so far.
    pub fn requests(&self) -> u64 {
        self.client.counters().requests
    }

    /// The DXLink pool's counters of this scan: `now` less what they were when it took the pool.
    pub fn dx_since(&self, now: crate::dxlink::PoolStats) -> crate::dxlink::PoolStats {
        now.since(&self.dx_base.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A failure that stops the whole scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

/// Run a scan: one pass of a session that keeps nothing ([`Session::one_shot`]). `clock` started
/// when the command did (so `load` is on it).
pub async fn run(req: ScanRequest, clock: Clock) -> ScanOutcome {
    Session::one_shot().run(req, clock).await
}

/// Ctrl-C; never resolves when the handler cannot be installed (the default SIGINT then applies).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The stages in order; an `Err` stops the scan (the board says what was left).
async fn stages(ctx: Arc<Ctx>) -> Result<(), Fatal> {
    // The cache is opened and today's stored chains and futures contracts read while the scan
    // authenticates.
    let c = ctx.clone();
    tokio::spawn(async move {
        c.cache.stored_fronts().await;
        c.cache.stored_chains_in_background().await;
    });
    let background = metrics::auth(&ctx).await?;
    metrics::metrics_and_prefilter(&ctx, &background).await?;
    enrich::enrich(&ctx, background).await;
    Ok(())
}

/// `--watchlist tt:NAME`: fetch the list (its request also fetches the scan's access token, so
/// the `auth` stage that follows costs nothing) and scan its first N symbols; its unscannable
/// entries are returned to be reported as errors at stage `load`. A list that cannot be had, or
/// has nothing to scan, stops the scan (exit 1) with a line naming it.
#[allow(clippy::type_complexity)]
async fn remote_list(
    mut req: ScanRequest,
    client: &TastytradeClient,
    clock: &Clock,
) -> Result<
    (ScanRequest, Vec<crate::watchlist::Unscannable>),
    (ScanRequest, String, Vec<crate::watchlist::Unscannable>),
> {
    let Some(list) = req.remote_list.clone() else {
        return Ok((req, Vec::new()));
    };
    let label = list.label();
    let g = clock.begin("watchlist", 0);
    let before = client.counters().requests;
    let fetched = client.watchlist(list.kind, &list.name).await;
    let entries = match fetched {
        Ok(w) => w.entries.unwrap_or_default(),
        Err(crate::tastytrade::WatchlistFetchError::Api(e)) if e.is_auth_failure() => {
            return Err((req, format!("authentication failed: {e}"), Vec::new()))
        }
        Err(e @ crate::tastytrade::WatchlistFetchError::NotFound { .. }) => {
            return Err((req, e.to_string(), Vec::new()))
        }
        Err(e) => {
            return Err((
                req,
                format!("cannot read watchlist {label}: {e}"),
                Vec::new(),
            ))
        }
    };
    let excluded = |s: &str| req.exclude.excludes(s);
    let resolved = crate::watchlist::account::from_entries(&label, &entries, list.first, excluded);
    let resolved = match resolved {
        Ok(r) => r,
        Err(e) => return Err((req, e.to_string(), Vec::new())),
    };
    g.end(
        resolved.symbols.len() + resolved.unscannable.len(),
        client.counters().requests - before,
    );
    req.excluded = resolved.excluded;
    if resolved.symbols.is_empty() {
        let msg = if req.excluded.is_empty() {
            format!("{label}: none of its entries can be scanned (see errors)")
        } else {
            format!("{label}: every symbol it has left to scan is excluded")
        };
        return Err((req, msg, resolved.unscannable));
    }
    req.symbols = resolved.symbols;
    Ok((req, resolved.unscannable))
}

/// A duration in seconds as a person typed it: at most millisecond precision, no float noise
/// (`1.36`, not `1.3599999999999999`; `60`, not `60.000`).
fn seconds(d: std::time::Duration) -> String {
    let text = format!("{:.3}", d.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::seconds;
    use std::time::Duration;

    #[test]
    fn seconds_print_as_typed() {
        assert_eq!(seconds(Duration::from_secs_f64(1.36)), "1.36");
        assert_eq!(seconds(Duration::from_secs(60)), "60");
        assert_eq!(seconds(Duration::from_secs_f64(0.5)), "0.5");
        assert_eq!(seconds(Duration::from_secs_f64(2.1)), "2.1");
        assert_eq!(seconds(Duration::from_millis(1)), "0.001");
    }
}
