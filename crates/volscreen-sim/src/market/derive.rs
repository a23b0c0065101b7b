//! Derived paths: instruments whose daily moves follow another's raw path ([`Raw`]), so that the
//! relations among them hold on every date, whatever the as-of date.
//!
//! - **Beta followers** (NDX, RUT and DJX on the S&P 500; SMH on SOXX): daily log returns are
//!   β × the base's plus the follower's own fat-tailed noise, whose volatility is a fixed multiple
//!   of the base's latent volatility. The follower's IV is the base's × √(β² + idio²) times a
//!   small slowly varying factor of its own (σ ≈ 5 %), so the NDX/SPX IV ratio stays near
//!   1.3 (about 1.15–1.5).
//! - **Leveraged and inverse funds** (TQQQ, SQQQ, SOXL, UVXY ...): rebalanced at each close, so
//!   each session's close-to-close simple return (and the overnight gap) is L × the base's, less
//!   fees and financing; the IV is |L| × the base's.
//! - **The VIX**: each close is 100 × the S&P 500's IV index of the session; its open is set
//!   against the index's move in the session; its own IV (the volatility of volatility) rises
//!   with its level, from about 0.7 at 12 to 1.1 at 30.
//! - **Short-term VIX futures** (VXX): β × the VIX's daily log moves, less a contango roll of
//!   about 0.2 % a session at a VIX of 15 that turns into a gain above 30.

use super::names::Relation;
use super::path::{cosmetic, Raw, DT};
use super::universe::{Follow, PathSpec};
use crate::rng::{seed_of, Rng};

/// The raw path of `spec` from its base's.
pub fn apply(spec: &PathSpec, f: &Follow, base: &Raw) -> Raw {
    match f.relation {
        // Scaled names share their base's path outright (the same key); nothing to transform.
        Relation::Scale(_) => base.clone(),
        Relation::Beta(b) => beta(&spec.key, b, f.idio, base),
        Relation::Daily(l) => leveraged(l, f.drag, base),
        Relation::Vix => vix(base),
        Relation::VixFutures(b) => vix_futures(&spec.key, b, base),
    }
}

/// Beta follower: log moves β × the base's plus own noise of `idio` × the base's volatility.
fn beta(key: &str, b: f64, idio: f64, base: &Raw) -> Raw {
    let n = base.close.len();
    let mut rng = Rng::for_key(key, "idio");
    let sq = DT.sqrt();
    let m = (b * b + idio * idio).sqrt();
    let mut out = Raw::with_capacity(n);
    let mut prev = 0.0;
    let mut p = 0.0f64;
    for i in 0..n {
        let s = idio * base.sigma[i];
        let z_on = rng.fat_tailed(0.03, 2.4);
        let z_id = rng.fat_tailed(0.03, 2.4);
        p = 0.97 * p + 0.012 * rng.normal_fast();
        let open = prev + b * (base.open[i] - base.prev_close(i)) + 0.45 * s * sq * z_on;
        let close =
            open + b * (base.close[i] - base.open[i]) + 0.893 * s * sq * z_id - 0.5 * s * s * DT;
        let up = base.high[i] - base.open[i].max(base.close[i]);
        let down = base.open[i].min(base.close[i]) - base.low[i];
        out.open.push(open);
        out.high.push(open.max(close) + m * up.max(0.0));
        out.low.push(open.min(close) - m * down.max(0.0));
        out.close.push(close);
        out.activity.push(base.activity[i]);
        out.iv.push(base.iv[i] * m * p.exp());
        out.iv_ex.push(base.iv_ex[i] * m * p.exp());
        out.sigma.push(base.sigma[i] * m);
        prev = close;
    }
    out.iv_long_run = base.iv_long_run * m;
    out
}

/// Leveraged fund: simple returns × `l`, less `drag` a year; a session never loses more than
/// 98 % (a fund would be closed first).
fn leveraged(l: f64, drag: f64, base: &Raw) -> Raw {
    let n = base.close.len();
    let lev = |r: f64| (1.0 + l * (r.exp() - 1.0)).max(0.02).ln();
    let cost = drag * DT;
    let mut out = Raw::with_capacity(n);
    let mut prev = 0.0;
    for i in 0..n {
        // Rebalanced at each close: close to close is exactly L × the base's simple return.
        let open = prev + lev(base.open[i] - base.prev_close(i));
        let close = prev + lev(base.close[i] - base.prev_close(i)) - cost;
        let (hi, lo) = (
            lev(base.high[i] - base.open[i]),
            lev(base.low[i] - base.open[i]),
        );
        let (up, down) = if l > 0.0 { (hi, lo) } else { (lo, hi) };
        out.open.push(open);
        out.high.push((open + up).max(open.max(close)));
        out.low.push((open + down).min(open.min(close)));
        out.close.push(close);
        out.activity.push(base.activity[i]);
        out.iv.push(base.iv[i] * l.abs());
        out.iv_ex.push(base.iv_ex[i] * l.abs());
        out.sigma.push(base.sigma[i] * l.abs());
        prev = close;
    }
    out.iv_long_run = base.iv_long_run * l.abs();
    out
}

/// The VIX's volatility of volatility at a level.
fn vov(level: f64) -> f64 {
    0.8 * (level / 15.0).sqrt().clamp(0.8, 1.6)
}

/// The VIX from the S&P 500's raw path (absolute levels).
fn vix(spx: &Raw) -> Raw {
    let n = spx.close.len();
    let seed = seed_of("VIX", "cosmetic");
    let mut out = Raw::with_capacity(n);
    for i in 0..n {
        let u = cosmetic(seed, i);
        let close = (100.0 * spx.iv[i]).max(1.0).ln();
        // The VIX moves against the index during the session.
        let spx_session = spx.close[i] - spx.open[i];
        let open = close + 4.0 * spx_session + (u(42) - 0.5) * 0.03;
        let v = vov(close.exp());
        let range = 0.3 * v / 252f64.sqrt();
        out.open.push(open);
        out.high.push(open.max(close) - range * u(0).ln());
        out.low.push(open.min(close) + range * u(21).ln());
        out.close.push(close);
        out.activity.push(spx.activity[i]);
        out.iv.push(v * 1.05);
        out.iv_ex.push(v * 1.05);
        out.sigma.push(v);
    }
    out.iv_long_run = 0.9;
    out.absolute = true;
    out
}

/// Short-term VIX futures from the VIX's raw path: β × its log moves less the contango roll.
fn vix_futures(key: &str, b: f64, vix: &Raw) -> Raw {
    let n = vix.close.len();
    let seed = seed_of(key, "cosmetic");
    let sq = DT.sqrt();
    let mut out = Raw::with_capacity(n);
    let mut prev = 0.0;
    for i in 0..n {
        let level = vix.prev_close(i).exp();
        // Daily roll cost of holding the first two months: about 0.2 % at a VIX of 15, none at 30,
        // a gain in backwardation above it.
        let roll = (0.0045 - 0.00015 * level).clamp(-0.004, 0.004);
        let open = prev + b * (vix.open[i] - vix.prev_close(i)) - 0.3 * roll;
        let close = open + b * (vix.close[i] - vix.open[i]) - 0.7 * roll;
        let up = vix.high[i] - vix.open[i].max(vix.close[i]);
        let down = vix.open[i].min(vix.close[i]) - vix.low[i];
        let sigma = b * vix.sigma[i];
        let u = cosmetic(seed, i);
        let move_size = ((close - open).abs() / (sigma * sq).max(1e-9)).min(6.0);
        out.open.push(open);
        out.high.push(open.max(close) + b * up.max(0.0));
        out.low.push(open.min(close) - b * down.max(0.0));
        out.close.push(close);
        out.activity
            .push(((u(42) - 0.5) * 0.9).exp() * (0.7 + 0.35 * move_size));
        out.iv.push(vix.iv[i] * b * 1.1);
        out.iv_ex.push(vix.iv_ex[i] * b * 1.1);
        out.sigma.push(sigma);
        prev = close;
    }
    out.iv_long_run = vix.iv_long_run * b * 1.1;
    out
}

#[cfg(test)]
mod tests {
    use super::super::path::{anchor, origin, simulate};
    use super::super::universe::stock_path;
    use crate::calendar;
    use volscreen_core::date::Date;

    #[test]
    fn followers_move_with_their_base() {
        let days = calendar::trading_days(origin(), Date::from_ymd(2026, 11, 20).expect("d"));
        let end = days.len() - 1;
        let raw = |s: &str| simulate(&stock_path(s), &days, end, 0);
        let (qqq, tqqq, sqqq) = (raw("QQQ"), raw("TQQQ"), raw("SQQQ"));
        let simple = |r: &super::Raw, i: usize| (r.close[i] - r.close[i - 1]).exp() - 1.0;
        for i in end - 300..=end {
            let q = simple(&qqq, i);
            assert!((simple(&tqqq, i) - 3.0 * q).abs() < 1e-3, "{i}");
            assert!((simple(&sqqq, i) + 3.0 * q).abs() < 1e-3, "{i}");
            assert!((tqqq.iv[i] / qqq.iv[i] - 3.0).abs() < 1e-9);
        }
        let (spx, vix) = (raw("SPX"), raw("VIX"));
        assert!(vix.absolute);
        for i in end - 300..=end {
            assert!((vix.close[i].exp() - 100.0 * spx.iv[i]).abs() < 1e-6);
        }
        let ndx = raw("NDX");
        let ratio: Vec<f64> = (end - 500..=end).map(|i| ndx.iv[i] / spx.iv[i]).collect();
        assert!(ratio.iter().all(|r| (1.1..1.6).contains(r)), "{ratio:?}");
        assert!(anchor() > days[0]);
    }
}
