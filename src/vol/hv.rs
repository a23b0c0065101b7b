//! Close-to-close historical volatility.
//!
//! Convention (product.md): take the last n+1 daily closes (candles sorted ascending by time and
//! de-duplicated by candle time first), form n log returns ln(Cᵢ/Cᵢ₋₁), take their **sample**
//! standard deviation (divisor n−1) and annualise with √252. HVn needs n+1 closes; with fewer the
//! value is unknown and the reason says how many closes there were.
//!
//! Also the shared pieces of the other estimators ([`super::estimators`], [`super::cone`]): the
//! session order ([`sessions`]) and the sample variance.

use crate::candle::Candle;
use std::borrow::Cow;

/// Trading days per year used to annualise.
pub const ANNUALISATION_DAYS: f64 = 252.0;

/// The HV windows volscreen reports.
pub const WINDOWS: [usize; 4] = [20, 30, 90, 252];

/// Why an HV value is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HvError {
    #[error("HV{window} needs {needed} closes, have {have}")]
    ShortHistory {
        window: usize,
        needed: usize,
        have: usize,
    },
    #[error("HV{window}: non-positive or non-finite close in the window")]
    BadClose { window: usize },
    #[error("HV{window}: the closes are too far apart to compute (a return overflows)")]
    Overflow { window: usize },
}

/// Closes of `candles` in ascending time order, one per candle time (the last one seen wins),
/// dropping non-finite closes.
pub fn closes(candles: &[Candle]) -> Vec<f64> {
    if is_ascending(candles) {
        return candles
            .iter()
            .filter(|c| c.close.is_finite())
            .map(|c| c.close)
            .collect();
    }
    one_per_time(
        candles
            .iter()
            .filter(|c| c.close.is_finite())
            .map(|c| (c.time, c.close))
            .collect(),
    )
}

/// The sessions of `candles`: ascending by time, one candle per candle time (the last one seen
/// wins), exactly as [`closes`] orders them, but every candle kept whatever its values (the
/// range-based estimators in [`super::estimators`] judge each session themselves). Borrowed when
/// the input is already strictly ascending.
pub fn sessions(candles: &[Candle]) -> Cow<'_, [Candle]> {
    if is_ascending(candles) {
        return Cow::Borrowed(candles);
    }
    Cow::Owned(one_per_time(candles.iter().map(|c| (c.time, *c)).collect()))
}

/// Whether candle times strictly increase (then there is nothing to sort or de-duplicate).
fn is_ascending(candles: &[Candle]) -> bool {
    candles.windows(2).all(|w| w[0].time < w[1].time)
}

/// Values in ascending time order, one per time: the last one seen of each time wins.
fn one_per_time<T>(mut v: Vec<(i64, T)>) -> Vec<T> {
    // Stable sort keeps arrival order among equal times; keep the last of each time.
    v.sort_by_key(|(t, _)| *t);
    let mut out: Vec<(i64, T)> = Vec::with_capacity(v.len());
    for (t, x) in v {
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 = x,
            _ => out.push((t, x)),
        }
    }
    out.into_iter().map(|(_, x)| x).collect()
}

/// Sample variance (divisor n−1) of `xs` by Welford's algorithm (one pass, numerically stable),
/// with n the number of values; `None` for fewer than 2. Not annualised. Shared by [`hv`], the
/// HV cone and Yang–Zhang so that they agree to the last bit. Non-finite inputs give a
/// non-finite result, which callers turn into an error.
pub(crate) fn sample_variance(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    for x in xs {
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
    }
    (n >= 2).then(|| m2 / (n - 1) as f64)
}

/// HV over the last `window` returns of ascending `closes`.
pub fn hv(closes: &[f64], window: usize) -> Result<f64, HvError> {
    let needed = window + 1;
    if window < 2 || closes.len() < needed {
        return Err(HvError::ShortHistory {
            window,
            needed,
            have: closes.len(),
        });
    }
    let tail = &closes[closes.len() - needed..];
    if tail.iter().any(|c| !c.is_finite() || *c <= 0.0) {
        return Err(HvError::BadClose { window });
    }
    // Welford's algorithm over the log returns: one pass, numerically stable.
    let var = sample_variance(tail.windows(2).map(|w| (w[1] / w[0]).ln()));
    match var {
        Some(v) if v.is_finite() && v >= 0.0 => Ok((v * ANNUALISATION_DAYS).sqrt()),
        // Closes so far apart that a ratio overflows (1e300 after 1e-300): no number, not NaN.
        _ => Err(HvError::Overflow { window }),
    }
}

/// HV20, HV30, HV90 and HV252 of a candle series.
#[derive(Debug, Clone, PartialEq)]
pub struct HvSet {
    pub hv20: Result<f64, HvError>,
    pub hv30: Result<f64, HvError>,
    pub hv90: Result<f64, HvError>,
    pub hv252: Result<f64, HvError>,
}

impl HvSet {
    /// Compute every window from candles (sorted and de-duplicated first).
    pub fn from_candles(candles: &[Candle]) -> HvSet {
        let c = closes(candles);
        HvSet {
            hv20: hv(&c, 20),
            hv30: hv(&c, 30),
            hv90: hv(&c, 90),
            hv252: hv(&c, 252),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candles(closes: &[f64]) -> Vec<Candle> {
        closes
            .iter()
            .enumerate()
            .map(|(i, &c)| Candle {
                time: i as i64 * 86_400_000,
                open: c,
                high: c,
                low: c,
                close: c,
                volume: 0.0,
            })
            .collect()
    }

    /// product.md's worked example: 11 closes, 10 returns, HV10 = 0.2172.
    const PRODUCT_VECTOR: [f64; 11] = [
        15.0, 14.75, 14.5, 14.875, 15.0, 15.125, 15.1875, 15.3125, 15.5, 15.75, 16.0,
    ];

    #[test]
    fn product_md_worked_example() {
        let v = hv(&PRODUCT_VECTOR, 10).unwrap();
        assert!((v - 0.2172).abs() < 1e-4, "{v}");
    }

    /// Independent vector 1, computed by hand: closes alternating ×1.01 and ÷1.01 give returns
    /// ±ln(1.01) = ±0.00995033; for 20 returns (10 up, 10 down) the mean is 0 and the sample
    /// variance is 20·0.00995033²/19, so HV20 = 0.00995033·√(20/19)·√252 = 0.162060.
    #[test]
    fn alternating_returns_by_hand() {
        let mut c = vec![100.0];
        for i in 0..20 {
            let last = *c.last().unwrap();
            c.push(if i % 2 == 0 { last * 1.01 } else { last / 1.01 });
        }
        let v = hv(&c, 20).unwrap();
        let expected = 1.01f64.ln() * (20.0f64 / 19.0).sqrt() * 252f64.sqrt();
        assert!((expected - 0.162060).abs() < 1e-6, "{expected}");
        assert!((v - 0.162060).abs() < 1e-6, "{v}");
    }

    /// Independent vector 2, from a different tool (Python 3.11 `statistics.stdev` over
    /// `math.log` returns, ×√252) for the closes below:
    /// `python3 -c "import math,statistics as s;c=[100,102,101,103,104,102,105,107,106,108,110,109,111,
    ///  112,110,113,115,114,116,118,117,119,120,118,121,123,122,124,125,123,126];
    ///  r=[math.log(b/a) for a,b in zip(c,c[1:])];print(s.stdev(r)*math.sqrt(252))"` → 0.24493251226855642
    #[test]
    fn python_statistics_vector() {
        let c = [
            100.0, 102.0, 101.0, 103.0, 104.0, 102.0, 105.0, 107.0, 106.0, 108.0, 110.0, 109.0,
            111.0, 112.0, 110.0, 113.0, 115.0, 114.0, 116.0, 118.0, 117.0, 119.0, 120.0, 118.0,
            121.0, 123.0, 122.0, 124.0, 125.0, 123.0, 126.0,
        ];
        let v = hv(&c, 30).unwrap();
        assert!((v - PYTHON_HV30).abs() < 1e-9, "{v}");
        // HV20 uses only the last 21 closes.
        let v20 = hv(&c, 20).unwrap();
        assert!((v20 - hv(&c[10..], 20).unwrap()).abs() < 1e-15);
    }

    const PYTHON_HV30: f64 = 0.244_932_512_268_556_42;

    #[test]
    fn short_history_is_unknown_with_a_reason() {
        let e = hv(&PRODUCT_VECTOR, 20).unwrap_err();
        assert_eq!(
            e,
            HvError::ShortHistory {
                window: 20,
                needed: 21,
                have: 11
            }
        );
        assert_eq!(e.to_string(), "HV20 needs 21 closes, have 11");
        let set = HvSet::from_candles(&candles(&PRODUCT_VECTOR));
        assert!(set.hv20.is_err() && set.hv252.is_err());
        assert!(matches!(
            hv(&[1.0, 0.0, 1.0], 2),
            Err(HvError::BadClose { .. })
        ));
    }

    #[test]
    fn candles_are_sorted_and_deduplicated_first() {
        let mut cs = candles(&PRODUCT_VECTOR);
        cs.reverse(); // newest first, as a DXLink snapshot arrives
        let dup = cs[3];
        cs.push(dup);
        assert_eq!(closes(&cs), PRODUCT_VECTOR.to_vec());
        let c = closes(&cs);
        assert!((hv(&c, 10).unwrap() - 0.2172).abs() < 1e-4);
        // `sessions` orders the same way and keeps the last candle of a repeated time whatever
        // its values; sorted input is borrowed as is.
        let mut later = cs[0];
        later.close = f64::NAN;
        cs.push(later);
        let s = sessions(&cs);
        assert_eq!(s.len(), PRODUCT_VECTOR.len());
        assert!(s.windows(2).all(|w| w[0].time < w[1].time));
        assert!(s[s.len() - 1].close.is_nan());
        assert!(matches!(
            sessions(&candles(&PRODUCT_VECTOR)),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn overflowing_returns_are_unknown_not_nan() {
        assert_eq!(
            hv(&[1e-300, 1e300, 1e-300], 2),
            Err(HvError::Overflow { window: 2 })
        );
    }
}
