//! Options in the demo market: Black–Scholes / Black-76 pricing with a volatility skew, strike
//! grids as listed in reality (fine near the money, coarse beyond, by price level and product),
//! OCC and streamer symbols, and the expiration calendar of equity, ETF and index chains. Option
//! bid/ask spreads are in [`super::quotes`].

use crate::calendar;
use volscreen_core::date::Date;

/// Risk-free rate of the model (continuous compounding).
pub const RATE: f64 = 0.04;

/// Standard normal cumulative distribution.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Black–Scholes price of a European option on a non-dividend stock.
pub fn black_scholes(call: bool, s: f64, k: f64, t: f64, r: f64, vol: f64) -> f64 {
    let df = (-r * t).exp();
    black76(call, s / df, k, t, r, vol)
}

/// Black-76 price of a European option on a forward/futures price `f`.
pub fn black76(call: bool, f: f64, k: f64, t: f64, r: f64, vol: f64) -> f64 {
    let df = (-r * t).exp();
    if t <= 0.0 || vol <= 0.0 || f <= 0.0 || k <= 0.0 {
        let intrinsic = if call { f - k } else { k - f };
        return df * intrinsic.max(0.0);
    }
    let sd = vol * t.sqrt();
    let d1 = ((f / k).ln() + 0.5 * sd * sd) / sd;
    let d2 = d1 - sd;
    if call {
        df * (f * norm_cdf(d1) - k * norm_cdf(d2))
    } else {
        df * (k * norm_cdf(-d2) - f * norm_cdf(-d1))
    }
}

/// The volatility of strike `k` given the at-the-money volatility of the expiration: a put skew
/// with a little smile.
pub fn skewed_vol(atm: f64, s: f64, k: f64, t: f64) -> f64 {
    let sd = (atm * t.max(1.0 / 365.0).sqrt()).max(1e-6);
    let m = ((k / s).ln() / sd).clamp(-4.0, 4.0);
    (atm * (1.0 - 0.08 * m + 0.03 * m * m)).clamp(0.6 * atm, 2.5 * atm)
}

/// Years to an expiration from the as-of date (a same-day expiration keeps a few hours).
pub fn years_to(as_of: Date, expiration: Date) -> f64 {
    (expiration.days_since(as_of) as f64).max(0.3) / 365.0
}

/// How an expiration's strikes are spaced: every multiple of `fine` near the money, every
/// multiple of `coarse` beyond (as listed chains are: SPX every 5 points near the money, every 25
/// further out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrikeSpacing {
    pub fine: f64,
    pub coarse: f64,
}

/// Strike spacing of stock-like underlyings by price level: (prices below, fine, coarse) for
/// liquid names (rating 4–5, a `LIQUID` name or an ETF) and for the rest; the first matching row
/// wins, the last row has no bound.
const LIQUID_SPACING: [(f64, f64, f64); 5] = [
    (25.0, 0.5, 1.0),
    (150.0, 1.0, 5.0),
    (500.0, 2.5, 5.0),
    (1500.0, 5.0, 10.0),
    (f64::INFINITY, 10.0, 50.0),
];
const OTHER_SPACING: [(f64, f64, f64); 5] = [
    (5.0, 0.5, 1.0),
    (50.0, 1.0, 2.5),
    (100.0, 2.5, 5.0),
    (500.0, 5.0, 10.0),
    (f64::INFINITY, 10.0, 50.0),
];

/// Products with their own listing rules (fine, coarse): the index ETFs list $1 strikes at any
/// price, the cash indices their exchange's intervals.
const NAMED_SPACING: &[(&str, f64, f64)] = &[
    ("SPY", 1.0, 5.0),
    ("QQQ", 1.0, 5.0),
    ("IWM", 1.0, 5.0),
    ("DIA", 1.0, 5.0),
    ("XSP", 1.0, 5.0),
    ("GLD", 1.0, 5.0),
    ("SPX", 5.0, 25.0),
    ("OEX", 5.0, 25.0),
    ("XEO", 5.0, 25.0),
    ("NDX", 10.0, 25.0),
    ("RUT", 5.0, 25.0),
    ("DJX", 1.0, 5.0),
    ("VIX", 1.0, 5.0),
];

/// Strike spacing of an equity, ETF or index option chain with the underlying at `price`.
pub fn equity_spacing(symbol: &str, price: f64, liquid: bool) -> StrikeSpacing {
    if let Some(&(_, fine, coarse)) = NAMED_SPACING.iter().find(|r| r.0 == symbol) {
        return StrikeSpacing { fine, coarse };
    }
    let table = if liquid {
        &LIQUID_SPACING
    } else {
        &OTHER_SPACING
    };
    // A NaN price matches no row: the last one.
    let &(_, fine, coarse) = table
        .iter()
        .find(|row| price < row.0)
        .unwrap_or(&table[table.len() - 1]);
    StrikeSpacing { fine, coarse }
}

/// Strike spacing of a futures option chain: the product's increment near the money, five times
/// it beyond.
pub fn futures_spacing(strike_inc: f64) -> StrikeSpacing {
    StrikeSpacing {
        fine: strike_inc,
        coarse: 5.0 * strike_inc,
    }
}

/// Fewest and most strikes of the fine band on each side of the price.
const MIN_FINE_PER_SIDE: f64 = 5.0;
const MAX_FINE_PER_SIDE: f64 = 50.0;
/// Most strikes of the coarse wings together.
const MAX_COARSE: f64 = 60.0;

/// Strikes of one expiration. The fine band covers the price ± max(4 %, 1.5 standard deviations),
/// at most ± 25 %, and 5 to 50 strikes a side, so the at-the-money strike is within half a fine
/// increment of the price. The coarse wings reach ± max(12 %, 3.5 standard deviations), at most
/// ± 60 %, on multiples of `coarse` (coarsened ×2, ×5, ×10, ... to keep at most about 60 wing
/// strikes).
pub fn strike_grid(price: f64, atm_vol: f64, t: f64, spacing: StrikeSpacing) -> Vec<f64> {
    let StrikeSpacing { fine, coarse } = spacing;
    let bad = |x: f64| !x.is_finite() || x <= 0.0;
    if bad(price) || bad(fine) || bad(coarse) {
        return Vec::new();
    }
    let sd = if atm_vol.is_finite() && t.is_finite() {
        atm_vol.max(0.0) * t.max(0.0).sqrt()
    } else {
        0.0
    };
    let band = ((1.5 * sd).clamp(0.04, 0.25) * price)
        .max(MIN_FINE_PER_SIDE * fine)
        .min(MAX_FINE_PER_SIDE * fine);
    let wing = (3.5 * sd).clamp(0.12, 0.6) * price;
    let wing = wing.max(band);
    let base = coarse.max(fine);
    let coarse = base * nice_multiple(2.0 * (wing - band) / MAX_COARSE / base);
    let multiples = |lo: f64, hi: f64, inc: f64| {
        let a = (lo / inc).ceil().max(1.0) as i64;
        let b = (hi / inc).floor() as i64;
        (a..=b).map(move |i| clean(i as f64 * inc))
    };
    let mut out: Vec<f64> = multiples(price - wing, price - band, coarse)
        .chain(multiples(price - band, price + band, fine))
        .chain(multiples(price + band, price + wing, coarse))
        .collect();
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// The least of 1, 2, 5, 10, 20, 50, ... that is at least `x` (1 for NaN and anything up to 1).
fn nice_multiple(x: f64) -> f64 {
    if !x.is_finite() || x <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// Round away binary noise (strikes and prices print exactly).
pub fn clean(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// A strike as it appears in streamer and futures-option symbols: no trailing zeros.
pub fn fmt_strike(k: f64) -> String {
    format!("{}", clean(k))
}

/// `YYMMDD`.
pub fn yymmdd(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{:02}{:02}{:02}", y.rem_euclid(100), m, dd)
}

/// Parse `YYMMDD` (years 2000..2099).
pub fn parse_yymmdd(s: &str) -> Option<Date> {
    if s.len() != 6 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[0..2].parse().ok()?;
    let m: u32 = s[2..4].parse().ok()?;
    let d: u32 = s[4..6].parse().ok()?;
    Date::from_ymd(2000 + y, m, d)
}

/// The OCC option root of an underlying symbol (`BRK/B` → `BRKB`).
pub fn option_root(symbol: &str) -> String {
    symbol
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(6)
        .collect()
}

/// OCC symbol: root padded to 6, YYMMDD, C/P, strike × 1000 in 8 digits.
pub fn occ_symbol(root: &str, exp: Date, call: bool, strike: f64) -> String {
    format!(
        "{root:<6}{}{}{:08}",
        yymmdd(exp),
        if call { 'C' } else { 'P' },
        (strike * 1000.0).round() as u64
    )
}

/// Streamer symbol: `.AAPL261218C200`.
pub fn streamer_symbol(root: &str, exp: Date, call: bool, strike: f64) -> String {
    format!(
        ".{root}{}{}{}",
        yymmdd(exp),
        if call { 'C' } else { 'P' },
        fmt_strike(strike)
    )
}

/// A parsed equity option symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionRef {
    pub root: String,
    pub expiration: Date,
    pub call: bool,
    pub strike: f64,
}

/// Parse an OCC symbol (`AAPL  261218C00200000`, padding optional) or a streamer symbol
/// (`.AAPL261218C200`).
pub fn parse_equity_option(s: &str) -> Option<OptionRef> {
    let s = s.trim();
    if let Some(body) = s.strip_prefix('.') {
        // Streamer: root, YYMMDD, C/P, decimal strike. Roots may contain digits, so anchor on
        // the rightmost C/P that follows six digits.
        if !body.is_ascii() {
            return None;
        }
        let b = body.as_bytes();
        for pos in (7..b.len()).rev() {
            if b[pos] != b'C' && b[pos] != b'P' {
                continue;
            }
            let root = &body[..pos - 6];
            let Some(expiration) = parse_yymmdd(&body[pos - 6..pos]) else {
                continue;
            };
            let Ok(strike) = body[pos + 1..].parse::<f64>() else {
                continue;
            };
            if root.is_empty()
                || !root.bytes().all(|c| c.is_ascii_alphanumeric())
                || !(strike > 0.0 && strike.is_finite())
            {
                continue;
            }
            return Some(OptionRef {
                root: root.to_string(),
                expiration,
                call: b[pos] == b'C',
                strike: clean(strike),
            });
        }
        return None;
    }
    // OCC: the last 15 characters are YYMMDD + C/P + 8 digits; the root is what precedes them.
    if s.len() < 16 || !s.is_ascii() {
        return None;
    }
    let (root, tail) = s.split_at(s.len() - 15);
    let root = root.trim_end();
    if root.is_empty() || root.len() > 6 || !root.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let expiration = parse_yymmdd(&tail[0..6])?;
    let call = match tail.as_bytes()[6] {
        b'C' => true,
        b'P' => false,
        _ => return None,
    };
    let digits = &tail[7..];
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let milli: u64 = digits.parse().ok()?;
    if milli == 0 {
        return None;
    }
    Some(OptionRef {
        root: root.to_string(),
        expiration,
        call,
        strike: clean(milli as f64 / 1000.0),
    })
}

/// One expiration of an equity/ETF/index chain before strikes are attached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpirationSpec {
    pub date: Date,
    pub kind: &'static str,
    pub settlement: &'static str,
}

/// Cash indices whose monthly options are AM-settled.
const AM_INDICES: &[&str] = &["SPX", "NDX", "RUT", "DJX", "OEX", "XEO"];
/// Underlyings with daily expirations and end-of-month expirations.
const DAILIES: &[&str] = &["SPY", "QQQ", "IWM", "SPX", "XSP", "NDX", "RUT"];

fn adjust(d: Date) -> Date {
    calendar::trading_day_on_or_before(d)
}

/// The expiration calendar of an equity, ETF or index chain on `as_of`: weeklies for the next
/// weeks (8 for liquidity 4–5, 4 for 3, none below), dailies for the index products, monthly
/// third Fridays for about a year, two January LEAPS for liquid names, end-of-month for the index
/// products. VIX options expire on Wednesdays.
pub fn equity_expirations(symbol: &str, as_of: Date, rating: Option<u8>) -> Vec<ExpirationSpec> {
    let rating = rating.unwrap_or(0);
    let mut out: Vec<ExpirationSpec> = Vec::new();
    let am = AM_INDICES.contains(&symbol);
    let (y0, m0) = (as_of.year(), as_of.month());
    let month_at = |i: i32| -> (i32, u32) {
        let idx = (m0 as i32 - 1) + i;
        (y0 + idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1)
    };
    if symbol == "VIX" {
        for i in 0..8 {
            let (y, m) = month_at(i + 1);
            let d = adjust(Date::third_friday(y, m).add_days(-30));
            if d >= as_of {
                out.push(ExpirationSpec {
                    date: d,
                    kind: "Regular",
                    settlement: "AM",
                });
            }
        }
        let first_wed = as_of.add_days(((2 + 7 - as_of.weekday()) % 7) as i32);
        for w in 0..6 {
            let d = adjust(first_wed.add_days(7 * w));
            if d >= as_of && !out.iter().any(|e| e.date == d) {
                out.push(ExpirationSpec {
                    date: d,
                    kind: "Weekly",
                    settlement: "AM",
                });
            }
        }
    } else {
        let mut monthly_count = 0;
        let mut i = 0;
        while monthly_count < 12 && i < 16 {
            let (y, m) = month_at(i);
            let d = adjust(Date::third_friday(y, m));
            if d >= as_of {
                out.push(ExpirationSpec {
                    date: d,
                    kind: "Regular",
                    settlement: if am { "AM" } else { "PM" },
                });
                monthly_count += 1;
            }
            i += 1;
        }
        if rating >= 4 {
            let last = out.last().map(|e| e.date).unwrap_or(as_of);
            for y in [y0 + 1, y0 + 2] {
                let d = adjust(Date::third_friday(y, 1));
                if d > last {
                    out.push(ExpirationSpec {
                        date: d,
                        kind: "Regular",
                        settlement: if am { "AM" } else { "PM" },
                    });
                }
            }
        }
        let weeks = match rating {
            4 | 5 => 8,
            3 => 4,
            _ => 0,
        };
        let first_fri = as_of.add_days(((4 + 7 - as_of.weekday()) % 7) as i32);
        for w in 0..weeks {
            let d = adjust(first_fri.add_days(7 * w));
            if d >= as_of && !out.iter().any(|e| e.date == d) {
                out.push(ExpirationSpec {
                    date: d,
                    kind: "Weekly",
                    settlement: "PM",
                });
            }
        }
        if DAILIES.contains(&symbol) {
            let mut d = calendar::trading_day_on_or_after(as_of);
            for _ in 0..10 {
                if !out.iter().any(|e| e.date == d) {
                    out.push(ExpirationSpec {
                        date: d,
                        kind: "Weekly",
                        settlement: "PM",
                    });
                }
                d = calendar::next_trading_day(d);
            }
            for i in 0..3 {
                let (y, m) = month_at(i);
                let last = Date::from_ymd(y, m, volscreen_core::date::days_in_month(y, m))
                    .map(adjust)
                    .unwrap_or(as_of);
                if last >= as_of && !out.iter().any(|e| e.date == last) {
                    out.push(ExpirationSpec {
                        date: last,
                        kind: "End-Of-Month",
                        settlement: "PM",
                    });
                }
            }
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn symbols_round_trip() {
        let exp = d("2026-12-18");
        assert_eq!(
            occ_symbol("AAPL", exp, true, 200.0),
            "AAPL  261218C00200000"
        );
        assert_eq!(
            occ_symbol("SPY", d("2026-08-04"), false, 500.0),
            "SPY   260804P00500000"
        );
        assert_eq!(
            streamer_symbol("SPY", d("2026-08-04"), true, 500.0),
            ".SPY260804C500"
        );
        assert_eq!(streamer_symbol("X", exp, false, 192.5), ".X261218P192.5");
        let r = parse_equity_option("AAPL  261218C00200000").expect("occ");
        assert_eq!(
            (r.root.as_str(), r.expiration, r.call, r.strike),
            ("AAPL", exp, true, 200.0)
        );
        let r = parse_equity_option(".X261218P192.5").expect("streamer");
        assert_eq!((r.root.as_str(), r.call, r.strike), ("X", false, 192.5));
        assert_eq!(
            parse_equity_option("AAPL261218C00200000").map(|r| r.strike),
            Some(200.0)
        );
        let r = parse_equity_option(".T77X261218C12.5").expect("digits in root");
        assert_eq!((r.root.as_str(), r.strike), ("T77X", 12.5));
        assert!(parse_equity_option("AAPL  261318C00200000").is_none());
        assert!(parse_equity_option("AAPL  261218X00200000").is_none());
        assert!(parse_equity_option("garbage").is_none());
        assert_eq!(option_root("BRK/B"), "BRKB");
    }

    #[test]
    fn pricing_and_parity() {
        let (s, k, t, v) = (100.0, 105.0, 0.25, 0.3);
        let c = black_scholes(true, s, k, t, RATE, v);
        let p = black_scholes(false, s, k, t, RATE, v);
        assert!((c - p - (s - k * (-RATE * t).exp())).abs() < 1e-9);
        // Known value: S=100, K=100, T=1, r=0.05, vol=0.2 → call 10.4506.
        assert!((black_scholes(true, 100.0, 100.0, 1.0, 0.05, 0.2) - 10.4506).abs() < 1e-3);
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-12);
        assert!((norm_cdf(1.96) - 0.975).abs() < 1e-4);
    }

    /// The strikes bracketing `price` and the gap between them.
    fn bracket(g: &[f64], price: f64) -> (f64, f64) {
        let i = g.partition_point(|k| *k <= price);
        (g[i - 1], g[i])
    }

    #[test]
    fn grids_are_fine_near_the_money_and_coarse_beyond() {
        let sp = |s: &str, p: f64, l: bool| equity_spacing(s, p, l);
        let g = strike_grid(187.3, 0.3, 0.1, sp("X", 187.3, true));
        assert!(g.len() > 10 && g.len() <= 170, "{}", g.len());
        assert!(g.windows(2).all(|w| w[1] > w[0]));
        assert_eq!(bracket(&g, 187.3), (185.0, 187.5));
        // Far from the money the grid is coarse, on multiples of 5.
        assert!(g.iter().filter(|k| **k < 150.0).all(|k| k % 5.0 == 0.0));
        assert!(g.first().is_some_and(|k| *k <= 187.3 * 0.88));
        // SPX: 5 points near the money, 25 (or coarser) far out; at most ~160 strikes.
        let spx = strike_grid(6012.3, 0.15, 0.12, sp("SPX", 6012.3, true));
        assert_eq!(bracket(&spx, 6012.3), (6010.0, 6015.0));
        assert!(spx.len() <= 170, "{}", spx.len());
        assert!(spx.iter().filter(|k| **k < 5400.0).all(|k| k % 25.0 == 0.0));
        let spx_leap = strike_grid(6012.3, 0.18, 2.1, sp("SPX", 6012.3, true));
        assert!(spx_leap.len() <= 170, "{}", spx_leap.len());
        assert_eq!(bracket(&spx_leap, 6012.3), (6010.0, 6015.0));
        // Futures: /NQ every 10 points at the money, /6J every 0.00005.
        let nq = strike_grid(20880.5, 0.2, 0.12, futures_spacing(10.0));
        assert_eq!(bracket(&nq, 20880.5), (20880.0, 20890.0));
        let jy = strike_grid(0.006655, 0.1, 0.12, futures_spacing(0.00005));
        assert_eq!(bracket(&jy, 0.006655), (0.00665, 0.0067));
        // Equity increments by price level.
        assert_eq!(sp("Y", 12.0, true).fine, 0.5);
        assert_eq!(sp("Y", 80.0, true).fine, 1.0);
        assert_eq!(sp("Y", 300.0, true).fine, 2.5);
        assert_eq!(sp("Y", 1200.0, true).fine, 5.0);
        assert_eq!(sp("Y", 3.0, false).fine, 0.5);
        assert_eq!(sp("Y", 30.0, false).fine, 1.0);
        assert_eq!(sp("Y", 300.0, false).fine, 5.0);
        assert_eq!(sp("Y", f64::NAN, false).fine, 10.0);
        assert_eq!(sp("SPY", 600.0, true).fine, 1.0);
        assert_eq!(sp("NDX", 21000.0, true).fine, 10.0);
        // Degenerate inputs give no strikes, never a panic.
        assert!(strike_grid(f64::NAN, 0.2, 0.1, sp("Y", 1.0, true)).is_empty());
        assert!(strike_grid(100.0, f64::NAN, f64::NAN, sp("Y", 100.0, true)).len() > 5);
        assert!(strike_grid(0.7, 0.9, 0.1, sp("F", 0.7, true)).contains(&0.5));
        assert!(strike_grid(1e300, 0.2, 0.1, sp("Y", 1e300, false)).len() < 200);
        assert!(strike_grid(1e12, 5.0, 3.0, sp("Y", 1e12, true)).len() < 200);
        assert_eq!(nice_multiple(0.3), 1.0);
        assert_eq!(nice_multiple(3.0), 5.0);
        assert_eq!(nice_multiple(20.0), 20.0);
    }

    #[test]
    fn expiration_calendars() {
        let as_of = d("2026-11-20");
        let e = equity_expirations("AAPL", as_of, Some(5));
        let monthly: Vec<_> = e.iter().filter(|x| x.kind == "Regular").collect();
        let weekly: Vec<_> = e.iter().filter(|x| x.kind == "Weekly").collect();
        assert!(monthly.len() >= 12, "{}", monthly.len());
        assert!(weekly.len() >= 5);
        assert_eq!(monthly[0].date, d("2026-11-20"));
        assert_eq!(monthly[1].date, d("2026-12-18"));
        assert!(e.windows(2).all(|w| w[0].date < w[1].date));
        // Good Friday 2026-04-03 moves the weekly to Thursday.
        let e = equity_expirations("SPY", d("2026-03-20"), Some(5));
        assert!(e.iter().any(|x| x.date == d("2026-04-02")));
        assert!(!e.iter().any(|x| x.date == d("2026-04-03")));
        let spx = equity_expirations("SPX", as_of, Some(5));
        assert!(spx
            .iter()
            .any(|x| x.settlement == "AM" && x.kind == "Regular"));
        assert!(spx.iter().any(|x| x.kind == "End-Of-Month"));
        let vix = equity_expirations("VIX", as_of, Some(5));
        assert!(vix.iter().all(|x| x.date.weekday() <= 2));
        assert!(equity_expirations("ILLQ", as_of, Some(2))
            .iter()
            .all(|x| x.kind == "Regular"));
    }
}
