//! volscreen-core: the basic types the screener and the demo market share, and nothing else.
//!
//! [`date`] (calendar dates, the New York trading day), [`symbol`] (asset classes and symbol forms),
//! [`candle`] (the daily bar) and [`toml_error`] (TOML errors with their line and column). No I/O, no
//! async, no knowledge of either side: both the screener (`volscreen`) and the demo market
//! (`volscreen-sim`) depend on this crate, never the other way, and neither on the other's internals.

pub mod candle;
pub mod date;
pub mod symbol;
pub mod toml_error;
