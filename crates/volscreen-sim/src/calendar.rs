//! The NYSE trading calendar of the demo market: weekends and exchange holidays (with the
//! Saturday→Friday / Sunday→Monday observance rules), Good Friday from the Gregorian Easter date,
//! and navigation between trading days.
//!
//! Full-day closures only (early closes are irrelevant to daily candles). The rules are the
//! exchange's standing ones, applied to every year, plus the two national days of mourning since
//! 2015 on which NYSE closed.

use volscreen_core::date::Date;

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_ymd(year, month as u32, day as u32).unwrap_or(Date::from_days(0))
}

/// A fixed-date holiday moved to the weekday on which it is observed: Saturday → Friday,
/// Sunday → Monday.
fn observed(d: Date) -> Date {
    match d.weekday() {
        5 => d.add_days(-1),
        6 => d.add_days(1),
        _ => d,
    }
}

/// Unscheduled full-day closures (national days of mourning).
const SPECIAL_CLOSURES: &[(i32, u32, u32)] = &[(2018, 12, 5), (2025, 1, 9)];

/// The NYSE full-day holidays observed in `year` (all on weekdays), ascending.
pub fn holidays(year: i32) -> Vec<Date> {
    let ymd = |m: u32, d: u32| Date::from_ymd(year, m, d);
    let mut out = Vec::with_capacity(11);
    // New Year's Day: Sunday → Monday; a Saturday New Year's is not observed (the prior Friday
    // closes a different year and NYSE stays open).
    if let Some(ny) = ymd(1, 1) {
        match ny.weekday() {
            5 => {}
            6 => out.push(ny.add_days(1)),
            _ => out.push(ny),
        }
    }
    out.extend(Date::nth_weekday(year, 1, 0, 3)); // Martin Luther King Jr. Day
    out.extend(Date::nth_weekday(year, 2, 0, 3)); // Washington's Birthday
    out.push(easter_sunday(year).add_days(-2)); // Good Friday
    out.push(Date::last_weekday(year, 5, 0)); // Memorial Day
    if year >= 2022 {
        out.extend(ymd(6, 19).map(observed)); // Juneteenth
    }
    out.extend(ymd(7, 4).map(observed)); // Independence Day
    out.extend(Date::nth_weekday(year, 9, 0, 1)); // Labor Day
    out.extend(Date::nth_weekday(year, 11, 3, 4)); // Thanksgiving
    out.extend(ymd(12, 25).map(observed)); // Christmas
    for &(y, m, d) in SPECIAL_CLOSURES {
        if y == year {
            out.extend(Date::from_ymd(y, m, d));
        }
    }
    out.sort();
    out
}

/// Years whose holidays are precomputed.
const TABLE_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// The holidays of `year`, from a table built once for [`TABLE_YEARS`].
fn holidays_cached(year: i32) -> std::borrow::Cow<'static, [Date]> {
    static TABLE: std::sync::OnceLock<Vec<Vec<Date>>> = std::sync::OnceLock::new();
    if TABLE_YEARS.contains(&year) {
        let table = TABLE.get_or_init(|| TABLE_YEARS.map(holidays).collect());
        std::borrow::Cow::Borrowed(&table[(year - TABLE_YEARS.start()) as usize])
    } else {
        std::borrow::Cow::Owned(holidays(year))
    }
}

/// Whether NYSE is closed all day on `d` for a holiday (weekends excluded).
pub fn is_holiday(d: Date) -> bool {
    if d.is_weekend() {
        return false;
    }
    let (y, m, day) = d.ymd();
    // Cheap rejections first: most dates are nowhere near a holiday.
    let candidate = match m {
        1 | 2 | 5 | 9 | 11 => true,
        3 | 4 => true, // Good Friday
        6 => day >= 18,
        7 => day <= 6,
        12 => day >= 4,
        _ => false,
    };
    candidate && holidays_cached(y).contains(&d)
}

/// Whether `d` is an NYSE trading day.
pub fn is_trading_day(d: Date) -> bool {
    !d.is_weekend() && !is_holiday(d)
}

/// The last trading day strictly before `d`.
pub fn prev_trading_day(d: Date) -> Date {
    let mut x = d.add_days(-1);
    while !is_trading_day(x) {
        x = x.add_days(-1);
    }
    x
}

/// The first trading day strictly after `d`.
pub fn next_trading_day(d: Date) -> Date {
    let mut x = d.add_days(1);
    while !is_trading_day(x) {
        x = x.add_days(1);
    }
    x
}

/// `d` itself when it is a trading day, else the last trading day before it.
pub fn trading_day_on_or_before(d: Date) -> Date {
    if is_trading_day(d) {
        d
    } else {
        prev_trading_day(d)
    }
}

/// `d` itself when it is a trading day, else the first trading day after it.
pub fn trading_day_on_or_after(d: Date) -> Date {
    if is_trading_day(d) {
        d
    } else {
        next_trading_day(d)
    }
}

/// Every trading day in `from..=to`, ascending (empty when `from > to`).
pub fn trading_days(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::with_capacity(((to.days_since(from).max(0) as usize) * 5 / 7) + 2);
    let mut year = i32::MIN;
    let mut hol = holidays_cached(from.year());
    let mut d = from;
    while d <= to {
        if !d.is_weekend() {
            if d.year() != year {
                year = d.year();
                hol = holidays_cached(year);
            }
            if !hol.contains(&d) {
                out.push(d);
            }
        }
        d = d.add_days(1);
    }
    out
}

/// Number of trading days in `(from, to]`: how many sessions close after `from` up to and
/// including `to` (negative when `to < from`).
pub fn trading_days_between(from: Date, to: Date) -> i32 {
    if to >= from {
        trading_days(from.add_days(1), to).len() as i32
    } else {
        -(trading_days(to.add_days(1), from).len() as i32)
    }
}

/// The trading day `n` sessions after `d` (before it for negative `n`); `d` itself need not be a
/// trading day (`n = 0` gives `trading_day_on_or_before(d)`).
pub fn add_trading_days(d: Date, n: i32) -> Date {
    let mut x = trading_day_on_or_before(d);
    if n >= 0 {
        for _ in 0..n {
            x = next_trading_day(x);
        }
    } else {
        for _ in 0..(-n) {
            x = prev_trading_day(x);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn easter_known_years() {
        assert_eq!(easter_sunday(2024), d("2024-03-31"));
        assert_eq!(easter_sunday(2025), d("2025-04-20"));
        assert_eq!(easter_sunday(2026), d("2026-04-05"));
        assert_eq!(easter_sunday(2027), d("2027-03-28"));
        assert_eq!(easter_sunday(2019), d("2019-04-21"));
    }

    #[test]
    fn known_closures() {
        for s in [
            "2026-11-26", // Thanksgiving
            "2026-04-03", // Good Friday
            "2026-07-03", // Independence Day (Saturday) observed Friday
            "2027-12-24", // Christmas (Saturday) observed Friday
            "2026-01-01",
            "2026-01-19", // MLK
            "2026-02-16", // Presidents' Day
            "2026-05-25", // Memorial Day
            "2026-06-19", // Juneteenth
            "2026-09-07", // Labor Day
            "2026-12-25",
            "2022-06-20", // Juneteenth (Sunday) observed Monday
            "2023-01-02", // New Year's (Sunday) observed Monday
            "2025-01-09", // National day of mourning
            "2021-12-24", // Christmas (Saturday) observed Friday
        ] {
            assert!(!is_trading_day(d(s)), "{s} should be closed");
        }
    }

    #[test]
    fn known_open_days() {
        for s in [
            "2021-12-31", // New Year's 2022 fell on a Saturday: not observed on the Friday
            "2026-11-27", // day after Thanksgiving (early close, but open)
            "2021-06-18", // Juneteenth only from 2022
            "2026-07-02",
            "2026-11-20",
            "2027-12-27",
        ] {
            assert!(is_trading_day(d(s)), "{s} should be open");
        }
        assert!(!is_trading_day(d("2026-11-22")), "Sunday");
    }

    #[test]
    fn navigation() {
        assert_eq!(prev_trading_day(d("2026-11-27")), d("2026-11-25"));
        assert_eq!(next_trading_day(d("2026-11-25")), d("2026-11-27"));
        assert_eq!(trading_day_on_or_before(d("2026-11-22")), d("2026-11-20"));
        assert_eq!(trading_day_on_or_after(d("2026-11-22")), d("2026-11-23"));
        assert_eq!(trading_days_between(d("2026-11-20"), d("2026-11-27")), 4);
        assert_eq!(trading_days_between(d("2026-11-27"), d("2026-11-20")), -4);
        assert_eq!(add_trading_days(d("2026-11-20"), 4), d("2026-11-27"));
        assert_eq!(add_trading_days(d("2026-11-27"), -4), d("2026-11-20"));
        // 2026 has 251 NYSE sessions (252 weekdays... minus 10 holidays on weekdays).
        let n = trading_days(d("2026-01-01"), d("2026-12-31")).len();
        assert_eq!(n, 251);
        assert_eq!(trading_days(d("2025-01-01"), d("2025-12-31")).len(), 250);
    }

    #[test]
    fn holidays_agree_with_is_holiday() {
        for y in 2015..2030 {
            for h in holidays(y) {
                assert!(is_holiday(h), "{h}");
                assert!(!h.is_weekend(), "{h}");
            }
        }
    }
}
