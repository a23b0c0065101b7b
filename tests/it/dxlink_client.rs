//! The DXLink candle client (`volscreen::dxlink`) against the demo market's DXLink server over real
//! sockets: batches of hundreds of symbols, dropped sockets, SNIP, FULL format, re-sent FEED_CONFIG,
//! empty histories, deadlines, connection limits, keepalives, chunked subscriptions and futures.
//! Results are compared with `market.candles(symbol)`, which is what the server sends.

use crate::dxlink_pool;
use crate::harness::{fault_count, guarded};

use dxlink_pool::{as_of, market, pool};
use std::collections::HashMap;
use std::time::Duration;
use volscreen::candle::Candle;
use volscreen::dxlink::{
    futures_candle_symbol, history_from_time_ms, CandleError, CandlePool, CandleSeries,
    DxLinkConfig, HISTORY_DAYS,
};
use volscreen::sim::faults::Fault;
use volscreen::sim::{Faults, LatencyProfile, SimServer};
use volscreen::symbol::split_candle_symbol;

fn from_time() -> i64 {
    history_from_time_ms(as_of(), HISTORY_DAYS)
}

/// What the server sends for `candle_symbol` from `from`: the market's candles, filtered.
fn expected(server: &SimServer, candle_symbol: &str, from: i64) -> Vec<Candle> {
    let (base, _) = split_candle_symbol(candle_symbol);
    server
        .state
        .market
        .candles(base)
        .map(|c| c.iter().filter(|c| c.time >= from).copied().collect())
        .unwrap_or_default()
}

/// Up to `n` candle symbols of equities, ETFs and indices from the default watchlist, topped up
/// with generated tickers.
fn watchlist_symbols(n: usize) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/watchlists/default.csv");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let first = line.split(',').next().unwrap_or("").trim();
        if first.is_empty()
            || first.starts_with('#')
            || first.eq_ignore_ascii_case("symbol")
            || first.starts_with('/')
        {
            continue;
        }
        let s = format!("{first}{{=1d}}");
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.truncate(n);
    let mut i = 0;
    while out.len() < n {
        let s = format!("QX{i:04}{{=1d}}");
        if !out.contains(&s) {
            out.push(s);
        }
        i += 1;
    }
    out
}

fn ok<'a>(
    results: &'a HashMap<String, Result<CandleSeries, CandleError>>,
    sym: &str,
) -> &'a CandleSeries {
    match results.get(sym) {
        Some(Ok(s)) => s,
        Some(Err(e)) => panic!("{sym}: {e}"),
        None => panic!("{sym}: no outcome"),
    }
}

fn assert_all_equal_to_market(
    server: &SimServer,
    symbols: &[String],
    results: &HashMap<String, Result<CandleSeries, CandleError>>,
) {
    assert_eq!(results.len(), symbols.len(), "one outcome per symbol");
    let mut with_history = 0;
    for sym in symbols {
        let got = ok(results, sym);
        let want = expected(server, sym, from_time());
        assert!(!got.truncated, "{sym} truncated");
        assert_eq!(got.candles, want, "{sym}");
        with_history += usize::from(!want.is_empty());
    }
    // Some symbols are not listed yet as of the market date (no candles, like unknown symbols);
    // the comparison must not be vacuous.
    assert!(
        with_history * 10 >= symbols.len() * 9,
        "{with_history} of {} symbols have candles",
        symbols.len()
    );
}

fn dx(server: &SimServer, key: &str) -> i64 {
    server.stats()["dxlink"][key].as_i64().unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_500_symbols_in_one_batch_equal_to_the_market_within_the_connection_limit() {
    let server = market("", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(500);
    assert_eq!(symbols.len(), 500);
    let results = guarded("500 symbols", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_all_equal_to_market(&server, &symbols, &results);
    // The requested history covers HV252 (253 closes) for symbols listed long enough.
    let long = results
        .values()
        .filter(|r| r.as_ref().is_ok_and(|s| s.candles.len() >= 253))
        .count();
    assert!(
        long * 10 >= symbols.len() * 8,
        "{long} symbols with 253+ closes"
    );
    let stats = pool.stats();
    assert_eq!(stats.snapshots_completed, 500);
    assert_eq!(stats.subscriptions_added, 500);
    assert_eq!(
        stats.subscriptions_removed, 500,
        "completed symbols are unsubscribed"
    );
    assert!(stats.connections_opened <= 4, "{stats:?}");
    assert_eq!(stats.reconnects, 0);
    assert!(dx(&server, "peak_connections") <= 4, "{}", server.stats());
    assert_eq!(dx(&server, "refused_connections"), 0);
    assert_eq!(
        dx(&server, "errors"),
        0,
        "no ERROR frames: {}",
        server.stats()
    );
    pool.shutdown().await;
}

/// A `ws_drop=0.3` spec whose first two rolls hit, so the market certainly drops sockets (its
/// dice are deterministic: the same rolls happen here and there).
fn ws_drop_spec() -> String {
    (1..10_000)
        .map(|seed| format!("ws_drop=0.3,seed={seed}"))
        .find(|spec| {
            let f = Faults::parse(spec).expect("fault spec");
            f.roll(Fault::WsDrop) && f.roll(Fault::WsDrop)
        })
        .expect("some seed drops twice")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_sockets_mid_snapshot_reconnect_and_every_symbol_completes() {
    let server = market(&ws_drop_spec(), LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(120);
    let results = guarded("ws_drop", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_all_equal_to_market(&server, &symbols, &results);
    let stats = pool.stats();
    assert!(fault_count(&server, "ws_drop") >= 1, "{}", server.stats());
    assert!(stats.reconnects >= 1, "{stats:?}");
    // Only what was still missing was subscribed again: each symbol completed exactly once.
    assert_eq!(stats.snapshots_completed, symbols.len() as u64);
    assert_eq!(
        stats.subscriptions_added,
        symbols.len() as u64 + stats.resubscriptions,
        "{stats:?}"
    );
    assert!(dx(&server, "peak_connections") <= 4, "{}", server.stats());
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_socket_drops_still_give_exactly_one_outcome_per_symbol() {
    // Most sockets die mid-snapshot: the pool backs off, shrinks what it keeps in flight and
    // retries; whatever it cannot get fails as `Dropped`, and nothing is lost or duplicated.
    let server = market("ws_drop=0.8,seed=5", LatencyProfile::none()).await;
    let cfg = DxLinkConfig {
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    let symbols = watchlist_symbols(40);
    let mut rx = pool.fetch(symbols.clone(), from_time());
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Some(o) = guarded("heavy drops", rx.recv()).await {
        *seen.entry(o.symbol.clone()).or_default() += 1;
        match o.result {
            Ok(s) => assert_eq!(s.candles, expected(&server, &o.symbol, from_time())),
            Err(e) => assert!(matches!(e, CandleError::Dropped(_)), "{}: {e}", o.symbol),
        }
    }
    assert_eq!(seen.len(), symbols.len());
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    assert!(pool.stats().reconnects >= 1);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snip_completes_with_a_truncated_history() {
    let server = market("snip=1", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(20);
    let results = guarded("snip", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_eq!(results.len(), symbols.len());
    for sym in &symbols {
        let got = ok(&results, sym);
        let want = expected(&server, sym, from_time());
        assert!(got.truncated, "{sym} should say truncated");
        assert!(!got.candles.is_empty() && got.candles.len() < want.len());
        // The newest part of the history, in ascending order.
        assert!(want.ends_with(&got.candles), "{sym}");
    }
    assert_eq!(pool.stats().snapshots_truncated, symbols.len() as u64);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_format_mid_snapshot_decodes_the_same_candles() {
    let server = market("full=1", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(30);
    let results = guarded("full", pool.fetch_all(symbols.clone(), from_time())).await;
    assert!(fault_count(&server, "full") >= 1, "{}", server.stats());
    assert_all_equal_to_market(&server, &symbols, &results);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_config_resent_with_a_new_field_order_decodes_the_same_candles() {
    let server = market("reconfig=1", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(30);
    let results = guarded("reconfig", pool.fetch_all(symbols.clone(), from_time())).await;
    assert!(fault_count(&server, "reconfig") >= 1, "{}", server.stats());
    assert_all_equal_to_market(&server, &symbols, &results);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_histories_complete_empty() {
    // Unknown symbols and a bare futures root have no candles at all.
    let server = market("", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let unknown: Vec<String> = ["ZZZZ{=1d}", "NOPE{=1d}", "/ES{=1d}"]
        .map(String::from)
        .to_vec();
    let results = guarded("unknown", pool.fetch_all(unknown.clone(), from_time())).await;
    for sym in &unknown {
        let s = ok(&results, sym);
        assert!(s.candles.is_empty() && !s.truncated, "{sym}: {s:?}");
    }
    pool.shutdown().await;

    // The `empty` fault: known symbols answered with the flags-14 NaN event.
    let server = market("empty=1", LatencyProfile::none()).await;
    let pool = self::pool(&server, DxLinkConfig::default());
    let symbols = watchlist_symbols(10);
    let results = guarded("empty", pool.fetch_all(symbols.clone(), from_time())).await;
    assert!(fault_count(&server, "empty") >= 1, "{}", server.stats());
    for sym in &symbols {
        let s = ok(&results, sym);
        assert!(s.candles.is_empty() && !s.truncated, "{sym}: {s:?}");
    }
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_symbol_deadline_becomes_a_per_symbol_error() {
    // Under the seed model a connection takes 250 ms and a snapshot at least 250 ms more.
    let server = market("", LatencyProfile::seed()).await;
    let cfg = DxLinkConfig {
        symbol_deadline: Duration::from_millis(50),
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    let symbols = watchlist_symbols(12);
    let mut rx = pool.fetch(symbols.clone(), from_time());
    let mut seen = Vec::new();
    while let Some(o) = guarded("deadline", rx.recv()).await {
        assert!(
            matches!(o.result, Err(CandleError::Timeout(_))),
            "{}: {:?}",
            o.symbol,
            o.result
        );
        seen.push(o.symbol);
    }
    seen.sort();
    let mut want = symbols.clone();
    want.sort();
    assert_eq!(
        seen, want,
        "exactly one outcome per symbol, then the stream ends"
    );
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_before_the_symbols_are_known_and_streams_outcomes_as_they_complete() {
    let server = market("", LatencyProfile::seed()).await;
    let cfg = DxLinkConfig {
        connections: 1,
        channels_per_connection: 1,
        snapshots_per_channel: 1,
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    // Connecting starts at once, with no symbols yet.
    guarded("background connect", async {
        while pool.stats().connections_opened < 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let symbols = watchlist_symbols(3);
    let mut rx = pool.fetch(symbols.clone(), from_time());
    let first = guarded("first outcome", rx.recv())
        .await
        .expect("an outcome");
    let first_at = std::time::Instant::now();
    assert!(first.result.is_ok(), "{first:?}");
    let mut n = 1;
    let mut last_at = first_at;
    while let Some(o) = guarded("rest", rx.recv()).await {
        assert!(o.result.is_ok(), "{o:?}");
        last_at = std::time::Instant::now();
        n += 1;
    }
    assert_eq!(n, symbols.len());
    // One snapshot at a time, each at least 250 ms: had the outcomes been held back until the
    // batch was done they would arrive together; streamed, the last comes at least two snapshots
    // after the first. (A loaded machine only widens the gap, so this cannot fail spuriously.)
    assert!(
        last_at.duration_since(first_at) >= Duration::from_millis(450),
        "outcomes stream in as snapshots complete: {:?} between the first and the last",
        last_at.duration_since(first_at)
    );
    assert_eq!(pool.stats().connections_opened, 1);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_candles_come_from_the_active_contract_streamer_symbol() {
    let server = market("", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let mut symbols = Vec::new();
    for code in ["ES", "CL", "GC"] {
        let contracts = server.state.market.futures_contracts(code);
        let active = contracts
            .iter()
            .find(|c| c.active_month)
            .expect("an active contract");
        let sym = futures_candle_symbol(&active.streamer_symbol).expect("a contract");
        assert!(sym.starts_with(&format!("/{code}")) && sym.ends_with("{=1d}"));
        symbols.push(sym);
    }
    let results = guarded("futures", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_all_equal_to_market(&server, &symbols, &results);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_fails_every_symbol_without_leaking_the_token() {
    let server = market("", LatencyProfile::none()).await;
    let token = "sim-qt-not-issued-SECRET-0123";
    let cfg = DxLinkConfig {
        connect_attempts: 2,
        backoff_initial: Duration::from_millis(10),
        ..DxLinkConfig::default()
    };
    let pool = CandlePool::connect(server.dxlink_url(), token, cfg);
    assert!(!format!("{pool:?}").contains("SECRET"));
    let symbols = watchlist_symbols(5);
    let results = guarded("bad token", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_eq!(results.len(), symbols.len());
    for (sym, r) in &results {
        let e = r.as_ref().expect_err("no candles without authorization");
        assert!(matches!(e, CandleError::Connection(_)), "{sym}: {e:?}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
    assert!(pool.stats().connect_failures >= 1);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_servers_limit_are_refused_and_the_rest_do_the_work() {
    let server = market("", LatencyProfile::none()).await;
    let cfg = DxLinkConfig {
        connections: 6,
        connect_attempts: 2,
        backoff_initial: Duration::from_millis(10),
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    let symbols = watchlist_symbols(60);
    let results = guarded(
        "over the limit",
        pool.fetch_all(symbols.clone(), from_time()),
    )
    .await;
    assert_all_equal_to_market(&server, &symbols, &results);
    assert!(
        dx(&server, "refused_connections") >= 1,
        "{}",
        server.stats()
    );
    assert!(pool.stats().connect_failures >= 1);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalives_hold_idle_connections_open() {
    // A server that times clients out after 3 s of silence (keepalives every 1.5 s leave a
    // margin for a loaded machine).
    let mut latency = LatencyProfile::none();
    latency.dxlink_limits.keepalive_timeout_secs = 3;
    let server = market("", latency).await;
    let pool = pool(&server, DxLinkConfig::default());
    guarded("connect", async {
        while pool.stats().connections_opened < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let symbols = watchlist_symbols(8);
    let results = guarded("after idling", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_all_equal_to_market(&server, &symbols, &results);
    let stats = pool.stats();
    assert!(stats.keepalives_sent >= 4, "{stats:?}");
    assert_eq!(
        stats.reconnects, 0,
        "no connection was timed out: {stats:?}"
    );
    assert_eq!(stats.connections_opened, 4);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_subscription_batches_are_chunked_under_8kb() {
    // One channel with no in-flight bound: 1,000 long symbols (about 150 KB of `add` entries) go
    // out at once. One message that size would be closed with 1009; chunks under 8 KB are not.
    let server = market("", LatencyProfile::none()).await;
    let cfg = DxLinkConfig {
        connections: 1,
        channels_per_connection: 1,
        snapshots_per_channel: 10_000,
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    let symbols: Vec<String> = (0..1000)
        .map(|i| format!("no-such-symbol-{i:04}-{}{{=1d}}", "x".repeat(100)))
        .collect();
    let results = guarded("chunked", pool.fetch_all(symbols.clone(), from_time())).await;
    assert_eq!(results.len(), symbols.len());
    for sym in &symbols {
        assert!(ok(&results, sym).candles.is_empty());
    }
    let stats = pool.stats();
    assert_eq!(stats.reconnects, 0, "{stats:?}");
    assert_eq!(stats.subscriptions_added, 1000);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_and_duplicates_each_get_exactly_one_outcome_per_symbol() {
    let server = market("", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let a = watchlist_symbols(40);
    let mut b: Vec<String> = watchlist_symbols(60)[20..].to_vec();
    b.push(b[0].clone()); // a duplicate within one batch
    let (ra, rb) = guarded("two batches", async {
        tokio::join!(
            pool.fetch_all(a.clone(), from_time()),
            pool.fetch_all(b.clone(), from_time())
        )
    })
    .await;
    assert_all_equal_to_market(&server, &a, &ra);
    b.pop();
    assert_all_equal_to_market(&server, &b, &rb);
    pool.shutdown().await;
}
