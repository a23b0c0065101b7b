//! Volatility estimators and derived metrics, pure functions over numbers (no I/O).
//!
//! - [`hv`]: close-to-close historical volatility (HV20/30/90/252) from daily candles.
//! - [`estimators`]: close-to-close, Parkinson, Garman–Klass, Rogers–Satchell, Yang–Zhang over any
//!   window, one value or the whole table `detail` reports.
//! - [`cone`]: the HV cone (current HV of each window against its past year's min, quartiles, max).
//! - [`term`]: the IV term structure, its slope and shape (contango, backwardation, flat).
//! - [`derived`]: VRP ratios, IV–HV spread, volatility trend ratio, expected move, slippage.
//! - [`expiry`]: choosing the expiration (nearest 45 DTE within 25..70, monthlies preferred).
//!
//! Conventions are stated once here and in `docs/metrics.md`: every ratio is a fraction.

pub mod cone;
pub mod derived;
pub mod estimators;
pub mod expiry;
pub mod hv;
pub mod term;
