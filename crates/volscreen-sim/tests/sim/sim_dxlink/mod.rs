//! The demo market's DXLink WebSocket server over real sockets: the handshake and authorization,
//! channels and their limits, FEED_SETUP / FEED_CONFIG, candle snapshots (flags, newest first,
//! message splitting, interleaving, `fromTime`, the empty-history form), the strict errors and the
//! leniencies of the real service, the per-token connection limit, keepalives, every snapshot fault,
//! and throughput at latency `none`.
//!
//! Every message the server sends in these tests is validated against the JSON Schemas of dxFeed's
//! AsyncAPI document (`tests/fixtures/dxlink/asyncapi.yml`) by the test client.
//!
//! This file holds the suite's shared helpers (a market, an authorized client, the snapshot
//! assertions, the stats counters); the tests are in [`snapshots`], [`protocol`], [`feed`],
//! [`faults`] and [`fixtures`].

mod faults;
mod feed;
mod fixtures;
mod protocol;
mod snapshots;

use crate::dxlink_client::{double, flags, int, DxClient, Snapshot, BEGIN, END, REMOVE};
use std::collections::HashSet;
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;
use volscreen_core::symbol::split_candle_symbol;
use volscreen_sim::{start_local, SimOptions, SimServer};

/// The default Candle fields of a channel without FEED_SETUP field lists.
const DEFAULT_CANDLE_FIELDS: [&str; 18] = [
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "count",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vwap",
    "bidVolume",
    "askVolume",
    "impVolatility",
    "openInterest",
];

fn as_of() -> Date {
    Date::from_ymd(2026, 3, 20).expect("date")
}

fn options() -> SimOptions {
    SimOptions::new(as_of())
}

async fn market(options: SimOptions) -> SimServer {
    start_local(options).await.expect("market starts")
}

/// A connected, authorized client on a fresh quote token.
async fn authorized(server: &SimServer) -> DxClient {
    let token = server.state.auth.issue_quote_token();
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.handshake(&token).await;
    c
}

/// The market's daily candles of a candle symbol's base, ascending.
fn candles_of(server: &SimServer, candle_symbol: &str) -> Vec<Candle> {
    let (base, _) = split_candle_symbol(candle_symbol);
    server
        .state
        .market
        .candles(base)
        .unwrap_or_else(|| panic!("the market has candles for {base}"))
        .to_vec()
}

/// Assert a finished snapshot equals the market's candles with `time >= from`, newest first, with
/// the snapshot flags, unique indices and the NaN fields the real service sends.
fn assert_snapshot(server: &SimServer, symbol: &str, from: i64, snap: &Snapshot) {
    let expected: Vec<Candle> = candles_of(server, symbol)
        .into_iter()
        .filter(|c| c.time >= from)
        .rev()
        .collect();
    assert!(!expected.is_empty(), "{symbol} has candles after {from}");
    assert_eq!(snap.events.len(), expected.len(), "{symbol}: candle count");
    let n = expected.len();
    let mut indices = HashSet::new();
    for (i, (e, c)) in snap.events.iter().zip(&expected).enumerate() {
        assert_eq!(e["eventSymbol"], symbol, "eventSymbol as subscribed");
        assert_eq!(e["eventType"], "Candle");
        assert_eq!(int(e, "time"), c.time, "{symbol} #{i}: newest first");
        for (field, want) in [
            ("open", c.open),
            ("high", c.high),
            ("low", c.low),
            ("close", c.close),
            ("volume", c.volume),
        ] {
            if e.contains_key(field) {
                assert_eq!(double(e, field), want, "{symbol} #{i} {field}");
            }
        }
        let want_flags = match (i == 0, i + 1 == n) {
            (true, true) => BEGIN | END,
            (true, false) => BEGIN,
            (false, true) => END,
            (false, false) => 0,
        };
        assert_eq!(flags(e), want_flags, "{symbol} #{i} flags");
        if e.contains_key("index") {
            assert_eq!(
                int(e, "index"),
                (c.time / 1000) << 32,
                "{symbol} #{i} index"
            );
            assert!(indices.insert(int(e, "index")), "unique index");
        }
        for field in ["eventTime", "sequence"] {
            if e.contains_key(field) {
                assert_eq!(int(e, field), 0, "{field}");
            }
        }
        for field in ["bidVolume", "askVolume", "impVolatility", "openInterest"] {
            if e.contains_key(field) {
                assert_eq!(e[field], "NaN", "{field} is the string NaN");
            }
        }
        if e.contains_key("vwap") {
            let v = double(e, "vwap");
            assert!(
                v >= c.low - 1e-9 && v <= c.high + 1e-9,
                "vwap within the bar"
            );
        }
    }
}

/// Assert a snapshot is the empty-history form: one event, flags 14, NaN prices.
fn assert_empty_history(symbol: &str, snap: &Snapshot) {
    assert_eq!(snap.events.len(), 1, "{symbol}: one event");
    let e = &snap.events[0];
    assert_eq!(flags(e), BEGIN | END | REMOVE, "{symbol}: flags 14");
    assert_eq!(flags(e), 14);
    assert_eq!(e["eventSymbol"], symbol);
    for field in ["open", "high", "low", "close"] {
        if e.contains_key(field) {
            assert_eq!(e[field], "NaN", "{symbol}: {field} is the string NaN");
        }
    }
}

fn stat(server: &SimServer, key: &str) -> i64 {
    server.stats()["dxlink"][key]
        .as_i64()
        .unwrap_or_else(|| panic!("dxlink stat {key}"))
}

fn fault_count(server: &SimServer, name: &str) -> i64 {
    server.stats()["faults"][name].as_i64().unwrap_or(0)
}
