//! The numeric columns of a symbol by their JSON names (`iv_rank`, `hv30`, `slippage`, `dte`,
//! ...): which there are, a symbol's value in each, and the stage of the scan that knows it. What
//! `--sort FIELD` ranks by and what `--min`/`--max NAME=VALUE` compare.
//!
//! The set is derived from the model itself, not from a list kept here: a field of
//! [`SymbolFields`] is a numeric column when its serde form accepts a number (so a field added to
//! the model is sortable and filterable at once), plus the candidate's `score`. The only list is
//! which stage knows a column ([`Column::needs`]): the metrics fields and the candle-derived fields
//! are named; any other column is taken as known only once the option chain is in, which is
//! always safe (a threshold on it is checked later than it could be, never before its data).
//!
//! The optional estimator columns (`hv30_parkinson`, ... : [`ESTIMATORS`]) are columns like any
//! other; which estimator fills which field is said here once ([`estimator_slot`],
//! [`estimator_value`]) for the compute stage, the plan and the formats.

use crate::model::SymbolFields;
use crate::screen::filters::Needs;
use crate::vol::estimators::Estimator;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The candidate's score (`Candidate::score`): sortable, but no threshold (it is computed after
/// the filters).
pub const SCORE: &str = "score";

/// Fields `/market-metrics` and the price request fill: known at the prefilter.
const METRICS: &[&str] = &[
    "iv",
    "iv_rank",
    "iv_percentile",
    "liquidity_rating",
    "price",
    "days_to_earnings",
];

/// Fields computed from the daily candles: known once a symbol's candle history is in.
const CANDLES: &[&str] = &[
    "hv20",
    "hv30",
    "hv90",
    "hv252",
    "hv30_parkinson",
    "hv30_garman_klass",
    "hv30_rogers_satchell",
    "hv30_yang_zhang",
    "vrp_structural",
    "vrp_tactical",
    "iv_hv_spread",
    "vtr",
];

/// Sessions of the screen's estimator columns (`hv30_NAME`).
pub const ESTIMATOR_WINDOW: usize = 30;

/// The screen's optional estimator columns (`screen --estimators`): each range-based estimator
/// and its JSON field `hv30_NAME` (NAME as [`Estimator::name`]), in report order. Close-to-close
/// is `hv30` itself.
pub const ESTIMATORS: [(Estimator, &str); 4] = [
    (Estimator::Parkinson, "hv30_parkinson"),
    (Estimator::GarmanKlass, "hv30_garman_klass"),
    (Estimator::RogersSatchell, "hv30_rogers_satchell"),
    (Estimator::YangZhang, "hv30_yang_zhang"),
];

/// The JSON field of `e`'s column; `None` for close-to-close (that is `hv30`).
pub fn estimator_field(e: Estimator) -> Option<&'static str> {
    ESTIMATORS.iter().find(|(x, _)| *x == e).map(|(_, f)| *f)
}

/// The estimator whose column is the JSON field `field` (`hv30_yang_zhang` → Yang–Zhang).
pub fn estimator_of_field(field: &str) -> Option<Estimator> {
    ESTIMATORS
        .iter()
        .find(|(_, f)| *f == field)
        .map(|(e, _)| *e)
}

/// `e`'s column in `f`; `None` for close-to-close.
pub fn estimator_slot(f: &mut SymbolFields, e: Estimator) -> Option<&mut Option<f64>> {
    match e {
        Estimator::Parkinson => Some(&mut f.hv30_parkinson),
        Estimator::GarmanKlass => Some(&mut f.hv30_garman_klass),
        Estimator::RogersSatchell => Some(&mut f.hv30_rogers_satchell),
        Estimator::YangZhang => Some(&mut f.hv30_yang_zhang),
        Estimator::CloseToClose => None,
    }
}

/// The value of `e`'s column in `f` (`None` when unknown, not requested, or close-to-close).
pub fn estimator_value(f: &SymbolFields, e: Estimator) -> Option<f64> {
    match e {
        Estimator::Parkinson => f.hv30_parkinson,
        Estimator::GarmanKlass => f.hv30_garman_klass,
        Estimator::RogersSatchell => f.hv30_rogers_satchell,
        Estimator::YangZhang => f.hv30_yang_zhang,
        Estimator::CloseToClose => None,
    }
}

/// One numeric column.
#[derive(Debug, PartialEq, Eq)]
pub struct Column {
    /// The JSON field name.
    pub name: String,
    /// The stage whose data gives it.
    pub needs: Needs,
    /// The name of a command-line minimum on it (`min_iv_rank`).
    pub min_filter: String,
    /// The name of a command-line maximum on it (`max_iv_rank`).
    pub max_filter: String,
}

/// Every numeric column, sorted by name, numbers by value (`score` included).
pub fn all() -> &'static [Column] {
    static ALL: OnceLock<Vec<Column>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut names = numeric_fields();
        names.push(SCORE.to_string());
        names.sort_by(|a, b| natural(a).cmp(&natural(b)));
        names
            .into_iter()
            .map(|name| Column {
                needs: if METRICS.contains(&name.as_str()) {
                    Needs::Metrics
                } else if CANDLES.contains(&name.as_str()) {
                    Needs::Candles
                } else {
                    Needs::Chain
                },
                min_filter: format!("min_{name}"),
                max_filter: format!("max_{name}"),
                name,
            })
            .collect()
    })
}

/// A name's sort key: its text, then a trailing number by value (`hv20` < `hv30` < `hv252`).
fn natural(name: &str) -> (&str, u64) {
    let text = name.trim_end_matches(|c: char| c.is_ascii_digit());
    (text, name[text.len()..].parse().unwrap_or(0))
}

/// The column named `name`.
pub fn find(name: &str) -> Option<&'static Column> {
    all().iter().find(|c| c.name == name)
}

/// The names of every column, comma-separated (for messages).
pub fn names() -> String {
    let names: Vec<&str> = all().iter().map(|c| c.name.as_str()).collect();
    names.join(", ")
}

/// The fields of [`SymbolFields`] whose serde form takes a number: each field of the serialised
/// default is set to `1` in turn, and kept when the model reads it back and writes a number.
fn numeric_fields() -> Vec<String> {
    let Ok(Value::Object(base)) = serde_json::to_value(SymbolFields::default()) else {
        return Vec::new();
    };
    base.keys()
        .filter(|key| {
            let mut probe = base.clone();
            probe.insert((*key).clone(), Value::from(1));
            serde_json::from_value::<SymbolFields>(Value::Object(probe))
                .ok()
                .and_then(|f| serde_json::to_value(f).ok())
                .is_some_and(|v| v.get(key.as_str()).is_some_and(Value::is_number))
        })
        .cloned()
        .collect()
}

/// A symbol's fields as a JSON object, to read columns from ([`value_in`]); empty when they do not
/// serialise (they always do).
pub fn object(f: &SymbolFields) -> Map<String, Value> {
    match serde_json::to_value(f) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The value of column `name` in `fields` (from [`object`]); `None` when unknown or not finite.
pub fn value_in(fields: &Map<String, Value>, name: &str) -> Option<f64> {
    fields
        .get(name)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
}

/// The value of column `name` for `f`.
pub fn value(f: &SymbolFields, name: &str) -> Option<f64> {
    value_in(&object(f), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_numeric_fields_of_the_model() {
        let names: Vec<&str> = all().iter().map(|c| c.name.as_str()).collect();
        for n in [
            "price",
            "iv",
            "iv_rank",
            "iv_percentile",
            "hv20",
            "hv30",
            "hv90",
            "hv252",
            "vrp_structural",
            "vrp_tactical",
            "iv_hv_spread",
            "vtr",
            "liquidity_rating",
            "days_to_earnings",
            "dte",
            "atm_strike",
            "straddle_mid",
            "expected_move",
            "slippage",
            "score",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        for not in [
            "asset_class",
            "earnings_date",
            "expiration",
            "expected_move_method",
            "earnings_before_expiration",
            "notes",
            "warnings",
            "symbol",
            "rank",
        ] {
            assert!(!names.contains(&not), "{not} is no numeric column");
        }
        let hv: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.starts_with("hv") && !n.contains('_'))
            .collect();
        assert_eq!(
            hv,
            ["hv20", "hv30", "hv90", "hv252"],
            "numbers sort by value"
        );
        assert!(
            names.windows(2).all(|w| natural(w[0]) < natural(w[1])),
            "{names:?}"
        );
        // The named stage lists name real columns (a rename in the model shows up here).
        for n in METRICS.iter().chain(CANDLES) {
            assert!(
                names.contains(n),
                "{n} is in a stage list but not in the model"
            );
        }
    }

    #[test]
    fn each_range_estimator_has_a_candle_column_named_after_it() {
        let range: Vec<Estimator> = Estimator::ALL
            .into_iter()
            .filter(|e| *e != Estimator::CloseToClose)
            .collect();
        assert_eq!(ESTIMATORS.map(|(e, _)| e).to_vec(), range);
        for e in range {
            let name = format!("hv{ESTIMATOR_WINDOW}_{}", e.name());
            assert_eq!(estimator_field(e), Some(name.as_str()));
            assert_eq!(estimator_of_field(&name), Some(e));
            let c = find(&name).unwrap_or_else(|| panic!("{name} is no column"));
            assert_eq!(c.needs, Needs::Candles);
            // The slot and the value read the same field of the model, the one named.
            let mut f = SymbolFields::default();
            *estimator_slot(&mut f, e).unwrap() = Some(0.25);
            assert_eq!(estimator_value(&f, e), Some(0.25));
            assert_eq!(value(&f, &name), Some(0.25));
        }
        assert_eq!(estimator_field(Estimator::CloseToClose), None);
        assert!(estimator_slot(&mut SymbolFields::default(), Estimator::CloseToClose).is_none());
        assert_eq!(estimator_of_field("hv30"), None);
    }

    #[test]
    fn stages_and_filter_names() {
        let c = find("iv_rank").unwrap();
        assert_eq!(c.needs, Needs::Metrics);
        assert_eq!(
            (c.min_filter.as_str(), c.max_filter.as_str()),
            ("min_iv_rank", "max_iv_rank")
        );
        assert_eq!(find("hv252").unwrap().needs, Needs::Candles);
        assert_eq!(find("iv_hv_spread").unwrap().needs, Needs::Candles);
        assert_eq!(find("dte").unwrap().needs, Needs::Chain);
        assert_eq!(find("expected_move").unwrap().needs, Needs::Chain);
        assert_eq!(find("score").unwrap().needs, Needs::Chain);
        assert!(find("ivrank").is_none());
    }

    #[test]
    fn values_are_read_by_name_and_unknown_stays_unknown() {
        let f = SymbolFields {
            iv_rank: Some(0.42),
            liquidity_rating: Some(3),
            dte: Some(45),
            hv30: Some(f64::NAN),
            ..SymbolFields::default()
        };
        assert_eq!(value(&f, "iv_rank"), Some(0.42));
        assert_eq!(value(&f, "liquidity_rating"), Some(3.0));
        assert_eq!(value(&f, "dte"), Some(45.0));
        assert_eq!(value(&f, "hv30"), None, "NaN is unknown");
        assert_eq!(value(&f, "hv90"), None);
        assert_eq!(value(&f, "nope"), None);
    }
}
