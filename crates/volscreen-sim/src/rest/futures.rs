//! Futures endpoints: `GET /futures-option-chains/{code}[/nested]`, `GET /instruments/futures`
//! (all contracts, or those of `product-code` / `product-code[]` / `symbol[]` filters) and
//! `GET /instruments/future-products`.
//!
//! Product codes are accepted with or without the slash (`ES`, `/ES`, `%2FES`) and in any case.
//! Nested and flat option chains both cost the profile's `futures_option_chain_ms`.
//! An unknown code is a 404 on option chains and simply no rows on instruments.

use super::chains::parse_path;
use super::fixtures;
use super::gate::{self, Endpoint, Reply};
use super::query::Query;
use super::reply::ApiError;
use super::shape::{envelope, futures as shape, items_envelope};
use crate::latency::ms;
use crate::market::FutureContract;
use crate::SimState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::sync::Arc;

/// Route prefix of futures option chains.
pub const CHAINS_PREFIX: &str = "/futures-option-chains/";

const INSTRUMENTS_PATH: &str = "/instruments/futures";
const PRODUCTS_PATH: &str = "/instruments/future-products";

/// `ES` from `ES`, `/ES`, `es`.
fn product_code(s: &str) -> String {
    s.trim().trim_start_matches('/').to_ascii_uppercase()
}

/// `GET /futures-option-chains/{code}[/nested]`.
pub async fn option_chains(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let parsed = parse_path(uri.path(), CHAINS_PREFIX);
    let nested = parsed.as_ref().map(|p| p.nested).unwrap_or(true);
    // Both forms cost the same, as for equity option chains.
    let name = if nested {
        "futures-option-chains-nested"
    } else {
        "futures-option-chains-flat"
    };
    let latency = ms(state.latency().rest.futures_option_chain_ms);
    let ep = Endpoint::new(name, 1, latency).reject(parsed.as_ref().err().cloned());
    gate::serve(&state, &headers, ep, || {
        let p = parsed.as_ref().map_err(Clone::clone)?;
        let code = product_code(&p.symbol);
        let context = if p.nested {
            format!("{CHAINS_PREFIX}{code}/nested")
        } else {
            format!("{CHAINS_PREFIX}{code}")
        };
        if let Some(body) = fixtures::serve(&state, &context)? {
            return Ok(Reply::plain(body));
        }
        let chain = Some(code.as_str())
            .filter(|c| !c.is_empty())
            .and_then(|c| state.market().futures_option_chain(c))
            .ok_or_else(|| {
                ApiError::not_found(format!("No futures option chain for {:?}", p.symbol))
            })?;
        Ok(if p.nested {
            Reply::plain(envelope(shape::option_chain_nested(&chain), &context))
        } else {
            Reply::rows(
                items_envelope(shape::option_chain_flat(&chain), &context),
                shape::OPTION_REQUIRED,
            )
        })
    })
    .await
}

/// What `/instruments/futures` was asked for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ContractFilter {
    pub product_codes: Vec<String>,
    pub symbols: Vec<String>,
}

impl ContractFilter {
    pub fn read(raw: &str) -> Result<ContractFilter, ApiError> {
        let q = Query::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(ContractFilter {
            product_codes: q
                .list("product-code")
                .iter()
                .map(|c| product_code(c))
                .collect(),
            symbols: q.list("symbol"),
        })
    }

    fn len(&self) -> usize {
        self.product_codes.len() + self.symbols.len()
    }

    /// Whether a product's contracts can match at all.
    fn wants_product(&self, code: &str) -> bool {
        self.product_codes.is_empty() || self.product_codes.iter().any(|c| c == code)
    }

    /// Whether a contract matches the symbol filter (`/ESZ6`, `/ESZ26` or `/ESZ26:XCME`).
    fn wants_contract(&self, c: &FutureContract) -> bool {
        let short = c.streamer_symbol.split(':').next().unwrap_or("");
        self.symbols.is_empty()
            || self.symbols.iter().any(|s| {
                s.eq_ignore_ascii_case(&c.symbol)
                    || s.eq_ignore_ascii_case(&c.streamer_symbol)
                    || s.eq_ignore_ascii_case(short)
            })
    }
}

/// `GET /instruments/futures`.
pub async fn instruments(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let filter = ContractFilter::read(raw.as_deref().unwrap_or(""));
    let n = filter.as_ref().map(ContractFilter::len).unwrap_or(0);
    let latency = ms(state.latency().rest.instruments_futures_ms);
    let ep =
        Endpoint::new("instruments-futures", n, latency).reject(filter.as_ref().err().cloned());
    gate::serve(&state, &headers, ep, || {
        let filter = filter.as_ref().map_err(Clone::clone)?;
        if let Some(body) = fixtures::serve(&state, INSTRUMENTS_PATH)? {
            return Ok(Reply::rows(body, shape::CONTRACT_REQUIRED));
        }
        let mut rows = Vec::new();
        for p in state.market().futures_products() {
            if !filter.wants_product(&p.code) {
                continue;
            }
            let contracts = state.market().futures_contracts(&p.code);
            let shaped = shape::contracts(&contracts, &p);
            rows.extend(
                contracts
                    .iter()
                    .zip(shaped)
                    .filter(|(c, _)| filter.wants_contract(c))
                    .map(|(_, row)| row),
            );
        }
        Ok(Reply::rows(
            items_envelope(rows, INSTRUMENTS_PATH),
            shape::CONTRACT_REQUIRED,
        ))
    })
    .await
}

/// `GET /instruments/future-products`.
pub async fn products(State(state): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let latency = ms(state.latency().rest.other_ms);
    let ep = Endpoint::new("instruments-future-products", 0, latency);
    gate::serve(&state, &headers, ep, || {
        if let Some(body) = fixtures::serve(&state, PRODUCTS_PATH)? {
            return Ok(Reply::rows(body, shape::PRODUCT_REQUIRED));
        }
        let rows = state
            .market()
            .futures_products()
            .iter()
            .map(shape::product)
            .collect();
        Ok(Reply::rows(
            items_envelope(rows, PRODUCTS_PATH),
            shape::PRODUCT_REQUIRED,
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_accept_every_form() {
        let f =
            ContractFilter::read("product-code[]=ES&product-code=%2Fnq&symbol[]=/CLZ6").unwrap();
        assert_eq!(f.product_codes, ["ES", "NQ"]);
        assert_eq!(f.symbols, ["/CLZ6"]);
        assert!(f.wants_product("ES") && !f.wants_product("GC"));
        assert!(ContractFilter::read("").unwrap().wants_product("GC"));
    }
}
