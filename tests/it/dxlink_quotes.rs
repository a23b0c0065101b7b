//! Option quotes over DXLink (`CandlePool::quotes`) against the demo market over real sockets:
//! equity and futures option streamer symbols quoted with `Quote` events equal to
//! `market.quote(symbol)`, an unknown option timing out on its own deadline while the others
//! succeed, candle and quote batches sharing one pool (and its four connections) concurrently,
//! re-sent `FEED_CONFIG`s in a new field order and FULL format, and the `seed` latency profile.
//! No wall times are asserted.

use crate::dxlink_pool;
use crate::harness::{fault_count, guarded};

use dxlink_pool::{as_of, market, pool};
use std::collections::HashMap;
use std::time::Duration;
use volscreen::dxlink::{
    history_from_time_ms, DxLinkConfig, OptionQuote, QuoteError, HISTORY_DAYS,
};
use volscreen::sim::market::Expiration;
use volscreen::sim::{LatencyProfile, SimServer};
use volscreen::symbol::split_candle_symbol;

/// The call and put streamer symbols of the strike in the middle of the expiration nearest 45 days.
fn atm_pair(expirations: &[Expiration]) -> Vec<String> {
    let e = expirations
        .iter()
        .filter(|e| !e.strikes.is_empty())
        .min_by_key(|e| (e.days_to_expiration - 45).abs())
        .expect("an expiration with strikes");
    let k = &e.strikes[e.strikes.len() / 2];
    vec![
        k.call_streamer_symbol.clone(),
        k.put_streamer_symbol.clone(),
    ]
}

/// ATM calls and puts of AAPL and SPY and of the ES futures options.
fn option_symbols(server: &SimServer) -> Vec<String> {
    let m = &server.state.market;
    let mut out = Vec::new();
    for u in ["AAPL", "SPY"] {
        out.extend(atm_pair(&m.option_chain(u).expect("chain").expirations));
    }
    out.extend(atm_pair(
        &m.futures_option_chain("ES").expect("ES chain").expirations,
    ));
    assert!(out.iter().any(|s| s.starts_with("./") && s.contains(':')));
    out
}

/// More option streamer symbols: `n` strikes of the AAPL, SPY, QQQ and MSFT expirations near 45 days.
fn many_option_symbols(server: &SimServer, n: usize) -> Vec<String> {
    let m = &server.state.market;
    let mut out = Vec::new();
    for u in ["AAPL", "SPY", "QQQ", "MSFT"] {
        let chain = m.option_chain(u).expect("chain");
        for e in &chain.expirations {
            for k in &e.strikes {
                out.push(k.call_streamer_symbol.clone());
                out.push(k.put_streamer_symbol.clone());
            }
        }
    }
    out.truncate(n);
    out
}

fn assert_quote_equals_market(server: &SimServer, sym: &str, got: &OptionQuote) {
    let want = server
        .state
        .market
        .quote(sym)
        .expect("the market quotes it");
    assert_eq!(got.bid, want.bid.filter(|v| v.is_finite()), "{sym} bid");
    assert_eq!(got.ask, want.ask.filter(|v| v.is_finite()), "{sym} ask");
    assert!(got.bid_size.is_some() && got.ask_size.is_some(), "{sym}");
}

fn assert_all_quoted(
    server: &SimServer,
    symbols: &[String],
    results: &HashMap<String, Result<OptionQuote, QuoteError>>,
) {
    assert_eq!(results.len(), symbols.len());
    for sym in symbols {
        match results.get(sym) {
            Some(Ok(q)) => assert_quote_equals_market(server, sym, q),
            Some(Err(e)) => panic!("{sym}: {e}"),
            None => panic!("{sym}: no outcome"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn option_quotes_equal_the_market_and_an_unknown_option_times_out_alone() {
    let server = market("", LatencyProfile::none()).await;
    let cfg = DxLinkConfig {
        quote_deadline: Duration::from_millis(800),
        ..DxLinkConfig::default()
    };
    let pool = pool(&server, cfg);
    let known = option_symbols(&server);
    let unknown = format!("{}9", known[0]);
    assert!(server.state.market.quote(&unknown).is_none(), "{unknown}");
    let mut symbols = known.clone();
    symbols.push(unknown.clone());
    symbols.push(known[1].clone()); // a duplicate is quoted once

    let mut rx = pool.quotes(symbols);
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Some(o) = guarded("quotes", rx.recv()).await {
        *seen.entry(o.symbol.clone()).or_default() += 1;
        if o.symbol == unknown {
            assert_eq!(
                o.result,
                Err(QuoteError::Timeout(Duration::from_millis(800)))
            );
        } else {
            let q = o.result.unwrap_or_else(|e| panic!("{}: {e}", o.symbol));
            assert_quote_equals_market(&server, &o.symbol, &q);
        }
    }
    assert_eq!(seen.len(), known.len() + 1);
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    let st = pool.stats();
    assert_eq!(st.quote_subscriptions, known.len() as u64 + 1);
    assert_eq!(st.quotes_received, known.len() as u64);
    assert_eq!(st.quote_timeouts, 1);
    assert_eq!(st.channels_refused, 0);
    assert!(st.connections_opened <= 4);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candles_and_quotes_share_the_pool_concurrently_and_repeatedly() {
    let server = market("", LatencyProfile::none()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let from = history_from_time_ms(as_of(), HISTORY_DAYS);
    let candle_symbols: Vec<String> = ["AAPL", "MSFT", "SPY", "QQQ", "IWM", "NVDA", "AMZN", "TSLA"]
        .iter()
        .map(|s| format!("{s}{{=1d}}"))
        .chain((0..52).map(|i| format!("QZ{i:03}{{=1d}}")))
        .collect();
    let quote_symbols = many_option_symbols(&server, 120);
    assert_eq!(quote_symbols.len(), 120);

    for round in 0..2 {
        let (candles, quotes) = guarded("candles and quotes", async {
            tokio::join!(
                pool.fetch_all(candle_symbols.clone(), from),
                pool.quotes_all(quote_symbols.clone())
            )
        })
        .await;
        assert_eq!(candles.len(), candle_symbols.len(), "round {round}");
        for sym in &candle_symbols {
            let (base, _) = split_candle_symbol(sym);
            let want: Vec<_> = server
                .state
                .market
                .candles(base)
                .map(|c| c.iter().filter(|c| c.time >= from).copied().collect())
                .unwrap_or_default();
            match &candles[sym] {
                Ok(s) => assert_eq!(s.candles, want, "{sym}"),
                Err(e) => panic!("{sym}: {e}"),
            }
        }
        assert_all_quoted(&server, &quote_symbols, &quotes);
    }
    // Candles alone once quotes are done: the lent channel slot goes back to candles.
    let again = guarded(
        "candles after quotes",
        pool.fetch_all(candle_symbols.clone(), from),
    )
    .await;
    assert!(again.values().all(Result::is_ok));
    let st = pool.stats();
    assert_eq!(st.channels_refused, 0, "{st:?}");
    assert_eq!(st.connect_failures, 0, "{st:?}");
    assert!(st.connections_opened <= 4, "{st:?}");
    assert_eq!(st.quotes_received, 2 * quote_symbols.len() as u64);
    assert_eq!(server.stats()["dxlink"]["errors"].as_u64().unwrap_or(0), 0);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_decode_by_re_sent_feed_config_orders_and_full_format() {
    for faults in ["reconfig=1", "full=1", "reconfig=0.5,full=0.5,seed=3"] {
        let server = market(faults, LatencyProfile::none()).await;
        let pool = pool(&server, DxLinkConfig::default());
        let symbols = many_option_symbols(&server, 40);
        // Several batches, so faults hit a channel already configured.
        for chunk in symbols.chunks(10) {
            let results = guarded(faults, pool.quotes_all(chunk.to_vec())).await;
            assert_all_quoted(&server, chunk, &results);
        }
        let hits = fault_count(&server, "reconfig") + fault_count(&server, "full");
        assert!(hits >= 1, "{faults}: {}", server.stats());
        assert_eq!(pool.stats().malformed, 0, "{faults}");
        pool.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_under_the_seed_latency_profile() {
    let server = market("", LatencyProfile::seed()).await;
    let pool = pool(&server, DxLinkConfig::default());
    let symbols = option_symbols(&server);
    let results = guarded("seed quotes", pool.quotes_all(symbols.clone())).await;
    assert_all_quoted(&server, &symbols, &results);
    pool.shutdown().await;
}
