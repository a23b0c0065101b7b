//! `FEED_DATA` decoding driven by `FEED_CONFIG`: COMPACT rows by the configured field list and
//! order, FULL objects by field name, several type/array pairs per message, non-finite doubles as the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"`, missing fields tolerated, unknown event types skipped.
//!
//! One [`FeedDecoder`] per channel. It never trusts what was asked in `FEED_SETUP`: every
//! `FEED_CONFIG` (re-sent configs included) replaces that event type's layout, and the shape of each
//! `data` element (string + array = COMPACT pair, object = FULL event) decides how it is read, so a
//! channel switched to FULL mid-session keeps decoding. Nothing here panics on server input.

use super::protocol::CANDLE;
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

/// The data format of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Compact,
    Full,
}

/// Where each Candle field we use sits in a COMPACT row.
#[derive(Debug, Clone, PartialEq)]
struct CandleLayout {
    row_len: usize,
    symbol: Option<usize>,
    flags: Option<usize>,
    index: Option<usize>,
    time: Option<usize>,
    open: Option<usize>,
    high: Option<usize>,
    low: Option<usize>,
    close: Option<usize>,
    volume: Option<usize>,
}

impl CandleLayout {
    fn new(fields: &[String]) -> CandleLayout {
        let pos = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
        CandleLayout {
            row_len: fields.len(),
            symbol: pos("eventSymbol"),
            flags: pos("eventFlags"),
            index: pos("index"),
            time: pos("time"),
            open: pos("open"),
            high: pos("high"),
            low: pos("low"),
            close: pos("close"),
            volume: pos("volume"),
        }
    }
}

/// What one [`FeedDecoder::decode`] call skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// Candle events decoded.
    pub events: usize,
    /// Event-type groups of a type other than Candle (skipped).
    pub skipped_types: usize,
    /// Malformed pieces: COMPACT values of a type with no FEED_CONFIG, a row cut short, an element
    /// of the wrong shape, a Candle without a symbol.
    pub malformed: usize,
}

/// Per-channel decoder state: the current format and the field layout of each event type.
#[derive(Debug, Clone, Default)]
pub struct FeedDecoder {
    format: Option<DataFormat>,
    candle: Option<CandleLayout>,
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
                self.candle = Some(CandleLayout::new(&names));
            } else {
                self.others.insert(event_type.clone(), names.len());
            }
        }
    }

    /// Decode a `FEED_DATA` `data` value, appending Candle events to `out` in wire order.
    pub fn decode(&self, data: &Value, out: &mut Vec<CandleEvent>) -> DecodeReport {
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
                        self.decode_compact(event_type, values, out, &mut report);
                        i += 2;
                    }
                    _ => {
                        report.malformed += 1;
                        i += 1;
                    }
                },
                // FULL: one object per event.
                Value::Object(obj) => {
                    self.decode_full(obj, out, &mut report);
                    i += 1;
                }
                // An older nesting: `[["Candle", [...]], ...]`.
                Value::Array(pair) => {
                    match (pair.first(), pair.get(1)) {
                        (Some(Value::String(t)), Some(Value::Array(values))) if pair.len() == 2 => {
                            self.decode_compact(t, values, out, &mut report)
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
        out: &mut Vec<CandleEvent>,
        report: &mut DecodeReport,
    ) {
        if event_type != CANDLE {
            report.skipped_types += 1;
            return;
        }
        let Some(layout) = &self.candle else {
            report.malformed += 1;
            return;
        };
        if layout.row_len == 0 {
            report.malformed += 1;
            return;
        }
        let rows = values.chunks_exact(layout.row_len);
        if !rows.remainder().is_empty() {
            report.malformed += 1;
        }
        for row in rows {
            let get = |idx: Option<usize>| idx.and_then(|i| row.get(i));
            let Some(symbol) = get(layout.symbol).and_then(as_symbol) else {
                report.malformed += 1;
                continue;
            };
            out.push(CandleEvent {
                symbol,
                flags: get(layout.flags).and_then(as_long).unwrap_or(0) as u32,
                index: get(layout.index).and_then(as_long),
                time: get(layout.time).and_then(as_long),
                open: get(layout.open).map_or(f64::NAN, as_double),
                high: get(layout.high).map_or(f64::NAN, as_double),
                low: get(layout.low).map_or(f64::NAN, as_double),
                close: get(layout.close).map_or(f64::NAN, as_double),
                volume: get(layout.volume).map_or(f64::NAN, as_double),
            });
            report.events += 1;
        }
    }

    fn decode_full(
        &self,
        obj: &serde_json::Map<String, Value>,
        out: &mut Vec<CandleEvent>,
        report: &mut DecodeReport,
    ) {
        match obj.get("eventType") {
            Some(Value::String(t)) if t == CANDLE => {}
            // Without `eventType` the event is what this channel carries: candles.
            None | Some(Value::Null) => {}
            _ => {
                report.skipped_types += 1;
                return;
            }
        }
        let get = |name: &str| {
            obj.get(name).or_else(|| {
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        };
        let Some(symbol) = get("eventSymbol").and_then(as_symbol) else {
            report.malformed += 1;
            return;
        };
        out.push(CandleEvent {
            symbol,
            flags: get("eventFlags").and_then(as_long).unwrap_or(0) as u32,
            index: get("index").and_then(as_long),
            time: get("time").and_then(as_long),
            open: get("open").map_or(f64::NAN, as_double),
            high: get("high").map_or(f64::NAN, as_double),
            low: get("low").map_or(f64::NAN, as_double),
            close: get("close").map_or(f64::NAN, as_double),
            volume: get("volume").map_or(f64::NAN, as_double),
        });
        report.events += 1;
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
