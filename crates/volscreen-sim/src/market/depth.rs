//! Top-of-book sizes of a quote (`bid-size`, `ask-size`): how much stands at the bid and the ask
//! when the market's quote was taken (the session's close).
//!
//! Sizes follow the day's volume, so they grow with liquidity: equities and ETFs quote round lots
//! (1 to about 25 as the volume goes from thin to the busiest names, as the recorded by-type rows
//! show after the close), futures contracts 1 to about 40, options contracts 1 to several hundred
//! (near the money on liquid names). Indices have no book: both sizes are 0. Each size is drawn by
//! hash of the instrument and the quote's session, so it is stable for a date and differs across
//! dates; `Market::quote` puts them in the [`Quote`], where the REST rows and the DXLink `Quote`
//! events read them.

use super::Quote;
use crate::rng::unit;
use volscreen_core::date::Date;

/// Most a size can be, by kind.
const MAX_LOTS: f64 = 25.0;
const MAX_FUTURES: f64 = 40.0;
const MAX_OPTIONS: f64 = 800.0;

/// The (bid, ask) sizes of `q`, whole numbers ≥ 1 (both 0 for an index or a quote without a
/// bid and an ask), drawn by hash of `instrument` (the quoted instrument's one name, whatever
/// form `q.symbol` names it in) and the quote's session.
pub fn quote_sizes(instrument: &str, q: &Quote) -> (f64, f64) {
    if q.bid.is_none() || q.ask.is_none() || q.instrument_type == "Index" {
        return (0.0, 0.0);
    }
    let volume = q.volume.unwrap_or(0.0).max(0.0);
    let depth = match q.instrument_type {
        "Equity Option" | "Future Option" => (volume / 8.0).clamp(1.0, MAX_OPTIONS),
        // Futures: 1 contract below about 400 a day, the most (40) from 100k.
        "Future" => ((volume.max(1.0).log10() - 2.5) * 16.0).clamp(1.0, MAX_FUTURES),
        // Equities and ETFs: 1 lot below about 130k shares a day, the most (25) from 130M.
        _ => ((volume.max(1.0).log10() - 5.0) * 8.0).clamp(1.0, MAX_LOTS),
    };
    let session = Date::from_epoch_ms(q.updated_at_ms).to_string();
    let draw = |side: &str| {
        let u = unit(instrument, &format!("{side}-size {session}"));
        (1.0 + u * depth).floor()
    };
    (draw("bid"), draw("ask"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(symbol: &str, kind: &'static str, volume: Option<f64>) -> Quote {
        Quote {
            symbol: symbol.into(),
            instrument_type: kind,
            bid: Some(10.0),
            ask: Some(10.01),
            mid: Some(10.005),
            mark: Some(10.005),
            last: Some(10.0),
            open: None,
            day_high: None,
            day_low: None,
            close: Some(10.0),
            prev_close: Some(9.9),
            volume,
            year_low: None,
            year_high: None,
            bid_size: 0.0,
            ask_size: 0.0,
            updated_at_ms: 1_700_000_000_000,
        }
    }

    /// Average size over many symbols of one kind and volume.
    fn mean(kind: &'static str, volume: f64) -> f64 {
        let n = 400;
        (0..n)
            .map(|i| {
                let (b, a) = quote_sizes(
                    &format!("S{i}"),
                    &quote(&format!("S{i}"), kind, Some(volume)),
                );
                assert!(b >= 1.0 && a >= 1.0 && b.fract() == 0.0 && a.fract() == 0.0);
                b + a
            })
            .sum::<f64>()
            / (2 * n) as f64
    }

    #[test]
    fn sizes_grow_with_liquidity() {
        assert!(mean("Equity", 5e7) > 3.0 * mean("Equity", 3e5));
        assert!(mean("Equity", 5e7) <= MAX_LOTS + 1.0);
        assert!(mean("Equity Option", 5000.0) > 20.0 * mean("Equity Option", 40.0));
        assert!(mean("Future", 1e6) > 3.0 * mean("Future", 500.0));
    }

    #[test]
    fn indices_have_no_book_and_draws_are_stable() {
        assert_eq!(quote_sizes("SPX", &quote("SPX", "Index", None)), (0.0, 0.0));
        let mut q = quote("AAPL", "Equity", Some(4e7));
        q.bid = None;
        assert_eq!(quote_sizes("AAPL", &q), (0.0, 0.0));
        let q = quote("AAPL", "Equity", Some(4e7));
        assert_eq!(quote_sizes("AAPL", &q), quote_sizes("AAPL", &q.clone()));
        let sizes: std::collections::BTreeSet<u64> = (0..30)
            .map(|d| {
                let mut x = q.clone();
                x.updated_at_ms += d * 86_400_000;
                quote_sizes("AAPL", &x).0 as u64
            })
            .collect();
        assert!(sizes.len() > 3, "sizes vary across sessions: {sizes:?}");
    }
}
