//! Dividends of the demo market's equities and ETFs: who pays, how much, how often, and when.
//!
//! One data table ([`PAYERS`]) holds the approximate dividend yield and payment cycle of the
//! well-known payers, and [`NON_PAYERS`] the well-known names that pay nothing; every other equity
//! or ETF is drawn by hash (about half of the equities and 70 % of the ETFs pay, quarterly).
//! Indices and futures have no dividends. The cash amount per payment is fixed for a calendar year
//! (the table's yield × the first close of the year, on cents, as boards set a rate and keep it), so
//! the yield reported on a date is that amount × frequency over the date's close. Ex-dates fall on
//! a per-symbol day of the cycle's months (the first days of the month for monthly payers, which
//! are mostly bond funds); the payment follows the ex-date by one to four weeks.
//!
//! Source of the table: the companies' and funds' published dividend histories (trailing
//! twelve-month yields and ex-date months as of late 2025), rounded; approximate by design.

use crate::calendar;
use crate::rng::unit;
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

/// What `/market-metrics` (and the by-type rows) say about a symbol's dividend. A non-payer has
/// zero amounts and no dates: [`Dividend::default`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dividend {
    /// Cash per payment (`dividend-rate-per-share`, by-type `dividend-amount`).
    pub amount: f64,
    /// Payments per year: 12, 4, 2 or 1 (0 for a non-payer).
    pub frequency: u32,
    /// `amount × frequency` (`annual-dividend-per-share`).
    pub annual: f64,
    /// `annual` over the as-of close, a fraction (`dividend-yield`).
    pub dividend_yield: f64,
    /// The last ex-date on or before the as-of date.
    pub ex_date: Option<Date>,
    /// The next ex-date after the as-of date.
    pub next_ex_date: Option<Date>,
    /// The payment date of the last ex-date (may lie after the as-of date).
    pub pay_date: Option<Date>,
    /// When the dividend record last changed: the announcement two weeks before the last ex-date
    /// (epoch ms; 0 for a non-payer).
    pub updated_at_ms: i64,
}

/// A payment policy: annual yield (fraction), payments per year, and the first month of the cycle
/// (1..=12/frequency).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Policy {
    annual_yield: f64,
    frequency: u32,
    first_month: u32,
}

/// Well-known payers: (symbol, annual yield in percent, payments per year, first month of the
/// cycle). See the module documentation for the source.
#[rustfmt::skip]
const PAYERS: &[(&str, f64, u32, u32)] = &[
    // Equities.
    ("AAPL", 0.4, 4, 2), ("MSFT", 0.7, 4, 2), ("NVDA", 0.02, 4, 3), ("META", 0.3, 4, 3),
    ("GOOGL", 0.3, 4, 3), ("GOOG", 0.3, 4, 3), ("AVGO", 0.7, 4, 3), ("JPM", 2.0, 4, 1),
    ("BAC", 2.2, 4, 3), ("C", 2.5, 4, 2), ("WFC", 2.0, 4, 2), ("GS", 1.9, 4, 3),
    ("MS", 2.6, 4, 1), ("XOM", 3.5, 4, 2), ("CVX", 4.4, 4, 2), ("OXY", 2.1, 4, 3),
    ("DIS", 0.9, 2, 6), ("NKE", 2.5, 4, 3), ("SBUX", 2.9, 4, 2), ("MCD", 2.4, 4, 3),
    ("WMT", 0.9, 4, 3), ("COST", 0.5, 4, 2), ("TGT", 4.7, 4, 2), ("HD", 2.5, 4, 3),
    ("LOW", 2.0, 4, 1), ("QCOM", 2.2, 4, 3), ("TSM", 1.1, 4, 3), ("MU", 0.2, 4, 1),
    ("F", 5.8, 4, 2), ("GM", 1.0, 4, 3), ("T", 4.0, 4, 1), ("VZ", 6.4, 4, 1),
    ("PFE", 6.8, 4, 1), ("MRK", 3.8, 4, 3), ("JNJ", 2.7, 4, 2), ("LLY", 0.7, 4, 2),
    ("UNH", 2.6, 4, 3), ("ABBV", 3.0, 4, 1), ("CVS", 3.6, 4, 1), ("KO", 2.9, 4, 3),
    ("PEP", 3.8, 4, 3), ("PG", 2.7, 4, 1), ("BABA", 1.3, 1, 6), ("JD", 2.5, 1, 4),
    ("V", 0.7, 4, 2), ("MA", 0.5, 4, 1), ("ORCL", 0.8, 4, 1), ("CRM", 0.6, 4, 3),
    ("CSCO", 2.4, 4, 1), ("IBM", 2.4, 4, 2), ("CAT", 1.2, 4, 1), ("DE", 1.3, 4, 3),
    ("GE", 0.5, 4, 3), ("AXP", 0.9, 4, 1), ("SCHW", 1.1, 4, 2), ("SLB", 3.1, 4, 2),
    ("TXN", 3.0, 4, 1), ("CMCSA", 4.2, 4, 1), ("TMO", 0.3, 4, 3), ("ACN", 2.2, 4, 1),
    ("ABT", 1.8, 4, 1), ("LIN", 1.3, 4, 3), ("NEE", 2.8, 4, 3), ("PM", 3.6, 4, 3),
    ("AMGN", 3.2, 4, 2), ("RTX", 1.6, 4, 2), ("HON", 2.2, 4, 2), ("UNP", 2.4, 4, 3),
    ("UPS", 7.0, 4, 2), ("AMAT", 0.9, 4, 2), ("PLD", 3.5, 4, 3), ("MDT", 3.0, 4, 3),
    ("BLK", 2.0, 4, 3), ("LMT", 2.8, 4, 3), ("GILD", 2.7, 4, 3), ("MDLZ", 3.3, 4, 3),
    ("MO", 7.0, 4, 3), ("SO", 3.2, 4, 2), ("DUK", 3.5, 4, 2), ("EOG", 3.2, 4, 1),
    ("PNC", 3.4, 4, 1), ("USB", 4.2, 4, 3), ("COP", 3.2, 4, 2), ("KMI", 4.3, 4, 1),
    ("WMB", 3.4, 4, 3), ("ET", 7.5, 4, 2), ("EPD", 6.8, 4, 1), ("KHC", 6.0, 4, 2),
    ("GIS", 4.5, 4, 1), ("CAG", 7.0, 4, 1), ("AMT", 3.6, 4, 3), ("CCI", 6.2, 4, 3),
    ("O", 5.6, 12, 1), ("SPG", 4.8, 4, 3), ("NOK", 3.0, 4, 1),
    // ETFs.
    ("SPY", 1.1, 4, 3), ("VOO", 1.2, 4, 3), ("IVV", 1.2, 4, 3), ("VTI", 1.2, 4, 3),
    ("RSP", 1.5, 4, 3), ("QQQ", 0.5, 4, 3), ("IWM", 1.1, 4, 3), ("DIA", 1.5, 12, 1),
    ("SMH", 0.4, 1, 12), ("SOXX", 0.6, 4, 3), ("XLF", 1.4, 4, 3), ("XLE", 3.3, 4, 3),
    ("XLK", 0.6, 4, 3), ("XLV", 1.7, 4, 3), ("XLI", 1.3, 4, 3), ("XLY", 0.8, 4, 3),
    ("XLP", 2.7, 4, 3), ("XLU", 2.8, 4, 3), ("XLB", 1.9, 4, 3), ("XLRE", 3.3, 4, 3),
    ("XLC", 1.0, 4, 3), ("TLT", 4.3, 12, 1), ("IEF", 3.7, 12, 1), ("SHY", 3.9, 12, 1),
    ("LQD", 4.5, 12, 1), ("HYG", 5.8, 12, 1), ("JNK", 6.5, 12, 1), ("EMB", 5.0, 12, 1),
    ("BKLN", 7.0, 12, 1), ("EEM", 2.2, 2, 6), ("EFA", 3.0, 2, 6), ("VEA", 3.2, 4, 3),
    ("VWO", 3.0, 4, 3), ("EWZ", 6.0, 2, 6), ("EWJ", 2.0, 2, 6), ("EWW", 3.5, 2, 6),
    ("EWY", 1.5, 1, 12), ("EWT", 2.5, 2, 6), ("INDA", 0.8, 2, 6), ("FXI", 2.4, 2, 6),
    ("MCHI", 2.0, 2, 6), ("ASHR", 1.5, 1, 12), ("KWEB", 3.0, 1, 12), ("VNQ", 4.0, 4, 3),
    ("IYR", 2.6, 12, 1), ("SCHD", 3.8, 4, 3), ("KRE", 2.8, 4, 3), ("KBE", 2.5, 4, 3),
    ("IBB", 0.2, 4, 3), ("XRT", 1.3, 4, 3), ("XHB", 0.7, 4, 3), ("ITB", 0.5, 4, 3),
    ("OIH", 2.0, 1, 12), ("XME", 0.6, 4, 3), ("XOP", 2.5, 4, 3), ("GDX", 0.8, 1, 12),
    ("GDXJ", 1.5, 1, 12), ("COPX", 1.5, 2, 6), ("SIL", 0.3, 2, 6), ("URA", 4.0, 1, 12),
    ("TAN", 0.3, 1, 12), ("ICLN", 1.5, 2, 6), ("TQQQ", 1.0, 4, 3), ("SQQQ", 8.0, 4, 3),
    ("SOXL", 0.8, 4, 3), ("SOXS", 6.0, 4, 3), ("SPXL", 0.8, 4, 3), ("TNA", 1.0, 4, 3),
    ("FAS", 0.8, 4, 3), ("LABU", 0.3, 4, 3), ("TMF", 3.5, 4, 3), ("BITO", 25.0, 12, 1),
];

/// Well-known equities and ETFs that pay no dividend.
#[rustfmt::skip]
const NON_PAYERS: &[&str] = &[
    "TSLA", "AMZN", "NFLX", "AMD", "BA", "PYPL", "XYZ", "UBER", "COIN", "MSTR", "MARA", "PLTR",
    "SNOW", "CRWD", "SHOP", "ROKU", "INTC", "PDD", "NIO", "RIVN", "LCID", "SOFI", "HOOD", "DKNG",
    "BRK/B", "ADBE", "ISRG", "NOW", "REGN", "VRTX", "ABNB", "DASH", "ZS", "NET", "DDOG", "MDB",
    "OKTA", "PANW", "FTNT", "TEAM", "WDAY", "HUBS", "TWLO", "DOCU", "ZM", "SPOT", "PINS", "SNAP",
    "RBLX", "U", "AFRM", "UPST", "RIOT", "CLSK", "HUT", "BITF", "XPEV", "LI", "CHPT", "PLUG",
    "FCEL", "BLNK", "ENPH", "SEDG", "FSLR", "RUN", "QS", "BLDP", "GME", "AMC", "BB", "TLRY",
    "CGC", "ACB", "SNDL", "CRON", "SPCE", "PENN", "CZR", "LYFT", "CVNA", "CHWY", "ETSY", "W",
    "ARM", "SMCI", "BIIB", "ALNY", "INCY", "EXEL", "TEVA", "MRNA", "BNTX", "NVAX", "ILMN",
    "DXCM", "ALGN", "BIDU", "IQ", "BILI", "FUTU", "WOLF", "LULU", "DECK", "CROX", "UA",
    // ETFs and ETNs without distributions.
    "GLD", "SLV", "USO", "UNG", "UVXY", "VXX", "SVXY", "IBIT", "FBTC", "ETHA", "ARKK", "ARKG",
    "JETS", "XBI",
];

/// The payment policy of an equity or ETF (`None` for a non-payer, an index or a future).
fn policy(symbol: &str, class: AssetClass) -> Option<Policy> {
    if !matches!(class, AssetClass::Equity | AssetClass::Etf) || NON_PAYERS.contains(&symbol) {
        return None;
    }
    if let Some(&(_, pct, frequency, first_month)) = PAYERS.iter().find(|p| p.0 == symbol) {
        return Some(Policy {
            annual_yield: pct / 100.0,
            frequency,
            first_month,
        });
    }
    let u = |salt: &str| unit(symbol, salt);
    let (share, lo, hi): (f64, f64, f64) = match class {
        AssetClass::Etf => (0.70, 0.005, 0.035),
        _ => (0.55, 0.004, 0.045),
    };
    (u("dividend-payer") < share).then(|| Policy {
        annual_yield: (lo.ln() + u("dividend-yield") * (hi.ln() - lo.ln())).exp(),
        frequency: 4,
        first_month: 1 + (u("dividend-month") * 3.0) as u32,
    })
}

/// The ex-dates of a policy in `from_year..=to_year`, ascending.
fn ex_dates(symbol: &str, p: &Policy, from_year: i32, to_year: i32) -> Vec<Date> {
    let step = 12 / p.frequency.clamp(1, 12);
    // Monthly payers (mostly bond funds) go ex in the first days of the month.
    let day = if p.frequency >= 12 {
        1 + (unit(symbol, "dividend-day") * 4.0) as u32
    } else {
        3 + (unit(symbol, "dividend-day") * 24.0) as u32
    };
    let mut out = Vec::new();
    for y in from_year..=to_year {
        let mut m = p.first_month.clamp(1, step);
        while m <= 12 {
            if let Some(d) = Date::from_ymd(y, m, day) {
                out.push(calendar::trading_day_on_or_after(d));
            }
            m += step;
        }
    }
    out.sort();
    out
}

/// Round to cents.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The dividend of `symbol` (an equity or ETF of class `class`) as of the close of `as_of`, from
/// its served daily candles (ascending). `None` for indices, futures and symbols without candles;
/// zeros for a non-payer.
pub fn dividend(
    symbol: &str,
    class: AssetClass,
    candles: &[Candle],
    as_of: Date,
) -> Option<Dividend> {
    if !matches!(class, AssetClass::Equity | AssetClass::Etf) {
        return None;
    }
    let last = candles.last()?;
    let none = Dividend::default();
    let Some(p) = policy(symbol, class) else {
        return Some(none);
    };
    // The rate is set once a year, from the first close of the year (or of the history).
    let year_start = Date::from_ymd(as_of.year(), 1, 1).map(|d| d.epoch_ms());
    let reference = candles
        .iter()
        .find(|c| year_start.is_some_and(|t| c.time >= t))
        .unwrap_or(last)
        .close;
    let amount = cents(p.annual_yield * reference / f64::from(p.frequency)).max(0.01);
    let annual = amount * f64::from(p.frequency);
    let dates = ex_dates(symbol, &p, as_of.year() - 1, as_of.year() + 1);
    let ex_date = dates.iter().rev().find(|d| **d <= as_of).copied();
    let next_ex_date = dates.iter().find(|d| **d > as_of).copied();
    let lag = if p.frequency >= 12 {
        4 + (unit(symbol, "dividend-lag") * 4.0) as i32
    } else {
        7 + (unit(symbol, "dividend-lag") * 21.0) as i32
    };
    let pay_date = ex_date.map(|d| calendar::trading_day_on_or_after(d.add_days(lag)));
    Some(Dividend {
        amount,
        frequency: p.frequency,
        annual,
        dividend_yield: if last.close > 0.0 {
            annual / last.close
        } else {
            0.0
        },
        ex_date,
        next_ex_date,
        pay_date,
        updated_at_ms: ex_date.map(|d| d.add_days(-14).epoch_ms()).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candles(from: Date, n: usize, price: f64) -> Vec<Candle> {
        calendar::trading_days(from, from.add_days(2 * n as i32))
            .into_iter()
            .take(n)
            .map(|d| Candle {
                time: d.epoch_ms(),
                open: price,
                high: price,
                low: price,
                close: price,
                volume: 1.0,
            })
            .collect()
    }

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).unwrap()
    }

    #[test]
    fn a_quarterly_payer_between_two_ex_dates() {
        let as_of = date(2026, 11, 20);
        let c = candles(date(2025, 6, 2), 370, 120.0);
        let d = dividend("KO", AssetClass::Equity, &c, as_of).unwrap();
        assert_eq!(d.frequency, 4);
        assert!((d.amount - 0.87).abs() < 1e-9, "{}", d.amount);
        assert!((d.annual - 3.48).abs() < 1e-9);
        assert!((d.dividend_yield - 0.029).abs() < 1e-9);
        let (ex, next, pay) = (
            d.ex_date.unwrap(),
            d.next_ex_date.unwrap(),
            d.pay_date.unwrap(),
        );
        assert!(ex <= as_of && next > as_of && pay > ex);
        // KO's cycle starts in March: Mar/Jun/Sep/Dec.
        assert_eq!(ex.month(), 9);
        assert_eq!(next.month(), 12);
        assert!(calendar::is_trading_day(ex) && calendar::is_trading_day(pay));
        assert!(d.updated_at_ms < ex.epoch_ms());
    }

    #[test]
    fn non_payers_indices_and_monthly_funds() {
        let as_of = date(2026, 11, 20);
        let c = candles(date(2025, 6, 2), 370, 50.0);
        let tsla = dividend("TSLA", AssetClass::Equity, &c, as_of).unwrap();
        assert_eq!((tsla.amount, tsla.frequency, tsla.ex_date), (0.0, 0, None));
        assert!(dividend("SPX", AssetClass::Index, &c, as_of).is_none());
        assert!(dividend("/ES", AssetClass::Future, &c, as_of).is_none());
        assert!(dividend("AAPL", AssetClass::Equity, &[], as_of).is_none());
        let tlt = dividend("TLT", AssetClass::Etf, &c, as_of).unwrap();
        assert_eq!(tlt.frequency, 12);
        let ex = tlt.ex_date.unwrap();
        assert!(as_of.days_since(ex) < 31 && ex.day() <= 8, "{ex}");
        assert!(tlt.next_ex_date.unwrap().days_since(ex) < 40);
    }

    #[test]
    fn drawn_yields_are_realistic_by_class() {
        let as_of = date(2026, 11, 20);
        let c = candles(date(2025, 6, 2), 370, 80.0);
        for (class, lo, hi) in [
            (AssetClass::Equity, 0.45, 0.65),
            (AssetClass::Etf, 0.6, 0.8),
        ] {
            let mut payers = 0;
            for i in 0..1000 {
                let d = dividend(&format!("Q{i}"), class, &c, as_of).unwrap();
                if d.frequency > 0 {
                    payers += 1;
                    assert!((0.003..0.05).contains(&d.dividend_yield), "{i}");
                }
            }
            let share = f64::from(payers) / 1000.0;
            assert!((lo..hi).contains(&share), "{class:?}: {share}");
        }
        // Every table yield is a plausible annual yield, every cycle well formed.
        for &(s, pct, f, m) in PAYERS {
            assert!((0.01..=30.0).contains(&pct), "{s}");
            assert!(
                [1, 2, 4, 12].contains(&f) && (1..=12 / f).contains(&m),
                "{s}"
            );
            assert!(!NON_PAYERS.contains(&s), "{s}");
        }
    }
}
