//! Plausibility at the edge (product.md): the physical range of every value volscreen receives,
//! checked once, where the value enters the scan. A value outside its range is never used: the
//! field stays `null` and the symbol gets a [`Warning`] saying what arrived and which rule it broke.
//!
//! The rules, one function each, no I/O:
//! - IV index: a fraction in (0, 5] (a percent sent where a fraction belongs, `50`, is caught here).
//! - IV rank and IV percentile: within [0, 1].
//! - Liquidity rating: an integer 0..=5.
//! - Prices: finite and > 0. Quotes: bid and ask finite, ≥ 0, bid ≤ ask (a crossed or negative
//!   quote is not used for a mid, a straddle or a slippage).
//! - Candles: not after the as-of session; a finite positive close; OHLC consistent where the
//!   values are present (low ≤ open, close ≤ high). A broken candle inside the history cuts the
//!   history there: only the candles after the newest broken one are used, so no HV window ever
//!   spans a bad bar (a gap would bias it silently). Candles after the as-of session are dropped.
//! - A history whose newest candle is more than a week before the as-of session is stale: unused.
//! - HV: exactly 0 (constant closes: stale data) or above 5 (500 %) is broken data.
//! - Option chains: the chain's underlying must be the requested symbol (futures: the requested
//!   root or one of its contracts), and each streamer symbol must belong to its expiration's root.

use crate::candle::Candle;
use crate::date::Date;
use crate::model::Warning;
use crate::symbol::AssetClass;
use crate::tastytrade::{Expiration, OptionChain, Strike};

/// Upper bound of a plausible IV index or HV (500 %).
pub const MAX_VOL: f64 = 5.0;
/// The most calendar days between the newest candle and the as-of session (a long weekend with a
/// holiday is 4) before the history counts as stale.
pub const MAX_STALE_DAYS: i32 = 7;
/// Candle warnings listed one by one before the rest are counted.
const MAX_CANDLE_WARNINGS: usize = 3;

/// The IV index: a fraction in (0, 5].
pub fn iv(value: Option<f64>, w: &mut Vec<Warning>) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v > 0.0 && v <= MAX_VOL {
        Some(v)
    } else {
        w.push(Warning::number(
            "iv",
            v,
            "iv must be a fraction in (0, 5] (50 % is 0.50)",
        ));
        None
    }
}

/// A rank or percentile: within [0, 1].
pub fn unit_interval(field: &str, value: Option<f64>, w: &mut Vec<Warning>) -> Option<f64> {
    let v = value?;
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Some(v)
    } else {
        w.push(Warning::number(
            field,
            v,
            format!("{field} must be within [0, 1]"),
        ));
        None
    }
}

/// The liquidity rating: an integer 0..=5.
pub fn liquidity_rating(value: Option<i64>, w: &mut Vec<Warning>) -> Option<u8> {
    let v = value?;
    match u8::try_from(v) {
        Ok(r) if r <= 5 => Some(r),
        _ => {
            w.push(Warning::new(
                "liquidity_rating",
                v,
                "liquidity_rating must be an integer 0..5",
            ));
            None
        }
    }
}

/// A price: finite and > 0.
pub fn price(field: &str, value: Option<f64>, w: &mut Vec<Warning>) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v > 0.0 {
        Some(v)
    } else {
        w.push(Warning::number(
            field,
            v,
            format!("{field} must be a finite price > 0"),
        ));
        None
    }
}

/// A quote's bid and ask: both finite and ≥ 0, bid ≤ ask. `None` (with a warning) when broken;
/// one-sided quotes pass through as they are (the mid then is unknown).
pub fn quote(
    field: &str,
    bid: Option<f64>,
    ask: Option<f64>,
    w: &mut Vec<Warning>,
) -> Option<(Option<f64>, Option<f64>)> {
    let bad = |v: Option<f64>| v.is_some_and(|v| !(v.is_finite() && v >= 0.0));
    if bad(bid) {
        w.push(Warning::number(
            format!("{field}.bid"),
            bid.unwrap_or(f64::NAN),
            "bid must be finite and >= 0",
        ));
        return None;
    }
    if bad(ask) {
        w.push(Warning::number(
            format!("{field}.ask"),
            ask.unwrap_or(f64::NAN),
            "ask must be finite and >= 0",
        ));
        return None;
    }
    if let (Some(b), Some(a)) = (bid, ask) {
        if b > a {
            w.push(Warning::new(
                format!("{field}.bid"),
                serde_json::json!({"bid": b, "ask": a}),
                "bid must not exceed ask",
            ));
            return None;
        }
    }
    Some((bid, ask))
}

/// An HV value: not exactly 0 and not above 5.
pub fn hv(field: &str, value: Option<f64>, w: &mut Vec<Warning>) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v > 0.0 && v <= MAX_VOL {
        Some(v)
    } else {
        let rule = if v == 0.0 {
            format!("{field} of exactly 0 means constant closes: stale or broken data")
        } else {
            format!("{field} must be in (0, 5]: broken candle data")
        };
        w.push(Warning::number(field, v, rule));
        None
    }
}

/// Why one candle is broken, if it is.
fn broken(c: &Candle) -> Option<&'static str> {
    if !(c.close.is_finite() && c.close > 0.0) {
        return Some("close must be finite and > 0");
    }
    let present = |v: f64| v.is_finite();
    for v in [c.open, c.high, c.low] {
        if present(v) && v <= 0.0 {
            return Some("open, high and low must be > 0");
        }
    }
    if present(c.high) && c.close > c.high {
        return Some("close above high");
    }
    if present(c.low) && c.close < c.low {
        return Some("close below low");
    }
    if present(c.open) && present(c.high) && c.open > c.high {
        return Some("open above high");
    }
    if present(c.open) && present(c.low) && c.open < c.low {
        return Some("open below low");
    }
    None
}

/// The candles fit to use, ascending and de-duplicated by time: candles after the as-of session
/// are dropped, and the history is cut after the newest broken candle. Warnings say what was left out.
pub fn candles(mut all: Vec<Candle>, as_of: Date, w: &mut Vec<Warning>) -> Vec<Candle> {
    // Ascending by time, one per time; the last one received wins (as in `vol::hv::closes`).
    all.sort_by_key(|c| c.time);
    let mut one: Vec<Candle> = Vec::with_capacity(all.len());
    for c in all {
        match one.last_mut() {
            Some(l) if l.time == c.time => *l = c,
            _ => one.push(c),
        }
    }
    let mut all = one;
    let last_ms = as_of.add_days(1).epoch_ms();
    let mut listed = 0;
    let mut more = 0;
    let mut note = |w: &mut Vec<Warning>, c: &Candle, rule: String| {
        if listed < MAX_CANDLE_WARNINGS {
            listed += 1;
            let day = Date::from_epoch_ms(c.time).to_string();
            w.push(Warning::new(
                "candles",
                serde_json::json!({"date": day, "close": json_num(c.close)}),
                rule,
            ));
        } else {
            more += 1;
        }
    };
    let future: Vec<Candle> = all.iter().filter(|c| c.time >= last_ms).copied().collect();
    for c in &future {
        note(
            w,
            c,
            format!("a candle after the as-of session {as_of} is not used"),
        );
    }
    all.retain(|c| c.time < last_ms);
    let mut cut = 0;
    for (k, c) in all.iter().enumerate() {
        if let Some(why) = broken(c) {
            note(
                w,
                c,
                format!("{why}: the history before and including this candle is not used"),
            );
            cut = k + 1;
        }
    }
    if more > 0 {
        w.push(Warning::new(
            "candles",
            more,
            "more implausible candles not listed",
        ));
    }
    let usable = all.split_off(cut);
    // A history whose newest session is long before the as-of session is stale: it says nothing
    // about the volatility of today (weekends and holidays never make a gap this long).
    if let Some(last) = usable.last() {
        let last_day = Date::from_epoch_ms(last.time);
        let gap = as_of.days_since(last_day);
        if gap > MAX_STALE_DAYS {
            w.push(Warning::new(
                "candles",
                serde_json::json!({"date": last_day.to_string(), "close": json_num(last.close)}),
                format!(
                    "the history ends {gap} days before the as-of session {as_of}: stale, not used"
                ),
            ));
            return Vec::new();
        }
    }
    usable
}

fn json_num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v)
        .map(serde_json::Value::Number)
        .unwrap_or_else(|| serde_json::Value::String(format!("{v}")))
}

/// Letters and digits only, upper case: `BRK/B` → `BRKB`.
fn alnum(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether `underlying` (as a chain names it) is the requested `symbol`. Futures: the root itself
/// (`/ES`) or one of its contracts (`/ESZ6`, `/ESZ26`).
fn same_underlying(symbol: &str, class: AssetClass, underlying: &str) -> bool {
    if class == AssetClass::Future {
        let root = format!("/{}", symbol.trim_start_matches('/'));
        if underlying == root {
            return true;
        }
        return underlying.strip_prefix(&root).is_some_and(|rest| {
            let mut cs = rest.chars();
            matches!(
                cs.next(),
                Some('F' | 'G' | 'H' | 'J' | 'K' | 'M' | 'N' | 'Q' | 'U' | 'V' | 'X' | 'Z')
            ) && cs.clone().count() > 0
                && cs.all(|c| c.is_ascii_digit())
        });
    }
    alnum(symbol) == alnum(underlying)
}

/// Whether a streamer symbol belongs to its expiration's root (`.AAPL260116C200` to `AAPL`).
fn streamer_matches(exp: &Expiration, class: AssetClass, streamer: &str) -> bool {
    let root = match class {
        AssetClass::Future => exp.option_root_symbol.as_deref(),
        _ => exp.root_symbol.as_deref(),
    };
    let Some(root) = root else {
        return true;
    };
    let body = alnum(streamer.trim_start_matches('.').trim_start_matches('/'));
    let Some(rest) = body.strip_prefix(&alnum(root)) else {
        return false;
    };
    // The root is followed directly by the expiration: `.AAPL260116C200` (six digits, then C or
    // P) for equities and indices, `./EW4N23C3990` (a month code, then the year) for futures. A
    // root that is merely a prefix (`A` of `.AA270115C25`) is another root.
    let b = rest.as_bytes();
    match class {
        AssetClass::Future => b.len() >= 2 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit(),
        _ => b.len() >= 7 && b[..6].iter().all(u8::is_ascii_digit) && matches!(b[6], b'C' | b'P'),
    }
}

/// Whether an option root belongs to the underlying `symbol`: the symbol itself, the symbol with
/// digits (adjusted roots after a corporate action: `AAPL1`), or for indices the symbol with the
/// weekly / PM-settled suffix (`SPXW`, `NDXP`, `RUTW`, `VIXW`).
fn root_of(symbol: &str, class: AssetClass, root: &str) -> bool {
    let (sym, root) = (alnum(symbol), alnum(root));
    let Some(rest) = root.strip_prefix(&sym) else {
        return false;
    };
    rest.chars().all(|c| c.is_ascii_digit())
        || (class == AssetClass::Index && matches!(rest, "W" | "P" | "Q"))
}

/// Check a chain against the requested symbol: `Err(warning)` when it belongs to another
/// underlying (the chain must then not be used at all).
pub fn chain(symbol: &str, class: AssetClass, c: &OptionChain) -> Result<(), Warning> {
    let rule = |what: &str| format!("an option chain of {what} is not {symbol}'s chain");
    if let Some(u) = &c.underlying {
        if !same_underlying(symbol, class, u) {
            return Err(Warning::new("option_chain", u.clone(), rule(u)));
        }
    }
    for e in &c.expirations {
        if let Some(u) = &e.underlying_symbol {
            if !same_underlying(symbol, class, u) {
                return Err(Warning::new("option_chain", u.clone(), rule(u)));
            }
        }
        // Equity and index roots are the symbol's own (SPX → SPXW, AAPL → AAPL1; not AA for A).
        if class != AssetClass::Future {
            if let Some(r) = &e.root_symbol {
                if !root_of(symbol, class, r) {
                    return Err(Warning::new("option_chain", r.clone(), rule(r)));
                }
            }
        }
    }
    Ok(())
}

/// Check the chosen strike's streamer symbols against their expiration's root.
pub fn strike_streamers(class: AssetClass, exp: &Expiration, s: &Strike) -> Result<(), Warning> {
    for sym in [&s.call_streamer, &s.put_streamer].into_iter().flatten() {
        if !streamer_matches(exp, class, sym) {
            return Err(Warning::new(
                "option_chain",
                sym.clone(),
                "streamer symbol of another root",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn bar(day: &str, close: f64) -> Candle {
        Candle {
            time: d(day).epoch_ms(),
            open: close,
            high: close * 1.01,
            low: close * 0.99,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn metrics_ranges() {
        let mut w = Vec::new();
        assert_eq!(iv(Some(0.25), &mut w), Some(0.25));
        assert_eq!(iv(Some(5.0), &mut w), Some(5.0));
        assert!(w.is_empty());
        assert_eq!(iv(Some(50.0), &mut w), None);
        assert_eq!(iv(Some(0.0), &mut w), None);
        assert_eq!(iv(Some(f64::NAN), &mut w), None);
        assert_eq!(iv(None, &mut w), None);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].field, "iv");
        assert_eq!(w[0].value, serde_json::json!(50.0));
        assert_eq!(w[2].value, serde_json::json!("NaN"));
        let mut w = Vec::new();
        assert_eq!(unit_interval("iv_rank", Some(-5.0), &mut w), None);
        assert_eq!(unit_interval("iv_percentile", Some(1.5), &mut w), None);
        assert_eq!(unit_interval("iv_percentile", Some(1.0), &mut w), Some(1.0));
        assert_eq!(unit_interval("iv_percentile", Some(0.0), &mut w), Some(0.0));
        assert_eq!(liquidity_rating(Some(99), &mut w), None);
        assert_eq!(liquidity_rating(Some(-1), &mut w), None);
        assert_eq!(liquidity_rating(Some(5), &mut w), Some(5));
        assert_eq!(liquidity_rating(Some(0), &mut w), Some(0));
        assert_eq!(price("price", Some(-3.0), &mut w), None);
        assert_eq!(price("price", Some(f64::INFINITY), &mut w), None);
        assert_eq!(price("price", Some(12.5), &mut w), Some(12.5));
        let fields: Vec<&str> = w.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "iv_rank",
                "iv_percentile",
                "liquidity_rating",
                "liquidity_rating",
                "price",
                "price"
            ]
        );
    }

    #[test]
    fn quotes() {
        let mut w = Vec::new();
        assert_eq!(
            quote("call", Some(1.0), Some(1.2), &mut w),
            Some((Some(1.0), Some(1.2)))
        );
        assert_eq!(
            quote("call", Some(0.0), None, &mut w),
            Some((Some(0.0), None))
        );
        assert!(w.is_empty());
        assert_eq!(quote("call", Some(1.3), Some(1.2), &mut w), None);
        assert_eq!(quote("put", Some(-1.0), Some(1.2), &mut w), None);
        assert_eq!(quote("put", Some(1.0), Some(f64::NAN), &mut w), None);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].field, "call.bid");
    }

    #[test]
    fn hv_zero_and_above_five_are_broken() {
        let mut w = Vec::new();
        assert_eq!(hv("hv20", Some(0.3), &mut w), Some(0.3));
        assert_eq!(hv("hv20", Some(0.0), &mut w), None);
        assert_eq!(hv("hv30", Some(24.9), &mut w), None);
        assert_eq!(hv("hv90", None, &mut w), None);
        assert_eq!(w.len(), 2);
        assert!(w[0].rule.contains("constant closes"));
    }

    #[test]
    fn candles_after_the_as_of_session_are_dropped() {
        let mut w = Vec::new();
        let c = vec![
            bar("2026-11-18", 10.0),
            bar("2026-11-19", 10.1),
            bar("2026-11-20", 10.2),
            bar("2026-11-23", 99.0),
        ];
        let kept = candles(c, d("2026-11-20"), &mut w);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[2].close, 10.2);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].value["date"], "2026-11-23");
    }

    #[test]
    fn a_broken_candle_cuts_the_history_there() {
        let mut w = Vec::new();
        let mut c: Vec<Candle> = (1..=9)
            .map(|k| bar(&format!("2026-11-0{k}"), 10.0 + k as f64))
            .collect();
        c[4].close = 1e308; // above its high
        c.reverse(); // newest first, as snapshots arrive
        let kept = candles(c, d("2026-11-10"), &mut w);
        assert_eq!(kept.len(), 4);
        assert_eq!(kept[0].time, d("2026-11-06").epoch_ms());
        assert_eq!(w.len(), 1);
        assert!(w[0].rule.starts_with("close above high"));
        let mut w = Vec::new();
        let mut c = vec![bar("2026-11-02", 10.0), bar("2026-11-03", 10.0)];
        c[1].close = f64::NAN;
        assert!(candles(c, d("2026-11-10"), &mut w).is_empty());
        // NaN open/high/low are tolerated (HV uses closes); a close within them is consistent.
        let mut w = Vec::new();
        let mut c = vec![bar("2026-11-02", 10.0)];
        c[0].open = f64::NAN;
        c[0].high = f64::NAN;
        assert_eq!(candles(c, d("2026-11-03"), &mut w).len(), 1);
        assert!(w.is_empty());
    }

    #[test]
    fn roots_and_streamer_symbols_of_another_underlying_are_refused() {
        assert!(root_of("A", AssetClass::Equity, "A"));
        assert!(!root_of("A", AssetClass::Equity, "AA"));
        assert!(root_of("AAPL", AssetClass::Equity, "AAPL1"));
        assert!(root_of("SPX", AssetClass::Index, "SPXW"));
        assert!(!root_of("SPY", AssetClass::Etf, "SPYW"));
        assert!(root_of("BRK/B", AssetClass::Equity, "BRKB"));
        let exp = |root: &str, opt_root: Option<&str>| Expiration {
            date: "2027-01-15".parse().unwrap(),
            dte: None,
            expiration_type: None,
            settlement: None,
            root_symbol: Some(root.into()),
            option_root_symbol: opt_root.map(Into::into),
            chain_type: None,
            shares_per_contract: None,
            underlying_symbol: None,
            strikes: Vec::new(),
        };
        let a = exp("A", None);
        assert!(streamer_matches(&a, AssetClass::Equity, ".A270115C25"));
        assert!(!streamer_matches(&a, AssetClass::Equity, ".AA270115C25"));
        assert!(!streamer_matches(&a, AssetClass::Equity, ".A27011C25"));
        let es = exp("/ES", Some("EW4"));
        assert!(streamer_matches(
            &es,
            AssetClass::Future,
            "./EW4N23C3990:XCME"
        ));
        assert!(!streamer_matches(
            &es,
            AssetClass::Future,
            "./EW4AN23C3990:XCME"
        ));
        assert!(!streamer_matches(
            &es,
            AssetClass::Future,
            "./E1AN23C3990:XCME"
        ));
    }

    #[test]
    fn a_history_that_ended_long_ago_is_stale() {
        let mut w = Vec::new();
        let c = vec![bar("2026-08-31", 10.0), bar("2026-09-01", 10.1)];
        assert!(candles(c, d("2026-11-20"), &mut w).is_empty());
        assert!(w[0].rule.contains("stale"), "{w:?}");
        // Thanksgiving: Wednesday's candle on the following Monday is 5 days old, fine.
        let mut w = Vec::new();
        let c = vec![bar("2026-11-24", 10.0), bar("2026-11-25", 10.1)];
        assert_eq!(candles(c, d("2026-11-30"), &mut w).len(), 2);
        assert!(w.is_empty());
    }

    #[test]
    fn chains_of_another_underlying_are_refused() {
        assert!(same_underlying("AAPL", AssetClass::Equity, "AAPL"));
        assert!(same_underlying("BRK/B", AssetClass::Equity, "BRK/B"));
        assert!(!same_underlying("AMZN", AssetClass::Equity, "AAPL"));
        assert!(same_underlying("/ES", AssetClass::Future, "/ES"));
        assert!(same_underlying("/ES", AssetClass::Future, "/ESZ6"));
        assert!(same_underlying("/ES", AssetClass::Future, "/ESZ26"));
        assert!(!same_underlying("/ES", AssetClass::Future, "/NQZ6"));
        assert!(!same_underlying("/E", AssetClass::Future, "/ESZ6"));
    }
}
