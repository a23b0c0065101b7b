//! The market events the demo DXLink feed knows: event types, their field catalogues and default
//! field lists, the event values (candles, quotes, summaries), and the `FEED_DATA` encoding in the
//! COMPACT and FULL formats.
//!
//! Encoding goes straight from typed events to JSON text through serde (no intermediate
//! `serde_json::Value`), so thousands of candles stream cheaply. Doubles that are not finite become
//! the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, as on the real service.

use crate::market::Quote;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use volscreen_core::candle::Candle;

/// SNAPSHOT_BEGIN: the first event of a snapshot.
pub const SNAPSHOT_BEGIN: u32 = 0x04;
/// SNAPSHOT_END: the last event of a complete snapshot.
pub const SNAPSHOT_END: u32 = 0x08;
/// SNAPSHOT_SNIP: the last event of a snapshot the server cut short.
pub const SNAPSHOT_SNIP: u32 = 0x10;
/// REMOVE_EVENT: the event deletes the row with its index.
pub const REMOVE_EVENT: u32 = 0x02;

/// The event types the feed accepts subscriptions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    Candle,
    Quote,
    Trade,
    Summary,
    Profile,
    Greeks,
    Underlying,
}

const CANDLE_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "count",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vwap",
    "bidVolume",
    "askVolume",
    "impVolatility",
    "openInterest",
];

/// Candle fields accepted in `acceptEventFields` but not sent by default (`VWAP` is the AsyncAPI
/// spelling of `vwap`; a client asking for it gets it under that name).
const CANDLE_ALIASES: &[&str] = &["VWAP"];

const QUOTE_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "sequence",
    "timeNanoPart",
    "bidTime",
    "bidExchangeCode",
    "bidPrice",
    "bidSize",
    "askTime",
    "askExchangeCode",
    "askPrice",
    "askSize",
];

const TRADE_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "time",
    "timeNanoPart",
    "sequence",
    "exchangeCode",
    "price",
    "change",
    "size",
    "dayId",
    "dayVolume",
    "dayTurnover",
    "tickDirection",
    "extendedTradingHours",
];

const SUMMARY_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "dayId",
    "dayOpenPrice",
    "dayHighPrice",
    "dayLowPrice",
    "dayClosePrice",
    "dayClosePriceType",
    "prevDayId",
    "prevDayClosePrice",
    "prevDayClosePriceType",
    "prevDayVolume",
    "openInterest",
];

const PROFILE_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "description",
    "shortSaleRestriction",
    "tradingStatus",
    "statusReason",
    "haltStartTime",
    "haltEndTime",
    "highLimitPrice",
    "lowLimitPrice",
    "high52WeekPrice",
    "low52WeekPrice",
    "beta",
    "earningsPerShare",
    "dividendFrequency",
    "exDividendAmount",
    "exDividendDayId",
    "shares",
    "freeFloat",
];

const GREEKS_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "price",
    "volatility",
    "delta",
    "gamma",
    "theta",
    "rho",
    "vega",
];

const UNDERLYING_FIELDS: &[&str] = &[
    "eventType",
    "eventSymbol",
    "eventTime",
    "eventFlags",
    "index",
    "time",
    "sequence",
    "volatility",
    "frontVolatility",
    "backVolatility",
    "callVolume",
    "putVolume",
    "putCallRatio",
];

/// Fields every configured field list carries, first, whether asked for or not: without it an
/// event cannot be attributed. (`eventType` is not forced into COMPACT lists: the real service
/// returns exactly the fields asked for, and the official Python SDK decodes rows by its own
/// field count; FULL objects always carry `eventType`.)
const MANDATORY_FIELDS: [&str; 1] = ["eventSymbol"];

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::Candle,
        EventType::Quote,
        EventType::Trade,
        EventType::Summary,
        EventType::Profile,
        EventType::Greeks,
        EventType::Underlying,
    ];

    /// The type named `name` on the wire (case-sensitive, as on the real service).
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            EventType::Candle => "Candle",
            EventType::Quote => "Quote",
            EventType::Trade => "Trade",
            EventType::Summary => "Summary",
            EventType::Profile => "Profile",
            EventType::Greeks => "Greeks",
            EventType::Underlying => "Underlying",
        }
    }

    /// The complete default field list, in the order the server sends it.
    pub fn default_fields(self) -> &'static [&'static str] {
        match self {
            EventType::Candle => CANDLE_FIELDS,
            EventType::Quote => QUOTE_FIELDS,
            EventType::Trade => TRADE_FIELDS,
            EventType::Summary => SUMMARY_FIELDS,
            EventType::Profile => PROFILE_FIELDS,
            EventType::Greeks => GREEKS_FIELDS,
            EventType::Underlying => UNDERLYING_FIELDS,
        }
    }

    /// The catalogue's spelling of a known field name (so field lists hold `'static` names).
    fn known_field(self, name: &str) -> Option<&'static str> {
        let aliases: &[&'static str] = match self {
            EventType::Candle => CANDLE_ALIASES,
            _ => &[],
        };
        self.default_fields()
            .iter()
            .chain(aliases)
            .find(|f| **f == name)
            .copied()
    }

    /// The field list for a requested `acceptEventFields` entry: known fields in the requested order
    /// (unknown and repeated names dropped), with `eventType` and `eventSymbol` put first when missing.
    pub fn select_fields(self, requested: &[String]) -> Vec<&'static str> {
        let mut fields: Vec<&'static str> = Vec::with_capacity(requested.len() + 2);
        for name in requested {
            if let Some(f) = self.known_field(name) {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
        }
        for (at, f) in MANDATORY_FIELDS.into_iter().enumerate() {
            if !fields.contains(&f) {
                fields.insert(at.min(fields.len()), f);
            }
        }
        fields
    }
}

/// `dataFormat` of a feed channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Compact,
    Full,
}

impl DataFormat {
    pub fn parse(name: &str) -> Option<DataFormat> {
        match name {
            "COMPACT" => Some(DataFormat::Compact),
            "FULL" => Some(DataFormat::Full),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Compact => "COMPACT",
            DataFormat::Full => "FULL",
        }
    }
}

/// One field value on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Str(&'a str),
    Int(i64),
    /// A double: non-finite values go out as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
    Num(f64),
}

impl Serialize for Val<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Val::Str(v) => s.serialize_str(v),
            Val::Int(v) => s.serialize_i64(v),
            Val::Num(v) if v.is_nan() => s.serialize_str("NaN"),
            Val::Num(v) if v == f64::INFINITY => s.serialize_str("Infinity"),
            Val::Num(v) if v == f64::NEG_INFINITY => s.serialize_str("-Infinity"),
            Val::Num(v) => s.serialize_f64(v),
        }
    }
}

/// An event that can be encoded field by field.
pub trait Event {
    /// The value of a field of this event's type (fields come from [`EventType::select_fields`] or
    /// [`EventType::default_fields`], so every name is known; anything else is NaN).
    fn value(&self, field: &str) -> Val<'_>;
}

/// One Candle event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandleEvent<'a> {
    pub symbol: &'a str,
    pub flags: u32,
    pub index: i64,
    pub time: i64,
    pub count: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub vwap: f64,
}

impl<'a> CandleEvent<'a> {
    /// A daily candle of `symbol` (the full candle symbol as subscribed) with snapshot `flags`.
    /// `index` is the bar's time in seconds shifted into the high word, as dxFeed numbers candles;
    /// `vwap` is the typical price; `count` is a trade count derived from the volume.
    pub fn from_candle(symbol: &'a str, c: &Candle, flags: u32) -> CandleEvent<'a> {
        CandleEvent {
            symbol,
            flags,
            index: c.time.div_euclid(1000) << 32,
            time: c.time,
            count: if c.volume.is_finite() {
                (c.volume / 100.0).round().max(0.0) as i64
            } else {
                0
            },
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
            vwap: (c.high + c.low + c.close) / 3.0,
        }
    }

    /// The empty-history form: one event with BEGIN|END|REMOVE (14) and NaN prices.
    pub fn empty_history(symbol: &'a str) -> CandleEvent<'a> {
        CandleEvent {
            symbol,
            flags: SNAPSHOT_BEGIN | SNAPSHOT_END | REMOVE_EVENT,
            index: 0,
            time: 0,
            count: 0,
            open: f64::NAN,
            high: f64::NAN,
            low: f64::NAN,
            close: f64::NAN,
            volume: f64::NAN,
            vwap: f64::NAN,
        }
    }
}

impl Event for CandleEvent<'_> {
    fn value(&self, field: &str) -> Val<'_> {
        match field {
            "eventType" => Val::Str("Candle"),
            "eventSymbol" => Val::Str(self.symbol),
            "eventFlags" => Val::Int(i64::from(self.flags)),
            "index" => Val::Int(self.index),
            "time" => Val::Int(self.time),
            "eventTime" | "sequence" => Val::Int(0),
            "count" => Val::Int(self.count),
            "open" => Val::Num(self.open),
            "high" => Val::Num(self.high),
            "low" => Val::Num(self.low),
            "close" => Val::Num(self.close),
            "volume" => Val::Num(self.volume),
            "vwap" | "VWAP" => Val::Num(self.vwap),
            _ => Val::Num(f64::NAN),
        }
    }
}

/// One Quote event, from the market's quote of the symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuoteEvent<'a> {
    pub symbol: &'a str,
    pub time: i64,
    pub bid: f64,
    pub ask: f64,
    pub bid_size: f64,
    pub ask_size: f64,
}

impl<'a> QuoteEvent<'a> {
    pub fn from_quote(symbol: &'a str, q: &Quote) -> QuoteEvent<'a> {
        QuoteEvent {
            symbol,
            time: q.updated_at_ms,
            bid: q.bid.unwrap_or(f64::NAN),
            ask: q.ask.unwrap_or(f64::NAN),
            // The by-type row's sizes: one book per instrument and session.
            bid_size: q.bid_size,
            ask_size: q.ask_size,
        }
    }
}

impl Event for QuoteEvent<'_> {
    fn value(&self, field: &str) -> Val<'_> {
        match field {
            "eventType" => Val::Str("Quote"),
            "eventSymbol" => Val::Str(self.symbol),
            "eventTime" | "sequence" | "timeNanoPart" => Val::Int(0),
            "bidTime" | "askTime" => Val::Int(self.time),
            "bidExchangeCode" | "askExchangeCode" => Val::Str("Q"),
            "bidPrice" => Val::Num(self.bid),
            "bidSize" => Val::Num(self.bid_size),
            "askPrice" => Val::Num(self.ask),
            "askSize" => Val::Num(self.ask_size),
            _ => Val::Num(f64::NAN),
        }
    }
}

/// One Summary event, from the market's quote of the symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryEvent<'a> {
    pub symbol: &'a str,
    pub day_id: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub prev_close: f64,
    pub prev_volume: f64,
}

impl<'a> SummaryEvent<'a> {
    pub fn from_quote(symbol: &'a str, q: &Quote) -> SummaryEvent<'a> {
        SummaryEvent {
            symbol,
            day_id: q.updated_at_ms.div_euclid(86_400_000),
            open: q.open.unwrap_or(f64::NAN),
            high: q.day_high.unwrap_or(f64::NAN),
            low: q.day_low.unwrap_or(f64::NAN),
            close: q.close.or(q.last).unwrap_or(f64::NAN),
            prev_close: q.prev_close.unwrap_or(f64::NAN),
            prev_volume: f64::NAN,
        }
    }
}

impl Event for SummaryEvent<'_> {
    fn value(&self, field: &str) -> Val<'_> {
        match field {
            "eventType" => Val::Str("Summary"),
            "eventSymbol" => Val::Str(self.symbol),
            "eventTime" | "openInterest" => Val::Int(0),
            "dayId" => Val::Int(self.day_id),
            "prevDayId" => Val::Int(self.day_id - 1),
            "dayOpenPrice" => Val::Num(self.open),
            "dayHighPrice" => Val::Num(self.high),
            "dayLowPrice" => Val::Num(self.low),
            "dayClosePrice" => Val::Num(self.close),
            "dayClosePriceType" => Val::Str("REGULAR"),
            "prevDayClosePrice" => Val::Num(self.prev_close),
            "prevDayClosePriceType" => Val::Str("FINAL"),
            "prevDayVolume" => Val::Num(self.prev_volume),
            _ => Val::Num(f64::NAN),
        }
    }
}

/// A `FEED_DATA` message of one event type, encoded by a channel's configured format and fields.
pub struct FeedData<'a, E> {
    pub channel: u64,
    pub format: DataFormat,
    pub event_type: EventType,
    pub fields: &'a [&'static str],
    pub events: &'a [E],
}

impl<E: Event> FeedData<'_, E> {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        super::protocol::to_json(self)
    }
}

impl<E: Event> Serialize for FeedData<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("type", "FEED_DATA")?;
        m.serialize_entry("channel", &self.channel)?;
        match self.format {
            DataFormat::Compact => m.serialize_entry(
                "data",
                &CompactData {
                    event_type: self.event_type,
                    rows: CompactRows {
                        fields: self.fields,
                        events: self.events,
                    },
                },
            )?,
            DataFormat::Full => m.serialize_entry(
                "data",
                &FullData {
                    fields: self.fields,
                    events: self.events,
                },
            )?,
        }
        m.end()
    }
}

/// `["Candle", [r1f1, r1f2, ..., r2f1, ...]]`: one type/array pair.
struct CompactData<'a, E> {
    event_type: EventType,
    rows: CompactRows<'a, E>,
}

impl<E: Event> Serialize for CompactData<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.event_type.name())?;
        seq.serialize_element(&self.rows)?;
        seq.end()
    }
}

struct CompactRows<'a, E> {
    fields: &'a [&'static str],
    events: &'a [E],
}

impl<E: Event> Serialize for CompactRows<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.fields.len() * self.events.len()))?;
        for e in self.events {
            for f in self.fields {
                seq.serialize_element(&e.value(f))?;
            }
        }
        seq.end()
    }
}

/// `[{"eventType": "Candle", "eventSymbol": ..., ...}, ...]`.
struct FullData<'a, E> {
    fields: &'a [&'static str],
    events: &'a [E],
}

impl<E: Event> Serialize for FullData<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.events.len()))?;
        for e in self.events {
            seq.serialize_element(&FullEvent {
                fields: self.fields,
                event: e,
            })?;
        }
        seq.end()
    }
}

struct FullEvent<'a, E> {
    fields: &'a [&'static str],
    event: &'a E,
}

impl<E: Event> Serialize for FullEvent<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !self.fields.contains(&"eventType") {
            m.serialize_entry("eventType", &self.event.value("eventType"))?;
        }
        for f in self.fields {
            m.serialize_entry(f, &self.event.value(f))?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candle() -> Candle {
        Candle {
            time: 1_700_000_000_000,
            open: 10.0,
            high: 12.0,
            low: 9.0,
            close: 11.0,
            volume: 1234.0,
        }
    }

    #[test]
    fn selects_known_fields_in_requested_order() {
        let req: Vec<String> = ["close", "bogus", "eventSymbol", "open", "close", "VWAP"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            EventType::Candle.select_fields(&req),
            vec!["close", "eventSymbol", "open", "VWAP"]
        );
        assert_eq!(EventType::Quote.select_fields(&[]), vec!["eventSymbol"]);
        assert_eq!(EventType::parse("Candle"), Some(EventType::Candle));
        assert_eq!(EventType::parse("candle"), None);
    }

    #[test]
    fn encodes_compact_and_full_with_nan_strings() {
        let c = candle();
        let events = [
            CandleEvent::from_candle("A{=1d}", &c, SNAPSHOT_BEGIN),
            CandleEvent::empty_history("B{=1d}"),
        ];
        let fields = ["eventSymbol", "eventFlags", "index", "close", "vwap"];
        let compact = FeedData {
            channel: 3,
            format: DataFormat::Compact,
            event_type: EventType::Candle,
            fields: &fields,
            events: &events,
        }
        .to_json();
        let v: serde_json::Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(v["type"], "FEED_DATA");
        assert_eq!(v["channel"], 3);
        assert_eq!(v["data"][0], "Candle");
        let rows = v["data"][1].as_array().unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[2], serde_json::json!(1_700_000_000i64 << 32));
        assert_eq!(rows[3], 11.0);
        assert_eq!(rows[6], 14);
        assert_eq!(rows[8], "NaN");
        let full = FeedData {
            channel: 3,
            format: DataFormat::Full,
            event_type: EventType::Candle,
            fields: &fields,
            events: &events[1..],
        }
        .to_json();
        let v: serde_json::Value = serde_json::from_str(&full).unwrap();
        assert_eq!(v["data"][0]["eventFlags"], 14);
        assert_eq!(v["data"][0]["close"], "NaN");
        assert_eq!(v["data"][0]["eventSymbol"], "B{=1d}");
    }

    #[test]
    fn infinities_are_strings() {
        let json = serde_json::to_string(&[
            Val::Num(f64::INFINITY),
            Val::Num(f64::NEG_INFINITY),
            Val::Num(1.5),
        ])
        .unwrap();
        assert_eq!(json, r#"["Infinity","-Infinity",1.5]"#);
    }
}
