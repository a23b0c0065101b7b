//! The HV cone: where each window's current close-to-close HV stands against the HV of the same
//! window over the past year. Pure functions, no I/O.
//!
//! For a window of w returns: the close-to-close HV ([`super::hv::hv`]'s convention: sample
//! standard deviation of w log returns, ×√252) of every rolling window of w returns that **ends on
//! one of the past year's sessions** — the last [`YEAR_SESSIONS`] (252) closes, the most recent
//! included — and has its w returns (w + 1 closes) in the history. Of those values:
//! - `current` = the HV of the window ending on the latest close (bit for bit `hv::hv`'s HVw);
//! - `min`, `max`, and the quartiles `p25`, `median`, `p75` by **linear interpolation between
//!   order statistics** (Hyndman–Fan type 7, R's and numpy's default; [`quantile`]);
//! - `samples` = how many windows were used: 252 with a full history (252 + w closes, so the
//!   252-session window needs 504 closes), `closes − w` when shorter.
//!
//! A cone needs at least [`MIN_SAMPLES`] (20) windows, i.e. w + 20 closes; with fewer it is unknown
//! ([`ConeError::TooFewSamples`]). A window holding a close that is not a finite price > 0 (or
//! whose returns overflow) is left out of the sample; when that is the latest window, `current` is
//! unknown and so is the cone ([`ConeError::CurrentUnknown`]).
//!
//! Input: closes ascending ([`cone_row`]), or daily candles in any order ([`cone`]: sorted and
//! de-duplicated by candle time first, as [`super::hv::sessions`] does; broken closes kept in place
//! so that no window spans them).
//!
//! Test vectors: an independent Python implementation (`scripts/estimator-vectors.py`, cone block)
//! and the cone recomputed from `hv::hv` window by window (tests below).

use super::hv::{self, sample_variance, ANNUALISATION_DAYS};
use crate::candle::Candle;
use serde::Serialize;

/// Sessions in the cone's past year: windows ending on the last 252 closes are sampled.
pub const YEAR_SESSIONS: usize = 252;

/// The fewest rolling windows a cone is computed from.
pub const MIN_SAMPLES: usize = 20;

/// One window's cone; every volatility an annualised fraction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConeRow {
    /// Returns per rolling window (the HV window, e.g. 20).
    pub window: usize,
    /// HV of the latest window.
    pub current: f64,
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
    /// Rolling windows the statistics were taken over (at most 252).
    pub samples: usize,
}

/// Why a window's cone is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConeError {
    #[error("HV cone: a window needs at least 2 returns, not {window}")]
    BadWindow { window: usize },
    #[error("HV{window} cone needs {needed} rolling windows ({} closes), have {samples} ({closes} closes)", window + needed)]
    TooFewSamples {
        window: usize,
        samples: usize,
        needed: usize,
        closes: usize,
    },
    #[error("HV{window} cone: the latest window holds a close that is not a finite price > 0")]
    CurrentUnknown { window: usize },
}

impl ConeError {
    /// The window the error is about.
    pub fn window(&self) -> usize {
        match *self {
            ConeError::BadWindow { window }
            | ConeError::TooFewSamples { window, .. }
            | ConeError::CurrentUnknown { window } => window,
        }
    }
}

/// The cone of `candles` (any order) for each window of `windows` (for `detail`:
/// [`super::estimators::DETAIL_WINDOWS`]), in that order.
pub fn cone(candles: &[Candle], windows: &[usize]) -> Vec<Result<ConeRow, ConeError>> {
    let closes: Vec<f64> = hv::sessions(candles).iter().map(|c| c.close).collect();
    windows.iter().map(|&w| cone_row(&closes, w)).collect()
}

/// The cone of one window over ascending `closes` (one per session).
pub fn cone_row(closes: &[f64], window: usize) -> Result<ConeRow, ConeError> {
    if window < 2 {
        return Err(ConeError::BadWindow { window });
    }
    let n = closes.len();
    // Windows end on close index e, first_end ≤ e < n; each reads closes e − window ..= e.
    let first_end = n.saturating_sub(YEAR_SESSIONS).max(window);
    let too_few = |samples: usize| ConeError::TooFewSamples {
        window,
        samples,
        needed: MIN_SAMPLES,
        closes: n,
    };
    if first_end >= n {
        return Err(too_few(0));
    }
    let start = first_end - window;
    let is_price = |c: f64| c.is_finite() && c > 0.0;
    // returns[j] = ln(c[start+j+1] / c[start+j]), as hv::hv computes it; None beside a bad close.
    let returns: Vec<Option<f64>> = closes[start..]
        .windows(2)
        .map(|p| (is_price(p[0]) && is_price(p[1])).then(|| (p[1] / p[0]).ln()))
        .collect();
    // bad[j] = number of unusable returns among returns[..j].
    let mut bad = Vec::with_capacity(returns.len() + 1);
    bad.push(0usize);
    for r in &returns {
        bad.push(bad[bad.len() - 1] + usize::from(r.is_none()));
    }
    let hv_ending = |e: usize| -> Option<f64> {
        let (a, b) = (e - window - start, e - start); // returns[a..b]: the window's w returns
        if bad[b] != bad[a] {
            return None;
        }
        let var = sample_variance(returns[a..b].iter().flatten().copied())?;
        (var.is_finite() && var >= 0.0).then(|| (var * ANNUALISATION_DAYS).sqrt())
    };
    let current = hv_ending(n - 1).ok_or(ConeError::CurrentUnknown { window })?;
    let mut hvs: Vec<f64> = (first_end..n).filter_map(hv_ending).collect();
    if hvs.len() < MIN_SAMPLES {
        return Err(too_few(hvs.len()));
    }
    hvs.sort_by(f64::total_cmp);
    let q = |p: f64| quantile(&hvs, p).unwrap_or(current);
    Ok(ConeRow {
        window,
        current,
        min: hvs[0],
        p25: q(0.25),
        median: q(0.5),
        p75: q(0.75),
        max: hvs[hvs.len() - 1],
        samples: hvs.len(),
    })
}

/// The p-quantile of ascending `sorted` by linear interpolation between order statistics
/// (Hyndman–Fan type 7; R `quantile(type = 7)`, numpy's default, Python's
/// `statistics.quantiles(method="inclusive")`): with N values and h = (N − 1)·p,
/// Q(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]) (0-based). Q(0) is the minimum, Q(1) the
/// maximum. `None` when `sorted` is empty or p is not within [0, 1].
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let x = sorted[lo];
    match sorted.get(lo + 1) {
        Some(&y) => Some(x + (h - lo as f64) * (y - x)),
        None => Some(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `cone_closes()` of `scripts/estimator-vectors.py`: the same IEEE-754 operations in the same
    /// order, so the 300 closes are bit for bit Python's.
    fn cone_closes() -> Vec<f64> {
        (0..300u64)
            .map(|i| 100.0 + ((i * i * 7 + i * 13) % 29) as f64 * 0.1 + i as f64 * 0.05)
            .collect()
    }

    /// Printed by `python3 scripts/estimator-vectors.py` (cone block; Python 3.11.7,
    /// `statistics.variance` and `statistics.quantiles(method="inclusive")`), pasted unchanged:
    /// (window, samples, (current, min, p25, median, p75, max)).
    #[allow(clippy::type_complexity)]
    const PYTHON: [(usize, usize, Option<(f64, f64, f64, f64, f64, f64)>); 6] = [
        (
            10,
            252,
            Some((
                0.22664235938367294,
                0.18776200837185025,
                0.20836569701507376,
                0.23694900773585087,
                0.25858956576540426,
                0.3150639953167221,
            )),
        ),
        (
            20,
            252,
            Some((
                0.23355113514914944,
                0.18611008085533842,
                0.2247177651364722,
                0.23703296282853842,
                0.24651030351910158,
                0.2635711108710808,
            )),
        ),
        (
            60,
            240,
            Some((
                0.22320588900021252,
                0.2171647092758261,
                0.22571929365514926,
                0.231866980619777,
                0.23832816845631719,
                0.2486593800510751,
            )),
        ),
        (
            252,
            48,
            Some((
                0.22914507298209305,
                0.22709570231363188,
                0.22935242688390656,
                0.2305990704673595,
                0.23217346863908683,
                0.23315950613287068,
            )),
        ),
        (
            280,
            20,
            Some((
                0.23079860929000595,
                0.22917861773706638,
                0.22973851361110384,
                0.23061593285429338,
                0.23115468130670275,
                0.23159890720482348,
            )),
        ),
        (290, 10, None),
    ];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
    }

    #[test]
    fn python_vectors_agree_to_1e_9() {
        let c = cone_closes();
        for (w, samples, want) in PYTHON {
            let got = cone_row(&c, w);
            match want {
                Some((cur, min, p25, med, p75, max)) => {
                    let r = got.unwrap_or_else(|e| panic!("window {w}: {e}"));
                    assert_eq!(r.samples, samples, "window {w}");
                    assert_eq!(r.window, w);
                    let pairs = [
                        (r.current, cur),
                        (r.min, min),
                        (r.p25, p25),
                        (r.median, med),
                        (r.p75, p75),
                        (r.max, max),
                    ];
                    for (g, p) in pairs {
                        assert!(close(g, p), "window {w}: {r:?}");
                    }
                }
                None => assert_eq!(
                    got,
                    Err(ConeError::TooFewSamples {
                        window: w,
                        samples,
                        needed: 20,
                        closes: 300
                    })
                ),
            }
        }
        let e = cone_row(&c, 290).unwrap_err();
        assert_eq!(
            e.to_string(),
            "HV290 cone needs 20 rolling windows (310 closes), have 10 (300 closes)"
        );
    }

    /// The cone recomputed in the test from `hv::hv` over each window's closes, directly (47 is
    /// the longest window whose whole year of windows fits in 300 closes).
    #[test]
    fn cone_is_hv_of_each_rolling_window_of_the_past_year() {
        let c = cone_closes();
        for w in [10, 20, 30, 47] {
            let mut direct: Vec<f64> = (0..YEAR_SESSIONS)
                .map(|back| {
                    let end = c.len() - back; // exclusive: the window ends on close end − 1
                    hv::hv(&c[..end], w).unwrap_or(f64::NAN)
                })
                .collect();
            let latest = direct[0];
            direct.sort_by(f64::total_cmp);
            let r = cone_row(&c, w).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.current, latest, "bit for bit hv::hv");
            assert_eq!(r.current, hv::hv(&c, w).unwrap_or(f64::NAN));
            assert_eq!((r.min, r.max, r.samples), (direct[0], direct[251], 252));
            // 252 values: h = 251/4 = 62.75, 125.5, 188.25.
            let lin = |i: usize, f: f64| direct[i] + f * (direct[i + 1] - direct[i]);
            assert!(close(r.p25, lin(62, 0.75)) && close(r.median, lin(125, 0.5)));
            assert!(close(r.p75, lin(188, 0.25)));
        }
    }

    #[test]
    fn quantiles_are_type_7() {
        // numpy.quantile([1, 2, 3, 4], [0, .25, .5, .75, 1]) = 1, 1.75, 2.5, 3.25, 4.
        let x = [1.0, 2.0, 3.0, 4.0];
        let q: Vec<Option<f64>> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|&p| quantile(&x, p))
            .collect();
        assert_eq!(q, [Some(1.0), Some(1.75), Some(2.5), Some(3.25), Some(4.0)]);
        // Odd count: the median is the middle value; one value is every quantile.
        assert_eq!(quantile(&[1.0, 5.0, 9.0], 0.5), Some(5.0));
        assert_eq!(quantile(&[7.0], 0.25), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&x, 1.5), None);
        assert_eq!(quantile(&x, f64::NAN), None);
    }

    #[test]
    fn fewer_than_a_year_uses_the_windows_that_exist_down_to_20() {
        let c = cone_closes();
        let r = cone_row(&c[..50], 30).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.samples, 20);
        assert_eq!(
            cone_row(&c[..49], 30),
            Err(ConeError::TooFewSamples {
                window: 30,
                samples: 19,
                needed: 20,
                closes: 49
            })
        );
        assert!(matches!(
            cone_row(&c[..5], 10),
            Err(ConeError::TooFewSamples { samples: 0, .. })
        ));
        assert_eq!(cone_row(&c, 1), Err(ConeError::BadWindow { window: 1 }));
    }

    #[test]
    fn windows_holding_a_bad_close_are_left_out() {
        let mut c = cone_closes();
        // Returns 199→200 and 200→201 are unusable: the windows of 10 ending on closes
        // 200..=210 hold close 200, so 11 of the year's 252 windows are left out.
        c[200] = f64::NAN;
        let r = cone_row(&c, 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.samples, 252 - 11);
        c[299] = 0.0;
        assert_eq!(
            cone_row(&c, 10),
            Err(ConeError::CurrentUnknown { window: 10 })
        );
        // From candles: unordered and duplicated input gives the cone of the sorted closes.
        let good = cone_closes();
        let mut candles: Vec<Candle> = good
            .iter()
            .enumerate()
            .map(|(i, &p)| Candle {
                time: i as i64 * 86_400_000,
                open: p,
                high: p,
                low: p,
                close: p,
                volume: 0.0,
            })
            .collect();
        candles.reverse();
        candles.push(candles[40]);
        let rows = cone(&candles, &[10, 290]);
        assert_eq!(rows[0], cone_row(&good, 10));
        assert_eq!(rows[1].as_ref().map_err(ConeError::window), Err(290));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// min ≤ p25 ≤ median ≤ p75 ≤ max, and the current HV within [min, max].
        #[test]
        fn statistics_are_ordered(steps in prop::collection::vec(-0.06f64..0.06, 25..320), w in 2usize..40) {
            let mut p = 50.0f64;
            let closes: Vec<f64> = steps.iter().map(|r| { p *= r.exp(); p }).collect();
            if let Ok(r) = cone_row(&closes, w) {
                prop_assert!(r.min <= r.p25 && r.p25 <= r.median && r.median <= r.p75 && r.p75 <= r.max, "{:?}", r);
                prop_assert!(r.min <= r.current && r.current <= r.max, "{:?}", r);
                prop_assert_eq!(r.samples, (closes.len() - w).min(YEAR_SESSIONS));
            } else {
                prop_assert!(closes.len() < w + MIN_SAMPLES);
            }
        }
    }
}
