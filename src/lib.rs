//! volscreen: a fast command-line volatility screener for options traders.
//!
//! Data flows one way: `watchlist` → `pipeline` stages (`tastytrade` REST and `dxlink` candles) →
//! `vol` estimators → `screen` filters and score → `report`. The demo market in `sim` speaks the same
//! protocols over real sockets. See `docs/architecture.md` for the map.

pub mod backoff;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod detail;
pub mod dxlink;
pub mod model;
pub mod pipeline;
pub mod plausible;
pub mod report;
pub mod screen;
pub mod tastytrade;
pub mod vol;
pub mod watchlist;

// The basic types live in `volscreen-core` (shared with the demo market); re-exported so that
// `crate::date::Date` and `volscreen::date::Date` read the same everywhere.
pub use volscreen_core::{candle, date, symbol};

/// The demo market (`volscreen-sim`), present with the default `demo` feature.
#[cfg(feature = "demo")]
pub use volscreen_sim as sim;
