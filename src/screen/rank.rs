//! The candidates' order and their `rank`: by score, highest first (the default), or by any numeric
//! column (`--sort FIELD`, [`SortKey`]), descending unless asked ascending. Unknown values (null)
//! come last whichever the direction; ties go to the higher score, then the symbol (A to Z).

use super::columns;
use crate::model::Candidate;
use std::cmp::Ordering;

/// What candidates are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// A numeric column ([`columns`]): a JSON field name, or `score`.
    pub field: &'static str,
    /// Highest first (the default), else lowest first.
    pub descending: bool,
}

impl Default for SortKey {
    /// By score, highest first.
    fn default() -> SortKey {
        SortKey {
            field: columns::SCORE,
            descending: true,
        }
    }
}

impl std::fmt::Display for SortKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dir = if self.descending { "desc" } else { "asc" };
        write!(f, "{}:{dir}", self.field)
    }
}

/// `a` before `b`: known values first, then in the direction asked.
fn known_first(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if descending => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The value a candidate is ranked by.
fn key_of(c: &Candidate, field: &str) -> Option<f64> {
    if field == columns::SCORE {
        c.score.filter(|v| v.is_finite())
    } else {
        columns::value(&c.fields, field)
    }
}

/// Put `candidates` in the order of `key` and number them 1, 2, ... in that order.
pub fn rank(candidates: &mut Vec<Candidate>, key: SortKey) {
    let mut keyed: Vec<(Option<f64>, Candidate)> = std::mem::take(candidates)
        .into_iter()
        .map(|c| (key_of(&c, key.field), c))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        known_first(*ka, *kb, key.descending)
            .then_with(|| {
                known_first(
                    a.score.filter(|v| v.is_finite()),
                    b.score.filter(|v| v.is_finite()),
                    true,
                )
            })
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    candidates.extend(keyed.into_iter().map(|(_, c)| c));
    for (k, c) in candidates.iter_mut().enumerate() {
        c.rank = k + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FilterSummary, Signal, SymbolFields};

    fn cand(symbol: &str, score: Option<f64>, iv_rank: Option<f64>) -> Candidate {
        Candidate {
            rank: 0,
            symbol: symbol.into(),
            fields: SymbolFields {
                iv_rank,
                ..SymbolFields::default()
            },
            score,
            signal: Signal::Fair,
            filters: FilterSummary::default(),
        }
    }

    fn order(c: &[Candidate]) -> Vec<(&str, usize)> {
        c.iter().map(|c| (c.symbol.as_str(), c.rank)).collect()
    }

    fn sample() -> Vec<Candidate> {
        vec![
            cand("A", Some(50.0), None),
            cand("B", None, Some(0.2)),
            cand("C", Some(70.0), Some(0.9)),
            cand("D", Some(60.0), Some(0.2)),
            cand("E", Some(60.0), Some(f64::NAN)),
        ]
    }

    #[test]
    fn by_score_by_default_unknown_last() {
        let mut c = sample();
        rank(&mut c, SortKey::default());
        assert_eq!(
            order(&c),
            [("C", 1), ("D", 2), ("E", 3), ("A", 4), ("B", 5)]
        );
    }

    #[test]
    fn by_a_field_either_way_nulls_last_ties_by_score_then_symbol() {
        let mut c = sample();
        let key = SortKey {
            field: "iv_rank",
            descending: true,
        };
        rank(&mut c, key);
        assert_eq!(
            order(&c),
            [("C", 1), ("D", 2), ("B", 3), ("E", 4), ("A", 5)]
        );
        rank(
            &mut c,
            SortKey {
                descending: false,
                ..key
            },
        );
        assert_eq!(
            order(&c),
            [("D", 1), ("B", 2), ("C", 3), ("E", 4), ("A", 5)]
        );
        assert_eq!(key.to_string(), "iv_rank:desc");
    }
}
