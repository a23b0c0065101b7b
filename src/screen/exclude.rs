//! Symbols left out of a scan: `--exclude SYMS` (normalised like the watchlist: `brk.b` is `BRK/B`,
//! `/ESZ6` is `/ES`) and `--exclude-class equity|etf|index|future` (the class of a symbol as the scan
//! classifies it, [`crate::symbol::classify`]). Excluded symbols are not scanned at all: they are
//! dropped when the list is loaded, before the first N are taken, so `screen 100 --exclude-class
//! future` scans 100 symbols that are not futures. The scan reports which it dropped
//! (`meta.excluded`); a named symbol that is not in the list is no error.

use crate::symbol::{self, AssetClass};
use std::collections::BTreeSet;

/// What to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// Normalised symbols.
    pub symbols: BTreeSet<String>,
    pub classes: Vec<AssetClass>,
}

impl Exclusions {
    /// Nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty() && self.classes.is_empty()
    }

    /// Whether `symbol` (normalised) is left out.
    pub fn excludes(&self, symbol: &str) -> bool {
        self.symbols.contains(symbol) || self.classes.contains(&symbol::classify(symbol))
    }

    /// The first `n` symbols of `list` (all when `None`) that are not excluded, in order, and the
    /// excluded symbols passed over on the way (those the scan would have reached).
    pub fn select(&self, list: &[String], n: Option<usize>) -> (Vec<String>, Vec<String>) {
        let want = n.unwrap_or(list.len());
        let mut kept = Vec::with_capacity(want.min(list.len()));
        let mut dropped = Vec::new();
        for s in list {
            if kept.len() == want {
                break;
            }
            if self.excludes(s) {
                dropped.push(s.clone());
            } else {
                kept.push(s.clone());
            }
        }
        (kept, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn excluded_symbols_are_passed_over_and_counted() {
        let l = list(&["AAPL", "/ES", "SPY", "TSLA", "SPX", "/CL", "MSFT"]);
        let x = Exclusions {
            symbols: ["TSLA".to_string(), "NOPE".to_string()].into(),
            classes: vec![AssetClass::Future],
        };
        let (kept, dropped) = x.select(&l, None);
        assert_eq!(kept, list(&["AAPL", "SPY", "SPX", "MSFT"]));
        assert_eq!(dropped, list(&["/ES", "TSLA", "/CL"]));
        // N counts scanned symbols: excluded ones do not use up the N.
        let (kept, dropped) = x.select(&l, Some(3));
        assert_eq!(kept, list(&["AAPL", "SPY", "SPX"]));
        assert_eq!(dropped, list(&["/ES", "TSLA"]));
        let none = Exclusions::default();
        assert!(none.is_empty());
        assert_eq!(none.select(&l, Some(2)), (list(&["AAPL", "/ES"]), vec![]));
        let etf_index = Exclusions {
            classes: vec![AssetClass::Etf, AssetClass::Index],
            ..Exclusions::default()
        };
        assert_eq!(
            etf_index.select(&l, None).1,
            list(&["SPY", "SPX"]),
            "classes as the scan classifies them"
        );
    }
}
