//! DXLink candle fixtures (`--fixtures DIR`): candle events read from a file per candle symbol and
//! sent instead of the synthetic history, any values included (a future date, a close of 1e308, NaN,
//! constant closes, an empty history), so that tests can feed a client candles no synthetic market
//! would make.
//!
//! **Where.** `DIR/dxlink/candles/{NAME}.json`, where NAME is the subscribed candle symbol's base
//! (the part before `{`, so `SPY{=1d}` reads `SPY.json`), uppercased, with every character outside
//! `A-Z0-9._-` replaced by `_` (`BRK/B` → `BRK_B.json`, `/ESZ26:XCME` → `_ESZ26_XCME.json`). A symbol
//! without a file keeps its synthetic candles. The file is read at each subscription, so a test may
//! rewrite it between scans.
//!
//! **What.** A JSON array of candle objects (the shape of a FULL-format `Candle` event, so recorded
//! events can be pasted in; other members such as `eventSymbol` are ignored):
//! - `time` (epoch milliseconds, an integer) or `date` (`"YYYY-MM-DD"`, midnight UTC); required in
//!   snapshot mode, 0 when absent in raw mode;
//! - `open`, `high`, `low`, `close`, `volume`, `vwap`: a JSON number, or a string a double parses
//!   from (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"1e308"`); absent or `null` is NaN (`vwap`: the
//!   typical price (high + low + close) / 3 when absent);
//! - `eventFlags`, `index` (integers): optional.
//!
//! **How it is sent.** *Snapshot mode* (no object has `eventFlags`): the candles with
//! `time ≥ fromTime`, newest first (a stable sort by time, descending), flagged as the synthetic feed
//! flags them (SNAPSHOT_BEGIN on the first, SNAPSHOT_END on the last), `index` = time in seconds
//! shifted into the high word unless given. No candle left (an empty array, or all before
//! `fromTime`) sends the empty-history form: one event with flags 14 and NaN prices. *Raw mode* (any
//! object has `eventFlags`): every object is sent as given, in file order, whatever `fromTime`, with
//! its own flags (0 when absent). Either way the events go out in the channel's format (COMPACT or
//! FULL) and field list, in batches as the synthetic candles, and the snapshot faults still apply.
//! Non-finite doubles are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
//!
//! A file that cannot be read as this format answers the subscription with an `ERROR` message naming
//! the file and the problem (and no snapshot); the rest of the subscription proceeds.

use super::events::{CandleEvent, SNAPSHOT_BEGIN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use volscreen_core::date::Date;
use volscreen_core::symbol::split_candle_symbol;

/// The directory under the fixtures directory that holds candle files.
pub const DIR: &str = "dxlink/candles";

/// One candle of a fixture file, values as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixtureCandle {
    pub time: i64,
    pub index: Option<i64>,
    pub flags: Option<u32>,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub vwap: Option<f64>,
}

impl FixtureCandle {
    /// The wire event for `symbol` (the candle symbol as subscribed) with `flags`.
    pub fn event<'a>(&self, symbol: &'a str, flags: u32) -> CandleEvent<'a> {
        CandleEvent {
            symbol,
            flags,
            index: self.index.unwrap_or(self.time.div_euclid(1000) << 32),
            time: self.time,
            count: if self.volume.is_finite() {
                (self.volume / 100.0).round().clamp(0.0, 1e15) as i64
            } else {
                0
            },
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            volume: self.volume,
            vwap: self
                .vwap
                .unwrap_or((self.high + self.low + self.close) / 3.0),
        }
    }
}

/// A loaded candle fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct CandleFixture {
    /// Name in `/__sim/stats` `fixtures`: `dxlink/candles/SPY`.
    pub name: String,
    /// The candles in file order.
    pub candles: Vec<FixtureCandle>,
    /// Raw mode: some candle carries `eventFlags`; everything is sent as given.
    pub raw: bool,
}

impl CandleFixture {
    /// The candles to send for a subscription from `from_time`, in send order. Snapshot mode: those
    /// at or after `from_time`, newest first; raw mode: all, in file order.
    pub fn send_order(&self, from_time: i64) -> Vec<FixtureCandle> {
        if self.raw {
            return self.candles.clone();
        }
        let mut out: Vec<FixtureCandle> = self
            .candles
            .iter()
            .filter(|c| c.time >= from_time)
            .copied()
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.time));
        out
    }

    /// The flags of the event at position `at` of a snapshot of `total` events: the candle's own in
    /// raw mode, else BEGIN on the first and `end` (SNAPSHOT_END or SNAPSHOT_SNIP) on the last.
    pub fn flags(&self, c: &FixtureCandle, at: usize, total: usize, end: u32) -> u32 {
        if self.raw {
            return c.flags.unwrap_or(0);
        }
        let mut flags = 0;
        if at == 0 {
            flags |= SNAPSHOT_BEGIN;
        }
        if at + 1 == total {
            flags |= end;
        }
        flags
    }
}

/// The file name (without `.json`) of a candle symbol's fixture: the base, uppercased, every
/// character outside `A-Z0-9._-` replaced by `_`. `None` when nothing usable is left (empty, or only
/// dots).
pub fn file_name(candle_symbol: &str) -> Option<String> {
    let (base, _) = split_candle_symbol(candle_symbol);
    let name: String = base
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!name.is_empty() && !name.chars().all(|c| c == '.')).then_some(name)
}

/// The fixture file of a candle symbol under the fixtures directory `dir`.
pub fn file_for(dir: &Path, candle_symbol: &str) -> Option<PathBuf> {
    let name = file_name(candle_symbol)?;
    Some(dir.join(DIR).join(format!("{name}.json")))
}

/// The fixture of `candle_symbol` under `dir`: `Ok(None)` when there is no file, `Err` (a message
/// naming the file) when it cannot be read as the documented format.
pub fn load(dir: &Path, candle_symbol: &str) -> Result<Option<CandleFixture>, String> {
    let Some(name) = file_name(candle_symbol) else {
        return Ok(None);
    };
    let file = dir.join(DIR).join(format!("{name}.json"));
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("candle fixture {}: {e}", file.display())),
    };
    parse(&bytes, format!("{DIR}/{name}"))
        .map(Some)
        .map_err(|e| format!("candle fixture {}: {e}", file.display()))
}

/// Parse a fixture file's bytes.
pub fn parse(bytes: &[u8], name: String) -> Result<CandleFixture, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Array(rows) = value else {
        return Err("expected a JSON array of candle objects".into());
    };
    let raw = rows.iter().any(|r| r.get("eventFlags").is_some());
    let candles = rows
        .iter()
        .enumerate()
        .map(|(i, r)| candle(r, raw).map_err(|e| format!("candle #{i}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CandleFixture { name, candles, raw })
}

fn candle(row: &Value, raw: bool) -> Result<FixtureCandle, String> {
    let Value::Object(o) = row else {
        return Err("not an object".into());
    };
    let time = match (o.get("time"), o.get("date")) {
        (Some(t), _) => integer(t).ok_or_else(|| format!("time {t} is not an integer"))?,
        (None, Some(Value::String(d))) => d
            .parse::<Date>()
            .map_err(|e| format!("date {d:?}: {e}"))?
            .epoch_ms(),
        (None, Some(d)) => return Err(format!("date {d} is not a \"YYYY-MM-DD\" string")),
        (None, None) if raw => 0,
        (None, None) => return Err("needs `time` (epoch ms) or `date` (YYYY-MM-DD)".into()),
    };
    let num = |field: &str| -> Result<f64, String> {
        match o.get(field) {
            None | Some(Value::Null) => Ok(f64::NAN),
            Some(v) => double(v).ok_or_else(|| format!("{field} {v} is not a double")),
        }
    };
    let opt_int = |field: &str| -> Result<Option<i64>, String> {
        match o.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => integer(v)
                .map(Some)
                .ok_or_else(|| format!("{field} {v} is not an integer")),
        }
    };
    let flags = match opt_int("eventFlags")? {
        None => None,
        Some(f) => Some(u32::try_from(f).map_err(|_| format!("eventFlags {f} out of range"))?),
    };
    let vwap = match o.get("vwap") {
        None | Some(Value::Null) => None,
        Some(_) => Some(num("vwap")?),
    };
    Ok(FixtureCandle {
        time,
        index: opt_int("index")?,
        flags,
        open: num("open")?,
        high: num("high")?,
        low: num("low")?,
        close: num("close")?,
        volume: num("volume")?,
        vwap,
    })
}

/// A JSON integer (or a float with no fractional part within range).
fn integer(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    })
}

/// A JSON number, or a string a double parses from (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"1e308"`).
fn double(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dxlink::events::{REMOVE_EVENT, SNAPSHOT_END, SNAPSHOT_SNIP};

    #[test]
    fn file_names() {
        assert_eq!(file_name("SPY{=1d}").as_deref(), Some("SPY"));
        assert_eq!(file_name("spy").as_deref(), Some("SPY"));
        assert_eq!(file_name("BRK/B{=d}").as_deref(), Some("BRK_B"));
        assert_eq!(
            file_name("/ESZ26:XCME{=1d}").as_deref(),
            Some("_ESZ26_XCME")
        );
        assert_eq!(file_name("../../etc{=d}").as_deref(), Some(".._.._ETC"));
        assert_eq!(file_name(".."), None);
        assert_eq!(file_name(""), None);
        assert_eq!(
            file_for(Path::new("/fx"), "SPY{=1d}").unwrap(),
            Path::new("/fx/dxlink/candles/SPY.json")
        );
    }

    #[test]
    fn snapshot_mode_sorts_filters_and_flags() {
        let text = br#"[
            {"date": "2026-11-18", "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 100},
            {"time": 1795132800000, "close": "1e308", "open": "NaN", "high": "Infinity"},
            {"date": "2026-11-19", "close": 1.6, "vwap": "-Infinity"},
            {"date": "2020-01-02", "close": 3}
        ]"#;
        let f = parse(text, "dxlink/candles/X".into()).unwrap();
        assert!(!f.raw);
        let from = Date::from_ymd(2026, 1, 1).unwrap().epoch_ms();
        let order = f.send_order(from);
        assert_eq!(order.len(), 3);
        assert_eq!(order[0].time, 1_795_132_800_000);
        assert_eq!(order[0].close, 1e308);
        assert!(order[0].open.is_nan());
        assert_eq!(order[0].high, f64::INFINITY);
        assert!(order[0].volume.is_nan());
        assert_eq!(
            order[1].time,
            Date::from_ymd(2026, 11, 19).unwrap().epoch_ms()
        );
        assert_eq!(order[1].vwap, Some(f64::NEG_INFINITY));
        assert_eq!(f.flags(&order[0], 0, 3, SNAPSHOT_END), SNAPSHOT_BEGIN);
        assert_eq!(f.flags(&order[1], 1, 3, SNAPSHOT_END), 0);
        assert_eq!(f.flags(&order[2], 2, 3, SNAPSHOT_SNIP), SNAPSHOT_SNIP);
        let e = order[2].event("X{=1d}", 4);
        assert_eq!(e.index, (order[2].time / 1000) << 32);
        assert_eq!(e.count, 1);
        assert_eq!(e.vwap, (2.0 + 0.5 + 1.5) / 3.0);
    }

    #[test]
    fn raw_mode_sends_as_given() {
        let text = br#"[{"eventFlags": 14, "close": "NaN", "index": 0},
                        {"date": "2026-11-19", "close": 5, "index": 7}]"#;
        let f = parse(text, "n".into()).unwrap();
        assert!(f.raw);
        let order = f.send_order(i64::MAX);
        assert_eq!(order.len(), 2);
        assert_eq!(order[0].time, 0);
        assert_eq!(
            f.flags(&order[0], 0, 2, SNAPSHOT_END),
            SNAPSHOT_BEGIN | SNAPSHOT_END | REMOVE_EVENT
        );
        assert_eq!(f.flags(&order[1], 1, 2, SNAPSHOT_END), 0);
        assert_eq!(order[1].event("X", 0).index, 7);
    }

    #[test]
    fn bad_files_say_why() {
        for (text, want) in [
            (&b"{}"[..], "array"),
            (b"[1]", "not an object"),
            (b"[{\"close\": 1}]", "needs `time`"),
            (b"[{\"date\": \"2026-13-01\"}]", "date"),
            (b"[{\"time\": 1.5}]", "time"),
            (b"[{\"time\": 1, \"close\": true}]", "close"),
            (b"[{\"time\": 1, \"close\": \"abc\"}]", "close"),
            (b"[{\"time\": 1, \"eventFlags\": -1}]", "eventFlags"),
            (b"nope", "not JSON"),
        ] {
            let e = parse(text, "n".into()).unwrap_err();
            assert!(e.contains(want), "{e} should mention {want}");
        }
        assert!(parse(b"[]", "n".into()).unwrap().candles.is_empty());
    }
}
