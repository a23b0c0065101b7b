//! A symbol's fields, filled in one place: pure functions that turn what the services sent
//! (metrics rows, quote rows, candle histories, ATM option quotes) into [`SymbolFields`], through
//! the plausibility rules of [`crate::plausible`] (an implausible value stays `null` and becomes a
//! warning). No I/O and no scan context: each is testable with plain values.
//!
//! - [`apply_metrics`], [`apply_price`]: `/market-metrics` and `/market-data/by-type` rows;
//! - [`from_candles`]: HV20/30/90/252 and the derived VRP, IV−HV spread and VTR;
//!   [`from_candles_with`] also the requested estimator columns (`hv30_parkinson`, ...);
//! - [`atm_pair`]: straddle mid and slippage from the ATM call's and put's bid/ask;
//! - [`expected_move`], [`settle_earnings`]: what is derived once the chain is settled.

use crate::candle::Candle;
use crate::date::Date;
use crate::model::{SymbolFields, Warning};
use crate::plausible;
use crate::screen::columns;
use crate::symbol::AssetClass;
use crate::tastytrade::{MarketData, MarketMetrics};
use crate::vol::estimators::{Estimator, Sessions};
use crate::vol::{derived, hv};

/// Copy what `/market-metrics` says into the symbol's fields, through the plausibility rules: a
/// value outside its range stays `null` and becomes a warning.
pub fn apply_metrics(f: &mut SymbolFields, m: &MarketMetrics, as_of: Date) {
    let w = &mut f.warnings;
    f.iv = plausible::iv(m.iv_index, w);
    f.iv_rank = plausible::unit_interval("iv_rank", m.iv_rank.or(m.tos_iv_rank), w);
    f.iv_percentile = plausible::unit_interval("iv_percentile", m.iv_percentile, w);
    f.liquidity_rating = plausible::liquidity_rating(m.liquidity_rating, w);
    // Sent but unreadable ("abc", "NaN", a rating of 4.5): implausible, never "not sent".
    let mut rating_sent = false;
    for (key, raw) in &m.unreadable {
        let field = match *key {
            "implied-volatility-index" => "iv",
            "implied-volatility-index-rank" | "implied-volatility-rank" => "iv_rank",
            "implied-volatility-percentile" => "iv_percentile",
            _ => {
                rating_sent = true;
                "liquidity_rating"
            }
        };
        let known = match field {
            "iv" => f.iv.is_some(),
            "iv_rank" => f.iv_rank.is_some(),
            "iv_percentile" => f.iv_percentile.is_some(),
            _ => f.liquidity_rating.is_some(),
        };
        if !known && !f.warnings.iter().any(|x| x.field == field) {
            f.warnings.push(Warning::new(
                field,
                raw.clone(),
                format!("{field} was sent as {key} but is not a readable number"),
            ));
        }
    }
    if m.liquidity_rating.is_none() && !rating_sent && complete_row(m) {
        // product.md: a complete metrics row without a rating means unrated, i.e. 0. A row that
        // lacks other fields too may have lost the rating on the way: unknown, not 0.
        f.liquidity_rating = Some(0);
        f.notes
            .push("liquidity_rating: not rated by the service (0)".into());
    }
    if let Some(d) = m.earnings.as_ref().and_then(|e| e.expected_report_date) {
        f.earnings_date = Some(d);
        f.days_to_earnings = Some(d.days_since(as_of));
    }
}

/// Whether a metrics row carries every field the service sends with a rated row (all but the
/// rating itself), so that a missing rating means "not rated" rather than "lost".
fn complete_row(m: &MarketMetrics) -> bool {
    [
        m.iv_index,
        m.iv_index_5d_change,
        m.iv_rank,
        m.tos_iv_rank,
        m.tw_iv_rank,
        m.iv_percentile,
        m.liquidity_value,
        m.liquidity_rank,
        m.iv_30d,
        m.market_cap,
    ]
    .iter()
    .all(Option::is_some)
        && m.updated_at.is_some()
}

/// The price of an underlying or futures contract from its quote row, through the plausibility
/// rules (a crossed or negative bid/ask is not used for a mid).
pub fn apply_price(f: &mut SymbolFields, q: &MarketData) {
    let mut q = q.clone();
    if plausible::quote("quote", q.bid, q.ask, &mut f.warnings).is_none() {
        q.bid = None;
        q.ask = None;
        q.mid = None;
    }
    // The first plausible of mark, quote mid, last, close, previous close. A zero means "no value"
    // on this wire; a negative or non-finite value is implausible and said so.
    let sent = [q.mark, q.quote_mid(), q.last, q.close, q.prev_close];
    let mut price = None;
    for p in sent.into_iter().flatten() {
        if p == 0.0 {
            continue;
        }
        if let Some(p) = plausible::price("price", Some(p), &mut f.warnings) {
            price = Some(p);
            break;
        }
    }
    f.price = price;
}

/// The price [`apply_price`] would record from `q` (its warnings aside).
pub fn price_of(q: &MarketData) -> Option<f64> {
    let mut f = SymbolFields::default();
    apply_price(&mut f, q);
    f.price
}

/// HV and derived metrics from a candle history (in any order, as received). Returns whether the
/// history was clean (nothing implausible dropped or refused), i.e. fit to cache.
pub fn from_candles(
    f: &mut SymbolFields,
    candles: Vec<Candle>,
    truncated: bool,
    as_of: Date,
    hv_floor: f64,
) -> bool {
    from_candles_with(f, candles, truncated, as_of, hv_floor, &[])
}

/// [`from_candles`], and the `estimators`' 30-session columns (`hv30_parkinson`, ...:
/// [`columns::ESTIMATORS`]; close-to-close is `hv30` and is skipped) from the same usable
/// candles, through the HV plausibility rule (exactly 0 or above 5: `null` and a warning); an
/// estimator that cannot be had (short history, a broken session) is `null` with a note.
pub fn from_candles_with(
    f: &mut SymbolFields,
    candles: Vec<Candle>,
    truncated: bool,
    as_of: Date,
    hv_floor: f64,
    estimators: &[Estimator],
) -> bool {
    let warned = f.warnings.len();
    let usable = plausible::candles(candles, as_of, &mut f.warnings);
    if !estimators.is_empty() {
        let sessions = Sessions::new(&usable);
        for &e in estimators {
            let Some(field) = columns::estimator_field(e) else {
                continue;
            };
            let value = match sessions.estimate(e, columns::ESTIMATOR_WINDOW) {
                Ok(v) => plausible::hv(field, Some(v), &mut f.warnings),
                Err(why) => {
                    f.notes.push(why.to_string());
                    None
                }
            };
            if let Some(slot) = columns::estimator_slot(f, e) {
                *slot = value;
            }
        }
    }
    let set = hv::HvSet::from_candles(&usable);
    let mut take = |name: &str, r: &Result<f64, hv::HvError>| match r {
        Ok(v) => plausible::hv(name, Some(*v), &mut f.warnings),
        Err(e) => {
            f.notes.push(e.to_string());
            None
        }
    };
    let h20 = take("hv20", &set.hv20);
    let h30 = take("hv30", &set.hv30);
    let h90 = take("hv90", &set.hv90);
    let h252 = take("hv252", &set.hv252);
    f.hv20 = h20;
    f.hv30 = h30;
    f.hv90 = h90;
    f.hv252 = h252;
    if truncated {
        f.notes
            .push("candle history cut short by the server (SNAPSHOT_SNIP)".into());
    }
    f.vrp_structural = derived::vrp_structural(f.iv, f.hv90, hv_floor);
    f.vrp_tactical = derived::vrp_tactical(f.iv, f.hv30, hv_floor);
    f.iv_hv_spread = derived::iv_hv_spread(f.iv, f.hv30);
    f.vtr = derived::vtr(f.hv30, f.hv90);
    f.warnings.len() == warned
}

/// Straddle mid and slippage from the ATM call's and put's `(bid, ask)`; `None` (with warnings)
/// when a quote is crossed, negative or not finite.
pub fn atm_pair(
    call: (Option<f64>, Option<f64>),
    put: (Option<f64>, Option<f64>),
    warnings: &mut Vec<Warning>,
) -> Option<(Option<f64>, Option<f64>)> {
    let (Some(call), Some(put)) = (
        plausible::quote("atm_call", call.0, call.1, warnings),
        plausible::quote("atm_put", put.0, put.1, warnings),
    ) else {
        return None;
    };
    let cm = derived::mid(call.0, call.1);
    let pm = derived::mid(put.0, put.1);
    Some((cm.zip(pm).map(|(a, b)| a + b), derived::slippage(call, put)))
}

/// The expected move (straddle / price, or IV·√(dte/365) without quotes), with its method.
pub fn expected_move(f: &mut SymbolFields) {
    if let Some((m, method)) = derived::expected_move(f.straddle_mid, f.price, f.iv, f.dte) {
        f.expected_move = Some(m);
        f.expected_move_method = Some(method);
    }
}

/// `earnings_before_expiration`: for an equity with an upcoming earnings date and a chosen
/// expiration, whether the earnings fall on or before it. A date already past says nothing about
/// the next one (null, with a note).
pub fn settle_earnings(f: &mut SymbolFields, class: AssetClass, as_of: Date) {
    f.earnings_before_expiration = None;
    if class != AssetClass::Equity {
        return;
    }
    let Some(e) = f.earnings_date else {
        return;
    };
    if e < as_of {
        let note = format!("earnings date {e} is past; the next one is not known");
        if !f.notes.contains(&note) {
            f.notes.push(note);
        }
        f.earnings_date = None;
        f.days_to_earnings = None;
        return;
    }
    if let Some(x) = f.expiration {
        f.earnings_before_expiration = Some(e <= x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(day: &str, close: f64) -> Candle {
        Candle {
            time: day.parse::<Date>().unwrap().epoch_ms(),
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn candles_fill_hv_and_the_derived_fields() {
        // Alternating x1.01 and /1.01 from 100 (21 closes, weekdays of 2026-10/11): HV20 =
        // ln(1.01)*sqrt(20/19)*sqrt(252) (docs/metrics.md, by hand).
        let days: Vec<Date> = (0..40)
            .map(|k| "2026-10-01".parse::<Date>().unwrap().add_days(k))
            .filter(|d| !d.is_weekend())
            .take(21)
            .collect();
        let candles: Vec<Candle> = days
            .iter()
            .enumerate()
            .map(|(k, d)| bar(&d.to_string(), if k % 2 == 0 { 100.0 } else { 101.0 }))
            .collect();
        let mut f = SymbolFields {
            iv: Some(0.30),
            ..SymbolFields::default()
        };
        let as_of = *days.last().unwrap();
        let clean = from_candles(&mut f, candles, false, as_of, 0.05);
        assert!(clean);
        let want = (101.0f64 / 100.0).ln() * (20.0f64 / 19.0).sqrt() * 252f64.sqrt();
        assert!((f.hv20.unwrap() - want).abs() < 1e-9, "{:?}", f.hv20);
        assert_eq!(f.hv30, None);
        assert_eq!(f.vrp_structural, None);
        assert!(f
            .notes
            .iter()
            .any(|n| n.starts_with("HV30 needs 31 closes")));
        // Constant closes: HV exactly 0 is refused, and the history is not clean.
        let flat: Vec<Candle> = days.iter().map(|d| bar(&d.to_string(), 50.0)).collect();
        let mut f = SymbolFields::default();
        assert!(!from_candles(&mut f, flat, false, as_of, 0.05));
        assert_eq!(f.hv20, None);
        assert_eq!(f.warnings[0].field, "hv20");
    }

    /// `n` weekday sessions from 2026-06-01 with distinct O, H, L, C.
    fn ohlc(n: usize) -> Vec<Candle> {
        let days = (0..3 * n as i32)
            .map(|k| "2026-06-01".parse::<Date>().unwrap().add_days(k))
            .filter(|d| !d.is_weekend())
            .take(n);
        days.enumerate()
            .map(|(k, d)| {
                let c = 100.0 + (k % 7) as f64 - (k % 3) as f64 * 1.5;
                let o = c * if k % 2 == 0 { 1.004 } else { 0.993 };
                Candle {
                    time: d.epoch_ms(),
                    open: o,
                    high: o.max(c) * 1.011,
                    low: o.min(c) * 0.987,
                    close: c,
                    volume: 1.0,
                }
            })
            .collect()
    }

    #[test]
    fn estimator_columns_are_filled_only_when_asked_for() {
        use crate::vol::estimators::{estimate, Estimator};
        let candles = ohlc(40);
        let as_of = Date::from_epoch_ms(candles[39].time);
        let mut plain = SymbolFields::default();
        assert!(from_candles(
            &mut plain,
            candles.clone(),
            false,
            as_of,
            0.05
        ));
        assert_eq!(
            (plain.hv30_parkinson, plain.hv30_garman_klass),
            (None, None)
        );
        assert_eq!(
            (plain.hv30_rogers_satchell, plain.hv30_yang_zhang),
            (None, None)
        );
        let mut f = SymbolFields::default();
        let asked = [
            Estimator::CloseToClose,
            Estimator::Parkinson,
            Estimator::YangZhang,
        ];
        assert!(from_candles_with(
            &mut f,
            candles.clone(),
            false,
            as_of,
            0.05,
            &asked
        ));
        for e in [Estimator::Parkinson, Estimator::YangZhang] {
            let want = estimate(&candles, e, 30).unwrap();
            assert_eq!(columns::estimator_value(&f, e), Some(want), "{e}");
        }
        assert_eq!(f.hv30_garman_klass, None, "not asked for");
        // Close-to-close is hv30 and nothing else changes: the asked run is the plain one plus
        // the columns.
        let mut back = f.clone();
        back.hv30_parkinson = None;
        back.hv30_yang_zhang = None;
        assert_eq!(back, plain);
        // Too short a history: null with a note; Parkinson needs 30 sessions, Yang–Zhang 31.
        let mut f = SymbolFields::default();
        let short = candles[candles.len() - 30..].to_vec();
        from_candles_with(&mut f, short, false, as_of, 0.05, &asked);
        assert!(f.hv30_parkinson.is_some());
        assert_eq!(f.hv30_yang_zhang, None);
        assert!(
            f.notes.iter().any(|n| n.contains("yang_zhang over 30")),
            "{:?}",
            f.notes
        );
        // Flat sessions (O = H = L = C): exactly 0 is stale data, null with a warning, as for HV.
        let flat: Vec<Candle> = candles
            .iter()
            .map(|c| Candle {
                open: 50.0,
                high: 50.0,
                low: 50.0,
                close: 50.0,
                ..*c
            })
            .collect();
        let mut f = SymbolFields::default();
        assert!(!from_candles_with(
            &mut f,
            flat,
            false,
            as_of,
            0.05,
            &[Estimator::Parkinson]
        ));
        assert_eq!(f.hv30_parkinson, None);
        assert!(f
            .warnings
            .iter()
            .any(|w| w.field == "hv30_parkinson" && w.rule.contains("exactly 0")));
        // Above 5: broken data, null with a warning.
        let wild: Vec<Candle> = candles
            .iter()
            .map(|c| Candle {
                high: c.high * 3.0,
                low: c.low / 3.0,
                ..*c
            })
            .collect();
        let mut f = SymbolFields::default();
        from_candles_with(&mut f, wild, false, as_of, 0.05, &[Estimator::Parkinson]);
        assert_eq!(f.hv30_parkinson, None);
        assert!(f
            .warnings
            .iter()
            .any(|w| w.field == "hv30_parkinson" && w.rule.contains("(0, 5]")));
    }

    #[test]
    fn atm_pairs_refuse_crossed_quotes() {
        let mut w = Vec::new();
        let (mid, slip) = atm_pair((Some(1.0), Some(1.2)), (Some(2.0), Some(2.2)), &mut w).unwrap();
        assert!((mid.unwrap() - 3.2).abs() < 1e-12);
        assert!((slip.unwrap() - 0.2 / 1.1).abs() < 1e-12);
        assert!(atm_pair((Some(1.3), Some(1.2)), (Some(2.0), Some(2.2)), &mut w).is_none());
        assert_eq!(w[0].field, "atm_call.bid");
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn earnings_inside_the_trade() {
        let as_of = d("2026-11-20");
        let mut f = SymbolFields {
            earnings_date: Some(d("2027-01-15")),
            expiration: Some(d("2027-01-15")),
            ..SymbolFields::default()
        };
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(
            f.earnings_before_expiration,
            Some(true),
            "on the expiration day"
        );
        f.earnings_date = Some(d("2027-01-16"));
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, Some(false));
        // No expiration chosen: unknown.
        f.expiration = None;
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        // Not an equity: no earnings.
        f.expiration = Some(d("2027-01-15"));
        settle_earnings(&mut f, AssetClass::Etf, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        // A date already past says nothing about the next one.
        let mut f = SymbolFields {
            earnings_date: Some(d("2026-11-02")),
            days_to_earnings: Some(-18),
            expiration: Some(d("2027-01-15")),
            ..SymbolFields::default()
        };
        settle_earnings(&mut f, AssetClass::Equity, as_of);
        assert_eq!(f.earnings_before_expiration, None);
        assert_eq!(f.earnings_date, None);
        assert_eq!(f.days_to_earnings, None);
        assert!(f.notes[0].contains("is past"), "{:?}", f.notes);
    }
}
