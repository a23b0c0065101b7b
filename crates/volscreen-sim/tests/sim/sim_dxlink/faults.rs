//! The snapshot faults on synthetic candles: `snip`, `full`, `reconfig`, `empty` and `ws_drop`,
//! each on AAPL's whole history on a COMPACT channel.

use super::{
    assert_empty_history, assert_snapshot, authorized, candles_of, fault_count, market, options,
    stat,
};
use crate::dxlink_client::{flags, int, DxClient, Ending, BEGIN, END, SNIP};
use serde_json::json;
use std::time::{Duration, Instant};
use volscreen_sim::{Faults, SimOptions, SimServer};

fn with_faults(spec: &str) -> SimOptions {
    let mut o = options();
    o.faults = Faults::parse(spec).expect("fault spec");
    o
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
