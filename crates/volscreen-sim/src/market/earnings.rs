//! Earnings calendar of the demo market's equities: one report a quarter on each company's cycle
//! (the data table's month of the quarter and typical day, or the scale universe's hashed one),
//! the annual report (January-March) later by the cycle's delay, before the open (BMO) or after
//! the close (AMC). The reaction session (the report day for BMO, the next session for AMC) is
//! when the price path takes its earnings jump.
//!
//! Each quarter a report moves by up to ±3 days from its typical day, off weekends (to any weekday
//! of the week before or after) and exchange holidays (to the session before or after). The
//! table's companies are then placed one by one, in a hashed order, on the least crowded session
//! within ±4 days of that date, so that a season is spread out (no session carries more than about
//! 5 % of the default list's equities; real peak days carry about 10 % of the S&P 500) and nothing
//! piles up on one day.

use super::names::{self, Cycle};
use crate::calendar;
use crate::rng::{seed_of, unit};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use volscreen_core::date::Date;

/// Most days a report moves from its typical day.
const JITTER: i32 = 3;
/// Days either side of its own date within which a table company takes the least crowded session.
const WINDOW: i32 = 4;

/// The date of a report before the season is spread out: the typical day (plus the annual delay),
/// moved by the quarter's jitter and off weekends and holidays.
fn own_date(symbol: &str, cycle: &Cycle, year: i32, q: u32) -> Date {
    let month = (q.min(3) * 3 + cycle.month.clamp(1, 3)).min(12);
    let day = cycle
        .day
        .clamp(1, volscreen_core::date::days_in_month(year, month));
    let typical = Date::from_ymd(year, month, day).unwrap_or(Date::from_days(0));
    let u = unit(symbol, &format!("earn-{year}-{q}"));
    let jitter = (u * f64::from(2 * JITTER + 1)) as i32 - JITTER;
    let annual = if q == 0 { cycle.annual_delay as i32 } else { 0 };
    let mut d = typical.add_days(jitter + annual);
    // A weekend day becomes any weekday of the week before (Saturday) or after (Sunday), so
    // that no weekday collects the weekends' share.
    let v = unit(symbol, &format!("earn-wd-{year}-{q}"));
    let weekday = (v * 5.0) as i32;
    d = match d.weekday() {
        5 => d.add_days(-5 + weekday),
        6 => d.add_days(1 + weekday),
        _ => d,
    };
    // An exchange holiday: the session before or after, not everyone on the next one.
    if v * 5.0 - f64::from(weekday) < 0.5 {
        calendar::trading_day_on_or_before(d)
    } else {
        calendar::trading_day_on_or_after(d)
    }
}

/// One quarter's reports of the table's companies.
type Schedule = HashMap<&'static str, Date>;
/// Schedules by (year, quarter).
type Schedules = Mutex<HashMap<(i32, u32), Arc<Schedule>>>;

/// The table's companies of one quarter, placed one by one (in a hashed order) on the session
/// within ±[`WINDOW`] days of their own date that has the fewest reports so far (a day further
/// costs a quarter of a report).
fn schedule(year: i32, q: u32) -> Schedule {
    let mut companies: Vec<(&'static str, Cycle)> = names::all()
        .iter()
        .filter_map(|n| n.earnings.map(|c| (n.symbol, c)))
        .collect();
    let salt = format!("earn-order-{year}-{q}");
    companies.sort_by_key(|(s, _)| seed_of(s, &salt));
    let mut load: HashMap<Date, u32> = HashMap::new();
    let mut out = Schedule::with_capacity(companies.len());
    for (s, c) in companies {
        let own = own_date(s, &c, year, q);
        let best = (-WINDOW..=WINDOW)
            .map(|k| own.add_days(k))
            .filter(|d| calendar::is_trading_day(*d))
            .min_by_key(|d| {
                let far = d.days_since(own).unsigned_abs();
                (4 * load.get(d).copied().unwrap_or(0) + far, far)
            })
            .unwrap_or(own);
        *load.entry(best).or_default() += 1;
        out.insert(s, best);
    }
    out
}

/// The scheduled date of a table company (`None` for other symbols). Schedules are memoised by
/// quarter; they are pure functions of the table.
fn scheduled(symbol: &str, year: i32, q: u32) -> Option<Date> {
    names::lookup(symbol)?.earnings?;
    static CACHE: OnceLock<Schedules> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let s = {
        let mut g = cache.lock().unwrap_or_else(|e| e.into_inner());
        if g.len() > 512 {
            g.clear();
        }
        g.entry((year, q))
            .or_insert_with(|| Arc::new(schedule(year, q)))
            .clone()
    };
    s.get(symbol).copied()
}

/// The report date of `symbol` in quarter `q` (0..=3) of `year`.
pub fn report_date(symbol: &str, cycle: &Cycle, year: i32, q: u32) -> Date {
    scheduled(symbol, year, q).unwrap_or_else(|| own_date(symbol, cycle, year, q))
}

/// The session on which the market reacts to a report.
pub fn reaction_date(report: Date, bmo: bool) -> Date {
    if bmo {
        report
    } else {
        calendar::next_trading_day(report)
    }
}

/// Every reaction session of `symbol` from `from_year` to `to_year`, ascending.
pub fn reactions(symbol: &str, cycle: &Cycle, from_year: i32, to_year: i32) -> Vec<Date> {
    let mut out = Vec::with_capacity(((to_year - from_year + 1).max(0) * 4) as usize);
    for y in from_year..=to_year {
        for q in 0..4 {
            out.push(reaction_date(report_date(symbol, cycle, y, q), cycle.bmo));
        }
    }
    out.sort();
    out
}

/// Every report of `symbol` from `from` to `to` (both included), ascending.
pub fn reports(symbol: &str, cycle: &Cycle, from: Date, to: Date) -> Vec<Date> {
    let mut out: Vec<Date> = (from.year() - 1..=to.year() + 1)
        .flat_map(|y| (0..4).map(move |q| report_date(symbol, cycle, y, q)))
        .filter(|d| *d >= from && *d <= to)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The next report still ahead at the close of `as_of`: a report after `as_of`, or an AMC report
/// on `as_of` itself.
pub fn next_report(symbol: &str, cycle: &Cycle, as_of: Date) -> Option<Date> {
    for y in as_of.year() - 1..=as_of.year() + 1 {
        for q in 0..4 {
            let d = report_date(symbol, cycle, y, q);
            if d > as_of || (d == as_of && !cycle.bmo) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn reports_follow_the_cycle_on_trading_days() {
        let c = Cycle {
            month: 1,
            day: 28,
            bmo: false,
            annual_delay: 14,
        };
        for y in 2024..2028 {
            for q in 0..4 {
                let r = report_date("YAAB", &c, y, q);
                let typical = Date::from_ymd(y, q * 3 + 1, 28).expect("date");
                let late = if q == 0 { 14 } else { 0 };
                assert!(
                    (late - 9..=late + 9).contains(&r.days_since(typical)),
                    "{r} vs {typical}"
                );
                assert!(calendar::is_trading_day(r), "{r}");
            }
        }
        let next = next_report("YAAB", &c, d("2026-11-20")).expect("next");
        // The annual report, two weeks after the typical late-January date.
        assert!(next > d("2027-02-01") && next < d("2027-02-21"), "{next}");
        let r = reactions("YAAB", &c, 2025, 2026);
        assert_eq!(r.len(), 8);
        assert!(r.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn an_amc_report_today_is_still_ahead() {
        let c = Cycle {
            month: 2,
            day: 10,
            bmo: false,
            annual_delay: 0,
        };
        let r = report_date("X", &c, 2026, 3);
        assert_eq!(next_report("X", &c, r), Some(r));
        let bmo = Cycle { bmo: true, ..c };
        let rb = report_date("X", &bmo, 2026, 3);
        assert!(next_report("X", &bmo, rb).is_some_and(|n| n > rb));
        assert_eq!(reaction_date(rb, true), rb);
        assert!(reaction_date(r, false) > r);
    }

    #[test]
    fn the_tables_seasons_are_spread_within_each_companys_weeks() {
        let equities: Vec<_> = names::all()
            .iter()
            .filter_map(|n| n.earnings.map(|c| (n.symbol, c)))
            .collect();
        for (y, q) in [(2025, 2), (2026, 0), (2026, 1), (2026, 3)] {
            let mut load: HashMap<Date, usize> = HashMap::new();
            for (s, c) in &equities {
                let r = report_date(s, c, y, q);
                let own = own_date(s, c, y, q);
                assert!(r.days_since(own).abs() <= WINDOW, "{s}: {r} vs {own}");
                assert!(calendar::is_trading_day(r));
                *load.entry(r).or_default() += 1;
            }
            let max = load.values().copied().max().unwrap_or(0);
            assert!(
                max * 20 <= equities.len(),
                "{y} Q{q}: {max} reports on one day"
            );
        }
    }
}
