//! Historical volatility estimators over daily OHLC sessions: close-to-close (the screen's HV, from
//! [`super::hv`]), Parkinson, Garman–Klass, Rogers–Satchell and Yang–Zhang, one window or a whole
//! table (estimator × window). Pure functions, no I/O.
//!
//! Conventions (product.md "More commands"; `docs/metrics.md`). Window n = the last n sessions;
//! Oᵢ, Hᵢ, Lᵢ, Cᵢ of session i; C₀ the close of the session before the window; every sum over
//! i = 1..n; every variance daily, annualised as σ = √(252·σ²); sample variances with divisor n−1:
//!
//! | estimator | daily variance σ² | sessions needed |
//! |---|---|---|
//! | `close_to_close` | sample variance of ln(Cᵢ/Cᵢ₋₁) | n + 1 |
//! | `parkinson` | Σ ln(Hᵢ/Lᵢ)² / (4 n ln 2) | n |
//! | `garman_klass` | (1/n) Σ [½ ln(Hᵢ/Lᵢ)² − (2 ln 2 − 1) ln(Cᵢ/Oᵢ)²] | n |
//! | `rogers_satchell` | (1/n) Σ [ln(Hᵢ/Cᵢ) ln(Hᵢ/Oᵢ) + ln(Lᵢ/Cᵢ) ln(Lᵢ/Oᵢ)] | n |
//! | `yang_zhang` | σ²_o + k σ²_c + (1 − k) σ²_RS, k = 0.34 / (1.34 + (n+1)/(n−1)) | n + 1 |
//!
//! (Yang–Zhang: σ²_o the sample variance of the overnight returns ln(Oᵢ/Cᵢ₋₁), σ²_c that of the
//! open-to-close returns ln(Cᵢ/Oᵢ), σ²_RS the Rogers–Satchell mean above.)
//!
//! Input: daily candles in any order; they are sorted ascending and de-duplicated by candle time
//! first (the last one received wins), exactly as the screen's HV does ([`super::hv::sessions`]).
//!
//! Every value is a [`Result`]: unknown is an [`EstimatorError`] saying why, never 0 and never NaN.
//! - a window below 2 sessions, or fewer sessions than needed: unknown;
//! - a **broken session** in the window makes the four range estimators unknown for every window
//!   that holds it: an O, H, L or C that is not finite or not > 0, H < L, H < max(O, C) or
//!   L > min(O, C) (the error names the newest such session and its fault). Close-to-close reads
//!   only closes, so only a close that is not finite or not > 0 makes it unknown; Yang–Zhang reads
//!   only the close of the session before its window (C₀), so only that close is checked there;
//! - **negative or non-finite variance**: on sessions that pass the checks above neither can
//!   happen (each Garman–Klass term is ≥ (½ − (2 ln 2 − 1)) ln(Hᵢ/Lᵢ)² ≥ 0 since |ln(Cᵢ/Oᵢ)| ≤
//!   ln(Hᵢ/Lᵢ), and both Rogers–Satchell products are ≥ 0 since Hᵢ ≥ Oᵢ, Cᵢ ≥ Lᵢ), except
//!   when prices so far apart that a ratio overflows; such a window is unknown
//!   ([`EstimatorError::Degenerate`]), never NaN.
//! - A window of constant prices gives exactly 0 (Parkinson of sessions with H = L is 0): that is
//!   the arithmetic, returned as `Ok(0.0)`. Whether 0 is plausible is the caller's rule
//!   (`plausible::hv` turns an HV of exactly 0 into `null` with a warning: stale data).
//!
//! Tests (`src/vol/estimators/tests.rs`): values from an independent Python implementation
//! (`scripts/estimator-vectors.py`), one vector per estimator worked out by hand, and properties.

use super::hv::{self, sample_variance, ANNUALISATION_DAYS};
use crate::candle::Candle;
use crate::date::Date;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::f64::consts::LN_2;
use std::fmt;

/// The windows (sessions) `volscreen detail` reports every estimator over.
pub const DETAIL_WINDOWS: [usize; 7] = [10, 20, 30, 60, 90, 120, 252];

/// A volatility estimator. Its stable name ([`Estimator::name`], also its serde form) is the JSON
/// key of `detail`'s `hv` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    CloseToClose,
    Parkinson,
    GarmanKlass,
    RogersSatchell,
    YangZhang,
}

impl Estimator {
    /// Every estimator, in report order.
    pub const ALL: [Estimator; 5] = [
        Estimator::CloseToClose,
        Estimator::Parkinson,
        Estimator::GarmanKlass,
        Estimator::RogersSatchell,
        Estimator::YangZhang,
    ];

    /// The stable snake_case name: `close_to_close`, `parkinson`, `garman_klass`,
    /// `rogers_satchell`, `yang_zhang`.
    pub const fn name(self) -> &'static str {
        match self {
            Estimator::CloseToClose => "close_to_close",
            Estimator::Parkinson => "parkinson",
            Estimator::GarmanKlass => "garman_klass",
            Estimator::RogersSatchell => "rogers_satchell",
            Estimator::YangZhang => "yang_zhang",
        }
    }

    /// The estimator named `name` (exactly as [`Estimator::name`] spells it).
    pub fn from_name(name: &str) -> Option<Estimator> {
        Estimator::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Sessions a window of `window` sessions needs: n + 1 for close-to-close and Yang–Zhang (the
    /// close before the window), n for the others.
    pub const fn sessions_needed(self, window: usize) -> usize {
        match self {
            Estimator::CloseToClose | Estimator::YangZhang => window + 1,
            _ => window,
        }
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with one session's prices.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum SessionFault {
    #[error("{field} {value} is not a finite price > 0")]
    NotPositive { field: &'static str, value: f64 },
    #[error("high {high} is below low {low}")]
    HighBelowLow { high: f64, low: f64 },
    #[error("high {high} is below max(open, close) {body}")]
    HighBelowBody { high: f64, body: f64 },
    #[error("low {low} is above min(open, close) {body}")]
    LowAboveBody { low: f64, body: f64 },
}

impl SessionFault {
    /// The first fault of `c` for the range estimators, checked in this order: a price not finite
    /// or not > 0 (open, high, low, close), H < L, H < max(O, C), L > min(O, C).
    pub fn of(c: &Candle) -> Option<SessionFault> {
        let fields = [
            ("open", c.open),
            ("high", c.high),
            ("low", c.low),
            ("close", c.close),
        ];
        if let Some(&(field, value)) = fields.iter().find(|(_, v)| !is_price(*v)) {
            return Some(SessionFault::NotPositive { field, value });
        }
        let (high, low) = (c.high, c.low);
        if high < low {
            return Some(SessionFault::HighBelowLow { high, low });
        }
        let body = c.open.max(c.close);
        if high < body {
            return Some(SessionFault::HighBelowBody { high, body });
        }
        let body = c.open.min(c.close);
        if low > body {
            return Some(SessionFault::LowAboveBody { low, body });
        }
        None
    }
}

fn is_price(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Why an estimator's value over a window is unknown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimatorError {
    #[error("{estimator}: a window needs at least 2 sessions, not {window}")]
    BadWindow { estimator: Estimator, window: usize },
    #[error("{estimator} over {window} sessions needs {needed} sessions, have {have}")]
    ShortHistory {
        estimator: Estimator,
        window: usize,
        needed: usize,
        have: usize,
    },
    #[error("{estimator} over {window} sessions: the session of {date}: {fault}")]
    BadSession {
        estimator: Estimator,
        window: usize,
        /// The session's date (UTC day of its candle time); the newest broken one in the window.
        date: Date,
        fault: SessionFault,
    },
    #[error("{estimator} over {window} sessions: the variance is negative or not finite (prices too far apart)")]
    Degenerate { estimator: Estimator, window: usize },
}

/// Daily candles prepared once (sorted ascending, one per candle time, each session judged) for
/// any number of estimates.
#[derive(Debug, Clone)]
pub struct Sessions<'a> {
    candles: Cow<'a, [Candle]>,
    faults: Vec<Option<SessionFault>>,
}

impl<'a> Sessions<'a> {
    /// Sort and de-duplicate `candles` as [`super::hv::sessions`] does (borrowed when already
    /// strictly ascending) and judge every session with [`SessionFault::of`].
    pub fn new(candles: &'a [Candle]) -> Sessions<'a> {
        let candles = hv::sessions(candles);
        let faults = candles.iter().map(SessionFault::of).collect();
        Sessions { candles, faults }
    }

    /// The sessions, ascending, one per candle time.
    pub fn candles(&self) -> &[Candle] {
        &self.candles
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.candles.len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.candles.is_empty()
    }

    /// `estimator` over the last `window` sessions, annualised (a fraction: 0.25 = 25 %).
    pub fn estimate(&self, estimator: Estimator, window: usize) -> Result<f64, EstimatorError> {
        if window < 2 {
            return Err(EstimatorError::BadWindow { estimator, window });
        }
        let have = self.candles.len();
        let needed = estimator.sessions_needed(window);
        if have < needed {
            return Err(EstimatorError::ShortHistory {
                estimator,
                window,
                needed,
                have,
            });
        }
        let bad = |k: usize, fault: SessionFault| EstimatorError::BadSession {
            estimator,
            window,
            date: Date::from_epoch_ms(self.candles[k].time),
            fault,
        };
        let not_positive_close = |k: usize| {
            let value = self.candles[k].close;
            (!is_price(value)).then(|| {
                bad(
                    k,
                    SessionFault::NotPositive {
                        field: "close",
                        value,
                    },
                )
            })
        };
        let first = have - window;
        if estimator == Estimator::CloseToClose {
            if let Some(e) = (first - 1..have).rev().find_map(not_positive_close) {
                return Err(e);
            }
            let closes: Vec<f64> = self.candles[first - 1..].iter().map(|c| c.close).collect();
            return hv::hv(&closes, window)
                .map_err(|_| EstimatorError::Degenerate { estimator, window });
        }
        if let Some(e) = (first..have)
            .rev()
            .find_map(|k| self.faults[k].map(|fault| bad(k, fault)))
        {
            return Err(e);
        }
        let s = &self.candles[first..];
        let variance = match estimator {
            Estimator::Parkinson => Some(parkinson(s)),
            Estimator::GarmanKlass => Some(garman_klass(s)),
            Estimator::RogersSatchell => Some(rogers_satchell(s)),
            Estimator::YangZhang => {
                if let Some(e) = not_positive_close(first - 1) {
                    return Err(e);
                }
                yang_zhang(self.candles[first - 1].close, s)
            }
            Estimator::CloseToClose => None,
        };
        match variance {
            // `+ 0.0` turns a −0.0 (a sum of 0 × negative products) into 0.0.
            Some(v) if v.is_finite() && v >= 0.0 => Ok((v * ANNUALISATION_DAYS).sqrt() + 0.0),
            _ => Err(EstimatorError::Degenerate { estimator, window }),
        }
    }

    /// Every estimator ([`Estimator::ALL`]) over every window of `windows` (in that order).
    pub fn table(&self, windows: &[usize]) -> EstimatorTable {
        let cells = Estimator::ALL
            .iter()
            .flat_map(|&e| windows.iter().map(move |&w| (e, w)))
            .map(|(e, w)| self.estimate(e, w))
            .collect();
        EstimatorTable {
            windows: windows.to_vec(),
            cells,
        }
    }
}

/// `estimator` over the last `window` sessions of `candles` (any order; sorted and de-duplicated
/// first). For several estimates of one history, build [`Sessions`] once.
pub fn estimate(
    candles: &[Candle],
    estimator: Estimator,
    window: usize,
) -> Result<f64, EstimatorError> {
    Sessions::new(candles).estimate(estimator, window)
}

/// Every estimator over every window of `windows` (for `detail`: [`DETAIL_WINDOWS`]).
pub fn table(candles: &[Candle], windows: &[usize]) -> EstimatorTable {
    Sessions::new(candles).table(windows)
}

/// Daily Parkinson variance of sessions that passed [`SessionFault::of`].
fn parkinson(s: &[Candle]) -> f64 {
    let sum: f64 = s.iter().map(|c| (c.high / c.low).ln().powi(2)).sum();
    sum / (4.0 * s.len() as f64 * LN_2)
}

/// Daily Garman–Klass variance.
fn garman_klass(s: &[Candle]) -> f64 {
    let k = 2.0 * LN_2 - 1.0;
    let sum: f64 = s
        .iter()
        .map(|c| 0.5 * (c.high / c.low).ln().powi(2) - k * (c.close / c.open).ln().powi(2))
        .sum();
    sum / s.len() as f64
}

/// Daily Rogers–Satchell variance.
fn rogers_satchell(s: &[Candle]) -> f64 {
    let sum: f64 = s
        .iter()
        .map(|c| {
            (c.high / c.close).ln() * (c.high / c.open).ln()
                + (c.low / c.close).ln() * (c.low / c.open).ln()
        })
        .sum();
    sum / s.len() as f64
}

/// Daily Yang–Zhang variance of the window `s` after the close `c0`; `None` below 2 sessions.
fn yang_zhang(c0: f64, s: &[Candle]) -> Option<f64> {
    let before = std::iter::once(c0).chain(s.iter().map(|c| c.close));
    let overnight = sample_variance(before.zip(s).map(|(prev, c)| (c.open / prev).ln()))?;
    let intraday = sample_variance(s.iter().map(|c| (c.close / c.open).ln()))?;
    let n = s.len() as f64;
    let k = 0.34 / (1.34 + (n + 1.0) / (n - 1.0));
    Some(overnight + k * intraday + (1.0 - k) * rogers_satchell(s))
}

/// Every estimator over a set of windows. Serialises as `detail`'s `hv` object:
/// `{"close_to_close": {"10": 0.21, "20": null, ...}, "parkinson": {...}, ...}`, estimators in
/// [`Estimator::ALL`] order, windows in the order given, unknown as `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimatorTable {
    windows: Vec<usize>,
    /// Row-major: estimator (in `Estimator::ALL` order) × window.
    cells: Vec<Result<f64, EstimatorError>>,
}

impl EstimatorTable {
    /// The windows, in the order given.
    pub fn windows(&self) -> &[usize] {
        &self.windows
    }

    /// The value or the reason it is unknown; `None` for a window not in the table.
    pub fn get(&self, estimator: Estimator, window: usize) -> Option<&Result<f64, EstimatorError>> {
        let row = Estimator::ALL.iter().position(|&e| e == estimator)?;
        let col = self.windows.iter().position(|&w| w == window)?;
        self.cells.get(row * self.windows.len() + col)
    }

    /// The value; `None` when unknown (or the window is not in the table).
    pub fn value(&self, estimator: Estimator, window: usize) -> Option<f64> {
        self.get(estimator, window)?.as_ref().ok().copied()
    }

    /// Every cell: `(estimator, window, value or reason)`, estimator-major.
    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (Estimator, usize, &Result<f64, EstimatorError>)> + '_ {
        Estimator::ALL
            .iter()
            .flat_map(move |&e| self.windows.iter().map(move |&w| (e, w)))
            .zip(&self.cells)
            .map(|((e, w), r)| (e, w, r))
    }
}

impl Serialize for EstimatorTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Row<'t>(&'t EstimatorTable, Estimator);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut m = serializer.serialize_map(Some(self.0.windows.len()))?;
                for &w in &self.0.windows {
                    m.serialize_entry(&w.to_string(), &self.0.value(self.1, w))?;
                }
                m.end()
            }
        }
        let mut m = serializer.serialize_map(Some(Estimator::ALL.len()))?;
        for e in Estimator::ALL {
            m.serialize_entry(e.name(), &Row(self, e))?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests;
