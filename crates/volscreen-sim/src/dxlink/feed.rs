//! The `FEED` configuration of one channel: data format, aggregation period and field lists per event
//! type, and what the client was last told in `FEED_CONFIG`.
//!
//! The rule the real service follows and clients rely on: before the first `FEED_DATA` of an event
//! type on a channel, and before any change of format or fields, the server sends a `FEED_CONFIG`
//! with that type's complete field list. [`FeedConfig::announce`] yields that message when (and only
//! when) it is due. No `FEED_SETUP` at all means FULL with default fields.

use super::events::{DataFormat, EventType};
use super::protocol::{self, FeedSetup};
use std::collections::BTreeMap;

/// Feed configuration state of one channel.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    format: DataFormat,
    aggregation_period: f64,
    /// Field lists asked for in `FEED_SETUP` (already filtered to known fields).
    requested: BTreeMap<EventType, Vec<&'static str>>,
    /// Field orders imposed by the `reconfig` fault; they win until the next `FEED_SETUP` of the type.
    reordered: BTreeMap<EventType, Vec<&'static str>>,
    /// The format last announced in a `FEED_CONFIG` (none yet: `None`).
    announced_format: Option<DataFormat>,
    /// The field lists last announced, per type.
    announced: BTreeMap<EventType, Vec<&'static str>>,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig::new()
    }
}

impl FeedConfig {
    /// FULL format, default fields, nothing announced.
    pub fn new() -> FeedConfig {
        FeedConfig {
            format: DataFormat::Full,
            aggregation_period: 0.0,
            requested: BTreeMap::new(),
            reordered: BTreeMap::new(),
            announced_format: None,
            announced: BTreeMap::new(),
        }
    }

    pub fn format(&self) -> DataFormat {
        self.format
    }

    /// The field list events of `ty` are encoded with right now.
    pub fn fields(&self, ty: EventType) -> Vec<&'static str> {
        self.reordered
            .get(&ty)
            .or_else(|| self.requested.get(&ty))
            .cloned()
            .unwrap_or_else(|| ty.default_fields().to_vec())
    }

    /// Apply a `FEED_SETUP` and return the `FEED_CONFIG` answering it, or an error text when the
    /// requested data format is unknown (then nothing changes). Field lists of types not named keep
    /// their previous value; unknown event types are ignored.
    pub fn apply_setup(&mut self, channel: u64, setup: &FeedSetup) -> Result<String, String> {
        let format = match setup.accept_data_format.as_deref() {
            None => self.format,
            Some(name) => DataFormat::parse(name).ok_or_else(|| {
                format!("unknown acceptDataFormat {name:?} (expected COMPACT or FULL)")
            })?,
        };
        self.format = format;
        if let Some(p) = setup.accept_aggregation_period {
            if p.is_finite() && p >= 0.0 {
                self.aggregation_period = p;
            }
        }
        for (name, requested) in setup.accept_event_fields.iter().flatten() {
            if let Some(ty) = EventType::parse(name) {
                self.reordered.remove(&ty);
                if requested.is_empty() {
                    self.requested.remove(&ty);
                } else {
                    self.requested.insert(ty, ty.select_fields(requested));
                }
            }
        }
        let types: Vec<EventType> = self
            .requested
            .keys()
            .chain(self.announced.keys())
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(self.config_message(channel, &types))
    }

    /// A `FEED_CONFIG` for `types` with the current settings, recorded as announced.
    fn config_message(&mut self, channel: u64, types: &[EventType]) -> String {
        let lists: Vec<(EventType, Vec<&'static str>)> =
            types.iter().map(|t| (*t, self.fields(*t))).collect();
        self.announced_format = Some(self.format);
        for (t, f) in &lists {
            self.announced.insert(*t, f.clone());
        }
        protocol::feed_config(channel, self.aggregation_period, self.format, &lists)
    }

    /// The `FEED_CONFIG` due before sending `FEED_DATA` of `ty`: when the type was never announced
    /// or its fields or the channel's format changed since. `None` when the client is up to date.
    pub fn announce(&mut self, channel: u64, ty: EventType) -> Option<String> {
        let fields = self.fields(ty);
        let current =
            self.announced_format == Some(self.format) && self.announced.get(&ty) == Some(&fields);
        if current {
            None
        } else {
            Some(self.config_message(channel, &[ty]))
        }
    }

    /// The `reconfig` fault: the same fields of `ty` in a different (reversed) order from now on.
    pub fn reorder(&mut self, ty: EventType) {
        let mut fields = self.fields(ty);
        fields.reverse();
        self.reordered.insert(ty, fields);
    }

    /// The `full` fault: switch the channel to FULL. False when it already was.
    pub fn force_full(&mut self) -> bool {
        let changed = self.format != DataFormat::Full;
        self.format = DataFormat::Full;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn setup(format: Option<&str>, candle: Option<&[&str]>) -> FeedSetup {
        FeedSetup {
            accept_aggregation_period: Some(10.0),
            accept_data_format: format.map(str::to_string),
            accept_event_fields: candle.map(|f| {
                [(
                    "Candle".to_string(),
                    f.iter().map(|s| s.to_string()).collect(),
                )]
                .into_iter()
                .collect()
            }),
        }
    }

    #[test]
    fn announces_once_then_on_change() {
        let mut f = FeedConfig::new();
        assert_eq!(f.format(), DataFormat::Full);
        let first = f.announce(1, EventType::Candle).unwrap();
        let v: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(v["dataFormat"], "FULL");
        assert_eq!(v["eventFields"]["Candle"].as_array().unwrap().len(), 18);
        assert!(f.announce(1, EventType::Candle).is_none());
        f.reorder(EventType::Candle);
        let again: Value =
            serde_json::from_str(&f.announce(1, EventType::Candle).unwrap()).unwrap();
        assert_eq!(again["eventFields"]["Candle"][0], "openInterest");
        assert!(!f.force_full());
    }

    #[test]
    fn feed_setup_answers_with_config_and_keeps_other_types() {
        let mut f = FeedConfig::new();
        let msg = f
            .apply_setup(3, &setup(Some("COMPACT"), Some(&["time", "close", "nope"])))
            .unwrap();
        let v: Value = serde_json::from_str(&msg).unwrap();
        assert_eq!(v["dataFormat"], "COMPACT");
        assert_eq!(
            v["eventFields"]["Candle"],
            serde_json::json!(["eventSymbol", "time", "close"])
        );
        assert!(f.announce(3, EventType::Candle).is_none());
        assert!(f.announce(3, EventType::Quote).is_some());
        let msg = f.apply_setup(3, &setup(None, None)).unwrap();
        let v: Value = serde_json::from_str(&msg).unwrap();
        assert_eq!(v["dataFormat"], "COMPACT");
        assert_eq!(v["eventFields"]["Candle"][1], "time");
        assert!(f.apply_setup(3, &setup(Some("XML"), None)).is_err());
        assert!(f.force_full());
        assert!(f.announce(3, EventType::Candle).is_some());
    }
}
