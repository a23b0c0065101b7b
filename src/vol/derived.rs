//! Metrics derived from IV, HV and option quotes (product.md "Definitions"). All fractions.
//!
//! Each function takes `Option`s and returns `None` when an input is unknown: an unknown value is
//! never replaced by zero.

/// Default floor under HV in the VRP ratios, so a near-zero HV cannot explode the ratio.
pub const DEFAULT_HV_FLOOR: f64 = 0.05;

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `iv / max(hv90, floor)`.
pub fn vrp_structural(iv: Option<f64>, hv90: Option<f64>, floor: f64) -> Option<f64> {
    finite(iv? / hv90?.max(floor))
}

/// `iv / max(hv30, floor)`.
pub fn vrp_tactical(iv: Option<f64>, hv30: Option<f64>, floor: f64) -> Option<f64> {
    finite(iv? / hv30?.max(floor))
}

/// `iv − hv30`.
pub fn iv_hv_spread(iv: Option<f64>, hv30: Option<f64>) -> Option<f64> {
    finite(iv? - hv30?)
}

/// Volatility trend ratio `hv30 / hv90` (unknown when hv90 is not positive).
pub fn vtr(hv30: Option<f64>, hv90: Option<f64>) -> Option<f64> {
    let hv90 = hv90?;
    if hv90 <= 0.0 {
        return None;
    }
    finite(hv30? / hv90)
}

pub use crate::model::MoveMethod;

/// Expected move as a fraction of price: the straddle when its mid and the price are known,
/// else `iv·√(dte/365)` when IV and DTE are known.
pub fn expected_move(
    straddle_mid: Option<f64>,
    price: Option<f64>,
    iv: Option<f64>,
    dte: Option<i32>,
) -> Option<(f64, MoveMethod)> {
    if let (Some(s), Some(p)) = (straddle_mid, price) {
        if s > 0.0 && p > 0.0 {
            if let Some(m) = finite(s / p) {
                return Some((m, MoveMethod::Straddle));
            }
        }
    }
    let (iv, dte) = (iv?, dte?);
    if dte < 0 || iv < 0.0 {
        return None;
    }
    finite(iv * (dte as f64 / 365.0).sqrt()).map(|m| (m, MoveMethod::IvDte))
}

/// Mid of a bid/ask pair (unknown unless 0 ≤ bid ≤ ask and the mid is positive).
pub fn mid(bid: Option<f64>, ask: Option<f64>) -> Option<f64> {
    let (b, a) = (bid?, ask?);
    if !(b.is_finite() && a.is_finite()) || b < 0.0 || a < b {
        return None;
    }
    let m = (a + b) / 2.0;
    (m > 0.0).then_some(m)
}

/// Relative spread `(ask − bid) / mid` of one option.
pub fn relative_spread(bid: Option<f64>, ask: Option<f64>) -> Option<f64> {
    let m = mid(bid, ask)?;
    finite((ask? - bid?) / m)
}

/// Slippage: the worse of the ATM call's and put's relative spreads.
pub fn slippage(call: (Option<f64>, Option<f64>), put: (Option<f64>, Option<f64>)) -> Option<f64> {
    let c = relative_spread(call.0, call.1)?;
    let p = relative_spread(put.0, put.1)?;
    Some(c.max(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_use_the_floor_and_propagate_unknowns() {
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(vrp_structural(Some(0.30), Some(0.20), 0.05), 1.5));
        assert!(close(vrp_structural(Some(0.30), Some(0.01), 0.05), 6.0));
        assert_eq!(vrp_structural(None, Some(0.2), 0.05), None);
        assert_eq!(vrp_tactical(Some(0.30), None, 0.05), None);
        assert!(close(vrp_tactical(Some(0.24), Some(0.20), 0.05), 1.2));
        assert!((iv_hv_spread(Some(0.3), Some(0.2)).unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(vtr(Some(0.2), Some(0.0)), None);
        assert!(close(vtr(Some(0.2), Some(0.25)), 0.8));
    }

    #[test]
    fn expected_move_prefers_the_straddle() {
        assert_eq!(
            expected_move(Some(10.0), Some(200.0), Some(0.3), Some(45)),
            Some((0.05, MoveMethod::Straddle))
        );
        let (m, method) = expected_move(None, Some(200.0), Some(0.3), Some(73)).unwrap();
        assert_eq!(method, MoveMethod::IvDte);
        assert!((m - 0.3 * 0.2f64.sqrt()).abs() < 1e-12);
        assert_eq!(expected_move(None, None, None, Some(45)), None);
    }

    #[test]
    fn slippage_is_the_worse_side() {
        // call: (1.00, 1.10) → 0.10/1.05; put: (2.00, 2.04) → 0.04/2.02
        let s = slippage((Some(1.0), Some(1.1)), (Some(2.0), Some(2.04))).unwrap();
        assert!((s - 0.1 / 1.05).abs() < 1e-12);
        assert_eq!(slippage((None, Some(1.0)), (Some(1.0), Some(1.1))), None);
        assert_eq!(relative_spread(Some(1.2), Some(1.0)), None);
        assert_eq!(relative_spread(Some(0.0), Some(0.0)), None);
    }
}
