//! The daily candle: one bar of open, high, low, close and volume at a time in epoch milliseconds.
//!
//! Shared by the demo market (which generates candles), the DXLink client (which assembles them from
//! snapshots) and the volatility estimators (which read closes).

use serde::{Deserialize, Serialize};

/// One daily candle. `time` is epoch milliseconds of the bar's start (midnight UTC of the trading day).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candle {
    pub time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}
