//! The DXLink candle client: daily candle snapshots for many symbols over a pool of dxFeed DXLink
//! WebSocket connections (tastytrade's market-data feed, or the demo market's copy of it).
//!
//! Layout (after tokio's mini-redis): [`protocol`] frames messages, [`decode`] turns `FEED_DATA` into
//! candle events by the `FEED_CONFIG` field lists, [`snapshot`] assembles each symbol's snapshot from
//! its event flags, [`connection`] owns one socket (handshake, keepalive, reader/writer tasks),
//! [`pool`] schedules a batch over connections × channels and reconnects (and quotes option streamer
//! symbols with `Quote` events on the same connections: [`CandlePool::quotes`], [`quote`]),
//! [`error`] names what can go wrong. The wire rules are `shared/spec/tastytrade-wire.md`'s DXLink section.
//!
//! Typical use in the pipeline:
//! ```no_run
//! # async fn demo(url: String, token: String) {
//! use volscreen::dxlink::{CandlePool, DxLinkConfig, candle_symbol_for};
//! let pool = CandlePool::connect(url, token, DxLinkConfig::default()); // connects in the background
//! // ... REST metrics and prefilter run meanwhile ...
//! let symbols = vec![candle_symbol_for("AAPL").unwrap(), candle_symbol_for("/ESZ26:XCME").unwrap()];
//! let mut rx = pool.fetch(symbols, 1_700_000_000_000);
//! while let Some(outcome) = rx.recv().await {
//!     match outcome.result {
//!         Ok(series) => println!("{}: {} candles", outcome.symbol, series.candles.len()),
//!         Err(e) => eprintln!("{}: {e}", outcome.symbol),
//!     }
//! }
//! # }
//! ```
//!
//! Quoting ATM options on the same pool (a `Quote` event per streamer symbol, no extra connection):
//! ```no_run
//! # async fn demo(pool: volscreen::dxlink::CandlePool) {
//! let legs = vec![".AAPL261218C200".to_string(), "./EW4N23C3990:XCME".to_string()];
//! let mut rx = pool.quotes(legs);
//! while let Some(outcome) = rx.recv().await {
//!     match outcome.result {
//!         Ok(q) => println!("{}: bid {:?} ask {:?}", outcome.symbol, q.bid, q.ask),
//!         Err(e) => eprintln!("{}: {e}", outcome.symbol), // e.g. not quoted within 5 s
//!     }
//! }
//! # }
//! ```

pub mod connection;
pub mod decode;
pub mod error;
pub mod pool;
pub mod protocol;
pub mod quote;
pub mod snapshot;

pub use error::{CandleError, DxLinkError, QuoteError};
pub use pool::{CandleOutcome, CandlePool, DxLinkConfig, PoolStats};
pub use protocol::StreamerToken;
pub use quote::{OptionQuote, QuoteOutcome};
pub use snapshot::CandleSeries;

use crate::date::{Date, DAY_MS};
use crate::symbol::{candle_symbol, futures_root, is_future};

/// Calendar days of daily history requested by default: HV252 needs 253 closes, about 367 calendar
/// days of NYSE sessions; 400 days (about 13 months) leaves room for holidays.
pub const HISTORY_DAYS: i64 = 400;

/// `fromTime` (epoch ms) for `days` calendar days of daily candles up to `as_of`.
pub fn history_from_time_ms(as_of: Date, days: i64) -> i64 {
    as_of.epoch_ms() - days * DAY_MS
}

/// The daily candle symbol of a futures contract's **streamer** symbol: `/ESZ26:XCME` →
/// `/ESZ26:XCME{=1d}`. `None` for a bare root (`/ES`: candles need the active contract, which the
/// pipeline finds with `GET /instruments/futures`), a contract without its exchange suffix (`/ESZ6`
/// is the REST symbol, not the streamer symbol), or something that is not a future.
pub fn futures_candle_symbol(streamer_symbol: &str) -> Option<String> {
    let (contract, exchange) = streamer_symbol.split_once(':')?;
    if exchange.is_empty() || !exchange.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let root = futures_root(contract)?;
    (root != contract).then(|| candle_symbol(streamer_symbol))
}

/// The daily candle symbol for an underlying's streamer symbol: equities, ETFs and indices stream
/// under their own names (`AAPL` → `AAPL{=1d}`, `BRK/B` → `BRK/B{=1d}`); futures need the
/// contract's streamer symbol (see [`futures_candle_symbol`]). `None` when no candle symbol exists.
pub fn candle_symbol_for(streamer_symbol: &str) -> Option<String> {
    let s = streamer_symbol.trim();
    if s.is_empty() || s.contains(['{', '}', ',']) {
        None
    } else if is_future(s) {
        futures_candle_symbol(s)
    } else {
        Some(candle_symbol(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_streamer_symbols_map_to_candle_symbols() {
        assert_eq!(
            futures_candle_symbol("/ESZ26:XCME").as_deref(),
            Some("/ESZ26:XCME{=1d}")
        );
        assert_eq!(
            futures_candle_symbol("/6EH27:XCME").as_deref(),
            Some("/6EH27:XCME{=1d}")
        );
        assert_eq!(futures_candle_symbol("/ES"), None);
        assert_eq!(futures_candle_symbol("/ES:XCME"), None);
        assert_eq!(futures_candle_symbol("/ESZ6"), None);
        assert_eq!(futures_candle_symbol("AAPL"), None);
        assert_eq!(candle_symbol_for("AAPL").as_deref(), Some("AAPL{=1d}"));
        assert_eq!(candle_symbol_for("BRK/B").as_deref(), Some("BRK/B{=1d}"));
        assert_eq!(candle_symbol_for("SPX").as_deref(), Some("SPX{=1d}"));
        assert_eq!(
            candle_symbol_for("/CLF27:XNYM").as_deref(),
            Some("/CLF27:XNYM{=1d}")
        );
        assert_eq!(candle_symbol_for("/CL"), None);
        assert_eq!(candle_symbol_for(""), None);
    }

    #[test]
    fn history_covers_hv252() {
        let as_of = Date::from_ymd(2026, 6, 30).unwrap();
        let from = history_from_time_ms(as_of, HISTORY_DAYS);
        assert_eq!((as_of.epoch_ms() - from) / DAY_MS, 400);
    }
}
