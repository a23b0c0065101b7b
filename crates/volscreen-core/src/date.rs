//! Calendar dates without a time zone: the one date type of the crate.
//!
//! A [`Date`] is a count of days since 1970-01-01 (proleptic Gregorian), so arithmetic is integer
//! arithmetic and ordering is numeric. Conversions use Howard Hinnant's civil-date algorithms.
//! Daily candle times are the epoch milliseconds of the date's midnight UTC ([`Date::epoch_ms`]).

use std::fmt;
use std::str::FromStr;

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// A calendar date, stored as days since 1970-01-01.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// A string that is not a valid `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {0:?}: expected YYYY-MM-DD")]
pub struct DateError(pub String);

/// The environment variable that fixes "today" (`YYYY-MM-DD`); see [`Date::today`].
pub const TODAY_VAR: &str = "VOLSCREEN_TODAY";

/// The environment variable naming a file that holds "today" (`YYYY-MM-DD`), read at every call of
/// [`Date::today`]: how a test moves a running `screen --watch` to another day.
pub const TODAY_FILE_VAR: &str = "VOLSCREEN_TODAY_FILE";

impl Date {
    /// The date `days` days after 1970-01-01.
    pub const fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// The date for a year, month (1..=12) and day (1..=31), if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// Year, month (1..=12), day (1..=31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    pub fn month(self) -> u32 {
        self.ymd().1
    }

    pub fn day(self) -> u32 {
        self.ymd().2
    }

    /// Day of the week, 0 = Monday .. 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    pub fn is_weekend(self) -> bool {
        self.weekday() >= 5
    }

    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Signed number of days from `other` to `self`.
    pub fn days_since(self, other: Date) -> i32 {
        self.0 - other.0
    }

    /// Epoch milliseconds of this date's midnight UTC.
    pub fn epoch_ms(self) -> i64 {
        self.0 as i64 * DAY_MS
    }

    /// The UTC date containing the epoch millisecond `ms`.
    pub fn from_epoch_ms(ms: i64) -> Date {
        Date(ms.div_euclid(DAY_MS) as i32)
    }

    /// Today's market date: the date in New York (the exchanges' calendar day, so that a trader
    /// in the US evening does not get tomorrow's date from UTC), or the date in [`TODAY_VAR`] when
    /// it is set to a valid `YYYY-MM-DD` (a fixed clock for reproducible runs and tests, as
    /// `SOURCE_DATE_EPOCH` is for builds: the tastytrade source takes no `--as-of`, so this is how
    /// a test dates a scan against a demo market of a given day). [`TODAY_FILE_VAR`] comes first
    /// when it names a readable file holding a valid date: it is read at every call, so that a
    /// test can move a running `screen --watch` (which asks for today at every pass) to another
    /// day.
    pub fn today() -> Date {
        let file = std::env::var_os(TODAY_FILE_VAR).and_then(|p| std::fs::read_to_string(p).ok());
        if let Some(d) = fixed_today(file.as_deref(), std::env::var(TODAY_VAR).ok().as_deref()) {
            return d;
        }
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Date::new_york_date(ms)
    }

    /// The calendar date in New York at epoch millisecond `ms`: UTC−5, or UTC−4 under daylight
    /// saving time (from the second Sunday of March, 2:00 local, to the first Sunday of November,
    /// 2:00 local; US rules since 2007).
    pub fn new_york_date(ms: i64) -> Date {
        const HOUR_MS: i64 = 3_600_000;
        let utc_day = Date::from_epoch_ms(ms);
        let y = utc_day.year();
        let start = Date::nth_weekday(y, 3, 6, 2).map(|d| d.epoch_ms() + 7 * HOUR_MS);
        let end = Date::nth_weekday(y, 11, 6, 1).map(|d| d.epoch_ms() + 6 * HOUR_MS);
        let dst = matches!((start, end), (Some(s), Some(e)) if ms >= s && ms < e);
        let offset = if dst { -4 * HOUR_MS } else { -5 * HOUR_MS };
        Date::from_epoch_ms(ms + offset)
    }

    /// The `n`-th (1-based) given weekday (0 = Monday) of a month.
    pub fn nth_weekday(y: i32, m: u32, weekday: u32, n: u32) -> Option<Date> {
        let first = Date::from_ymd(y, m, 1)?;
        let offset = (weekday + 7 - first.weekday()) % 7;
        let d = first.add_days((offset + 7 * (n - 1)) as i32);
        (d.month() == m).then_some(d)
    }

    /// The last given weekday (0 = Monday) of a month.
    pub fn last_weekday(y: i32, m: u32, weekday: u32) -> Date {
        let last = Date::from_ymd(y, m, days_in_month(y, m)).expect("valid month");
        let back = (last.weekday() + 7 - weekday) % 7;
        last.add_days(-(back as i32))
    }

    /// Third Friday of a month: the standard monthly option expiration.
    pub fn third_friday(y: i32, m: u32) -> Date {
        Date::nth_weekday(y, m, 4, 3).expect("every month has three Fridays")
    }
}

/// Whether `y` is a leap year.
pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in month `m` of year `y`.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let err = || DateError(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let y: i32 = s[0..4].parse().map_err(|_| err())?;
        let m: u32 = s[5..7].parse().map_err(|_| err())?;
        let d: u32 = s[8..10].parse().map_err(|_| err())?;
        Date::from_ymd(y, m, d).ok_or_else(err)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// RFC 3339 UTC timestamp (millisecond precision) for an epoch millisecond.
pub fn rfc3339_ms(ms: i64) -> String {
    let date = Date::from_epoch_ms(ms);
    let rem = ms.rem_euclid(DAY_MS);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{date}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Now, as epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The date fixed by the text of the [`TODAY_FILE_VAR`] file or else of [`TODAY_VAR`], when one
/// of them holds a valid date.
fn fixed_today(file: Option<&str>, var: Option<&str>) -> Option<Date> {
    [file, var]
        .into_iter()
        .flatten()
        .find_map(|text| text.trim().parse::<Date>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_fixed_by_the_file_then_the_variable() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            fixed_today(Some("2026-11-23\n"), Some("2026-11-20")),
            Some(d("2026-11-23"))
        );
        assert_eq!(
            fixed_today(Some("not a date"), Some("2026-11-20")),
            Some(d("2026-11-20"))
        );
        assert_eq!(
            fixed_today(None, Some(" 2026-11-20 ")),
            Some(d("2026-11-20"))
        );
        assert_eq!(fixed_today(Some(""), None), None);
        assert_eq!(fixed_today(None, None), None);
    }

    #[test]
    fn the_market_date_is_new_yorks() {
        let at = |d: &str, h: i64| d.parse::<Date>().unwrap().epoch_ms() + h * 3_600_000;
        let d = |s: &str| s.parse::<Date>().unwrap();
        // 2026-11-28 21:49 UTC is 16:49 in New York (EST): the same day.
        assert_eq!(Date::new_york_date(at("2026-11-28", 21)), d("2026-11-28"));
        // 02:00 UTC is still the evening before in New York.
        assert_eq!(Date::new_york_date(at("2026-11-29", 2)), d("2026-11-28"));
        // Summer (EDT, UTC−4): 03:59 UTC is 23:59 the day before; 04:00 UTC is midnight.
        assert_eq!(
            Date::new_york_date(at("2026-07-01", 4) - 60_000),
            d("2026-06-30")
        );
        assert_eq!(Date::new_york_date(at("2026-07-01", 4)), d("2026-07-01"));
        // DST starts 2026-03-08 at 07:00 UTC and ends 2026-11-01 at 06:00 UTC.
        assert_eq!(
            Date::new_york_date(at("2026-03-08", 4) + 30 * 60_000),
            d("2026-03-07")
        );
        assert_eq!(Date::new_york_date(at("2026-11-01", 5)), d("2026-11-01"));
    }

    #[test]
    fn round_trips_and_known_dates() {
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(Date::from_ymd(2000, 3, 1).unwrap().days(), 11_017);
        for days in -800_000..800_000 {
            if days % 997 != 0 {
                continue;
            }
            let d = Date::from_days(days);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d));
        }
        assert_eq!("2026-11-22".parse::<Date>().unwrap().weekday(), 6);
        assert_eq!(Date::third_friday(2026, 12).to_string(), "2026-12-18");
        assert!("2026-02-30".parse::<Date>().is_err());
        assert!("26-1-1".parse::<Date>().is_err());
        assert_eq!(rfc3339_ms(1_686_167_723_376), "2023-06-07T19:55:23.376Z");
    }
}
