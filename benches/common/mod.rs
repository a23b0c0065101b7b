//! Shared helpers of the criterion benchmarks (`benches/*.rs` include this with `mod common;`):
//! the benchmark's market date and a watchlist of any size built from the demo market's universe.
//!
//! Not every bench uses every helper, hence the `dead_code` allowance on the module.
#![allow(dead_code)]

use volscreen::date::Date;
use volscreen::sim::market::Market;
use volscreen::symbol::is_future;
use volscreen::watchlist::{self, Watchlist};

/// The market date every benchmark uses (the same as `scripts/bench-e2e`'s `--as-of`).
pub fn as_of() -> Date {
    Date::from_ymd(2026, 11, 20).expect("valid date")
}

/// Whether `s` can stand in a watchlist unchanged and the demo market knows it on `market`'s date.
fn usable(s: &str, market: &Market) -> bool {
    watchlist::normalize(s).as_deref() == Ok(s) && !market.is_unknown(s)
}

/// Synthetic, well-formed equity tickers `YAAA`, `YAAB`, … (a letter and three letters), in order.
fn synthetic_tickers() -> impl Iterator<Item = String> {
    let letters = b'A'..=b'Z';
    letters.clone().flat_map(move |a| {
        let letters = letters.clone();
        letters.clone().flat_map(move |b| {
            letters
                .clone()
                .map(move |c| String::from_utf8(vec![b'Y', a, b, c]).expect("ASCII letters"))
        })
    })
}

/// `n` distinct symbols the demo market knows: the built-in default watchlist first (in its
/// order), then synthetic tickers. With `equities_only`, futures roots are left out (they have no
/// daily candles of their own: the pipeline resolves them to a contract first).
pub fn universe(n: usize, market: &Market, equities_only: bool) -> Vec<String> {
    let builtin = Watchlist::builtin().symbols;
    let mut out: Vec<String> = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::new();
    let candidates = builtin
        .into_iter()
        .filter(|s| !(equities_only && is_future(s)))
        .chain(synthetic_tickers());
    for s in candidates {
        if out.len() == n {
            break;
        }
        if usable(&s, market) && seen.insert(s.clone()) {
            out.push(s);
        }
    }
    assert_eq!(
        out.len(),
        n,
        "the universe has fewer than {n} usable symbols"
    );
    out
}
