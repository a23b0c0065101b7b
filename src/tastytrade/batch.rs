//! Per-symbol outcomes of batch calls, and the chunk driver that guarantees them.
//!
//! A batch call ([`super::TastytradeClient::market_metrics`], `market_data`, `futures_contracts`)
//! returns a [`Batch`]: for every symbol asked, in request order, exactly one [`Outcome`]: found, not
//! found (absent from a successful answer) or failed (with the [`ApiError`] of its chunk). The driver
//! de-duplicates, cuts the symbols into chunks, runs the chunks concurrently (the request layer bounds
//! concurrency and pace) and, when a chunk fails after the request layer's retries, splits it in two
//! and asks again: all the way down to single symbols for errors that belong to the request (400, 413,
//! 414, ...), once for errors that may be transient (5xx, timeouts, broken bodies). Session-wide errors
//! (refused credentials, 401, 429, network down) are not split: they fail every symbol of the chunk.
//! Nothing is ever silently dropped.

use super::error::ApiError;
use super::http::Counters;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

/// What happened to one symbol of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Found(T),
    /// The server answered but does not know the symbol.
    NotFound,
    /// The request for this symbol failed (after retries and splitting).
    Failed(ApiError),
}

impl<T> Outcome<T> {
    pub fn found(&self) -> Option<&T> {
        match self {
            Outcome::Found(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_found(&self) -> bool {
        matches!(self, Outcome::Found(_))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Outcome::NotFound)
    }

    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Outcome::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// One symbol of a batch and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolResult<T> {
    /// The symbol exactly as it was asked for.
    pub symbol: String,
    pub outcome: Outcome<T>,
}

/// The outcomes of a batch call, one per symbol asked, in request order (a symbol asked twice appears
/// twice, with the same outcome).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T> {
    pub results: Vec<SymbolResult<T>>,
}

impl<T> Batch<T> {
    pub fn len(&self) -> usize {
        self.results.len()
    }

    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, SymbolResult<T>> {
        self.results.iter()
    }

    /// The outcome of `symbol` (the first, if it was asked twice).
    pub fn get(&self, symbol: &str) -> Option<&Outcome<T>> {
        self.results
            .iter()
            .find(|r| r.symbol == symbol)
            .map(|r| &r.outcome)
    }

    /// The found values, in request order.
    pub fn found(&self) -> impl Iterator<Item = (&str, &T)> {
        self.results
            .iter()
            .filter_map(|r| r.outcome.found().map(|t| (r.symbol.as_str(), t)))
    }

    /// The symbols the server does not know.
    pub fn not_found(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|r| r.outcome.is_not_found())
            .map(|r| r.symbol.as_str())
            .collect()
    }

    /// The symbols that failed, with why.
    pub fn failed(&self) -> Vec<(&str, &ApiError)> {
        self.results
            .iter()
            .filter_map(|r| r.outcome.error().map(|e| (r.symbol.as_str(), e)))
            .collect()
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = SymbolResult<T>;
    type IntoIter = std::vec::IntoIter<SymbolResult<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Run `fetch` over `symbols` in chunks of `chunk_size`, concurrently, splitting failed chunks, and
/// assemble one outcome per symbol asked. `fetch` gets a chunk of distinct symbols and returns the
/// values it found, keyed by the symbol as asked (see [`match_rows`]).
pub(crate) async fn run<T, F, Fut>(
    symbols: &[String],
    chunk_size: usize,
    counters: &Counters,
    fetch: F,
) -> Batch<T>
where
    T: Clone + Send,
    F: Fn(Vec<String>) -> Fut + Sync,
    Fut: Future<Output = Result<HashMap<String, T>, ApiError>> + Send,
{
    let mut seen = HashSet::new();
    let distinct: Vec<String> = symbols
        .iter()
        .filter(|s| seen.insert(s.as_str()))
        .cloned()
        .collect();
    let chunks = distinct.chunks(chunk_size.max(1)).map(|c| c.to_vec());
    let resolved =
        futures_util::future::join_all(chunks.map(|chunk| resolve(chunk, &fetch, counters, false)))
            .await;
    let mut outcomes: HashMap<String, Outcome<T>> = resolved.into_iter().flatten().collect();
    let mut results = Vec::with_capacity(symbols.len());
    for (i, symbol) in symbols.iter().enumerate() {
        let last_use = !symbols[i + 1..].contains(symbol);
        let outcome = if last_use {
            outcomes.remove(symbol)
        } else {
            outcomes.get(symbol).cloned()
        };
        results.push(SymbolResult {
            symbol: symbol.clone(),
            outcome: outcome.unwrap_or_else(|| {
                Outcome::Failed(ApiError::Config(format!("{symbol} was not resolved")))
            }),
        });
    }
    Batch { results }
}

/// Fetch one chunk; on a splittable failure ask again in two halves.
fn resolve<'a, T, F, Fut>(
    mut keys: Vec<String>,
    fetch: &'a F,
    counters: &'a Counters,
    transient_split_done: bool,
) -> BoxFuture<'a, Vec<(String, Outcome<T>)>>
where
    T: Send + 'a,
    F: Fn(Vec<String>) -> Fut + Sync,
    Fut: Future<Output = Result<HashMap<String, T>, ApiError>> + Send + 'a,
{
    Box::pin(async move {
        match fetch(keys.clone()).await {
            Ok(mut found) => keys
                .into_iter()
                .map(|k| {
                    let outcome = found.remove(&k).map_or(Outcome::NotFound, Outcome::Found);
                    (k, outcome)
                })
                .collect(),
            Err(e) => {
                let request_specific = matches!(&e, ApiError::Http { status, .. } if *status < 500);
                if keys.len() > 1 && e.splittable() && (request_specific || !transient_split_done) {
                    counters.chunk_split();
                    let right = keys.split_off(keys.len() / 2);
                    let done = transient_split_done || !request_specific;
                    let (mut a, b) = futures_util::future::join(
                        resolve(keys, fetch, counters, done),
                        resolve(right, fetch, counters, done),
                    )
                    .await;
                    a.extend(b);
                    a
                } else {
                    keys.into_iter()
                        .map(|k| (k, Outcome::Failed(e.clone())))
                        .collect()
                }
            }
        }
    })
}

/// Assign decoded rows to the symbols asked: by exact symbol, else by a normalised form (case and
/// whitespace ignored), so `brk/b` finds the row `BRK/B`. Rows nobody asked for are dropped.
pub(crate) fn match_rows<T>(
    asked: &[String],
    rows: Vec<T>,
    symbol_of: impl Fn(&T) -> &str,
) -> HashMap<String, T> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect()
    };
    let mut exact: HashMap<String, T> = HashMap::with_capacity(rows.len());
    for row in rows {
        let s = symbol_of(&row).to_string();
        exact.entry(s).or_insert(row);
    }
    let mut out = HashMap::with_capacity(asked.len());
    let mut pending = Vec::new();
    for a in asked {
        match exact.remove(a) {
            Some(row) => {
                out.insert(a.clone(), row);
            }
            None => pending.push(a),
        }
    }
    if !pending.is_empty() && !exact.is_empty() {
        let mut by_norm: HashMap<String, T> =
            exact.into_iter().map(|(s, row)| (norm(&s), row)).collect();
        for a in pending {
            if let Some(row) = by_norm.remove(&norm(a)) {
                out.insert(a.clone(), row);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn syms(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn one_outcome_per_symbol_in_order_with_splitting() {
        let counters = Counters::default();
        let calls = AtomicUsize::new(0);
        // A chunk containing BAD! is rejected with 400; NOPE is unknown.
        let asked = syms(&["A", "B", "BAD!", "NOPE", "C", "A"]);
        let batch = run(&asked, 3, &counters, |chunk: Vec<String>| {
            calls.fetch_add(1, Ordering::Relaxed);
            async move {
                if chunk.iter().any(|s| s == "BAD!") {
                    return Err(ApiError::Http {
                        status: 400,
                        endpoint: "/x".into(),
                        context: chunk.join(","),
                        message: String::new(),
                    });
                }
                Ok(chunk
                    .into_iter()
                    .filter(|s| s != "NOPE")
                    .map(|s| (s.clone(), s.to_lowercase()))
                    .collect())
            }
        })
        .await;
        let got: Vec<(&str, Option<&String>)> = batch
            .iter()
            .map(|r| (r.symbol.as_str(), r.outcome.found()))
            .collect();
        assert_eq!(batch.len(), 6);
        assert_eq!(got[0], ("A", Some(&"a".to_string())));
        assert_eq!(got[1], ("B", Some(&"b".to_string())));
        assert!(matches!(
            batch.results[2].outcome,
            Outcome::Failed(ApiError::Http { status: 400, .. })
        ));
        assert_eq!(batch.not_found(), vec!["NOPE"]);
        assert_eq!(got[4], ("C", Some(&"c".to_string())));
        assert_eq!(got[5], ("A", Some(&"a".to_string())));
        // [A,B,BAD!] fails, splits into [A] and [B,BAD!], which splits into [B] and [BAD!].
        assert_eq!(calls.load(Ordering::Relaxed), 6);
    }

    #[tokio::test]
    async fn transient_failures_split_once_and_session_failures_never() {
        let counters = Counters::default();
        let calls = AtomicUsize::new(0);
        let asked = syms(&["A", "B", "C", "D"]);
        let batch: Batch<()> = run(&asked, 4, &counters, |chunk: Vec<String>| {
            calls.fetch_add(1, Ordering::Relaxed);
            async move {
                Err(ApiError::Timeout {
                    endpoint: "/x".into(),
                    context: chunk.join(","),
                })
            }
        })
        .await;
        assert_eq!(batch.failed().len(), 4);
        assert_eq!(calls.load(Ordering::Relaxed), 3);
        let calls = AtomicUsize::new(0);
        let batch: Batch<()> = run(&asked, 2, &counters, |_chunk: Vec<String>| {
            calls.fetch_add(1, Ordering::Relaxed);
            async move {
                Err(ApiError::InvalidGrant {
                    detail: "revoked".into(),
                })
            }
        })
        .await;
        assert!(batch
            .failed()
            .iter()
            .all(|(_, e)| matches!(e, ApiError::InvalidGrant { .. })));
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn rows_match_by_normalised_symbol() {
        let rows = vec!["BRK/B".to_string(), "SPY   260804C00500000".to_string()];
        let m = match_rows(&syms(&["brk/b", "SPY 260804C00500000", "X"]), rows, |s| {
            s.as_str()
        });
        assert_eq!(m["brk/b"], "BRK/B");
        assert_eq!(m["SPY 260804C00500000"], "SPY   260804C00500000");
        assert!(!m.contains_key("X"));
    }
}
