//! The one-word signal of a symbol, first match wins:
//!
//! 1. `EVENT`: earnings on or before the chosen expiration (`earnings_before_expiration`), or, when
//!    no expiration was chosen, within `earnings_event_days` (0..=N days ahead): the IV may be
//!    event premium.
//! 2. `EXPANDING`: vtr > 1.15: realised volatility is rising (recent above long-term).
//! 3. `RICH`: vrp_structural ≥ 1.30: implied well above realised.
//! 4. `COILED`: vtr < 0.85: realised volatility compressed below its long-term level.
//! 5. `DISCOUNT`: vrp_structural < 1.0: implied below realised.
//! 6. `FAIR`: otherwise (or unknown inputs).

use crate::model::{Signal, SymbolFields};

pub const EXPANDING_VTR: f64 = 1.15;
pub const COILED_VTR: f64 = 0.85;
pub const RICH_VRP: f64 = 1.30;

/// The signal of a symbol.
pub fn signal(f: &SymbolFields, earnings_event_days: i32) -> Signal {
    let soon = f.expiration.is_none()
        && f.days_to_earnings
            .is_some_and(|d| (0..=earnings_event_days).contains(&d));
    if f.earnings_before_expiration == Some(true) || soon {
        return Signal::Event;
    }
    match (f.vtr, f.vrp_structural) {
        (Some(v), _) if v > EXPANDING_VTR => Signal::Expanding,
        (_, Some(p)) if p >= RICH_VRP => Signal::Rich,
        (Some(v), _) if v < COILED_VTR => Signal::Coiled,
        (_, Some(p)) if p < 1.0 => Signal::Discount,
        _ => Signal::Fair,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(vtr: Option<f64>, vrp: Option<f64>, dte: Option<i32>) -> SymbolFields {
        SymbolFields {
            vtr,
            vrp_structural: vrp,
            days_to_earnings: dte,
            ..SymbolFields::default()
        }
    }

    #[test]
    fn precedence() {
        assert_eq!(
            signal(&f(Some(1.3), Some(1.5), Some(3)), 10).as_str(),
            "EVENT"
        );
        assert_eq!(
            signal(&f(Some(1.3), Some(1.5), Some(30)), 10).as_str(),
            "EXPANDING"
        );
        assert_eq!(signal(&f(Some(1.0), Some(1.5), None), 10).as_str(), "RICH");
        assert_eq!(
            signal(&f(Some(0.7), Some(1.2), None), 10).as_str(),
            "COILED"
        );
        assert_eq!(
            signal(&f(Some(1.0), Some(0.9), None), 10).as_str(),
            "DISCOUNT"
        );
        assert_eq!(signal(&f(Some(1.0), Some(1.1), None), 10).as_str(), "FAIR");
        assert_eq!(signal(&f(None, None, Some(-2)), 10).as_str(), "FAIR");
        // With a chosen expiration, the earnings are judged against it, not the 10 days.
        let inside = SymbolFields {
            expiration: Some("2027-01-15".parse().unwrap()),
            earnings_before_expiration: Some(true),
            ..f(Some(1.0), Some(1.5), Some(40))
        };
        assert_eq!(signal(&inside, 10).as_str(), "EVENT");
        let after = SymbolFields {
            earnings_before_expiration: Some(false),
            days_to_earnings: Some(60),
            ..inside
        };
        assert_eq!(signal(&after, 10).as_str(), "RICH");
    }
}
