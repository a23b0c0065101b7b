//! What the two symbol-list endpoints (`/market-metrics`, `/market-data/by-type`) share: reading a
//! bounded symbol list from the query, and answering with one row per distinct known symbol (or the
//! requested rows of a fixture file).

use super::fixtures;
use super::gate::Reply;
use super::query::Query;
use super::reply::ApiError;
use super::shape::items_envelope;
use crate::SimState;
use serde_json::Value;
use std::collections::HashSet;

/// The symbols named under `params` (in order), and a refusal when the query cannot be read or
/// names more than `max`; `scope` finishes the refusal's sentence (`""` or `" in total"`).
pub fn read(
    raw: &str,
    params: &[&str],
    max: usize,
    scope: &str,
) -> (Vec<String>, Option<ApiError>) {
    match Query::parse(raw) {
        Err(e) => (Vec::new(), Some(ApiError::bad_request(e.to_string()))),
        Ok(q) => {
            let symbols: Vec<String> = params.iter().flat_map(|p| q.list(p)).collect();
            let reject = (symbols.len() > max).then(|| {
                ApiError::bad_request(format!(
                    "Too many symbols: {} requested, at most {max} allowed{scope}",
                    symbols.len()
                ))
            });
            (symbols, reject)
        }
    }
}

/// The `data.items` body of `path`: the fixture's rows for `symbols` when a fixture file exists,
/// else one row per distinct symbol that `lookup` knows, in request order.
pub fn rows<T>(
    state: &SimState,
    path: &str,
    symbols: &[String],
    required: &'static [&'static str],
    lookup: impl Fn(&str) -> Option<T>,
    row: impl Fn(&T) -> Value,
) -> Result<Reply, ApiError> {
    if let Some(mut body) = fixtures::serve(state, path)? {
        fixtures::retain_symbols(&mut body, symbols);
        return Ok(Reply::rows(body, required));
    }
    let mut seen = HashSet::new();
    let items = symbols
        .iter()
        .filter(|s| seen.insert(s.as_str()))
        .filter_map(|s| lookup(s))
        .map(|t| row(&t))
        .collect();
    Ok(Reply::rows(items_envelope(items, path), required))
}
