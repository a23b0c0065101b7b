//! Typed market values → tastytrade wire JSON.
//!
//! The wire conventions live here: numbers as strings (`"0.224186663"`, `"60.0"`) except the few
//! real numbers, RFC 3339 timestamps, kebab-case names, the `{"data": ..., "context": ...}` envelope
//! with rows in `data.items`, and fields without a value omitted. The submodules shape one family
//! of documents each; their shapes follow the recorded responses in `tests/fixtures/tastytrade/`.

pub mod chains;
pub mod futures;
pub mod metrics;
pub mod quotes;
pub mod watchlists;

use crate::market::TickSize;
use serde_json::{json, Map, Value};
use volscreen_core::date::{rfc3339_ms, Date};

/// Decimals of tick sizes: enough for the finest futures ticks (/6J 0.0000005, /ZT 1/256).
pub const TICK_DECIMALS: usize = 10;

/// `v` with at most `decimals` decimals, trailing zeros trimmed but one kept (`"60.0"`), as the
/// real service writes its string numbers. `None` for NaN and infinities.
pub fn num_str(v: f64, decimals: usize) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.push('0');
        }
    } else {
        s.push_str(".0");
    }
    if s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.') {
        s.remove(0);
    }
    Some(s)
}

/// A string number (see [`num_str`]); `None` when not finite.
pub fn num(v: f64, decimals: usize) -> Option<Value> {
    num_str(v, decimals).map(Value::String)
}

/// A `tick-sizes` list as the recorded chains write it: `[{"value": "0.01", "threshold": "3.0"},
/// {"value": "0.05"}]`, or `[{"value": "0.01"}]` when one tick covers every price.
pub fn tick_sizes(ticks: &[TickSize]) -> Value {
    ticks
        .iter()
        .map(|t| {
            Row::new()
                .opt("value", num(t.value, TICK_DECIMALS))
                .opt("threshold", t.threshold.and_then(|x| num(x, TICK_DECIMALS)))
                .done()
        })
        .collect::<Vec<_>>()
        .into()
}

/// An RFC 3339 timestamp with milliseconds for an epoch millisecond.
pub fn timestamp(ms: i64) -> Value {
    Value::String(rfc3339_ms(ms))
}

/// `2023-06-16T13:30:00.000+00:00`: a time of day (UTC) on a date, as instruments carry them.
pub fn date_time(d: Date, hh_mm: &str) -> Value {
    Value::String(format!("{d}T{hh_mm}:00.000+00:00"))
}

/// A row under construction: fields without a value are simply not set.
#[derive(Debug, Default)]
pub struct Row(Map<String, Value>);

impl Row {
    pub fn new() -> Row {
        Row::default()
    }

    /// Set `key`.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.0.insert(key.to_string(), value.into());
        self
    }

    /// Set `key` when there is a value.
    pub fn opt(mut self, key: &str, value: Option<Value>) -> Row {
        if let Some(v) = value {
            self.0.insert(key.to_string(), v);
        }
        self
    }

    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// `{"data": data, "context": context}`.
pub fn envelope(data: Value, context: &str) -> Value {
    json!({"data": data, "context": context})
}

/// `{"data": {"items": items}, "context": context}`.
pub fn items_envelope(items: Vec<Value>, context: &str) -> Value {
    envelope(json!({ "items": items }), context)
}

/// The `missing` fault: drop about half of the optional fields of every `data.items` row (which
/// half depends on the row, so every field goes missing somewhere), never those in `keep`.
pub fn drop_optional(body: &mut Value, keep: &[&str]) {
    let Some(rows) = body
        .get_mut("data")
        .and_then(|d| d.get_mut("items"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for (r, row) in rows.iter_mut().enumerate() {
        if let Some(obj) = row.as_object_mut() {
            let optional: Vec<String> = obj
                .keys()
                .filter(|k| !keep.contains(&k.as_str()))
                .cloned()
                .collect();
            for (j, k) in optional.into_iter().enumerate() {
                if (j + r) % 2 == 0 {
                    obj.remove(&k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_real_service() {
        assert_eq!(num_str(0.224186663, 9).unwrap(), "0.224186663");
        assert_eq!(num_str(60.0, 4).unwrap(), "60.0");
        assert_eq!(num_str(21.8700001, 2).unwrap(), "21.87");
        assert_eq!(num_str(35348839.0, 4).unwrap(), "35348839.0");
        assert_eq!(num_str(100.0, 0).unwrap(), "100.0");
        assert_eq!(num_str(-0.0000001, 2).unwrap(), "0.0");
        assert_eq!(num_str(-1.5, 2).unwrap(), "-1.5");
        assert!(num_str(f64::NAN, 2).is_none());
    }

    #[test]
    fn missing_keeps_the_required_fields() {
        let mut body = items_envelope(
            vec![
                json!({"symbol": "A", "a": 1, "b": 2, "c": 3, "d": 4}),
                json!({"symbol": "B", "a": 1, "b": 2, "c": 3, "d": 4}),
            ],
            "/x",
        );
        drop_optional(&mut body, &["symbol"]);
        let rows = body["data"]["items"].as_array().unwrap();
        for row in rows {
            assert!(row.get("symbol").is_some());
            assert_eq!(row.as_object().unwrap().len(), 3);
        }
        let keys = |i: usize| {
            rows[i]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_ne!(keys(0), keys(1));
    }
}
