//! The synthetic market: deterministic prices, volatility, metrics, option chains and futures for
//! any symbol and as-of date.
//!
//! Everything here is a pure function of (symbol, as-of date): no I/O, no clock, no global state
//! beyond a cache of generated candle series. The REST and DXLink servers shape these typed values
//! into wire JSON; this module only decides the numbers. See `docs/demo-market.md` for the model.

use crate::candle::Candle;
use crate::date::Date;
use crate::symbol::AssetClass;
use std::sync::Arc;

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

/// An equity, ETF or index option chain (one root; `/option-chains/{symbol}/nested` has one item).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionChain {
    pub underlying_symbol: String,
    pub root_symbol: String,
    /// `Standard`.
    pub option_chain_type: &'static str,
    pub shares_per_contract: u32,
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

/// The deterministic synthetic market for one as-of date.
pub struct Market {
    as_of: Date,
}

impl Market {
    /// The market as of the close of `as_of` (or of the last trading day before it).
    pub fn new(as_of: Date) -> Market {
        Market { as_of }
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Whether `symbol` is one of the documented unknown symbols (absent from metrics, 404 on chains).
    pub fn is_unknown(&self, _symbol: &str) -> bool {
        todo!("market model")
    }

    /// Asset class of a known underlying symbol (`None` when unknown or malformed).
    pub fn asset_class(&self, _symbol: &str) -> Option<AssetClass> {
        todo!("market model")
    }

    /// Daily candles, ascending by time, ending at the last trading day on or before as-of.
    /// `symbol` is an equity, ETF or index symbol, or a futures contract in any form (`/ESZ6`,
    /// `/ESZ26`, `/ESZ26:XCME`). `None` for unknown symbols and bare futures roots (`/ES`).
    pub fn candles(&self, _symbol: &str) -> Option<Arc<[Candle]>> {
        todo!("market model")
    }

    /// Market metrics of an underlying (equity, ETF, index, futures root `/ES`).
    pub fn metrics(&self, _symbol: &str) -> Option<Metrics> {
        todo!("market model")
    }

    /// A quote for an underlying (equity, ETF, index, futures contract `/ESZ6`) or an option
    /// (OCC symbol `AAPL  261218C00200000`, or futures option `./ESZ6 EWZ6  261218C6000`).
    pub fn quote(&self, _symbol: &str) -> Option<Quote> {
        todo!("market model")
    }

    /// The option chain of an equity, ETF or index.
    pub fn option_chain(&self, _symbol: &str) -> Option<OptionChain> {
        todo!("market model")
    }

    /// A futures product by code (`ES`).
    pub fn futures_product(&self, _code: &str) -> Option<FuturesProduct> {
        todo!("market model")
    }

    /// Every futures product the market lists.
    pub fn futures_products(&self) -> Vec<FuturesProduct> {
        todo!("market model")
    }

    /// Listed contracts of a product (exactly one with `active_month`), nearest expiry first.
    pub fn futures_contracts(&self, _code: &str) -> Vec<FutureContract> {
        todo!("market model")
    }

    /// The futures option chain of a product.
    pub fn futures_option_chain(&self, _code: &str) -> Option<FuturesOptionChain> {
        todo!("market model")
    }
}
