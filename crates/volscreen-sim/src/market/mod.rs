//! The synthetic market: deterministic prices, volatility, metrics, option chains and futures for
//! any symbol and as-of date.
//!
//! Everything here is a pure function of (symbol, as-of date): no I/O, no clock, no global state
//! beyond a cache of generated candle series. The REST and DXLink servers shape these typed values
//! into wire JSON; this module only decides the numbers. See `docs/demo-market.md` for the model.

pub mod cache;
mod chains;
mod depth;
mod derive;
mod dividends;
mod earnings;
mod futures;
pub mod metrics;
mod names;
mod options;
mod path;
mod quotes;
mod scale;
mod universe;

use crate::calendar;
use cache::Cache;
use futures::ContractRef;
use path::Series;
use std::sync::{Arc, OnceLock};
use universe::Underlying;
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

pub use depth::quote_sizes;
pub use dividends::Dividend;
pub use scale::scale_universe;
pub use universe::{Profile, LIQUID, UNKNOWN_SYMBOLS};

/// Sessions of served candle history (about three years).
pub const HISTORY_SESSIONS: usize = path::HISTORY_DAYS;
/// Sessions of IV history (one year).
pub const IV_HISTORY_SESSIONS: usize = path::IV_DAYS;

/// Earnings announcement of an equity.
#[derive(Debug, Clone, PartialEq)]
pub struct Earnings {
    pub expected_report_date: Date,
    /// `BMO` or `AMC`.
    pub time_of_day: &'static str,
    pub estimated: bool,
}

/// One expiration's implied volatility (the term structure in `/market-metrics`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpirationIv {
    pub expiration_date: Date,
    /// `PM` or `AM`.
    pub settlement_type: &'static str,
    /// Fraction.
    pub implied_volatility: f64,
}

/// What `/market-metrics` says about one symbol. Every volatility here is a **fraction**;
/// the REST layer converts the fields that are percent points on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub symbol: String,
    pub asset_class: AssetClass,
    pub iv_index: f64,
    pub iv_index_5d_change: f64,
    /// IV rank over the last year (tos flavour), 0..1.
    pub iv_rank_tos: f64,
    /// IV rank, tw flavour (a different window), 0..1.
    pub iv_rank_tw: f64,
    pub iv_percentile: f64,
    /// 30-day IV, fraction (percent points on the wire).
    pub iv30: f64,
    /// Historical volatility, fraction (percent points on the wire); `None` when the market omits it.
    pub hv30: Option<f64>,
    pub hv60: Option<f64>,
    pub hv90: Option<f64>,
    pub liquidity_rating: Option<u8>,
    pub liquidity_value: f64,
    pub liquidity_rank: f64,
    pub beta: Option<f64>,
    pub corr_spy_3month: Option<f64>,
    pub market_cap: f64,
    pub earnings: Option<Earnings>,
    pub expiration_ivs: Vec<ExpirationIv>,
    /// Epoch ms of the metrics' last update (the as-of date's close).
    pub updated_at_ms: i64,
}

/// A quote as `/market-data/by-type` reports it. `None` fields are omitted on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub symbol: String,
    /// `Equity`, `Index`, `Future`, `Equity Option`, `Future Option`.
    pub instrument_type: &'static str,
    pub bid: Option<f64>,
    pub ask: Option<f64>,
    pub mid: Option<f64>,
    pub mark: Option<f64>,
    pub last: Option<f64>,
    pub open: Option<f64>,
    pub day_high: Option<f64>,
    pub day_low: Option<f64>,
    pub close: Option<f64>,
    pub prev_close: Option<f64>,
    pub volume: Option<f64>,
    pub year_low: Option<f64>,
    pub year_high: Option<f64>,
    /// Top-of-book sizes ([`quote_sizes`]), drawn for the instrument whatever form it is named in
    /// (OCC or streamer symbol, `/ESZ6` or `/ESZ26:XCME`, a root or its active contract), so a
    /// by-type row and a DXLink `Quote` event say the same; 0 for an index.
    pub bid_size: f64,
    pub ask_size: f64,
    pub updated_at_ms: i64,
}

/// One strike of an expiration, with the OCC (or futures-option) and streamer symbols of its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Strike {
    pub strike_price: f64,
    pub call: String,
    pub call_streamer_symbol: String,
    pub put: String,
    pub put_streamer_symbol: String,
}

/// One expiration of an option chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiration {
    pub expiration_date: Date,
    pub days_to_expiration: i32,
    /// `Regular` (third-Friday monthly), `Weekly`, `End-Of-Month`, `Quarterly`.
    pub expiration_type: &'static str,
    /// `PM` or `AM`.
    pub settlement_type: &'static str,
    /// For futures options: the underlying contract (`/ESZ6`); empty for equity options.
    pub underlying_symbol: String,
    /// For futures options: option root (`EW`) and option contract symbol (`EWZ6`); empty otherwise.
    pub option_root_symbol: String,
    pub option_contract_symbol: String,
    pub strikes: Vec<Strike>,
}

/// One rule of an option chain's declared tick sizes (the wire's `tick-sizes`): premiums under
/// `threshold` quote in multiples of `value`; the last rule (no threshold) covers every premium
/// at or above the previous rule's threshold. A chain declares exactly the ticks its quotes are
/// on (`Quoting::tick_sizes` in `market/quotes.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickSize {
    pub value: f64,
    pub threshold: Option<f64>,
}

/// An equity, ETF or index option chain (one root; `/option-chains/{symbol}/nested` has one item).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionChain {
    pub underlying_symbol: String,
    pub root_symbol: String,
    /// `Standard`.
    pub option_chain_type: &'static str,
    pub shares_per_contract: u32,
    /// The ticks of the chain's option quotes: `[0.01]` for SPY, QQQ, IWM; `[0.01 < 3, 0.05]`
    /// for the penny classes; `[0.05 < 3, 0.10]` for the rest and the cash indices.
    pub tick_sizes: Vec<TickSize>,
    pub expirations: Vec<Expiration>,
}

/// A futures product (`/instruments/future-products`).
#[derive(Debug, Clone, PartialEq)]
pub struct FuturesProduct {
    /// `ES`.
    pub code: String,
    /// `/ES`.
    pub root_symbol: String,
    pub description: String,
    /// `CME`, `CBOT`, `NYMEX`, `COMEX`.
    pub exchange: &'static str,
    /// `XCME`, `XCBT`, `XNYM`, `XCEC`.
    pub streamer_exchange_code: &'static str,
    pub listed_months: Vec<char>,
    pub active_months: Vec<char>,
    pub notional_multiplier: f64,
    pub tick_size: f64,
    pub display_factor: f64,
    pub market_sector: &'static str,
    pub product_type: &'static str,
    pub cash_settled: bool,
    /// Futures option root (`EW` for ES weeklies/monthlies in this model).
    pub option_root: String,
    /// The ticks of the product's option quotes (`[0.05 < 5, 0.25]` for ES; the product's tick
    /// for most others): a futures option chain's and a contract's `option-tick-sizes`.
    pub option_tick_sizes: Vec<TickSize>,
}

/// One futures contract (`/instruments/futures`).
#[derive(Debug, Clone, PartialEq)]
pub struct FutureContract {
    /// `/ESZ6`.
    pub symbol: String,
    /// `ES`.
    pub product_code: String,
    /// `/ES`.
    pub root_symbol: String,
    pub expiration_date: Date,
    pub last_trade_date: Date,
    pub days_to_expiration: i32,
    pub active_month: bool,
    pub next_active_month: bool,
    /// `/ESZ26:XCME`.
    pub streamer_symbol: String,
    pub exchange: &'static str,
    pub streamer_exchange_code: &'static str,
}

/// A futures option chain (`/futures-option-chains/{code}/nested`).
#[derive(Debug, Clone, PartialEq)]
pub struct FuturesOptionChain {
    pub product: FuturesProduct,
    pub futures: Vec<FutureContract>,
    pub expirations: Vec<Expiration>,
}

/// Trading sessions from the path origin to the later of the as-of date and the anchor date.
struct Sessions {
    all: Vec<Date>,
    /// Index of the last session on or before the as-of date.
    last: Option<usize>,
}

/// How many generated values the market keeps (first in, first out; an evicted value is
/// regenerated, identically, when asked again). The sizes bound the market's memory (measured in
/// docs/performance.md, "Issue 11 closed"):
/// - a series is ~42 KB (756 candles and their IVs): 256 of them ~11 MB. A symbol's metrics,
///   price and candles are asked close together, so a small window keeps most of the hits;
/// - a metrics row is ~0.5 KB, a series' tail (what its quote needs) ~80 bytes: every symbol of a
///   large scan fits, so metrics and prices cost one generation of each path;
/// - an equity chain is 0.1–1 MB of strikes and streamer symbols, needed again only for the ATM
///   quotes that follow its REST request within a second or two: 48 are plenty;
/// - futures chains: one per product (23 listed), all kept.
pub const SERIES_MEMO: usize = 256;
pub const METRICS_MEMO: usize = 20_000;
pub const CHAINS_MEMO: usize = 48;
pub const FUTURES_CHAINS_MEMO: usize = 64;

/// The deterministic synthetic market for one as-of date.
pub struct Market {
    as_of: Date,
    sessions: OnceLock<Sessions>,
    series: Cache<String, Series>,
    /// The tail of every series generated ([`quotes::Tail`]), by path key.
    tails: Cache<String, quotes::Tail>,
    /// The dividend of every equity and ETF asked for (metrics and by-type rows carry it).
    dividends: Cache<String, Option<Dividend>>,
    metrics: Cache<String, Metrics>,
    chains: Cache<String, OptionChain>,
    futures_chains: Cache<&'static str, FuturesOptionChain>,
}

impl Market {
    /// The market as of the close of `as_of` (or of the last trading day before it).
    pub fn new(as_of: Date) -> Market {
        Market {
            as_of,
            sessions: OnceLock::new(),
            series: Cache::new(SERIES_MEMO),
            tails: Cache::new(METRICS_MEMO),
            dividends: Cache::new(METRICS_MEMO),
            metrics: Cache::new(METRICS_MEMO),
            chains: Cache::new(CHAINS_MEMO),
            futures_chains: Cache::new(FUTURES_CHAINS_MEMO),
        }
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// The last trading session on or before the as-of date (`None` before the model's origin).
    pub fn session(&self) -> Option<Date> {
        let s = self.sessions();
        s.last.map(|i| s.all[i])
    }

    /// Whether the market does not know `symbol`. It knows the names of its data table
    /// (`data/names.csv`: the default watchlist's equities, ETFs and indices), the scale universe
    /// ([`scale_universe`]: `YAAA` …), the listed futures roots and their contracts listed on the
    /// as-of date; a recent listing exists from its listing date. Anything else ([`UNKNOWN_SYMBOLS`]
    /// gives examples: `APPL`, `TICKER`, `/ESF7`) is unknown: absent from metrics and quotes, no
    /// candles, 404 on chains.
    pub fn is_unknown(&self, symbol: &str) -> bool {
        self.parse(symbol).is_none()
    }

    /// Every name of the market's data table (equities, ETFs, indices), in table order. With
    /// [`scale_universe`] and the futures products, this is everything the market knows.
    pub fn named_symbols() -> Vec<&'static str> {
        names::all().iter().map(|n| n.symbol).collect()
    }

    /// The earnings reports of an equity from `from` to `to` (both included), ascending, each
    /// with its time of day (`BMO`/`AMC`) and `estimated` as the metrics would say it on the
    /// as-of date; empty for ETFs, indices, futures and unknown symbols.
    pub fn earnings_reports(&self, symbol: &str, from: Date, to: Date) -> Vec<Earnings> {
        let Some(Underlying::Stock(s, AssetClass::Equity)) = self.parse(symbol) else {
            return Vec::new();
        };
        let Some(cycle) = universe::stock_path(&s).earnings else {
            return Vec::new();
        };
        earnings::reports(&s, &cycle, from, to)
            .into_iter()
            .map(|d| Earnings {
                expected_report_date: d,
                time_of_day: if cycle.bmo { "BMO" } else { "AMC" },
                estimated: d.days_since(self.as_of) > 21,
            })
            .collect()
    }

    /// The fixed profile of a known underlying (`None` when unknown): liquidity rating, beta,
    /// correlation, market cap, description, and its path (price level, volatility, earnings
    /// cycle: `profile.path.earnings_bmo()` is the earnings time of day).
    pub fn profile(&self, symbol: &str) -> Option<Profile> {
        self.parse(symbol).map(|u| universe::profile(&u))
    }

    /// Asset class of a known underlying symbol (`None` when unknown or malformed).
    pub fn asset_class(&self, symbol: &str) -> Option<AssetClass> {
        self.parse(symbol).map(|u| u.class())
    }

    /// Daily candles, ascending by time, ending at the last trading day on or before as-of.
    /// `symbol` is an equity, ETF or index symbol, or a futures contract in any form (`/ESZ6`,
    /// `/ESZ26`, `/ESZ26:XCME`). `None` for unknown symbols and bare futures roots (`/ES`).
    pub fn candles(&self, symbol: &str) -> Option<Arc<[Candle]>> {
        let u = self.parse(symbol)?;
        if matches!(u, Underlying::FutureRoot(_)) {
            return None;
        }
        Some(self.series_of(&u).candles.clone())
    }

    /// The daily IV index history behind the metrics' IV rank and percentile: the last (up to)
    /// one year of sessions, ascending, ending on the as-of session. A futures root reports its
    /// active contract's. Empty for unknown symbols.
    pub fn iv_history(&self, symbol: &str) -> Vec<(Date, f64)> {
        let Some(u) = self.parse(symbol) else {
            return Vec::new();
        };
        let s = self.series_of(&u);
        let ivs = s.iv();
        let from = s.candles.len() - ivs.len();
        s.candles[from..]
            .iter()
            .zip(ivs.iter())
            .map(|(c, iv)| (Date::from_epoch_ms(c.time), *iv))
            .collect()
    }

    /// Market metrics of an underlying (equity, ETF, index, futures root `/ES`; a futures contract
    /// gets its own).
    pub fn metrics(&self, symbol: &str) -> Option<Metrics> {
        let u = self.parse(symbol)?;
        let key = universe::profile(&u).symbol;
        let m = self.metrics.get_or(&key, || self.build_metrics(&u));
        Some((*m).clone())
    }

    /// The per-expiration IV term structure of an underlying (its metrics'
    /// `option-expiration-implied-volatilities`): every expiration of its option chain (for a
    /// futures root or contract, its product's futures option chain), ascending, with the
    /// at-the-money IV the chain's quotes are priced with (a fraction; the variance of an earnings
    /// move before the expiration included). Empty for unknown symbols.
    pub fn term_structure(&self, symbol: &str) -> Vec<(Date, f64)> {
        self.metrics(symbol)
            .map(|m| {
                m.expiration_ivs
                    .iter()
                    .map(|e| (e.expiration_date, e.implied_volatility))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A quote for an underlying (equity, ETF, index, futures contract `/ESZ6`) or an option
    /// (OCC symbol `AAPL  261218C00200000`, or futures option `./ESZ6 EWZ6  261218C6000`).
    /// Option streamer symbols (`.AAPL261218C200`, `./EWZ26C6000:XCME`) are accepted too. A bare
    /// futures root quotes its active contract.
    pub fn quote(&self, symbol: &str) -> Option<Quote> {
        let s = symbol.trim().to_ascii_uppercase();
        if s.starts_with("./") {
            return self.futures_option_quote(&s);
        }
        if s.starts_with('.') {
            return self.equity_option_quote(&s);
        }
        if let Some(u) = self.parse(&s) {
            let p = universe::profile(&u);
            let tail = self.tail_of(&u)?;
            let q = quotes::underlying_quote(&s, p.class, p.liquidity, p.path.tick, &tail)?;
            // A root quotes its active contract: one book, keyed by the contract.
            return Some(with_book(q, &self.path_of(&u).0));
        }
        self.equity_option_quote(&s)
    }

    /// The dividend of an equity or ETF as of the as-of close (zeros for a non-payer); `None` for
    /// indices, futures and unknown symbols. See [`dividends`].
    pub fn dividend(&self, symbol: &str) -> Option<Dividend> {
        let u = self.parse(symbol)?;
        let Underlying::Stock(s, class) = &u else {
            return None;
        };
        let d = self.dividends.get_or(s, || {
            dividends::dividend(s, *class, &self.series_of(&u).candles, self.as_of)
        });
        (*d).clone()
    }

    /// The option chain of an equity, ETF or index.
    pub fn option_chain(&self, symbol: &str) -> Option<OptionChain> {
        self.chain_of(symbol).map(|c| (*c).clone())
    }

    /// A futures product by code (`ES`).
    pub fn futures_product(&self, code: &str) -> Option<FuturesProduct> {
        futures::product(code).map(chains::product_info)
    }

    /// Every futures product the market lists.
    pub fn futures_products(&self) -> Vec<FuturesProduct> {
        futures::PRODUCTS.iter().map(chains::product_info).collect()
    }

    /// Listed contracts of a product (exactly one with `active_month`), nearest expiry first.
    pub fn futures_contracts(&self, code: &str) -> Vec<FutureContract> {
        let Some(p) = futures::product(code) else {
            return Vec::new();
        };
        futures::listed_contracts(p, self.as_of)
            .iter()
            .map(|l| chains::contract_info(p, l, self.as_of))
            .collect()
    }

    /// The futures option chain of a product.
    pub fn futures_option_chain(&self, code: &str) -> Option<FuturesOptionChain> {
        self.futures_chain_of(code).map(|c| (*c).clone())
    }

    // ----- internals -----

    fn sessions(&self) -> &Sessions {
        self.sessions.get_or_init(|| {
            let end = self.as_of.max(path::anchor());
            let all = calendar::trading_days(path::origin(), end);
            let n = all.partition_point(|d| *d <= self.as_of);
            Sessions {
                all,
                last: n.checked_sub(1),
            }
        })
    }

    fn parse(&self, symbol: &str) -> Option<Underlying> {
        let u = universe::parse(symbol, self.as_of)?;
        if let Underlying::Stock(s, _) = &u {
            if universe::listing_date(s).is_some_and(|l| l > self.as_of) {
                return None;
            }
        }
        Some(u)
    }

    /// The series key and path of an underlying (a futures root follows its active contract).
    fn path_of(&self, u: &Underlying) -> (String, universe::PathSpec) {
        match u {
            Underlying::Stock(s, _) => (s.clone(), universe::stock_path(s)),
            Underlying::FutureRoot(p) => match futures::active_contract(p, self.as_of) {
                Some(l) => (
                    l.contract.streamer_symbol(p),
                    futures::contract_path(p, &l.contract),
                ),
                None => (p.root_symbol(), futures::root_path(p)),
            },
            Underlying::FutureContract(p, c) => {
                (c.streamer_symbol(p), futures::contract_path(p, c))
            }
        }
    }

    fn series_of(&self, u: &Underlying) -> Arc<Series> {
        let (key, spec) = self.path_of(u);
        self.series.get_or(&key, || {
            let s = self.sessions();
            let series = path::generate(&spec, &s.all, s.last);
            // Every generated series leaves its tail behind: quoting the symbol later costs no
            // second generation, whatever the series memo has evicted by then.
            if let Some(t) = quotes::Tail::of(&series.candles) {
                self.tails.get_or(&key, || t);
            }
            if let Underlying::Stock(s, class) = u {
                self.dividends.get_or(s, || {
                    dividends::dividend(s, *class, &series.candles, self.as_of)
                });
            }
            series
        })
    }

    /// The tail of an underlying's series ([`quotes::Tail`]), from the tails memo when its series
    /// was ever generated; `None` without candles. On a miss the symbol's metrics are built too,
    /// from the same generation: a scan asks for the metrics and the price of every symbol, in
    /// either order, and each path is then generated once, not once per question.
    fn tail_of(&self, u: &Underlying) -> Option<quotes::Tail> {
        let key = self.path_of(u).0;
        if let Some(t) = self.tails.get(&key) {
            return Some(*t);
        }
        let metrics_key = universe::profile(u).symbol;
        let series = self.series_of(u);
        self.metrics.get_or(&metrics_key, || self.build_metrics(u));
        quotes::Tail::of(&series.candles)
    }

    fn contract_series(&self, p: &'static futures::Product, c: &ContractRef) -> Arc<Series> {
        self.series_of(&Underlying::FutureContract(p, *c))
    }

    /// The next earnings reaction session of an equity still ahead at the as-of close.
    fn next_earnings(&self, u: &Underlying) -> Option<(Date, &'static str, Date)> {
        let Underlying::Stock(s, AssetClass::Equity) = u else {
            return None;
        };
        let cycle = universe::stock_path(s).earnings?;
        let report = earnings::next_report(s, &cycle, self.as_of)?;
        let tod = if cycle.bmo { "BMO" } else { "AMC" };
        Some((report, tod, earnings::reaction_date(report, cycle.bmo)))
    }

    fn build_metrics(&self, u: &Underlying) -> Metrics {
        let prof = universe::profile(u);
        let series = self.series_of(u);
        let closes: Vec<f64> = series.candles.iter().map(|c| c.close).collect();
        let hv = |n: usize| {
            if prof.hv_missing {
                None
            } else {
                metrics::hv(&closes, n)
            }
        };
        let ivs = series.iv();
        let iv = ivs.last().copied().unwrap_or(series.iv_long_run);
        let iv_5d = ivs.len().checked_sub(6).map(|i| iv - ivs[i]).unwrap_or(0.0);
        let earnings = self.next_earnings(u);
        let reaction = earnings.map(|e| e.2);
        let expiration_dates: Vec<(Date, &'static str)> = match u {
            Underlying::Stock(s, _) => options::equity_expirations(s, self.as_of, prof.liquidity)
                .into_iter()
                .map(|e| (e.date, e.settlement))
                .collect(),
            Underlying::FutureRoot(p) | Underlying::FutureContract(p, _) => self
                .futures_chain_of(p.code)
                .map(|c| {
                    c.expirations
                        .iter()
                        .map(|e| (e.expiration_date, e.settlement_type))
                        .collect()
                })
                .unwrap_or_default(),
        };
        // Futures options are the product's: priced off the root's IV curve, whichever contract.
        let iv_series = match u {
            Underlying::FutureContract(p, _) => self.series_of(&Underlying::FutureRoot(p)),
            _ => series.clone(),
        };
        let expiration_ivs = expiration_dates
            .into_iter()
            .map(|(d, settlement)| ExpirationIv {
                expiration_date: d,
                settlement_type: settlement,
                implied_volatility: metrics::term_iv(&iv_series, self.as_of, d, reaction),
            })
            .collect();
        let updated_at_ms = series
            .candles
            .last()
            .map(|c| quotes::close_ms(c.time))
            .unwrap_or_else(|| quotes::close_ms(self.as_of.epoch_ms()));
        Metrics {
            symbol: prof.symbol.clone(),
            asset_class: prof.class,
            iv_index: iv,
            iv_index_5d_change: iv_5d,
            iv_rank_tos: metrics::iv_rank(ivs, metrics::RANK_WINDOW_TOS),
            iv_rank_tw: metrics::iv_rank(ivs, metrics::RANK_WINDOW_TW),
            iv_percentile: metrics::iv_percentile(ivs),
            iv30: metrics::term_iv(&series, self.as_of, self.as_of.add_days(30), reaction),
            hv30: hv(30),
            hv60: hv(60),
            hv90: hv(90),
            liquidity_rating: prof.liquidity,
            liquidity_value: prof.liquidity_value,
            liquidity_rank: prof.liquidity_rank,
            beta: prof.beta,
            corr_spy_3month: prof.corr,
            market_cap: prof.market_cap,
            earnings: earnings.map(|(d, tod, _)| Earnings {
                expected_report_date: d,
                time_of_day: tod,
                estimated: d.days_since(self.as_of) > 21,
            }),
            expiration_ivs,
            updated_at_ms,
        }
    }

    fn chain_of(&self, symbol: &str) -> Option<Arc<OptionChain>> {
        let u = self.parse(symbol)?;
        let Underlying::Stock(s, _) = &u else {
            return None;
        };
        Some(self.chains.get_or(s, || {
            let prof = universe::profile(&u);
            let series = self.series_of(&u);
            let price = series.last_close().unwrap_or(prof.path.anchor_price);
            let reaction = self.next_earnings(&u).map(|e| e.2);
            let iv_of = |d: Date| metrics::term_iv(&series, self.as_of, d, reaction);
            chains::equity_chain(s, prof.liquidity, price, self.as_of, &iv_of)
        }))
    }

    fn futures_chain_of(&self, code: &str) -> Option<Arc<FuturesOptionChain>> {
        let p = futures::product(code)?;
        Some(self.futures_chains.get_or(&p.code, || {
            let root = self.series_of(&Underlying::FutureRoot(p));
            let price_of =
                |c: &ContractRef| self.contract_series(p, c).last_close().unwrap_or(p.price);
            let iv_of = |d: Date| metrics::term_iv(&root, self.as_of, d, None);
            chains::futures_chain(p, self.as_of, &price_of, &iv_of)
        }))
    }

    fn equity_option_quote(&self, s: &str) -> Option<Quote> {
        let r = options::parse_equity_option(s)?;
        // The OCC root drops `/` and `.`: BRKB may be BRK/B.
        let mut candidates = vec![r.root.clone()];
        if r.root.len() >= 2 {
            let (a, b) = r.root.split_at(r.root.len() - 1);
            candidates.push(format!("{a}/{b}"));
        }
        for cand in candidates {
            let Some(u) = self.parse(&cand) else { continue };
            let Some(chain) = self.chain_of(&cand) else {
                continue;
            };
            if chain.root_symbol != r.root {
                continue;
            }
            let Some(exp) = chain
                .expirations
                .iter()
                .find(|e| e.expiration_date == r.expiration)
            else {
                continue;
            };
            let Some(listed) = exp
                .strikes
                .iter()
                .find(|k| (k.strike_price - r.strike).abs() < 1e-6)
            else {
                continue;
            };
            // The book is the OCC symbol's, whichever form was asked.
            let occ = if r.call { &listed.call } else { &listed.put };
            let prof = universe::profile(&u);
            let series = self.series_of(&u);
            let reaction = self.next_earnings(&u).map(|e| e.2);
            let price = series.last_close()?;
            let q = quotes::option_quote(&quotes::OptionInputs {
                symbol: s,
                future: false,
                call: r.call,
                underlying_price: price,
                strike: r.strike,
                years: options::years_to(self.as_of, r.expiration),
                atm_iv: metrics::term_iv(&series, self.as_of, r.expiration, reaction),
                rating: prof.liquidity,
                quoting: quotes::equity_quoting(&prof.symbol, prof.liquidity),
                updated_at_ms: series
                    .candles
                    .last()
                    .map(|c| quotes::close_ms(c.time))
                    .unwrap_or(0),
            });
            return Some(with_book(q, occ));
        }
        None
    }

    fn futures_option_quote(&self, s: &str) -> Option<Quote> {
        let collapsed = |x: &str| x.split_whitespace().collect::<Vec<_>>().join(" ");
        let want = collapsed(s);
        let body = s.strip_prefix("./")?;
        let products: Vec<&'static futures::Product> = if s.contains(':') {
            futures::PRODUCTS
                .iter()
                .filter(|p| body.starts_with(p.option_root))
                .collect()
        } else {
            let first = body.split_whitespace().next()?;
            let root = volscreen_core::symbol::futures_root(&format!("/{first}"))?;
            vec![futures::product(&root)?]
        };
        for p in products {
            let Some(chain) = self.futures_chain_of(p.code) else {
                continue;
            };
            for e in &chain.expirations {
                for k in &e.strikes {
                    let (call, listed) =
                        if collapsed(&k.call) == want || k.call_streamer_symbol == s {
                            (true, &k.call)
                        } else if collapsed(&k.put) == want || k.put_streamer_symbol == s {
                            (false, &k.put)
                        } else {
                            continue;
                        };
                    let u = universe::parse(&e.underlying_symbol, self.as_of)?;
                    let series = self.series_of(&u);
                    let root = self.series_of(&Underlying::FutureRoot(p));
                    let prof = universe::profile(&Underlying::FutureRoot(p));
                    let q = quotes::option_quote(&quotes::OptionInputs {
                        symbol: s,
                        future: true,
                        call,
                        underlying_price: series.last_close()?,
                        strike: k.strike_price,
                        years: options::years_to(self.as_of, e.expiration_date),
                        atm_iv: metrics::term_iv(&root, self.as_of, e.expiration_date, None),
                        rating: prof.liquidity,
                        quoting: quotes::futures_quoting(p.code, p.tick, prof.liquidity),
                        updated_at_ms: series
                            .candles
                            .last()
                            .map(|c| quotes::close_ms(c.time))
                            .unwrap_or(0),
                    });
                    // The book is the listed symbol's, whichever form was asked.
                    return Some(with_book(q, listed));
                }
            }
        }
        None
    }
}

/// `q` with its top-of-book sizes drawn for `instrument`, the one name of the quoted instrument
/// (a stock's symbol, a contract's streamer symbol, an option's OCC or listed futures-option
/// symbol), so every form of a symbol quotes the same sizes.
fn with_book(mut q: Quote, instrument: &str) -> Quote {
    let (bid, ask) = depth::quote_sizes(instrument, &q);
    q.bid_size = bid;
    q.ask_size = ask;
    q
}
