//! Choosing the expiration to quote: the one nearest 45 days to expiry within 25..=70 days,
//! monthlies (third-Friday "Regular" expirations) preferred; ties go to the earlier date.

use crate::date::Date;

/// Target days to expiration.
pub const TARGET_DTE: i32 = 45;
/// Acceptable DTE window (inclusive).
pub const DTE_WINDOW: (i32, i32) = (25, 70);

/// What the chooser needs to know about one expiration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryInfo {
    pub date: Date,
    pub dte: i32,
    pub monthly: bool,
}

/// Whether an expiration is a standard monthly: type `Regular`, or (when the type is missing)
/// a third Friday.
pub fn is_monthly(expiration_type: Option<&str>, date: Date) -> bool {
    match expiration_type {
        Some(t) => t.eq_ignore_ascii_case("regular"),
        None => date == Date::third_friday(date.year(), date.month()),
    }
}

/// Index of the chosen expiration, if any falls in the window.
pub fn choose(expirations: &[ExpiryInfo], target: i32, window: (i32, i32)) -> Option<usize> {
    let best = |monthly_only: bool| {
        expirations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.dte >= window.0 && e.dte <= window.1)
            .filter(|(_, e)| !monthly_only || e.monthly)
            .min_by_key(|(_, e)| ((e.dte - target).abs(), e.date))
            .map(|(i, _)| i)
    };
    best(true).or_else(|| best(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(dte: i32, monthly: bool) -> ExpiryInfo {
        ExpiryInfo {
            date: Date::from_days(20_000 + dte),
            dte,
            monthly,
        }
    }

    #[test]
    fn prefers_monthlies_nearest_45() {
        let xs = [
            e(7, false),
            e(42, false),
            e(46, false),
            e(52, true),
            e(80, true),
        ];
        assert_eq!(choose(&xs, TARGET_DTE, DTE_WINDOW), Some(3));
        let xs = [e(40, false), e(44, false), e(49, false)];
        assert_eq!(choose(&xs, TARGET_DTE, DTE_WINDOW), Some(1));
        let xs = [e(40, true), e(50, true)];
        assert_eq!(
            choose(&xs, TARGET_DTE, DTE_WINDOW),
            Some(0),
            "tie goes earlier"
        );
        assert_eq!(
            choose(&[e(10, true), e(90, true)], TARGET_DTE, DTE_WINDOW),
            None
        );
    }

    #[test]
    fn monthly_detection() {
        let tf = Date::third_friday(2026, 12);
        assert!(is_monthly(None, tf));
        assert!(!is_monthly(None, tf.add_days(7)));
        assert!(is_monthly(Some("Regular"), tf.add_days(7)));
        assert!(!is_monthly(Some("Weekly"), tf));
    }
}
