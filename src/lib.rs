//! volscreen: a fast command-line volatility screener for options traders.
//!
//! Data flows one way: `watchlist` → `pipeline` stages (`tastytrade` REST and `dxlink` candles) →
//! `vol` estimators → `screen` filters and score → `report`. The demo market in `sim` speaks the same
//! protocols over real sockets. See `docs/architecture.md` for the map.

pub mod backoff;
pub mod cache;
pub mod candle;
pub mod cli;
pub mod commands;
pub mod config;
pub mod date;
pub mod dxlink;
pub mod model;
pub mod pipeline;
pub mod plausible;
pub mod report;
pub mod screen;
pub mod sim;
pub mod symbol;
pub mod tastytrade;
pub mod vol;
pub mod watchlist;
