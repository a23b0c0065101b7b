//! DXLink wire messages: what the client sends (typed, serialised with serde) and what the server
//! sends (parsed leniently into [`ServerMessage`]), the quote-token secret wrapper, and the chunking
//! of `FEED_SUBSCRIPTION` messages under a byte budget (the official client keeps them near 8 KB).
//!
//! The authority is `shared/spec/tastytrade-wire.md` (DXLink section) and dxFeed's AsyncAPI document.
//! Decoding of `FEED_DATA` payloads lives in [`super::decode`]; this module only frames messages.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// The Candle fields volscreen asks for in `FEED_SETUP` (the server's `FEED_CONFIG` decides what
/// actually arrives, and in which order). Not the server's default list (the 18 fields a server
/// sends to a client that asks for none: the demo market's event catalogue keeps that one).
pub const CANDLE_FIELDS: [&str; 9] = [
    "eventSymbol",
    "eventFlags",
    "index",
    "time",
    "open",
    "high",
    "low",
    "close",
    "volume",
];

/// The DXLink event type of candles.
pub const CANDLE: &str = "Candle";

/// The DXLink event type of quotes (best bid and offer).
pub const QUOTE: &str = "Quote";

/// The Quote fields volscreen asks for in `FEED_SETUP` (again, `FEED_CONFIG` decides).
pub const QUOTE_FIELDS: [&str; 6] = [
    "eventType",
    "eventSymbol",
    "bidPrice",
    "askPrice",
    "bidSize",
    "askSize",
];

/// The byte budget of one `FEED_SUBSCRIPTION` message (the official JS client chunks at about 8 KB).
pub const MAX_SUBSCRIPTION_BYTES: usize = 8 * 1024;

/// The DXLink quote token as the streamer connection holds it (the tastytrade response it comes in is
/// [`crate::tastytrade::QuoteToken`]). It is a secret: `Debug` and `Display` never show it, and
/// [`StreamerToken::redact`] scrubs it (and every other registered secret, in every encoding) out of
/// any text that came back from a server, and bounds that text.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamerToken(String);

impl StreamerToken {
    pub fn new(token: impl Into<String>) -> StreamerToken {
        let token = token.into();
        crate::tastytrade::secret::register(&token);
        StreamerToken(token)
    }

    /// The token itself, for the `AUTH` message only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Server text made safe to show: every occurrence of the token replaced by `<redacted>`,
    /// then every registered secret scrubbed in every encoding and the text bounded
    /// ([`crate::tastytrade::secret::server_text`]).
    pub fn redact(&self, text: &str) -> String {
        let text = if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "<redacted>")
        };
        crate::tastytrade::secret::server_text(&text)
    }
}

impl fmt::Debug for StreamerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamerToken(<redacted>)")
    }
}

impl fmt::Display for StreamerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for StreamerToken {
    fn from(s: String) -> StreamerToken {
        StreamerToken::new(s)
    }
}

impl From<&str> for StreamerToken {
    fn from(s: &str) -> StreamerToken {
        StreamerToken::new(s)
    }
}

/// Parameters of a `CHANNEL_REQUEST`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChannelParameters {
    /// `HISTORY`, `AUTO`, `TICKER` or `STREAM`; volscreen uses `HISTORY` for candles.
    pub contract: String,
}

/// One entry of `FEED_SUBSCRIPTION.add` / `.remove`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubscriptionItem {
    #[serde(rename = "type")]
    pub event_type: String,
    pub symbol: String,
    #[serde(rename = "fromTime", skip_serializing_if = "Option::is_none")]
    pub from_time: Option<i64>,
}

impl SubscriptionItem {
    /// A candle subscription from `from_time` (epoch ms).
    pub fn candle(symbol: &str, from_time: i64) -> SubscriptionItem {
        SubscriptionItem {
            event_type: CANDLE.to_string(),
            symbol: symbol.to_string(),
            from_time: Some(from_time),
        }
    }

    /// A candle un-subscription (no `fromTime`).
    pub fn candle_remove(symbol: &str) -> SubscriptionItem {
        SubscriptionItem {
            event_type: CANDLE.to_string(),
            symbol: symbol.to_string(),
            from_time: None,
        }
    }

    /// A Quote subscription (or un-subscription: the same object) of a streamer symbol.
    pub fn quote(symbol: &str) -> SubscriptionItem {
        SubscriptionItem {
            event_type: QUOTE.to_string(),
            symbol: symbol.to_string(),
            from_time: None,
        }
    }
}

/// Messages the client sends.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientMessage<'a> {
    Setup {
        channel: u64,
        version: &'a str,
        #[serde(rename = "keepaliveTimeout")]
        keepalive_timeout: u64,
        #[serde(rename = "acceptKeepaliveTimeout")]
        accept_keepalive_timeout: u64,
    },
    Auth {
        channel: u64,
        token: &'a str,
    },
    Keepalive {
        channel: u64,
    },
    ChannelRequest {
        channel: u64,
        service: &'a str,
        parameters: ChannelParameters,
    },
    ChannelCancel {
        channel: u64,
    },
    FeedSetup {
        channel: u64,
        #[serde(rename = "acceptAggregationPeriod")]
        accept_aggregation_period: f64,
        #[serde(rename = "acceptDataFormat")]
        accept_data_format: &'a str,
        #[serde(rename = "acceptEventFields")]
        accept_event_fields: serde_json::Map<String, Value>,
    },
    FeedSubscription {
        channel: u64,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        add: &'a [SubscriptionItem],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        remove: &'a [SubscriptionItem],
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        reset: bool,
    },
}

impl ClientMessage<'_> {
    /// The JSON text of the message.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail (no maps with non-string keys, no NaN).
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A `FEED_SETUP` asking COMPACT candles with exactly [`CANDLE_FIELDS`].
pub fn candle_feed_setup(channel: u64, aggregation_period: f64) -> String {
    feed_setup(channel, aggregation_period, CANDLE, &CANDLE_FIELDS)
}

/// A `FEED_SETUP` asking COMPACT quotes with exactly [`QUOTE_FIELDS`].
pub fn quote_feed_setup(channel: u64, aggregation_period: f64) -> String {
    feed_setup(channel, aggregation_period, QUOTE, &QUOTE_FIELDS)
}

/// A `FEED_SETUP` asking COMPACT data with `fields` for `event_type`.
pub fn feed_setup(
    channel: u64,
    aggregation_period: f64,
    event_type: &str,
    fields: &[&str],
) -> String {
    let mut map = serde_json::Map::new();
    map.insert(
        event_type.to_string(),
        Value::from(fields.iter().map(|f| Value::from(*f)).collect::<Vec<_>>()),
    );
    let fields = map;
    ClientMessage::FeedSetup {
        channel,
        accept_aggregation_period: aggregation_period,
        accept_data_format: "COMPACT",
        accept_event_fields: fields,
    }
    .to_json()
}

/// `FEED_SUBSCRIPTION` messages adding `add` (and, in separate messages, removing `remove`) on
/// `channel`, each message's JSON at most `max_bytes` long unless a single item alone is longer
/// (then that item goes alone). Removals come first, so a symbol removed and re-added stays added.
pub fn subscription_messages(
    channel: u64,
    add: &[SubscriptionItem],
    remove: &[SubscriptionItem],
    max_bytes: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    chunk_into(channel, remove, false, max_bytes, &mut out);
    chunk_into(channel, add, true, max_bytes, &mut out);
    out
}

fn chunk_into(
    channel: u64,
    items: &[SubscriptionItem],
    is_add: bool,
    max_bytes: usize,
    out: &mut Vec<String>,
) {
    let render = |slice: &[SubscriptionItem]| {
        let (add, remove) = if is_add {
            (slice, &[][..])
        } else {
            (&[][..], slice)
        };
        ClientMessage::FeedSubscription {
            channel,
            add,
            remove,
            reset: false,
        }
        .to_json()
    };
    let envelope = render(&[]).len() + r#","remove":[]"#.len();
    let mut start = 0;
    let mut size = envelope;
    for (i, item) in items.iter().enumerate() {
        let item_len = serde_json::to_string(item).map(|s| s.len()).unwrap_or(0) + 1;
        if i > start && size + item_len > max_bytes {
            out.push(render(&items[start..i]));
            start = i;
            size = envelope;
        }
        size += item_len;
    }
    if start < items.len() {
        out.push(render(&items[start..]));
    }
}

/// One message from the server, parsed leniently: unknown types and missing fields are tolerated.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    Setup {
        /// The server's keepalive timeout in seconds (we must send something within it).
        keepalive_timeout: Option<f64>,
    },
    AuthState {
        channel: u64,
        authorized: bool,
    },
    ChannelOpened {
        channel: u64,
    },
    ChannelClosed {
        channel: u64,
    },
    FeedConfig {
        channel: u64,
        data_format: Option<String>,
        event_fields: Option<serde_json::Map<String, Value>>,
    },
    FeedData {
        channel: u64,
        data: Value,
    },
    Keepalive,
    Error {
        channel: u64,
        error: String,
        message: String,
    },
    /// Any other message type (ignored).
    Other {
        kind: String,
    },
}

/// Why a text frame is not a DXLink message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl ServerMessage {
    /// Parse one text frame.
    pub fn parse(text: &str) -> Result<ServerMessage, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError(e.to_string()))?;
        ServerMessage::from_value(value)
    }

    /// Interpret an already parsed JSON object.
    pub fn from_value(value: Value) -> Result<ServerMessage, ParseError> {
        let Value::Object(mut obj) = value else {
            return Err(ParseError("message is not a JSON object".into()));
        };
        let kind = match obj.get("type") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(ParseError("message has no string `type`".into())),
        };
        let channel = obj.get("channel").and_then(as_channel).unwrap_or(0);
        let string = |obj: &serde_json::Map<String, Value>, key: &str| {
            obj.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_default()
        };
        Ok(match kind.as_str() {
            "SETUP" => ServerMessage::Setup {
                keepalive_timeout: obj.get("keepaliveTimeout").and_then(Value::as_f64),
            },
            "AUTH_STATE" => ServerMessage::AuthState {
                channel,
                authorized: obj.get("state").and_then(Value::as_str) == Some("AUTHORIZED"),
            },
            "CHANNEL_OPENED" => ServerMessage::ChannelOpened { channel },
            "CHANNEL_CLOSED" => ServerMessage::ChannelClosed { channel },
            "FEED_CONFIG" => ServerMessage::FeedConfig {
                channel,
                data_format: obj
                    .get("dataFormat")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                event_fields: match obj.remove("eventFields") {
                    Some(Value::Object(m)) => Some(m),
                    _ => None,
                },
            },
            "FEED_DATA" => ServerMessage::FeedData {
                channel,
                // `data` is what every client reads; the AsyncAPI document once calls it `events`.
                data: obj
                    .remove("data")
                    .or_else(|| obj.remove("events"))
                    .unwrap_or(Value::Null),
            },
            "KEEPALIVE" => ServerMessage::Keepalive,
            "ERROR" => ServerMessage::Error {
                channel,
                error: string(&obj, "error"),
                message: string(&obj, "message"),
            },
            _ => ServerMessage::Other { kind },
        })
    }
}

fn as_channel(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_in_debug_or_display() {
        let t = StreamerToken::new("sekrit-123");
        assert!(!format!("{t:?}").contains("sekrit"));
        assert!(!format!("{t}").contains("sekrit"));
        assert_eq!(t.redact("bad token sekrit-123!"), "bad token <redacted>!");
    }

    #[test]
    fn client_messages_have_wire_names() {
        let s = ClientMessage::Setup {
            channel: 0,
            version: "0.1-volscreen/0.1.0",
            keepalive_timeout: 60,
            accept_keepalive_timeout: 60,
        }
        .to_json();
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["type"], "SETUP");
        assert_eq!(v["keepaliveTimeout"], 60);
        assert_eq!(v["acceptKeepaliveTimeout"], 60);
        let v: Value = serde_json::from_str(&candle_feed_setup(3, 0.1)).unwrap();
        assert_eq!(v["type"], "FEED_SETUP");
        assert_eq!(v["channel"], 3);
        assert_eq!(v["acceptDataFormat"], "COMPACT");
        assert_eq!(
            v["acceptEventFields"]["Candle"].as_array().unwrap().len(),
            9
        );
        let v: Value = serde_json::from_str(&quote_feed_setup(5, 0.1)).unwrap();
        assert_eq!(v["acceptDataFormat"], "COMPACT");
        assert_eq!(
            v["acceptEventFields"]["Quote"],
            serde_json::json!(QUOTE_FIELDS)
        );
        assert!(v["acceptEventFields"].get("Candle").is_none());
        let q = serde_json::to_value(SubscriptionItem::quote(".AAPL261218C200")).unwrap();
        assert_eq!(
            q,
            serde_json::json!({"type": "Quote", "symbol": ".AAPL261218C200"})
        );
        let req = ClientMessage::ChannelRequest {
            channel: 1,
            service: "FEED",
            parameters: ChannelParameters {
                contract: "HISTORY".into(),
            },
        }
        .to_json();
        let v: Value = serde_json::from_str(&req).unwrap();
        assert_eq!(v["type"], "CHANNEL_REQUEST");
        assert_eq!(v["parameters"]["contract"], "HISTORY");
    }

    #[test]
    fn subscription_chunks_stay_under_budget_and_keep_every_item() {
        let items: Vec<_> = (0..2000)
            .map(|i| SubscriptionItem::candle(&format!("SYM{i}{{=1d}}"), 1_700_000_000_000))
            .collect();
        let removes: Vec<_> = items[..3]
            .iter()
            .map(|i| SubscriptionItem::candle_remove(&i.symbol))
            .collect();
        let msgs = subscription_messages(5, &items, &removes, MAX_SUBSCRIPTION_BYTES);
        assert!(msgs.len() > 5);
        let mut added = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            assert!(m.len() <= MAX_SUBSCRIPTION_BYTES, "{}", m.len());
            let v: Value = serde_json::from_str(m).unwrap();
            assert_eq!(v["type"], "FEED_SUBSCRIPTION");
            assert_eq!(v["channel"], 5);
            if i == 0 {
                assert_eq!(v["remove"].as_array().unwrap().len(), 3);
                assert!(v.get("add").is_none());
                assert!(v["remove"][0].get("fromTime").is_none());
            } else {
                for a in v["add"].as_array().unwrap() {
                    assert_eq!(a["type"], "Candle");
                    assert_eq!(a["fromTime"], 1_700_000_000_000i64);
                    added.push(a["symbol"].as_str().unwrap().to_string());
                }
            }
        }
        let want: Vec<_> = items.iter().map(|i| i.symbol.clone()).collect();
        assert_eq!(added, want);
        assert!(subscription_messages(1, &[], &[], 100).is_empty());
    }

    #[test]
    fn parses_server_messages_leniently() {
        assert_eq!(
            ServerMessage::parse(r#"{"type":"SETUP","channel":0,"keepaliveTimeout":60}"#).unwrap(),
            ServerMessage::Setup {
                keepalive_timeout: Some(60.0)
            }
        );
        assert_eq!(
            ServerMessage::parse(r#"{"type":"AUTH_STATE","channel":0,"state":"AUTHORIZED"}"#)
                .unwrap(),
            ServerMessage::AuthState {
                channel: 0,
                authorized: true
            }
        );
        assert!(matches!(
            ServerMessage::parse(r#"{"type":"FEED_DATA","channel":3,"events":[1]}"#).unwrap(),
            ServerMessage::FeedData { channel: 3, data } if data == serde_json::json!([1])
        ));
        assert!(matches!(
            ServerMessage::parse(r#"{"type":"WHATEVER"}"#).unwrap(),
            ServerMessage::Other { .. }
        ));
        assert!(ServerMessage::parse("[1,2]").is_err());
        assert!(ServerMessage::parse("{").is_err());
        assert!(ServerMessage::parse(r#"{"channel":1}"#).is_err());
    }
}
