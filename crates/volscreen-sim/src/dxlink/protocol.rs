//! DXLink wire messages of the demo feed: decoding what clients send (leniently, never panicking on
//! client input) and building the control messages the server sends (`SETUP`, `AUTH_STATE`,
//! `CHANNEL_OPENED`, `CHANNEL_CLOSED`, `FEED_CONFIG`, `KEEPALIVE`, `ERROR`).
//!
//! The shapes follow dxFeed's AsyncAPI document (`shared/reference/dxlink/asyncapi.yml`); `FEED_DATA`
//! is encoded in [`super::events`].

use super::events::{DataFormat, EventType};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The `error` codes of an `ERROR` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    UnsupportedProtocol,
    Timeout,
    Unauthorized,
    InvalidMessage,
    BadAction,
    Unknown,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::UnsupportedProtocol => "UNSUPPORTED_PROTOCOL",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Unauthorized => "UNAUTHORIZED",
            ErrorKind::InvalidMessage => "INVALID_MESSAGE",
            ErrorKind::BadAction => "BAD_ACTION",
            ErrorKind::Unknown => "UNKNOWN",
        }
    }
}

/// A received message: its `type`, `channel` and the whole object.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub kind: String,
    pub channel: u64,
    pub body: Value,
}

/// Parse one text frame into an [`Envelope`]; the error text explains what is wrong.
pub fn parse_envelope(text: &str) -> Result<Envelope, String> {
    let body: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = body
        .as_object()
        .ok_or_else(|| "a message must be a JSON object".to_string())?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| "a message needs a string \"type\"".to_string())?
        .to_string();
    let channel = obj
        .get("channel")
        .and_then(channel_number)
        .ok_or_else(|| "a message needs a non-negative integer \"channel\"".to_string())?;
    Ok(Envelope {
        kind,
        channel,
        body,
    })
}

/// A channel number: a non-negative integer (an integral float such as `1.0` is accepted).
fn channel_number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
            .map(|f| f as u64)
    })
}

/// Client `SETUP`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    pub keepalive_timeout: Option<f64>,
    pub accept_keepalive_timeout: Option<f64>,
    pub version: Option<String>,
}

/// Client `AUTH`.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth {
    pub token: String,
}

/// Client `CHANNEL_REQUEST`.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelRequest {
    pub service: String,
    #[serde(default)]
    pub parameters: Option<Map<String, Value>>,
}

/// Client `FEED_SETUP`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedSetup {
    pub accept_aggregation_period: Option<f64>,
    pub accept_data_format: Option<String>,
    pub accept_event_fields: Option<BTreeMap<String, Vec<String>>>,
}

/// Client `FEED_SUBSCRIPTION`; entries are decoded one by one (see [`SubEntry::parse`]) so one bad
/// entry does not spoil the rest.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeedSubscription {
    pub add: Option<Vec<Value>>,
    pub remove: Option<Vec<Value>>,
    pub reset: Option<bool>,
}

/// One subscription object of `add` or `remove`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubEntry {
    pub event_type: String,
    pub symbol: String,
    pub from_time: Option<i64>,
}

impl SubEntry {
    /// Decode `{type, symbol, fromTime?}`; `fromTime` must be a number when present.
    pub fn parse(v: &Value) -> Result<SubEntry, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| "a subscription entry must be an object".to_string())?;
        let event_type = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| "a subscription entry needs a string \"type\"".to_string())?;
        let symbol = obj
            .get("symbol")
            .and_then(Value::as_str)
            .ok_or_else(|| "a subscription entry needs a string \"symbol\"".to_string())?;
        let from_time = match obj.get("fromTime") {
            None | Some(Value::Null) => None,
            Some(t) => Some(
                t.as_i64()
                    .or_else(|| t.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                    .ok_or_else(|| format!("fromTime of {symbol} must be a number"))?,
            ),
        };
        Ok(SubEntry {
            event_type: event_type.to_string(),
            symbol: symbol.to_string(),
            from_time,
        })
    }
}

/// Decode the body of a message whose type is known.
pub fn decode<'de, T: Deserialize<'de>>(env: &'de Envelope) -> Result<T, String> {
    T::deserialize(&env.body).map_err(|e| format!("malformed {}: {e}", env.kind))
}

/// Serialize a message; a serialization failure (not expected: every key is a string) becomes an
/// `ERROR UNKNOWN` message instead of a panic.
pub fn to_json<T: serde::Serialize + ?Sized>(msg: &T) -> String {
    serde_json::to_string(msg).unwrap_or_else(|e| {
        error(
            0,
            ErrorKind::Unknown,
            &format!("server could not encode a message: {e}"),
        )
    })
}

/// Server `SETUP`.
pub fn setup(keepalive_secs: u64, version: &str) -> String {
    to_json(&json!({
        "type": "SETUP",
        "channel": 0,
        "keepaliveTimeout": keepalive_secs,
        "acceptKeepaliveTimeout": keepalive_secs,
        "version": version,
    }))
}

/// `AUTH_STATE` with `AUTHORIZED` or `UNAUTHORIZED`.
pub fn auth_state(authorized: bool) -> String {
    let state = if authorized {
        "AUTHORIZED"
    } else {
        "UNAUTHORIZED"
    };
    to_json(&json!({"type": "AUTH_STATE", "channel": 0, "state": state}))
}

/// `CHANNEL_OPENED` echoing the request's service and parameters.
pub fn channel_opened(channel: u64, service: &str, parameters: &Map<String, Value>) -> String {
    to_json(&json!({
        "type": "CHANNEL_OPENED",
        "channel": channel,
        "service": service,
        "parameters": parameters,
    }))
}

/// `CHANNEL_CLOSED`.
pub fn channel_closed(channel: u64) -> String {
    to_json(&json!({"type": "CHANNEL_CLOSED", "channel": channel}))
}

/// `KEEPALIVE` on channel 0.
pub fn keepalive() -> String {
    to_json(&json!({"type": "KEEPALIVE", "channel": 0}))
}

/// `ERROR` on `channel`.
pub fn error(channel: u64, kind: ErrorKind, message: &str) -> String {
    // Built by hand so that this fallback of `to_json` cannot recurse.
    let mut s = String::with_capacity(64 + message.len());
    s.push_str("{\"type\":\"ERROR\",\"channel\":");
    s.push_str(&channel.to_string());
    s.push_str(",\"error\":\"");
    s.push_str(kind.name());
    s.push_str("\",\"message\":");
    s.push_str(&Value::String(message.to_string()).to_string());
    s.push('}');
    s
}

/// `FEED_CONFIG`: the channel's aggregation period, data format and the field lists of `fields`
/// (omitted when empty).
pub fn feed_config(
    channel: u64,
    aggregation_period: f64,
    format: DataFormat,
    fields: &[(EventType, Vec<&'static str>)],
) -> String {
    let mut msg = Map::new();
    msg.insert("type".into(), json!("FEED_CONFIG"));
    msg.insert("channel".into(), json!(channel));
    msg.insert("aggregationPeriod".into(), number(aggregation_period));
    msg.insert("dataFormat".into(), json!(format.name()));
    if !fields.is_empty() {
        let map: Map<String, Value> = fields
            .iter()
            .map(|(t, f)| (t.name().to_string(), json!(f)))
            .collect();
        msg.insert("eventFields".into(), Value::Object(map));
    }
    to_json(&msg)
}

/// A JSON number, integral when the value is (`10` rather than `10.0`); non-finite becomes 0.
fn number(v: f64) -> Value {
    if !v.is_finite() {
        json!(0)
    } else if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_envelopes_and_rejects_garbage() {
        let e = parse_envelope(r#"{"type":"SETUP","channel":0,"version":"0.1-js/1"}"#).unwrap();
        assert_eq!((e.kind.as_str(), e.channel), ("SETUP", 0));
        let s: Setup = decode(&e).unwrap();
        assert_eq!(s.version.as_deref(), Some("0.1-js/1"));
        assert_eq!(s.keepalive_timeout, None);
        assert!(parse_envelope("{").is_err());
        assert!(parse_envelope("[]").is_err());
        assert!(parse_envelope(r#"{"type":"SETUP"}"#).is_err());
        assert!(parse_envelope(r#"{"type":"SETUP","channel":-1}"#).is_err());
        assert_eq!(
            parse_envelope(r#"{"type":"X","channel":3.0}"#)
                .unwrap()
                .channel,
            3
        );
        let e = parse_envelope(r#"{"type":"AUTH","channel":0}"#).unwrap();
        assert!(decode::<Auth>(&e).is_err());
    }

    #[test]
    fn parses_subscription_entries() {
        let ok = SubEntry::parse(&json!({"type":"Candle","symbol":"A{=1d}","fromTime":5})).unwrap();
        assert_eq!(ok.from_time, Some(5));
        let none = SubEntry::parse(&json!({"type":"Quote","symbol":"A"})).unwrap();
        assert_eq!(none.from_time, None);
        assert!(SubEntry::parse(&json!({"type":"Candle","symbol":"A","fromTime":"x"})).is_err());
        assert!(SubEntry::parse(&json!({"symbol":"A"})).is_err());
        assert!(SubEntry::parse(&json!(3)).is_err());
    }

    #[test]
    fn builds_control_messages() {
        let e: Value = serde_json::from_str(&error(3, ErrorKind::BadAction, "a \"b\"")).unwrap();
        assert_eq!(
            e,
            json!({"type":"ERROR","channel":3,"error":"BAD_ACTION","message":"a \"b\""})
        );
        let c: Value = serde_json::from_str(&feed_config(
            1,
            10.0,
            DataFormat::Compact,
            &[(EventType::Candle, vec!["eventType", "eventSymbol"])],
        ))
        .unwrap();
        assert_eq!(c["aggregationPeriod"], 10);
        assert_eq!(c["eventFields"]["Candle"][1], "eventSymbol");
        let c: Value = serde_json::from_str(&feed_config(1, 0.5, DataFormat::Full, &[])).unwrap();
        assert!(c.get("eventFields").is_none());
        assert_eq!(c["dataFormat"], "FULL");
    }
}
