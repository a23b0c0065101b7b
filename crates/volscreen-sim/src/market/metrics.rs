//! The volatility statistics behind `/market-metrics`: close-to-close historical volatility from
//! the served candles, IV rank and percentile from the IV history, and the per-expiration IV term
//! structure.
//!
//! Definitions (the integration tests recompute them independently):
//! - HV_n: log returns of the last n+1 closes, sample standard deviation (n−1), × √252;
//!   `None` with fewer than n+1 closes.
//! - IV rank over a window of the last `w` sessions (today included): (iv − min) / (max − min),
//!   0 when max = min. tos flavour: 252 sessions; tw flavour: 126 sessions.
//! - IV percentile: the fraction of the other sessions of the one-year history (today excluded)
//!   whose IV is strictly below today's; 0 when there is no other session.

use super::path::Series;
use volscreen_core::date::Date;

/// Window of the tos IV rank (and of the IV percentile): one year of sessions.
pub const RANK_WINDOW_TOS: usize = 252;
/// Window of the tw IV rank: half a year of sessions.
pub const RANK_WINDOW_TW: usize = 126;

/// Close-to-close historical volatility over the last `n` returns.
pub fn hv(closes: &[f64], n: usize) -> Option<f64> {
    if n < 2 || closes.len() < n + 1 {
        return None;
    }
    let tail = &closes[closes.len() - n - 1..];
    let rets: Vec<f64> = tail.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = rets.iter().sum::<f64>() / n as f64;
    let var = rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let v = (var * 252.0).sqrt();
    v.is_finite().then_some(v)
}

/// IV rank of the last value over the last `window` values.
pub fn iv_rank(history: &[f64], window: usize) -> f64 {
    let Some(&cur) = history.last() else {
        return 0.0;
    };
    let w = &history[history.len().saturating_sub(window)..];
    let (lo, hi) = w
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if hi - lo <= 0.0 {
        0.0
    } else {
        ((cur - lo) / (hi - lo)).clamp(0.0, 1.0)
    }
}

/// IV percentile of the last value among the earlier values of the history.
pub fn iv_percentile(history: &[f64]) -> f64 {
    let Some((&cur, rest)) = history.split_last() else {
        return 0.0;
    };
    if rest.is_empty() {
        return 0.0;
    }
    rest.iter().filter(|v| **v < cur).count() as f64 / rest.len() as f64
}

/// The model IV of an expiration: today's 30-day IV (without earnings) reverting towards the
/// long-run level beyond 30 days (and slightly more extreme before), plus the variance of an
/// earnings move that falls before expiry. At 30 days this is the IV index.
pub fn term_iv(series: &Series, as_of: Date, expiration: Date, earnings: Option<Date>) -> f64 {
    let t = super::options::years_to(as_of, expiration);
    let w = (-(t - 30.0 / 365.0) / 0.3).exp().min(1.3);
    let base = series.iv_long_run + (series.iv_ex_earnings - series.iv_long_run) * w;
    let mut var = base * base;
    if let Some(e) = earnings {
        if e <= expiration && series.earnings_move > 0.0 {
            var += (1.1 * series.earnings_move).powi(2) / t.max(1.0 / 365.0);
        }
    }
    var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hv_test_vector() {
        let closes = [
            15.0, 14.75, 14.5, 14.875, 15.0, 15.125, 15.1875, 15.3125, 15.5, 15.75, 16.0,
        ];
        let v = hv(&closes, 10).expect("hv");
        assert!((v - 0.2172).abs() < 0.0001, "{v}");
        assert_eq!(hv(&closes, 11), None);
    }

    #[test]
    fn rank_and_percentile() {
        let h = [0.2, 0.3, 0.25, 0.4, 0.3];
        assert!((iv_rank(&h, 252) - 0.5).abs() < 1e-12);
        assert!((iv_rank(&h, 2) - 0.0).abs() < 1e-12);
        assert!((iv_percentile(&h) - 0.5).abs() < 1e-12);
        assert_eq!(iv_percentile(&[0.3]), 0.0);
        assert_eq!(iv_rank(&[], 10), 0.0);
    }
}
