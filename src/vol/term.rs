//! The IV term structure of one underlying: the metrics' per-expiration IVs
//! (`option-expiration-implied-volatilities`, decoded as `tastytrade::ExpirationIv`) as points
//! sorted by days to expiration, with their slope and shape. Pure functions, no I/O.
//!
//! - **Points**: `(expiration, dte, iv)` with dte in calendar days from the as-of date and iv a
//!   fraction. A point is used only when its IV is a fraction in (0, 5] (as the IV index's
//!   plausibility rule: a percent `25` sent where `0.25` belongs is refused) and it has not expired
//!   (dte ≥ 0); the others are listed in `dropped` with the reason. Points are sorted by dte, then
//!   expiration; several expirations on one day (AM and PM settlement) are all kept.
//! - **Slope** (`term_slope`): the ordinary least-squares slope of IV against time to expiration
//!   in years, t = dte / 365, over the points with [`MIN_SLOPE_DTE`] ≤ dte ≤ [`MAX_SLOPE_DTE`]
//!   (7..=365: the last week's IVs swing with a single day's news, beyond a year quotes are thin):
//!   slope = Σ (tᵢ − t̄)(ivᵢ − iv̄) / Σ (tᵢ − t̄)², in IV (fraction) per year. For example 0.20 at
//!   73 DTE and 0.22 at 146 DTE give (0.02)/(0.2 year) = 0.10 per year. It needs at least two
//!   such points at different dte; otherwise it is unknown ([`TermError`]).
//! - **Shape** (`term_shape`): `contango` when slope ≥ [`FLAT_SLOPE`] (0.02 per year: IV 2 points
//!   higher a year out), `backwardation` when slope ≤ −0.02, `flat` in between (|slope| < 0.02);
//!   unknown when the slope is.

use crate::date::Date;
use serde::Serialize;

/// The shortest expiration the slope uses (days to expiration).
pub const MIN_SLOPE_DTE: i64 = 7;
/// The longest expiration the slope uses (days to expiration).
pub const MAX_SLOPE_DTE: i64 = 365;
/// |slope| below this (IV fraction per year) is `flat`.
pub const FLAT_SLOPE: f64 = 0.02;
/// The largest plausible IV (500 %), as for the IV index.
pub const MAX_IV: f64 = 5.0;
/// Days per year of the slope's time axis (calendar days, as dte).
pub const DAYS_PER_YEAR: f64 = 365.0;

/// One expiration's IV. Serialises as `{"expiration": "2026-12-18", "dte": 28, "iv": 0.31}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TermPoint {
    pub expiration: Date,
    /// Calendar days from the as-of date to the expiration.
    pub dte: i64,
    /// Implied volatility, a fraction.
    pub iv: f64,
}

/// The shape of the curve, from the sign of its slope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermShape {
    /// Longer expirations carry higher IV (slope ≥ 0.02 per year): the usual calm market.
    Contango,
    /// Nearer expirations carry higher IV (slope ≤ −0.02 per year): stress or an event ahead.
    Backwardation,
    /// |slope| < 0.02 per year.
    Flat,
}

impl TermShape {
    /// The shape of `slope` (IV fraction per year).
    pub fn of(slope: f64) -> TermShape {
        if slope >= FLAT_SLOPE {
            TermShape::Contango
        } else if slope <= -FLAT_SLOPE {
            TermShape::Backwardation
        } else {
            TermShape::Flat
        }
    }

    /// `contango`, `backwardation` or `flat`.
    pub const fn name(self) -> &'static str {
        match self {
            TermShape::Contango => "contango",
            TermShape::Backwardation => "backwardation",
            TermShape::Flat => "flat",
        }
    }
}

/// An input point that is not used, and why.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum TermDrop {
    #[error("IV {iv} of the {expiration} expiration is not a fraction in (0, 5]")]
    Iv { expiration: Date, iv: f64 },
    #[error("the {expiration} expiration has passed ({dte} DTE)")]
    Expired { expiration: Date, dte: i64 },
}

/// Why the slope is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    #[error("term slope needs IVs of 2 expirations 7 to 365 days out at different DTEs, have {points} at {dtes} DTE(s)")]
    TooFewPoints { points: usize, dtes: usize },
}

/// The term structure built by [`term_structure`].
#[derive(Debug, Clone, PartialEq)]
pub struct TermStructure {
    /// The usable points, sorted by dte, then expiration.
    pub points: Vec<TermPoint>,
    /// Input points not used, in input order.
    pub dropped: Vec<TermDrop>,
    /// Least-squares slope of IV per year (module docs), or why it is unknown.
    pub slope: Result<f64, TermError>,
}

impl TermStructure {
    /// The shape of the slope; `None` when the slope is unknown.
    pub fn shape(&self) -> Option<TermShape> {
        self.slope.as_ref().ok().map(|&s| TermShape::of(s))
    }
}

/// Build the term structure from `(expiration, dte, iv)` points in any order.
pub fn term_structure(input: &[(Date, i64, f64)]) -> TermStructure {
    let mut points = Vec::with_capacity(input.len());
    let mut dropped = Vec::new();
    for &(expiration, dte, iv) in input {
        if !(iv.is_finite() && iv > 0.0 && iv <= MAX_IV) {
            dropped.push(TermDrop::Iv { expiration, iv });
        } else if dte < 0 {
            dropped.push(TermDrop::Expired { expiration, dte });
        } else {
            points.push(TermPoint {
                expiration,
                dte,
                iv,
            });
        }
    }
    points.sort_by_key(|p| (p.dte, p.expiration));
    let slope = slope(&points);
    TermStructure {
        points,
        dropped,
        slope,
    }
}

/// The least-squares slope (IV fraction per year) over the points of `points` with
/// 7 ≤ dte ≤ 365 (module docs). The points need not be sorted; they are taken as plausible.
pub fn slope(points: &[TermPoint]) -> Result<f64, TermError> {
    let used: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| (MIN_SLOPE_DTE..=MAX_SLOPE_DTE).contains(&p.dte))
        .map(|p| (p.dte as f64 / DAYS_PER_YEAR, p.iv))
        .collect();
    let mut dtes: Vec<i64> = points
        .iter()
        .map(|p| p.dte)
        .filter(|d| (MIN_SLOPE_DTE..=MAX_SLOPE_DTE).contains(d))
        .collect();
    dtes.sort_unstable();
    dtes.dedup();
    let too_few = TermError::TooFewPoints {
        points: used.len(),
        dtes: dtes.len(),
    };
    if dtes.len() < 2 {
        return Err(too_few);
    }
    let n = used.len() as f64;
    let t_mean = used.iter().map(|(t, _)| t).sum::<f64>() / n;
    let iv_mean = used.iter().map(|(_, v)| v).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in &used {
        sxy += (t - t_mean) * (v - iv_mean);
        sxx += (t - t_mean) * (t - t_mean);
    }
    let s = sxy / sxx;
    // Two distinct dte within 7..=365 keep sxx > 0; the check is for the arithmetic's sake.
    if s.is_finite() {
        Ok(s)
    } else {
        Err(too_few)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> Date {
        Date::from_ymd(2026, 11, 20).unwrap_or_else(|| panic!("valid date"))
    }

    fn pts(v: &[(i64, f64)]) -> Vec<(Date, i64, f64)> {
        v.iter()
            .map(|&(dte, iv)| (as_of().add_days(dte as i32), dte, iv))
            .collect()
    }

    /// By hand: t = 73/365 = 0.2, 146/365 = 0.4, 219/365 = 0.6 years; IV 0.20, 0.22, 0.24; t̄ = 0.4,
    /// iv̄ = 0.22; Σ(t − t̄)(iv − iv̄) = (−0.2)(−0.02) + 0 + (0.2)(0.02) = 0.008;
    /// Σ(t − t̄)² = 0.04 + 0 + 0.04 = 0.08; slope = 0.1 per year → contango. The points outside
    /// 7..=365 DTE (3 DTE at 0.90, 400 DTE at 0.10) do not move it.
    #[test]
    fn slope_by_hand_and_outside_points_ignored() {
        let t = term_structure(&pts(&[
            (219, 0.24),
            (3, 0.90),
            (73, 0.20),
            (400, 0.10),
            (146, 0.22),
        ]));
        let s = t.slope.unwrap_or(f64::NAN);
        assert!((s - 0.1).abs() < 1e-12, "{s}");
        assert_eq!(t.shape(), Some(TermShape::Contango));
        let dtes: Vec<i64> = t.points.iter().map(|p| p.dte).collect();
        assert_eq!(dtes, [3, 73, 146, 219, 400], "sorted by dte, all kept");
        assert!(t.dropped.is_empty());
    }

    #[test]
    fn an_upward_curve_is_contango_a_downward_one_backwardation() {
        let up = term_structure(&pts(&[
            (10, 0.18),
            (38, 0.20),
            (66, 0.21),
            (157, 0.23),
            (248, 0.24),
        ]));
        assert!(up.slope.unwrap_or(f64::NAN) > FLAT_SLOPE);
        assert_eq!(up.shape(), Some(TermShape::Contango));
        let down = term_structure(&pts(&[(10, 0.65), (38, 0.52), (66, 0.47), (157, 0.41)]));
        assert!(down.slope.unwrap_or(f64::NAN) < -FLAT_SLOPE);
        assert_eq!(down.shape(), Some(TermShape::Backwardation));
        // 0.25 → 0.251 over a year: slope 0.001 per year, within ±0.02.
        let flat = term_structure(&pts(&[(30, 0.25), (365, 0.25 + 0.001 * 335.0 / 365.0)]));
        assert!((flat.slope.unwrap_or(f64::NAN) - 0.001).abs() < 1e-12);
        assert_eq!(flat.shape(), Some(TermShape::Flat));
        assert_eq!(TermShape::of(0.02), TermShape::Contango);
        assert_eq!(TermShape::of(-0.02), TermShape::Backwardation);
        assert_eq!(TermShape::of(0.0199), TermShape::Flat);
    }

    /// The recorded `/market-metrics` response (`tests/fixtures/tastytrade/market-metrics-AAPL-TSLA.json`,
    /// updated 2023-06-07): AAPL's three weekly IVs fall with time to expiration. 2 DTE is outside
    /// the slope's range; 9 and 16 DTE give (0.23260259 − 0.253236223) / (7/365) = −1.0759 per
    /// year: backwardation.
    #[test]
    fn recorded_aapl_weeklies_are_backwardation() {
        let d = |s: &str| s.parse::<Date>().unwrap_or_else(|e| panic!("{e}"));
        let as_of = d("2023-06-07");
        let input: Vec<(Date, i64, f64)> = [
            ("2023-06-09", 0.288187496),
            ("2023-06-16", 0.253236223),
            ("2023-06-23", 0.23260259),
        ]
        .iter()
        .map(|&(e, iv)| (d(e), d(e).days_since(as_of) as i64, iv))
        .collect();
        let t = term_structure(&input);
        let dtes: Vec<i64> = t.points.iter().map(|p| p.dte).collect();
        assert_eq!(dtes, [2, 9, 16]);
        let want = (0.23260259 - 0.253236223) / (7.0 / 365.0);
        assert!((t.slope.unwrap_or(f64::NAN) - want).abs() < 1e-12);
        assert!((want + 1.0759).abs() < 1e-4, "{want}");
        assert_eq!(t.shape(), Some(TermShape::Backwardation));
    }

    #[test]
    fn implausible_and_expired_points_are_dropped_with_a_reason() {
        let mut input = pts(&[
            (30, 0.25),
            (60, 25.0),
            (90, 0.0),
            (120, f64::NAN),
            (150, -0.1),
        ]);
        input.push((as_of().add_days(-2), -2, 0.3));
        let t = term_structure(&input);
        assert_eq!(t.points.len(), 1);
        assert_eq!(t.dropped.len(), 5);
        assert_eq!(
            t.dropped[0].to_string(),
            format!(
                "IV 25 of the {} expiration is not a fraction in (0, 5]",
                as_of().add_days(60)
            )
        );
        assert!(matches!(t.dropped[4], TermDrop::Expired { dte: -2, .. }));
        assert_eq!(t.slope, Err(TermError::TooFewPoints { points: 1, dtes: 1 }));
        assert_eq!(t.shape(), None);
    }

    #[test]
    fn two_points_are_needed_at_different_dtes() {
        assert_eq!(
            term_structure(&[]).slope,
            Err(TermError::TooFewPoints { points: 0, dtes: 0 })
        );
        // AM and PM expirations on the same day: two points, one DTE, no slope.
        let t = term_structure(&pts(&[(30, 0.25), (30, 0.26), (400, 0.3)]));
        assert_eq!(t.points.len(), 3);
        let e = t.slope.unwrap_err();
        assert_eq!(e, TermError::TooFewPoints { points: 2, dtes: 1 });
        assert_eq!(
            e.to_string(),
            "term slope needs IVs of 2 expirations 7 to 365 days out at different DTEs, have 2 at 1 DTE(s)"
        );
        // The edges 7 and 365 count.
        let t = term_structure(&pts(&[(7, 0.30), (365, 0.20)]));
        assert!(t.slope.is_ok());
    }

    #[test]
    fn serialises_as_detail_wants() {
        let t = term_structure(&pts(&[(28, 0.31)]));
        let json = serde_json::to_string(&t.points).unwrap_or_default();
        assert_eq!(json, r#"[{"expiration":"2026-12-18","dte":28,"iv":0.31}]"#);
        let shapes: Vec<String> = [
            TermShape::Contango,
            TermShape::Backwardation,
            TermShape::Flat,
        ]
        .iter()
        .map(|s| serde_json::to_string(s).unwrap_or_default())
        .collect();
        assert_eq!(shapes, [r#""contango""#, r#""backwardation""#, r#""flat""#]);
        assert_eq!(TermShape::Flat.name(), "flat");
    }
}
