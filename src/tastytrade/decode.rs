//! Tolerant decoding helpers: the one place where wire values become Rust values.
//!
//! The tastytrade API sends almost every number as a JSON string, a few as JSON numbers, omits fields
//! freely and adds new ones. Every helper here accepts both a string and a number, maps `"NaN"`,
//! `"Infinity"`, empty strings and `null` to `None`, and never fails: a field that cannot be read is
//! `None`, never an error of the row. [`Row`] reads an object field by field with these helpers, so
//! unknown fields are simply never looked at. Envelope helpers find the rows in
//! `{"data": {"items": [...]}}` and also accept the bare `data` member (some captures store only that).

use crate::date::Date;
use serde_json::Value;

/// A finite number from a JSON number or a numeric string (`"0.22"`, `" 4 "`, `"1e-3"`).
pub fn number(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// An integer from a JSON number or string; an integral float (`4.0`, `"4.0"`) counts.
pub fn integer(v: &Value) -> Option<i64> {
    if let Value::Number(n) = v {
        if let Some(i) = n.as_i64() {
            return Some(i);
        }
    }
    if let Value::String(s) = v {
        if let Ok(i) = s.trim().parse::<i64>() {
            return Some(i);
        }
    }
    let x = number(v)?;
    (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
}

/// A boolean from `true`/`false`, the strings `"true"`/`"false"` (any case) or `0`/`1`.
pub fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        },
        Value::Number(_) => match integer(v)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// A non-empty string; a number or boolean is rendered as text.
pub fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A calendar date from `YYYY-MM-DD` or the date part of an ISO timestamp.
pub fn date(v: &Value) -> Option<Date> {
    let s = v.as_str()?.trim();
    s.get(..10)?.parse().ok()
}

/// Epoch milliseconds of an ISO 8601 timestamp such as `2023-06-07T19:55:23.376Z` or
/// `2019-01-20T18:02:44.206-06:00` (a missing offset means UTC).
pub fn timestamp_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let day: Date = s.get(..10)?.parse().ok()?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' ']).unwrap_or(rest);
    if rest.is_empty() {
        return Some(day.epoch_ms());
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        let t = rest.get(a..b)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (h, mi, sec) = (num(0, 2)?, num(3, 5)?, num(6, 8)?);
    let mut tail = rest.get(8..)?;
    let mut millis = 0i64;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let mut scale = 100;
        for c in frac[..digits].bytes().take(3) {
            millis += (c - b'0') as i64 * scale;
            scale /= 10;
        }
        tail = &frac[digits..];
    }
    let offset_min = match tail {
        "" | "Z" | "z" => 0,
        t => {
            let sign = match t.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = t[1..].replace(':', "");
            if t.len() != 4 || !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = t[..2].parse().ok()?;
            let mm: i64 = t[2..].parse().ok()?;
            sign * (hh * 60 + mm)
        }
    };
    Some(day.epoch_ms() + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + millis)
}

/// The `data` member of an envelope, or the value itself when it has none (bare captures).
pub fn data(v: &Value) -> &Value {
    match v.get("data") {
        Some(d) if !d.is_null() => d,
        _ => v,
    }
}

/// The rows of a list response: `data.items`, `items` of a bare `data` member, or a bare array.
/// `None` when there is no list at all.
pub fn items(v: &Value) -> Option<&Vec<Value>> {
    let d = data(v);
    match d {
        Value::Array(rows) => Some(rows),
        _ => d.get("items")?.as_array(),
    }
}

/// A decoding failure of a whole response (no rows where rows belong, a required member missing).
/// Row-level problems never produce one: a row without `symbol` is skipped, a bad field is `None`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// The rows of a list response, or a [`DecodeError`] naming what is missing.
pub fn require_items(v: &Value) -> Result<&Vec<Value>, DecodeError> {
    items(v).ok_or_else(|| {
        DecodeError(match v.get("error") {
            Some(e) => format!(
                "error document instead of rows: {}",
                super::http::short(&e.to_string())
            ),
            None => "no data.items list in the response".to_string(),
        })
    })
}

/// Read access to one JSON object with the tolerant helpers above, by wire field name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a>(pub &'a Value);

impl<'a> Row<'a> {
    /// The raw value of a field (`None` when absent or `null`).
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// [`number`] of a field.
    pub fn num(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(number)
    }

    /// A field in percent points (`21.87`) as a fraction (`0.2187`).
    pub fn percent(&self, key: &str) -> Option<f64> {
        self.num(key).map(|x| x / 100.0)
    }

    /// [`integer`] of a field.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(integer)
    }

    /// [`boolean`] of a field.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(boolean)
    }

    /// [`string`] of a field.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(string)
    }

    /// [`date`] of a field.
    pub fn date(&self, key: &str) -> Option<Date> {
        self.get(key).and_then(date)
    }

    /// A symbol-like field: trimmed, non-empty.
    pub fn symbol(&self, key: &str) -> Option<String> {
        self.text(key)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// A nested object.
    pub fn object(&self, key: &str) -> Option<Row<'a>> {
        self.get(key).filter(|v| v.is_object()).map(Row)
    }

    /// The objects of an array field (anything else is skipped; a missing array is empty).
    pub fn objects(&self, key: &str) -> impl Iterator<Item = Row<'a>> + 'a {
        self.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| v.is_object())
            .map(Row)
    }
}

/// `code` and `message` of an error body, in any of the shapes tastytrade uses:
/// `{"error": {"code", "message"}}`, `{"error_code", "error_description"}`,
/// `{"error": "invalid_grant", "error_description"}`.
pub fn error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let field = |v: &Value, k: &str| v.get(k).and_then(string);
    match v.get("error") {
        Some(e @ Value::Object(_)) => (
            field(e, "code").or_else(|| field(e, "error_code")),
            field(e, "message").or_else(|| field(e, "description")),
        ),
        Some(Value::String(code)) => (
            Some(code.clone()),
            field(&v, "error_description").or_else(|| field(&v, "message")),
        ),
        _ => (
            field(&v, "error_code").or_else(|| field(&v, "code")),
            field(&v, "error_description").or_else(|| field(&v, "message")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_strings_and_numbers() {
        assert_eq!(number(&json!("0.224186663")), Some(0.224186663));
        assert_eq!(number(&json!(4)), Some(4.0));
        assert_eq!(number(&json!(" 2.5 ")), Some(2.5));
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!("Infinity")), None);
        assert_eq!(number(&json!("")), None);
        assert_eq!(number(&json!(null)), None);
        assert_eq!(number(&json!({"a": 1})), None);
        assert_eq!(integer(&json!("4")), Some(4));
        assert_eq!(integer(&json!("4.0")), Some(4));
        assert_eq!(integer(&json!(4.5)), None);
        assert_eq!(boolean(&json!("TRUE")), Some(true));
        assert_eq!(boolean(&json!(0)), Some(false));
        assert_eq!(string(&json!("")), None);
        assert_eq!(string(&json!(12)).as_deref(), Some("12"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            timestamp_ms("2019-01-20T18:02:44.206-06:00"),
            timestamp_ms("2019-01-21T00:02:44.206Z")
        );
        assert_eq!(
            timestamp_ms("2023-06-16T13:30:00.000+00:00"),
            timestamp_ms("2023-06-16T13:30:00Z")
        );
        assert_eq!(
            timestamp_ms("2023-06-16"),
            Some(Date::from_ymd(2023, 6, 16).unwrap().epoch_ms())
        );
        assert_eq!(timestamp_ms("garbage"), None);
        assert_eq!(timestamp_ms("2023-06-16T1x:00:00Z"), None);
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_body(br#"{"error_code":"invalid_grant","error_description":"Grant revoked"}"#),
            (Some("invalid_grant".into()), Some("Grant revoked".into()))
        );
        assert_eq!(
            error_body(br#"{"error":"invalid_grant","error_description":"bad"}"#),
            (Some("invalid_grant".into()), Some("bad".into()))
        );
        assert_eq!(
            error_body(br#"{"error":{"code":"not_found","message":"Not found"}}"#),
            (Some("not_found".into()), Some("Not found".into()))
        );
        assert_eq!(error_body(b"<html>"), (None, None));
    }
}
