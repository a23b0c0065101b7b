//! Quotes as `/market-data/by-type` reports them: underlyings from their last candles (bid/ask
//! around the close, wider as liquidity falls; indices without bid/ask), and options priced with
//! Black–Scholes (Black-76 for futures options) at the expiration's skewed IV, quoted on the
//! exchange's tick with a width set by the underlying's spread tier (its liquidity rating, raised
//! for the busiest option markets); see [`Quoting`].

use super::options;
use super::{Quote, TickSize};
use volscreen_core::candle::Candle;
use volscreen_core::symbol::AssetClass;

/// Epoch ms of the close of a session (21:00 UTC).
pub fn close_ms(session_ms: i64) -> i64 {
    session_ms + 21 * 3_600_000
}

fn round_to(x: f64, tick: f64) -> f64 {
    options::clean((x / tick).round() * tick)
}

/// What an underlying's quote needs of its candles: the last session, the close before it and
/// the year's range. A few dozen bytes instead of a series' ~42 KB, so the market can keep one
/// for every symbol a scan touches and quote it without generating its path again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    pub last: Candle,
    pub prev_close: Option<f64>,
    pub year_low: f64,
    pub year_high: f64,
}

impl Tail {
    /// The tail of `candles` (ascending); `None` without candles.
    pub fn of(candles: &[Candle]) -> Option<Tail> {
        let last = *candles.last()?;
        let prev_close = candles.len().checked_sub(2).map(|i| candles[i].close);
        let year = &candles[candles.len().saturating_sub(252)..];
        Some(Tail {
            last,
            prev_close,
            year_low: year.iter().map(|c| c.low).fold(f64::INFINITY, f64::min),
            year_high: year
                .iter()
                .map(|c| c.high)
                .fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// The quote of an underlying from the tail of its candles ([`Tail::of`]).
pub fn underlying_quote(
    symbol: &str,
    class: AssetClass,
    rating: Option<u8>,
    tick: f64,
    tail: &Tail,
) -> Option<Quote> {
    let Tail {
        last,
        prev_close: prev,
        year_low,
        year_high,
    } = *tail;
    let close = last.close;
    let (bid, ask, instrument_type) = match class {
        AssetClass::Index => (None, None, "Index"),
        AssetClass::Future => {
            let bid = round_to(close - tick, tick);
            (Some(bid), Some(round_to(close + tick, tick)), "Future")
        }
        AssetClass::Equity | AssetClass::Etf => {
            // Half-spread as a fraction of the price, by spread tier.
            let frac = [0.003, 0.002, 0.0008, 0.0002, 0.00005, 0.00002, 0.000005]
                [spread_tier(symbol, rating)];
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
        // Set by the market ([`super::depth::quote_sizes`]).
        bid_size: 0.0,
        ask_size: 0.0,
        updated_at_ms: close_ms(last.time),
    })
}

/// Spread tiers 0 (no rating) to 5 follow the liquidity rating; these names quote at least as
/// tightly as tier 6 (the tightest option markets there are) ...
const TIER_6: &[&str] = &["SPY", "QQQ", "IWM", "/ES", "/MES"];
/// ... or tier 5 (the mega caps, the S&P 500 index and the main futures), whatever their rating.
const TIER_5: &[&str] = &[
    "SPX", "XSP", "NDX", "DIA", "GLD", "TLT", "SLV", "EEM", "XLF", "HYG", "AAPL", "MSFT", "NVDA",
    "AMZN", "META", "GOOGL", "GOOG", "TSLA", "AMD", "NFLX", "AVGO", "/NQ", "/MNQ", "/CL", "/GC",
    "/ZB", "/ZN", "/6E",
];

/// The spread tier of an underlying: its liquidity rating (0 when unrated), raised to the floor
/// of [`TIER_6`] and [`TIER_5`] names.
pub fn spread_tier(symbol: &str, rating: Option<u8>) -> usize {
    let floor = if TIER_6.contains(&symbol) {
        6
    } else if TIER_5.contains(&symbol) {
        5
    } else {
        0
    };
    usize::from(rating.unwrap_or(0).min(5)).max(floor)
}

/// Quoted width of an option worth `p`, by spread tier: `FIXED_UNITS` minimum price units (a
/// cent for equity options, the low tick for futures options) plus `REL` × `p`, then rounded to
/// whole ticks (at least one).
const FIXED_UNITS: [f64; 7] = [10.0, 10.0, 6.0, 4.0, 3.0, 2.0, 1.0];
const REL: [f64; 7] = [0.10, 0.08, 0.05, 0.025, 0.011, 0.005, 0.0015];

/// How an underlying's options are quoted: the tick (`tick_below` for premiums under
/// `threshold`, else `tick_above`) and the width `fixed + rel × premium` before rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quoting {
    pub tick_below: f64,
    pub tick_above: f64,
    pub threshold: f64,
    pub fixed: f64,
    pub rel: f64,
}

impl Quoting {
    /// The tick of a premium.
    pub fn tick(&self, premium: f64) -> f64 {
        if premium < self.threshold {
            self.tick_below
        } else {
            self.tick_above
        }
    }

    /// The tick sizes a chain declares for these quotes (its `tick-sizes`): one rule when the
    /// tick is the same at every premium, else the low tick under the threshold and the high one
    /// from it.
    pub fn tick_sizes(&self) -> Vec<TickSize> {
        if self.tick_below == self.tick_above {
            vec![TickSize {
                value: self.tick_below,
                threshold: None,
            }]
        } else {
            vec![
                TickSize {
                    value: self.tick_below,
                    threshold: Some(self.threshold),
                },
                TickSize {
                    value: self.tick_above,
                    threshold: None,
                },
            ]
        }
    }
}

/// Cash indices (and VIX): options tick 0.05 under $3, 0.10 above.
const NICKEL_DIME_INDICES: &[&str] = &["SPX", "NDX", "RUT", "DJX", "OEX", "XEO", "VIX"];
/// Penny everywhere: $0.01 at every premium.
const ALL_PENNY: &[&str] = &["SPY", "QQQ", "IWM"];

/// Quoting of an equity, ETF or index option. Ticks follow the penny program: $0.01 everywhere
/// for SPY, QQQ and IWM; $0.01 under $3 and $0.05 above for the penny classes (tier 3 and up);
/// $0.05 under $3 and $0.10 above for the rest and for the cash indices.
pub fn equity_quoting(symbol: &str, rating: Option<u8>) -> Quoting {
    let tier = spread_tier(symbol, rating);
    let (tick_below, tick_above) = if ALL_PENNY.contains(&symbol) {
        (0.01, 0.01)
    } else if NICKEL_DIME_INDICES.contains(&symbol) || tier < 3 {
        (0.05, 0.10)
    } else {
        (0.01, 0.05)
    };
    Quoting {
        tick_below,
        tick_above,
        threshold: 3.0,
        fixed: FIXED_UNITS[tier] * 0.01,
        rel: REL[tier],
    }
}

/// Quoting of a futures option: the product's tick, except the equity-index options (0.05 under
/// 5 points, 0.25 above; Russell 0.10, Dow 1), the bond options (1/64) and the grain options
/// (1/8 cent). The fixed part of the width is at most 3 low ticks.
pub fn futures_quoting(code: &str, product_tick: f64, rating: Option<u8>) -> Quoting {
    let tier = spread_tier(&format!("/{code}"), rating);
    let tick = if product_tick.is_finite() && product_tick > 0.0 {
        product_tick
    } else {
        0.01
    };
    let (tick_below, tick_above) = match code {
        "ES" | "MES" | "NQ" | "MNQ" => (0.05, 0.25),
        "RTY" | "M2K" => (0.05, 0.1),
        "YM" | "MYM" => (1.0, 1.0),
        "ZB" => (1.0 / 64.0, 1.0 / 64.0),
        "ZC" | "ZS" | "ZW" => (0.125, 0.125),
        _ => (tick, tick),
    };
    Quoting {
        tick_below,
        tick_above,
        threshold: 5.0,
        // Futures option markets are a few ticks wide at most, however coarse the tick.
        fixed: FIXED_UNITS[tier].min(3.0) * tick_below,
        rel: REL[tier],
    }
}

/// Bid and ask around a model option price: `n` whole ticks wide (the quoting's width rounded,
/// at least one), centred on the price as closely as the tick allows. Each side is on the tick
/// that applies at its own price, as the exchanges require (and as the chain's `tick-sizes`
/// declare): a side at or above the threshold is moved outward onto the high tick, so a quote
/// straddling the threshold is at most one high tick wider. Always `0 ≤ bid < ask`.
pub fn option_bid_ask(price: f64, q: &Quoting) -> (f64, f64) {
    let price = if price.is_finite() {
        price.max(0.0)
    } else {
        0.0
    };
    let tick = q.tick(price);
    let n = ((q.fixed + q.rel * price) / tick).round().max(1.0);
    let bid = ((price - 0.5 * n * tick) / tick).round() * tick;
    // Never a negative (or negative-zero) bid.
    let bid = if bid > 0.0 { bid } else { 0.0 };
    let ask = bid + n * tick;
    // Ticks are decimal multiples of each other (0.01/0.05, 0.05/0.10, 0.05/0.25 ...) and the
    // thresholds multiples of the high tick: the nudges keep float noise from moving a price
    // that is on the grid already.
    let high = |x: f64| x >= q.threshold - 1e-9 && q.tick_above != q.tick_below;
    let bid = if high(bid) {
        ((bid / q.tick_above) + 1e-9).floor() * q.tick_above
    } else {
        bid
    };
    let ask = if high(ask) {
        ((ask / q.tick_above) - 1e-9).ceil() * q.tick_above
    } else {
        ask
    };
    (options::clean(bid), options::clean(ask))
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
    /// Ticks and width of the quote.
    pub quoting: Quoting,
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
    let (bid, ask) = option_bid_ask(price, &i.quoting);
    let last_tick = i.quoting.tick(price);
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
        // Set by the market ([`super::depth::quote_sizes`]).
        bid_size: 0.0,
        ask_size: 0.0,
        updated_at_ms: i.updated_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(price: f64, q: &Quoting) -> f64 {
        let (b, a) = option_bid_ask(price, q);
        a - b
    }

    #[test]
    fn spreads_widen_with_price_and_as_liquidity_falls() {
        for p in [0.2, 1.0, 2.5, 4.0, 12.0, 60.0, 300.0] {
            let widths: Vec<f64> = [None, Some(1), Some(2), Some(3), Some(4), Some(5)]
                .iter()
                .map(|r| width(p, &equity_quoting("YXYX", *r)))
                .collect();
            assert!(
                widths.windows(2).all(|w| w[1] <= w[0] + 1e-9),
                "{p}: {widths:?}"
            );
            assert!(widths[0] > widths[5], "{p}: {widths:?}");
        }
        for r in [None, Some(2), Some(5)] {
            let q = equity_quoting("YXYX", r);
            let ws: Vec<f64> = [0.5, 2.0, 8.0, 40.0, 200.0]
                .iter()
                .map(|p| width(*p, &q))
                .collect();
            assert!(ws.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{r:?}: {ws:?}");
        }
        // SPY's ATM option near $12 is a few cents wide; a thin name's $1.50 option 10 % or more.
        let spy = option_bid_ask(12.345, &equity_quoting("SPY", Some(4)));
        assert!(spy.1 - spy.0 <= 0.031 && spy.1 - spy.0 >= 0.009, "{spy:?}");
        let (b, a) = option_bid_ask(1.5, &equity_quoting("YXYX", Some(1)));
        assert!((a - b) / ((a + b) / 2.0) >= 0.1, "{b} {a}");
        assert_eq!(spread_tier("SPY", Some(2)), 6);
        assert_eq!(spread_tier("AAPL", Some(3)), 5);
        assert_eq!(spread_tier("YXYX", None), 0);
    }

    #[test]
    fn quotes_are_on_tick_and_never_crossed() {
        let on = |x: f64, t: f64| ((x / t) - (x / t).round()).abs() < 1e-6;
        let cases = [
            equity_quoting("SPY", Some(5)),
            equity_quoting("SPX", Some(5)),
            equity_quoting("YXYX", Some(3)),
            equity_quoting("YXYX", None),
            futures_quoting("ES", 0.25, Some(5)),
            futures_quoting("ZB", 0.03125, Some(4)),
            futures_quoting("6J", 0.0000005, Some(3)),
        ];
        for q in &cases {
            for p in [
                0.0,
                1e-7,
                0.003,
                0.04,
                1.0,
                2.96,
                2.98,
                2.99,
                2.995,
                3.0,
                3.01,
                4.9,
                4.97,
                4.99,
                5.0,
                5.2,
                40.0,
                250.0,
                f64::NAN,
            ] {
                let (b, a) = option_bid_ask(p, q);
                assert!(
                    b >= 0.0 && b.is_sign_positive() && b < a,
                    "{p} {q:?}: {b} {a}"
                );
                // Each side on the tick that applies at its own price (an ask of 3.01 is no
                // penny-class quote, whatever the bid).
                assert!(on(b, q.tick(b)) && on(a, q.tick(a)), "{p} {q:?}: {b} {a}");
                if p.is_finite() && p > 0.01 {
                    assert!(b <= p + 1e-9 && a >= p - 1e-9, "{p} {q:?}: {b} {a}");
                }
            }
        }
        assert_eq!(equity_quoting("SPY", Some(5)).tick(50.0), 0.01);
        assert_eq!(equity_quoting("SPX", Some(5)).tick(50.0), 0.1);
        assert_eq!(equity_quoting("YXYX", Some(4)).tick(50.0), 0.05);
        assert_eq!(equity_quoting("YXYX", Some(2)).tick(1.0), 0.05);
        assert_eq!(futures_quoting("ES", 0.25, Some(5)).tick(100.0), 0.25);
    }

    /// The declared tick sizes are the quoting's ticks: a client reading the first rule whose
    /// threshold is above a price gets the tick that price is on.
    #[test]
    fn declared_tick_sizes_are_the_quoting_ticks() {
        let t = |value: f64, threshold: Option<f64>| TickSize { value, threshold };
        assert_eq!(equity_quoting("SPY", Some(5)).tick_sizes(), [t(0.01, None)]);
        assert_eq!(
            equity_quoting("AAPL", Some(5)).tick_sizes(),
            [t(0.01, Some(3.0)), t(0.05, None)]
        );
        assert_eq!(
            equity_quoting("SPX", Some(5)).tick_sizes(),
            [t(0.05, Some(3.0)), t(0.10, None)]
        );
        assert_eq!(
            futures_quoting("ES", 0.25, Some(5)).tick_sizes(),
            [t(0.05, Some(5.0)), t(0.25, None)]
        );
        assert_eq!(
            futures_quoting("6E", 0.00005, Some(4)).tick_sizes(),
            [t(0.00005, None)]
        );
        for q in [
            equity_quoting("YXYX", Some(3)),
            equity_quoting("YXYX", None),
            futures_quoting("RTY", 0.1, Some(4)),
            futures_quoting("CL", 0.01, Some(5)),
        ] {
            let declared = q.tick_sizes();
            for p in [0.01, 1.0, 2.99, 3.0, 4.99, 5.0, 80.0] {
                let rule = declared
                    .iter()
                    .find(|r| r.threshold.is_none_or(|x| p < x))
                    .expect("a rule for every price");
                assert_eq!(rule.value, q.tick(p), "{q:?} at {p}");
            }
        }
    }
}
