//! `/market-metrics` rows: the model's [`Metrics`] on the wire.
//!
//! Scales as on the real service: the IV index, its 5-day change, ranks, percentile and the
//! per-expiration IVs are **fraction** strings; `implied-volatility-30-day`, the
//! `historical-volatility-*` fields and `iv-hv-30-day-difference` are **percent points** strings.
//! `liquidity-rating` and `market-cap` are JSON numbers. `symbol`, `updated-at` and `market-cap`
//! are always present; IV rank and percentile are always strings.
//!
//! Equities and ETFs carry the dividend fields of the recorded responses (`dividend-rate-per-share`
//! is the cash per payment, `annual-dividend-per-share` the year's, `dividend-yield` a fraction;
//! a non-payer has `"0.0"` for all three and no dates, as TSLA in the capture); indices and futures
//! carry none. `beta-updated-at` is the weekly beta run (Sunday 17:00 UTC before the as-of date);
//! `earnings` adds the `quarter-end-date` of the reported quarter.

use super::{num, num_str, timestamp, Row};
use crate::market::{Dividend, Earnings, ExpirationIv, Metrics};
use serde_json::{json, Value};
use volscreen_core::date::Date;

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

/// One `data.items` row of `/market-metrics`; `dividend` is the symbol's (equities and ETFs).
pub fn row(m: &Metrics, dividend: Option<&Dividend>) -> Value {
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
        .set("updated-at", updated.clone())
        .set(
            "option-expiration-implied-volatilities",
            m.expiration_ivs
                .iter()
                .map(expiration_iv)
                .collect::<Vec<_>>(),
        )
        .opt("beta", m.beta.and_then(|b| num(b, FRACTION)))
        .opt("beta-updated-at", m.beta.map(|_| beta_run(m.updated_at_ms)))
        .opt("corr-spy-3month", m.corr_spy_3month.and_then(|c| num(c, 2)))
        .opt(
            "dividend-rate-per-share",
            dividend.and_then(|d| num(d.amount, 4)),
        )
        .opt(
            "annual-dividend-per-share",
            dividend.and_then(|d| num(d.annual, 4)),
        )
        .opt(
            "dividend-yield",
            dividend.and_then(|d| num(d.dividend_yield, FRACTION)),
        )
        .opt(
            "dividend-ex-date",
            dividend
                .and_then(|d| d.ex_date)
                .map(|d| d.to_string().into()),
        )
        .opt(
            "dividend-next-date",
            dividend
                .and_then(|d| d.next_ex_date)
                .map(|d| d.to_string().into()),
        )
        .opt(
            "dividend-pay-date",
            dividend
                .and_then(|d| d.pay_date)
                .map(|d| d.to_string().into()),
        )
        .opt(
            "dividend-updated-at",
            dividend
                .filter(|d| d.frequency > 0)
                .map(|d| timestamp(d.updated_at_ms)),
        )
        .opt(
            "earnings",
            m.earnings.as_ref().map(|e| earnings(e, &updated)),
        )
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

/// The weekly beta run before the metrics' update: the previous Sunday, 17:00 UTC.
fn beta_run(updated_at_ms: i64) -> Value {
    let d = Date::from_epoch_ms(updated_at_ms);
    let sunday = d.add_days(-(d.weekday() as i32 + 1));
    timestamp(sunday.epoch_ms() + 17 * 3_600_000)
}

/// The last day of the calendar quarter before the one holding `report`.
fn quarter_end_before(report: Date) -> Date {
    let (y, m, _) = report.ymd();
    let first = Date::from_ymd(y, (m - 1) / 3 * 3 + 1, 1).unwrap_or(report);
    first.add_days(-1)
}

fn earnings(e: &Earnings, updated: &Value) -> Value {
    json!({
        "visible": true,
        "expected-report-date": e.expected_report_date.to_string(),
        "estimated": e.estimated,
        "late-flag": 0,
        "quarter-end-date": quarter_end_before(e.expected_report_date).to_string(),
        "time-of-day": e.time_of_day,
        "updated-at": updated,
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
        let r = row(&sample(), None);
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
        // 2026-03-20 is a Friday: the beta run was on Sunday the 15th.
        assert_eq!(r["beta-updated-at"], "2026-03-15T17:00:00.000Z");
        assert_eq!(r["earnings"]["quarter-end-date"], "2025-12-31");
        assert_eq!(r["earnings"]["time-of-day"], "AMC");
        assert!(r.get("dividend-yield").is_none(), "no dividend given");
    }

    #[test]
    fn dividend_fields() {
        let d = Date::from_ymd(2026, 2, 9).unwrap();
        let div = Dividend {
            amount: 0.26,
            frequency: 4,
            annual: 1.04,
            dividend_yield: 0.004076,
            ex_date: Some(d),
            next_ex_date: Some(d.add_days(91)),
            pay_date: Some(d.add_days(4)),
            updated_at_ms: d.add_days(-14).epoch_ms(),
        };
        let r = row(&sample(), Some(&div));
        assert_eq!(r["dividend-rate-per-share"], "0.26");
        assert_eq!(r["annual-dividend-per-share"], "1.04");
        assert_eq!(r["dividend-yield"], "0.004076");
        assert_eq!(r["dividend-ex-date"], "2026-02-09");
        assert_eq!(r["dividend-next-date"], "2026-05-11");
        assert_eq!(r["dividend-pay-date"], "2026-02-13");
        assert_eq!(r["dividend-updated-at"], "2026-01-26T00:00:00.000Z");
        let none = Dividend::default();
        let r = row(&sample(), Some(&none));
        assert_eq!(r["dividend-yield"], "0.0");
        assert_eq!(r["dividend-rate-per-share"], "0.0");
        assert!(r.get("dividend-ex-date").is_none() && r.get("dividend-updated-at").is_none());
    }

    #[test]
    fn quarter_ends() {
        let q = |y, m, d| quarter_end_before(Date::from_ymd(y, m, d).unwrap()).to_string();
        assert_eq!(q(2026, 1, 28), "2025-12-31");
        assert_eq!(q(2026, 5, 1), "2026-03-31");
        assert_eq!(q(2026, 9, 30), "2026-06-30");
        assert_eq!(q(2026, 11, 2), "2026-09-30");
    }
}
