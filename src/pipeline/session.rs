//! The scan as a long-lived session ([`Session`]): one pass is one scan; `screen --watch` runs
//! pass after pass on the same session, which keeps what a later pass can reuse.
//!
//! What a session keeps between passes (a one-shot scan, [`super::run`], is one pass of a session
//! that keeps nothing):
//! - the source: the in-process demo market stays up, and the base URL and credentials with it;
//! - the REST client, with its access token (refreshed by the client when it is due, never asked
//!   for again before), its connection pool, pacer and counters;
//! - the DXLink pool ([`Warm`]): its connections stay open between passes (DXLink keepalives keep
//!   them so; a socket the server closed meanwhile reconnects on the next call) and the quote
//!   token it was opened with is not asked for again. The pool is opened anew, with a new quote
//!   token, after a pass that did not complete or whose connects failed (an expired quote token
//!   looks like that), and after [`POOL_MAX_AGE`] (tastytrade's quote tokens live about 24 h);
//! - the memory of the trading day ([`super::memo::Memo`]): candle histories, option-chain
//!   structures and futures front months fetched by earlier passes, so a later pass of the same
//!   day makes no candle subscription and no chain request for them (with `--no-cache` too).
//!
//! So a pass after the first costs the batched requests (metrics, prices, futures prices), the
//! ATM option quotes on the open DXLink connections, and whatever earlier passes did not fetch.
//! Each pass's `meta.timings` counts that pass only (the client's and the pool's counters since
//! the pass started). For the tastytrade source each pass scans today's market (`Date::today`,
//! asked at every pass), so a watch running past midnight moves to the next day and its memory
//! with it; the demo market keeps its `--as-of` date.
//!
//! A watch's document says which pass it is and what changed: `meta.pass`, `meta.entered` (this
//! pass's candidates that the previous pass did not list; on pass 1 every candidate) and
//! `meta.left` (the previous pass's candidates this pass does not list), so that the candidates of
//! pass n are those of pass n−1, plus `entered`, less `left`, for every n (pass 0 has none).

use super::memo::Memo;
use super::state::Board;
use super::timing::Clock;
use super::{enrich, finish, source, Ctx, Fatal, ScanOutcome, ScanRequest, Source};
use crate::dxlink::CandlePool;
use crate::model::{Stage, WatchPass};
use crate::tastytrade::{ClientConfig, TastytradeClient};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long a watch keeps using one DXLink pool (and the quote token it was opened with) before
/// opening a new one; tastytrade's quote tokens live about 24 h.
pub const POOL_MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// What a watch's passes share beyond the client: the DXLink pool and the day's memory.
#[derive(Debug, Default)]
pub struct Warm {
    /// Candles, chain structures and front months fetched by earlier passes.
    pub memo: Arc<Memo>,
    pool: Mutex<Option<(Arc<CandlePool>, Instant)>>,
}

impl Warm {
    /// The pool an earlier pass opened, if it is still to be used.
    pub fn pool(&self) -> Option<Arc<CandlePool>> {
        let mut kept = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if kept
            .as_ref()
            .is_some_and(|(_, opened)| opened.elapsed() >= POOL_MAX_AGE)
        {
            *kept = None;
        }
        kept.as_ref().map(|(p, _)| p.clone())
    }

    /// Keep the pool this pass opened for the passes after it.
    pub fn keep_pool(&self, pool: Arc<CandlePool>) {
        *self.pool.lock().unwrap_or_else(|e| e.into_inner()) = Some((pool, Instant::now()));
    }

    /// Let the kept pool go (it closes when the last pass using it is done with it).
    fn drop_pool(&self) {
        *self.pool.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The source and client a session set up on its first pass.
struct Started {
    /// Keeps the in-process demo market alive.
    _connected: source::Connected,
    client: TastytradeClient,
}

/// A scan session: one [`Session::run`] per pass.
pub struct Session {
    started: Option<Started>,
    /// `None`: a one-shot scan (nothing kept).
    warm: Option<Arc<Warm>>,
    /// Ctrl-C, as seen by a listener that lives as long as the watch.
    interrupt: Option<watch::Receiver<bool>>,
    pass: u64,
    /// The previous pass's candidates (a watch only).
    previous: Option<Vec<String>>,
}

impl Session {
    /// A session for one scan: nothing is kept for a next pass, and Ctrl-C is listened for during
    /// the scan only.
    pub fn one_shot() -> Session {
        Session {
            started: None,
            warm: None,
            interrupt: None,
            pass: 0,
            previous: None,
        }
    }

    /// A session for `screen --watch`: the source, client, DXLink pool and the day's memory are
    /// kept between passes, and Ctrl-C is listened for from now on (also between passes, see
    /// [`Session::interrupted`]). Must be called within a tokio runtime.
    pub fn watch() -> Session {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            // Never fires when the handler cannot be installed (the default SIGINT then applies).
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(true);
            }
            // Keep the sender: receivers see `true`, not a closed channel.
            std::future::pending::<()>().await;
        });
        Session {
            warm: Some(Arc::new(Warm::default())),
            interrupt: Some(rx),
            ..Session::one_shot()
        }
    }

    /// Resolves on Ctrl-C (a one-shot session: on the next Ctrl-C).
    pub async fn interrupted(&self) {
        interrupt(self.interrupt.clone()).await
    }

    /// The credentials' final refusal, once the service gave one: nothing will work until they
    /// change, so a watch ends (exit 1).
    pub fn auth_refused(&self) -> Option<String> {
        let refused = self.started.as_ref()?.client.auth_refused()?;
        Some(format!("authentication failed: {refused}"))
    }

    /// One pass: a whole scan of `req`. `clock` started when the pass did (for the first pass:
    /// when the command did, so that `load` is on it).
    pub async fn run(&mut self, mut req: ScanRequest, clock: Clock) -> ScanOutcome {
        self.pass += 1;
        if self.pass > 1 && matches!(req.source, Source::Tastytrade { .. }) {
            // Today's market, asked at every pass: a watch past midnight moves to the next day.
            req.as_of = crate::date::Date::today();
        }
        let mut outcome = self.scan(req, clock).await;
        if self.warm.is_some() {
            outcome.report.meta.watch = Some(self.changes(&outcome));
        }
        outcome
    }

    /// This pass's entry in `meta` (and the previous candidates updated).
    fn changes(&mut self, outcome: &ScanOutcome) -> WatchPass {
        let now: Vec<String> = outcome
            .report
            .candidates
            .iter()
            .map(|c| c.symbol.clone())
            .collect();
        let (entered, left) = changes(self.previous.as_deref().unwrap_or_default(), &now);
        self.previous = Some(now);
        WatchPass {
            pass: self.pass,
            entered,
            left,
        }
    }

    /// The source and client: set up on the first pass (stage `source`), or on a later one if
    /// the first could not.
    async fn start(
        &mut self,
        req: &ScanRequest,
        clock: &Clock,
    ) -> Result<TastytradeClient, String> {
        if let Some(s) = &self.started {
            return Ok(s.client.clone());
        }
        let g = clock.begin("source", req.symbols.len());
        let connected = source::connect(&req.source, req.as_of)
            .await
            .map_err(|e| format!("cannot start the {} source: {e}", req.source.name()))?;
        g.end(req.symbols.len(), 0);
        let cc = ClientConfig::from_rest(
            &req.config.rest,
            connected.base_url.clone(),
            connected.client_secret.clone(),
            connected.refresh_token.clone(),
        );
        let client = TastytradeClient::new(cc).map_err(|e| e.to_string())?;
        self.started = Some(Started {
            _connected: connected,
            client: client.clone(),
        });
        Ok(client)
    }

    /// The scan of one pass, to its end, the budget or Ctrl-C.
    async fn scan(&mut self, req: ScanRequest, clock: Clock) -> ScanOutcome {
        let client = match self.start(&req, &clock).await {
            Ok(c) => c,
            Err(msg) => return finish::fatal_before_start(&req, &clock, msg),
        };
        // The client counts across passes: this pass's requests are those from here on.
        let rest_base = client.counters();
        let (req, unscannable) = match super::remote_list(req, &client, &clock).await {
            Ok(r) => r,
            Err((req, msg, unscannable)) => {
                let mut outcome = finish::fatal_before_start(&req, &clock, msg);
                crate::watchlist::account::report_unscannable(&mut outcome.report, &unscannable);
                return outcome;
            }
        };
        let progress = progress_bar(&req);
        let memo = self.warm.as_ref().map(|w| w.memo.clone());
        let ctx = Arc::new(Ctx {
            board: Board::new(&req.symbols),
            cache: enrich::ScanCache::new(&req).with_memo(memo),
            req,
            clock,
            client,
            progress,
            dx_stats: std::sync::Mutex::new(None),
            compute_ns: std::sync::atomic::AtomicU64::new(0),
            warm: self.warm.clone(),
            rest_base,
            dx_base: std::sync::Mutex::new(Default::default()),
        });
        let timeout = ctx.req.timeout;
        let mut interrupted = false;
        let outcome = tokio::select! {
            r = super::stages(ctx.clone()) => r.err().inspect(|f| ctx.board.fail_active(&f.0)),
            _ = tokio::time::sleep(timeout) => {
                let msg = format!("the --timeout budget of {} s ran out", super::seconds(timeout));
                ctx.board.halt(Stage::Timeout, &msg);
                Some(Fatal(msg))
            }
            _ = interrupt(self.interrupt.clone()) => {
                interrupted = true;
                let msg = "interrupted (Ctrl-C)".to_string();
                ctx.board.halt(Stage::Interrupted, &msg);
                Some(Fatal(msg))
            }
        };
        ctx.progress.finish_and_clear();
        let mut outcome = finish::report(&ctx, outcome);
        crate::watchlist::account::report_unscannable(&mut outcome.report, &unscannable);
        outcome.interrupted = interrupted;
        if let Some(warm) = &self.warm {
            let dx = ctx.dx_stats.lock().ok().and_then(|g| *g);
            if outcome.fatal.is_some() || dx.is_some_and(|d| d.connect_failures > 0) {
                warm.drop_pool();
            }
        }
        outcome
    }
}

/// Ctrl-C: from the watch's listener when there is one, else from a handler installed now.
async fn interrupt(listener: Option<watch::Receiver<bool>>) {
    match listener {
        Some(mut rx) => {
            if rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => super::ctrl_c().await,
    }
}

/// The progress bar on stderr (hidden unless the request asks for it).
fn progress_bar(req: &ScanRequest) -> indicatif::ProgressBar {
    if !req.progress {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(req.symbols.len() as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg:<10} [{bar:30}] {pos}/{len} {elapsed}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// What changed from the candidates `before` to `now`: `(entered, left)`, each in the order of
/// the list it comes from.
pub fn changes(before: &[String], now: &[String]) -> (Vec<String>, Vec<String>) {
    let was: HashSet<&String> = before.iter().collect();
    let is: HashSet<&String> = now.iter().collect();
    let entered = now.iter().filter(|s| !was.contains(s)).cloned().collect();
    let left = before.iter().filter(|s| !is.contains(s)).cloned().collect();
    (entered, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn entered_and_left_are_the_set_differences_in_list_order() {
        let (e, l) = changes(&v(&["A", "B", "C"]), &v(&["D", "B", "E", "A"]));
        assert_eq!(e, v(&["D", "E"]));
        assert_eq!(l, v(&["C"]));
        let (e, l) = changes(&[], &v(&["B", "A"]));
        assert_eq!(
            (e, l),
            (v(&["B", "A"]), v(&[])),
            "pass 1: every candidate entered"
        );
        let (e, l) = changes(&v(&["A"]), &v(&["A"]));
        assert!(e.is_empty() && l.is_empty());
        let (e, l) = changes(&v(&["A", "B"]), &[]);
        assert_eq!((e, l), (v(&[]), v(&["A", "B"])));
    }

    #[test]
    fn a_kept_pool_can_be_let_go() {
        let w = Warm::default();
        assert!(w.pool().is_none());
        w.drop_pool();
        assert!(w.pool().is_none());
    }
}
