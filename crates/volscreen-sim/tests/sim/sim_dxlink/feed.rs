//! FEED channel setup and subscriptions: no FEED_SETUP (FULL with default fields), FEED_SETUP
//! without field lists or repeated, `reset` with `add` and `remove` without `fromTime`, the AUTO
//! channel's other event types, and option quotes after the one-event snapshot latency.

use super::{
    as_of, assert_snapshot, authorized, candles_of, market, options, stat, DEFAULT_CANDLE_FIELDS,
};
use crate::dxlink_client::double;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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

/// A DXLink `Quote` event carries the sizes the by-type row of the same instrument serves, in
/// whichever form each side names it: a stock, an index (no book: 0), a futures contract by its
/// streamer symbol (`/ESM26:XCME`; over REST `/ESM6`, and the root `/ES`, which quotes it), an
/// equity option by its streamer symbol (OCC over REST) and a futures option by its streamer
/// symbol (`./EWM26C6000:XCME`; `./ESM6 EWM6  260618C6000` over REST).
#[tokio::test]
async fn quote_sizes_are_the_by_type_rows_sizes() {
    use crate::sim_rest::{f, get, items, login};
    let server = market(options()).await;
    let m = &server.state.market;
    let es = m
        .futures_contracts("ES")
        .into_iter()
        .find(|c| c.active_month)
        .expect("an active ES contract");
    let chain = m.option_chain("AAPL").expect("AAPL chain");
    let strikes = &chain.expirations[chain.expirations.len() / 2].strikes;
    let k = &strikes[strikes.len() / 2];
    let fchain = m.futures_option_chain("ES").expect("ES options");
    let fstrikes = &fchain.expirations[0].strikes;
    let fk = &fstrikes[fstrikes.len() / 2];
    // (DXLink symbol, the REST symbols of the same instrument)
    let pairs: Vec<(String, Vec<String>)> = vec![
        ("AAPL".into(), vec!["AAPL".into()]),
        ("SPY".into(), vec!["SPY".into()]),
        ("SPX".into(), vec!["SPX".into()]),
        (
            es.streamer_symbol.clone(),
            vec![es.symbol.clone(), "/ES".into()],
        ),
        (k.call_streamer_symbol.clone(), vec![k.call.clone()]),
        (k.put_streamer_symbol.clone(), vec![k.put.clone()]),
        (fk.call_streamer_symbol.clone(), vec![fk.call.clone()]),
    ];

    let mut c = authorized(&server).await;
    c.open_channel(1, "AUTO").await;
    c.feed_setup(
        1,
        json!({"acceptDataFormat": "COMPACT", "acceptEventFields": {"Quote":
            ["eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize"]}}),
    )
    .await;
    c.recv_until(|m| m["type"] == "FEED_CONFIG").await;
    let add: Vec<Value> = pairs
        .iter()
        .map(|(s, _)| json!({"type": "Quote", "symbol": s}))
        .collect();
    c.send(json!({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": add}))
        .await;
    let mut events = BTreeMap::new();
    while events.len() < pairs.len() {
        c.recv_until(|m| m["type"] == "FEED_DATA").await;
        for e in &c.log.last().expect("logged").events {
            events.insert(
                e["eventSymbol"].as_str().unwrap_or("").to_string(),
                e.clone(),
            );
        }
    }
    assert!(c.of_type("ERROR", None).is_empty(), "{}", c.dump());

    let token = login(&server).await;
    let enc = |s: &String| s.replace(' ', "%20");
    let q = format!(
        "/market-data/by-type?equity=AAPL,SPY&index=SPX&future={},/ES\
         &equity-option={},{}&future-option={}",
        es.symbol,
        enc(&k.call),
        enc(&k.put),
        enc(&fk.call)
    );
    let (status, body) = get(&server, &token, &q).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let rows: BTreeMap<String, Value> = items(&body)
        .iter()
        .map(|r| (r["symbol"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    let mut sizes = Vec::new();
    for (dx, rest) in &pairs {
        let e = &events[dx.as_str()];
        let got = (double(e, "bidSize"), double(e, "askSize"));
        sizes.push(got);
        for r in rest {
            let row = rows
                .get(r)
                .unwrap_or_else(|| panic!("{r} has a by-type row: {body}"));
            let want = (f(&row["bid-size"]), f(&row["ask-size"]));
            assert_eq!(got, want, "{dx} over DXLink, {r} over REST");
            if let Some(bid) = row.get("bid") {
                assert_eq!(double(e, "bidPrice"), f(bid), "{dx}: the same quote");
                assert_eq!(double(e, "askPrice"), f(&row["ask"]), "{dx}");
            }
        }
    }
    assert_eq!(sizes[2], (0.0, 0.0), "an index has no book");
    assert!(
        sizes
            .iter()
            .any(|s| *s != (100.0, 100.0) && *s != (0.0, 0.0)),
        "sizes are drawn, not fixed: {sizes:?}"
    );
}
