//! The filters of product.md as named predicates over [`SymbolFields`], and the verdict they add
//! up to.
//!
//! Each filter returns a [`FilterResult`]: its name, one of four [`FilterOutcome`]s and the numbers it
//! compared (or why it could not). The rules:
//! - `pass` / `fail`: the comparison on known data (`iv_percentile 0.12 < 0.50`).
//! - `n/a`: the filter does not apply to the asset class (declared per filter below: an index or a
//!   future is exempt from the price floor, only equities have earnings); counts as a pass. The
//!   service rates every class (indices and futures too), so the liquidity rating applies to all.
//! - `unknown`: an input could not be had or was implausible (it is `null`). **Never a pass.**
//!
//! [`verdict`] turns a set of results into the symbol's fate: any `fail` → rejected (reasons list
//! every failed and every unknown filter); otherwise any `unknown` → error; otherwise candidate.
//!
//! [`Needs`] says which data a filter needs, so the pipeline can decide a symbol as early as its
//! data allows: `Metrics` filters run in the prefilter, `Candles` filters as each history is
//! computed, `Chain` filters once the option chain and its ATM quotes are in.
//!
//! [`run`] also runs the command-line thresholds on fields without a filter of their own
//! (`--min iv_rank=0.3` → `min_iv_rank`, in `Thresholds::extra`; [`bounds`]), each at its stage.

use super::bounds;
use crate::config::Thresholds;
use crate::model::SymbolFields;
use crate::symbol::AssetClass;

/// Which data a filter needs (so the pipeline can decide a symbol as early as its data allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `/market-metrics` and prices.
    Metrics,
    /// Daily candles (HV).
    Candles,
    /// The option chain (expiration) and ATM quotes.
    Chain,
}

/// One filter's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOutcome {
    Pass,
    Fail,
    /// Does not apply to the asset class; counts as a pass.
    NotApplicable,
    /// An input is unknown or implausible; never a pass.
    Unknown,
}

impl FilterOutcome {
    /// Pass or n/a.
    pub fn is_ok(self) -> bool {
        matches!(self, FilterOutcome::Pass | FilterOutcome::NotApplicable)
    }
}

/// One filter's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterResult {
    pub name: &'static str,
    pub outcome: FilterOutcome,
    /// The comparison made (`iv_percentile 0.12 < 0.50`), why it does not apply, or why its input
    /// is unknown (`vrp_structural unknown (HV90 needs 91 closes, have 40)`).
    pub detail: String,
}

/// A filter: a name, the data it needs, and its predicate.
pub struct Filter {
    pub name: &'static str,
    pub needs: Needs,
    pub check: fn(&SymbolFields, &Thresholds) -> FilterResult,
}

pub(super) fn result(name: &'static str, outcome: FilterOutcome, detail: String) -> FilterResult {
    FilterResult {
        name,
        outcome,
        detail,
    }
}

pub(super) fn unknown(name: &'static str, why: &str) -> FilterResult {
    result(
        name,
        FilterOutcome::Unknown,
        format!("{name} unknown ({why})"),
    )
}

pub(super) fn na(name: &'static str, why: &str) -> FilterResult {
    result(
        name,
        FilterOutcome::NotApplicable,
        format!("{name} n/a ({why})"),
    )
}

/// `value >= min` (or `> min` when `strict`); unknown when `value` is `None`.
fn at_least(
    name: &'static str,
    value: Option<f64>,
    min: f64,
    strict: bool,
    why_unknown: &str,
) -> FilterResult {
    match value {
        None => unknown(name, why_unknown),
        Some(v) => {
            let ok = if strict { v > min } else { v >= min };
            let op = match (ok, strict) {
                (true, true) => ">",
                (true, false) => ">=",
                (false, true) => "<=",
                (false, false) => "<",
            };
            let outcome = if ok {
                FilterOutcome::Pass
            } else {
                FilterOutcome::Fail
            };
            let (v, min) = digits(v, min, 2);
            result(name, outcome, format!("{name} {v} {op} {min}"))
        }
    }
}

/// A value and its threshold printed with `places` decimals, or more (up to 6) when that many
/// would print them equal although they differ (`0.498 < 0.50`, never `0.50 < 0.50`).
pub(super) fn digits(v: f64, min: f64, places: usize) -> (String, String) {
    let mut p = places;
    while p < 6 && v != min && format!("{v:.p$}") == format!("{min:.p$}") {
        p += 1;
    }
    (format!("{v:.p$}"), format!("{min:.places$}"))
}

/// The first note that starts with one of `prefixes`, else `fallback`.
pub(super) fn note_or(f: &SymbolFields, prefixes: &[&str], fallback: &str) -> String {
    f.notes
        .iter()
        .find(|n| prefixes.iter().any(|p| n.starts_with(p)))
        .cloned()
        .or_else(|| {
            f.warnings
                .iter()
                .find(|w| {
                    prefixes
                        .iter()
                        .any(|p| w.field.starts_with(&p.to_lowercase()))
                })
                .map(|w| format!("{} {} implausible: {}", w.field, w.value, w.rule))
        })
        .unwrap_or_else(|| fallback.to_string())
}

/// Why a metrics field is null: implausible (a warning) or absent.
pub(super) fn metric_reason(f: &SymbolFields, field: &str) -> String {
    f.warnings
        .iter()
        .find(|w| w.field == field)
        .map(|w| format!("{} {} implausible: {}", w.field, w.value, w.rule))
        .unwrap_or_else(|| format!("no {field} in the metrics"))
}

/// Why an HV-based value is null: the IV or an HV is missing (with the estimator's note).
fn hv_reason(f: &SymbolFields, hv: &str) -> String {
    if f.iv.is_none() {
        return metric_reason(f, "iv");
    }
    note_or(f, &[hv, "candles", "candle"], &format!("{hv} unknown"))
}

/// Why the ATM quotes are missing.
pub(super) fn chain_reason(f: &SymbolFields) -> String {
    note_or(
        f,
        &[
            "option chain",
            "no option chain",
            "no expiration",
            "no price",
            "ATM",
            "chain",
        ],
        "no ATM option quotes",
    )
}

fn data_integrity(f: &SymbolFields, _: &Thresholds) -> FilterResult {
    let missing: Vec<&str> = [("iv", f.iv.is_none()), ("price", f.price.is_none())]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| n)
        .collect();
    if missing.is_empty() {
        result(
            "data_integrity",
            FilterOutcome::Pass,
            "iv and price present".into(),
        )
    } else {
        let why: Vec<String> = missing.iter().map(|m| metric_reason(f, m)).collect();
        unknown("data_integrity", &why.join("; "))
    }
}

fn iv_percentile(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    at_least(
        "iv_percentile",
        f.iv_percentile,
        t.iv_percentile_min,
        false,
        &metric_reason(f, "iv_percentile"),
    )
}

fn liquidity_rating(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    const NAME: &str = "liquidity_rating";
    if t.liquidity_rating_min == 0 {
        return result(
            NAME,
            FilterOutcome::Pass,
            "liquidity_rating: no minimum".into(),
        );
    }
    match f.liquidity_rating {
        None => unknown(NAME, &metric_reason(f, NAME)),
        Some(r) => {
            let ok = r >= t.liquidity_rating_min;
            let (op, outcome) = if ok {
                (">=", FilterOutcome::Pass)
            } else {
                ("<", FilterOutcome::Fail)
            };
            result(
                NAME,
                outcome,
                format!("liquidity_rating {r} {op} {}", t.liquidity_rating_min),
            )
        }
    }
}

fn price(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    if f.asset_class == Some(AssetClass::Future) {
        return na("price", "futures are exempt");
    }
    at_least(
        "price",
        f.price,
        t.price_min,
        false,
        &metric_reason(f, "price"),
    )
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
    let why = if f.hv30.is_none() {
        note_or(f, &["HV30", "candles", "candle"], "HV30 unknown")
    } else {
        note_or(f, &["HV90", "candles", "candle"], "HV90 unknown")
    };
    at_least("vtr", f.vtr, t.vtr_min, false, &why)
}

fn slippage(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    match f.slippage {
        None => unknown("slippage", &chain_reason(f)),
        Some(s) => {
            let ok = s <= t.slippage_max;
            let (op, outcome) = if ok {
                ("<=", FilterOutcome::Pass)
            } else {
                (">", FilterOutcome::Fail)
            };
            result("slippage", outcome, {
                let (v, max) = digits(s, t.slippage_max, 3);
                format!("slippage {v} {op} {max}")
            })
        }
    }
}

fn earnings(f: &SymbolFields, t: &Thresholds) -> FilterResult {
    const NAME: &str = "earnings";
    if f.asset_class != Some(AssetClass::Equity) {
        return na(NAME, "no earnings for this class");
    }
    if t.earnings_allowed {
        return result(
            NAME,
            FilterOutcome::Pass,
            "earnings allowed by the profile".into(),
        );
    }
    match (f.earnings_before_expiration, f.earnings_date, f.expiration) {
        (Some(true), Some(e), Some(x)) => result(
            NAME,
            FilterOutcome::Fail,
            format!("earnings {e} on or before the expiration {x}"),
        ),
        (Some(false), Some(e), Some(x)) => result(
            NAME,
            FilterOutcome::Pass,
            format!("earnings {e} after the expiration {x}"),
        ),
        (_, None, _) => unknown(NAME, &note_or(f, &["earnings"], "no earnings date")),
        _ => unknown(NAME, &format!("no expiration: {}", chain_reason(f))),
    }
}

/// Every filter, in the order of the stages that feed them.
pub const FILTERS: &[Filter] = &[
    Filter {
        name: "data_integrity",
        needs: Needs::Metrics,
        check: data_integrity,
    },
    Filter {
        name: "iv_percentile",
        needs: Needs::Metrics,
        check: iv_percentile,
    },
    Filter {
        name: "liquidity_rating",
        needs: Needs::Metrics,
        check: liquidity_rating,
    },
    Filter {
        name: "price",
        needs: Needs::Metrics,
        check: price,
    },
    Filter {
        name: "vrp_structural",
        needs: Needs::Candles,
        check: vrp_structural,
    },
    Filter {
        name: "vrp_tactical",
        needs: Needs::Candles,
        check: vrp_tactical,
    },
    Filter {
        name: "vtr",
        needs: Needs::Candles,
        check: vtr,
    },
    Filter {
        name: "slippage",
        needs: Needs::Chain,
        check: slippage,
    },
    Filter {
        name: "earnings",
        needs: Needs::Chain,
        check: earnings,
    },
];

/// Run the filters that need `needs` (or all when `None`): the profile's, then the command-line
/// thresholds on fields without a filter of their own (`t.extra`, [`bounds`]).
pub fn run(fields: &SymbolFields, t: &Thresholds, needs: Option<Needs>) -> Vec<FilterResult> {
    FILTERS
        .iter()
        .filter(|f| needs.is_none_or(|s| f.needs == s))
        .map(|f| (f.check)(fields, t))
        .chain(
            t.extra
                .iter()
                .filter(|x| needs.is_none_or(|s| bounds::needs(x) == s))
                .map(|x| bounds::check_extra(x, fields)),
        )
        .collect()
}

/// Thresholds loosened by `slack` (a fraction): every minimum lowered and every maximum raised by
/// it. For predictions ("may this symbol pass?"), never for verdicts.
pub fn relaxed(t: &Thresholds, slack: f64) -> Thresholds {
    let down = |v: f64| v * (1.0 - slack);
    Thresholds {
        vrp_structural_min: down(t.vrp_structural_min),
        vrp_tactical_min: down(t.vrp_tactical_min),
        iv_percentile_min: down(t.iv_percentile_min),
        price_min: down(t.price_min),
        vtr_min: down(t.vtr_min),
        slippage_max: t.slippage_max * (1.0 + slack),
        extra: t.extra.iter().map(|x| bounds::relaxed(x, slack)).collect(),
        ..t.clone()
    }
}

/// The filters that need only metrics.
pub fn prefilter(fields: &SymbolFields, t: &Thresholds) -> Vec<FilterResult> {
    run(fields, t, Some(Needs::Metrics))
}

/// The stage of a filter, by name.
pub fn needs_of(name: &str) -> Option<Needs> {
    FILTERS
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.needs)
        .or_else(|| bounds::needs_of(name))
}

/// What a set of filter results adds up to (product.md, "Verdicts").
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every filter passed or does not apply.
    Candidate,
    /// At least one failure on known data; every failed and every unknown filter, with details.
    Rejected(Vec<String>),
    /// No failure, but these filters (details) could not be decided.
    Unknown(Vec<FilterResult>),
}

/// The verdict of `results`.
pub fn verdict(results: &[FilterResult]) -> Verdict {
    let fails = results.iter().any(|r| r.outcome == FilterOutcome::Fail);
    let not_ok: Vec<&FilterResult> = results.iter().filter(|r| !r.outcome.is_ok()).collect();
    if fails {
        // Failures first, then the unknowns.
        let mut reasons: Vec<String> = not_ok
            .iter()
            .filter(|r| r.outcome == FilterOutcome::Fail)
            .map(|r| r.detail.clone())
            .collect();
        reasons.extend(
            not_ok
                .iter()
                .filter(|r| r.outcome == FilterOutcome::Unknown)
                .map(|r| r.detail.clone()),
        );
        Verdict::Rejected(reasons)
    } else if !not_ok.is_empty() {
        Verdict::Unknown(not_ok.into_iter().cloned().collect())
    } else {
        Verdict::Candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::date::Date;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

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
            earnings_date: Some(d("2027-02-01")),
            expiration: Some(d("2027-01-15")),
            earnings_before_expiration: Some(false),
            ..SymbolFields::default()
        }
    }

    fn balanced() -> Thresholds {
        Config::builtin().profile("balanced").unwrap()
    }

    #[test]
    fn a_good_symbol_passes_everything() {
        let r = run(&good(), &balanced(), None);
        assert_eq!(r.len(), FILTERS.len());
        assert!(r.iter().all(|x| x.outcome == FilterOutcome::Pass), "{r:?}");
        assert_eq!(verdict(&r), Verdict::Candidate);
    }

    #[test]
    fn failures_report_the_numbers() {
        let f = SymbolFields {
            iv_percentile: Some(0.12),
            liquidity_rating: Some(2),
            price: Some(12.5),
            vrp_structural: Some(1.10),
            earnings_before_expiration: Some(true),
            earnings_date: Some(d("2027-01-10")),
            ..good()
        };
        let Verdict::Rejected(reasons) = verdict(&run(&f, &balanced(), None)) else {
            panic!("not rejected");
        };
        assert_eq!(
            reasons,
            vec![
                "iv_percentile 0.12 < 0.50",
                "liquidity_rating 2 < 4",
                "price 12.50 < 25.00",
                "vrp_structural 1.10 <= 1.10",
                "earnings 2027-01-10 on or before the expiration 2027-01-15",
            ]
        );
    }

    #[test]
    fn unknown_is_never_a_pass() {
        let t = balanced();
        // Every input a filter needs, one at a time, made unknown: the filter is `unknown` and
        // the symbol is not a candidate.
        let cases: Vec<(&str, SymbolFields)> = vec![
            ("data_integrity", SymbolFields { iv: None, ..good() }),
            (
                "data_integrity",
                SymbolFields {
                    price: None,
                    ..good()
                },
            ),
            (
                "iv_percentile",
                SymbolFields {
                    iv_percentile: None,
                    ..good()
                },
            ),
            (
                "liquidity_rating",
                SymbolFields {
                    liquidity_rating: None,
                    ..good()
                },
            ),
            (
                "vrp_structural",
                SymbolFields {
                    vrp_structural: None,
                    ..good()
                },
            ),
            (
                "vrp_tactical",
                SymbolFields {
                    vrp_tactical: None,
                    ..good()
                },
            ),
            (
                "vtr",
                SymbolFields {
                    vtr: None,
                    ..good()
                },
            ),
            (
                "slippage",
                SymbolFields {
                    slippage: None,
                    ..good()
                },
            ),
            (
                "earnings",
                SymbolFields {
                    earnings_date: None,
                    earnings_before_expiration: None,
                    ..good()
                },
            ),
            (
                "earnings",
                SymbolFields {
                    expiration: None,
                    earnings_before_expiration: None,
                    ..good()
                },
            ),
        ];
        for (name, f) in cases {
            let r = run(&f, &t, None);
            let x = r.iter().find(|x| x.name == name).unwrap();
            assert_eq!(x.outcome, FilterOutcome::Unknown, "{name}: {x:?}");
            assert!(x.detail.starts_with(&format!("{name} unknown (")), "{x:?}");
            match verdict(&r) {
                Verdict::Unknown(u) => assert!(u.iter().any(|x| x.name == name)),
                v => panic!("{name}: {v:?}"),
            }
        }
    }

    #[test]
    fn a_failure_on_known_data_rejects_even_with_unknowns() {
        let f = SymbolFields {
            iv_percentile: Some(0.1),
            slippage: None,
            notes: vec!["option chain: 401 Unauthorized".into()],
            ..good()
        };
        let Verdict::Rejected(reasons) = verdict(&run(&f, &balanced(), None)) else {
            panic!("not rejected");
        };
        assert_eq!(
            reasons,
            vec![
                "iv_percentile 0.10 < 0.50",
                "slippage unknown (option chain: 401 Unauthorized)",
            ]
        );
    }

    #[test]
    fn classes_declare_what_does_not_apply() {
        let t = balanced();
        let fut = SymbolFields {
            asset_class: Some(AssetClass::Future),
            price: Some(5.0),
            liquidity_rating: Some(4),
            earnings_date: None,
            earnings_before_expiration: None,
            ..good()
        };
        let r = run(&fut, &t, None);
        let get = |n: &str| r.iter().find(|x| x.name == n).unwrap().outcome;
        assert_eq!(get("price"), FilterOutcome::NotApplicable);
        assert_eq!(get("liquidity_rating"), FilterOutcome::Pass);
        assert_eq!(get("earnings"), FilterOutcome::NotApplicable);
        assert_eq!(verdict(&r), Verdict::Candidate);
        // The service rates futures and indices too: a missing rating is unknown, not n/a.
        let unrated = SymbolFields {
            liquidity_rating: None,
            ..fut.clone()
        };
        assert!(matches!(
            verdict(&run(&unrated, &t, None)),
            Verdict::Unknown(_)
        ));
        let idx = SymbolFields {
            asset_class: Some(AssetClass::Index),
            ..fut.clone()
        };
        let r = run(&idx, &t, None);
        assert_eq!(
            r.iter().find(|x| x.name == "price").unwrap().outcome,
            FilterOutcome::Fail
        );
        let etf = SymbolFields {
            asset_class: Some(AssetClass::Etf),
            earnings_date: None,
            earnings_before_expiration: None,
            ..good()
        };
        assert_eq!(verdict(&run(&etf, &t, None)), Verdict::Candidate);
    }

    #[test]
    fn profiles_that_allow_earnings_and_illiquid_names() {
        let broad = Config::builtin().profile("broad").unwrap();
        let f = SymbolFields {
            liquidity_rating: None,
            earnings_before_expiration: Some(true),
            ..good()
        };
        assert_eq!(verdict(&run(&f, &broad, None)), Verdict::Candidate);
        assert!(matches!(
            verdict(&run(&f, &balanced(), None)),
            Verdict::Rejected(_)
        ));
    }

    #[test]
    fn reasons_never_print_a_value_equal_to_its_threshold() {
        let f = SymbolFields {
            iv_percentile: Some(0.498),
            vtr: Some(0.8487),
            ..good()
        };
        let Verdict::Rejected(reasons) = verdict(&run(&f, &balanced(), None)) else {
            panic!("not rejected");
        };
        assert_eq!(
            reasons,
            vec!["iv_percentile 0.498 < 0.50", "vtr 0.849 < 0.85"]
        );
    }

    #[test]
    fn a_rating_is_judged_whatever_the_class() {
        let fut = SymbolFields {
            asset_class: Some(AssetClass::Future),
            liquidity_rating: Some(1),
            ..good()
        };
        let r = run(&fut, &balanced(), Some(Needs::Metrics));
        let liq = r.iter().find(|x| x.name == "liquidity_rating").unwrap();
        assert_eq!(liq.outcome, FilterOutcome::Fail);
    }

    #[test]
    fn unknown_reasons_name_the_cause() {
        let f = SymbolFields {
            vrp_structural: None,
            hv90: None,
            notes: vec!["HV90 needs 91 closes, have 40".into()],
            ..good()
        };
        let r = run(&f, &balanced(), Some(Needs::Candles));
        assert_eq!(
            r[0].detail,
            "vrp_structural unknown (HV90 needs 91 closes, have 40)"
        );
        let f = SymbolFields {
            iv: None,
            vrp_structural: None,
            warnings: vec![crate::model::Warning::number(
                "iv",
                50.0,
                "iv must be a fraction in (0, 5]",
            )],
            ..good()
        };
        let r = run(&f, &balanced(), None);
        assert_eq!(
            r[0].detail,
            "data_integrity unknown (iv 50.0 implausible: iv must be a fraction in (0, 5])"
        );
    }
}
