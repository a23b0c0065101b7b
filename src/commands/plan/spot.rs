//! Screening on the spot: `--sort FIELD[:asc|:desc]`, `--min NAME=VALUE`, `--max NAME=VALUE`,
//! `--exclude SYMS` and `--exclude-class CLASS`, checked into what the scan takes (a
//! [`SortKey`], the profile's [`Thresholds`] moved or extended, [`Exclusions`]). Each problem is a
//! [`SpotError`]: one line naming the flag and the value, exit 2.
//!
//! Conventions (docs/configuration.md, "Screening on the spot"):
//! - NAME and FIELD are the JSON field names ([`columns`]; `-` may stand for `_`, any case).
//! - `--sort FIELD` ranks highest first, `FIELD:asc` lowest first (`FIELD:desc` is the default).
//! - VALUE is in the JSON's units (fractions); `30%` means 0.30.
//! - A bound on the side a profile filter bounds moves that threshold (`--min iv_percentile=0.6`,
//!   `--max slippage=0.03`); any other bound is a filter of its own, `min_NAME`/`max_NAME`, also
//!   against the direction of a profile filter (`--max iv_percentile=0.9` keeps the profile's
//!   minimum and adds a maximum). The same flag twice on one NAME, or a maximum below the minimum
//!   of the same field (nothing could pass), is an error. `score` takes no bound (it is computed
//!   after the filters).

use crate::config::{ExtraFilter, Thresholds};
use crate::screen::bounds::{self, Side};
use crate::screen::columns::{self, Column, SCORE};
use crate::screen::exclude::Exclusions;
use crate::screen::rank::SortKey;
use crate::symbol::AssetClass;
use crate::vol::estimators::Estimator;

/// A problem with one of these flags.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpotError {
    #[error("--sort {value:?}: unknown field {field:?} (numeric fields: {known})")]
    UnknownSortField {
        value: String,
        field: String,
        known: String,
    },
    #[error(
        "--sort {value:?}: the direction must be asc or desc (FIELD, FIELD:asc or FIELD:desc)"
    )]
    SortDirection { value: String },
    #[error("{flag} {value:?}: expected NAME=VALUE, e.g. {flag} iv_rank=0.3")]
    Syntax { flag: &'static str, value: String },
    #[error("{flag} {value:?}: unknown field {field:?} (numeric fields: {known})")]
    UnknownField {
        flag: &'static str,
        value: String,
        field: String,
        known: String,
    },
    #[error(
        "{flag} {value:?}: the score takes no threshold (it ranks candidates after the filters); use --sort score and --top K"
    )]
    Score { flag: &'static str, value: String },
    #[error("{flag} {value:?}: {number:?} is not a finite number (a fraction like 0.3, or 30%)")]
    Number {
        flag: &'static str,
        value: String,
        number: String,
    },
    #[error("{flag} {value:?}: {field} {why}")]
    Range {
        flag: &'static str,
        value: String,
        field: String,
        why: &'static str,
    },
    #[error("{flag} {field} is given twice ({first:?} and {second:?})")]
    Duplicate {
        flag: &'static str,
        field: String,
        first: String,
        second: String,
    },
    #[error("{max} is below {min}: no symbol could pass")]
    Contradiction { min: String, max: String },
    #[error("--exclude {value:?}: {text:?} is not a symbol ({why})")]
    BadSymbol {
        value: String,
        text: String,
        why: &'static str,
    },
    #[error("--exclude-class {value:?}: unknown class {class:?} (equity, etf, index, future)")]
    UnknownClass { value: String, class: String },
    #[error("{flag} {value:?}: nothing named")]
    Empty { flag: &'static str, value: String },
    #[error(
        "--exclude/--exclude-class leave nothing to scan: every symbol of {watchlist} is excluded"
    )]
    AllExcluded { watchlist: String },
    #[error("--estimators {value:?}: unknown estimator (parkinson, garman_klass, rogers_satchell, yang_zhang or all{hint})")]
    UnknownEstimator { value: String, hint: &'static str },
}

/// A field name as typed: trimmed, lower case, `-` for `_`.
fn field_name(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('-', "_")
}

/// The columns that take a bound (every numeric column but the score), for messages.
fn bound_names() -> String {
    let names: Vec<&str> = columns::all()
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| *n != SCORE)
        .collect();
    names.join(", ")
}

/// `--sort FIELD`, `FIELD:asc` or `FIELD:desc`.
pub fn parse_sort(raw: &str) -> Result<SortKey, SpotError> {
    let (field, dir) = match raw.rsplit_once(':') {
        Some((f, d)) => (f, Some(d.trim().to_ascii_lowercase())),
        None => (raw, None),
    };
    let descending = match dir.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(SpotError::SortDirection {
                value: raw.to_string(),
            })
        }
    };
    let name = field_name(field);
    let column = columns::find(&name).ok_or_else(|| SpotError::UnknownSortField {
        value: raw.to_string(),
        field: name.clone(),
        known: columns::names(),
    })?;
    Ok(SortKey {
        field: column.name.as_str(),
        descending,
    })
}

/// `--estimators NAMES` (clap splits the commas), plus the estimator columns that `sort` and the
/// bounds in `t` name (`--sort hv30_yang_zhang` needs Yang–Zhang computed) → the estimators whose
/// `hv30_NAME` columns the scan fills and shows, each once, in [`columns::ESTIMATORS`] order. A
/// name is an [`Estimator::name`] (`-` for `_`, any case), its field `hv30_NAME`, or `all`.
pub fn parse_estimators(
    raw: &[String],
    sort: Option<&SortKey>,
    t: &Thresholds,
) -> Result<Vec<Estimator>, SpotError> {
    let mut wanted: Vec<Estimator> = Vec::new();
    for value in raw {
        let name = field_name(value);
        if name.is_empty() {
            return Err(SpotError::Empty {
                flag: "--estimators",
                value: value.clone(),
            });
        }
        if name == "all" {
            wanted.extend(columns::ESTIMATORS.iter().map(|(e, _)| *e));
            continue;
        }
        let e = Estimator::from_name(&name)
            .or_else(|| columns::estimator_of_field(&name))
            .filter(|e| columns::estimator_field(*e).is_some())
            .ok_or_else(|| SpotError::UnknownEstimator {
                value: value.clone(),
                hint: if name == Estimator::CloseToClose.name() {
                    "; close to close is hv30, always there"
                } else {
                    ""
                },
            })?;
        wanted.push(e);
    }
    let named = sort
        .map(|s| s.field)
        .into_iter()
        .chain(t.extra.iter().map(|x| x.field));
    wanted.extend(named.filter_map(columns::estimator_of_field));
    Ok(columns::ESTIMATORS
        .iter()
        .map(|(e, _)| *e)
        .filter(|e| wanted.contains(e))
        .collect())
}

/// A number in the JSON's units, or a percentage (`30%` is 0.30); finite.
pub fn parse_value(s: &str) -> Option<f64> {
    let s = s.trim();
    let (digits, scale) = match s.strip_suffix('%') {
        Some(d) => (d.trim_end(), 100.0),
        None => (s, 1.0),
    };
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v / scale)
}

/// One `--min`/`--max NAME=VALUE`, parsed.
#[derive(Debug, Clone, PartialEq)]
struct Bound {
    side: Side,
    column: &'static Column,
    value: f64,
    /// As typed, for messages.
    raw: String,
}

impl Bound {
    fn shown(&self) -> String {
        format!("{} {}", self.side.flag(), self.raw)
    }
}

fn parse_bound(side: Side, raw: &str) -> Result<Bound, SpotError> {
    let flag = side.flag();
    let value = raw.to_string();
    let syntax = || SpotError::Syntax {
        flag,
        value: value.clone(),
    };
    let (name, number) = raw.split_once('=').ok_or_else(syntax)?;
    let name = field_name(name);
    if name.is_empty() || number.trim().is_empty() {
        return Err(syntax());
    }
    if name == SCORE {
        return Err(SpotError::Score { flag, value });
    }
    let column = columns::find(&name).ok_or_else(|| SpotError::UnknownField {
        flag,
        value: value.clone(),
        field: name.clone(),
        known: bound_names(),
    })?;
    let v = parse_value(number).ok_or_else(|| SpotError::Number {
        flag,
        value: value.clone(),
        number: number.trim().to_string(),
    })?;
    Ok(Bound {
        side,
        column,
        value: v,
        raw: value,
    })
}

/// Apply `--min` and `--max` to the profile's thresholds `t` (see the module's conventions).
pub fn apply_bounds(t: &mut Thresholds, mins: &[String], maxs: &[String]) -> Result<(), SpotError> {
    let mut given: Vec<Bound> = Vec::new();
    for (side, list) in [(Side::Min, mins), (Side::Max, maxs)] {
        for raw in list {
            let b = parse_bound(side, raw)?;
            if let Some(first) = given
                .iter()
                .find(|g| g.side == side && g.column == b.column)
            {
                return Err(SpotError::Duplicate {
                    flag: side.flag(),
                    field: b.column.name.clone(),
                    first: first.raw.clone(),
                    second: b.raw,
                });
            }
            given.push(b);
        }
    }
    for b in &given {
        let field = b.column.name.as_str();
        match bounds::profile_limit(field) {
            Some(l) if l.side == b.side => {
                bounds::set_profile_limit(t, field, b.value).map_err(|why| SpotError::Range {
                    flag: b.side.flag(),
                    value: b.raw.clone(),
                    field: field.to_string(),
                    why,
                })?
            }
            _ => t.extra.push(ExtraFilter {
                name: match b.side {
                    Side::Min => b.column.min_filter.as_str(),
                    Side::Max => b.column.max_filter.as_str(),
                },
                field,
                is_max: b.side == Side::Max,
                limit: b.value,
            }),
        }
    }
    for b in &given {
        check_range(t, &given, b.column)?;
    }
    Ok(())
}

/// The minimum and the maximum now set on `column` (by a flag or by the profile) leave room for a
/// value: the maximum is not below the minimum (nor equal to a strict one).
fn check_range(t: &Thresholds, given: &[Bound], column: &Column) -> Result<(), SpotError> {
    let field = column.name.as_str();
    let flag = |side: Side| given.iter().find(|g| g.side == side && g.column == column);
    let profile = bounds::profile_limit(field);
    let from_profile = |side: Side| {
        profile.filter(|l| l.side == side).and_then(|l| {
            bounds::profile_value(t, field).map(|v| {
                let text = format!("the profile's {} {}", l.key, show(v));
                (v, l.strict, text)
            })
        })
    };
    let side = |s: Side| match flag(s) {
        // A flag on the profile's own side moved the profile's threshold (same strictness).
        Some(b) => Some((
            b.value,
            profile.is_some_and(|l| l.side == s && l.strict),
            b.shown(),
        )),
        None => from_profile(s),
    };
    match (side(Side::Min), side(Side::Max)) {
        (Some((lo, strict, min)), Some((hi, _, max))) if hi < lo || (strict && hi <= lo) => {
            Err(SpotError::Contradiction { min, max })
        }
        _ => Ok(()),
    }
}

/// A threshold as a person would type it.
fn show(v: f64) -> String {
    let text = format!("{v:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `--exclude` (comma lists of symbols, normalised like the watchlist) and `--exclude-class`.
pub fn parse_exclusions(symbols: &[String], classes: &[String]) -> Result<Exclusions, SpotError> {
    let mut x = Exclusions::default();
    for raw in symbols {
        let mut named = false;
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            named = true;
            let s = crate::watchlist::normalize(item).map_err(|why| SpotError::BadSymbol {
                value: raw.clone(),
                text: item.to_string(),
                why,
            })?;
            x.symbols.insert(s);
        }
        if !named {
            return Err(SpotError::Empty {
                flag: "--exclude",
                value: raw.clone(),
            });
        }
    }
    for raw in classes {
        let mut named = false;
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            named = true;
            let class = match item.to_ascii_lowercase().as_str() {
                "equity" | "equities" => AssetClass::Equity,
                "etf" | "etfs" => AssetClass::Etf,
                "index" | "indices" | "indexes" => AssetClass::Index,
                "future" | "futures" => AssetClass::Future,
                _ => {
                    return Err(SpotError::UnknownClass {
                        value: raw.clone(),
                        class: item.to_string(),
                    })
                }
            };
            if !x.classes.contains(&class) {
                x.classes.push(class);
            }
        }
        if !named {
            return Err(SpotError::Empty {
                flag: "--exclude-class",
                value: raw.clone(),
            });
        }
    }
    Ok(x)
}

/// The stderr line about excluded symbols: how many, and the first ten of them.
pub fn excluded_notice(excluded: &[String]) -> String {
    const SHOWN: usize = 10;
    let n = excluded.len();
    let mut list = excluded[..n.min(SHOWN)].join(", ");
    if n > SHOWN {
        list.push_str(&format!(
            " and {} more (--json lists them in meta.excluded)",
            n - SHOWN
        ));
    }
    let s = if n == 1 { "" } else { "s" };
    format!("excluded {n} symbol{s} from the scan (--exclude, --exclude-class): {list}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn balanced() -> Thresholds {
        Config::builtin().profile("balanced").unwrap()
    }

    fn strs(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn bounds_of(mins: &[&str], maxs: &[&str]) -> Result<Thresholds, SpotError> {
        let mut t = balanced();
        apply_bounds(&mut t, &strs(mins), &strs(maxs)).map(|()| t)
    }

    #[test]
    fn sort_keys() {
        assert_eq!(
            parse_sort("iv_rank").unwrap(),
            SortKey {
                field: "iv_rank",
                descending: true
            }
        );
        assert_eq!(
            parse_sort("IV-Rank:asc").unwrap(),
            SortKey {
                field: "iv_rank",
                descending: false
            }
        );
        assert!(parse_sort("slippage:DESC").unwrap().descending);
        assert_eq!(parse_sort("score").unwrap(), SortKey::default());
        let e = parse_sort("ivr").unwrap_err().to_string();
        assert!(e.starts_with("--sort \"ivr\": unknown field"), "{e}");
        assert!(
            e.contains("iv_rank") && e.contains("slippage") && e.contains("score"),
            "{e}"
        );
        for bad in ["symbol", "earnings_date", "rank", ""] {
            assert!(
                matches!(parse_sort(bad), Err(SpotError::UnknownSortField { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_sort("iv:up"),
            Err(SpotError::SortDirection { .. })
        ));
    }

    #[test]
    fn estimators_by_name_field_or_all_and_implied_by_sort_and_bounds() {
        use Estimator::*;
        let t = balanced();
        let est = |xs: &[&str]| parse_estimators(&strs(xs), None, &t);
        assert_eq!(est(&[]).unwrap(), []);
        assert_eq!(
            est(&["yang_zhang", "Parkinson"]).unwrap(),
            [Parkinson, YangZhang],
            "report order, whatever the order typed"
        );
        assert_eq!(
            est(&["all"]).unwrap(),
            [Parkinson, GarmanKlass, RogersSatchell, YangZhang]
        );
        assert_eq!(
            est(&["garman-klass", "hv30_rogers_satchell", "garman_klass"]).unwrap(),
            [GarmanKlass, RogersSatchell]
        );
        for bad in ["gk", "close_to_close", "hv30", ""] {
            let e = est(&[bad]).unwrap_err();
            assert!(e.to_string().starts_with("--estimators "), "{e}");
        }
        assert!(est(&["close_to_close"])
            .unwrap_err()
            .to_string()
            .contains("hv30"));
        // --sort and --min/--max on an estimator column ask for it.
        let sort = parse_sort("hv30_yang_zhang:asc").unwrap();
        assert_eq!(parse_estimators(&[], Some(&sort), &t).unwrap(), [YangZhang]);
        let bounded = bounds_of(&["hv30_parkinson=0.1"], &["hv30-garman-klass=90%"]).unwrap();
        assert_eq!(
            parse_estimators(&strs(&["yang_zhang"]), None, &bounded).unwrap(),
            [Parkinson, GarmanKlass, YangZhang]
        );
        let plain = parse_sort("hv30").unwrap();
        assert_eq!(parse_estimators(&[], Some(&plain), &t).unwrap(), []);
    }

    #[test]
    fn values_are_fractions_or_percents() {
        assert_eq!(parse_value("0.3"), Some(0.3));
        assert_eq!(parse_value(" 30% "), Some(0.3));
        assert_eq!(parse_value("12.5 %"), Some(0.125));
        assert_eq!(parse_value("-0.05"), Some(-0.05));
        assert_eq!(parse_value("4"), Some(4.0));
        for bad in [
            "",
            "%",
            "abc",
            "NaN",
            "inf",
            "-inf",
            "1e999",
            "0.3%%",
            "30 percent",
        ] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn bounds_move_the_profile_or_add_filters() {
        let t = bounds_of(
            &["iv_percentile=0.6", "iv_rank=30%", "liquidity_rating=3"],
            &["slippage=0.03", "iv_percentile=0.9", "hv30=0.8"],
        )
        .unwrap();
        assert_eq!(t.iv_percentile_min, 0.6);
        assert_eq!(t.liquidity_rating_min, 3);
        assert_eq!(t.slippage_max, 0.03);
        let extra: Vec<(&str, &str, bool, f64)> = t
            .extra
            .iter()
            .map(|x| (x.name, x.field, x.is_max, x.limit))
            .collect();
        assert_eq!(
            extra,
            vec![
                ("min_iv_rank", "iv_rank", false, 0.3),
                ("max_iv_percentile", "iv_percentile", true, 0.9),
                ("max_hv30", "hv30", true, 0.8),
            ]
        );
        // Everything else keeps the profile's value.
        let b = balanced();
        assert_eq!(
            (t.vrp_structural_min, t.price_min, t.vtr_min),
            (b.vrp_structural_min, b.price_min, b.vtr_min)
        );
        assert_eq!(bounds_of(&[], &[]).unwrap(), b);
        // Against the direction of a profile filter: a filter of its own.
        let t = bounds_of(&["slippage=0.001"], &[]).unwrap();
        assert_eq!(t.extra[0].name, "min_slippage");
        assert_eq!(t.slippage_max, b.slippage_max);
    }

    #[test]
    fn bad_bounds_name_the_flag_and_value() {
        let err = |mins: &[&str], maxs: &[&str]| bounds_of(mins, maxs).unwrap_err();
        let e = err(&["ivrank=0.3"], &[]);
        assert!(matches!(e, SpotError::UnknownField { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.starts_with("--min \"ivrank=0.3\": unknown field \"ivrank\""),
            "{text}"
        );
        assert!(
            text.contains("iv_rank") && !text.contains("score"),
            "{text}"
        );
        for bad in ["iv_rank", "iv_rank=", "=0.3", "iv_rank:0.3"] {
            assert!(
                matches!(err(&[bad], &[]), SpotError::Syntax { flag: "--min", .. }),
                "{bad}"
            );
        }
        assert!(matches!(
            err(&[], &["iv_rank=abc"]),
            SpotError::Number { flag: "--max", .. }
        ));
        assert!(matches!(err(&["score=50"], &[]), SpotError::Score { .. }));
        assert!(matches!(
            err(&["symbol=1"], &[]),
            SpotError::UnknownField { .. }
        ));
        let e = err(&["iv_percentile=1.5"], &[]).to_string();
        assert_eq!(
            e,
            "--min \"iv_percentile=1.5\": iv_percentile must be a fraction within 0..=1 (0%..=100%)"
        );
        assert!(matches!(
            err(&["liquidity_rating=3.5"], &[]),
            SpotError::Range { .. }
        ));
        assert!(matches!(err(&["price=-1"], &[]), SpotError::Range { .. }));
        let e = err(&["iv_rank=0.3", "iv-rank=0.4"], &[]);
        assert!(
            matches!(e, SpotError::Duplicate { flag: "--min", .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("iv_rank is given twice"), "{e}");
        // A maximum below the minimum of the same field: nothing could pass.
        let e = err(&["iv_rank=0.5"], &["iv_rank=0.3"]).to_string();
        assert_eq!(
            e,
            "--max iv_rank=0.3 is below --min iv_rank=0.5: no symbol could pass"
        );
        let e = err(&[], &["iv_percentile=0.4"]).to_string();
        assert_eq!(
            e,
            "--max iv_percentile=0.4 is below the profile's iv_percentile_min 0.5: no symbol could pass"
        );
        assert!(
            matches!(
                err(&[], &["vrp_structural=1.1"]),
                SpotError::Contradiction { .. }
            ),
            "vrp_structural > 1.10 and <= 1.10: strict"
        );
        assert!(matches!(
            err(&["slippage=0.06"], &[]),
            SpotError::Contradiction { .. }
        ));
        assert!(
            bounds_of(&["iv_rank=0.3"], &["iv_rank=0.3"]).is_ok(),
            "min = max is a value"
        );
        assert!(bounds_of(&["iv_percentile=0.3"], &["iv_percentile=0.4"]).is_ok());
    }

    #[test]
    fn the_exclusion_notice_counts_and_lists() {
        assert_eq!(
            excluded_notice(&strs(&["TSLA"])),
            "excluded 1 symbol from the scan (--exclude, --exclude-class): TSLA"
        );
        let many: Vec<String> = (0..12).map(|i| format!("S{i}")).collect();
        let text = excluded_notice(&many);
        assert!(text.starts_with("excluded 12 symbols"), "{text}");
        assert!(
            text.contains("S9 and 2 more") && !text.contains("S10"),
            "{text}"
        );
    }

    #[test]
    fn exclusions_are_normalised_like_the_watchlist() {
        let x = parse_exclusions(
            &strs(&["brk.b, tsla", "/ESZ6"]),
            &strs(&["future,ETF", "etf"]),
        )
        .unwrap();
        assert_eq!(x.symbols, ["/ES", "BRK/B", "TSLA"].map(String::from).into());
        assert_eq!(x.classes, vec![AssetClass::Future, AssetClass::Etf]);
        let e = parse_exclusions(&strs(&["AAPL,no way"]), &[]).unwrap_err();
        assert!(matches!(e, SpotError::BadSymbol { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("--exclude \"AAPL,no way\": \"no way\""),
            "{e}"
        );
        let e = parse_exclusions(&[], &strs(&["bond"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--exclude-class \"bond\": unknown class \"bond\" (equity, etf, index, future)"
        );
        assert!(matches!(
            parse_exclusions(&strs(&[" , "]), &[]),
            Err(SpotError::Empty { .. })
        ));
        assert!(parse_exclusions(&[], &[]).unwrap().is_empty());
    }
}
