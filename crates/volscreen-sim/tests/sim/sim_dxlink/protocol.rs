//! The DXLink session protocol: strict errors for protocol violations, unknown event types, binary
//! frames and oversized messages, early AUTH, the channel limit, the per-token connection limit,
//! keepalives and the idle timeout, and the AsyncAPI schema validator itself.

use super::{as_of, assert_snapshot, authorized, candles_of, market, options, stat};
use crate::dxlink_client::{DxClient, Ending};
use crate::dxlink_schema::DxLinkSchemas;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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
