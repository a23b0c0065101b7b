//! The synthetic scale universe: `Y` + three letters (`YAAA`, `YAAB`, …, `YZZZ`), continued with
//! `Y` + four letters (`YAAAA`, …), skipping any name of the data table, so that scans of 20,000
//! symbols and more are possible. Every scale name is an equity whose traits are drawn by a stable
//! hash of the symbol, shaped like a broad real universe: mostly thin names with low liquidity
//! ratings, more high-volatility small caps, about 3 % recent listings.

use super::names::{self, Cycle};
use crate::rng::unit;
use volscreen_core::date::Date;

/// Letters after the `Y`: three, then four.
const LENGTHS: [u32; 2] = [3, 4];

/// Whether `s` (normalised) is a scale name: `Y` and three or four letters, not in the table.
pub fn is_scale(s: &str) -> bool {
    let b = s.as_bytes();
    (4..=5).contains(&b.len())
        && b[0] == b'Y'
        && b[1..].iter().all(u8::is_ascii_uppercase)
        && names::lookup(s).is_none()
}

/// The `i`-th name of `len` letters after the `Y` (`i` < 26^len).
fn nth(len: u32, mut i: u64) -> String {
    let mut letters = vec![b'A'; len as usize];
    for slot in letters.iter_mut().rev() {
        *slot = b'A' + (i % 26) as u8;
        i /= 26;
    }
    let mut s = String::with_capacity(len as usize + 1);
    s.push('Y');
    s.extend(letters.iter().map(|c| *c as char));
    s
}

/// The first `n` names of the scale universe, in order (`YAAA`, `YAAB`, …, `YZZZ`, `YAAAA`, …):
/// at most the 26³ + 26⁴ names there are, less the table's.
pub fn scale_universe(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n.min(500_000));
    for len in LENGTHS {
        for i in 0..26u64.pow(len) {
            if out.len() >= n {
                return out;
            }
            let s = nth(len, i);
            if names::lookup(&s).is_none() {
                out.push(s);
            }
        }
    }
    out
}

/// What the hash decides about a scale name.
#[derive(Debug, Clone, PartialEq)]
pub struct Traits {
    pub price: f64,
    pub vol: f64,
    pub liquidity: Option<u8>,
    pub earnings: Cycle,
    pub listed: Option<Date>,
}

fn log_uniform(u: f64, lo: f64, hi: f64) -> f64 {
    (lo.ln() + u * (hi.ln() - lo.ln())).exp()
}

/// The first possible listing date of a recent listing; every one is between this and
/// 2026-10-30.
pub fn listing_first() -> Date {
    Date::from_ymd(2026, 1, 5).unwrap_or(Date::from_days(20_458))
}

fn listing_last() -> Date {
    Date::from_ymd(2026, 10, 30).unwrap_or(Date::from_days(20_756))
}

/// The listing date of a recently listed scale name (about 3 % of them), fixed whatever the
/// as-of date.
pub fn listing_date(symbol: &str) -> Option<Date> {
    if unit(symbol, "listing") >= 0.03 {
        return None;
    }
    let first = listing_first();
    let span = listing_last().days_since(first);
    let off = (unit(symbol, "listing-day") * span as f64) as i32;
    Some(crate::calendar::trading_day_on_or_after(
        first.add_days(off),
    ))
}

/// The traits of a scale name (meant for names [`is_scale`] accepts; any string works).
pub fn traits(symbol: &str) -> Traits {
    let u = |salt: &str| unit(symbol, salt);
    // Liquidity: mostly thin (rated 1-2 or unrated), a few well-traded names.
    let liquidity = match u("liquidity") {
        x if x < 0.12 => None,
        x if x < 0.46 => Some(1),
        x if x < 0.74 => Some(2),
        x if x < 0.91 => Some(3),
        x if x < 0.98 => Some(4),
        _ => Some(5),
    };
    // Size classes: large caps (20-40 %, $15-500), mid caps (35-65 %, $5-200) and small caps
    // (55-120 %, $1-60); the better traded a name, the likelier it is large.
    let r = liquidity.unwrap_or(0);
    let (large, mid) = match r {
        4.. => (0.55, 0.90),
        3 => (0.30, 0.75),
        _ => (0.12, 0.50),
    };
    let tier = u("tier");
    let (price, vol) = if tier < large {
        (
            log_uniform(u("price"), 15.0, 500.0),
            0.20 + 0.20 * u("theta"),
        )
    } else if tier < mid {
        (
            log_uniform(u("price"), 5.0, 200.0),
            0.35 + 0.30 * u("theta"),
        )
    } else {
        (log_uniform(u("price"), 1.0, 60.0), 0.55 + 0.65 * u("theta"))
    };
    // Earnings: most companies report in the weeks after the quarter ends, some later (fiscal
    // years off the calendar), a few in the quarter's last month.
    let e = u("earn-month");
    let day = |lo: u32, hi: u32| lo + (u("earn-day") * f64::from(hi - lo + 1)) as u32;
    let (month, d) = if e < 0.62 {
        (1, day(12, 28))
    } else if e < 0.82 {
        (2, day(1, 12))
    } else if e < 0.93 {
        (2, day(13, 28))
    } else {
        (3, day(1, 22))
    };
    Traits {
        price,
        vol,
        liquidity,
        earnings: Cycle {
            month,
            day: d.min(28),
            bmo: u("earn-bmo") < 0.45,
            // Some calendar-year companies publish their annual report weeks after the
            // quarterly ones' usual date.
            annual_delay: if month == 1 && u("annual") < 0.4 {
                7 + (u("annual-days") * 21.0) as u32
            } else {
                0
            },
        },
        listed: listing_date(symbol),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universe_order_and_membership() {
        let u = scale_universe(20_000);
        assert_eq!(u.len(), 20_000);
        assert_eq!(&u[..3], ["YAAA", "YAAB", "YAAC"]);
        let last3 = u
            .iter()
            .rposition(|s| s.len() == 4)
            .expect("three-letter names");
        assert_eq!(u[last3], "YZZZ");
        assert_eq!(u[last3 + 1], "YAAAA");
        assert!(u.iter().all(|s| is_scale(s)));
        let mut sorted = u.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), u.len());
        for s in ["Y", "YAA", "YAAAAA", "XAAA", "YAA1", "yaaa", "AAPL"] {
            assert!(!is_scale(s), "{s}");
        }
        assert!(scale_universe(0).is_empty());
    }

    #[test]
    fn traits_look_like_a_broad_universe() {
        let u = scale_universe(5_000);
        let t: Vec<Traits> = u.iter().map(|s| traits(s)).collect();
        let share =
            |f: &dyn Fn(&Traits) -> bool| t.iter().filter(|x| f(x)).count() as f64 / t.len() as f64;
        let thin = share(&|x| x.liquidity.unwrap_or(0) <= 2);
        assert!((0.65..0.82).contains(&thin), "thin {thin}");
        let liquid = share(&|x| x.liquidity.unwrap_or(0) >= 4);
        assert!((0.05..0.13).contains(&liquid), "liquid {liquid}");
        let high_vol = share(&|x| x.vol > 0.55);
        assert!(high_vol > 0.4, "high vol {high_vol}");
        let recent = share(&|x| x.listed.is_some());
        assert!((0.02..0.04).contains(&recent), "recent {recent}");
        assert!(t.iter().all(|x| x.price >= 1.0 && x.price <= 500.0));
        assert!(t.iter().all(|x| (1..=28).contains(&x.earnings.day)));
        assert_eq!(traits("YAAB"), traits("YAAB"));
    }
}
