//! Property and hand-written tests of the DXLink candle decoder (`volscreen::dxlink::decode`) and
//! snapshot assembler (`volscreen::dxlink::snapshot`), with no sockets: wire messages are built as
//! JSON here, the way a server would send them, under arbitrary splits, interleavings, field orders,
//! formats and row orders.

use proptest::prelude::*;
use serde_json::{json, Value};
use volscreen::candle::Candle;
use volscreen::dxlink::decode::{CandleEvent, FeedDecoder};
use volscreen::dxlink::protocol::{ServerMessage, CANDLE_FIELDS};
use volscreen::dxlink::snapshot::{flags::*, CandleSeries, SnapshotAssembler};

const DAY_MS: i64 = 86_400_000;

/// A tiny deterministic PRNG for the wire plan (splits, interleaving, reconfigs).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

fn dbl(f: f64) -> Value {
    if f.is_nan() {
        json!("NaN")
    } else if f == f64::INFINITY {
        json!("Infinity")
    } else if f == f64::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(f)
    }
}

/// The value of `field` of `ev` as a server writes it (extra fields get plausible filler).
fn field_value(field: &str, ev: &CandleEvent) -> Value {
    match field {
        "eventSymbol" => json!(ev.symbol),
        "eventType" => json!("Candle"),
        "eventFlags" => json!(ev.flags),
        "index" => ev.index.map_or(Value::Null, |i| json!(i)),
        "time" => ev.time.map_or(Value::Null, |t| json!(t)),
        "open" => dbl(ev.open),
        "high" => dbl(ev.high),
        "low" => dbl(ev.low),
        "close" => dbl(ev.close),
        "volume" => dbl(ev.volume),
        "vwap" | "VWAP" | "impVolatility" => json!("NaN"),
        _ => json!(0),
    }
}

fn compact_values(fields: &[String], events: &[CandleEvent]) -> Value {
    Value::Array(
        events
            .iter()
            .flat_map(|e| fields.iter().map(move |f| field_value(f, e)))
            .collect(),
    )
}

fn full_object(fields: &[String], ev: &CandleEvent) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("eventType".into(), json!("Candle"));
    for f in fields {
        m.insert(f.clone(), field_value(f, ev));
    }
    Value::Object(m)
}

fn config(fields: &[String], format: &str) -> Value {
    json!({"type": "FEED_CONFIG", "channel": 1, "dataFormat": format, "aggregationPeriod": 0.1,
           "eventFields": {"Candle": fields}})
}

/// Apply one server message (FEED_CONFIG or FEED_DATA, as JSON text) to a decoder.
fn apply(dec: &mut FeedDecoder, msg: &Value, out: &mut Vec<CandleEvent>) {
    match ServerMessage::parse(&msg.to_string()).expect("test message parses") {
        ServerMessage::FeedConfig {
            data_format,
            event_fields,
            ..
        } => dec.apply_config(data_format.as_deref(), event_fields.as_ref()),
        ServerMessage::FeedData { data, .. } => {
            dec.decode(&data, out);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A field list: a permutation of `base` with some extra fields mixed in.
fn field_list(rng: &mut Rng, base: &[&str]) -> Vec<String> {
    let mut f: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    for extra in ["eventType", "eventTime", "count", "vwap", "sequence"] {
        if rng.chance(0.4) {
            f.push(extra.to_string());
        }
    }
    rng.shuffle(&mut f);
    f
}

/// Encode `events` into server messages: random row groups, several Candle pairs per COMPACT
/// message, unknown Quote pairs mixed in, FEED_CONFIG re-sent with new field orders, and (when
/// `allow_full`) some messages in FULL format. Events keep their order across the messages.
fn encode(
    events: &[CandleEvent],
    base_fields: &[&str],
    rng: &mut Rng,
    allow_full: bool,
) -> Vec<Value> {
    let mut msgs = Vec::new();
    let mut fields = field_list(rng, base_fields);
    let mut format = "COMPACT";
    msgs.push(config(&fields, format));
    let mut i = 0;
    while i < events.len() {
        if rng.chance(0.15) {
            fields = field_list(rng, base_fields);
            msgs.push(config(&fields, format));
        }
        let want = if allow_full && rng.chance(0.25) {
            "FULL"
        } else {
            "COMPACT"
        };
        if want != format {
            format = want;
            msgs.push(config(&fields, format));
        }
        let mut data = Vec::new();
        for _ in 0..1 + rng.below(3) {
            if i >= events.len() {
                break;
            }
            let n = (1 + rng.below(8)).min(events.len() - i);
            let rows = &events[i..i + n];
            i += n;
            if format == "FULL" {
                data.extend(rows.iter().map(|e| full_object(&fields, e)));
                if rng.chance(0.2) {
                    data.push(json!({"eventType": "Quote", "eventSymbol": "X", "bidPrice": 1}));
                }
            } else {
                data.push(json!("Candle"));
                data.push(compact_values(&fields, rows));
                if rng.chance(0.2) {
                    data.push(json!("Quote"));
                    data.push(json!(["X", 1.0, "NaN", 2]));
                }
            }
        }
        msgs.push(json!({"type": "FEED_DATA", "channel": 1, "data": data}));
    }
    msgs
}

/// A comparable form of an event (NaNs equal, other floats by bits).
fn norm(e: &CandleEvent) -> (String, u32, Option<i64>, Option<i64>, [u64; 5]) {
    let b = |f: f64| if f.is_nan() { u64::MAX } else { f.to_bits() };
    (
        e.symbol.clone(),
        e.flags,
        e.index,
        e.time,
        [b(e.open), b(e.high), b(e.low), b(e.close), b(e.volume)],
    )
}

/// `e` as a decoder sees it when only `fields` are on the wire.
fn project(e: &CandleEvent, fields: &[&str]) -> CandleEvent {
    let has = |f: &str| fields.contains(&f);
    let d = |f: &str, v: f64| if has(f) { v } else { f64::NAN };
    CandleEvent {
        symbol: e.symbol.clone(),
        flags: if has("eventFlags") { e.flags } else { 0 },
        index: e.index.filter(|_| has("index")),
        time: e.time.filter(|_| has("time")),
        open: d("open", e.open),
        high: d("high", e.high),
        low: d("low", e.low),
        close: d("close", e.close),
        volume: d("volume", e.volume),
    }
}

/// A price as a feed writes it: at most 8 decimals and 15 significant digits. (serde_json's default
/// float parser is exact for such numbers; for 17-digit doubles it may be one ULP off, which no
/// DXLink price or volume needs.)
fn wire_double(max_units: i64) -> impl Strategy<Value = f64> {
    (-max_units..max_units, 0u32..=8)
        .prop_map(|(n, decimals)| n as f64 / 10f64.powi(decimals as i32))
}

/// A positive wire price.
fn price() -> impl Strategy<Value = f64> {
    (1i64..500_000_000, 0u32..=6).prop_map(|(n, decimals)| n as f64 / 10f64.powi(decimals as i32))
}

fn any_double() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => wire_double(1_000_000_000_000_000 / 1000),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
    ]
}

fn any_event() -> impl Strategy<Value = CandleEvent> {
    (
        prop::sample::select(vec![
            "AAPL{=1d}",
            "/ESZ26:XCME{=1d}",
            "BRK/B{=1d}",
            "SPX{=d}",
        ]),
        0u32..128,
        any::<i64>(),
        0i64..4_000_000_000_000,
        [
            any_double(),
            any_double(),
            any_double(),
            any_double(),
            any_double(),
        ],
    )
        .prop_map(|(s, flags, index, time, [o, h, l, c, v])| CandleEvent {
            symbol: s.to_string(),
            flags,
            index: Some(index),
            time: Some(time),
            open: o,
            high: h,
            low: l,
            close: c,
            volume: v,
        })
}

/// A daily history: ascending, distinct times, finite values.
fn history() -> impl Strategy<Value = Vec<Candle>> {
    prop::collection::vec(
        (
            1i64..4,
            price(),
            price(),
            price(),
            price(),
            (0i64..100_000_000).prop_map(|v| v as f64),
        ),
        0..40,
    )
    .prop_map(|rows| {
        let mut t = 19_000 * DAY_MS;
        rows.into_iter()
            .map(|(step, open, high, low, close, volume)| {
                t += step * DAY_MS;
                Candle {
                    time: t,
                    open,
                    high,
                    low,
                    close,
                    volume,
                }
            })
            .collect()
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EndStyle {
    /// The oldest row carries END.
    OnLastRow,
    /// A separate NaN REMOVE row carries END (flags 0x0a).
    NanMarker,
    /// The oldest row carries SNIP: a truncated completion.
    Snip,
}

fn row(symbol: &str, flags: u32, c: &Candle) -> CandleEvent {
    CandleEvent {
        symbol: symbol.to_string(),
        flags,
        index: Some(c.time << 32),
        time: Some(c.time),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
    }
}

fn nan_row(symbol: &str, flags: u32, time: i64) -> CandleEvent {
    CandleEvent {
        symbol: symbol.to_string(),
        flags,
        index: Some(time << 32),
        time: Some(time),
        open: f64::NAN,
        high: f64::NAN,
        low: f64::NAN,
        close: f64::NAN,
        volume: f64::NAN,
    }
}

/// One symbol's snapshot as a server could send it: BEGIN first, END/SNIP last, rows in
/// `newest_first` or arbitrary order, optionally inside a transaction (TX_PENDING on all but the
/// last event), with SNAPSHOT_MODE bits, stale pre-BEGIN events, a row inserted then REMOVEd, and a
/// row sent twice.
fn snapshot_events(
    symbol: &str,
    hist: &[Candle],
    end: EndStyle,
    rng: &mut Rng,
    newest_first: bool,
) -> Vec<CandleEvent> {
    let mut out = Vec::new();
    // Stale events from before the snapshot (BEGIN must clear them).
    for k in 0..rng.below(3) {
        out.push(row(
            symbol,
            0,
            &Candle {
                time: (30_000 + k as i64) * DAY_MS,
                open: 1.0,
                high: 1.0,
                low: 1.0,
                close: 1.0,
                volume: 1.0,
            },
        ));
    }
    let mode = if rng.chance(0.3) { SNAPSHOT_MODE } else { 0 };
    if hist.is_empty() {
        let f = match end {
            EndStyle::Snip => SNAPSHOT_BEGIN | SNAPSHOT_SNIP | REMOVE_EVENT,
            _ => SNAPSHOT_BEGIN | SNAPSHOT_END | REMOVE_EVENT, // 14
        };
        out.push(nan_row(symbol, f | mode, 0));
        return out;
    }
    let mut rows: Vec<Candle> = hist.to_vec();
    if newest_first {
        rows.reverse();
    } else {
        rng.shuffle(&mut rows);
    }
    let mut evs: Vec<CandleEvent> = rows.iter().map(|c| row(symbol, mode, c)).collect();
    // A bogus row inserted and later removed inside the snapshot, and a duplicated row.
    if rng.chance(0.3) && evs.len() >= 2 {
        let bogus = Candle {
            time: 50_000 * DAY_MS,
            open: 9.0,
            high: 9.0,
            low: 9.0,
            close: 9.0,
            volume: 9.0,
        };
        let at = 1 + rng.below(evs.len() - 1);
        evs.insert(at, row(symbol, mode, &bogus));
        let rm = at + 1 + rng.below(evs.len() - at - 1);
        // The REMOVE carries real values: only its flag says the row goes.
        evs.insert(rm, row(symbol, REMOVE_EVENT | mode, &bogus));
    }
    if rng.chance(0.3) && evs.len() >= 2 {
        let pick = rng.below(evs.len() - 1);
        let dup = evs[pick].clone();
        if dup.flags & REMOVE_EVENT == 0 && dup.time != Some(50_000 * DAY_MS) {
            let at = pick + 1 + rng.below(evs.len() - pick - 1);
            evs.insert(at, dup);
        }
    }
    evs[0].flags |= SNAPSHOT_BEGIN;
    let tx = rng.chance(0.4);
    // Inside a transaction the END can come before the last rows: they still belong to the
    // snapshot, which is published only when TX_PENDING clears.
    let end_at = if tx && evs.len() >= 2 && rng.chance(0.5) {
        rng.below(evs.len() - 1)
    } else {
        evs.len() - 1
    };
    match end {
        EndStyle::OnLastRow => evs[end_at].flags |= SNAPSHOT_END,
        EndStyle::Snip => evs[end_at].flags |= SNAPSHOT_SNIP,
        EndStyle::NanMarker => evs.push(nan_row(symbol, SNAPSHOT_END | REMOVE_EVENT | mode, 0)),
    }
    if tx {
        let n = evs.len();
        for e in &mut evs[..n - 1] {
            e.flags |= TX_PENDING;
        }
    }
    out.extend(evs);
    out
}

/// Interleave per-symbol event lists at random, keeping each list's order.
fn interleave(mut lists: Vec<Vec<CandleEvent>>, rng: &mut Rng) -> Vec<CandleEvent> {
    for l in &mut lists {
        l.reverse();
    }
    let mut out = Vec::new();
    loop {
        let live: Vec<usize> = (0..lists.len()).filter(|i| !lists[*i].is_empty()).collect();
        if live.is_empty() {
            return out;
        }
        let i = live[rng.below(live.len())];
        out.extend(lists[i].pop());
    }
}

/// Run messages through a decoder and an assembler, returning completions in order.
fn assemble(msgs: &[Value]) -> (Vec<(String, CandleSeries)>, usize) {
    let mut dec = FeedDecoder::new();
    let mut asm = SnapshotAssembler::new();
    let mut done = Vec::new();
    for m in msgs {
        let mut evs = Vec::new();
        apply(&mut dec, m, &mut evs);
        done.extend(asm.push_all(evs));
    }
    (done, asm.in_progress())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// COMPACT (and FULL) decoding returns exactly the events encoded, whatever the field order,
    /// the extra fields, the split into pairs and messages, the re-sent configs, the non-finite
    /// doubles and the unknown event types in between.
    #[test]
    fn decoder_round_trips_any_field_order_and_split(
        events in prop::collection::vec(any_event(), 0..60),
        seed in any::<u64>(),
        allow_full in any::<bool>(),
    ) {
        let mut rng = Rng(seed);
        let msgs = encode(&events, &CANDLE_FIELDS, &mut rng, allow_full);
        let mut dec = FeedDecoder::new();
        let mut got = Vec::new();
        for m in &msgs {
            apply(&mut dec, m, &mut got);
        }
        let got: Vec<_> = got.iter().map(norm).collect();
        let want: Vec<_> = events.iter().map(norm).collect();
        prop_assert_eq!(got, want);
    }

    /// Fields the server leaves out decode as missing (NaN prices, no index/time, flags 0), never
    /// as a shifted neighbour.
    #[test]
    fn decoder_tolerates_missing_fields(
        events in prop::collection::vec(any_event(), 1..30),
        keep in prop::sample::subsequence(CANDLE_FIELDS[1..].to_vec(), 0..8),
        seed in any::<u64>(),
    ) {
        let mut base = vec!["eventSymbol"];
        base.extend(keep.iter().copied());
        let mut rng = Rng(seed);
        let msgs = encode(&events, &base, &mut rng, true);
        let mut dec = FeedDecoder::new();
        let mut got = Vec::new();
        for m in &msgs {
            apply(&mut dec, m, &mut got);
        }
        let got: Vec<_> = got.iter().map(norm).collect();
        let want: Vec<_> = events.iter().map(|e| norm(&project(e, &base))).collect();
        prop_assert_eq!(got, want);
    }

    /// Snapshots of several symbols, each split across messages, interleaved with each other, in
    /// newest-first or any row order, with any field order, re-sent configs and FULL messages, with
    /// TX_PENDING transactions, stale pre-BEGIN rows, removed and duplicated rows, and END on the
    /// last row or on a NaN REMOVE marker: every symbol completes exactly once, with exactly its
    /// history in ascending order; SNIP completions say `truncated`.
    #[test]
    fn assembler_yields_each_history_once_whatever_the_wire_shape(
        histories in prop::collection::vec(history(), 1..5),
        ends in prop::collection::vec(
            prop_oneof![Just(EndStyle::OnLastRow), Just(EndStyle::NanMarker), Just(EndStyle::Snip)],
            5,
        ),
        newest_first in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng(seed);
        let symbols: Vec<String> = (0..histories.len()).map(|i| format!("S{i}{{=1d}}")).collect();
        let lists: Vec<Vec<CandleEvent>> = histories
            .iter()
            .enumerate()
            .map(|(i, h)| snapshot_events(&symbols[i], h, ends[i], &mut rng, newest_first))
            .collect();
        let events = interleave(lists, &mut rng);
        let msgs = encode(&events, &CANDLE_FIELDS, &mut rng, true);
        let (done, left) = assemble(&msgs);
        prop_assert_eq!(left, 0);
        prop_assert_eq!(done.len(), symbols.len());
        for (i, sym) in symbols.iter().enumerate() {
            let got: Vec<_> = done.iter().filter(|(s, _)| s == sym).collect();
            prop_assert_eq!(got.len(), 1, "{} completed {} times", sym, got.len());
            let series = &got[0].1;
            prop_assert_eq!(&series.candles, &histories[i]);
            prop_assert_eq!(series.truncated, ends[i] == EndStyle::Snip);
        }
    }

    /// The order rows arrive in between BEGIN and END does not matter.
    #[test]
    fn assembler_result_is_independent_of_row_order(
        hist in history(),
        seed_a in any::<u64>(),
        seed_b in any::<u64>(),
    ) {
        let run = |seed| {
            let mut rng = Rng(seed);
            let evs = snapshot_events("A{=1d}", &hist, EndStyle::OnLastRow, &mut rng, false);
            let mut asm = SnapshotAssembler::new();
            asm.push_all(evs)
        };
        let (a, b) = (run(seed_a), run(seed_b));
        prop_assert_eq!(a.len(), 1);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a[0].1.candles, &hist);
    }
}

fn data(msg: &str) -> Vec<CandleEvent> {
    let mut dec = FeedDecoder::new();
    let cfg = json!({"type": "FEED_CONFIG", "channel": 1, "dataFormat": "COMPACT",
        "eventFields": {"Candle": ["eventSymbol", "eventFlags", "index", "time", "open", "high", "low", "close", "volume"]}});
    let mut out = Vec::new();
    apply(&mut dec, &cfg, &mut out);
    apply(
        &mut dec,
        &serde_json::from_str(msg).expect("test JSON"),
        &mut out,
    );
    out
}

#[test]
fn empty_history_is_one_flags_14_event_with_nan_prices() {
    let evs = data(
        r#"{"type":"FEED_DATA","channel":1,"data":["Candle",["ZZZZ{=1d}",14,0,0,"NaN","NaN","NaN","NaN","NaN"]]}"#,
    );
    let mut asm = SnapshotAssembler::new();
    let done = asm.push_all(evs);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, "ZZZZ{=1d}");
    assert!(done[0].1.candles.is_empty());
    assert!(!done[0].1.truncated);
}

#[test]
fn nan_remove_row_can_carry_the_end() {
    let d1 = 20_000 * DAY_MS;
    let d2 = d1 + DAY_MS;
    let msg = format!(
        r#"{{"type":"FEED_DATA","channel":1,"data":["Candle",[
            "A{{=1d}}",4,{i2},{d2},2,2,2,2,20,
            "A{{=1d}}",0,{i1},{d1},1,1,1,1,10,
            "A{{=1d}}",10,0,0,"NaN","NaN","NaN","NaN","NaN"]]}}"#,
        i1 = d1 << 32,
        i2 = d2 << 32
    );
    let mut asm = SnapshotAssembler::new();
    let done = asm.push_all(data(&msg));
    assert_eq!(done.len(), 1);
    let times: Vec<_> = done[0].1.candles.iter().map(|c| c.time).collect();
    assert_eq!(times, vec![d1, d2]);
}

#[test]
fn remove_deletes_by_index_not_by_time_or_position() {
    let d = 20_000 * DAY_MS;
    let mut asm = SnapshotAssembler::new();
    let mk = |flags, index: i64, time: i64, close: f64| CandleEvent {
        symbol: "A".into(),
        flags,
        index: Some(index),
        time: Some(time),
        open: close,
        high: close,
        low: close,
        close,
        volume: 0.0,
    };
    asm.push(mk(SNAPSHOT_BEGIN, d << 32, d, 1.0));
    asm.push(mk(0, (d + DAY_MS) << 32, d + DAY_MS, 2.0));
    // A REMOVE for an index that does not exist changes nothing, even with the same time.
    asm.push(mk(REMOVE_EVENT, (d << 32) | 7, d, 1.5));
    // A REMOVE for an existing index deletes it, whatever values it carries.
    asm.push(mk(REMOVE_EVENT, (d + DAY_MS) << 32, d + DAY_MS, 2.0));
    let (_, s) = asm
        .push(mk(SNAPSHOT_END, (d - DAY_MS) << 32, d - DAY_MS, 0.5))
        .unwrap();
    let closes: Vec<_> = s.candles.iter().map(|c| c.close).collect();
    assert_eq!(closes, vec![0.5, 1.0]);
}

#[test]
fn tx_pending_end_waits_for_the_transaction_to_close() {
    let d = 20_000 * DAY_MS;
    let mut asm = SnapshotAssembler::new();
    let mk = |flags, t: i64| CandleEvent {
        symbol: "A".into(),
        flags,
        index: Some(t << 32),
        time: Some(t),
        open: 1.0,
        high: 1.0,
        low: 1.0,
        close: 1.0,
        volume: 0.0,
    };
    assert!(asm.push(mk(SNAPSHOT_BEGIN | TX_PENDING, d)).is_none());
    assert!(asm
        .push(mk(SNAPSHOT_END | TX_PENDING, d - DAY_MS))
        .is_none());
    assert!(asm.push(mk(TX_PENDING, d - 2 * DAY_MS)).is_none());
    let (_, s) = asm.push(mk(0, d - 3 * DAY_MS)).expect("transaction closed");
    assert_eq!(s.candles.len(), 4);
    assert_eq!(asm.in_progress(), 0);
}

#[test]
fn snip_completes_with_the_rows_sent_so_far_and_says_truncated() {
    let d = 20_000 * DAY_MS;
    let msg = format!(
        r#"{{"type":"FEED_DATA","channel":1,"data":["Candle",[
            "A{{=1d}}",68,{i2},{d2},2,2,2,2,20,
            "A{{=1d}}",80,{i1},{d1},1,1,1,1,10]]}}"#,
        i1 = d << 32,
        d1 = d,
        i2 = (d + DAY_MS) << 32,
        d2 = d + DAY_MS
    );
    let mut asm = SnapshotAssembler::new();
    let done = asm.push_all(data(&msg));
    assert_eq!(done.len(), 1);
    assert!(done[0].1.truncated);
    assert_eq!(done[0].1.candles.len(), 2);
}

#[test]
fn begin_restarts_a_snapshot_in_progress() {
    let d = 20_000 * DAY_MS;
    let c = |t: i64, close: f64| Candle {
        time: t,
        open: close,
        high: close,
        low: close,
        close,
        volume: 0.0,
    };
    let mut asm = SnapshotAssembler::new();
    asm.push(row("A", SNAPSHOT_BEGIN, &c(d + 5 * DAY_MS, 5.0)));
    asm.push(row("A", 0, &c(d + 4 * DAY_MS, 4.0)));
    asm.push(row("A", SNAPSHOT_BEGIN, &c(d + DAY_MS, 1.0)));
    let (_, s) = asm.push(row("A", SNAPSHOT_END, &c(d, 0.0))).unwrap();
    assert_eq!(s.candles, vec![c(d, 0.0), c(d + DAY_MS, 1.0)]);
}
