//! `FEED_DATA` decoding driven by `FEED_CONFIG`: COMPACT rows by the configured field list and
//! order, FULL objects by field name, several type/array pairs per message, non-finite doubles as the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"`, missing fields tolerated, unknown event types skipped.
//!
//! One [`FeedDecoder`] per channel. It never trusts what was asked in `FEED_SETUP`: every
//! `FEED_CONFIG` (re-sent configs included) replaces that event type's layout, and the shape of each
//! `data` element (string + array = COMPACT pair, object = FULL event) decides how it is read, so a
//! channel switched to FULL mid-session keeps decoding. Nothing here panics on server input.
//!
//! Two event types are read: `Candle` ([`CandleEvent`]) and `Quote` ([`QuoteEvent`]). Both go
//! through the same generic row reader ([`WireEvent`]: the fields a type reads and how to build it
//! from their values), so COMPACT layouts, FULL objects and the lenient number rules are shared.
//! [`FeedDecoder::decode`] keeps candles only, [`FeedDecoder::decode_quotes`] quotes only, and
//! [`FeedDecoder::decode_into`] both in one pass (what the socket reader uses).

use super::protocol::{CANDLE, CANDLE_FIELDS, QUOTE};
use serde_json::Value;
use std::collections::HashMap;

/// One decoded Candle event, before snapshot assembly.
#[derive(Debug, Clone, PartialEq)]
pub struct CandleEvent {
    pub symbol: String,
    /// `eventFlags` (0 when absent).
    pub flags: u32,
    /// `index` (the key of the candle within its series), when present.
    pub index: Option<i64>,
    /// `time` in epoch ms, when present.
    pub time: Option<i64>,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl CandleEvent {
    /// The key a snapshot stores this event under: `index`, else `time` (dxFeed's candle index is
    /// `time << 32 | sequence`, so `time << 32` keeps the two orders compatible).
    pub fn key(&self) -> Option<i64> {
        self.index.or(self.time.map(|t| t.wrapping_shl(32)))
    }

    /// The candle time: `time`, else the upper half of `index`.
    pub fn candle_time(&self) -> Option<i64> {
        self.time.or(self.index.map(|i| i >> 32))
    }
}

/// One decoded Quote event. Prices and sizes are NaN when absent or sent as `"NaN"`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteEvent {
    pub symbol: String,
    pub bid_price: f64,
    pub ask_price: f64,
    pub bid_size: f64,
    pub ask_size: f64,
}

/// An event type the decoder reads: its wire name, the fields it uses (in slot order) and how to
/// build it from those fields' values. `None` from [`WireEvent::build`] means malformed (e.g. no
/// `eventSymbol`).
pub trait WireEvent: Sized {
    /// The `eventType` name on the wire.
    const EVENT_TYPE: &'static str;
    /// The fields read, matched case-insensitively; `build` gets their values by position here.
    const FIELDS: &'static [&'static str];
    /// Build an event from the value of each of [`Self::FIELDS`] (`None`: the field is absent).
    fn build<'v>(get: impl Fn(usize) -> Option<&'v Value>) -> Option<Self>;
}

impl WireEvent for CandleEvent {
    const EVENT_TYPE: &'static str = CANDLE;
    /// The fields asked for in `FEED_SETUP`, which `build` reads in this order.
    const FIELDS: &'static [&'static str] = &CANDLE_FIELDS;

    fn build<'v>(get: impl Fn(usize) -> Option<&'v Value>) -> Option<CandleEvent> {
        let double = |i: usize| get(i).map_or(f64::NAN, as_double);
        Some(CandleEvent {
            symbol: get(0).and_then(as_symbol)?,
            flags: get(1).and_then(as_long).unwrap_or(0) as u32,
            index: get(2).and_then(as_long),
            time: get(3).and_then(as_long),
            open: double(4),
            high: double(5),
            low: double(6),
            close: double(7),
            volume: double(8),
        })
    }
}

impl WireEvent for QuoteEvent {
    const EVENT_TYPE: &'static str = QUOTE;
    const FIELDS: &'static [&'static str] =
        &["eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize"];

    fn build<'v>(get: impl Fn(usize) -> Option<&'v Value>) -> Option<QuoteEvent> {
        let double = |i: usize| get(i).map_or(f64::NAN, as_double);
        Some(QuoteEvent {
            symbol: get(0).and_then(as_symbol)?,
            bid_price: double(1),
            ask_price: double(2),
            bid_size: double(3),
            ask_size: double(4),
        })
    }
}

/// The data format of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Compact,
    Full,
}

/// Where each field an event type reads sits in a COMPACT row (by `FEED_CONFIG`).
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    row_len: usize,
    /// For each of the type's [`WireEvent::FIELDS`], its position in a row.
    slots: Vec<Option<usize>>,
}

impl Layout {
    fn new(fields: &[String], wanted: &[&str]) -> Layout {
        Layout {
            row_len: fields.len(),
            slots: wanted
                .iter()
                .map(|name| fields.iter().position(|f| f.eq_ignore_ascii_case(name)))
                .collect(),
        }
    }
}

/// Where decoded events go: `None` skips that type (counted in [`DecodeReport::skipped_types`]).
#[derive(Debug, Default)]
pub struct EventSink<'a> {
    pub candles: Option<&'a mut Vec<CandleEvent>>,
    pub quotes: Option<&'a mut Vec<QuoteEvent>>,
}

/// What one [`FeedDecoder::decode`] call skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// Events decoded (of the types asked for).
    pub events: usize,
    /// Event-type groups (COMPACT) or events (FULL) of a type not asked for (skipped).
    pub skipped_types: usize,
    /// Malformed pieces: COMPACT values of a type with no FEED_CONFIG, a row cut short, an element
    /// of the wrong shape, an event without a symbol.
    pub malformed: usize,
}

/// Per-channel decoder state: the current format and the field layout of each event type.
#[derive(Debug, Clone, Default)]
pub struct FeedDecoder {
    format: Option<DataFormat>,
    candle: Option<Layout>,
    quote: Option<Layout>,
    /// Field lists of the other event types (kept only so their configs are known).
    others: HashMap<String, usize>,
}

impl FeedDecoder {
    pub fn new() -> FeedDecoder {
        FeedDecoder::default()
    }

    /// The format the last `FEED_CONFIG` announced (`None` before any).
    pub fn format(&self) -> Option<DataFormat> {
        self.format
    }

    /// The Candle field list is known (a `FEED_CONFIG` named it).
    pub fn has_candle_layout(&self) -> bool {
        self.candle.is_some()
    }

    /// The Quote field list is known (a `FEED_CONFIG` named it).
    pub fn has_quote_layout(&self) -> bool {
        self.quote.is_some()
    }

    /// Apply a `FEED_CONFIG`: a new format replaces the old one, and each named event type's field
    /// list replaces its previous layout. Types not named keep theirs.
    pub fn apply_config(
        &mut self,
        data_format: Option<&str>,
        event_fields: Option<&serde_json::Map<String, Value>>,
    ) {
        match data_format {
            Some(f) if f.eq_ignore_ascii_case("COMPACT") => self.format = Some(DataFormat::Compact),
            Some(f) if f.eq_ignore_ascii_case("FULL") => self.format = Some(DataFormat::Full),
            _ => {}
        }
        for (event_type, fields) in event_fields.into_iter().flatten() {
            let Value::Array(list) = fields else { continue };
            let names: Vec<String> = list
                .iter()
                .map(|f| f.as_str().unwrap_or_default().to_string())
                .collect();
            if event_type == CANDLE {
                self.candle = Some(Layout::new(&names, CandleEvent::FIELDS));
            } else if event_type == QUOTE {
                self.quote = Some(Layout::new(&names, QuoteEvent::FIELDS));
            } else {
                self.others.insert(event_type.clone(), names.len());
            }
        }
    }

    /// Decode a `FEED_DATA` `data` value, appending Candle events to `out` in wire order (events of
    /// other types are skipped).
    pub fn decode(&self, data: &Value, out: &mut Vec<CandleEvent>) -> DecodeReport {
        self.decode_into(
            data,
            EventSink {
                candles: Some(out),
                quotes: None,
            },
        )
    }

    /// Decode a `FEED_DATA` `data` value, appending Quote events to `out` in wire order (events of
    /// other types are skipped).
    pub fn decode_quotes(&self, data: &Value, out: &mut Vec<QuoteEvent>) -> DecodeReport {
        self.decode_into(
            data,
            EventSink {
                candles: None,
                quotes: Some(out),
            },
        )
    }

    /// Decode a `FEED_DATA` `data` value into `sink`, each type in wire order.
    pub fn decode_into(&self, data: &Value, mut sink: EventSink<'_>) -> DecodeReport {
        let mut report = DecodeReport::default();
        let Value::Array(items) = data else {
            if !data.is_null() {
                report.malformed += 1;
            }
            return report;
        };
        let mut i = 0;
        while i < items.len() {
            match &items[i] {
                // COMPACT: an event-type name followed by one flat array of values.
                Value::String(event_type) => match items.get(i + 1) {
                    Some(Value::Array(values)) => {
                        self.decode_compact(event_type, values, &mut sink, &mut report);
                        i += 2;
                    }
                    _ => {
                        report.malformed += 1;
                        i += 1;
                    }
                },
                // FULL: one object per event.
                Value::Object(obj) => {
                    decode_full(obj, &mut sink, &mut report);
                    i += 1;
                }
                // An older nesting: `[["Candle", [...]], ...]`.
                Value::Array(pair) => {
                    match (pair.first(), pair.get(1)) {
                        (Some(Value::String(t)), Some(Value::Array(values))) if pair.len() == 2 => {
                            self.decode_compact(t, values, &mut sink, &mut report)
                        }
                        _ => report.malformed += 1,
                    }
                    i += 1;
                }
                _ => {
                    report.malformed += 1;
                    i += 1;
                }
            }
        }
        report
    }

    fn decode_compact(
        &self,
        event_type: &str,
        values: &[Value],
        sink: &mut EventSink<'_>,
        report: &mut DecodeReport,
    ) {
        match (event_type, &mut sink.candles, &mut sink.quotes) {
            (CANDLE, Some(out), _) => compact_rows(self.candle.as_ref(), values, *out, report),
            (QUOTE, _, Some(out)) => compact_rows(self.quote.as_ref(), values, *out, report),
            _ => report.skipped_types += 1,
        }
    }
}

/// Decode the rows of one COMPACT group of `E` by `layout` (its `FEED_CONFIG`).
fn compact_rows<E: WireEvent>(
    layout: Option<&Layout>,
    values: &[Value],
    out: &mut Vec<E>,
    report: &mut DecodeReport,
) {
    let Some(layout) = layout.filter(|l| l.row_len > 0) else {
        report.malformed += 1;
        return;
    };
    let rows = values.chunks_exact(layout.row_len);
    if !rows.remainder().is_empty() {
        report.malformed += 1;
    }
    for row in rows {
        let get = |slot: usize| {
            layout
                .slots
                .get(slot)
                .copied()
                .flatten()
                .and_then(|i| row.get(i))
        };
        match E::build(get) {
            Some(e) => {
                out.push(e);
                report.events += 1;
            }
            None => report.malformed += 1,
        }
    }
}

/// Decode one FULL event object into the sink of its `eventType`. Without `eventType` the event is
/// what the channel carries: a candle when candles are wanted, else a quote.
fn decode_full(
    obj: &serde_json::Map<String, Value>,
    sink: &mut EventSink<'_>,
    report: &mut DecodeReport,
) {
    let event_type = match obj.get("eventType") {
        Some(Value::String(t)) => Some(t.as_str()),
        None | Some(Value::Null) => None,
        Some(_) => Some(""),
    };
    match (event_type, &mut sink.candles, &mut sink.quotes) {
        (Some(CANDLE) | None, Some(out), _) => full_event(obj, *out, report),
        (Some(QUOTE) | None, _, Some(out)) => full_event(obj, *out, report),
        _ => report.skipped_types += 1,
    }
}

fn full_event<E: WireEvent>(
    obj: &serde_json::Map<String, Value>,
    out: &mut Vec<E>,
    report: &mut DecodeReport,
) {
    let get = |slot: usize| {
        let name = E::FIELDS.get(slot)?;
        obj.get(*name).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    };
    match E::build(get) {
        Some(e) => {
            out.push(e);
            report.events += 1;
        }
        None => report.malformed += 1,
    }
}

fn as_symbol(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A double as DXLink writes it: a number, or `"NaN"` / `"Infinity"` / `"-Infinity"` (or any
/// numeric string). Anything else is NaN.
pub fn as_double(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => match s.trim() {
            "NaN" => f64::NAN,
            "Infinity" | "+Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or(f64::NAN),
        },
        _ => f64::NAN,
    }
}

/// A long as DXLink writes it: an integer, a float with an integral value, or a numeric string.
/// `None` for anything else (including NaN).
pub fn as_long(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|u| u as i64))
            .or_else(|| n.as_f64().and_then(float_to_long)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(float_to_long))
        }
        _ => None,
    }
}

fn float_to_long(f: f64) -> Option<i64> {
    (f.is_finite() && f.abs() < 9.2e18).then_some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decoder(fields: &[&str], format: &str) -> FeedDecoder {
        let mut d = FeedDecoder::new();
        let cfg = json!({ "Candle": fields });
        d.apply_config(Some(format), cfg.as_object());
        d
    }

    #[test]
    fn compact_rows_follow_the_config_order() {
        let d = decoder(&["time", "eventSymbol", "close", "eventFlags"], "COMPACT");
        let mut out = Vec::new();
        let r = d.decode(
            &json!([
                "Candle",
                [1000, "A{=1d}", 1.5, 12, 2000, "B{=1d}", "NaN", 0]
            ]),
            &mut out,
        );
        assert_eq!(r.events, 2);
        assert_eq!(out[0].symbol, "A{=1d}");
        assert_eq!(out[0].time, Some(1000));
        assert_eq!(out[0].close, 1.5);
        assert_eq!(out[0].flags, 12);
        assert!(out[0].open.is_nan() && out[0].index.is_none());
        assert!(out[1].close.is_nan());
    }

    #[test]
    fn several_pairs_unknown_types_and_garbage() {
        let d = decoder(&["eventSymbol", "close"], "COMPACT");
        let mut out = Vec::new();
        let r = d.decode(
            &json!([
                "Quote",
                ["A", 1, 2],
                "Candle",
                ["A", "Infinity"],
                "Candle",
                ["B", "-Infinity", "C"],
                7,
                "Candle"
            ]),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].close, f64::INFINITY);
        assert_eq!(out[1].close, f64::NEG_INFINITY);
        assert_eq!(r.skipped_types, 1);
        assert_eq!(r.malformed, 3);
        // No config yet: compact candles cannot be decoded, but nothing panics.
        let none = FeedDecoder::new();
        let r = none.decode(&json!(["Candle", ["A", 1]]), &mut out);
        assert_eq!((r.events, r.malformed), (0, 1));
        assert_eq!(none.decode(&json!({"x": 1}), &mut out).malformed, 1);
    }

    #[test]
    fn full_objects_and_reconfig() {
        let mut d = decoder(&["eventSymbol", "close"], "COMPACT");
        let mut out = Vec::new();
        d.apply_config(Some("FULL"), None);
        assert_eq!(d.format(), Some(DataFormat::Full));
        d.decode(
            &json!([
                {"eventType": "Candle", "eventSymbol": "A", "eventFlags": 4, "time": 5, "index": "21474836480", "close": "NaN", "volume": 3},
                {"eventType": "Quote", "eventSymbol": "A"},
                {"eventType": "Candle", "time": 5}
            ]),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].index, Some(5i64 << 32));
        assert_eq!(out[0].flags, 4);
        assert_eq!(out[0].volume, 3.0);
        // A new field order replaces the old one.
        let cfg = json!({"Candle": ["close", "eventSymbol"]});
        d.apply_config(Some("COMPACT"), cfg.as_object());
        out.clear();
        d.decode(&json!(["Candle", [2.5, "Z"]]), &mut out);
        assert_eq!((out[0].symbol.as_str(), out[0].close), ("Z", 2.5));
    }

    #[test]
    fn quotes_decode_by_their_own_config_next_to_candles() {
        let mut d = decoder(&["eventSymbol", "close"], "COMPACT");
        let cfg = json!({"Quote": ["askSize", "bidSize", "askPrice", "bidPrice", "eventSymbol", "eventType"]});
        d.apply_config(None, cfg.as_object());
        assert!(d.has_quote_layout());
        let data = json!([
            "Quote",
            [
                5,
                7,
                1.5,
                "NaN",
                ".AAPL261218C200",
                "Quote",
                1,
                2,
                3,
                4,
                "./EW4N23C3990:XCME",
                "Quote"
            ],
            "Candle",
            ["A", 2.0]
        ]);
        let (mut candles, mut quotes) = (Vec::new(), Vec::new());
        let r = d.decode_into(
            &data,
            EventSink {
                candles: Some(&mut candles),
                quotes: Some(&mut quotes),
            },
        );
        assert_eq!((r.events, r.skipped_types, r.malformed), (3, 0, 0));
        assert_eq!(candles.len(), 1);
        assert_eq!(quotes[0].symbol, ".AAPL261218C200");
        assert_eq!((quotes[0].ask_size, quotes[0].bid_size), (5.0, 7.0));
        assert_eq!(quotes[0].ask_price, 1.5);
        assert!(quotes[0].bid_price.is_nan());
        assert_eq!((quotes[1].ask_price, quotes[1].bid_price), (3.0, 4.0));
        // Candles only: the Quote group is skipped; quotes only: the Candle group is.
        let mut only = Vec::new();
        assert_eq!(d.decode(&data, &mut only).skipped_types, 1);
        let mut q = Vec::new();
        let r = d.decode_quotes(&data, &mut q);
        assert_eq!((q.len(), r.skipped_types), (2, 1));
        // FULL quotes by name; a quote without a symbol is malformed.
        q.clear();
        let r = d.decode_quotes(
            &json!([
                {"eventType": "Quote", "eventSymbol": "X", "bidPrice": "1.25", "askPrice": 1.5},
                {"eventType": "Quote", "bidPrice": 1}
            ]),
            &mut q,
        );
        assert_eq!((r.events, r.malformed), (1, 1));
        assert_eq!((q[0].bid_price, q[0].ask_price), (1.25, 1.5));
        assert!(q[0].bid_size.is_nan());
        // No Quote config yet: COMPACT quotes cannot be decoded.
        let none = FeedDecoder::new();
        assert_eq!(
            none.decode_quotes(&json!(["Quote", ["X", 1]]), &mut q)
                .malformed,
            1
        );
    }

    #[test]
    fn numbers_in_every_spelling() {
        assert_eq!(as_long(&json!(12)), Some(12));
        assert_eq!(as_long(&json!(12.0)), Some(12));
        assert_eq!(as_long(&json!("12")), Some(12));
        assert_eq!(as_long(&json!("NaN")), None);
        assert_eq!(as_long(&json!(null)), None);
        assert_eq!(as_double(&json!("1.25")), 1.25);
        assert!(as_double(&json!(null)).is_nan());
        assert!(as_double(&json!(true)).is_nan());
    }
}
