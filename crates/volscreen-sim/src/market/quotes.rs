//! Quotes as `/market-data/by-type` reports them: underlyings from their last candles (bid/ask
//! around the close, wider as liquidity falls; indices without bid/ask), and options priced with
//! Black–Scholes (Black-76 for futures options) at the expiration's skewed IV.

use super::options;
use super::Quote;
use volscreen_core::candle::Candle;
use volscreen_core::symbol::AssetClass;

/// Epoch ms of the close of a session (21:00 UTC).
pub fn close_ms(session_ms: i64) -> i64 {
    session_ms + 21 * 3_600_000
}

fn round_to(x: f64, tick: f64) -> f64 {
    options::clean((x / tick).round() * tick)
}

/// The quote of an underlying from its candles (`None` without candles).
pub fn underlying_quote(
    symbol: &str,
    class: AssetClass,
    rating: Option<u8>,
    tick: f64,
    candles: &[Candle],
) -> Option<Quote> {
    let last = candles.last()?;
    let prev = candles.len().checked_sub(2).map(|i| candles[i].close);
    let year = &candles[candles.len().saturating_sub(252)..];
    let year_low = year.iter().map(|c| c.low).fold(f64::INFINITY, f64::min);
    let year_high = year
        .iter()
        .map(|c| c.high)
        .fold(f64::NEG_INFINITY, f64::max);
    let close = last.close;
    let (bid, ask, instrument_type) = match class {
        AssetClass::Index => (None, None, "Index"),
        AssetClass::Future => {
            let bid = round_to(close - tick, tick);
            (Some(bid), Some(round_to(close + tick, tick)), "Future")
        }
        AssetClass::Equity | AssetClass::Etf => {
            let frac = match rating {
                Some(5) => 0.00004,
                Some(4) => 0.0001,
                Some(3) => 0.0004,
                Some(2) => 0.0012,
                _ => 0.003,
            };
            let half = (close * frac).max(0.005);
            let bid = ((close - half) / 0.01).floor() * 0.01;
            let mut ask = ((close + half) / 0.01).ceil() * 0.01;
            if ask - bid < 0.0099 {
                ask = bid + 0.01;
            }
            (
                Some(options::clean(bid.max(0.01))),
                Some(options::clean(ask)),
                "Equity",
            )
        }
    };
    let mid = match (bid, ask) {
        (Some(b), Some(a)) => Some(options::clean((b + a) / 2.0)),
        _ => None,
    };
    Some(Quote {
        symbol: symbol.to_string(),
        instrument_type,
        bid,
        ask,
        mid,
        mark: mid.or(Some(close)),
        last: Some(close),
        open: Some(last.open),
        day_high: Some(last.high),
        day_low: Some(last.low),
        close: Some(close),
        prev_close: prev,
        volume: (class != AssetClass::Index).then_some(last.volume),
        year_low: Some(year_low),
        year_high: Some(year_high),
        updated_at_ms: close_ms(last.time),
    })
}

/// What an option quote needs to know.
pub struct OptionInputs<'a> {
    pub symbol: &'a str,
    pub future: bool,
    pub call: bool,
    pub underlying_price: f64,
    pub strike: f64,
    pub years: f64,
    pub atm_iv: f64,
    pub rating: Option<u8>,
    /// Price increment (futures options: the product's; `None`: the equity option ticks).
    pub tick: Option<f64>,
    pub updated_at_ms: i64,
}

/// The model price of an option.
pub fn option_price(i: &OptionInputs) -> f64 {
    let vol = options::skewed_vol(i.atm_iv, i.underlying_price, i.strike, i.years);
    let model = if i.future {
        options::black76
    } else {
        options::black_scholes
    };
    model(
        i.call,
        i.underlying_price,
        i.strike,
        i.years,
        options::RATE,
        vol,
    )
}

/// The quote of an option.
pub fn option_quote(i: &OptionInputs) -> Quote {
    let price = option_price(i);
    let (bid, ask) = options::option_bid_ask(price, i.rating, i.tick);
    let last_tick = i.tick.unwrap_or(0.01);
    let mid = options::clean((bid + ask) / 2.0);
    // Contracts traded today: more near the money, more for liquid names.
    let moneyness = ((i.strike / i.underlying_price).ln().abs()
        / (i.atm_iv * i.years.sqrt()).max(1e-6))
    .min(6.0);
    let volume =
        (f64::from(i.rating.unwrap_or(0)).powi(3) * 40.0 * (-0.5 * moneyness * moneyness).exp())
            .round();
    Quote {
        symbol: i.symbol.to_string(),
        instrument_type: if i.future {
            "Future Option"
        } else {
            "Equity Option"
        },
        bid: Some(bid),
        ask: Some(ask),
        mid: Some(mid),
        mark: Some(mid),
        last: Some(options::clean((price / last_tick).round() * last_tick)),
        open: None,
        day_high: None,
        day_low: None,
        close: Some(mid),
        prev_close: None,
        volume: Some(volume),
        year_low: None,
        year_high: None,
        updated_at_ms: i.updated_at_ms,
    }
}
