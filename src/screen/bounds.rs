//! Command-line thresholds (`--min NAME=VALUE`, `--max NAME=VALUE`) on a profile.
//!
//! - A bound on the side a profile filter already bounds moves that filter's threshold
//!   ([`profile_limit`], [`set_profile_limit`]): `--min iv_percentile=0.6` is the `iv_percentile`
//!   filter at 0.60, with its own comparison (`vrp_structural` and `vrp_tactical` stay strict).
//! - Any other bound on a numeric column ([`super::columns`]) is a filter of its own, `min_FIELD` or
//!   `max_FIELD` ([`ExtraFilter`], checked by [`check_extra`]), with the outcomes of every filter:
//!   `pass`/`fail` on known data with the numbers compared; `n/a` where the class rule of the
//!   field's own filter says so (a future's price, the earnings of anything but an equity);
//!   `unknown` when the value is null: never a pass. It runs at the stage that knows its column,
//!   so a bound on a metrics field rejects at the prefilter and the symbol costs nothing more.

use super::columns;
use super::filters::{self, FilterOutcome, FilterResult, Needs};
use crate::config::{ExtraFilter, Thresholds};
use crate::model::SymbolFields;
use crate::symbol::AssetClass;

/// Which side of a value a bound limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `--min`: the value must be at least the limit.
    Min,
    /// `--max`: the value must be at most the limit.
    Max,
}

impl Side {
    /// The flag that sets this side.
    pub fn flag(self) -> &'static str {
        match self {
            Side::Min => "--min",
            Side::Max => "--max",
        }
    }
}

/// A profile filter's threshold that a command-line bound moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileLimit {
    /// The filter, named after the field it compares.
    pub filter: &'static str,
    pub side: Side,
    /// The filter passes only strictly beyond the threshold (`vrp_structural > 1.10`).
    pub strict: bool,
    /// The threshold's key in the configuration (`[filters]`, profiles).
    pub key: &'static str,
}

/// The profile thresholds, by the field their filter compares.
const PROFILE_LIMITS: &[ProfileLimit] = &[
    limit("vrp_structural", Side::Min, true, "vrp_structural_min"),
    limit("vrp_tactical", Side::Min, true, "vrp_tactical_min"),
    limit("iv_percentile", Side::Min, false, "iv_percentile_min"),
    limit("liquidity_rating", Side::Min, false, "liquidity_rating_min"),
    limit("price", Side::Min, false, "price_min"),
    limit("slippage", Side::Max, false, "slippage_max"),
    limit("vtr", Side::Min, false, "vtr_min"),
];

const fn limit(filter: &'static str, side: Side, strict: bool, key: &'static str) -> ProfileLimit {
    ProfileLimit {
        filter,
        side,
        strict,
        key,
    }
}

/// The profile filter that bounds `field`, whichever side it bounds.
pub fn profile_limit(field: &str) -> Option<ProfileLimit> {
    PROFILE_LIMITS.iter().find(|l| l.filter == field).copied()
}

/// The threshold of the profile filter on `field` in `t`.
pub fn profile_value(t: &Thresholds, field: &str) -> Option<f64> {
    Some(match field {
        "vrp_structural" => t.vrp_structural_min,
        "vrp_tactical" => t.vrp_tactical_min,
        "iv_percentile" => t.iv_percentile_min,
        "liquidity_rating" => f64::from(t.liquidity_rating_min),
        "price" => t.price_min,
        "slippage" => t.slippage_max,
        "vtr" => t.vtr_min,
        _ => return None,
    })
}

/// Move the threshold of the profile filter on `field` to `v`, with the ranges the configuration
/// allows; `Err` says what the value must be.
pub fn set_profile_limit(t: &mut Thresholds, field: &str, v: f64) -> Result<(), &'static str> {
    let non_negative = || {
        (v.is_finite() && v >= 0.0)
            .then_some(v)
            .ok_or("must be a finite number >= 0")
    };
    match field {
        "vrp_structural" => t.vrp_structural_min = non_negative()?,
        "vrp_tactical" => t.vrp_tactical_min = non_negative()?,
        "price" => t.price_min = non_negative()?,
        "slippage" => t.slippage_max = non_negative()?,
        "vtr" => t.vtr_min = non_negative()?,
        "iv_percentile" if (0.0..=1.0).contains(&v) => t.iv_percentile_min = v,
        "iv_percentile" => return Err("must be a fraction within 0..=1 (0%..=100%)"),
        "liquidity_rating" if (0.0..=5.0).contains(&v) && v.fract() == 0.0 => {
            // A whole number within 0..=5: the cast is exact.
            t.liquidity_rating_min = v as u8;
        }
        "liquidity_rating" => return Err("must be a whole rating within 0..=5"),
        _ => return Err("has no filter in the profile"),
    }
    Ok(())
}

/// The stage whose data an extra filter needs (its column's; the chain, the last, when unknown).
pub fn needs(x: &ExtraFilter) -> Needs {
    columns::find(x.field).map_or(Needs::Chain, |c| c.needs)
}

/// The stage of an extra filter, by its name (`min_iv_rank`).
pub fn needs_of(name: &str) -> Option<Needs> {
    columns::all()
        .iter()
        .find(|c| c.min_filter == name || c.max_filter == name)
        .map(|c| c.needs)
}

/// Why `field` does not apply to `class`: the class rules of the field's own filter.
fn not_applicable(field: &str, class: Option<AssetClass>) -> Option<&'static str> {
    match (field, class?) {
        ("price", AssetClass::Future) => Some("futures are exempt"),
        ("days_to_earnings", c) if c != AssetClass::Equity => Some("no earnings for this class"),
        _ => None,
    }
}

/// Why the value of `field` is unknown.
fn unknown_reason(field: &str, f: &SymbolFields) -> String {
    if field == "days_to_earnings" {
        return match f.earnings_date {
            Some(e) => format!("earnings date {e} is past; the next one is not known"),
            None => filters::note_or(f, &["earnings"], "no earnings date"),
        };
    }
    match columns::find(field).map(|c| c.needs) {
        Some(Needs::Metrics) => filters::metric_reason(f, field),
        Some(Needs::Candles) if f.iv.is_none() && !field.starts_with("hv") => {
            filters::metric_reason(f, "iv")
        }
        Some(Needs::Candles) => {
            filters::note_or(f, &["HV", "candles", "candle"], &format!("{field} unknown"))
        }
        _ => filters::chain_reason(f),
    }
}

/// A value and its limit as text: whole numbers as such (`dte 30 < 40`), else as the filters
/// print them (`iv_rank 0.25 < 0.30`).
fn numbers(v: f64, limit: f64) -> (String, String) {
    if v.fract() == 0.0 && limit.fract() == 0.0 && v.abs() < 1e15 && limit.abs() < 1e15 {
        (format!("{v:.0}"), format!("{limit:.0}"))
    } else {
        filters::digits(v, limit, 2)
    }
}

/// The outcome of an extra filter for one symbol.
pub fn check_extra(x: &ExtraFilter, f: &SymbolFields) -> FilterResult {
    let name = x.name;
    if let Some(why) = not_applicable(x.field, f.asset_class) {
        return filters::na(name, why);
    }
    // A past earnings date says nothing about the next one (the scan drops it in the end).
    let value = columns::value(f, x.field).filter(|v| x.field != "days_to_earnings" || *v >= 0.0);
    let Some(v) = value else {
        return filters::unknown(name, &unknown_reason(x.field, f));
    };
    let ok = if x.is_max { v <= x.limit } else { v >= x.limit };
    let op = match (x.is_max, ok) {
        (false, true) => ">=",
        (false, false) => "<",
        (true, true) => "<=",
        (true, false) => ">",
    };
    let outcome = if ok {
        FilterOutcome::Pass
    } else {
        FilterOutcome::Fail
    };
    let (v, limit) = numbers(v, x.limit);
    filters::result(
        name,
        outcome,
        format!("{name}: {} {v} {op} {limit}", x.field),
    )
}

/// `x` loosened by `slack` (a fraction of the limit's size), for predictions only.
pub fn relaxed(x: &ExtraFilter, slack: f64) -> ExtraFilter {
    let by = slack * x.limit.abs();
    ExtraFilter {
        limit: if x.is_max { x.limit + by } else { x.limit - by },
        ..x.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::screen::filters::{run, verdict, Verdict};

    fn extra(field: &str, side: Side, limit: f64) -> ExtraFilter {
        let c = columns::find(field).unwrap();
        ExtraFilter {
            name: match side {
                Side::Min => c.min_filter.as_str(),
                Side::Max => c.max_filter.as_str(),
            },
            field: c.name.as_str(),
            is_max: side == Side::Max,
            limit,
        }
    }

    fn equity() -> SymbolFields {
        SymbolFields {
            asset_class: Some(AssetClass::Equity),
            price: Some(100.0),
            iv: Some(0.40),
            iv_rank: Some(0.25),
            dte: Some(30),
            ..SymbolFields::default()
        }
    }

    #[test]
    fn extra_filters_pass_fail_with_their_numbers() {
        let r = check_extra(&extra("iv_rank", Side::Min, 0.30), &equity());
        assert_eq!(r.outcome, FilterOutcome::Fail);
        assert_eq!(r.name, "min_iv_rank");
        assert_eq!(r.detail, "min_iv_rank: iv_rank 0.25 < 0.30");
        let r = check_extra(&extra("iv_rank", Side::Max, 0.30), &equity());
        assert_eq!(
            (r.outcome, r.detail.as_str()),
            (FilterOutcome::Pass, "max_iv_rank: iv_rank 0.25 <= 0.30")
        );
        let r = check_extra(&extra("dte", Side::Min, 40.0), &equity());
        assert_eq!(r.detail, "min_dte: dte 30 < 40");
        let r = check_extra(&extra("iv_rank", Side::Min, 0.25), &equity());
        assert_eq!(r.outcome, FilterOutcome::Pass, "the limit itself passes");
        let r = check_extra(&extra("iv_rank", Side::Min, 0.2501), &equity());
        assert_eq!(r.detail, "min_iv_rank: iv_rank 0.2500 < 0.25");
    }

    #[test]
    fn unknown_is_never_a_pass_and_classes_may_be_exempt() {
        let f = SymbolFields {
            iv_rank: None,
            ..equity()
        };
        for side in [Side::Min, Side::Max] {
            let r = check_extra(&extra("iv_rank", side, 0.3), &f);
            assert_eq!(r.outcome, FilterOutcome::Unknown);
            assert!(r.detail.contains("no iv_rank in the metrics"), "{r:?}");
        }
        let r = check_extra(&extra("hv252", Side::Min, 0.1), &f);
        assert_eq!(r.outcome, FilterOutcome::Unknown);
        let fut = SymbolFields {
            asset_class: Some(AssetClass::Future),
            price: Some(6000.0),
            ..equity()
        };
        let r = check_extra(&extra("price", Side::Max, 500.0), &fut);
        assert_eq!(r.outcome, FilterOutcome::NotApplicable);
        let etf = SymbolFields {
            asset_class: Some(AssetClass::Etf),
            ..equity()
        };
        let r = check_extra(&extra("days_to_earnings", Side::Min, 10.0), &etf);
        assert_eq!(r.outcome, FilterOutcome::NotApplicable);
        let past = SymbolFields {
            earnings_date: Some("2026-11-01".parse().unwrap()),
            days_to_earnings: Some(-19),
            ..equity()
        };
        let r = check_extra(&extra("days_to_earnings", Side::Min, 10.0), &past);
        assert_eq!(r.outcome, FilterOutcome::Unknown);
        assert!(r.detail.contains("is past"), "{r:?}");
    }

    #[test]
    fn extra_filters_run_at_their_stage_and_decide_the_verdict() {
        let mut t = Config::builtin().profile("balanced").unwrap();
        t.extra.push(extra("iv_rank", Side::Min, 0.30));
        t.extra.push(extra("hv30", Side::Max, 0.50));
        let f = equity();
        let pre = run(&f, &t, Some(Needs::Metrics));
        assert!(pre.iter().any(|r| r.name == "min_iv_rank"));
        assert!(!pre.iter().any(|r| r.name == "max_hv30"));
        let candles = run(&f, &t, Some(Needs::Candles));
        assert!(candles.iter().any(|r| r.name == "max_hv30"));
        let Verdict::Rejected(reasons) = verdict(&pre) else {
            panic!("not rejected: {pre:?}");
        };
        assert!(reasons.contains(&"min_iv_rank: iv_rank 0.25 < 0.30".to_string()));
        assert_eq!(filters::needs_of("min_iv_rank"), Some(Needs::Metrics));
        assert_eq!(filters::needs_of("max_hv30"), Some(Needs::Candles));
        let loose = filters::relaxed(&t, 0.1);
        assert!((loose.extra[0].limit - 0.27).abs() < 1e-12);
        assert!((loose.extra[1].limit - 0.55).abs() < 1e-12);
    }

    #[test]
    fn profile_limits_move_with_their_ranges() {
        let mut t = Config::builtin().profile("balanced").unwrap();
        assert_eq!(profile_limit("slippage").map(|l| l.side), Some(Side::Max));
        assert_eq!(
            profile_limit("vrp_structural").map(|l| l.strict),
            Some(true)
        );
        assert_eq!(profile_limit("iv_rank"), None);
        set_profile_limit(&mut t, "iv_percentile", 0.6).unwrap();
        set_profile_limit(&mut t, "liquidity_rating", 3.0).unwrap();
        set_profile_limit(&mut t, "slippage", 0.03).unwrap();
        assert_eq!(
            (t.iv_percentile_min, t.liquidity_rating_min, t.slippage_max),
            (0.6, 3, 0.03)
        );
        assert_eq!(profile_value(&t, "liquidity_rating"), Some(3.0));
        assert!(set_profile_limit(&mut t, "iv_percentile", 1.5).is_err());
        assert!(set_profile_limit(&mut t, "liquidity_rating", 3.5).is_err());
        assert!(set_profile_limit(&mut t, "liquidity_rating", 6.0).is_err());
        assert!(set_profile_limit(&mut t, "price", -1.0).is_err());
        assert!(set_profile_limit(&mut t, "iv_rank", 0.3).is_err());
        // Every profile limit names a real column and a real configuration key.
        for l in PROFILE_LIMITS {
            assert!(columns::find(l.filter).is_some(), "{}", l.filter);
            assert!(profile_value(&t, l.filter).is_some(), "{}", l.filter);
            assert!(crate::config::BUILTIN_TOML.contains(l.key), "{}", l.key);
        }
    }
}
