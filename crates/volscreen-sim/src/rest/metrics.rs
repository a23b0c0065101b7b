//! `GET /market-metrics?symbols=...`: volatility metrics of many underlyings in one call.
//!
//! The symbol list is read leniently (see [`super::query`]); more than the profile's
//! `market_metrics_max_symbols` is a 400. Unknown symbols are simply absent from `data.items`;
//! duplicates give one row. The latency grows with the number of symbols named. Equity and ETF
//! rows carry the market's dividend ([`crate::market::Market::dividend`]).

use super::gate::{self, Endpoint, Reply};
use super::lists;
use super::reply::ApiError;
use super::shape::metrics;
use crate::SimState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
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
    lists::read(raw, &["symbols"], max, "")
}

fn produce(state: &SimState, symbols: &[String]) -> Result<Reply, ApiError> {
    lists::rows(
        state,
        PATH,
        symbols,
        metrics::REQUIRED,
        |s| {
            state
                .market()
                .metrics(s)
                .map(|m| (state.market().dividend(s), m))
        },
        |(d, m)| metrics::row(m, d.as_ref()),
    )
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
