//! Option quotes over DXLink: the per-symbol result of [`super::CandlePool::quotes`], one `Quote`
//! event (best bid and offer) per streamer symbol (`.AAPL261218C200`, `./EW4N23C3990:XCME`), with
//! DXLink's NaN prices and sizes turned into `None`.

use super::decode::QuoteEvent;
use super::error::QuoteError;

/// The first Quote event of one streamer symbol. `None` where the event carried NaN (no bid, no
/// ask) or lacked the field.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OptionQuote {
    pub bid: Option<f64>,
    pub ask: Option<f64>,
    pub bid_size: Option<f64>,
    pub ask_size: Option<f64>,
}

impl OptionQuote {
    /// The midpoint, when both sides are quoted.
    pub fn mid(&self) -> Option<f64> {
        Some((self.bid? + self.ask?) / 2.0)
    }
}

impl From<&QuoteEvent> for OptionQuote {
    fn from(e: &QuoteEvent) -> OptionQuote {
        let finite = |v: f64| v.is_finite().then_some(v);
        OptionQuote {
            bid: finite(e.bid_price),
            ask: finite(e.ask_price),
            bid_size: finite(e.bid_size),
            ask_size: finite(e.ask_size),
        }
    }
}

/// One streamer symbol's result.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteOutcome {
    /// The streamer symbol exactly as requested.
    pub symbol: String,
    pub result: Result<OptionQuote, QuoteError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_becomes_none() {
        let e = QuoteEvent {
            symbol: ".AAPL261218C200".into(),
            bid_price: 1.25,
            ask_price: f64::NAN,
            bid_size: 10.0,
            ask_size: f64::INFINITY,
        };
        let q = OptionQuote::from(&e);
        assert_eq!(q.bid, Some(1.25));
        assert_eq!((q.ask, q.ask_size), (None, None));
        assert_eq!(q.bid_size, Some(10.0));
        assert_eq!(q.mid(), None);
        let both = OptionQuote {
            ask: Some(1.75),
            ..q
        };
        assert_eq!(both.mid(), Some(1.5));
    }
}
