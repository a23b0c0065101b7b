//! Who exists in the demo market, and each known underlying's fixed characteristics.
//!
//! Known, after trimming and uppercasing: the names of the data table ([`super::names`]: the
//! default watchlist's equities, ETFs and indices, and a few more), the synthetic scale universe
//! ([`super::scale`]: `YAAA` …), the futures roots of the listed products and their contracts
//! listed on the as-of date (`/ES`, `/ESH27`, `/ESH7`, `/ESH27:XCME`). Everything else is unknown:
//! a typo (`APPL`), a CSV header (`TICKER`), an unlisted contract month (`/ESF7`).
//!
//! A known underlying's [`PathSpec`] (price level, volatility, what it follows) and [`Profile`]
//! (liquidity, beta, market cap) come from its table row or, for scale names, from a
//! stable hash of the symbol. Asset classes are the table's, and a unit test checks that they are
//! the product's own ([`volscreen_core::symbol::classify`]), so the demo market and the screener
//! cannot disagree about what is an ETF.

use super::futures::{self, ContractRef, Product};
use super::names::{self, Cycle, Name, Relation};
use super::scale;
use crate::rng::unit;
use std::sync::LazyLock;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

/// Examples of symbols the market does not know (any symbol outside the table, the scale
/// universe and the listed futures is unknown): typos, CSV headers, made-up tickers, futures
/// roots of no listed product and a month ES does not list. Absent from metrics and quotes, no
/// candles, 404 on chains.
pub const UNKNOWN_SYMBOLS: &[&str] = &[
    "ZZZZ", "XYZFOO", "APPL", "TICKER", "SYMBOL", "FAKE", "NOPE", "QQQQ", "XXXX", "ZVZZT",
    "DELISTED", "/ZZ", "/XX", "/ESF7",
];

/// The most liquid named underlyings (rated 5 in the data table), in table order.
pub static LIQUID: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    names::all()
        .iter()
        .filter(|n| n.liquidity == 5)
        .map(|n| n.symbol)
        .collect()
});

/// Deepest chain of `tracks` followed (the table's chains are at most four long).
const MAX_DEPTH: u32 = 6;

/// A parsed, known underlying.
#[derive(Debug, Clone, PartialEq)]
pub enum Underlying {
    /// An equity, ETF or index symbol (uppercased).
    Stock(String, AssetClass),
    /// A futures root (`/ES`).
    FutureRoot(&'static Product),
    /// A futures contract listed on the as-of date, in any form (`/ESZ6`, `/ESZ26`, `/ESZ26:XCME`).
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

/// Parse a known underlying; `None` for anything the market does not know. `as_of` decides
/// which futures contracts are listed (and resolves one-digit contract years).
pub fn parse(symbol: &str, as_of: Date) -> Option<Underlying> {
    let s = normalize(symbol)?;
    if s.starts_with('/') {
        return futures::parse_future(&s, as_of);
    }
    if let Some(n) = names::lookup(&s) {
        return Some(Underlying::Stock(s, n.class));
    }
    scale::is_scale(&s).then_some(Underlying::Stock(s, AssetClass::Equity))
}

/// How a derived path follows its base.
#[derive(Debug, Clone, PartialEq)]
pub struct Follow {
    pub base: PathSpec,
    pub relation: Relation,
    /// Beta followers: the own noise's volatility as a multiple of the base's.
    pub idio: f64,
    /// Leveraged funds: annual fees and financing taken from the returns.
    pub drag: f64,
}

/// The parameters of one price path. Two symbols with the same `key` and no `follow` share the
/// same random path (scaled to their own `anchor_price`).
#[derive(Debug, Clone, PartialEq)]
pub struct PathSpec {
    pub key: String,
    /// Long-run annualised volatility.
    pub theta: f64,
    /// Annual drift.
    pub drift: f64,
    /// Close on the anchor date (of the spot, for a futures contract).
    pub anchor_price: f64,
    /// Price rounding increment.
    pub tick: f64,
    /// Typical daily volume (0 for indices).
    pub volume: f64,
    /// Earnings reaction: standard deviation of the move as a multiple of the daily volatility
    /// (0 = no earnings).
    pub earnings_k: f64,
    /// The earnings cycle (equities).
    pub earnings: Option<Cycle>,
    /// First trading day of the history (recent listings).
    pub listing: Option<Date>,
    /// Base IV premium over the latent volatility.
    pub premium: f64,
    /// A derived path: what it follows and how.
    pub follow: Option<Box<Follow>>,
    /// A futures contract: (expiration, annual carry). Each session's price is the spot path's
    /// times exp(carry × years from the session to the expiration).
    pub basis: Option<(Date, f64)>,
}

impl PathSpec {
    /// Whether the symbol reports before the open (`None` without earnings).
    pub fn earnings_bmo(&self) -> Option<bool> {
        self.earnings.map(|c| c.bmo)
    }
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
    /// Rated 4 or 5.
    pub liquid: bool,
    /// What the name is ("Apple"); empty for scale names and futures.
    pub description: &'static str,
}

fn log_uniform(u: f64, lo: f64, hi: f64) -> f64 {
    (lo.ln() + u * (hi.ln() - lo.ln())).exp()
}

/// The listing date of a recent listing (a table IPO or about 3 % of scale names), fixed whatever
/// the as-of date; before it the symbol does not exist.
pub fn listing_date(symbol: &str) -> Option<Date> {
    match names::lookup(symbol) {
        Some(n) => n.listed,
        None if scale::is_scale(symbol) => scale::listing_date(symbol),
        None => None,
    }
}

/// Typical daily share volume by liquidity rating.
fn volume_of(symbol: &str, class: AssetClass, rating: Option<u8>) -> f64 {
    if class == AssetClass::Index {
        return 0.0;
    }
    let (lo, hi) = match rating {
        Some(5) => (2.0e7, 8.0e7),
        Some(4) => (5.0e6, 2.5e7),
        Some(3) => (1.5e6, 8.0e6),
        Some(2) => (5.0e5, 3.0e6),
        Some(_) => (1.5e5, 1.0e6),
        None => (5.0e4, 4.0e5),
    };
    log_uniform(unit(symbol, "volume"), lo, hi)
}

/// The path of an equity, ETF or index with its own random path.
fn own_path(
    symbol: &str,
    class: AssetClass,
    price: f64,
    theta: f64,
    earnings: Option<Cycle>,
    listing: Option<Date>,
    volume: f64,
) -> PathSpec {
    let u = |salt: &str| unit(symbol, salt);
    let equity = class == AssetClass::Equity;
    // IV premium over the latent volatility: mostly 1.0..1.4 (median about 1.15). The S&P 500
    // prices about 1.18 × its latent volatility (the VIX is 100 × its IV).
    let premium = if symbol == "SPX" {
        1.18
    } else {
        0.95 + 0.45 * u("premium").powf(1.3)
    };
    PathSpec {
        key: symbol.to_string(),
        theta,
        drift: if equity {
            -0.04 + 0.20 * u("drift")
        } else {
            0.07
        },
        anchor_price: price,
        tick: 0.01,
        volume,
        earnings_k: if equity && earnings.is_some() {
            1.5 + 2.0 * u("earn-k")
        } else {
            0.0
        },
        earnings: if equity { earnings } else { None },
        listing,
        premium,
        follow: None,
        basis: None,
    }
}

/// The path of a table name, following its base when it tracks one.
fn name_path(n: &Name, depth: u32) -> PathSpec {
    let volume = volume_of(n.symbol, n.class, Some(n.liquidity));
    let price = n.price.unwrap_or(1.0);
    let own = || {
        own_path(
            n.symbol,
            n.class,
            price,
            n.vol.unwrap_or(0.3),
            n.earnings,
            n.listed,
            volume,
        )
    };
    let Some(t) = n.tracks.filter(|_| depth < MAX_DEPTH) else {
        return own();
    };
    let base = path_for(t.base, depth + 1);
    let derived = |theta: f64, anchor_price: f64, idio: f64, drag: f64| PathSpec {
        key: n.symbol.to_string(),
        theta,
        drift: base.drift,
        anchor_price,
        tick: 0.01,
        volume,
        earnings_k: 0.0,
        earnings: None,
        listing: n.listed,
        premium: base.premium,
        follow: Some(Box::new(Follow {
            base: base.clone(),
            relation: t.relation,
            idio,
            drag,
        })),
        basis: None,
    };
    match t.relation {
        Relation::Scale(f) => PathSpec {
            anchor_price: base.anchor_price * f,
            tick: 0.01,
            volume,
            listing: n.listed,
            earnings_k: 0.0,
            earnings: None,
            basis: None,
            ..base
        },
        Relation::Beta(b) => {
            let vol = n.vol.unwrap_or(b * base.theta);
            let own_var = (vol * vol - (b * base.theta).powi(2)).max(0.0);
            derived(vol, price, own_var.sqrt() / base.theta.max(1e-6), 0.0)
        }
        Relation::Daily(l) => {
            // Fund fees (about 1 %/year) and the financing of the extra exposure.
            let drag = 0.01 + 0.04 * (l.abs() - 1.0).max(0.0);
            derived(base.theta * l.abs(), price, 0.0, drag)
        }
        Relation::Vix => PathSpec {
            premium: 1.05,
            ..derived(0.9, 1.0, 0.0, 0.0)
        },
        Relation::VixFutures(b) => derived(0.9 * b, price, 0.0, 0.0),
    }
}

/// The path of a scale name.
fn scale_path(symbol: &str) -> PathSpec {
    let t = scale::traits(symbol);
    own_path(
        symbol,
        AssetClass::Equity,
        t.price,
        t.vol,
        Some(t.earnings),
        t.listed,
        volume_of(symbol, AssetClass::Equity, t.liquidity),
    )
}

/// The path of any base a table row may name: a table name, a futures root, or a scale name.
fn path_for(symbol: &str, depth: u32) -> PathSpec {
    if let Some(p) = symbol.strip_prefix('/').and_then(futures::product) {
        return futures::root_path(p);
    }
    match names::lookup(symbol) {
        Some(n) => name_path(n, depth),
        None => scale_path(symbol),
    }
}

/// The path of an equity, ETF or index symbol.
pub fn stock_path(symbol: &str) -> PathSpec {
    path_for(symbol, 0)
}

/// Liquidity rating, beta and correlation with SPY of a table name or scale name.
fn beta_corr(symbol: &str, class: AssetClass, theta: f64, depth: u32) -> (f64, f64) {
    let h = |salt: &str| unit(symbol, salt);
    let row = names::lookup(symbol);
    if symbol == "SPX" {
        return (1.0, 1.0);
    }
    if let (Some(t), true) = (row.and_then(|n| n.tracks), depth < MAX_DEPTH) {
        let base = |d| {
            if let Some(p) = t.base.strip_prefix('/').and_then(futures::product) {
                futures_beta(p, h)
            } else {
                let c = names::lookup(t.base).map_or(AssetClass::Equity, |n| n.class);
                beta_corr(t.base, c, path_for(t.base, d).theta, d)
            }
        };
        return match t.relation {
            Relation::Scale(_) => base(depth + 1),
            Relation::Beta(b) => (b, base(depth + 1).1 * (0.9 + 0.08 * h("corr"))),
            Relation::Daily(l) => {
                let (b, c) = base(depth + 1);
                (l * b, c.copysign(l))
            }
            Relation::Vix => (-4.5 + h("beta"), -0.75 + 0.1 * h("corr")),
            Relation::VixFutures(b) => (b * (-4.5 + h("beta")), -0.75 + 0.1 * h("corr")),
        };
    }
    let corr = match class {
        AssetClass::Etf => 0.3 + 0.68 * h("corr"),
        _ => 0.15 + 0.7 * h("corr"),
    };
    let beta = match class {
        AssetClass::Etf => theta / 0.16 * (0.5 + 0.5 * h("beta")),
        _ => corr * theta / 0.16,
    };
    (beta, corr)
}

fn futures_beta(p: &Product, h: impl Fn(&str) -> f64) -> (f64, f64) {
    if p.sector == "Equity Index" {
        (1.0 + 0.2 * h("beta"), 0.9 + 0.1 * h("corr"))
    } else {
        (-0.3 + 0.6 * h("beta"), -0.3 + 0.6 * h("corr"))
    }
}

/// Market cap (equities) or fund assets (ETFs) by liquidity rating; 0 for indices and futures.
fn market_cap(symbol: &str, class: AssetClass, rating: Option<u8>) -> f64 {
    let (lo, hi) = match (class, rating) {
        (AssetClass::Equity, Some(5)) => (1.0e11, 4.0e12),
        (AssetClass::Equity, Some(4)) => (2.0e10, 5.0e11),
        (AssetClass::Equity, Some(3)) => (5.0e9, 1.0e11),
        (AssetClass::Equity, Some(2)) => (1.5e9, 3.0e10),
        (AssetClass::Equity, Some(_)) => (3.0e8, 8.0e9),
        (AssetClass::Equity, None) => (1.0e8, 2.0e9),
        (AssetClass::Etf, Some(5)) => (2.0e10, 6.0e11),
        (AssetClass::Etf, Some(4)) => (3.0e9, 5.0e10),
        (AssetClass::Etf, Some(3)) => (5.0e8, 1.0e10),
        (AssetClass::Etf, _) => (1.0e8, 2.0e9),
        _ => return 0.0,
    };
    log_uniform(unit(symbol, "cap"), lo, hi)
}

/// The full profile of a known underlying.
pub fn profile(u: &Underlying) -> Profile {
    let (symbol, class, path) = match u {
        Underlying::Stock(s, c) => (s.clone(), *c, stock_path(s)),
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
    let row = names::lookup(&symbol);
    let rating = match u {
        Underlying::FutureRoot(p) | Underlying::FutureContract(p, _) => Some(p.liquidity),
        Underlying::Stock(s, _) => match row {
            Some(n) => Some(n.liquidity),
            None => scale::traits(s).liquidity,
        },
    };
    let r = f64::from(rating.unwrap_or(0));
    let liquidity_value = (r + h("lv")).powi(2) * 40_000.0 * (1.0 + 4.0 * h("lv2"));
    let liquidity_rank = (r + h("lr")) / 3.3;
    let (beta, corr) = match u {
        Underlying::FutureRoot(p) | Underlying::FutureContract(p, _) => futures_beta(p, h),
        Underlying::Stock(..) => beta_corr(&symbol, class, path.theta, 0),
    };
    // The market omits beta and correlation for a few equities, as the real service does.
    let equity = class == AssetClass::Equity;
    let beta = (!equity || h("beta-missing") > 0.03).then_some(beta);
    let corr = (!equity || h("corr-missing") > 0.03).then_some(corr);
    Profile {
        market_cap: market_cap(&symbol, class, rating),
        symbol,
        class,
        path,
        liquidity: rating,
        liquidity_value,
        liquidity_rank,
        hv_missing: h("hv-missing") < 0.08,
        beta,
        corr,
        liquid: rating.unwrap_or(0) >= 4,
        description: row.map_or("", |n| n.description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volscreen_core::symbol::classify;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn who_exists() {
        let as_of = d("2026-11-20");
        let class = |s: &str| parse(s, as_of).map(|u| u.class());
        assert_eq!(class("aapl"), Some(AssetClass::Equity));
        assert_eq!(class(" SPY "), Some(AssetClass::Etf));
        assert_eq!(class("SPX"), Some(AssetClass::Index));
        assert_eq!(class("/ES"), Some(AssetClass::Future));
        assert_eq!(class("/ESZ6"), Some(AssetClass::Future));
        assert_eq!(class("/ESH27:XCME"), Some(AssetClass::Future));
        assert_eq!(class("BRK/B"), Some(AssetClass::Equity));
        assert_eq!(class("YAAA"), Some(AssetClass::Equity));
        assert_eq!(class("YQZXA"), Some(AssetClass::Equity));
        for s in UNKNOWN_SYMBOLS.iter().chain(&[
            "",
            "AA PL",
            "ABCDEFGHIJK",
            "$SPX",
            "/QQ",
            "T123X",
            "YAA",
            "YAAAAA",
            "Y1AA",
        ]) {
            assert_eq!(class(s), None, "{s:?}");
        }
    }

    #[test]
    fn table_classes_are_the_products() {
        for n in names::all() {
            assert_eq!(classify(n.symbol), n.class, "{}", n.symbol);
        }
    }

    #[test]
    fn every_base_exists_and_scaled_prices_agree() {
        for n in names::all() {
            let Some(t) = n.tracks else { continue };
            let base_known = match t.base.strip_prefix('/') {
                Some(code) => futures::product(code).is_some(),
                None => names::lookup(t.base).is_some(),
            };
            assert!(base_known, "{}: base {}", n.symbol, t.base);
            let spec = stock_path(n.symbol);
            // The chain of bases ends in an own path within the depth limit.
            let mut depth = 0;
            let mut s = &spec;
            while let Some(f) = &s.follow {
                s = &f.base;
                depth += 1;
            }
            assert!(depth < MAX_DEPTH, "{}", n.symbol);
            if let (Relation::Scale(_), Some(p)) = (t.relation, n.price) {
                let r = spec.anchor_price / p;
                assert!(
                    (0.97..1.03).contains(&r),
                    "{}: {} vs {p}",
                    n.symbol,
                    spec.anchor_price
                );
            }
        }
    }

    #[test]
    fn relations_and_derived_volatilities() {
        let spx = stock_path("SPX");
        let spy = stock_path("SPY");
        assert_eq!(spy.key, spx.key);
        assert!((spy.anchor_price / spx.anchor_price - 0.0998).abs() < 1e-9);
        let ndx = stock_path("NDX");
        let f = ndx.follow.as_ref().expect("NDX follows SPX");
        assert_eq!(f.base.key, "SPX");
        let total = (f.idio.powi(2) + 1.15f64.powi(2)).sqrt() * spx.theta;
        assert!((total - ndx.theta).abs() < 1e-9);
        let tqqq = stock_path("TQQQ");
        assert!((tqqq.theta / ndx.theta - 3.0).abs() < 1e-9);
        assert_eq!(stock_path("VIX").key, "VIX");
        assert_eq!(stock_path("GLD").key, "/GC");
    }

    #[test]
    fn profiles() {
        let as_of = d("2026-11-20");
        let p = |s: &str| profile(&parse(s, as_of).expect(s));
        let aapl = p("AAPL");
        assert_eq!(aapl.liquidity, Some(5));
        assert_eq!(aapl.description, "Apple");
        assert_eq!(aapl.path.earnings_bmo(), Some(false));
        assert_eq!(p("SPY").path.earnings, None);
        assert_eq!(p("SPX").beta, Some(1.0));
        assert!(p("SQQQ").beta.is_some_and(|b| b < -3.0));
        assert!(p("VIX").beta.is_some_and(|b| b < 0.0));
        assert_eq!(p("/ES").liquidity, Some(5));
        assert!(p("YAAB").description.is_empty());
        assert!(LIQUID.contains(&"SPY") && !LIQUID.contains(&"MTD"));
    }

    #[test]
    fn recent_listings_are_only_ipos_and_scale_names() {
        assert_eq!(listing_date("PM"), None);
        assert_eq!(listing_date("AAPL"), None);
        assert_eq!(listing_date("CRCL"), Some(d("2025-06-05")));
        let n = scale::scale_universe(10_000)
            .iter()
            .filter(|s| listing_date(s).is_some())
            .count();
        assert!((200..400).contains(&n), "{n} recent listings of 10000");
    }
}
