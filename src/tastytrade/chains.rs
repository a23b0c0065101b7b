//! Option chains: `GET /option-chains/{symbol}/nested` (equities, ETFs, indices) and
//! `GET /futures-option-chains/{code}/nested` (futures), both normalised into one [`OptionChain`].
//!
//! An equity chain may have several roots (SPX and SPXW are two items); their expirations are merged
//! into one list sorted by date. A futures chain's expirations each carry the futures contract they are
//! options on (`underlying_symbol`, e.g. `/ESU3`), and the chain lists the product's contracts.
//! Strikes keep the OCC / future-option symbols for REST quotes and the streamer symbols for DXLink.
//! Expirations without a readable date and strikes without a readable price are skipped.

use super::client::TastytradeClient;
use super::decode::{DecodeError, Row};
use super::error::ApiError;
use super::futures::{product_code, FutureContract};
use super::http::encode_component;
use crate::date::Date;
use serde::Serialize;
use serde_json::Value;

/// The equity chain endpoint, as named in counters and errors.
pub const EQUITY_ENDPOINT: &str = "/option-chains/{symbol}/nested";
/// The futures chain endpoint, as named in counters and errors.
pub const FUTURES_ENDPOINT: &str = "/futures-option-chains/{code}/nested";

/// Whose options a chain holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChainKind {
    /// Options on an equity, ETF or index.
    Equity,
    /// Options on futures contracts.
    Future,
}

/// An option chain, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionChain {
    /// What was asked for: `AAPL`, `BRK/B`, or the futures product code `ES`.
    pub symbol: String,
    pub kind: ChainKind,
    /// `underlying-symbol` of the chain (`AAPL`, `/ES`).
    pub underlying: Option<String>,
    /// Every expiration of every root, sorted by date.
    pub expirations: Vec<Expiration>,
    /// Futures chains: the product's contracts (`futures[]`); empty for equity chains.
    pub futures: Vec<FutureContract>,
}

/// One expiration of one chain root.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expiration {
    pub date: Date,
    /// `days-to-expiration` as sent.
    pub dte: Option<i64>,
    /// `Regular` (monthly), `Weekly`, `Quarterly`, `End-Of-Month`, ...
    pub expiration_type: Option<String>,
    /// `AM` or `PM`.
    pub settlement: Option<String>,
    /// `AAPL`, `SPXW`; for futures `/ES`.
    pub root_symbol: Option<String>,
    /// Futures only: the option product root (`EW4`).
    pub option_root_symbol: Option<String>,
    /// `Standard` or `Non-standard`.
    pub chain_type: Option<String>,
    pub shares_per_contract: Option<f64>,
    /// The instrument the options are on: the equity (`AAPL`) or the futures contract (`/ESU3`).
    pub underlying_symbol: Option<String>,
    /// Sorted by price.
    pub strikes: Vec<Strike>,
}

impl Expiration {
    /// Whether this is a monthly expiration: type `Regular`, or, without a type, a third Friday.
    pub fn is_monthly(&self) -> bool {
        match &self.expiration_type {
            Some(t) => t.eq_ignore_ascii_case("regular"),
            None => {
                let (y, m, _) = self.date.ymd();
                self.date == Date::third_friday(y, m)
            }
        }
    }

    /// The strike nearest `price` (the lower one on a tie).
    pub fn nearest_strike(&self, price: f64) -> Option<&Strike> {
        self.strikes.iter().min_by(|a, b| {
            (a.price - price)
                .abs()
                .total_cmp(&(b.price - price).abs())
                .then(a.price.total_cmp(&b.price))
        })
    }
}

impl OptionChain {
    /// The monthly expiration whose `dte` is nearest `target` within `min..=max` (the earlier on a
    /// tie); expirations without `dte` are not considered.
    pub fn monthly_near(&self, target: i64, min: i64, max: i64) -> Option<&Expiration> {
        self.expirations
            .iter()
            .filter(|e| e.is_monthly())
            .filter_map(|e| e.dte.filter(|d| (min..=max).contains(d)).map(|d| (e, d)))
            .min_by_key(|(e, d)| ((d - target).abs(), e.date))
            .map(|(e, _)| e)
    }
}

/// One strike of one expiration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strike {
    pub price: f64,
    /// The call's symbol for REST (`AAPL  230616C00060000`, `./ESU3 EW4N3 230728C3990`).
    pub call: Option<String>,
    /// The call's DXLink symbol (`.AAPL230616C60`, `./EW4N23C3990:XCME`).
    pub call_streamer: Option<String>,
    pub put: Option<String>,
    pub put_streamer: Option<String>,
}

impl Strike {
    fn from_row(row: Row<'_>) -> Option<Strike> {
        Some(Strike {
            price: row.num("strike-price")?,
            call: row.symbol("call"),
            call_streamer: row.symbol("call-streamer-symbol"),
            put: row.symbol("put"),
            put_streamer: row.symbol("put-streamer-symbol"),
        })
    }
}

/// Fields an expiration inherits from its chain item.
#[derive(Clone, Default)]
struct ChainDefaults {
    root_symbol: Option<String>,
    underlying: Option<String>,
    chain_type: Option<String>,
    shares_per_contract: Option<f64>,
}

fn expiration(row: Row<'_>, chain: &ChainDefaults) -> Option<Expiration> {
    let mut strikes: Vec<Strike> = row
        .objects("strikes")
        .filter_map(Strike::from_row)
        .collect();
    strikes.sort_by(|a, b| a.price.total_cmp(&b.price));
    Some(Expiration {
        date: row.date("expiration-date")?,
        dte: row.int("days-to-expiration"),
        expiration_type: row.text("expiration-type"),
        settlement: row.text("settlement-type"),
        root_symbol: row
            .symbol("root-symbol")
            .or_else(|| chain.root_symbol.clone()),
        option_root_symbol: row.symbol("option-root-symbol"),
        chain_type: row
            .text("option-chain-type")
            .or_else(|| chain.chain_type.clone()),
        shares_per_contract: row.num("shares-per-contract").or(chain.shares_per_contract),
        underlying_symbol: row
            .symbol("underlying-symbol")
            .or_else(|| chain.underlying.clone()),
        strikes,
    })
}

fn chain_items<'a>(items: impl Iterator<Item = Row<'a>>) -> (Option<String>, Vec<Expiration>) {
    let mut underlying = None;
    let mut expirations = Vec::new();
    for item in items {
        let defaults = ChainDefaults {
            root_symbol: item.symbol("root-symbol"),
            underlying: item.symbol("underlying-symbol"),
            chain_type: item.text("option-chain-type"),
            shares_per_contract: item.num("shares-per-contract"),
        };
        if underlying.is_none() {
            underlying = defaults.underlying.clone();
        }
        expirations.extend(
            item.objects("expirations")
                .filter_map(|e| expiration(e, &defaults)),
        );
    }
    expirations.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.root_symbol.cmp(&b.root_symbol))
    });
    (underlying, expirations)
}

/// Decode a `/option-chains/{symbol}/nested` response (full envelope or bare `data` member).
pub fn decode_option_chain(symbol: &str, body: &Value) -> Result<OptionChain, DecodeError> {
    let items = super::decode::require_items(body)?;
    let (underlying, expirations) = chain_items(items.iter().filter(|v| v.is_object()).map(Row));
    Ok(OptionChain {
        symbol: symbol.to_string(),
        kind: ChainKind::Equity,
        underlying,
        expirations,
        futures: Vec::new(),
    })
}

/// Decode a `/futures-option-chains/{code}/nested` response (full envelope or bare `data` member).
pub fn decode_futures_option_chain(code: &str, body: &Value) -> Result<OptionChain, DecodeError> {
    let data = Row(super::decode::data(body));
    if data.get("option-chains").is_none() && data.get("futures").is_none() {
        return Err(DecodeError(
            "no option-chains or futures in the futures option chain response".to_string(),
        ));
    }
    let (underlying, expirations) = chain_items(data.objects("option-chains"));
    Ok(OptionChain {
        symbol: code.to_string(),
        kind: ChainKind::Future,
        underlying,
        expirations,
        futures: data
            .objects("futures")
            .filter_map(FutureContract::from_row)
            .collect(),
    })
}

impl TastytradeClient {
    /// The option chain of an equity, ETF or index (`BRK/B` is sent as `BRK%2FB`). A 404 or a chain
    /// without expirations is [`ApiError::NotFound`].
    pub async fn option_chain(&self, symbol: &str) -> Result<OptionChain, ApiError> {
        let path = format!("/option-chains/{}/nested", encode_component(symbol));
        let body = self.get(EQUITY_ENDPOINT, path, symbol.to_string()).await?;
        let chain = decode_option_chain(symbol, &body).map_err(|e| ApiError::Decode {
            endpoint: EQUITY_ENDPOINT.to_string(),
            context: symbol.to_string(),
            detail: e.0,
        })?;
        not_empty(chain, EQUITY_ENDPOINT)
    }

    /// The option chain of a futures product, by code or symbol (`ES`, `/ES`, `/ESZ6`). A 404 or a
    /// chain without expirations is [`ApiError::NotFound`].
    pub async fn futures_option_chain(&self, code: &str) -> Result<OptionChain, ApiError> {
        let code = product_code(code);
        let path = format!("/futures-option-chains/{}/nested", encode_component(&code));
        let body = self.get(FUTURES_ENDPOINT, path, code.clone()).await?;
        let chain = decode_futures_option_chain(&code, &body).map_err(|e| ApiError::Decode {
            endpoint: FUTURES_ENDPOINT.to_string(),
            context: code.clone(),
            detail: e.0,
        })?;
        not_empty(chain, FUTURES_ENDPOINT)
    }
}

fn not_empty(chain: OptionChain, endpoint: &str) -> Result<OptionChain, ApiError> {
    if chain.expirations.is_empty() {
        Err(ApiError::NotFound {
            endpoint: endpoint.to_string(),
            symbol: chain.symbol,
        })
    } else {
        Ok(chain)
    }
}
