//! Earnings calendar of the demo market's equities: one report a quarter, at a per-symbol phase
//! (14..=75 days after the quarter starts, ± a few days per quarter), before the open (BMO) or
//! after the close (AMC). The reaction session (the report day for BMO, the next session for AMC)
//! is when the price path takes its earnings jump.

use super::universe::PathSpec;
use crate::calendar;
use crate::rng::unit;
use volscreen_core::date::Date;

/// The report date of `symbol` in quarter `q` (0..=3) of `year`.
pub fn report_date(symbol: &str, spec: &PathSpec, year: i32, q: u32) -> Date {
    let start = Date::from_ymd(year, q * 3 + 1, 1).unwrap_or(Date::from_days(0));
    let jitter = (unit(symbol, &format!("earn-{year}-{q}")) * 7.0) as i32 - 3;
    let d = start.add_days(spec.earnings_phase as i32 + jitter);
    calendar::trading_day_on_or_after(d)
}

/// The session on which the market reacts to a report.
pub fn reaction_date(report: Date, bmo: bool) -> Date {
    if bmo {
        report
    } else {
        calendar::next_trading_day(report)
    }
}

/// Every reaction session of `symbol` from `from_year` to `to_year`, ascending (empty when the
/// symbol has no earnings).
pub fn reactions(symbol: &str, spec: &PathSpec, from_year: i32, to_year: i32) -> Vec<Date> {
    if spec.earnings_k <= 0.0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(((to_year - from_year + 1).max(0) * 4) as usize);
    for y in from_year..=to_year {
        for q in 0..4 {
            out.push(reaction_date(
                report_date(symbol, spec, y, q),
                spec.earnings_bmo,
            ));
        }
    }
    out.sort();
    out
}

/// The next report still ahead at the close of `as_of`: a report after `as_of`, or an AMC report
/// on `as_of` itself.
pub fn next_report(symbol: &str, spec: &PathSpec, as_of: Date) -> Option<Date> {
    if spec.earnings_k <= 0.0 {
        return None;
    }
    for y in as_of.year() - 1..=as_of.year() + 1 {
        for q in 0..4 {
            let d = report_date(symbol, spec, y, q);
            if d > as_of || (d == as_of && !spec.earnings_bmo) {
                return Some(d);
            }
        }
    }
    None
}
