//! The demo market's universe: which symbols exist, their asset class, and each symbol's fixed
//! characteristics (price level, long-run volatility, liquidity, IV premium, beta, market cap,
//! earnings cycle, listing date), all drawn by a stable hash of the symbol.
//!
//! Every well-formed symbol exists except [`UNKNOWN_SYMBOLS`]; well-formed means, after trimming
//! and uppercasing, 1..=10 characters from `A-Z0-9./` starting with a letter (equities, ETFs,
//! indices), or a futures root / contract of a listed product (`/ES`, `/ESZ6`, `/ESZ26:XCME`).
//!
//! Asset classes of non-futures are the product's own ([`volscreen_core::symbol::classify`]: its index and
//! ETF lists), so the demo market and the screener cannot disagree about what is an ETF.

use super::futures::{self, ContractRef, Product};
use crate::rng::unit;
use volscreen_core::date::Date;
use volscreen_core::symbol::{classify, AssetClass, INDICES};

/// Symbols the demo market does not know (absent from metrics and quotes, no candles, 404 on
/// chains), so that every error path of a client can be exercised. Any malformed symbol and any
/// futures root that is not a listed product is unknown too.
pub const UNKNOWN_SYMBOLS: &[&str] = &[
    "ZZZZ", "XXXX", "NOPE", "FAKE", "UNKNOWN", "INVALID", "BOGUS", "NOTREAL", "DELISTED", "QQQQ",
    "ZVZZT", "/ZZ", "/XX",
];

/// Longest accepted equity/ETF/index symbol.
const MAX_LEN: usize = 10;

/// Very liquid underlyings: rated 4 or 5 far more often than the rest.
pub const LIQUID: &[&str] = &[
    "SPY", "QQQ", "IWM", "DIA", "SPX", "NDX", "RUT", "VIX", "XSP", "/ES", "/NQ", "/RTY", "/YM",
    "/CL", "/GC", "/SI", "/NG", "/ZB", "/ZN", "/6E", "/MES", "/MNQ", "AAPL", "TSLA", "NVDA",
    "AMZN", "MSFT", "META", "GOOGL", "GOOG", "AMD", "NFLX", "AVGO", "SMH", "XLF", "XLE", "XLK",
    "XLV", "XLI", "XLU", "XLP", "XLY", "TLT", "GLD", "SLV", "HYG", "EEM", "EFA", "FXI", "KWEB",
    "ARKK", "SOXL", "TQQQ", "SQQQ", "UVXY", "VXX", "JPM", "BAC", "C", "WFC", "GS", "MS", "XOM",
    "CVX", "OXY", "BA", "DIS", "NKE", "SBUX", "MCD", "WMT", "COST", "TGT", "HD", "LOW", "PYPL",
    "XYZ", "UBER", "COIN", "MSTR", "MARA", "PLTR", "SNOW", "CRWD", "SHOP", "ROKU", "INTC", "MU",
    "QCOM", "TSM", "BABA", "PDD", "JD", "NIO", "RIVN", "LCID", "F", "GM", "T", "VZ", "PFE", "MRK",
    "JNJ", "LLY", "UNH", "ABBV", "CVS", "KO", "PEP", "PG", "XBI", "KRE", "XOP", "GDX", "USO",
    "UNG", "IBIT", "SOFI", "HOOD", "DKNG", "BRK/B", "V", "MA", "ORCL", "CRM", "ADBE", "CSCO",
    "AMAT", "LRCX", "CAT", "DE", "GE", "IBM", "AXP", "SCHW", "SLB", "DAL", "UAL", "AAL", "CCL",
    "GME", "AMC", "RIOT", "SMCI", "ARM", "MRVL", "ABNB", "PANW", "EWZ", "GDXJ", "IYR", "TXN",
    "CMCSA",
];

/// Prices (at the anchor date) and long-run volatilities of well-known names; everything else is
/// drawn by hash.
const KNOWN: &[(&str, f64, f64)] = &[
    ("AAPL", 255.0, 0.26),
    ("MSFT", 480.0, 0.24),
    ("NVDA", 185.0, 0.48),
    ("TSLA", 420.0, 0.60),
    ("AMZN", 230.0, 0.32),
    ("META", 660.0, 0.38),
    ("GOOGL", 310.0, 0.30),
    ("GOOG", 312.0, 0.30),
    ("AMD", 215.0, 0.52),
    ("NFLX", 95.0, 0.36),
    ("AVGO", 345.0, 0.45),
    ("JPM", 310.0, 0.23),
    ("BAC", 53.0, 0.26),
    ("XOM", 115.0, 0.24),
    ("KO", 70.0, 0.16),
    ("PFE", 25.5, 0.24),
    ("INTC", 37.0, 0.48),
    ("F", 13.0, 0.33),
    ("T", 25.0, 0.20),
    ("PLTR", 175.0, 0.65),
    ("COIN", 250.0, 0.75),
    ("MSTR", 160.0, 0.85),
    ("GME", 21.0, 0.70),
    ("AMC", 2.6, 0.90),
    ("SOFI", 27.0, 0.62),
    ("NIO", 5.2, 0.72),
    ("LCID", 11.0, 0.75),
    ("RIVN", 18.0, 0.62),
    ("BABA", 150.0, 0.42),
    ("DIS", 113.0, 0.26),
    ("BA", 215.0, 0.34),
    ("WMT", 110.0, 0.20),
    ("JNJ", 205.0, 0.16),
    ("PG", 150.0, 0.16),
    ("COST", 915.0, 0.21),
    ("UNH", 330.0, 0.36),
    ("V", 345.0, 0.20),
    ("MA", 570.0, 0.21),
    ("SMCI", 30.0, 0.85),
    ("ORCL", 195.0, 0.42),
    ("MARA", 11.0, 0.82),
    ("RIOT", 14.0, 0.85),
    ("BRK/B", 500.0, 0.16),
    ("LLY", 1050.0, 0.32),
    ("MU", 285.0, 0.55),
    ("HOOD", 115.0, 0.70),
    ("IBIT", 50.0, 0.50),
    ("GLD", 400.0, 0.16),
    ("SLV", 65.0, 0.30),
    ("TLT", 88.0, 0.14),
    ("HYG", 80.5, 0.06),
    ("LQD", 110.0, 0.07),
    ("SHY", 82.9, 0.02),
    ("IEF", 96.5, 0.07),
    ("BKLN", 21.0, 0.04),
    ("EMB", 96.0, 0.08),
    ("JNK", 97.0, 0.06),
    ("EEM", 54.0, 0.18),
    ("EFA", 95.0, 0.15),
    ("XLF", 54.0, 0.18),
    ("XLE", 45.0, 0.24),
    ("XLK", 145.0, 0.24),
    ("XLU", 43.0, 0.17),
    ("XLP", 78.0, 0.13),
    ("USO", 72.0, 0.35),
    ("UNG", 13.0, 0.60),
    ("UVXY", 10.0, 0.95),
    ("VXX", 30.0, 0.75),
    ("SVXY", 48.0, 0.40),
    ("TQQQ", 55.0, 0.62),
    ("SQQQ", 15.0, 0.62),
    ("SOXL", 40.0, 0.95),
    ("SOXS", 6.0, 0.95),
    ("SPXL", 210.0, 0.50),
    ("TNA", 45.0, 0.70),
    ("FAS", 170.0, 0.50),
    ("LABU", 160.0, 0.95),
    ("TMF", 38.0, 0.45),
    ("ARKK", 78.0, 0.45),
    ("KWEB", 37.0, 0.38),
    ("FXI", 40.0, 0.28),
    ("SMH", 350.0, 0.33),
    ("SOXX", 300.0, 0.35),
    ("KRE", 62.0, 0.30),
    ("XBI", 115.0, 0.30),
    ("GDX", 80.0, 0.38),
    ("GDXJ", 100.0, 0.42),
];

/// Symbols whose path is another symbol's path scaled (ETFs and mini indices tracking an index).
const ALIASES: &[(&str, &str, f64)] = &[
    ("SPY", "SPX", 0.09985),
    ("VOO", "SPX", 0.0918),
    ("IVV", "SPX", 0.1003),
    ("VTI", "SPX", 0.0487),
    ("RSP", "SPX", 0.0282),
    ("XSP", "SPX", 0.1),
    ("QQQ", "NDX", 0.02445),
    ("IWM", "RUT", 0.0992),
    ("DIA", "DJX", 1.0),
    ("OEX", "SPX", 0.4945),
    ("XEO", "SPX", 0.4945),
];

/// Index levels (at the anchor date) and long-run volatilities.
const INDEX_LEVELS: &[(&str, f64, f64)] = &[
    ("SPX", 6_000.0, 0.16),
    ("NDX", 21_000.0, 0.20),
    ("RUT", 2_300.0, 0.22),
    ("DJX", 440.0, 0.15),
];

/// A parsed, known underlying.
#[derive(Debug, Clone, PartialEq)]
pub enum Underlying {
    /// An equity, ETF or index symbol (uppercased).
    Stock(String, AssetClass),
    /// A futures root (`/ES`).
    FutureRoot(&'static Product),
    /// A futures contract in any form (`/ESZ6`, `/ESZ26`, `/ESZ26:XCME`).
    FutureContract(&'static Product, ContractRef),
}

impl Underlying {
    pub fn class(&self) -> AssetClass {
        match self {
            Underlying::Stock(_, c) => *c,
            _ => AssetClass::Future,
        }
    }
}

/// Trim and uppercase; `None` when the text cannot be a symbol at all.
pub fn normalize(symbol: &str) -> Option<String> {
    let s = symbol.trim().to_ascii_uppercase();
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    Some(s)
}

/// Whether `s` (already normalised) is a well-formed equity/ETF/index symbol.
fn well_formed_stock(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_LEN
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'.' || *c == b'/')
        && !s.ends_with('/')
        && !s.ends_with('.')
}

/// Parse a known underlying; `None` for unknown or malformed symbols. `as_of` resolves one-digit
/// futures contract years.
pub fn parse(symbol: &str, as_of: Date) -> Option<Underlying> {
    let s = normalize(symbol)?;
    if UNKNOWN_SYMBOLS.contains(&s.as_str()) {
        return None;
    }
    if s.starts_with('/') {
        return futures::parse_future(&s, as_of);
    }
    if !well_formed_stock(&s) {
        return None;
    }
    // Not a future here, so the product's classification (index, listed ETF, else equity) is the
    // market's.
    let class = classify(&s);
    Some(Underlying::Stock(s, class))
}

/// The parameters of one price path. Two symbols with the same `key` share the same random path
/// (scaled to their own `anchor_price`).
#[derive(Debug, Clone, PartialEq)]
pub struct PathSpec {
    pub key: String,
    /// Long-run annualised volatility.
    pub theta: f64,
    /// Annual drift.
    pub drift: f64,
    /// Close on the anchor date.
    pub anchor_price: f64,
    /// Price rounding increment.
    pub tick: f64,
    /// Typical daily volume (0 for indices).
    pub volume: f64,
    /// Earnings reaction: standard deviation of the move as a multiple of the daily volatility
    /// (0 = no earnings).
    pub earnings_k: f64,
    /// Days after each quarter start at which this symbol reports (equities).
    pub earnings_phase: u32,
    pub earnings_bmo: bool,
    /// First trading day of the history (recent listings).
    pub listing: Option<Date>,
    /// Base IV premium over the latent volatility.
    pub premium: f64,
}

/// Everything fixed about a known underlying.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub symbol: String,
    pub class: AssetClass,
    pub path: PathSpec,
    pub liquidity: Option<u8>,
    pub liquidity_value: f64,
    pub liquidity_rank: f64,
    /// The market omits historical volatility for this symbol.
    pub hv_missing: bool,
    pub beta: Option<f64>,
    pub corr: Option<f64>,
    pub market_cap: f64,
    pub liquid: bool,
}

fn log_uniform(u: f64, lo: f64, hi: f64) -> f64 {
    (lo.ln() + u * (hi.ln() - lo.ln())).exp()
}

/// The first possible listing date of a recent listing; every recent listing is between this
/// and 2026-10-30.
pub fn listing_first() -> Date {
    Date::from_ymd(2026, 1, 5).unwrap_or(Date::from_days(20_458))
}

fn listing_last() -> Date {
    Date::from_ymd(2026, 10, 30).unwrap_or(Date::from_days(20_756))
}

/// The listing date of a recently listed symbol (about 3 % of equities, chosen by hash; never a
/// well-known or liquid name), fixed whatever the as-of date.
pub fn listing_date(symbol: &str, class: AssetClass) -> Option<Date> {
    if class != AssetClass::Equity
        || LIQUID.contains(&symbol)
        || KNOWN.iter().any(|k| k.0 == symbol)
        || unit(symbol, "listing") >= 0.03
    {
        return None;
    }
    let first = listing_first();
    let span = listing_last().days_since(first);
    let off = (unit(symbol, "listing-day") * span as f64) as i32;
    Some(crate::calendar::trading_day_on_or_after(
        first.add_days(off),
    ))
}

/// Path parameters of an equity, ETF or index (not an alias).
fn own_path(symbol: &str, class: AssetClass) -> PathSpec {
    let u = |salt: &str| unit(symbol, salt);
    let known = KNOWN.iter().find(|k| k.0 == symbol);
    let index = INDEX_LEVELS.iter().find(|k| k.0 == symbol);
    let (price, theta) = if let Some(&(_, p, v)) = known.or(index) {
        (p, v)
    } else {
        match class {
            AssetClass::Etf => {
                let v = 0.12 + 0.16 * u("theta");
                (log_uniform(u("price"), 15.0, 400.0), v)
            }
            AssetClass::Index => (log_uniform(u("price"), 100.0, 5_000.0), 0.18),
            _ => {
                // Three tiers: large caps (20–40 %), mid caps (35–55 %), high-vol names
                // (50–100 %). Very liquid names are mostly large caps and rarely cheap.
                let tier = u("tier");
                let liquid = LIQUID.contains(&symbol);
                let (t1, t2) = if liquid { (0.70, 0.95) } else { (0.58, 0.88) };
                if tier < t1 {
                    let lo = if liquid { 30.0 } else { 18.0 };
                    (log_uniform(u("price"), lo, 700.0), 0.20 + 0.20 * u("theta"))
                } else if tier < t2 {
                    (
                        log_uniform(u("price"), 12.0, 450.0),
                        0.35 + 0.20 * u("theta"),
                    )
                } else {
                    (
                        log_uniform(u("price"), 3.0, 150.0),
                        0.50 + 0.50 * u("theta"),
                    )
                }
            }
        }
    };
    let equity = class == AssetClass::Equity;
    // IV premium over the latent volatility: mostly 1.0..1.4 (median about 1.15).
    let premium = 0.95 + 0.45 * u("premium").powf(1.3);
    PathSpec {
        key: symbol.to_string(),
        theta: if symbol == "VIX" { 0.9 } else { theta },
        drift: if equity {
            -0.04 + 0.20 * u("drift")
        } else {
            0.07
        },
        anchor_price: if symbol == "VIX" { 16.5 } else { price },
        tick: 0.01,
        volume: match class {
            AssetClass::Index => 0.0,
            _ => {
                log_uniform(u("volume"), 3.0e5, 2.0e7)
                    * if LIQUID.contains(&symbol) { 4.0 } else { 1.0 }
            }
        },
        earnings_k: if equity { 1.5 + 2.0 * u("earn-k") } else { 0.0 },
        earnings_phase: (u("earn-phase") * 62.0) as u32 + 14,
        earnings_bmo: u("earn-bmo") < 0.45,
        listing: listing_date(symbol, class),
        // The S&P 500 complex prices about 1.18 × its latent volatility (the VIX is 100 × this).
        premium: match symbol {
            "VIX" => 1.05,
            "SPX" => 1.18,
            _ => premium,
        },
    }
}

/// The path of a stock symbol, following its alias base when it tracks an index.
pub fn stock_path(symbol: &str, class: AssetClass) -> PathSpec {
    if let Some(&(_, base, scale)) = ALIASES.iter().find(|a| a.0 == symbol) {
        let base_class = if INDICES.contains(&base) {
            AssetClass::Index
        } else {
            AssetClass::Etf
        };
        let mut p = own_path(base, base_class);
        p.anchor_price *= scale;
        p.volume = if class == AssetClass::Index {
            0.0
        } else {
            log_uniform(unit(symbol, "volume"), 2.0e7, 8.0e7)
        };
        return p;
    }
    own_path(symbol, class)
}

/// Liquidity rating of a symbol (`None` for some illiquid ones).
fn liquidity(symbol: &str, liquid: bool) -> Option<u8> {
    let u = unit(symbol, "liquidity");
    if liquid {
        Some(if u < 0.45 {
            5
        } else if u < 0.90 {
            4
        } else {
            3
        })
    } else if u < 0.04 {
        Some(5)
    } else if u < 0.17 {
        Some(4)
    } else if u < 0.55 {
        Some(3)
    } else if u < 0.80 {
        Some(2)
    } else if u < 0.93 {
        Some(1)
    } else {
        None
    }
}

/// The full profile of a known underlying.
pub fn profile(u: &Underlying) -> Profile {
    let (symbol, class, path) = match u {
        Underlying::Stock(s, c) => (s.clone(), *c, stock_path(s, *c)),
        Underlying::FutureRoot(p) => (p.root_symbol(), AssetClass::Future, futures::root_path(p)),
        Underlying::FutureContract(p, c) => (
            c.symbol(p),
            AssetClass::Future,
            futures::contract_path(p, c),
        ),
    };
    // Futures contracts share their root's characteristics.
    let key = match u {
        Underlying::FutureContract(p, _) => p.root_symbol(),
        _ => symbol.clone(),
    };
    let h = |salt: &str| unit(&key, salt);
    let liquid = LIQUID.contains(&key.as_str());
    let liquidity_rating = liquidity(&key, liquid);
    let r = f64::from(liquidity_rating.unwrap_or(0));
    let liquidity_value = (r + h("lv")).powi(2) * 40_000.0 * (1.0 + 4.0 * h("lv2"));
    let liquidity_rank = (r + h("lr")) / 3.3;
    let (beta, corr, market_cap) = match class {
        AssetClass::Index => {
            if key == "VIX" {
                (Some(-4.5 + h("beta")), Some(-0.75 + 0.1 * h("corr")), 0.0)
            } else {
                (
                    Some(0.95 + 0.3 * h("beta")),
                    Some(0.85 + 0.15 * h("corr")),
                    0.0,
                )
            }
        }
        AssetClass::Future => {
            let equity_index = matches!(u, Underlying::FutureRoot(p) | Underlying::FutureContract(p, _) if p.sector == "Equity Index");
            if equity_index {
                (
                    Some(1.0 + 0.2 * h("beta")),
                    Some(0.9 + 0.1 * h("corr")),
                    0.0,
                )
            } else {
                (
                    Some(-0.3 + 0.6 * h("beta")),
                    Some(-0.3 + 0.6 * h("corr")),
                    0.0,
                )
            }
        }
        AssetClass::Etf => {
            let beta = path.theta / 0.16 * (0.5 + 0.5 * h("beta"));
            (
                Some(beta),
                Some(0.3 + 0.68 * h("corr")),
                log_uniform(h("cap"), 5.0e8, 6.0e11),
            )
        }
        AssetClass::Equity => {
            let corr = 0.15 + 0.7 * h("corr");
            let beta = corr * path.theta / 0.16;
            let cap = if liquid {
                log_uniform(h("cap"), 2.0e10, 4.0e12)
            } else {
                log_uniform(h("cap"), 3.0e8, 3.0e11)
            };
            (
                (h("beta-missing") > 0.03).then_some(beta),
                (h("corr-missing") > 0.03).then_some(corr),
                cap,
            )
        }
    };
    Profile {
        symbol,
        class,
        path,
        liquidity: liquidity_rating,
        liquidity_value,
        liquidity_rank,
        hv_missing: h("hv-missing") < 0.10,
        beta,
        corr,
        market_cap,
        liquid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let as_of = Date::from_ymd(2026, 11, 20).expect("date");
        let class = |s: &str| parse(s, as_of).map(|u| u.class());
        assert_eq!(class("aapl"), Some(AssetClass::Equity));
        assert_eq!(class("SPY"), Some(AssetClass::Etf));
        assert_eq!(class("SPX"), Some(AssetClass::Index));
        assert_eq!(class("/ES"), Some(AssetClass::Future));
        assert_eq!(class("/ESZ6"), Some(AssetClass::Future));
        assert_eq!(class("/ESZ26:XCME"), Some(AssetClass::Future));
        assert_eq!(class("BRK/B"), Some(AssetClass::Equity));
        assert_eq!(class("ZZZZ"), None);
        assert_eq!(class("unknown"), None);
        assert_eq!(class(""), None);
        assert_eq!(class("AA PL"), None);
        assert_eq!(class("ABCDEFGHIJK"), None);
        assert_eq!(class("$SPX"), None);
        assert_eq!(class("/QQ"), None);
    }

    #[test]
    fn recent_listings_are_rare_and_fixed() {
        let n = (0..10_000)
            .filter(|i| listing_date(&format!("T{i}"), AssetClass::Equity).is_some())
            .count();
        assert!((200..400).contains(&n), "{n} recent listings of 10000");
        assert_eq!(listing_date("AAPL", AssetClass::Equity), None);
    }
}
