//! Futures in the demo market: the product table (codes, exchanges, months, multipliers, ticks),
//! contract symbols and expiration rules, the listed contracts with their active month, and the
//! path each root and contract follows.
//!
//! Expiration rules are the exchanges' standing rules, simplified, with NYSE sessions standing in
//! for exchange business days. Every contract of a root follows the root's path times a constant
//! basis that depends only on the contract's expiration, so a contract's candles never depend on
//! the as-of date.

use super::universe::PathSpec;
use crate::date::Date;
use crate::sim::calendar;
use crate::sim::rng::unit;
use crate::symbol::{month_of_code, MONTH_CODES};

/// How a product's contracts expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryRule {
    /// Third Friday of the contract month (equity index futures).
    ThirdFriday,
    /// Three sessions before the 25th of the month before the contract month (crude oil).
    Crude,
    /// Three sessions before the first day of the contract month (natural gas).
    NatGas,
    /// Third-last session of the contract month (metals).
    ThirdLastSession,
    /// Seven sessions before the last session of the contract month (Treasuries).
    Treasury,
    /// Two sessions before the third Wednesday of the contract month (currencies).
    Currency,
    /// The session before the 15th of the contract month (grains).
    Grain,
    /// Last session of the contract month (live cattle).
    LastSession,
    /// Tenth session of the contract month (lean hogs).
    TenthSession,
    /// Last Friday of the contract month (bitcoin).
    LastFriday,
}

/// A futures product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub code: &'static str,
    pub description: &'static str,
    pub exchange: &'static str,
    pub streamer: &'static str,
    pub listed: &'static str,
    pub active: &'static str,
    pub multiplier: f64,
    pub tick: f64,
    pub display_factor: f64,
    pub sector: &'static str,
    pub product_type: &'static str,
    pub cash_settled: bool,
    pub option_root: &'static str,
    /// Price level at the anchor date (when not an alias).
    pub price: f64,
    /// Long-run volatility (when not an alias).
    pub vol: f64,
    /// Path shared with another symbol (an index or another root), scaled.
    pub alias: Option<(&'static str, f64)>,
    pub rule: ExpiryRule,
    /// Base option strike increment.
    pub strike_inc: f64,
    /// Annual basis of deferred contracts (contango > 0).
    pub carry: f64,
    /// Typical daily contract volume.
    pub volume: f64,
    /// Whether options have weekly expirations.
    pub weeklies: bool,
}

impl Product {
    pub fn root_symbol(&self) -> String {
        format!("/{}", self.code)
    }

    pub fn listed_months(&self) -> Vec<char> {
        self.listed.chars().collect()
    }

    pub fn active_months(&self) -> Vec<char> {
        self.active.chars().collect()
    }

    fn is_listed(&self, month: u32) -> bool {
        month_code(month).is_some_and(|c| self.listed.contains(c))
    }

    fn is_active(&self, month: u32) -> bool {
        month_code(month).is_some_and(|c| self.active.contains(c))
    }

    /// Expiration (last trade) date of the contract for `month` of `year`.
    pub fn expiration(&self, year: i32, month: u32) -> Date {
        let first = Date::from_ymd(year, month, 1).unwrap_or(Date::from_days(0));
        let last_session = calendar::trading_day_on_or_before(
            Date::from_ymd(year, month, crate::date::days_in_month(year, month)).unwrap_or(first),
        );
        match self.rule {
            ExpiryRule::ThirdFriday => {
                calendar::trading_day_on_or_before(Date::third_friday(year, month))
            }
            ExpiryRule::Crude => {
                let (py, pm) = if month == 1 {
                    (year - 1, 12)
                } else {
                    (year, month - 1)
                };
                let d25 = Date::from_ymd(py, pm, 25).unwrap_or(first);
                calendar::add_trading_days(d25, -3)
            }
            ExpiryRule::NatGas => calendar::add_trading_days(first.add_days(-1), -2),
            ExpiryRule::ThirdLastSession => calendar::add_trading_days(last_session, -2),
            ExpiryRule::Treasury => calendar::add_trading_days(last_session, -7),
            ExpiryRule::Currency => {
                let wed = Date::nth_weekday(year, month, 2, 3).unwrap_or(first);
                calendar::add_trading_days(wed, -2)
            }
            ExpiryRule::Grain => calendar::prev_trading_day(first.add_days(14)),
            ExpiryRule::LastSession => last_session,
            ExpiryRule::TenthSession => {
                calendar::add_trading_days(calendar::trading_day_on_or_after(first), 9)
            }
            ExpiryRule::LastFriday => {
                calendar::trading_day_on_or_before(Date::last_weekday(year, month, 4))
            }
        }
    }
}

/// Month code letter of a month (1..=12).
pub fn month_code(month: u32) -> Option<char> {
    MONTH_CODES.get(month.checked_sub(1)? as usize).copied()
}

macro_rules! product {
    ($code:expr, $desc:expr, $exch:expr, $streamer:expr, $listed:expr, $active:expr, $mult:expr,
     $tick:expr, $df:expr, $sector:expr, $ptype:expr, $cash:expr, $oroot:expr, $price:expr,
     $vol:expr, $alias:expr, $rule:expr, $sinc:expr, $carry:expr, $volume:expr, $weeklies:expr) => {
        Product {
            code: $code,
            description: $desc,
            exchange: $exch,
            streamer: $streamer,
            listed: $listed,
            active: $active,
            multiplier: $mult,
            tick: $tick,
            display_factor: $df,
            sector: $sector,
            product_type: $ptype,
            cash_settled: $cash,
            option_root: $oroot,
            price: $price,
            vol: $vol,
            alias: $alias,
            rule: $rule,
            strike_inc: $sinc,
            carry: $carry,
            volume: $volume,
            weeklies: $weeklies,
        }
    };
}

const ALL12: &str = "FGHJKMNQUVXZ";
const QTR: &str = "HMUZ";
const EI: &str = "Equity Index";
const FIN: &str = "Financial";
use ExpiryRule as R;

/// Every futures product the demo market lists.
pub static PRODUCTS: &[Product] = &[
    product!(
        "ES",
        "E-Mini S&P 500",
        "CME",
        "XCME",
        QTR,
        QTR,
        50.0,
        0.25,
        0.01,
        EI,
        FIN,
        true,
        "EW",
        6000.0,
        0.16,
        Some(("SPX", 1.0)),
        R::ThirdFriday,
        5.0,
        0.015,
        1.6e6,
        true
    ),
    product!(
        "MES",
        "Micro E-Mini S&P 500",
        "CME",
        "XCME",
        QTR,
        QTR,
        5.0,
        0.25,
        0.01,
        EI,
        FIN,
        true,
        "EX",
        6000.0,
        0.16,
        Some(("SPX", 1.0)),
        R::ThirdFriday,
        5.0,
        0.015,
        1.2e6,
        true
    ),
    product!(
        "NQ",
        "E-Mini Nasdaq-100",
        "CME",
        "XCME",
        QTR,
        QTR,
        20.0,
        0.25,
        0.01,
        EI,
        FIN,
        true,
        "QNE",
        21000.0,
        0.2,
        Some(("NDX", 1.0)),
        R::ThirdFriday,
        25.0,
        0.015,
        6.0e5,
        true
    ),
    product!(
        "MNQ",
        "Micro E-Mini Nasdaq-100",
        "CME",
        "XCME",
        QTR,
        QTR,
        2.0,
        0.25,
        0.01,
        EI,
        FIN,
        true,
        "MQE",
        21000.0,
        0.2,
        Some(("NDX", 1.0)),
        R::ThirdFriday,
        25.0,
        0.015,
        9.0e5,
        true
    ),
    product!(
        "RTY",
        "E-Mini Russell 2000",
        "CME",
        "XCME",
        QTR,
        QTR,
        50.0,
        0.1,
        0.01,
        EI,
        FIN,
        true,
        "R3E",
        2300.0,
        0.22,
        Some(("RUT", 1.0)),
        R::ThirdFriday,
        5.0,
        0.015,
        1.5e5,
        true
    ),
    product!(
        "M2K",
        "Micro E-Mini Russell 2000",
        "CME",
        "XCME",
        QTR,
        QTR,
        5.0,
        0.1,
        0.01,
        EI,
        FIN,
        true,
        "M2E",
        2300.0,
        0.22,
        Some(("RUT", 1.0)),
        R::ThirdFriday,
        5.0,
        0.015,
        1.0e5,
        false
    ),
    product!(
        "YM",
        "E-Mini Dow ($5)",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        5.0,
        1.0,
        1.0,
        EI,
        FIN,
        true,
        "OYM",
        44000.0,
        0.15,
        Some(("DJX", 100.0)),
        R::ThirdFriday,
        100.0,
        0.015,
        1.2e5,
        true
    ),
    product!(
        "MYM",
        "Micro E-Mini Dow",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        0.5,
        1.0,
        1.0,
        EI,
        FIN,
        true,
        "MYE",
        44000.0,
        0.15,
        Some(("DJX", 100.0)),
        R::ThirdFriday,
        100.0,
        0.015,
        8.0e4,
        false
    ),
    product!(
        "CL",
        "Crude Oil",
        "NYMEX",
        "XNYM",
        ALL12,
        ALL12,
        1000.0,
        0.01,
        0.01,
        "Energy",
        "Physical",
        false,
        "LO",
        68.0,
        0.35,
        None,
        R::Crude,
        0.5,
        -0.03,
        3.5e5,
        true
    ),
    product!(
        "MCL",
        "Micro WTI Crude Oil",
        "NYMEX",
        "XNYM",
        ALL12,
        ALL12,
        100.0,
        0.01,
        0.01,
        "Energy",
        "Physical",
        true,
        "MCO",
        68.0,
        0.35,
        Some(("/CL", 1.0)),
        R::Crude,
        0.5,
        -0.03,
        8.0e4,
        false
    ),
    product!(
        "NG",
        "Natural Gas",
        "NYMEX",
        "XNYM",
        ALL12,
        ALL12,
        10000.0,
        0.001,
        0.001,
        "Energy",
        "Physical",
        false,
        "ON",
        3.6,
        0.6,
        None,
        R::NatGas,
        0.05,
        0.05,
        1.5e5,
        true
    ),
    product!(
        "GC",
        "Gold",
        "COMEX",
        "XCEC",
        "GJMQVZ",
        "GJMQZ",
        100.0,
        0.1,
        0.1,
        "Metals",
        "Physical",
        false,
        "OG",
        2650.0,
        0.16,
        None,
        R::ThirdLastSession,
        5.0,
        0.04,
        2.0e5,
        true
    ),
    product!(
        "MGC",
        "Micro Gold",
        "COMEX",
        "XCEC",
        "GJMQVZ",
        "GJMQZ",
        10.0,
        0.1,
        0.1,
        "Metals",
        "Physical",
        false,
        "MGO",
        2650.0,
        0.16,
        Some(("/GC", 1.0)),
        R::ThirdLastSession,
        5.0,
        0.04,
        5.0e4,
        false
    ),
    product!(
        "SI",
        "Silver",
        "COMEX",
        "XCEC",
        "FHKNUZ",
        "HKNUZ",
        5000.0,
        0.005,
        0.001,
        "Metals",
        "Physical",
        false,
        "SO",
        31.0,
        0.3,
        None,
        R::ThirdLastSession,
        0.25,
        0.04,
        7.0e4,
        true
    ),
    product!(
        "HG",
        "Copper",
        "COMEX",
        "XCEC",
        ALL12,
        "HKNUZ",
        25000.0,
        0.0005,
        0.0001,
        "Metals",
        "Physical",
        false,
        "HXE",
        4.3,
        0.23,
        None,
        R::ThirdLastSession,
        0.05,
        0.02,
        8.0e4,
        false
    ),
    product!(
        "ZB",
        "30-Year U.S. Treasury Bond",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        1000.0,
        0.03125,
        0.01,
        "Interest Rates",
        FIN,
        false,
        "OZB",
        117.0,
        0.11,
        None,
        R::Treasury,
        0.5,
        -0.005,
        3.0e5,
        true
    ),
    product!(
        "ZN",
        "10-Year U.S. Treasury Note",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        1000.0,
        0.015625,
        0.01,
        "Interest Rates",
        FIN,
        false,
        "OZN",
        111.0,
        0.065,
        None,
        R::Treasury,
        0.25,
        -0.005,
        1.2e6,
        true
    ),
    product!(
        "ZF",
        "5-Year U.S. Treasury Note",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        1000.0,
        0.0078125,
        0.01,
        "Interest Rates",
        FIN,
        false,
        "OZF",
        107.5,
        0.045,
        None,
        R::Treasury,
        0.25,
        -0.005,
        6.0e5,
        false
    ),
    product!(
        "ZT",
        "2-Year U.S. Treasury Note",
        "CBOT",
        "XCBT",
        QTR,
        QTR,
        2000.0,
        0.00390625,
        0.01,
        "Interest Rates",
        FIN,
        false,
        "OZT",
        103.5,
        0.02,
        None,
        R::Treasury,
        0.125,
        -0.003,
        3.0e5,
        false
    ),
    product!(
        "6E",
        "Euro FX",
        "CME",
        "XCME",
        QTR,
        QTR,
        125000.0,
        0.00005,
        0.0001,
        "Currencies",
        FIN,
        false,
        "EUU",
        1.1,
        0.075,
        None,
        R::Currency,
        0.005,
        0.02,
        2.0e5,
        true
    ),
    product!(
        "6J",
        "Japanese Yen",
        "CME",
        "XCME",
        QTR,
        QTR,
        12500000.0,
        0.0000005,
        0.000001,
        "Currencies",
        FIN,
        false,
        "JPU",
        0.0067,
        0.1,
        None,
        R::Currency,
        0.00005,
        0.035,
        1.3e5,
        false
    ),
    product!(
        "6B",
        "British Pound",
        "CME",
        "XCME",
        QTR,
        QTR,
        62500.0,
        0.0001,
        0.0001,
        "Currencies",
        FIN,
        false,
        "GBU",
        1.27,
        0.08,
        None,
        R::Currency,
        0.005,
        0.005,
        8.0e4,
        false
    ),
    product!(
        "6A",
        "Australian Dollar",
        "CME",
        "XCME",
        QTR,
        QTR,
        100000.0,
        0.00005,
        0.0001,
        "Currencies",
        FIN,
        false,
        "ADU",
        0.65,
        0.1,
        None,
        R::Currency,
        0.005,
        -0.005,
        8.0e4,
        false
    ),
    product!(
        "6C",
        "Canadian Dollar",
        "CME",
        "XCME",
        QTR,
        QTR,
        100000.0,
        0.00005,
        0.0001,
        "Currencies",
        FIN,
        false,
        "CAU",
        0.72,
        0.06,
        None,
        R::Currency,
        0.005,
        -0.01,
        6.0e4,
        false
    ),
    product!(
        "ZC",
        "Corn",
        "CBOT",
        "XCBT",
        "HKNUZ",
        "HKNUZ",
        50.0,
        0.25,
        0.01,
        "Grains",
        "Physical",
        false,
        "OZC",
        440.0,
        0.22,
        None,
        R::Grain,
        5.0,
        0.03,
        2.5e5,
        true
    ),
    product!(
        "ZS",
        "Soybeans",
        "CBOT",
        "XCBT",
        "FHKNQUX",
        "FHKNQUX",
        50.0,
        0.25,
        0.01,
        "Grains",
        "Physical",
        false,
        "OZS",
        1020.0,
        0.18,
        None,
        R::Grain,
        10.0,
        0.02,
        1.5e5,
        true
    ),
    product!(
        "ZW",
        "Chicago SRW Wheat",
        "CBOT",
        "XCBT",
        "HKNUZ",
        "HKNUZ",
        50.0,
        0.25,
        0.01,
        "Grains",
        "Physical",
        false,
        "OZW",
        550.0,
        0.28,
        None,
        R::Grain,
        5.0,
        0.04,
        9.0e4,
        false
    ),
    product!(
        "LE",
        "Live Cattle",
        "CME",
        "XCME",
        "GJMQVZ",
        "GJMQVZ",
        400.0,
        0.025,
        0.01,
        "Livestock",
        "Physical",
        false,
        "LE",
        190.0,
        0.15,
        None,
        R::LastSession,
        1.0,
        -0.01,
        4.0e4,
        false
    ),
    product!(
        "HE",
        "Lean Hogs",
        "CME",
        "XCME",
        "GJKMNQVZ",
        "GJKMNQVZ",
        400.0,
        0.025,
        0.01,
        "Livestock",
        "Physical",
        true,
        "HE",
        85.0,
        0.25,
        None,
        R::TenthSession,
        1.0,
        0.02,
        3.5e4,
        false
    ),
    product!(
        "BTC",
        "Bitcoin",
        "CME",
        "XCME",
        ALL12,
        ALL12,
        5.0,
        5.0,
        1.0,
        "Cryptocurrency",
        FIN,
        true,
        "BTC",
        95000.0,
        0.5,
        None,
        R::LastFriday,
        1000.0,
        0.06,
        1.5e4,
        false
    ),
];

/// A product by code (`ES`; a leading `/` is accepted; case-insensitive).
pub fn product(code: &str) -> Option<&'static Product> {
    let code = code.trim().trim_start_matches('/').to_ascii_uppercase();
    PRODUCTS.iter().find(|p| p.code == code)
}

/// A contract month of a product: the contract's month and full year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractRef {
    pub month: u32,
    pub year: i32,
}

impl ContractRef {
    /// `/ESZ6`.
    pub fn symbol(&self, p: &Product) -> String {
        format!("/{}{}", p.code, self.code_suffix(1))
    }

    /// `/ESZ26:XCME`.
    pub fn streamer_symbol(&self, p: &Product) -> String {
        format!("/{}{}:{}", p.code, self.code_suffix(2), p.streamer)
    }

    /// Month code and 1 or 2 year digits: `Z6`, `Z26`.
    pub fn code_suffix(&self, digits: u32) -> String {
        let code = month_code(self.month).unwrap_or('F');
        let y = self.year.rem_euclid(if digits == 1 { 10 } else { 100 });
        if digits == 1 {
            format!("{code}{y}")
        } else {
            format!("{code}{y:02}")
        }
    }

    pub fn expiration(&self, p: &Product) -> Date {
        p.expiration(self.year, self.month)
    }
}

/// Parse `/ES`, `/ESZ6`, `/ESZ26`, `/ESZ26:XCME` (already uppercased) into a root or a contract
/// of a listed product. One-digit years resolve to the first matching year from `as_of`'s year
/// minus two.
pub fn parse_future(s: &str, as_of: Date) -> Option<super::universe::Underlying> {
    use super::universe::Underlying;
    let (body, exch) = match s.split_once(':') {
        Some((b, e)) => (b, Some(e)),
        None => (s, None),
    };
    let code = body.strip_prefix('/')?;
    if code.is_empty() || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if let Some(p) = PRODUCTS.iter().find(|p| p.code == code) {
        return exch.is_none().then_some(Underlying::FutureRoot(p));
    }
    // A contract: product code + month letter + 1..=2 year digits. Several products share
    // prefixes (M2K vs MES), so try every product whose code prefixes the body.
    for p in PRODUCTS.iter().filter(|p| code.starts_with(p.code)) {
        let rest = &code[p.code.len()..];
        let mut chars = rest.chars();
        let Some(letter) = chars.next() else { continue };
        let digits: &str = chars.as_str();
        let Some(month) = month_of_code(letter) else {
            continue;
        };
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let n: i32 = digits.parse().ok()?;
        let year = if digits.len() == 2 {
            2000 + n
        } else {
            let base = as_of.year() - 2;
            base + (n - base).rem_euclid(10)
        };
        if !p.is_listed(month) {
            continue;
        }
        if let Some(e) = exch {
            if e != p.streamer {
                continue;
            }
        }
        return Some(Underlying::FutureContract(p, ContractRef { month, year }));
    }
    None
}

/// The path a product's root follows (its own, or the index it tracks).
pub fn root_path(p: &Product) -> PathSpec {
    match p.alias {
        Some((base, scale)) if base.starts_with('/') => {
            let mut spec = product(base)
                .map(root_path)
                .unwrap_or_else(|| own_root_path(p));
            spec.anchor_price *= scale;
            spec.tick = p.tick;
            spec.volume = p.volume;
            spec
        }
        Some((base, scale)) => {
            let mut spec = super::universe::stock_path(base, crate::symbol::AssetClass::Index);
            spec.anchor_price *= scale;
            spec.tick = p.tick;
            spec.volume = p.volume;
            spec
        }
        None => own_root_path(p),
    }
}

fn own_root_path(p: &Product) -> PathSpec {
    PathSpec {
        key: p.root_symbol(),
        theta: p.vol,
        drift: 0.02,
        anchor_price: p.price,
        tick: p.tick,
        volume: p.volume,
        earnings_k: 0.0,
        earnings_phase: 0,
        earnings_bmo: false,
        listing: None,
        premium: 0.95 + 0.45 * unit(p.code, "premium"),
    }
}

/// The path of one contract: the root's, times a basis fixed by the contract's expiration.
pub fn contract_path(p: &Product, c: &ContractRef) -> PathSpec {
    let mut spec = root_path(p);
    let years = c.expiration(p).days_since(super::path::anchor()) as f64 / 365.25;
    spec.anchor_price *= (p.carry * years).exp();
    spec
}

/// One listed contract as the market lists it on `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub contract: ContractRef,
    pub expiration: Date,
    pub active: bool,
    pub next_active: bool,
}

/// The contracts of `p` listed on `as_of`, nearest expiration first, with exactly one active month
/// (the first active-cycle contract expiring more than a week after `as_of`) and the next one.
pub fn listed_contracts(p: &Product, as_of: Date) -> Vec<Listed> {
    let want = match p.listed.len() {
        12 => 12,
        n if n <= 4 => 5,
        _ => 8,
    };
    let mut out: Vec<Listed> = Vec::with_capacity(want);
    let (mut y, mut m) = (as_of.year(), as_of.month());
    // Contracts whose month is a month or two ahead may already expire before their month
    // (crude, gas): start a month back.
    if m == 1 {
        y -= 1;
        m = 12;
    } else {
        m -= 1;
    }
    for _ in 0..48 {
        if p.is_listed(m) {
            let exp = p.expiration(y, m);
            if exp >= as_of {
                out.push(Listed {
                    contract: ContractRef { month: m, year: y },
                    expiration: exp,
                    active: false,
                    next_active: false,
                });
                if out.len() >= want {
                    break;
                }
            }
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    let candidates: Vec<usize> = (0..out.len())
        .filter(|&i| p.is_active(out[i].contract.month))
        .collect();
    let active = candidates
        .iter()
        .copied()
        .find(|&i| out[i].expiration.days_since(as_of) > 7)
        .or_else(|| candidates.first().copied());
    if let Some(a) = active {
        out[a].active = true;
        if let Some(&n) = candidates.iter().find(|&&i| i > a) {
            out[n].next_active = true;
        }
    }
    out
}

/// The active contract of `p` on `as_of`.
pub fn active_contract(p: &Product, as_of: Date) -> Option<Listed> {
    listed_contracts(p, as_of).into_iter().find(|l| l.active)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::market::universe::Underlying;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn parses_contract_forms() {
        let as_of = d("2026-11-20");
        let es = product("ES").expect("ES");
        let z26 = ContractRef {
            month: 12,
            year: 2026,
        };
        for s in ["/ESZ6", "/ESZ26", "/ESZ26:XCME"] {
            assert_eq!(
                parse_future(s, as_of),
                Some(Underlying::FutureContract(es, z26)),
                "{s}"
            );
        }
        assert_eq!(parse_future("/ES", as_of), Some(Underlying::FutureRoot(es)));
        assert_eq!(parse_future("/ESF7", as_of), None, "F is not an ES month");
        assert_eq!(parse_future("/ESZ26:XNYM", as_of), None);
        assert_eq!(parse_future("/QQ", as_of), None);
        let m2k = product("M2K").expect("M2K");
        assert_eq!(
            parse_future("/M2KH7", as_of),
            Some(Underlying::FutureContract(
                m2k,
                ContractRef {
                    month: 3,
                    year: 2027
                }
            ))
        );
        assert_eq!(z26.symbol(es), "/ESZ6");
        assert_eq!(z26.streamer_symbol(es), "/ESZ26:XCME");
    }

    #[test]
    fn expirations() {
        let es = product("ES").expect("ES");
        assert_eq!(es.expiration(2026, 12), d("2026-12-18"));
        let cl = product("CL").expect("CL");
        // CLF7: 25 Dec 2026 is a holiday; three sessions before 24 Dec.
        assert!(cl.expiration(2027, 1) < d("2026-12-24"));
        let e6 = product("6E").expect("6E");
        assert_eq!(e6.expiration(2026, 12), d("2026-12-14"));
    }

    #[test]
    fn exactly_one_active_month() {
        let mut day = d("2026-01-02");
        while day < d("2027-06-30") {
            for p in PRODUCTS {
                let l = listed_contracts(p, day);
                assert!(l.len() >= 5, "{} {day}", p.code);
                assert_eq!(l.iter().filter(|c| c.active).count(), 1, "{} {day}", p.code);
                assert!(l.iter().filter(|c| c.next_active).count() <= 1);
                assert!(l.windows(2).all(|w| w[0].expiration <= w[1].expiration));
                assert!(l.iter().all(|c| c.expiration >= day));
            }
            day = day.add_days(5);
        }
        // Within a week of the December expiry, ES rolls to March.
        let l = listed_contracts(product("ES").expect("ES"), d("2026-12-14"));
        let active = l.iter().find(|c| c.active).expect("active");
        assert_eq!(
            active.contract,
            ContractRef {
                month: 3,
                year: 2027
            }
        );
    }
}
