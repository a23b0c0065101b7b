//! `/market-data/by-type` rows: the model's [`Quote`] (and its [`QuoteExtras`]) on the wire.
//!
//! Every field the real service sends (the recorded `market-data-by-type.json`): prices, sizes and
//! volume are strings; `summary-date` is the quote's session and `prev-close-date` the session
//! before it; `close-price-type` and `prev-close-price-type` are always present (`Final`, or
//! `Unknown` when there is no such price), as are `bid-size` and `ask-size` (`"0.0"` for an index),
//! `is-trading-halted` and the halt times (`false`, `-1`): the official Python SDK requires them.
//! Equity and ETF rows (instrument type `Equity`) add `beta`, the limit-up/limit-down band
//! (`low-limit-price`, `high-limit-price`) and, for dividend payers, `dividend-amount` and
//! `dividend-frequency`. Prices the model does not have are omitted (no bid/ask for an index, no
//! open or 52-week range for an option).

use super::{num, timestamp, Row};
use crate::market::Quote;
use serde_json::Value;
use volscreen_core::date::Date;

/// Fields the `missing` fault never drops from a quote row: the identity, and what the real
/// service always sends (the official Python SDK's required fields).
pub const REQUIRED: &[&str] = &[
    "symbol",
    "instrument-type",
    "updated-at",
    "bid-size",
    "ask-size",
    "close-price-type",
    "summary-date",
    "prev-close-date",
    "prev-close-price-type",
    "halt-start-time",
    "halt-end-time",
];

/// Decimals of price strings: enough for the finest ticks (/6J 0.0000005, 6E options 0.00005;
/// the market's prices sit on a 1e-7 grid), trailing zeros trimmed (`"210.14"`).
const PRICE: usize = 7;

/// What a by-type row says beyond the market's quote (whose top-of-book sizes are the ones a
/// DXLink `Quote` event of the instrument carries).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteExtras {
    /// The session before the quote's.
    pub prev_close_date: Date,
    /// Equities and ETFs: beta against SPY.
    pub beta: Option<f64>,
    /// Dividend payers: (cash per payment, payments per year).
    pub dividend: Option<(f64, u32)>,
}

/// The limit-up/limit-down band around a reference price: ±10 % at $3 and above, ±20 % from
/// $0.75, else ±$0.15 (the LULD percentages outside the first and last quarter hour).
pub fn luld_band(reference: f64) -> Option<(f64, f64)> {
    if !reference.is_finite() || reference <= 0.0 {
        return None;
    }
    let (lo, hi) = if reference >= 3.0 {
        (reference * 0.9, reference * 1.1)
    } else if reference >= 0.75 {
        (reference * 0.8, reference * 1.2)
    } else {
        (reference - 0.15, reference + 0.15)
    };
    let cents = |x: f64, up: bool| {
        let c = x * 100.0;
        // Round away from the reference, ignoring float noise.
        (if up {
            (c - 1e-6).ceil()
        } else {
            (c + 1e-6).floor()
        }) / 100.0
    };
    Some((cents(lo, false).max(0.01), cents(hi, true)))
}

/// One `data.items` row of `/market-data/by-type`.
pub fn row(q: &Quote, x: &QuoteExtras) -> Value {
    let price = |v: Option<f64>| v.and_then(|p| num(p, PRICE));
    let summary_date = Date::from_epoch_ms(q.updated_at_ms).to_string();
    let price_type = |v: Option<f64>| if v.is_some() { "Final" } else { "Unknown" };
    let equity = q.instrument_type == "Equity";
    let band = q.close.or(q.last).and_then(luld_band).filter(|_| equity);
    Row::new()
        .set("symbol", q.symbol.as_str())
        .set("instrument-type", q.instrument_type)
        .set("updated-at", timestamp(q.updated_at_ms))
        .opt("bid", price(q.bid))
        .opt("bid-size", num(q.bid_size, 1))
        .opt("ask", price(q.ask))
        .opt("ask-size", num(q.ask_size, 1))
        .opt("mid", price(q.mid))
        .opt("mark", price(q.mark))
        .opt("last", price(q.last))
        // The last regular-session trade: the model has no extended hours.
        .opt("last-mkt", price(q.last))
        .opt("beta", x.beta.filter(|_| equity).and_then(|b| num(b, 9)))
        .opt("dividend-amount", x.dividend.and_then(|d| num(d.0, 4)))
        .opt(
            "dividend-frequency",
            x.dividend.and_then(|d| num(f64::from(d.1), 1)),
        )
        .opt("open", price(q.open))
        .opt("day-high-price", price(q.day_high))
        .opt("day-low-price", price(q.day_low))
        .opt("close", price(q.close))
        .set("close-price-type", price_type(q.close))
        .opt("prev-close", price(q.prev_close))
        .set("prev-close-price-type", price_type(q.prev_close))
        .set("summary-date", summary_date)
        .set("prev-close-date", x.prev_close_date.to_string())
        .opt("low-limit-price", band.and_then(|b| num(b.0, 2)))
        .opt("high-limit-price", band.and_then(|b| num(b.1, 2)))
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

    fn index_quote() -> Quote {
        Quote {
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
            bid_size: 0.0,
            ask_size: 0.0,
            updated_at_ms: 1_700_000_000_000,
        }
    }

    fn extras() -> QuoteExtras {
        QuoteExtras {
            prev_close_date: Date::from_ymd(2023, 11, 13).unwrap(),
            beta: Some(1.2),
            dividend: None,
        }
    }

    #[test]
    fn strings_and_omitted_fields() {
        let r = row(&index_quote(), &extras());
        assert_eq!(r["mark"], "5000.25");
        assert_eq!(r["open"], "4990.0");
        assert!(r.get("bid").is_none() && r.get("close").is_none());
        assert_eq!(r["close-price-type"], "Unknown");
        assert_eq!(r["prev-close-price-type"], "Final");
        assert_eq!(r["bid-size"], "0.0");
        assert_eq!(r["summary-date"], "2023-11-14");
        assert_eq!(r["prev-close-date"], "2023-11-13");
        assert_eq!(r["is-trading-halted"], false);
        assert_eq!(r["instrument-type"], "Index");
        // Beta and the LULD band belong to equity rows only.
        assert!(r.get("beta").is_none() && r.get("low-limit-price").is_none());
    }

    #[test]
    fn equity_rows_carry_beta_band_and_dividend() {
        let mut q = index_quote();
        q.instrument_type = "Equity";
        q.symbol = "KO".into();
        q.close = Some(70.0);
        let mut x = extras();
        x.dividend = Some((0.51, 4));
        q.bid_size = 3.0;
        let r = row(&q, &x);
        assert_eq!(r["beta"], "1.2");
        assert_eq!(r["dividend-amount"], "0.51");
        assert_eq!(r["dividend-frequency"], "4.0");
        assert_eq!(r["low-limit-price"], "63.0");
        assert_eq!(r["high-limit-price"], "77.0");
        assert_eq!(r["bid-size"], "3.0");
        assert_eq!(r["close-price-type"], "Final");
        assert_eq!(r["last-mkt"], r["last"]);
    }

    #[test]
    fn luld_bands_by_price() {
        assert_eq!(luld_band(210.14), Some((189.12, 231.16)));
        assert_eq!(luld_band(2.0), Some((1.6, 2.4)));
        assert_eq!(luld_band(0.5), Some((0.35, 0.65)));
        assert_eq!(luld_band(0.1), Some((0.01, 0.25)));
        assert_eq!(luld_band(f64::NAN), None);
        assert_eq!(luld_band(0.0), None);
    }
}
