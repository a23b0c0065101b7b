//! The filters of product.md as named predicates over [`SymbolFields`].
//!
//! Each filter returns a [`FilterResult`] naming itself and the numbers it compared. A filter whose
//! input is unknown fails with "unknown" and the reason (a symbol whose premium cannot be measured
//! cannot be a candidate), except where product.md makes the filter conditional: the liquidity
//! rating applies only when present, slippage only when option quotes exist, and futures are exempt
//! from the price floor. [`Stage::Prefilter`] filters need only metrics; the rest need candles/chains.

use crate::config::Thresholds;
use crate::report::model::SymbolFields;
use crate::symbol::AssetClass;

/// When a filter can be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Needs only `/market-metrics` and prices.
    Prefilter,
    /// Needs candles (HV) or chains (quotes).
    Filter,
}

/// One filter's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterResult {
    pub name: &'static str,
    pub passed: bool,
    /// The comparison made, e.g. `iv_percentile 0.12 < 0.50`, or why it did not apply.
    pub detail: String,
}

/// A filter: a name, the stage it runs in, and its predicate.
pub struct Filter {
    pub name: &'static str,
    pub stage: Stage,
    pub check: fn(&SymbolFields, &Thresholds) -> FilterResult,
}

fn result(name: &'static str, passed: bool, detail: String) -> FilterResult {
    FilterResult {
        name,
        passed,
        detail,
    }
}

/// `value >= min` (or `> min` when `strict`), unknown fails.
fn at_least(
    name: &'static str,
    value: Option<f64>,
    min: f64,
    strict: bool,
    unknown: &str,
) -> FilterResult {
    match value {
        None => result(name, false, format!("{name} unknown ({unknown})")),
        Some(v) => {
            let ok = if strict { v > min } else { v >= min };
            let op = match (ok, strict) {
                (true, true) => ">",
                (true, false) => ">=",
                (false, true) => "<=",
                (false, false) => "<",
            };
            result(name, ok, format!("{name} {v:.2} {op} {min:.2}"))
        }
    }
}

fn hv_reason(f: &SymbolFields, hv: &str) -> String {
    f.notes
        .iter()
        .find(|n| n.starts_with(hv))
        .cloned()
        .unwrap_or_else(|| format!("{hv} or IV unknown"))
}

fn data_integrity(f: &SymbolFields, _: &Thresholds) -> FilterResult {
    let missing: Vec<&str> = [("iv", f.iv.is_none()), ("price", f.price.is_none())]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| n)
        .collect();
    if missing.is_empty() {
        result("data_integrity", true, "iv and price present".into())
    } else {
        result(
            "data_integrity",
            false,
            format!("data_integrity: {} missing", missing.join(" and ")),
        )
    }
}

fn iv_percentile(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    at_least(
        "iv_percentile",
        f.iv_percentile,
        t.iv_percentile_min,
        false,
        "not in metrics",
    )
}

fn liquidity_rating(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    match f.liquidity_rating {
        None => result(
            "liquidity_rating",
            true,
            "liquidity_rating not rated (filter applies only when present)".into(),
        ),
        Some(r) => {
            let ok = r >= t.liquidity_rating_min;
            let op = if ok { ">=" } else { "<" };
            result(
                "liquidity_rating",
                ok,
                format!("liquidity_rating {r} {op} {}", t.liquidity_rating_min),
            )
        }
    }
}

fn price(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    if f.asset_class == Some(AssetClass::Future) {
        return result("price", true, "price: futures exempt".into());
    }
    at_least("price", f.price, t.price_min, false, "no quote")
}

fn vrp_structural(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    at_least(
        "vrp_structural",
        f.vrp_structural,
        t.vrp_structural_min,
        true,
        &hv_reason(f, "HV90"),
    )
}

fn vrp_tactical(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    at_least(
        "vrp_tactical",
        f.vrp_tactical,
        t.vrp_tactical_min,
        true,
        &hv_reason(f, "HV30"),
    )
}

fn vtr(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    at_least("vtr", f.vtr, t.vtr_min, false, &hv_reason(f, "HV90"))
}

fn slippage(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    match f.slippage {
        None => result(
            "slippage",
            true,
            "slippage: no option quotes (filter applies only when quotes exist)".into(),
        ),
        Some(s) => {
            let ok = s <= t.slippage_max;
            let op = if ok { "<=" } else { ">" };
            result(
                "slippage",
                ok,
                format!("slippage {s:.3} {op} {:.3}", t.slippage_max),
            )
        }
    }
}

/// Every filter, prefilter ones first.
pub const FILTERS: &[Filter] = &[
    Filter {
        name: "data_integrity",
        stage: Stage::Prefilter,
        check: data_integrity,
    },
    Filter {
        name: "iv_percentile",
        stage: Stage::Prefilter,
        check: iv_percentile,
    },
    Filter {
        name: "liquidity_rating",
        stage: Stage::Prefilter,
        check: liquidity_rating,
    },
    Filter {
        name: "price",
        stage: Stage::Prefilter,
        check: price,
    },
    Filter {
        name: "vrp_structural",
        stage: Stage::Filter,
        check: vrp_structural,
    },
    Filter {
        name: "vrp_tactical",
        stage: Stage::Filter,
        check: vrp_tactical,
    },
    Filter {
        name: "vtr",
        stage: Stage::Filter,
        check: vtr,
    },
    Filter {
        name: "slippage",
        stage: Stage::Filter,
        check: slippage,
    },
];

/// Run the filters of `stage` (or all when `None`).
pub fn run(fields: &SymbolFields, t: &Thresholds, stage: Option<Stage>) -> Vec<FilterResult> {
    FILTERS
        .iter()
        .filter(|f| stage.is_none_or(|s| f.stage == s))
        .map(|f| (f.check)(fields, t))
        .collect()
}

/// Run the filters that need only metrics, plus the candle-based ones whose inputs already say
/// "fail" can wait: this returns only prefilter verdicts.
pub fn prefilter(fields: &SymbolFields, t: &Thresholds) -> Vec<FilterResult> {
    run(fields, t, Some(Stage::Prefilter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn good() -> SymbolFields {
        SymbolFields {
            asset_class: Some(AssetClass::Equity),
            price: Some(100.0),
            iv: Some(0.40),
            iv_percentile: Some(0.80),
            hv30: Some(0.30),
            hv90: Some(0.30),
            vrp_structural: Some(1.33),
            vrp_tactical: Some(1.33),
            vtr: Some(1.0),
            liquidity_rating: Some(4),
            slippage: Some(0.02),
            ..SymbolFields::default()
        }
    }

    #[test]
    fn a_good_symbol_passes_everything() {
        let t = Config::builtin().profile("balanced").unwrap();
        let r = run(&good(), &t, None);
        assert_eq!(r.len(), FILTERS.len());
        assert!(r.iter().all(|x| x.passed), "{r:?}");
    }

    #[test]
    fn failures_report_the_numbers() {
        let t = Config::builtin().profile("balanced").unwrap();
        let f = SymbolFields {
            iv_percentile: Some(0.12),
            liquidity_rating: Some(2),
            price: Some(12.5),
            vrp_structural: Some(1.10),
            ..good()
        };
        let failed: Vec<String> = run(&f, &t, None)
            .into_iter()
            .filter(|r| !r.passed)
            .map(|r| r.detail)
            .collect();
        assert_eq!(
            failed,
            vec![
                "iv_percentile 0.12 < 0.50",
                "liquidity_rating 2 < 4",
                "price 12.50 < 25.00",
                "vrp_structural 1.10 <= 1.10",
            ]
        );
    }

    #[test]
    fn conditional_filters_and_unknowns() {
        let t = Config::builtin().profile("balanced").unwrap();
        let f = SymbolFields {
            asset_class: Some(AssetClass::Future),
            price: Some(5.0),
            liquidity_rating: None,
            slippage: None,
            vrp_structural: None,
            notes: vec!["HV90 needs 91 closes, have 40".into()],
            ..good()
        };
        let r = run(&f, &t, None);
        let get = |n: &str| r.iter().find(|x| x.name == n).unwrap();
        assert!(get("price").passed && get("liquidity_rating").passed && get("slippage").passed);
        assert!(!get("vrp_structural").passed);
        assert_eq!(
            get("vrp_structural").detail,
            "vrp_structural unknown (HV90 needs 91 closes, have 40)"
        );
        let f = SymbolFields { iv: None, ..good() };
        assert!(!prefilter(&f, &t)[0].passed);
        assert_eq!(prefilter(&f, &t).len(), 4);
    }
}
