//! Price and volatility paths: the stochastic-volatility process that produces a symbol's daily
//! candles and its daily IV index, from a fixed origin forward over NYSE trading days.
//!
//! The process (per trading day, dt = 1/252):
//! - a three-state volatility regime (calm ×0.75, normal ×1, stressed ×1.7; Markov switching,
//!   entered quickly and left slowly);
//! - a mean-reverting log-volatility factor (half-life ≈ 23 sessions) whose shocks are negatively
//!   correlated with returns (the leverage effect);
//! - fat-tailed returns (a scale mixture of normals), rare jumps, and an earnings jump on each
//!   equity's reaction day;
//! - an IV premium over the latent volatility, per symbol and slowly varying in time, plus the
//!   earnings variance priced into the 30-day IV ahead of a report.
//!
//! Because the path starts at [`origin`] and draws from one random stream per symbol, a later
//! as-of date only appends candles: the overlapping history is identical. The VIX is not a path
//! of its own but the S&P 500's IV index ([`vix_from`]).

use super::universe::PathSpec;
use crate::rng::{seed_of, splitmix64, Rng};
use std::sync::Arc;
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;

/// Candles served: about three years of sessions.
pub const HISTORY_DAYS: usize = 756;
/// IV history kept: one year of sessions.
pub const IV_DAYS: usize = 252;

const DT: f64 = 1.0 / 252.0;
/// Daily pull of the log price towards its trend line (half-life of about a year).
const PULL: f64 = 0.003;

/// First session of every path.
pub fn origin() -> Date {
    Date::from_ymd(2015, 1, 2).unwrap_or(Date::from_days(16_437))
}

/// Date at which each symbol's close equals its profile's anchor price.
pub fn anchor() -> Date {
    Date::from_ymd(2026, 1, 2).unwrap_or(Date::from_days(20_455))
}

/// One generated series, truncated at the as-of session.
#[derive(Debug, Clone)]
pub struct Series {
    pub candles: Arc<[Candle]>,
    /// The IV index of every served session (aligned with `candles`).
    pub iv_window: Vec<f64>,
    /// Today's IV without the earnings component (the base of the term structure).
    pub iv_ex_earnings: f64,
    /// The long-run IV level the term structure reverts to.
    pub iv_long_run: f64,
    /// Standard deviation of the earnings move (fraction), 0 when the symbol has none.
    pub earnings_move: f64,
}

impl Series {
    pub fn empty(spec: &PathSpec) -> Series {
        Series {
            candles: Arc::from(Vec::new()),
            iv_window: Vec::new(),
            iv_ex_earnings: spec.theta * spec.premium,
            iv_long_run: spec.theta * spec.premium,
            earnings_move: 0.0,
        }
    }

    pub fn last_close(&self) -> Option<f64> {
        self.candles.last().map(|c| c.close)
    }

    /// The IV index of the last (up to) [`IV_DAYS`] sessions: the one-year IV history.
    pub fn iv(&self) -> &[f64] {
        &self.iv_window[self.iv_window.len().saturating_sub(IV_DAYS)..]
    }
}

/// Regime multipliers and daily switching probabilities.
const REGIME_MULT: [f64; 3] = [0.75, 1.0, 1.7];

fn next_regime(state: usize, u: f64) -> usize {
    match state {
        0 if u < 1.0 / 150.0 => 1,
        1 if u < 1.0 / 220.0 => 0,
        1 if u < 1.0 / 220.0 + 1.0 / 300.0 => 2,
        2 if u < 1.0 / 35.0 => 1,
        s => s,
    }
}

fn round_to(x: f64, tick: f64) -> f64 {
    if tick > 0.0 {
        let r = (x / tick).round() * tick;
        // Trim binary noise (0.1 + 0.2) so that prices print cleanly.
        (r * 1e8).round() / 1e8
    } else {
        x
    }
}

/// Raw values of one generated session before scaling.
#[derive(Clone, Copy)]
struct Raw {
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    iv: f64,
}

/// Generate a series over `days` (every session from [`origin`], ascending, extending at least
/// to the anchor date), served up to and including `days[last]`. `reactions` are the earnings
/// reaction sessions, ascending.
pub fn generate(spec: &PathSpec, days: &[Date], last: Option<usize>, reactions: &[Date]) -> Series {
    let Some(last) = last else {
        return Series::empty(spec);
    };
    let anchor_idx = days
        .partition_point(|d| *d < anchor())
        .min(days.len().saturating_sub(1));
    let end = last.max(anchor_idx);
    let listing_idx = spec
        .listing
        .map(|l| days.partition_point(|d| *d < l))
        .unwrap_or(0);
    let start = (last + 1).saturating_sub(HISTORY_DAYS).max(listing_idx);
    if start > last {
        return Series::empty(spec);
    }

    let mut rng = Rng::for_key(&spec.key, "path");
    let cosmetic = seed_of(&spec.key, "cosmetic");
    let sq = DT.sqrt();
    let theta = spec.theta;
    // Log-volatility factor: x' = (1-k) x + xi * shock; stationary sd = xi / sqrt(2k - k^2).
    let k: f64 = 0.03;
    let xi: f64 = 0.06;
    let x_sd = xi / (2.0 * k - k * k).sqrt();
    let mut x = 0.0f64;
    let mut regime = 1usize;
    let mut mult = 1.0f64;
    let mut p = 0.0f64; // log premium deviation
    let mut log_close = 0.0f64;
    let earn_move = spec.earnings_k * theta * sq;
    let mut next_reaction = reactions.partition_point(|d| *d < days[0]);

    let mut raw: Vec<Raw> = Vec::with_capacity(last + 1 - start);
    let mut anchor_log = 0.0;
    let mut iv_ex = theta * spec.premium;

    for (i, day) in days.iter().enumerate().take(end + 1) {
        regime = next_regime(regime, rng.uniform());
        let target = REGIME_MULT[regime];
        let speed = if target > mult { 0.25 } else { 0.04 };
        mult += (target - mult) * speed;

        let z_ret_id = rng.fat_tailed(0.03, 2.4);
        let z_ret_on = rng.fat_tailed(0.03, 2.4);
        let z_vol = -0.55 * z_ret_id + 0.835 * rng.normal_fast();
        x = (1.0 - k) * x + xi * z_vol;
        p = 0.97 * p + 0.02 * rng.normal_fast();
        let jump = if rng.chance(0.004) {
            rng.normal() * 3.0 - 0.5
        } else {
            0.0
        };

        let sigma = (theta * mult * (x - 0.5 * x_sd * x_sd).exp()).clamp(0.02, 4.0);
        let mut r_on = 0.45 * sigma * sq * z_ret_on + jump * sigma * sq;
        // Drift, plus a slow pull towards the symbol's trend line so that price levels stay plausible.
        let trend = spec.drift * i as f64 * DT;
        let r_id = 0.893 * sigma * sq * z_ret_id + (spec.drift - 0.5 * sigma * sigma) * DT
            - PULL * (log_close - trend);

        // Earnings: the reaction session takes a jump; the 30 days before it carry the priced move.
        while next_reaction < reactions.len() && reactions[next_reaction] < *day {
            next_reaction += 1;
        }
        let mut earn_var = 0.0;
        if earn_move > 0.0 && next_reaction < reactions.len() {
            let r = reactions[next_reaction];
            if r == *day {
                r_on += earn_move * rng.normal();
            }
            let ahead = r.days_since(*day);
            if (1..=30).contains(&ahead) || r == *day {
                earn_var = (1.1 * earn_move).powi(2) * 365.0 / 30.0;
            }
        }

        let open = log_close + r_on;
        let close = open + r_id;
        log_close = close;
        if i == anchor_idx {
            anchor_log = close;
        }

        if i >= start && i <= last {
            // The 30-day IV prices the volatility expected over the next month: with the
            // log-volatility factor's mean reversion, about 3/4 today's level and 1/4 the
            // regime's long-run level.
            let expected = 0.74 * sigma + 0.26 * theta * mult;
            let base_iv = expected * spec.premium * p.exp();
            let iv = (base_iv * base_iv + earn_var).sqrt();
            if i == last {
                iv_ex = base_iv;
            }
            // Cosmetic draws (range, volume) come from a counter-based stream, only for served
            // sessions: the state's stream stays the same whatever the window.
            let bits = splitmix64(cosmetic ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let u = |shift: u32| (((bits >> shift) & 0x1f_ffff) as f64 + 0.5) / 2_097_152.0;
            let range = 0.3 * sigma * sq;
            let high = open.max(close) - range * u(0).ln();
            let low = open.min(close) + range * u(21).ln();
            let move_size = (close - open).abs() / (sigma * sq);
            let noise = (u(42) - 0.5) * 0.9;
            let volume = spec.volume * noise.exp() * (0.7 + 0.35 * move_size) * mult.sqrt();
            raw.push(Raw {
                open,
                high,
                low,
                close,
                volume,
                iv,
            });
        }
    }

    let offset = spec.anchor_price.ln() - anchor_log;
    let tick = spec.tick;
    let mut candles = Vec::with_capacity(raw.len());
    for (j, r) in raw.iter().enumerate() {
        let px = |v: f64| round_to((v + offset).exp(), tick).max(tick);
        let (open, close) = (px(r.open), px(r.close));
        let high = px(r.high).max(open).max(close);
        let low = px(r.low).min(open).min(close);
        candles.push(Candle {
            time: days[start + j].epoch_ms(),
            open,
            high,
            low,
            close,
            volume: r.volume.round(),
        });
    }
    Series {
        candles: Arc::from(candles),
        iv_window: raw.iter().map(|r| r.iv).collect(),
        iv_ex_earnings: iv_ex,
        iv_long_run: theta * spec.premium,
        earnings_move: earn_move,
    }
}

/// The VIX from the S&P 500's series: its close is 100 × the SPX IV index of the session, its
/// open set against the index's move in the session, its range by the VIX's own volatility; its IV
/// index (the volatility of volatility) rises with its level, from about 0.7 at 12 to 1.1 at 30.
pub fn vix_from(spx: &Series, key: &str) -> Series {
    let cosmetic = seed_of(key, "cosmetic");
    let mut candles = Vec::with_capacity(spx.candles.len());
    let mut iv_window = Vec::with_capacity(spx.candles.len());
    for (c, iv) in spx.candles.iter().zip(spx.iv_window.iter()) {
        // Draws keyed by the session, so that every window shows the same candles.
        let n = c.time.div_euclid(volscreen_core::date::DAY_MS) as u64;
        let bits = splitmix64(cosmetic ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let u = |shift: u32| (((bits >> shift) & 0x1f_ffff) as f64 + 0.5) / 2_097_152.0;
        let close = 100.0 * iv;
        // The VIX moves against the index during the session.
        let spx_session = (c.close / c.open).ln();
        let open = close * (4.0 * spx_session + (u(42) - 0.5) * 0.03).exp();
        let vov = 0.8 * (close / 15.0).sqrt().clamp(0.8, 1.6);
        let range = 0.3 * vov / 252f64.sqrt();
        let high = open.max(close) * (-range * u(0).ln()).exp();
        let low = open.min(close) * (range * u(21).ln()).exp();
        let px = |v: f64| round_to(v, 0.01).max(0.01);
        let (open, close) = (px(open), px(close));
        candles.push(Candle {
            time: c.time,
            open,
            high: px(high).max(open).max(close),
            low: px(low).min(open).min(close),
            close,
            volume: 0.0,
        });
        iv_window.push(vov * 1.05);
    }
    let last_iv = iv_window.last().copied().unwrap_or(0.85);
    Series {
        candles: Arc::from(candles),
        iv_window,
        iv_ex_earnings: last_iv,
        iv_long_run: 0.9,
        earnings_move: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar;

    fn spec(key: &str) -> PathSpec {
        PathSpec {
            key: key.to_string(),
            theta: 0.3,
            drift: 0.05,
            anchor_price: 100.0,
            tick: 0.01,
            volume: 1.0e6,
            earnings_k: 3.0,
            earnings_phase: 30,
            earnings_bmo: true,
            listing: None,
            premium: 1.15,
        }
    }

    #[test]
    fn anchored_and_consistent() {
        let to = Date::from_ymd(2026, 11, 20).expect("date");
        let days = calendar::trading_days(origin(), to);
        let s = generate(&spec("TEST"), &days, Some(days.len() - 1), &[]);
        assert_eq!(s.candles.len(), HISTORY_DAYS);
        assert_eq!(s.iv().len(), IV_DAYS);
        let at_anchor = s
            .candles
            .iter()
            .find(|c| c.time == anchor().epoch_ms())
            .expect("anchor candle");
        assert!(
            (at_anchor.close - 100.0).abs() < 0.011,
            "{}",
            at_anchor.close
        );
        for c in s.candles.iter() {
            assert!(c.low > 0.0 && c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close));
        }
    }

    #[test]
    fn prefix_property() {
        let to = Date::from_ymd(2026, 11, 20).expect("date");
        let days = calendar::trading_days(origin(), to);
        let a = generate(&spec("P"), &days, Some(days.len() - 30), &[]);
        let b = generate(&spec("P"), &days, Some(days.len() - 1), &[]);
        let last_a = a.candles.last().expect("candles");
        let pos = b
            .candles
            .iter()
            .position(|c| c.time == last_a.time)
            .expect("overlap");
        assert_eq!(
            &b.candles[pos + 1 - (a.candles.len() - 29)..=pos],
            &a.candles[29..]
        );
    }
}
