//! Candle snapshots on a HISTORY channel: the full session (handshake, FEED_CONFIG, newest-first
//! snapshots split into messages of at most 100 candles, interleaved, at most four at once), the
//! seed latency model and its queue, COMPACT rows in FEED_CONFIG order, the empty-history form for
//! unknown symbols, roots and empty ranges, and 500 snapshots on one connection.

use super::{
    as_of, assert_empty_history, assert_snapshot, authorized, candles_of, market, options, stat,
    DEFAULT_CANDLE_FIELDS,
};
use crate::dxlink_client::{flags, DxClient, Snapshot, BEGIN, END, SNIP};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use volscreen_core::symbol::split_candle_symbol;
use volscreen_sim::market::{scale_universe, UNKNOWN_SYMBOLS};

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
    // Names of the synthetic scale universe (every one known, a few listed recently).
    let symbols: Vec<String> = scale_universe(500)
        .iter()
        .map(|s| format!("{s}{{=1d}}"))
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

/// The DXLink side of `sim_rest::unknown`: a made-up ticker, a typo, a CSV header and a month
/// the product does not list get the empty-history form for their candles (in either case) and
/// no `Quote` or `Summary` event.
#[tokio::test]
async fn unknown_tickers_get_the_empty_history_and_no_quotes() {
    let server = market(options()).await;
    let mut c = authorized(&server).await;
    c.open_channel(1, "AUTO").await;
    c.feed_setup(1, json!({"acceptDataFormat": "COMPACT"}))
        .await;
    let unknown = ["XYZFOO", "APPL", "TICKER", "/ESF7", "appl", "/esf7"];
    let candles: Vec<String> = unknown.iter().map(|s| format!("{s}{{=1d}}")).collect();
    let subs: Vec<(&str, i64)> = candles.iter().map(|s| (s.as_str(), 0)).collect();
    c.add_candles(1, &subs).await;
    let add: Vec<Value> = unknown
        .iter()
        .flat_map(|s| {
            [
                json!({"type": "Quote", "symbol": s}),
                json!({"type": "Summary", "symbol": s}),
            ]
        })
        .collect();
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
        .await;
    let names: Vec<&str> = candles.iter().map(String::as_str).collect();
    let snaps = c.collect_snapshots(1, &names).await;
    for name in &names {
        assert_empty_history(name, &snaps[*name]);
    }
    while c.recv_for(Duration::from_millis(300)).await.is_some() {}
    for ty in ["Quote", "Summary"] {
        let sent: Vec<_> = c
            .log
            .iter()
            .filter(|r| r.event_type.as_deref() == Some(ty))
            .collect();
        assert!(
            sent.is_empty(),
            "{ty} events for unknown tickers: {}",
            c.dump()
        );
    }
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());
}
