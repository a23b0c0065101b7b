//! `GET /market-metrics?symbols=...`: volatility metrics of many underlyings in one call.
//!
//! The symbol list is read leniently (see [`super::query`]); more than the profile's
//! `market_metrics_max_symbols` is a 400. Unknown symbols are simply absent from `data.items`;
//! duplicates give one row. The latency grows with the number of symbols named.

use super::fixtures;
use super::gate::{self, Endpoint, Reply};
use super::query::Query;
use super::reply::ApiError;
use super::shape::{items_envelope, metrics};
use crate::sim::SimState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashSet;
use std::sync::Arc;

/// Request path (and fixture path, and `context`).
const PATH: &str = "/market-metrics";

/// The handler.
pub async fn get(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let max = state.latency().rest_limits.market_metrics_max_symbols;
    let (symbols, reject) = read(raw.as_deref().unwrap_or(""), max);
    let n = symbols.len();
    let ep = Endpoint::new("market-metrics", n, state.latency().market_metrics(n)).reject(reject);
    gate::serve(&state, &headers, ep, || produce(&state, &symbols)).await
}

/// The symbols named by a query, and a refusal when it cannot be read or names more than `max`.
pub fn read(raw: &str, max: usize) -> (Vec<String>, Option<ApiError>) {
    match Query::parse(raw) {
        Err(e) => (Vec::new(), Some(ApiError::bad_request(e.to_string()))),
        Ok(q) => {
            let symbols = q.list("symbols");
            let reject = (symbols.len() > max).then(|| {
                ApiError::bad_request(format!(
                    "Too many symbols: {} requested, at most {max} allowed",
                    symbols.len()
                ))
            });
            (symbols, reject)
        }
    }
}

fn produce(state: &SimState, symbols: &[String]) -> Result<Reply, ApiError> {
    if let Some(dir) = &state.options.fixtures {
        if let Some(mut body) = fixtures::load(dir, PATH)? {
            fixtures::retain_symbols(&mut body, symbols);
            return Ok(Reply::rows(body, metrics::REQUIRED));
        }
    }
    let mut seen = HashSet::new();
    let rows = symbols
        .iter()
        .filter(|s| seen.insert(s.as_str()))
        .filter_map(|s| state.market.metrics(s))
        .map(|m| metrics::row(&m))
        .collect();
    Ok(Reply::rows(items_envelope(rows, PATH), metrics::REQUIRED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_bad_queries() {
        let (s, r) = read("symbols=A%2CB", 2);
        assert_eq!(s, ["A", "B"]);
        assert!(r.is_none());
        let (_, r) = read("symbols=A,B,C", 2);
        assert_eq!(r.unwrap().status, 400);
        let (_, r) = read("symbols=%C3%28", 2);
        assert_eq!(r.unwrap().status, 400);
    }
}
