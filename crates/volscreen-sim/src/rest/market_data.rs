//! `GET /market-data/by-type?equity=..&index=..&future=..&equity-option=..&future-option=..`:
//! quotes of underlyings and options in one call.
//!
//! Each type parameter is a list read leniently (see [`super::query`]); more than the profile's
//! `by_type_max_symbols` symbols in total is a 400. Rows come in request order, one per distinct
//! symbol the market knows; unknown symbols are absent. A row is the market's quote (with its
//! top-of-book sizes, the same a DXLink `Quote` event carries) plus what the real service adds to
//! it ([`QuoteExtras`]): the previous session, and for equities and ETFs the beta and dividend of
//! the market's metrics.

use super::gate::{self, Endpoint, Reply};
use super::lists;
use super::reply::ApiError;
use super::shape::quotes::{self, QuoteExtras};
use crate::calendar;
use crate::latency::ms;
use crate::market::Quote;
use crate::SimState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::Arc;
use volscreen_core::date::Date;

/// Request path (and fixture path, and `context`).
const PATH: &str = "/market-data/by-type";

/// The instrument-type parameters.
pub const TYPES: [&str; 6] = [
    "equity",
    "index",
    "future",
    "equity-option",
    "future-option",
    "cryptocurrency",
];

/// The handler.
pub async fn by_type(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let max = state.latency().rest_limits.by_type_max_symbols;
    let (symbols, reject) = read(raw.as_deref().unwrap_or(""), max);
    let latency = ms(state.latency().rest.by_type_ms);
    let ep = Endpoint::new("market-data-by-type", symbols.len(), latency).reject(reject);
    gate::serve(&state, &headers, ep, || produce(&state, &symbols)).await
}

/// Every symbol named under any type parameter, and a refusal when the query cannot be read or
/// names more than `max` in total.
pub fn read(raw: &str, max: usize) -> (Vec<String>, Option<ApiError>) {
    lists::read(raw, &TYPES, max, " in total")
}

fn produce(state: &SimState, symbols: &[String]) -> Result<Reply, ApiError> {
    lists::rows(
        state,
        PATH,
        symbols,
        quotes::REQUIRED,
        |s| state.market().quote(s).map(|q| (extras(state, &q), q)),
        |(x, q)| quotes::row(q, x),
    )
}

/// What the row of `q` says beyond the quote.
pub fn extras(state: &SimState, q: &Quote) -> QuoteExtras {
    let session = Date::from_epoch_ms(q.updated_at_ms);
    let equity = q.instrument_type == "Equity";
    QuoteExtras {
        prev_close_date: calendar::prev_trading_day(session),
        beta: if equity {
            state.market().metrics(&q.symbol).and_then(|m| m.beta)
        } else {
            None
        },
        dividend: if equity {
            state
                .market()
                .dividend(&q.symbol)
                .filter(|d| d.frequency > 0)
                .map(|d| (d.amount, d.frequency))
        } else {
            None
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_all_types_together() {
        let (s, r) = read("equity=A,B&index=SPX&equity-option[]=X&equity=C", 5);
        assert_eq!(s, ["A", "B", "C", "SPX", "X"]);
        assert!(r.is_none());
        assert!(read("equity=A,B&index=SPX", 2).1.is_some());
    }
}
