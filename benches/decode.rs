//! Criterion benchmark of DXLink COMPACT candle decoding (`src/dxlink/decode.rs`, `FeedDecoder`)
//! and snapshot assembly (`src/dxlink/snapshot.rs`, `SnapshotAssembler`) for a 500-symbol batch.
//!
//! The input is built once, before measuring, by the demo market's own DXLink code
//! (`sim::dxlink::feed::FeedConfig` answering volscreen's `FEED_SETUP`, and the per-channel
//! `sim::dxlink::snapshot::Scheduler`), so the messages are exactly what the server sends: one
//! `FEED_CONFIG`, then `FEED_DATA` messages of at most 100 candles each, newest first, snapshots of up
//! to 4 symbols interleaved message by message, 400 calendar days of daily candles per symbol
//! (about 275 candles). The 500 symbols are the default watchlist's equities, ETFs and indices,
//! topped up with synthetic tickers the demo market knows (futures roots have no candles of their own).
//!
//! Three measurements, per whole batch (throughput in candles):
//! - `decode/parse_decode/500`: text → `ServerMessage::parse` → `FeedDecoder::decode`, what the
//!   client's socket reader does;
//! - `decode/decode_preparsed/500`: `FeedDecoder::decode` alone, on `data` values parsed beforehand;
//! - `decode/parse_decode_assemble/500`: the first plus `SnapshotAssembler` building each symbol's
//!   series.
//!
//! Run: `cargo bench --bench decode`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use volscreen::dxlink::decode::{CandleEvent, FeedDecoder};
use volscreen::dxlink::protocol::{ServerMessage, CANDLE, CANDLE_FIELDS};
use volscreen::dxlink::snapshot::SnapshotAssembler;
use volscreen::dxlink::{candle_symbol_for, history_from_time_ms, HISTORY_DAYS};
use volscreen::sim::dxlink::feed::FeedConfig;
use volscreen::sim::dxlink::protocol::FeedSetup;
use volscreen::sim::dxlink::snapshot::{Env, Planned, Request, Scheduler};
use volscreen::sim::market::Market;
use volscreen::sim::stats::Stats;
use volscreen::sim::LatencyProfile;

/// Symbols in the batch.
const SYMBOLS: usize = 500;
/// The channel the messages are addressed to.
const CHANNEL: u64 = 1;

/// The server's messages for one channel streaming `SYMBOLS` snapshots, and the candles they carry.
fn server_messages() -> (Vec<String>, usize) {
    let as_of = common::as_of();
    let market = Market::new(as_of);
    let latency = LatencyProfile::none();
    let stats = Stats::default();
    let ws_drop_armed = Cell::new(false);
    let env = Env {
        market: &market,
        latency: &latency,
        stats: &stats,
        ws_drop_armed: &ws_drop_armed,
    };
    // volscreen's FEED_SETUP: COMPACT, exactly its Candle field list.
    let mut feed = FeedConfig::new();
    let setup = FeedSetup {
        accept_aggregation_period: Some(0.1),
        accept_data_format: Some("COMPACT".to_string()),
        accept_event_fields: Some(BTreeMap::from([(
            CANDLE.to_string(),
            CANDLE_FIELDS.iter().map(|f| f.to_string()).collect(),
        )])),
    };
    let mut messages = vec![feed
        .apply_setup(CHANNEL, &setup)
        .expect("COMPACT is accepted")];
    let from_time = history_from_time_ms(as_of, HISTORY_DAYS);
    let mut scheduler = Scheduler::default();
    for s in common::universe(SYMBOLS, &market, true) {
        scheduler.enqueue(Request {
            symbol: candle_symbol_for(&s).expect("equity candle symbol"),
            from_time,
            planned: Planned::default(),
        });
    }
    // Latency `none`: every batch is due at once.
    let now = Instant::now();
    scheduler.promote(now, env);
    while scheduler.pending() > 0 {
        scheduler.run_due(CHANNEL, &mut feed, now, env, &mut messages);
    }
    let candles = stats
        .dxlink_candles
        .load(std::sync::atomic::Ordering::Relaxed) as usize;
    (messages, candles)
}

/// What the client's socket reader does with each text frame: parse it, apply `FEED_CONFIG`,
/// decode `FEED_DATA` into a fresh event vector; `sink` gets each message's events.
fn decode_stream(messages: &[String], mut sink: impl FnMut(Vec<CandleEvent>)) {
    let mut decoder = FeedDecoder::new();
    for text in messages {
        match ServerMessage::parse(text) {
            Ok(ServerMessage::FeedConfig {
                data_format,
                event_fields,
                ..
            }) => decoder.apply_config(data_format.as_deref(), event_fields.as_ref()),
            Ok(ServerMessage::FeedData { data, .. }) => {
                let mut out = Vec::new();
                decoder.decode(&data, &mut out);
                sink(out);
            }
            _ => {}
        }
    }
}

fn bench_decode(c: &mut Criterion) {
    let (messages, candles) = server_messages();
    let data_messages = messages.len() - 1;
    let bytes: usize = messages.iter().map(String::len).sum();
    eprintln!(
        "decode input: {SYMBOLS} symbols, {candles} candles ({:.1} per symbol), {data_messages} FEED_DATA messages, {:.1} MB of JSON",
        candles as f64 / SYMBOLS as f64,
        bytes as f64 / 1e6
    );

    // Sanity: everything decodes and every snapshot completes.
    let mut decoded = 0;
    let mut assembler = SnapshotAssembler::new();
    let mut completed = 0;
    decode_stream(&messages, |events| {
        decoded += events.len();
        completed += assembler.push_all(events).len();
    });
    assert_eq!(decoded, candles);
    assert_eq!(completed, SYMBOLS);

    // The `data` values, parsed beforehand, with the decoder configured by the FEED_CONFIG.
    let mut configured = FeedDecoder::new();
    let mut parsed: Vec<Value> = Vec::with_capacity(data_messages);
    for text in &messages {
        match ServerMessage::parse(text).expect("server JSON") {
            ServerMessage::FeedConfig {
                data_format,
                event_fields,
                ..
            } => configured.apply_config(data_format.as_deref(), event_fields.as_ref()),
            ServerMessage::FeedData { data, .. } => parsed.push(data),
            _ => {}
        }
    }

    let mut g = c.benchmark_group("decode");
    // A whole batch takes tens to hundreds of ms: 20 samples in about 15 s per benchmark.
    g.sample_size(20)
        .measurement_time(std::time::Duration::from_secs(15))
        .throughput(Throughput::Elements(candles as u64));
    g.bench_function("parse_decode/500", |b| {
        b.iter(|| {
            let mut n = 0;
            decode_stream(black_box(&messages), |events| n += events.len());
            n
        })
    });
    g.bench_function("decode_preparsed/500", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            for data in black_box(&parsed) {
                out.clear();
                configured.decode(data, &mut out);
            }
            out.len()
        })
    });
    g.bench_function("parse_decode_assemble/500", |b| {
        b.iter(|| {
            let mut assembler = SnapshotAssembler::new();
            let mut series = 0;
            decode_stream(black_box(&messages), |events| {
                series += assembler.push_all(events).len()
            });
            assert_eq!(series, SYMBOLS);
            series
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
