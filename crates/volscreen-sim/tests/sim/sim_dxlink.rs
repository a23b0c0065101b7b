//! The demo market's DXLink WebSocket server over real sockets: the handshake and authorization,
//! channels and their limits, FEED_SETUP / FEED_CONFIG, candle snapshots (flags, newest first,
//! message splitting, interleaving, `fromTime`, the empty-history form), the strict errors and the
//! leniencies of the real service, the per-token connection limit, keepalives, every snapshot fault,
//! and throughput at latency `none`.
//!
//! Every message the server sends in these tests is validated against the JSON Schemas of dxFeed's
//! AsyncAPI document (`tests/fixtures/dxlink/asyncapi.yml`) by the test client.

use crate::dxlink_client::{
    double, flags, int, DxClient, Ending, Snapshot, BEGIN, END, REMOVE, SNIP,
};
use crate::dxlink_schema::DxLinkSchemas;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;
use volscreen_core::symbol::split_candle_symbol;
use volscreen_sim::market::UNKNOWN_SYMBOLS;
use volscreen_sim::{start_local, Faults, SimOptions, SimServer};

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

fn with_faults(spec: &str) -> SimOptions {
    let mut o = options();
    o.faults = Faults::parse(spec).expect("fault spec");
    o
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

/// `(first, last)` log index of the FEED_DATA messages of each snapshot.
fn spans(snaps: &BTreeMap<String, Snapshot>) -> BTreeMap<&str, (usize, usize)> {
    snaps
        .iter()
        .map(|(s, snap)| {
            let first = *snap.messages.first().expect("a message");
            let last = *snap.messages.last().expect("a message");
            (s.as_str(), (first, last))
        })
        .collect()
}

fn stat(server: &SimServer, key: &str) -> i64 {
    server.stats()["dxlink"][key]
        .as_i64()
        .unwrap_or_else(|| panic!("dxlink stat {key}"))
}

fn fault_count(server: &SimServer, name: &str) -> i64 {
    server.stats()["faults"][name].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn full_session_streams_interleaved_newest_first_snapshots() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;

    // The handshake, exactly: SETUP, UNAUTHORIZED at once, then one AUTHORIZED.
    let shape: Vec<(Value, Value)> = c
        .log
        .iter()
        .map(|r| (r.msg["type"].clone(), r.msg["state"].clone()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (json!("SETUP"), Value::Null),
            (json!("AUTH_STATE"), json!("UNAUTHORIZED")),
            (json!("AUTH_STATE"), json!("AUTHORIZED")),
        ]
    );
    let setup = &c.log[0].msg;
    assert_eq!(setup["channel"], 0);
    assert_eq!(setup["keepaliveTimeout"], 60);
    assert_eq!(setup["acceptKeepaliveTimeout"], 60);
    let version = setup["version"].as_str().expect("version");
    assert!(
        version.starts_with("1.0.2-volscreen-sim/"),
        "version {version}"
    );

    let opened = c.open_channel(1, "HISTORY").await;
    assert_eq!(
        opened,
        json!({"type": "CHANNEL_OPENED", "channel": 1, "service": "FEED",
            "parameters": {"contract": "HISTORY"}})
    );
    c.feed_setup(
        1,
        json!({"acceptAggregationPeriod": 10, "acceptDataFormat": "COMPACT",
            "acceptEventFields": {"Candle": ["eventType", "eventSymbol", "eventTime", "eventFlags",
                "index", "time", "sequence", "count", "open", "high", "low", "close", "volume",
                "vwap", "notAField", "bidVolume", "askVolume", "impVolatility", "openInterest"]}}),
    )
    .await;
    let config = c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    assert_eq!(config["channel"], 1);
    assert_eq!(config["dataFormat"], "COMPACT");
    assert_eq!(config["aggregationPeriod"], 10);
    assert_eq!(
        config["eventFields"]["Candle"],
        json!(DEFAULT_CANDLE_FIELDS)
    );

    let aapl = candles_of(&server, "AAPL");
    let msft = candles_of(&server, "MSFT");
    let qqq = candles_of(&server, "QQQ");
    let iwm = candles_of(&server, "IWM");
    assert!(aapl.len() > 500, "about three years of daily candles");
    let subs: Vec<(&str, i64)> = vec![
        ("AAPL{=1d}", 0),
        ("MSFT{=d}", msft[msft.len() - 250].time),
        ("SPY{=1d,tho=true}", 0),
        ("QQQ{=1d}", qqq[qqq.len() - 1].time),
        ("IWM{=d}", iwm[iwm.len() - 150].time + 1),
    ];
    c.add_candles(1, &subs).await;
    let names: Vec<&str> = subs.iter().map(|(s, _)| *s).collect();
    let snaps = c.collect_snapshots(1, &names).await;

    for (symbol, from) in &subs {
        assert_snapshot(&server, symbol, *from, &snaps[*symbol]);
    }
    assert_eq!(
        snaps["MSFT{=d}"].events.len(),
        250,
        "fromTime on a bar is inclusive"
    );
    assert_eq!(
        snaps["IWM{=d}"].events.len(),
        149,
        "fromTime after a bar excludes it"
    );
    assert_eq!(
        flags(&snaps["QQQ{=1d}"].events[0]),
        0x0c,
        "one-candle snapshot"
    );
    assert_eq!(snaps.len(), subs.len(), "no other symbols");

    // At most 100 candles per FEED_DATA, each message one type/array pair (the client checks the
    // pair), and the long histories split over several messages.
    for r in c.log.iter().filter(|r| r.msg["type"] == "FEED_DATA") {
        assert!(
            r.events.len() <= 100,
            "{} candles in one message",
            r.events.len()
        );
        assert_eq!(r.msg["data"].as_array().map(Vec::len), Some(2));
    }
    assert!(snaps["AAPL{=1d}"].messages.len() >= aapl.len().div_ceil(100));

    // Snapshots of different symbols interleave, with at most 4 in progress at once.
    let spans = spans(&snaps);
    let interleaved = spans.iter().any(|(a, (a0, a1))| {
        spans
            .iter()
            .any(|(b, (b0, b1))| a != b && ((a0 < b0 && b0 < a1) || (a0 < b1 && b1 < a1)))
    });
    assert!(interleaved, "snapshots interleave: {spans:?}");
    let last = spans.values().map(|s| s.1).max().unwrap_or(0);
    for at in 0..=last {
        let open = spans.values().filter(|(f, l)| *f <= at && at <= *l).count();
        assert!(open <= 4, "{open} snapshots in progress at message {at}");
    }

    let candles: usize = snaps.values().map(|s| s.events.len()).sum();
    assert_eq!(stat(&server, "connections"), 1);
    assert_eq!(stat(&server, "channels"), 1);
    assert_eq!(stat(&server, "subscriptions"), 5);
    assert_eq!(stat(&server, "snapshots"), 5);
    assert_eq!(stat(&server, "candles"), candles as i64);
    assert!(stat(&server, "messages") >= c.log.len() as i64);
    assert_eq!(stat(&server, "errors"), 0);
    assert!(c.of_type("ERROR", None).is_empty());
}

#[tokio::test]
async fn snapshots_follow_the_seed_latency_model_and_queue_beyond_four() {
    let mut o = options();
    o.latency = volscreen_sim::LatencyProfile::seed();
    let (snapshot_ms, per_candle_ms) =
        (o.latency.dxlink.snapshot_ms, o.latency.dxlink.per_candle_ms);
    assert_eq!((snapshot_ms, per_candle_ms), (250.0, 1.0));
    let server = market(o).await;
    let token = server.state.auth.issue_quote_token();
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.handshake(&token).await;
    let authorized = c.log.last().expect("AUTHORIZED").at;
    assert!(authorized.duration_since(c.opened_at) >= Duration::from_millis(250));
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let names = ["AAPL{=1d}", "MSFT{=1d}", "SPY{=1d}", "QQQ{=1d}", "IWM{=1d}"];
    let subs: Vec<(&str, i64)> = names
        .iter()
        .map(|s| {
            let all = candles_of(&server, s);
            (*s, all[all.len() - 150].time)
        })
        .collect();
    let sent = Instant::now();
    c.add_candles(1, &subs).await;
    let snaps = c.collect_snapshots(1, &names).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut ends = Vec::new();
    for (symbol, from) in &subs {
        let snap = &snaps[*symbol];
        assert_snapshot(&server, symbol, *from, snap);
        let first = ms(c.log[snap.messages[0]].at.duration_since(sent));
        let end = ms(c.log[*snap.messages.last().expect("messages")]
            .at
            .duration_since(sent));
        assert!(
            first >= snapshot_ms + 100.0 * per_candle_ms,
            "{symbol}: first batch at {first} ms"
        );
        assert!(
            end >= snapshot_ms + 150.0 * per_candle_ms,
            "{symbol}: done at {end} ms"
        );
        ends.push(end);
    }
    ends.sort_by(f64::total_cmp);
    // Four run at once; the fifth waits for a free slot, so it ends after two snapshot times.
    assert!(
        ends[4] >= 2.0 * (snapshot_ms + 150.0 * per_candle_ms),
        "{ends:?}"
    );
    assert!(
        ends[3] < 2.0 * (snapshot_ms + 150.0 * per_candle_ms),
        "{ends:?}"
    );
}

#[tokio::test]
async fn compact_rows_are_exactly_the_feed_config_fields_in_order() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(3, "HISTORY").await;
    c.feed_setup(
        3,
        json!({"acceptDataFormat": "COMPACT",
            "acceptEventFields": {"Candle": ["close", "time", "noSuchField", "eventSymbol",
                "VWAP", "close", "eventFlags"]}}),
    )
    .await;
    let config = c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    let fields = json!(["close", "time", "eventSymbol", "VWAP", "eventFlags"]);
    assert_eq!(
        config["eventFields"]["Candle"], fields,
        "exactly the known fields asked for, in the requested order, unknown and repeated dropped"
    );
    let aapl = candles_of(&server, "AAPL");
    let from = aapl[aapl.len() - 120].time;
    c.add_candles(3, &[("AAPL{=1d}", from)]).await;
    let snaps = c.collect_snapshots(3, &["AAPL{=1d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", from, &snaps["AAPL{=1d}"]);

    // The raw rows: five values per candle, exactly the FEED_CONFIG's fields in its order.
    let newest = aapl[aapl.len() - 1];
    let data = c.of_type("FEED_DATA", Some(3));
    assert_eq!(data.len(), 2, "120 candles in two messages");
    let first = data[0]["data"].as_array().expect("data");
    assert_eq!(first[0], "Candle");
    let row = &first[1].as_array().expect("values")[..5];
    assert_eq!(
        row,
        &[
            json!(newest.close),
            json!(newest.time),
            json!("AAPL{=1d}"),
            row[3].clone(),
            json!(BEGIN)
        ]
    );
    assert!(row[3].is_number(), "VWAP is a number");
    assert_eq!(first[1].as_array().map(Vec::len), Some(100 * 5));
    assert_eq!(
        data[1]["data"][1].as_array().map(Vec::len),
        Some(20 * 5),
        "rest of the snapshot"
    );
}

#[tokio::test]
async fn unknown_symbols_roots_and_empty_ranges_get_the_empty_history_form() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let unknown = format!("{}{{=1d}}", UNKNOWN_SYMBOLS[0]);
    assert!(server.state.market.candles(UNKNOWN_SYMBOLS[0]).is_none());
    let future = as_of().add_days(30).epoch_ms();
    let subs = [
        (unknown.as_str(), 0),
        ("/ES{=1d}", 0),
        ("AAPL{=1d}", future),
        ("MSFT{=1h}", 0),
    ];
    c.add_candles(1, &subs).await;
    let names: Vec<&str> = subs.iter().map(|(s, _)| *s).collect();
    let snaps = c.collect_snapshots(1, &names).await;
    for name in &names {
        assert_empty_history(name, &snaps[*name]);
    }
    // The raw COMPACT row of the empty form: NaN prices are strings.
    let config = &c.of_type("FEED_CONFIG", Some(1));
    let fields: Vec<&str> = config
        .iter()
        .rev()
        .find_map(|m| m["eventFields"]["Candle"].as_array())
        .expect("Candle fields announced")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let data = c.of_type("FEED_DATA", Some(1));
    let values = data[0]["data"][1].as_array().expect("values");
    let at = |f: &str| fields.iter().position(|x| *x == f).expect("field");
    assert_eq!(values[at("eventFlags")], 14);
    assert_eq!(values[at("open")], "NaN");
    assert_eq!(values[at("close")], "NaN");
    assert_eq!(values[at("volume")], "NaN");
    assert!(c.of_type("ERROR", None).is_empty());
}

#[tokio::test]
async fn strict_errors_for_protocol_violations() {
    let server = market(options()).await;
    let token = server.state.auth.issue_quote_token();
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.setup().await;
    c.recv_until(|m| m["type"] == "AUTH_STATE").await;

    // Before authorization: anything but SETUP/AUTH/KEEPALIVE is UNAUTHORIZED.
    c.send(
        json!({"type": "CHANNEL_REQUEST", "channel": 1, "service": "FEED",
        "parameters": {"contract": "HISTORY"}}),
    )
    .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(
        (e["channel"].clone(), e["error"].clone()),
        (json!(1), json!("UNAUTHORIZED"))
    );
    c.send(json!({"type": "KEEPALIVE", "channel": 0})).await;

    // A token the market never issued.
    c.auth("not-a-token").await;
    let state = c.recv_until(|m| m["type"] == "AUTH_STATE").await;
    assert_eq!(state["state"], "UNAUTHORIZED");
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(
        (e["channel"].clone(), e["error"].clone()),
        (json!(0), json!("UNAUTHORIZED"))
    );
    c.auth(&token).await;
    c.recv_until(|m| m["state"] == "AUTHORIZED").await;

    // Malformed JSON and unknown types: an ERROR, and the connection stays usable.
    c.send_text("{\"type\": \"SETUP\", ").await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(
        (e["channel"].clone(), e["error"].clone()),
        (json!(0), json!("INVALID_MESSAGE"))
    );
    c.send(json!({"type": "NO_SUCH_MESSAGE", "channel": 0}))
        .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["error"], "BAD_ACTION");

    // An even channel number.
    c.send(
        json!({"type": "CHANNEL_REQUEST", "channel": 2, "service": "FEED",
        "parameters": {"contract": "HISTORY"}}),
    )
    .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 2);

    // Messages on channels never opened.
    c.add_candles(5, &[("AAPL{=1d}", 0)]).await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 5);
    c.feed_setup(7, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 7);
    c.send(json!({"type": "CHANNEL_CANCEL", "channel": 9}))
        .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 9);

    // A candle `add` without fromTime: an ERROR, that entry ignored, the others served.
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let msft = candles_of(&server, "MSFT");
    let from = msft[msft.len() - 30].time;
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": [
        {"type": "Candle", "symbol": "AAPL{=1d}"},
        {"type": "Candle", "symbol": "MSFT{=1d}", "fromTime": from}]}))
        .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 1);
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("AAPL{=1d}") && m.contains("fromTime")),
        "{e}"
    );
    let snaps = c.collect_snapshots(1, &["MSFT{=1d}"]).await;
    assert_snapshot(&server, "MSFT{=1d}", from, &snaps["MSFT{=1d}"]);
    while c.recv_for(Duration::from_millis(200)).await.is_some() {}
    assert!(
        !c.snapshots(1).contains_key("AAPL{=1d}"),
        "entry without fromTime ignored"
    );
    assert_eq!(c.of_type("ERROR", None).len(), 9);
    assert_eq!(stat(&server, "errors"), 9);
    assert!(c.ending.is_none(), "errors never close the connection");
}

#[tokio::test]
async fn unknown_event_types_binary_frames_and_oversized_messages() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "AUTO").await;
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1,
        "add": [{"type": "NotAnEvent", "symbol": "AAPL"}]}))
        .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(
        (e["channel"].clone(), e["error"].clone()),
        (json!(1), json!("BAD_ACTION"))
    );
    c.send_binary(b"\x00\x01").await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["error"], "INVALID_MESSAGE");

    // About 2,000 symbols in one message: the real service closes the socket with 1009.
    let add: Vec<Value> = (0..2000)
        .map(|i| json!({"type": "Candle", "symbol": format!("S{i:04}{{=1d}}"), "fromTime": 0}))
        .collect();
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
        .await;
    let ending = c.recv_until_end().await;
    assert!(
        matches!(ending, Ending::Closed { code: 1009, .. }),
        "{ending:?}"
    );
}

#[tokio::test]
async fn early_auth_is_accepted_and_authorized_exactly_once_after_connect_latency() {
    let mut o = options();
    o.latency.dxlink.connect_ms = 200.0;
    let server = market(o).await;
    let token = server.state.auth.issue_quote_token();

    // The official JS client: SETUP and AUTH back to back, then requests without waiting.
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.setup().await;
    c.auth(&token).await;
    c.auth(&token).await;
    c.request_channel(1, "HISTORY").await;
    c.add_candles(1, &[("AAPL{=1d}", as_of().add_days(-20).epoch_ms())])
        .await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert!(snaps["AAPL{=1d}"].finished());
    while c.recv_for(Duration::from_millis(300)).await.is_some() {}
    let authorized: Vec<_> = c
        .log
        .iter()
        .filter(|r| r.msg["type"] == "AUTH_STATE" && r.msg["state"] == "AUTHORIZED")
        .collect();
    assert_eq!(authorized.len(), 1, "exactly one AUTHORIZED:\n{}", c.dump());
    let waited = authorized[0].at.duration_since(c.opened_at);
    assert!(
        waited >= Duration::from_millis(200),
        "AUTHORIZED after {waited:?}"
    );
    let kinds: Vec<&str> = c.log[..4]
        .iter()
        .map(|r| r.msg["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["SETUP", "AUTH_STATE", "AUTH_STATE", "CHANNEL_OPENED"]
    );
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());

    // AUTH even before SETUP.
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.auth(&token).await;
    c.setup().await;
    c.recv_until(|m| m["state"] == "AUTHORIZED").await;
    while c.recv_for(Duration::from_millis(300)).await.is_some() {}
    assert_eq!(c.log[0].msg["type"], "SETUP");
    assert_eq!(c.log[1].msg["state"], "UNAUTHORIZED");
    assert_eq!(
        c.of_type("AUTH_STATE", None)
            .iter()
            .filter(|m| m["state"] == "AUTHORIZED")
            .count(),
        1
    );
    assert!(c.of_type("ERROR", None).is_empty());
}

#[tokio::test]
async fn without_feed_setup_a_channel_is_full_with_default_fields() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    let aapl = candles_of(&server, "AAPL");
    let from = aapl[aapl.len() - 5].time;
    c.add_candles(1, &[("AAPL{=1d}", from)]).await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", from, &snaps["AAPL{=1d}"]);
    let config = c.of_type("FEED_CONFIG", Some(1));
    assert_eq!(config.len(), 1);
    assert_eq!(config[0]["dataFormat"], "FULL");
    assert_eq!(
        config[0]["eventFields"]["Candle"],
        json!(DEFAULT_CANDLE_FIELDS)
    );
    let data = c.of_type("FEED_DATA", Some(1));
    let first = &data[0]["data"][0];
    assert!(first.is_object(), "FULL events are objects");
    assert_eq!(
        first.as_object().map(|o| o.len()),
        Some(DEFAULT_CANDLE_FIELDS.len())
    );
    assert_eq!(first["impVolatility"], "NaN");
}

#[tokio::test]
async fn feed_setup_without_field_lists_and_repeated_keeps_defaults_and_earlier_lists() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let config = c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    assert_eq!(config["dataFormat"], "COMPACT");
    let aapl = candles_of(&server, "AAPL");
    let from = aapl[aapl.len() - 3].time;
    c.add_candles(1, &[("AAPL{=1d}", from)]).await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", from, &snaps["AAPL{=1d}"]);
    let candle_config = c
        .of_type("FEED_CONFIG", Some(1))
        .into_iter()
        .find(|m| m["eventFields"]["Candle"].is_array())
        .cloned()
        .expect("a FEED_CONFIG with the Candle fields before the data");
    assert_eq!(
        candle_config["eventFields"]["Candle"],
        json!(DEFAULT_CANDLE_FIELDS)
    );
    let data = c.of_type("FEED_DATA", Some(1));
    assert_eq!(
        data[0]["data"][1].as_array().map(Vec::len),
        Some(3 * DEFAULT_CANDLE_FIELDS.len())
    );

    // Repeated FEED_SETUP naming other types: answered with FEED_CONFIG, Candle lists kept.
    c.feed_setup(
        1,
        json!({"acceptEventFields": {"Quote": ["eventSymbol", "bidPrice", "askPrice"]}}),
    )
    .await;
    let again = c
        .recv_until(|m| m["type"] == "FEED_CONFIG" && m["eventFields"]["Quote"].is_array())
        .await;
    assert_eq!(again["dataFormat"], "COMPACT");
    assert_eq!(
        again["eventFields"]["Quote"],
        json!(["eventSymbol", "bidPrice", "askPrice"])
    );
    assert_eq!(again["eventFields"]["Candle"], json!(DEFAULT_CANDLE_FIELDS));
}

#[tokio::test]
async fn reset_with_add_and_remove_without_from_time_stop_snapshots() {
    let mut o = options();
    o.latency.dxlink.snapshot_ms = 300.0;
    let server = market(o).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let from = as_of().add_days(-10).epoch_ms();

    c.add_candles(1, &[("AAPL{=1d}", from), ("MSFT{=1d}", from)])
        .await;
    c.send(
        json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "reset": true,
        "add": [{"type": "Candle", "symbol": "SPY{=1d}", "fromTime": from}]}),
    )
    .await;
    let snaps = c.collect_snapshots(1, &["SPY{=1d}"]).await;
    assert_snapshot(&server, "SPY{=1d}", from, &snaps["SPY{=1d}"]);

    c.add_candles(1, &[("QQQ{=1d}", from), ("IWM{=1d}", from)])
        .await;
    c.send(
        json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "remove": [
        {"type": "Candle", "symbol": "QQQ{=1d}"},
        {"type": "Candle", "symbol": "NEVER{=1d}"},
        {"type": "Quote", "symbol": "AAPL"}]}),
    )
    .await;
    let snaps = c.collect_snapshots(1, &["IWM{=1d}"]).await;
    assert_snapshot(&server, "IWM{=1d}", from, &snaps["IWM{=1d}"]);
    while c.recv_for(Duration::from_millis(500)).await.is_some() {}
    let seen: Vec<String> = c.snapshots(1).into_keys().collect();
    assert_eq!(
        seen,
        ["IWM{=1d}", "SPY{=1d}"],
        "reset and remove stopped the others"
    );
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());
}

#[tokio::test]
async fn auto_channel_serves_candles_and_accepts_the_other_event_types() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    let opened = c.open_channel(1, "AUTO").await;
    assert_eq!(opened["parameters"], json!({"contract": "AUTO"}));
    c.feed_setup(
        1,
        json!({"acceptDataFormat": "COMPACT", "acceptAggregationPeriod": 0.1}),
    )
    .await;
    let from = as_of().add_days(-30).epoch_ms();
    let mut add = vec![json!({"type": "Candle", "symbol": "AAPL{=1d}", "fromTime": from})];
    for ty in [
        "Quote",
        "Trade",
        "Summary",
        "Profile",
        "Greeks",
        "Underlying",
    ] {
        add.push(json!({"type": ty, "symbol": "AAPL"}));
    }
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
        .await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", from, &snaps["AAPL{=1d}"]);
    while c.recv_for(Duration::from_millis(200)).await.is_some() {}
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());

    let quote = server.state.market.quote("AAPL").expect("AAPL quote");
    let of = |ty: &str| -> Vec<serde_json::Map<String, Value>> {
        c.log
            .iter()
            .filter(|r| r.event_type.as_deref() == Some(ty))
            .flat_map(|r| r.events.clone())
            .collect()
    };
    let quotes = of("Quote");
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0]["eventSymbol"], "AAPL");
    assert_eq!(
        double(&quotes[0], "bidPrice"),
        quote.bid.unwrap_or(f64::NAN)
    );
    assert_eq!(
        double(&quotes[0], "askPrice"),
        quote.ask.unwrap_or(f64::NAN)
    );
    assert!(double(&quotes[0], "bidSize") > 0.0);
    let summaries = of("Summary");
    assert_eq!(summaries.len(), 1);
    if let Some(open) = quote.open {
        assert_eq!(double(&summaries[0], "dayOpenPrice"), open);
    }
    if let Some(prev) = quote.prev_close {
        assert_eq!(double(&summaries[0], "prevDayClosePrice"), prev);
    }
    for silent in ["Trade", "Profile", "Greeks", "Underlying"] {
        assert!(of(silent).is_empty(), "{silent} stays silent");
    }
    assert_eq!(stat(&server, "subscriptions"), 7);
}

#[tokio::test]
async fn the_eleventh_channel_gets_an_error_and_cancel_frees_a_slot() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    for ch in (1..=19).step_by(2) {
        c.open_channel(ch, "HISTORY").await;
    }
    c.send(
        json!({"type": "CHANNEL_REQUEST", "channel": 21, "service": "FEED",
        "parameters": {"contract": "HISTORY"}}),
    )
    .await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 21);
    assert!(c.of_type("CHANNEL_OPENED", Some(21)).is_empty());
    // A message on the refused channel: it was never opened.
    c.add_candles(21, &[("AAPL{=1d}", 0)]).await;
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["channel"], 21);

    c.send(json!({"type": "CHANNEL_CANCEL", "channel": 1}))
        .await;
    let closed = c.recv_until(|m| m["type"] == "CHANNEL_CLOSED").await;
    assert_eq!(closed, json!({"type": "CHANNEL_CLOSED", "channel": 1}));
    c.open_channel(21, "TICKER").await;
    assert_eq!(stat(&server, "channels"), 11);
}

#[tokio::test]
async fn the_fifth_connection_on_a_token_is_refused_and_closed() {
    let server = market(options()).await;
    let token = server.state.auth.issue_quote_token();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let mut c = DxClient::connect(&server.dxlink_url()).await;
        c.handshake(&token).await;
        clients.push(c);
    }
    let mut fifth = DxClient::connect(&server.dxlink_url()).await;
    fifth.setup().await;
    fifth.auth(&token).await;
    let ending = fifth.recv_until_end().await;
    let states: Vec<&Value> = fifth.of_type("AUTH_STATE", None);
    assert!(states.iter().all(|m| m["state"] == "UNAUTHORIZED"));
    assert_eq!(
        states.len(),
        2,
        "UNAUTHORIZED after SETUP and again after AUTH"
    );
    let e = fifth.of_type("ERROR", Some(0));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["error"], "UNAUTHORIZED");
    assert!(
        e[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("connections")),
        "{}",
        e[0]
    );
    assert!(matches!(ending, Ending::Closed { .. }), "{ending:?}");
    assert_eq!(stat(&server, "refused_connections"), 1);
    assert!(stat(&server, "peak_connections") >= 5);

    // Another token is not affected.
    let mut other = authorized(&server).await;
    other.open_channel(1, "HISTORY").await;

    // Closing one frees its slot.
    drop(clients.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    while stat(&server, "open_connections") > 4 {
        assert!(
            Instant::now() < deadline,
            "server noticed the closed socket"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut again = DxClient::connect(&server.dxlink_url()).await;
    again.handshake(&token).await;
    assert_eq!(stat(&server, "refused_connections"), 1);
}

/// Subscribe AAPL's whole history on a COMPACT channel of a market with `faults`.
async fn faulty_snapshot(spec: &str) -> (SimServer, DxClient) {
    let server = market(with_faults(spec)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    c.add_candles(1, &[("AAPL{=1d}", 0)]).await;
    (server, c)
}

#[tokio::test]
async fn fault_snip_cuts_the_snapshot_short_with_snapshot_snip() {
    let (server, mut c) = faulty_snapshot("snip=1").await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    let snap = &snaps["AAPL{=1d}"];
    let all = candles_of(&server, "AAPL");
    assert!(snap.events.len() < all.len() && !snap.events.is_empty());
    let last = snap.events.last().expect("events");
    assert_eq!(
        flags(last),
        SNIP,
        "the last event carries SNIP instead of END"
    );
    assert!(snap.events.iter().all(|e| flags(e) & END == 0));
    assert_eq!(flags(&snap.events[0]), BEGIN);
    for (e, c) in snap.events.iter().zip(all.iter().rev()) {
        assert_eq!(int(e, "time"), c.time, "the newest candles");
    }
    assert_eq!(fault_count(&server, "snip"), 1);
}

#[tokio::test]
async fn fault_full_switches_the_channel_to_full_with_a_feed_config() {
    let (server, mut c) = faulty_snapshot("full=1").await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", 0, &snaps["AAPL{=1d}"]);
    let shapes: Vec<String> = c
        .log
        .iter()
        .filter_map(|r| match r.msg["type"].as_str() {
            Some("FEED_CONFIG") => Some(format!("config:{}", r.msg["dataFormat"])),
            Some("FEED_DATA") if r.msg["data"][0].is_string() => Some("compact".into()),
            Some("FEED_DATA") => Some("full".into()),
            _ => None,
        })
        .collect();
    let switch = shapes
        .iter()
        .position(|s| s == "config:\"FULL\"")
        .expect("a FEED_CONFIG announcing FULL");
    assert!(
        shapes[..switch].contains(&"compact".to_string()),
        "{shapes:?}"
    );
    assert!(
        shapes[switch + 1..].iter().all(|s| s == "full"),
        "{shapes:?}"
    );
    assert!(shapes.len() > switch + 1);
    assert_eq!(fault_count(&server, "full"), 1);
}

#[tokio::test]
async fn fault_reconfig_resends_feed_config_in_a_new_order_and_encodes_by_it() {
    let (server, mut c) = faulty_snapshot("reconfig=1").await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    // Decoded by the latest FEED_CONFIG at each message, the candles are right.
    assert_snapshot(&server, "AAPL{=1d}", 0, &snaps["AAPL{=1d}"]);
    let lists: Vec<Vec<String>> = c
        .of_type("FEED_CONFIG", Some(1))
        .iter()
        .filter_map(|m| m["eventFields"]["Candle"].as_array())
        .map(|l| {
            l.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .collect();
    assert!(lists.len() >= 2, "{lists:?}");
    let (a, b) = (&lists[0], &lists[lists.len() - 1]);
    assert_ne!(a, b, "a different order");
    let (mut sa, mut sb) = (a.clone(), b.clone());
    sa.sort();
    sb.sort();
    assert_eq!(sa, sb, "the same fields");
    // Data was sent under both orders.
    let kinds: Vec<&str> = c
        .log
        .iter()
        .filter(|r| r.msg["channel"] == 1)
        .filter_map(|r| r.msg["type"].as_str())
        .collect();
    let reconfig = kinds
        .iter()
        .rposition(|k| *k == "FEED_CONFIG")
        .expect("configs");
    assert!(kinds[..reconfig].contains(&"FEED_DATA"), "{kinds:?}");
    assert!(kinds[reconfig..].contains(&"FEED_DATA"), "{kinds:?}");
    assert_eq!(fault_count(&server, "reconfig"), 1);
}

#[tokio::test]
async fn fault_empty_sends_the_empty_history_although_candles_exist() {
    let (server, mut c) = faulty_snapshot("empty=1").await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_empty_history("AAPL{=1d}", &snaps["AAPL{=1d}"]);
    assert!(!candles_of(&server, "AAPL").is_empty());
    assert_eq!(fault_count(&server, "empty"), 1);
}

#[tokio::test]
async fn fault_ws_drop_closes_the_socket_mid_snapshot() {
    let (server, mut c) = faulty_snapshot("ws_drop=1").await;
    let ending = c.recv_until_end().await;
    assert!(matches!(ending, Ending::Dropped(_)), "{ending:?}");
    let snaps = c.snapshots(1);
    let snap = snaps.get("AAPL{=1d}").expect("some candles arrived");
    assert!(!snap.events.is_empty());
    assert!(!snap.finished(), "the snapshot never finished");
    assert!(snap.events.len() < candles_of(&server, "AAPL").len());
    assert_eq!(fault_count(&server, "ws_drop"), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while stat(&server, "open_connections") > 0 {
        assert!(Instant::now() < deadline, "the connection is gone");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn keepalives_and_the_idle_timeout() {
    let mut o = options();
    o.latency.dxlink_limits.keepalive_timeout_secs = 1;
    let server = market(o).await;
    let mut c = DxClient::connect(&server.dxlink_url()).await;
    c.send(
        json!({"type": "SETUP", "channel": 0, "version": "0.1-tests/1",
        "keepaliveTimeout": 1, "acceptKeepaliveTimeout": 1}),
    )
    .await;
    let setup = c.recv_until(|m| m["type"] == "SETUP").await;
    assert_eq!(setup["keepaliveTimeout"], 1);
    let setup_at = Instant::now();
    let keepalive = c.recv_until(|m| m["type"] == "KEEPALIVE").await;
    assert_eq!(keepalive, json!({"type": "KEEPALIVE", "channel": 0}));
    let waited = setup_at.elapsed();
    assert!(
        waited >= Duration::from_millis(350),
        "half the client's timeout: {waited:?}"
    );
    let e = c.recv_until(|m| m["type"] == "ERROR").await;
    assert_eq!(e["error"], "TIMEOUT");
    assert!(matches!(c.recv_until_end().await, Ending::Closed { .. }));
}

#[tokio::test]
async fn five_hundred_symbols_stream_quickly_on_one_connection() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(
        1,
        json!({"acceptDataFormat": "COMPACT",
            "acceptEventFields": {"Candle": ["eventType", "eventSymbol", "eventFlags", "time",
                "open", "high", "low", "close", "volume"]}}),
    )
    .await;
    c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    let symbols: Vec<String> = (0..500)
        .map(|i| {
            let l = |k: usize| char::from(b'A' + (k % 26) as u8);
            format!("{}{}{}{{=1d}}", l(i / 676 + 1), l(i / 26), l(i))
        })
        .collect();
    let started = Instant::now();
    for chunk in symbols.chunks(100) {
        let add: Vec<Value> = chunk
            .iter()
            .map(|s| json!({"type": "Candle", "symbol": s, "fromTime": 0}))
            .collect();
        c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
            .await;
    }
    // Read parsed but unchecked (validation and decoding are timed separately, below).
    let mut finished = 0;
    let mut messages = 0;
    while finished < symbols.len() {
        let msg = c.recv_unchecked().await.expect("connection stays open");
        if msg["type"] != "FEED_DATA" {
            continue;
        }
        messages += 1;
        let values = msg["data"][1].as_array().expect("COMPACT values");
        finished += values
            .chunks(9)
            .filter(|row| row[2].as_i64().unwrap_or(0) & (END | SNIP) != 0)
            .count();
    }
    let elapsed = started.elapsed();
    eprintln!("500 candle snapshots: {messages} FEED_DATA messages in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");

    c.check_unchecked();
    let snaps = c.snapshots(1);
    assert_eq!(snaps.len(), 500);
    let mut candles = 0;
    for s in &symbols {
        let snap = &snaps[s];
        assert!(snap.finished());
        candles += snap.events.len();
        let (base, _) = split_candle_symbol(s);
        match server.state.market.candles(base) {
            Some(all) => assert_eq!(snap.events.len(), all.len(), "{s}"),
            None => assert_eq!(flags(&snap.events[0]), 14, "{s}"),
        }
    }
    assert_eq!(stat(&server, "snapshots"), 500);
    assert!(candles > 500 * 500, "{candles} candles");
}

#[test]
fn the_schema_validator_rejects_what_the_asyncapi_document_forbids() {
    let s = DxLinkSchemas::shared();
    let ok = [
        json!({"type": "SETUP", "channel": 0, "version": "1.0.2-x", "keepaliveTimeout": 60}),
        json!({"type": "AUTH_STATE", "channel": 0, "state": "AUTHORIZED"}),
        json!({"type": "ERROR", "channel": 3, "error": "BAD_ACTION", "message": "m"}),
        json!({"type": "FEED_DATA", "channel": 1, "data": ["Candle", ["A", 1, "NaN"]]}),
        json!({"type": "FEED_DATA", "channel": 1,
            "data": [{"eventType": "Candle", "eventSymbol": "A{=1d}", "close": "NaN"}]}),
    ];
    for m in &ok {
        s.validate(m).unwrap_or_else(|e| panic!("{e}"));
    }
    let bad = [
        json!({"type": "SETUP", "channel": 0}),
        json!({"type": "AUTH_STATE", "channel": 0, "state": "MAYBE"}),
        json!({"type": "ERROR", "channel": 0, "error": "OOPS", "message": "m"}),
        json!({"type": "ERROR", "channel": 0, "error": "TIMEOUT"}),
        json!({"type": "KEEPALIVE", "channel": 1}),
        json!({"type": "FEED_CONFIG", "channel": 1, "dataFormat": "COMPACT"}),
        json!({"type": "FEED_DATA", "channel": 1, "events": ["Candle", []]}),
        json!({"type": "FEED_DATA", "channel": 1, "data": ["Candle", [true]]}),
        json!({"type": "FEED_DATA", "channel": 1,
            "data": [{"eventType": "Candle", "close": "nan"}]}),
        json!({"type": "CHANNEL_OPENED", "channel": 1, "service": "FEED"}),
        json!({"type": "AUTH", "channel": 0, "token": "t"}),
    ];
    for m in &bad {
        assert!(s.validate(m).is_err(), "accepted {m}");
    }
}

#[tokio::test]
async fn quotes_arrive_after_the_one_event_snapshot_latency_and_unknown_options_stay_silent() {
    let mut o = options();
    o.latency = volscreen_sim::LatencyProfile::seed();
    let latency = o.latency.ticker();
    assert_eq!(latency, Duration::from_millis(251));
    let server = market(o).await;
    let chain = server
        .state
        .market
        .option_chain("AAPL")
        .expect("AAPL chain");
    let strikes = &chain.expirations[chain.expirations.len() / 2].strikes;
    let strike = &strikes[strikes.len() / 2];
    let (call, put) = (&strike.call_streamer_symbol, &strike.put_streamer_symbol);
    let unknown = format!("{}9", strike.call_streamer_symbol);
    assert!(server.state.market.quote(&unknown).is_none(), "{unknown}");

    let mut c = authorized(&server).await;
    c.open_channel(1, "AUTO").await;
    c.feed_setup(
        1,
        json!({"acceptDataFormat": "COMPACT", "acceptEventFields": {"Quote":
            ["eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize"]}}),
    )
    .await;
    c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    let sent = Instant::now();
    let add: Vec<Value> = [call, put, &unknown]
        .iter()
        .map(|s| json!({"type": "Quote", "symbol": s}))
        .collect();
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
        .await;
    let mut quotes = BTreeMap::new();
    while quotes.len() < 2 {
        c.recv_until(|m| m["type"] == "FEED_DATA").await;
        let r = c.log.last().expect("logged");
        assert_eq!(r.event_type.as_deref(), Some("Quote"));
        assert!(
            r.at.duration_since(sent) >= Duration::from_millis(250),
            "a Quote arrived {:?} after subscribing",
            r.at.duration_since(sent)
        );
        for e in &r.events {
            quotes.insert(
                e["eventSymbol"].as_str().unwrap_or("").to_string(),
                e.clone(),
            );
        }
    }
    for sym in [call, put] {
        let want = server.state.market.quote(sym).expect("listed option");
        let got = &quotes[sym.as_str()];
        assert_eq!(
            double(got, "bidPrice"),
            want.bid.unwrap_or(f64::NAN),
            "{sym}"
        );
        assert_eq!(
            double(got, "askPrice"),
            want.ask.unwrap_or(f64::NAN),
            "{sym}"
        );
    }
    // The real service sends nothing for a symbol it does not know; neither does the market.
    while c.recv_for(latency * 2).await.is_some() {}
    assert!(!quotes.contains_key(&unknown));
    let all_quoted: Vec<&str> = c
        .log
        .iter()
        .flat_map(|r| r.events.iter())
        .filter_map(|e| e["eventSymbol"].as_str())
        .collect();
    assert!(!all_quoted.contains(&unknown.as_str()), "{}", c.dump());
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());
}

// ---------------------------------------------------------------------------------------------
// Candle fixtures (`--fixtures DIR`: `DIR/dxlink/candles/{SYMBOL}.json`)
// ---------------------------------------------------------------------------------------------

/// A fresh fixtures directory with `dxlink/candles/` inside; `files` are `(name, JSON text)`.
fn candle_fixtures(tag: &str, files: &[(&str, String)]) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "volscreen-sim-dxlink-{tag}-{}-{nanos}",
        std::process::id()
    ));
    let candles = dir.join("dxlink/candles");
    std::fs::create_dir_all(&candles).expect("create the fixtures dir");
    for (name, text) in files {
        std::fs::write(candles.join(name), text).expect("write a fixture");
    }
    dir
}

fn with_fixtures(dir: &std::path::Path) -> SimOptions {
    let mut o = options();
    o.fixtures = Some(dir.to_path_buf());
    o
}

fn fixture_count(server: &SimServer, name: &str) -> i64 {
    server.stats()["fixtures"][name].as_i64().unwrap_or(0)
}

/// A hostile history: out of order in the file, a candle after the as-of date, a close of 1e308,
/// non-finite values written as strings, and one candle before `fromTime`. It arrives as a proper
/// snapshot, newest first with BEGIN / END, every value as written, in COMPACT and in FULL; a
/// symbol without a file keeps its synthetic candles.
#[tokio::test]
async fn candle_fixtures_are_served_as_snapshots_with_hostile_values_verbatim() {
    let d = |y, m, day| Date::from_ymd(y, m, day).expect("date").epoch_ms();
    let future = as_of().add_days(40).epoch_ms();
    let text = json!([
        {"date": "2026-03-18", "open": 500.0, "high": 505.0, "low": 498.0, "close": 503.0, "volume": 1000},
        {"time": future, "open": 1, "high": 1, "low": 1, "close": 1.0e308, "volume": 5},
        {"date": "2026-03-19", "open": "NaN", "high": "Infinity", "low": "-Infinity", "close": 2.5,
         "volume": "NaN", "vwap": "NaN", "eventSymbol": "ignored"},
        {"date": "2026-03-20", "open": 0.0, "high": -3.0, "low": 7.0, "close": -1.0, "volume": -10},
        {"date": "2020-01-02", "close": 1.0}
    ])
    .to_string();
    let dir = candle_fixtures("hostile", &[("SPY.json", text)]);
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    c.open_channel(3, "AUTO").await; // no FEED_SETUP: FULL with the default fields
    let from = d(2025, 1, 1);
    let aapl_from = candles_of(&server, "AAPL")[candles_of(&server, "AAPL").len() - 30].time;
    c.add_candles(1, &[("SPY{=1d}", from), ("AAPL{=1d}", aapl_from)])
        .await;
    c.add_candles(3, &[("SPY{=d}", from)]).await;
    let compact = c.collect_snapshots(1, &["SPY{=1d}", "AAPL{=1d}"]).await;
    let full = c.collect_snapshots(3, &["SPY{=d}"]).await;
    assert_snapshot(&server, "AAPL{=1d}", aapl_from, &compact["AAPL{=1d}"]);

    for (symbol, snap) in [
        ("SPY{=1d}", &compact["SPY{=1d}"]),
        ("SPY{=d}", &full["SPY{=d}"]),
    ] {
        let e = &snap.events;
        assert_eq!(
            e.len(),
            4,
            "{symbol}: the 2020 candle is before fromTime\n{}",
            c.dump()
        );
        let times: Vec<i64> = e.iter().map(|e| int(e, "time")).collect();
        assert_eq!(
            times,
            vec![future, d(2026, 3, 20), d(2026, 3, 19), d(2026, 3, 18)],
            "{symbol}: newest first"
        );
        let fl: Vec<i64> = e.iter().map(flags).collect();
        assert_eq!(fl, vec![BEGIN, 0, 0, END], "{symbol}: snapshot flags");
        for (ev, t) in e.iter().zip(&times) {
            assert_eq!(
                ev["eventSymbol"], symbol,
                "as subscribed, not as in the file"
            );
            assert_eq!(
                int(ev, "index"),
                (t / 1000) << 32,
                "{symbol}: index from time"
            );
        }
        assert_eq!(double(&e[0], "close"), 1.0e308);
        assert_eq!(e[1]["close"], json!(-1.0));
        assert_eq!(e[1]["high"], json!(-3.0));
        assert_eq!(e[1]["volume"], json!(-10.0));
        assert_eq!(e[2]["open"], "NaN");
        assert_eq!(e[2]["high"], "Infinity");
        assert_eq!(e[2]["low"], "-Infinity");
        assert_eq!(e[2]["volume"], "NaN");
        assert_eq!(e[2]["vwap"], "NaN");
        assert_eq!(double(&e[2], "close"), 2.5);
        assert_eq!(double(&e[3], "close"), 503.0);
        assert_eq!(double(&e[3], "vwap"), (505.0 + 498.0 + 503.0) / 3.0);
    }
    assert_eq!(fixture_count(&server, "dxlink/candles/SPY"), 2);
    assert_eq!(fixture_count(&server, "dxlink/candles/AAPL"), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fixture written from the market's own candles is indistinguishable from the synthetic feed:
/// the same events, flags, indices and vwap, split into messages of at most 100 candles.
#[tokio::test]
async fn a_fixture_of_the_synthetic_candles_reproduces_the_synthetic_snapshot() {
    let plain = market(options()).await;
    let msft = candles_of(&plain, "MSFT");
    let rows: Vec<Value> = msft
        .iter()
        .map(|k| {
            json!({"time": k.time, "open": k.open, "high": k.high, "low": k.low,
                   "close": k.close, "volume": k.volume})
        })
        .collect();
    let dir = candle_fixtures("copy", &[("MSFT.json", Value::Array(rows).to_string())]);
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let from = msft[msft.len() - 250].time;
    c.add_candles(1, &[("MSFT{=1d}", from)]).await;
    let snaps = c.collect_snapshots(1, &["MSFT{=1d}"]).await;
    assert_snapshot(&server, "MSFT{=1d}", from, &snaps["MSFT{=1d}"]);
    assert_eq!(
        snaps["MSFT{=1d}"].messages.len(),
        3,
        "250 candles in 100-candle messages"
    );
    assert_eq!(fixture_count(&server, "dxlink/candles/MSFT"), 1);
    assert_eq!(stat(&server, "candles"), 250);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `[]` is the empty-history form; objects with `eventFlags` are raw events sent exactly as
/// written, in file order (here oldest first, with explicit indices); a broken file is an `ERROR`
/// naming it, and the other subscriptions of the same message still get their snapshots.
#[tokio::test]
async fn candle_fixtures_empty_raw_and_broken_files() {
    let raw = json!([
        {"date": "2026-03-18", "close": 10.0, "eventFlags": 4, "index": 1},
        {"date": "2026-03-19", "close": "NaN", "index": 2},
        {"date": "2026-03-20", "close": 12.0, "eventFlags": 8, "index": 3}
    ])
    .to_string();
    let empty_raw = json!([{"eventFlags": 14, "open": "NaN", "high": "NaN", "low": "NaN",
                            "close": "NaN", "volume": "NaN"}])
    .to_string();
    let dir = candle_fixtures(
        "kinds",
        &[
            ("SPY.json", "[]".to_string()),
            ("QQQ.json", raw),
            ("IWM.json", empty_raw),
            ("BRK_B.json", "not json".to_string()),
        ],
    );
    let server = market(with_fixtures(&dir)).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    c.add_candles(
        1,
        &[
            ("SPY{=1d}", 0),
            ("BRK/B{=1d}", 0),
            ("QQQ{=1d}", i64::MAX / 2),
            ("IWM{=1d}", 0),
        ],
    )
    .await;
    let error = c.recv_until(|m| m["type"] == "ERROR").await;
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("BRK_B.json") && message.contains("not JSON"),
        "{error}"
    );
    let snaps = c
        .collect_snapshots(1, &["SPY{=1d}", "QQQ{=1d}", "IWM{=1d}"])
        .await;
    assert_empty_history("SPY{=1d}", &snaps["SPY{=1d}"]);
    assert_empty_history("IWM{=1d}", &snaps["IWM{=1d}"]);
    let q = &snaps["QQQ{=1d}"].events;
    assert_eq!(q.len(), 3, "raw events ignore fromTime");
    assert_eq!(q.iter().map(flags).collect::<Vec<_>>(), vec![BEGIN, 0, END]);
    assert_eq!(
        q.iter().map(|e| int(e, "index")).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(q[1]["close"], "NaN");
    assert_eq!(double(&q[2], "close"), 12.0);
    assert!(
        int(&q[0], "time") < int(&q[2], "time"),
        "file order, oldest first"
    );
    assert!(
        !c.snapshots(1).contains_key("BRK/B{=1d}"),
        "no snapshot for a broken file"
    );
    // The connection is still usable.
    c.add_candles(1, &[("AAPL{=1d}", as_of().add_days(-10).epoch_ms())])
        .await;
    let snaps = c.collect_snapshots(1, &["AAPL{=1d}"]).await;
    assert_snapshot(
        &server,
        "AAPL{=1d}",
        as_of().add_days(-10).epoch_ms(),
        &snaps["AAPL{=1d}"],
    );
    assert_eq!(fixture_count(&server, "dxlink/candles/QQQ"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The snapshot faults apply to fixture candles as to synthetic ones.
#[tokio::test]
async fn snapshot_faults_apply_to_candle_fixtures() {
    let rows: Vec<Value> = (1..=10)
        .map(|k| json!({"date": format!("2026-03-{:02}", k + 5), "close": 100.0 + k as f64}))
        .collect();
    let dir = candle_fixtures("faults", &[("SPY.json", Value::Array(rows).to_string())]);
    let mut o = with_fixtures(&dir);
    o.faults = Faults::parse("snip=1").expect("fault spec");
    let server = market(o).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "HISTORY").await;
    c.add_candles(1, &[("SPY{=1d}", 0)]).await;
    let snaps = c.collect_snapshots(1, &["SPY{=1d}"]).await;
    let e = &snaps["SPY{=1d}"].events;
    assert_eq!(e.len(), 5, "half the history");
    assert_eq!(flags(&e[0]), BEGIN);
    assert_eq!(flags(&e[4]), SNIP);
    assert_eq!(double(&e[0], "close"), 110.0, "newest first");
    assert_eq!(fault_count(&server, "snip"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
