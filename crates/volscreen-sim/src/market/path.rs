//! Price and volatility paths: the stochastic-volatility process that produces a symbol's daily
//! candles and its daily IV index, from a fixed origin forward over NYSE trading days.
//!
//! The process (per trading day, dt = 1/252):
//! - a three-state volatility regime (calm ×0.75, normal ×1, stressed ×1.55; Markov switching,
//!   entered quickly and left slowly);
//! - a mean-reverting log-volatility factor (half-life ≈ 23 sessions) whose shocks are negatively
//!   correlated with returns (the leverage effect); the resulting multiple of the long-run level
//!   saturates softly at 2.5;
//! - fat-tailed returns (a scale mixture of normals), rare jumps, and an earnings jump on each
//!   equity's reaction day;
//! - an IV premium over the latent volatility, per symbol and slowly varying in time, smaller when
//!   volatility is high, plus the earnings variance priced into the 30-day IV ahead of a report.
//!
//! Derived instruments (index followers, leveraged funds, the VIX and VIX futures) transform their
//! base's raw path ([`super::derive`]); futures contracts add their basis when the path is
//! anchored. Because the path starts at [`origin`] and draws from one random stream per symbol, a
//! later as-of date only appends candles: the overlapping history is identical.

use super::derive;
use super::earnings;
use super::universe::PathSpec;
use crate::rng::{seed_of, splitmix64, Rng};
use std::sync::Arc;
use volscreen_core::candle::Candle;
use volscreen_core::date::Date;

/// Candles served: about three years of sessions.
pub const HISTORY_DAYS: usize = 756;
/// IV history kept: one year of sessions.
pub const IV_DAYS: usize = 252;

/// One session in years.
pub const DT: f64 = 1.0 / 252.0;
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

/// Highest multiple of its long-run level a symbol's latent volatility approaches.
const MAX_MULTIPLE: f64 = 2.5;

/// Regime multipliers and daily switching probabilities.
const REGIME_MULT: [f64; 3] = [0.75, 1.0, 1.55];

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

/// A path before anchoring: log prices for every session from the origin to its end, relative to
/// the path's own start (anchored later) or, for the VIX, absolute levels; with each session's IV
/// index, IV without earnings, latent volatility and trading activity.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    /// Multiplier of the symbol's typical volume.
    pub activity: Vec<f64>,
    pub iv: Vec<f64>,
    pub iv_ex: Vec<f64>,
    /// Latent (instantaneous) volatility.
    pub sigma: Vec<f64>,
    pub iv_long_run: f64,
    pub earnings_move: f64,
    /// Log prices are levels (the VIX): no anchoring.
    pub absolute: bool,
}

impl Raw {
    pub fn with_capacity(n: usize) -> Raw {
        Raw {
            open: Vec::with_capacity(n),
            high: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            close: Vec::with_capacity(n),
            activity: Vec::with_capacity(n),
            iv: Vec::with_capacity(n),
            iv_ex: Vec::with_capacity(n),
            sigma: Vec::with_capacity(n),
            ..Raw::default()
        }
    }

    /// The close before session `i` (the first session's open for `i` = 0).
    pub fn prev_close(&self, i: usize) -> f64 {
        match i.checked_sub(1) {
            Some(j) => self.close[j],
            None => self.open.first().copied().unwrap_or(0.0),
        }
    }
}

/// Two uniforms in (0, 1) and a third from a counter-based stream: the cosmetic draws (range,
/// volume) of session `i`, the same whatever the window.
pub fn cosmetic(seed: u64, i: usize) -> impl Fn(u32) -> f64 {
    let bits = splitmix64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    move |shift: u32| (((bits >> shift) & 0x1f_ffff) as f64 + 0.5) / 2_097_152.0
}

/// Most follower levels simulated (the data table's chains are at most four long).
const MAX_DEPTH: u32 = 8;

/// Generate a series over `days` (every session from [`origin`], ascending, extending at least
/// to the anchor date), served up to and including `days[last]`.
pub fn generate(spec: &PathSpec, days: &[Date], last: Option<usize>) -> Series {
    let Some(last) = last.filter(|l| *l < days.len()) else {
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
    let raw = simulate(spec, days, end, 0);
    finish(spec, &raw, days, anchor_idx, start, last)
}

/// The raw path of `spec` over `days[..=end]`: its own, or derived from its base's.
pub fn simulate(spec: &PathSpec, days: &[Date], end: usize, depth: u32) -> Raw {
    match &spec.follow {
        Some(f) if depth < MAX_DEPTH => {
            let base = simulate(&f.base, days, end, depth + 1);
            derive::apply(spec, f, &base)
        }
        _ => own(spec, days, end),
    }
}

/// A symbol's own stochastic-volatility path.
fn own(spec: &PathSpec, days: &[Date], end: usize) -> Raw {
    let reactions = match (spec.earnings, days.first(), days.get(end)) {
        (Some(c), Some(first), Some(last)) if spec.earnings_k > 0.0 => {
            earnings::reactions(&spec.key, &c, first.year(), last.year() + 1)
        }
        _ => Vec::new(),
    };
    let mut rng = Rng::for_key(&spec.key, "path");
    let seed = seed_of(&spec.key, "cosmetic");
    let sq = DT.sqrt();
    let theta = spec.theta;
    // Log-volatility factor: x' = (1-k) x + xi * shock; stationary sd = xi / sqrt(2k - k^2).
    let k: f64 = 0.03;
    let xi: f64 = 0.055;
    let x_sd = xi / (2.0 * k - k * k).sqrt();
    let mut x = 0.0f64;
    let mut regime = 1usize;
    let mut mult = 1.0f64;
    let mut p = 0.0f64; // log premium deviation
    let mut log_close = 0.0f64;
    let earn_move = spec.earnings_k * theta * sq;
    let mut next_reaction = 0;
    let mut raw = Raw::with_capacity(end + 1);

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

        // The volatility multiple saturates softly (unchanged near 1, at most 2.5): even a name
        // in a stressed regime stays within the range real names reach.
        let z = mult * (x - 0.5 * x_sd * x_sd).exp();
        let z = z / (1.0 + (z / MAX_MULTIPLE).powi(4)).powf(0.25);
        let sigma = (theta * z).clamp(0.02, 4.0);
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
            // Priced until the report is out: the reaction session closes with the news known.
            let ahead = r.days_since(*day);
            if (1..=30).contains(&ahead) {
                earn_var = (1.1 * earn_move).powi(2) * 365.0 / 30.0;
            }
        }

        let open = log_close + r_on;
        let close = open + r_id;
        log_close = close;

        // The 30-day IV prices the volatility expected over the next month: with the
        // log-volatility factor's mean reversion, about 3/4 today's level and 1/4 the regime's
        // long-run level.
        let expected = 0.74 * sigma + 0.26 * theta * mult;
        // The premium over expected volatility compresses when volatility is high (in a stress
        // episode implied and realised volatility come close).
        let premium = 1.0 + (spec.premium - 1.0) / z.max(1.0);
        let base_iv = expected * premium * p.exp();
        // Cosmetic draws (range, volume) come from a counter-based stream: the state's stream
        // stays the same whatever the window.
        let u = cosmetic(seed, i);
        let range = 0.3 * sigma * sq;
        let move_size = (close - open).abs() / (sigma * sq);
        let noise = (u(42) - 0.5) * 0.9;
        raw.open.push(open);
        raw.high.push(open.max(close) - range * u(0).ln());
        raw.low.push(open.min(close) + range * u(21).ln());
        raw.close.push(close);
        raw.activity
            .push(noise.exp() * (0.7 + 0.35 * move_size) * mult.sqrt());
        raw.iv.push((base_iv * base_iv + earn_var).sqrt());
        raw.iv_ex.push(base_iv);
        raw.sigma.push(sigma);
    }
    raw.iv_long_run = theta * spec.premium;
    raw.earnings_move = earn_move;
    raw
}

/// Anchor, add the futures basis, round to the tick, and keep the served window
/// `days[start..=last]`.
fn finish(
    spec: &PathSpec,
    raw: &Raw,
    days: &[Date],
    anchor_idx: usize,
    start: usize,
    last: usize,
) -> Series {
    let offset = if raw.absolute {
        0.0
    } else {
        spec.anchor_price.ln() - raw.close.get(anchor_idx).copied().unwrap_or(0.0)
    };
    let tick = spec.tick;
    let mut candles = Vec::with_capacity(last + 1 - start);
    let served = start..=last.min(raw.close.len().saturating_sub(1));
    for (j, day) in days.iter().enumerate().take(*served.end() + 1).skip(start) {
        let basis = spec.basis.map_or(0.0, |(expiry, carry)| {
            carry * f64::from(expiry.days_since(*day).max(0)) / 365.25
        });
        let o = offset + basis;
        let px = |v: f64| round_to((v + o).exp(), tick).max(tick);
        let (open, close) = (px(raw.open[j]), px(raw.close[j]));
        let high = px(raw.high[j]).max(open).max(close);
        let low = px(raw.low[j]).min(open).min(close);
        candles.push(Candle {
            time: day.epoch_ms(),
            open,
            high,
            low,
            close,
            volume: (spec.volume * raw.activity[j]).round(),
        });
    }
    let window = start..start + candles.len();
    Series {
        candles: Arc::from(candles),
        iv_window: raw.iv[window.clone()].to_vec(),
        iv_ex_earnings: raw
            .iv_ex
            .get(window.end.saturating_sub(1))
            .copied()
            .unwrap_or(spec.theta * spec.premium),
        iv_long_run: raw.iv_long_run,
        earnings_move: raw.earnings_move,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar;
    use crate::market::names::Cycle;

    fn spec(key: &str) -> PathSpec {
        PathSpec {
            key: key.to_string(),
            theta: 0.3,
            drift: 0.05,
            anchor_price: 100.0,
            tick: 0.01,
            volume: 1.0e6,
            earnings_k: 3.0,
            earnings: Some(Cycle {
                month: 1,
                day: 25,
                bmo: true,
                annual_delay: 0,
            }),
            listing: None,
            premium: 1.15,
            follow: None,
            basis: None,
        }
    }

    #[test]
    fn anchored_and_consistent() {
        let to = Date::from_ymd(2026, 11, 20).expect("date");
        let days = calendar::trading_days(origin(), to);
        let s = generate(&spec("TEST"), &days, Some(days.len() - 1));
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
        let a = generate(&spec("P"), &days, Some(days.len() - 30));
        let b = generate(&spec("P"), &days, Some(days.len() - 1));
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

    #[test]
    fn a_basis_shrinks_to_nothing_at_expiry() {
        let expiry = Date::from_ymd(2026, 12, 18).expect("date");
        let days = calendar::trading_days(origin(), expiry);
        let last = Some(days.len() - 1);
        let spot = generate(&spec("B"), &days, last);
        let fut = generate(
            &PathSpec {
                basis: Some((expiry, 0.03)),
                ..spec("B")
            },
            &days,
            last,
        );
        for (s, f) in spot.candles.iter().zip(fut.candles.iter()) {
            let years = f64::from(expiry.days_since(Date::from_epoch_ms(s.time))) / 365.25;
            let want = s.close * (0.03 * years).exp();
            assert!((f.close - want).abs() <= 0.011, "{} vs {want}", f.close);
        }
        let (s, f) = (spot.candles.last(), fut.candles.last());
        assert_eq!(s.map(|c| c.close), f.map(|c| c.close));
    }
}
