//! `/market-metrics` rows: the model's [`Metrics`] on the wire.
//!
//! Scales as on the real service: the IV index, its 5-day change, ranks, percentile and the
//! per-expiration IVs are **fraction** strings; `implied-volatility-30-day`, the
//! `historical-volatility-*` fields and `iv-hv-30-day-difference` are **percent points** strings.
//! `liquidity-rating` and `market-cap` are JSON numbers. `symbol`, `updated-at` and `market-cap`
//! are always present; IV rank and percentile are always strings.

use super::{num, num_str, timestamp, Row};
use crate::market::{Earnings, ExpirationIv, Metrics};
use serde_json::{json, Value};

/// Fields the `missing` fault never drops from a metrics row.
pub const REQUIRED: &[&str] = &["symbol", "updated-at", "market-cap"];

/// Decimals of fraction strings (`"0.224186663"`).
const FRACTION: usize = 9;
/// Decimals of percent-point strings (`"21.87"`).
const PERCENT: usize = 2;

/// A fraction in percent points, rounded as the wire writes it.
fn pct(v: f64) -> f64 {
    (v * 100.0 * 100.0).round() / 100.0
}

/// One `data.items` row of `/market-metrics`.
pub fn row(m: &Metrics) -> Value {
    let updated = timestamp(m.updated_at_ms);
    let iv30 = pct(m.iv30);
    let hv30 = m.hv30.map(pct);
    let market_cap = if m.market_cap.is_finite() {
        m.market_cap.round() as i64
    } else {
        0
    };
    Row::new()
        .set("symbol", m.symbol.as_str())
        .opt("implied-volatility-index", num(m.iv_index, FRACTION))
        .opt(
            "implied-volatility-index-5-day-change",
            num(m.iv_index_5d_change, FRACTION),
        )
        .set("implied-volatility-index-rank", fraction(m.iv_rank_tos))
        .set("tos-implied-volatility-index-rank", fraction(m.iv_rank_tos))
        .set("tw-implied-volatility-index-rank", fraction(m.iv_rank_tw))
        .set(
            "tos-implied-volatility-index-rank-updated-at",
            updated.clone(),
        )
        .set("implied-volatility-index-rank-source", "tos")
        .set("implied-volatility-percentile", fraction(m.iv_percentile))
        .set("implied-volatility-updated-at", updated.clone())
        .opt("liquidity-value", num(m.liquidity_value, FRACTION))
        .opt("liquidity-rank", num(m.liquidity_rank, FRACTION))
        .opt("liquidity-rating", m.liquidity_rating.map(Value::from))
        .set("updated-at", updated)
        .set(
            "option-expiration-implied-volatilities",
            m.expiration_ivs
                .iter()
                .map(expiration_iv)
                .collect::<Vec<_>>(),
        )
        .opt("beta", m.beta.and_then(|b| num(b, FRACTION)))
        .opt("corr-spy-3month", m.corr_spy_3month.and_then(|c| num(c, 2)))
        .opt("earnings", m.earnings.as_ref().map(earnings))
        .set("market-cap", market_cap)
        .opt("implied-volatility-30-day", num(iv30, PERCENT))
        .opt(
            "historical-volatility-30-day",
            hv30.and_then(|v| num(v, PERCENT)),
        )
        .opt(
            "historical-volatility-60-day",
            m.hv60.and_then(|v| num(pct(v), PERCENT)),
        )
        .opt(
            "historical-volatility-90-day",
            m.hv90.and_then(|v| num(pct(v), PERCENT)),
        )
        .opt(
            "iv-hv-30-day-difference",
            hv30.and_then(|hv| num(iv30 - hv, PERCENT)),
        )
        .done()
}

/// IV rank and percentile: always a string, `"0.0"` when the model has no finite value.
fn fraction(v: f64) -> Value {
    Value::String(num_str(v, FRACTION).unwrap_or_else(|| "0.0".to_string()))
}

fn expiration_iv(e: &ExpirationIv) -> Value {
    Row::new()
        .set("expiration-date", e.expiration_date.to_string())
        .set("option-chain-type", "Standard")
        .set("settlement-type", e.settlement_type)
        .opt("implied-volatility", num(e.implied_volatility, FRACTION))
        .done()
}

fn earnings(e: &Earnings) -> Value {
    json!({
        "visible": true,
        "expected-report-date": e.expected_report_date.to_string(),
        "estimated": e.estimated,
        "late-flag": 0,
        "time-of-day": e.time_of_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use volscreen_core::date::Date;
    use volscreen_core::symbol::AssetClass;

    fn sample() -> Metrics {
        let d = Date::from_ymd(2026, 3, 20).unwrap();
        Metrics {
            symbol: "AAPL".into(),
            asset_class: AssetClass::Equity,
            iv_index: 0.224186663,
            iv_index_5d_change: -0.0146,
            iv_rank_tos: 0.0223,
            iv_rank_tw: 0.0373,
            iv_percentile: 0.0312,
            iv30: 0.2187,
            hv30: Some(0.2002),
            hv60: None,
            hv90: Some(0.2024),
            liquidity_rating: Some(4),
            liquidity_value: 899091.42,
            liquidity_rank: 1.51,
            beta: Some(1.26),
            corr_spy_3month: Some(0.79),
            market_cap: 2.8461e12,
            earnings: Some(Earnings {
                expected_report_date: d,
                time_of_day: "AMC",
                estimated: true,
            }),
            expiration_ivs: vec![ExpirationIv {
                expiration_date: d,
                settlement_type: "PM",
                implied_volatility: 0.25,
            }],
            updated_at_ms: d.epoch_ms() + 72_000_000,
        }
    }

    #[test]
    fn scales_and_types() {
        let r = row(&sample());
        assert_eq!(r["implied-volatility-index"], "0.224186663");
        assert_eq!(r["implied-volatility-30-day"], "21.87");
        assert_eq!(r["historical-volatility-30-day"], "20.02");
        assert_eq!(r["iv-hv-30-day-difference"], "1.85");
        assert!(r.get("historical-volatility-60-day").is_none());
        assert_eq!(r["liquidity-rating"], 4);
        assert_eq!(r["market-cap"], 2_846_100_000_000i64);
        assert_eq!(r["implied-volatility-index-rank"], "0.0223");
        assert_eq!(r["updated-at"], "2026-03-20T20:00:00.000Z");
        assert_eq!(r["earnings"]["expected-report-date"], "2026-03-20");
        assert_eq!(
            r["option-expiration-implied-volatilities"][0]["implied-volatility"],
            "0.25"
        );
    }
}
