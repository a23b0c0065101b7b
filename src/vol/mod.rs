//! Volatility estimators and derived metrics, pure functions over numbers (no I/O).
//!
//! - [`hv`]: close-to-close historical volatility (HV20/30/90/252) from daily candles.
//! - [`derived`]: VRP ratios, IV–HV spread, volatility trend ratio, expected move, slippage.
//! - [`expiry`]: choosing the expiration (nearest 45 DTE within 25..70, monthlies preferred).
//!
//! Conventions are stated once here and in `docs/metrics.md`: every ratio is a fraction.

pub mod derived;
pub mod expiry;
pub mod hv;
