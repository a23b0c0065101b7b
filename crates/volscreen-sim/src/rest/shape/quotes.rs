//! `/market-data/by-type` rows: the model's [`Quote`] on the wire.
//!
//! Prices and volume are strings; fields the model leaves empty are omitted (no `close` intraday,
//! no bid/ask for an index); `is-trading-halted` and the halt times are present as in the recorded
//! responses (`false`, `-1`).

use super::{num, timestamp, Row};
use crate::market::Quote;
use serde_json::Value;
use volscreen_core::date::Date;

/// Fields the `missing` fault never drops from a quote row.
pub const REQUIRED: &[&str] = &["symbol", "instrument-type", "updated-at"];

/// Decimals of price strings.
const PRICE: usize = 4;

/// One `data.items` row of `/market-data/by-type`.
pub fn row(q: &Quote) -> Value {
    let price = |v: Option<f64>| v.and_then(|p| num(p, PRICE));
    let summary_date = Date::from_epoch_ms(q.updated_at_ms).to_string();
    Row::new()
        .set("symbol", q.symbol.as_str())
        .set("instrument-type", q.instrument_type)
        .set("updated-at", timestamp(q.updated_at_ms))
        .opt("bid", price(q.bid))
        .opt("ask", price(q.ask))
        .opt("mid", price(q.mid))
        .opt("mark", price(q.mark))
        .opt("last", price(q.last))
        .opt("open", price(q.open))
        .opt("day-high-price", price(q.day_high))
        .opt("day-low-price", price(q.day_low))
        .opt("close", price(q.close))
        .opt("close-price-type", q.close.map(|_| Value::from("Final")))
        .opt("prev-close", price(q.prev_close))
        .opt(
            "prev-close-price-type",
            q.prev_close.map(|_| Value::from("Final")),
        )
        .set("summary-date", summary_date)
        .set("is-trading-halted", false)
        .set("halt-start-time", -1)
        .set("halt-end-time", -1)
        .opt("year-low-price", price(q.year_low))
        .opt("year-high-price", price(q.year_high))
        .opt("volume", q.volume.and_then(|v| num(v, 1)))
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_omitted_fields() {
        let q = Quote {
            symbol: "SPX".into(),
            instrument_type: "Index",
            bid: None,
            ask: None,
            mid: None,
            mark: Some(5000.25),
            last: Some(5000.25),
            open: Some(4990.0),
            day_high: Some(5010.5),
            day_low: Some(4980.0),
            close: None,
            prev_close: Some(4995.0),
            volume: None,
            year_low: Some(4000.0),
            year_high: Some(5100.0),
            updated_at_ms: 1_700_000_000_000,
        };
        let r = row(&q);
        assert_eq!(r["mark"], "5000.25");
        assert_eq!(r["open"], "4990.0");
        assert!(r.get("bid").is_none() && r.get("close").is_none());
        assert_eq!(r["is-trading-halted"], false);
        assert_eq!(r["instrument-type"], "Index");
    }
}
