//! `/market-data/by-type` rows as a client of the real service expects them: every field the
//! recorded rows carry (the official Python SDK requires `bid-size`, `ask-size`,
//! `prev-close-date` and the price types, and raised on every call without them), with the
//! recorded JSON types, for every instrument type; and values that agree with the market (the
//! previous session, the candles' closes, beta and dividends of the metrics, sizes by liquidity).

use super::shapes::kind;
use super::{as_of, f, fixture, get, items, keys, login, plain_market, set};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use volscreen_core::date::Date;

/// Fields `tastytrade.market_data.MarketData` (Python SDK 13.2.3) declares required.
const SDK_REQUIRED: &[&str] = &[
    "symbol",
    "instrument-type",
    "updated-at",
    "bid-size",
    "ask-size",
    "close-price-type",
    "summary-date",
    "prev-close-date",
    "prev-close-price-type",
    "halt-start-time",
    "halt-end-time",
];

/// The SDK's `InstrumentType` and `ClosePriceType` values the market may send.
const INSTRUMENT_TYPES: &[&str] = &[
    "Equity",
    "Index",
    "Future",
    "Equity Option",
    "Future Option",
];
const PRICE_TYPES: &[&str] = &["Final", "Indicative", "Preliminary", "Regular", "Unknown"];

/// The recorded rows' JSON type of each key (over all recorded rows; they agree).
fn recorded_kinds() -> BTreeMap<String, &'static str> {
    let recorded = fixture("market-data-by-type.json");
    let mut out = BTreeMap::new();
    for row in items(&recorded) {
        for (k, v) in row.as_object().unwrap() {
            let prev = out.insert(k.clone(), kind(v));
            assert!(prev.is_none() || prev == Some(kind(v)), "{k}");
        }
    }
    out
}

/// The first call and put symbols of a chain body's first expiration with strikes.
fn first_option(strikes: &Value) -> String {
    strikes[0]["call"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn by_type_rows_carry_every_recorded_field_for_every_instrument_type() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (_, chain) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    let occ = first_option(&chain["data"]["items"][0]["expirations"][0]["strikes"]);
    let (_, fchain) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    let fop = first_option(&fchain["data"]["option-chains"][0]["expirations"][0]["strikes"]);
    let q = format!(
        "/market-data/by-type?equity=AAPL,TSLA,SPY,KO,TLT&index=SPX,VIX&future=/ES,/CL\
         &equity-option={}&future-option={}",
        occ.replace(' ', "%20"),
        fop.replace(' ', "%20")
    );
    let (status, body) = get(&srv, &token, &q).await;
    assert_eq!(status, StatusCode::OK);
    let rows = items(&body);
    assert_eq!(rows.len(), 11, "{body}");
    let kinds = recorded_kinds();
    let recorded = fixture("market-data-by-type.json");
    let aapl_keys = keys(super::fixture_row(&recorded, "AAPL"));
    let mut types_seen = BTreeSet::new();
    for row in rows {
        let sym = row["symbol"].as_str().unwrap();
        let t = row["instrument-type"].as_str().unwrap();
        types_seen.insert(t.to_string());
        assert!(INSTRUMENT_TYPES.contains(&t), "{sym}: {t}");
        for k in SDK_REQUIRED {
            assert!(row.get(*k).is_some(), "{sym} ({t}) lacks {k}");
        }
        for (k, v) in row.as_object().unwrap() {
            let want = kinds
                .get(k)
                .unwrap_or_else(|| panic!("{sym}: {k} is not a recorded field"));
            assert_eq!(kind(v), *want, "{sym}: {k} has another JSON type");
            if *want == "string" && !matches!(k.as_str(), "symbol" | "instrument-type") {
                let s = v.as_str().unwrap();
                let ok = s.parse::<f64>().is_ok()
                    || s.parse::<Date>().is_ok()
                    || PRICE_TYPES.contains(&s)
                    || (k == "updated-at" && s.ends_with('Z'));
                assert!(ok, "{sym}: {k} = {s:?}");
            }
        }
        for k in ["close-price-type", "prev-close-price-type"] {
            assert!(PRICE_TYPES.contains(&row[k].as_str().unwrap()), "{sym} {k}");
        }
        let summary: Date = row["summary-date"].as_str().unwrap().parse().unwrap();
        let prev: Date = row["prev-close-date"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            prev,
            volscreen_sim::calendar::prev_trading_day(summary),
            "{sym}"
        );
        if t == "Equity" {
            // Equities and ETFs: the recorded equity row's fields, less the dividend pair for
            // non-payers (as TSLA in the capture).
            let pays = srv.state.market.dividend(sym).unwrap().frequency > 0;
            let mut want = aapl_keys.clone();
            if !pays {
                want.remove("dividend-amount");
                want.remove("dividend-frequency");
            }
            if srv.state.market.metrics(sym).unwrap().beta.is_none() {
                want.remove("beta");
            }
            assert_eq!(keys(row), want, "{sym}");
        }
        if t == "Index" {
            assert_eq!((f(&row["bid-size"]), f(&row["ask-size"])), (0.0, 0.0));
            assert!(row.get("bid").is_none() && row.get("ask").is_none());
        } else {
            assert!(
                f(&row["bid-size"]) >= 1.0 && f(&row["ask-size"]) >= 1.0,
                "{sym}"
            );
        }
    }
    assert_eq!(
        types_seen,
        INSTRUMENT_TYPES.iter().map(|s| s.to_string()).collect(),
        "every instrument type checked"
    );
}

/// The default watchlist's equities and ETFs (the first `n`).
fn default_equities(n: usize) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/watchlists/default.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split(',').next().unwrap_or("").trim())
        .filter(|s| !s.is_empty() && !s.starts_with('#') && *s != "symbol")
        .filter(|s| !s.starts_with('/') && !["SPX", "NDX", "RUT", "VIX"].contains(s))
        .take(n)
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn by_type_values_agree_with_the_market() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let market = &srv.state.market;
    let symbols = default_equities(100);
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-data/by-type?equity={}", symbols.join(",")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = items(&body);
    assert_eq!(rows.len(), symbols.len());
    let q = format!("/market-metrics?symbols={}", symbols.join(","));
    let (_, metrics) = get(&srv, &token, &q).await;
    let metric = |s: &str| {
        items(&metrics)
            .iter()
            .find(|m| m["symbol"] == s)
            .unwrap()
            .clone()
    };
    let mut by_volume = Vec::new();
    let mut payers = 0;
    for row in rows {
        let sym = row["symbol"].as_str().unwrap();
        let candles = market.candles(sym).unwrap();
        let (last, prev) = (&candles[candles.len() - 1], &candles[candles.len() - 2]);
        let day = |t: i64| Date::from_epoch_ms(t).to_string();
        assert_eq!(row["summary-date"], day(last.time).as_str(), "{sym}");
        assert_eq!(row["prev-close-date"], day(prev.time).as_str(), "{sym}");
        assert!((f(&row["close"]) - last.close).abs() < 1e-4, "{sym}");
        assert!((f(&row["prev-close"]) - prev.close).abs() < 1e-4, "{sym}");
        assert_eq!(row["close-price-type"], "Final");
        assert_eq!(row["prev-close-price-type"], "Final");
        let (lo, hi) = (f(&row["low-limit-price"]), f(&row["high-limit-price"]));
        assert!(lo < last.close && last.close < hi, "{sym}: LULD band");
        assert!(((hi - lo) / last.close - 0.2).abs() < 0.01 || last.close < 3.0);
        let m = metric(sym);
        assert_eq!(row.get("beta"), m.get("beta"), "{sym}: the metrics' beta");
        if row.get("dividend-amount").is_some() {
            payers += 1;
            assert_eq!(
                f(&row["dividend-amount"]),
                f(&m["dividend-rate-per-share"]),
                "{sym}"
            );
            let per_year = f(&row["dividend-frequency"]);
            assert!([1.0, 2.0, 4.0, 12.0].contains(&per_year), "{sym}");
        } else {
            assert_eq!(m["dividend-yield"], "0.0", "{sym}: no amount, no yield");
        }
        let size = f(&row["bid-size"]) + f(&row["ask-size"]);
        assert_eq!(size.fract(), 0.0);
        by_volume.push((f(&row["volume"]), size));
    }
    assert!(payers > 40 && payers < rows.len(), "{payers} payers");
    // Sizes grow with liquidity: the busiest quarter quotes deeper than the thinnest.
    by_volume.sort_by(|a, b| a.0.total_cmp(&b.0));
    let quarter = by_volume.len() / 4;
    let mean = |s: &[(f64, f64)]| s.iter().map(|x| x.1).sum::<f64>() / s.len() as f64;
    let (thin, busy) = (
        mean(&by_volume[..quarter]),
        mean(&by_volume[by_volume.len() - quarter..]),
    );
    assert!(
        busy > 1.5 * thin,
        "sizes {thin:.1} (thin) vs {busy:.1} (busy)"
    );
}

#[tokio::test]
async fn by_type_sizes_are_stable_and_dated() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let q = "/market-data/by-type?equity=AAPL,SPY&index=SPX&future=/ES";
    let (_, a) = get(&srv, &token, q).await;
    let (_, b) = get(&srv, &token, q).await;
    assert_eq!(a, b, "deterministic for a date");
    let symbols: BTreeSet<String> = items(&a)
        .iter()
        .map(|r| r["symbol"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(symbols, set(&["/ES", "AAPL", "SPX", "SPY"]));
    // The as-of date is a Friday: the previous session is Thursday.
    assert_eq!(as_of().weekday(), 4);
    let spy = items(&a).iter().find(|r| r["symbol"] == "SPY").unwrap();
    assert_eq!(spy["summary-date"], as_of().to_string().as_str());
    assert_eq!(
        spy["prev-close-date"],
        as_of().add_days(-1).to_string().as_str()
    );
}
