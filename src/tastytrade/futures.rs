//! `GET /instruments/futures?product-code[]=ES`: the contracts of futures products, decoded into
//! [`FutureContract`], grouped per product in [`FuturesProduct`] with its active month.
//!
//! The active month is the contract flagged `active-month: true`, not simply the nearest expiry.
//! Candles and quotes of a future go through its `streamer-symbol` (`/ESM23:XCME`).

use super::batch::{self, Batch};
use super::client::TastytradeClient;
use super::decode::{self, DecodeError, Row};
use super::error::{describe_symbols, ApiError};
use super::http::encode_component;
use crate::date::Date;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// The endpoint, as named in counters and errors.
pub const ENDPOINT: &str = "/instruments/futures";

/// One futures contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FutureContract {
    /// `/ESM3`.
    pub symbol: String,
    /// `ES`.
    pub product_code: Option<String>,
    /// `/ES`.
    pub root_symbol: Option<String>,
    /// `/ESM23:XCME`: the symbol for DXLink (candles, quotes).
    pub streamer_symbol: Option<String>,
    pub expiration_date: Option<Date>,
    pub last_trade_date: Option<Date>,
    pub days_to_expiration: Option<i64>,
    pub active_month: Option<bool>,
    pub next_active_month: Option<bool>,
    pub active: Option<bool>,
    pub is_tradeable: Option<bool>,
    pub is_closing_only: Option<bool>,
    pub exchange: Option<String>,
    /// `future-product.description` (`E Mini S&P`).
    pub description: Option<String>,
}

impl FutureContract {
    /// Decode one row (from `/instruments/futures` or the `futures[]` of a futures option chain);
    /// `None` without a `symbol`.
    pub fn from_row(row: Row<'_>) -> Option<FutureContract> {
        let product = row.object("future-product");
        Some(FutureContract {
            symbol: row.symbol("symbol")?,
            product_code: row
                .symbol("product-code")
                .or_else(|| product.and_then(|p| p.symbol("code"))),
            root_symbol: row
                .symbol("root-symbol")
                .or_else(|| product.and_then(|p| p.symbol("root-symbol"))),
            streamer_symbol: row.symbol("streamer-symbol"),
            expiration_date: row.date("expiration-date"),
            last_trade_date: row.date("last-trade-date"),
            days_to_expiration: row.int("days-to-expiration"),
            active_month: row.flag("active-month"),
            next_active_month: row.flag("next-active-month"),
            active: row.flag("active"),
            is_tradeable: row.flag("is-tradeable"),
            is_closing_only: row.flag("is-closing-only"),
            exchange: row.text("exchange"),
            description: product.and_then(|p| p.text("description")),
        })
    }

    /// The product code this contract belongs to: `product-code`, else derived from the symbol.
    pub fn code(&self) -> Option<String> {
        self.product_code
            .clone()
            .or_else(|| self.root_symbol.as_deref().map(product_code))
            .or_else(|| crate::symbol::futures_root(&self.symbol).map(|r| product_code(&r)))
    }
}

/// The contracts of one futures product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FuturesProduct {
    /// `ES`.
    pub code: String,
    pub contracts: Vec<FutureContract>,
}

impl FuturesProduct {
    /// The contract flagged `active-month`.
    pub fn active_month(&self) -> Option<&FutureContract> {
        active_month(&self.contracts)
    }

    /// The contract flagged `next-active-month`.
    pub fn next_active_month(&self) -> Option<&FutureContract> {
        self.contracts
            .iter()
            .find(|c| c.next_active_month == Some(true))
    }
}

/// The contract flagged `active-month: true`.
pub fn active_month(contracts: &[FutureContract]) -> Option<&FutureContract> {
    contracts.iter().find(|c| c.active_month == Some(true))
}

/// The product code of a root, contract or code: `/ES`, `/ESZ6`, `/ESZ26:XCME`, `ES` → `ES`.
pub fn product_code(symbol_or_code: &str) -> String {
    let s = symbol_or_code.trim();
    let root = crate::symbol::futures_root(s).unwrap_or_else(|| s.to_string());
    root.trim_start_matches('/').to_ascii_uppercase()
}

/// Decode a `/instruments/futures` response (full envelope or bare `data` member).
pub fn decode_futures(body: &Value) -> Result<Vec<FutureContract>, DecodeError> {
    Ok(decode::require_items(body)?
        .iter()
        .filter_map(|v| FutureContract::from_row(Row(v)))
        .collect())
}

impl TastytradeClient {
    /// The contracts of futures products, one outcome per code asked (`ES`, `/ES` and `/ESZ6` all mean
    /// the ES product), in request order; a product without contracts is not found.
    pub async fn futures_contracts<S: AsRef<str>>(&self, codes: &[S]) -> Batch<FuturesProduct> {
        let asked: Vec<String> = codes.iter().map(|s| s.as_ref().to_string()).collect();
        batch::run(
            &asked,
            self.config.futures_chunk,
            &self.layer.counters,
            |chunk| self.futures_chunk(chunk),
        )
        .await
    }

    async fn futures_chunk(
        &self,
        chunk: Vec<String>,
    ) -> Result<HashMap<String, FuturesProduct>, ApiError> {
        let mut codes: Vec<String> = chunk.iter().map(|s| product_code(s)).collect();
        codes.sort();
        codes.dedup();
        let query: Vec<String> = codes
            .iter()
            .map(|c| format!("product-code[]={}", encode_component(c)))
            .collect();
        let context = describe_symbols(&codes);
        let path = format!("{ENDPOINT}?{}", query.join("&"));
        let body = self.get(ENDPOINT, path, context.clone()).await?;
        let contracts = decode_futures(&body).map_err(|e| ApiError::Decode {
            endpoint: ENDPOINT.to_string(),
            context,
            detail: e.0,
        })?;
        let mut by_code: HashMap<String, Vec<FutureContract>> = HashMap::new();
        for c in contracts {
            if let Some(code) = c.code() {
                by_code
                    .entry(code.to_ascii_uppercase())
                    .or_default()
                    .push(c);
            }
        }
        Ok(chunk
            .into_iter()
            .filter_map(|asked| {
                let code = product_code(&asked);
                let contracts = by_code.get(&code).filter(|c| !c.is_empty())?.clone();
                Some((asked, FuturesProduct { code, contracts }))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_codes() {
        assert_eq!(product_code("ES"), "ES");
        assert_eq!(product_code("/ES"), "ES");
        assert_eq!(product_code("/ESZ6"), "ES");
        assert_eq!(product_code("/ESZ26:XCME"), "ES");
        assert_eq!(product_code("/6EZ6"), "6E");
        assert_eq!(product_code("le"), "LE");
    }
}
