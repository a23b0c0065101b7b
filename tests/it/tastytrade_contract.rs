//! Contract tests of the tastytrade decoders: every recorded real response in
//! `tests/fixtures/tastytrade/` decodes with its values (scales normalised to fractions), and
//! hand-written edge cases (missing fields, numbers as numbers, unknown fields, `"NaN"`, wrong shapes)
//! decode without failing the row. Library API only; no network.

use serde_json::{json, Value};
use std::path::PathBuf;
use volscreen::date::Date;
use volscreen::tastytrade::{
    active_month, check_dxlink_url, decode_futures, decode_futures_option_chain,
    decode_market_data, decode_market_metrics, decode_option_chain, decode_quote_token, ApiError,
    ChainKind, ClientConfig, MarketMetrics, Secret,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tastytrade")
}

fn fixture(name: &str) -> Value {
    crate::harness::read_json(fixture_dir().join(name))
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert!(
            close($a, $b),
            "{} = {:?}, expected {}",
            stringify!($a),
            $a,
            $b
        )
    };
}

/// The fixtures this file decodes; a new recorded file must get a test here.
const COVERED: [&str; 7] = [
    "futures-option-chains-nested-ES.json",
    "instruments-futures-ES.json",
    "instruments-futures-LE.json",
    "market-data-by-type.json",
    "market-metrics-AAPL-TSLA.json",
    "option-chains-nested-AAPL.json",
    "option-chains-nested-SPY.json",
];

#[test]
fn every_fixture_is_covered_and_the_readme_kept() {
    let mut found: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(found, COVERED);
    assert!(fixture_dir().join("README.md").exists());
}

#[test]
fn market_metrics_aapl_and_tsla() {
    let rows = decode_market_metrics(&fixture("market-metrics-AAPL-TSLA.json")).unwrap();
    assert_eq!(rows.len(), 2);
    let aapl = &rows[0];
    assert_eq!(aapl.symbol, "AAPL");
    // Fractions on the wire stay fractions.
    assert_close!(aapl.iv_index, 0.224186663);
    assert_close!(aapl.iv_index_5d_change, -0.014691909);
    assert_close!(aapl.iv_rank, 0.02231313);
    assert_eq!(aapl.iv_rank_source.as_deref(), Some("tos"));
    assert_close!(aapl.tos_iv_rank, 0.02231313);
    assert_close!(aapl.tw_iv_rank, 0.037374278);
    assert_close!(aapl.iv_percentile, 0.031249801);
    // Percent points on the wire become fractions.
    assert_close!(aapl.iv_30d, 0.2187);
    assert_close!(aapl.hv_30d, 0.2002);
    assert_close!(aapl.hv_60d, 0.1955);
    assert_close!(aapl.hv_90d, 0.2024);
    assert_close!(aapl.iv_hv_30d_difference, 0.0185);
    assert_eq!(aapl.liquidity_rating, Some(4));
    assert_close!(aapl.liquidity_value, 899091.420242437);
    assert_close!(aapl.liquidity_rank, 1.516319123);
    assert_close!(aapl.beta, 1.265634436);
    assert_close!(aapl.corr_spy_3month, 0.79);
    assert_close!(aapl.market_cap, 2846108626900.0);
    assert_close!(aapl.dividend_yield, 0.006396146);
    let earnings = aapl.earnings.as_ref().unwrap();
    assert_eq!(earnings.expected_report_date, Some(d("2023-07-27")));
    assert_eq!(earnings.estimated, Some(false));
    assert_eq!(earnings.visible, Some(true));
    assert_eq!(earnings.late_flag, Some(0));
    assert_eq!(earnings.time_of_day, None);
    assert_close!(earnings.actual_eps, 1.2);
    assert_eq!(aapl.expiration_ivs.len(), 3);
    assert_eq!(
        aapl.expiration_ivs[0].expiration_date,
        Some(d("2023-06-09"))
    );
    assert_eq!(
        aapl.expiration_ivs[0].settlement_type.as_deref(),
        Some("PM")
    );
    assert_eq!(
        aapl.expiration_ivs[0].option_chain_type.as_deref(),
        Some("Standard")
    );
    assert_close!(aapl.expiration_ivs[0].implied_volatility, 0.288187496);
    assert_close!(aapl.expiration_ivs[2].implied_volatility, 0.23260259);
    assert_eq!(aapl.updated_at.as_deref(), Some("2023-06-07T19:55:23.376Z"));
    let updated = aapl.updated_at_ms().unwrap();
    assert_eq!(Date::from_epoch_ms(updated), d("2023-06-07"));
    assert_eq!(
        updated % 86_400_000,
        ((19 * 60 + 55) * 60 + 23) * 1000 + 376
    );

    let tsla = &rows[1];
    assert_eq!(tsla.symbol, "TSLA");
    assert_close!(tsla.iv_index, 0.550920788);
    assert_close!(tsla.iv_rank, 0.12821369);
    assert_close!(tsla.tw_iv_rank, 0.425296508);
    assert_close!(tsla.iv_percentile, 0.107956139);
    assert_close!(tsla.iv_30d, 0.5491);
    assert_close!(tsla.hv_30d, 0.3663);
    assert_close!(tsla.hv_60d, 0.4498);
    assert_close!(tsla.hv_90d, 0.4842);
    assert_close!(tsla.iv_hv_30d_difference, 0.1828);
    assert_eq!(tsla.liquidity_rating, Some(4));
    assert_close!(tsla.market_cap, 678178835284.0);
    assert_eq!(
        tsla.earnings.as_ref().unwrap().expected_report_date,
        Some(d("2023-07-19"))
    );
    assert_close!(tsla.expiration_ivs[1].implied_volatility, 0.562039188);
}

#[test]
fn market_data_by_type() {
    let rows = decode_market_data(&fixture("market-data-by-type.json")).unwrap();
    let symbols: Vec<&str> = rows.iter().map(|r| r.symbol.as_str()).collect();
    assert_eq!(symbols, ["BTC/USD", "AAPL", "TSLA"]);
    let aapl = &rows[1];
    assert_eq!(aapl.instrument_type.as_deref(), Some("Equity"));
    assert_close!(aapl.mid, 210.575);
    assert_close!(aapl.bid, 210.55);
    assert_close!(aapl.ask, 210.6);
    assert_close!(aapl.mark, 210.55);
    assert_close!(aapl.last, 210.511);
    assert_close!(aapl.close, 211.21);
    assert_close!(aapl.prev_close, 210.14);
    assert_close!(aapl.day_high, 212.24);
    assert_close!(aapl.day_low, 208.37);
    assert_close!(aapl.year_high, 260.1);
    assert_close!(aapl.volume, 35348839.0);
    assert_eq!(aapl.is_trading_halted, Some(false));
    assert_eq!(aapl.summary_date, Some(d("2025-04-29")));
    assert_close!(aapl.quote_mid(), 210.575);
    assert_close!(aapl.price(), 210.55);
    let btc = &rows[0];
    assert_eq!(btc.instrument_type.as_deref(), Some("Cryptocurrency"));
    assert_eq!(btc.close, None, "no close for crypto intraday");
    assert_eq!(btc.volume, None);
    assert_close!(btc.mid, 94485.805);
    let tsla = &rows[2];
    assert_close!(tsla.mark, 289.44);
    assert_close!(tsla.year_high, 488.5399);
}

#[test]
fn option_chain_aapl() {
    let chain = decode_option_chain("AAPL", &fixture("option-chains-nested-AAPL.json")).unwrap();
    assert_eq!(chain.kind, ChainKind::Equity);
    assert_eq!(chain.symbol, "AAPL");
    assert_eq!(chain.underlying.as_deref(), Some("AAPL"));
    assert!(chain.futures.is_empty());
    assert_eq!(chain.expirations.len(), 1);
    let e = &chain.expirations[0];
    assert_eq!(e.date, d("2023-06-16"));
    assert_eq!(e.dte, Some(4));
    assert_eq!(e.expiration_type.as_deref(), Some("Regular"));
    assert!(e.is_monthly());
    assert_eq!(e.settlement.as_deref(), Some("PM"));
    assert_eq!(e.root_symbol.as_deref(), Some("AAPL"));
    assert_eq!(e.chain_type.as_deref(), Some("Standard"));
    assert_eq!(e.shares_per_contract, Some(100.0));
    assert_eq!(e.underlying_symbol.as_deref(), Some("AAPL"));
    let prices: Vec<f64> = e.strikes.iter().map(|s| s.price).collect();
    assert_eq!(prices, [60.0, 65.0]);
    let s60 = &e.strikes[0];
    assert_eq!(s60.call.as_deref(), Some("AAPL  230616C00060000"));
    assert_eq!(s60.call_streamer.as_deref(), Some(".AAPL230616C60"));
    assert_eq!(s60.put.as_deref(), Some("AAPL  230616P00060000"));
    assert_eq!(s60.put_streamer.as_deref(), Some(".AAPL230616P60"));
    assert_eq!(e.strikes[1].put_streamer.as_deref(), Some(".AAPL230616P65"));
    assert_eq!(e.nearest_strike(63.0).unwrap().price, 65.0);
    assert_eq!(e.nearest_strike(62.5).unwrap().price, 60.0, "tie: lower");
    assert_eq!(chain.monthly_near(4, 0, 10).map(|e| e.date), Some(e.date));
    assert_eq!(chain.monthly_near(45, 25, 70), None);
}

#[test]
fn option_chain_spy_bare_data_member() {
    let chain = decode_option_chain("SPY", &fixture("option-chains-nested-SPY.json")).unwrap();
    assert_eq!(chain.underlying.as_deref(), Some("SPY"));
    let dates: Vec<Date> = chain.expirations.iter().map(|e| e.date).collect();
    assert_eq!(dates, [d("2026-08-04"), d("2026-08-05"), d("2026-08-06")]);
    let dtes: Vec<Option<i64>> = chain.expirations.iter().map(|e| e.dte).collect();
    assert_eq!(dtes, [Some(0), Some(1), Some(2)]);
    for e in &chain.expirations {
        assert_eq!(e.expiration_type.as_deref(), Some("Weekly"));
        assert!(!e.is_monthly());
        assert_eq!(e.strikes.len(), 3);
    }
    let s = &chain.expirations[0].strikes[0];
    assert_eq!(s.price, 500.0);
    assert_eq!(s.call.as_deref(), Some("SPY   260804C00500000"));
    assert_eq!(s.call_streamer.as_deref(), Some(".SPY260804C500"));
    assert_eq!(
        chain.expirations[2].strikes[2].put_streamer.as_deref(),
        Some(".SPY260806P510")
    );
}

#[test]
fn futures_option_chain_es() {
    let chain = decode_futures_option_chain("ES", &fixture("futures-option-chains-nested-ES.json"))
        .unwrap();
    assert_eq!(chain.kind, ChainKind::Future);
    assert_eq!(chain.symbol, "ES");
    assert_eq!(chain.underlying.as_deref(), Some("/ES"));
    let contracts: Vec<&str> = chain.futures.iter().map(|f| f.symbol.as_str()).collect();
    assert_eq!(contracts, ["/ESM3", "/ESU3", "/ESZ3", "/ESZ7"]);
    let active = active_month(&chain.futures).unwrap();
    assert_eq!(active.symbol, "/ESM3");
    assert_eq!(active.days_to_expiration, Some(5));
    assert_eq!(active.expiration_date, Some(d("2023-06-16")));
    assert_eq!(chain.futures[1].next_active_month, Some(true));
    assert_eq!(chain.expirations.len(), 1);
    let e = &chain.expirations[0];
    assert_eq!(e.date, d("2023-07-28"));
    assert_eq!(e.dte, Some(47));
    assert_eq!(e.expiration_type.as_deref(), Some("Weekly"));
    assert_eq!(e.settlement.as_deref(), Some("PM"));
    assert_eq!(
        e.underlying_symbol.as_deref(),
        Some("/ESU3"),
        "the contract"
    );
    assert_eq!(e.root_symbol.as_deref(), Some("/ES"));
    assert_eq!(e.option_root_symbol.as_deref(), Some("EW4"));
    let prices: Vec<f64> = e.strikes.iter().map(|s| s.price).collect();
    assert_eq!(prices, [3990.0, 4530.0, 4610.0]);
    assert_eq!(
        e.strikes[0].call.as_deref(),
        Some("./ESU3 EW4N3 230728C3990")
    );
    assert_eq!(
        e.strikes[0].call_streamer.as_deref(),
        Some("./EW4N23C3990:XCME")
    );
    assert_eq!(
        e.strikes[2].put_streamer.as_deref(),
        Some("./EW4N23P4610:XCME")
    );
    assert_eq!(e.nearest_strike(4300.0).unwrap().price, 4530.0);
}

#[test]
fn futures_instruments_es() {
    let contracts = decode_futures(&fixture("instruments-futures-ES.json")).unwrap();
    assert_eq!(contracts.len(), 1);
    let es = active_month(&contracts).unwrap();
    assert_eq!(es.symbol, "/ESM3");
    assert_eq!(es.streamer_symbol.as_deref(), Some("/ESM23:XCME"));
    assert_eq!(es.product_code.as_deref(), Some("ES"));
    assert_eq!(es.root_symbol.as_deref(), Some("/ES"));
    assert_eq!(es.code().as_deref(), Some("ES"));
    assert_eq!(es.expiration_date, Some(d("2023-06-16")));
    assert_eq!(es.last_trade_date, Some(d("2023-06-16")));
    assert_eq!(es.next_active_month, Some(false));
    assert_eq!(es.is_tradeable, Some(true));
    assert_eq!(es.exchange.as_deref(), Some("CME"));
    assert_eq!(es.description.as_deref(), Some("E Mini S&P"));
}

#[test]
fn futures_instruments_le_bare_data_member() {
    let contracts = decode_futures(&fixture("instruments-futures-LE.json")).unwrap();
    let symbols: Vec<&str> = contracts.iter().map(|c| c.symbol.as_str()).collect();
    assert_eq!(symbols, ["/LEQ6", "/LEV6", "/LEZ6"]);
    // The active month is the flagged contract, not the nearest expiry (/LEQ6).
    let active = active_month(&contracts).unwrap();
    assert_eq!(active.symbol, "/LEV6");
    assert_eq!(active.streamer_symbol.as_deref(), Some("/LEV26:XCME"));
    assert_eq!(active.expiration_date, Some(d("2026-10-30")));
    assert_eq!(active.description.as_deref(), Some("Live Cattle Futures"));
    let next: Vec<&str> = contracts
        .iter()
        .filter(|c| c.next_active_month == Some(true))
        .map(|c| c.symbol.as_str())
        .collect();
    assert_eq!(next, ["/LEZ6"]);
    assert!(contracts.iter().all(|c| c.code().as_deref() == Some("LE")));
}

fn one_metrics_row(row: Value) -> MarketMetrics {
    let rows = decode_market_metrics(&json!({"data": {"items": [row]}})).unwrap();
    assert_eq!(rows.len(), 1);
    rows.into_iter().next().unwrap()
}

#[test]
fn metrics_with_only_a_symbol() {
    let m = one_metrics_row(json!({"symbol": "ZZZZ"}));
    assert_eq!(m.symbol, "ZZZZ");
    assert_eq!(m.iv_index, None);
    assert_eq!(m.iv_rank, None);
    assert_eq!(m.iv_percentile, None);
    assert_eq!(m.hv_30d, None);
    assert_eq!(m.liquidity_rating, None);
    assert_eq!(m.earnings, None);
    assert!(m.expiration_ivs.is_empty());
    assert_eq!(m.updated_at_ms(), None);
}

#[test]
fn metrics_numbers_as_numbers_and_strings_as_numbers() {
    let m = one_metrics_row(json!({
        "symbol": "SPY",
        "implied-volatility-index": 0.18,
        "implied-volatility-percentile": 0.5,
        "historical-volatility-30-day": 25,
        "implied-volatility-30-day": "19",
        "liquidity-rating": "5",
        "market-cap": "123.5",
        "earnings": {"expected-report-date": "2026-01-30", "estimated": "true", "late-flag": "1"}
    }));
    assert_close!(m.iv_index, 0.18);
    assert_close!(m.iv_percentile, 0.5);
    assert_close!(m.hv_30d, 0.25);
    assert_close!(m.iv_30d, 0.19);
    assert_eq!(m.liquidity_rating, Some(5));
    assert_close!(m.market_cap, 123.5);
    let e = m.earnings.unwrap();
    assert_eq!(e.estimated, Some(true));
    assert_eq!(e.late_flag, Some(1));
}

#[test]
fn metrics_nan_empty_and_null_are_none() {
    let m = one_metrics_row(json!({
        "symbol": "KO",
        "implied-volatility-index": "NaN",
        "implied-volatility-index-rank": "",
        "implied-volatility-percentile": null,
        "historical-volatility-30-day": "Infinity",
        "historical-volatility-90-day": "-Infinity",
        "beta": "n/a",
        "liquidity-rating": "NaN",
        "option-expiration-implied-volatilities": [
            {"expiration-date": "2026-02-20", "implied-volatility": "NaN"}
        ]
    }));
    assert_eq!(m.iv_index, None);
    assert_eq!(m.iv_rank, None);
    assert_eq!(m.iv_percentile, None);
    assert_eq!(m.hv_30d, None);
    assert_eq!(m.hv_90d, None);
    assert_eq!(m.beta, None);
    assert_eq!(m.liquidity_rating, None);
    assert_eq!(m.expiration_ivs.len(), 1);
    assert_eq!(m.expiration_ivs[0].implied_volatility, None);
    assert_eq!(m.expiration_ivs[0].expiration_date, Some(d("2026-02-20")));
}

#[test]
fn metrics_unknown_fields_and_wrong_shapes_are_ignored() {
    let m = one_metrics_row(json!({
        "symbol": "AAPL",
        "brand-new-field": {"nested": [1, 2, {"x": "y"}]},
        "another": [null],
        "implied-volatility-index": "0.3",
        "earnings": "soon",
        "option-expiration-implied-volatilities": "none",
        "liquidity-running-state": 7
    }));
    assert_close!(m.iv_index, 0.3);
    assert_eq!(m.earnings, None);
    assert!(m.expiration_ivs.is_empty());
}

#[test]
fn metrics_openapi_rank_name_is_a_fallback() {
    let m = one_metrics_row(json!({"symbol": "X", "implied-volatility-rank": 0.42}));
    assert_close!(m.iv_rank, 0.42);
    let m = one_metrics_row(json!({
        "symbol": "X",
        "implied-volatility-rank": 0.42,
        "implied-volatility-index-rank": "0.1"
    }));
    assert_close!(m.iv_rank, 0.1);
}

#[test]
fn metrics_field_name_variants_and_value_types() {
    // The OpenAPI names, typed as numbers.
    let m = one_metrics_row(json!({
        "symbol": "X",
        "implied-volatility-index": 0.31,
        "implied-volatility-rank": 0.42,
        "implied-volatility-percentile": 0.5,
        "liquidity": 3
    }));
    assert_close!(m.iv_index, 0.31);
    assert_close!(m.iv_rank, 0.42);
    assert_close!(m.iv_percentile, 0.5);
    assert_eq!(m.liquidity_rating, Some(3));
    // The live names, typed as strings, win over the OpenAPI names.
    let m = one_metrics_row(json!({
        "symbol": "X",
        "implied-volatility-index-rank": "0.1",
        "implied-volatility-rank": "0.9",
        "liquidity-rating": "4",
        "liquidity": "2"
    }));
    assert_close!(m.iv_rank, 0.1);
    assert_eq!(m.liquidity_rating, Some(4));
    // An integral float as a rating, a rating as text of a float; texts sent as numbers.
    let m = one_metrics_row(json!({
        "symbol": 1234,
        "liquidity-rating": 4.0,
        "implied-volatility-index-rank-source": 7,
        "earnings": {"time-of-day": 1, "expected-report-date": "2026-01-30T21:00:00Z"}
    }));
    assert_eq!(m.symbol, "1234");
    assert_eq!(m.liquidity_rating, Some(4));
    assert_eq!(m.iv_rank_source.as_deref(), Some("7"));
    let e = m.earnings.unwrap();
    assert_eq!(e.time_of_day.as_deref(), Some("1"));
    assert_eq!(e.expected_report_date, Some(d("2026-01-30")));
    let m = one_metrics_row(json!({"symbol": "X", "liquidity": "5.0"}));
    assert_eq!(m.liquidity_rating, Some(5));
}

/// The decoder checks no range: implausible values arrive exactly as sent (scaled where the
/// field is in percent points) so that the pipeline can flag them; nothing is dropped or clamped.
#[test]
fn metrics_out_of_range_values_pass_through_as_sent() {
    let m = one_metrics_row(json!({
        "symbol": "AMZN",
        "implied-volatility-index": "50",
        "implied-volatility-index-rank": -5,
        "implied-volatility-percentile": "1.5",
        "tos-implied-volatility-index-rank": "7",
        "historical-volatility-30-day": "5000",
        "implied-volatility-30-day": -3,
        "liquidity-rating": 99,
        "option-expiration-implied-volatilities": [
            {"expiration-date": "2026-02-20", "implied-volatility": "1e308"}
        ]
    }));
    assert_close!(m.iv_index, 50.0);
    assert_close!(m.iv_rank, -5.0);
    assert_close!(m.iv_percentile, 1.5);
    assert_close!(m.tos_iv_rank, 7.0);
    assert_close!(m.hv_30d, 50.0);
    assert_close!(m.iv_30d, -0.03);
    assert_eq!(m.liquidity_rating, Some(99));
    assert_eq!(m.expiration_ivs[0].implied_volatility, Some(1e308));
    for (raw, want) in [
        (json!(999), 999i64),
        (json!(-1), -1),
        (json!("-1"), -1),
        (json!("999"), 999),
        (json!(0), 0),
    ] {
        let m = one_metrics_row(json!({"symbol": "X", "liquidity-rating": raw}));
        assert_eq!(m.liquidity_rating, Some(want), "{raw}");
        let m = one_metrics_row(json!({"symbol": "X", "liquidity": raw}));
        assert_eq!(m.liquidity_rating, Some(want), "{raw}");
    }
    let m = one_metrics_row(json!({"symbol": "X", "implied-volatility-rank": "-5"}));
    assert_close!(m.iv_rank, -5.0);
}

#[test]
fn rows_without_a_symbol_are_skipped_not_fatal() {
    let rows = decode_market_metrics(&json!({"data": {"items": [
        {"implied-volatility-index": "0.2"},
        {"symbol": ""},
        {"symbol": null},
        "garbage",
        42,
        {"symbol": "MSFT", "implied-volatility-index": "0.25"}
    ]}}))
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].symbol, "MSFT");
}

#[test]
fn empty_and_missing_lists() {
    assert!(
        decode_market_metrics(&json!({"data": {"items": []}, "context": "/market-metrics"}))
            .unwrap()
            .is_empty()
    );
    let e = decode_market_metrics(&json!({"data": {}})).unwrap_err();
    assert!(e.to_string().contains("items"), "{e}");
    let e = decode_market_data(&json!({"error": {"code": "x", "message": "boom"}})).unwrap_err();
    assert!(e.to_string().contains("boom"), "{e}");
    assert!(decode_futures(&json!("nope")).is_err());
}

#[test]
fn market_data_edge_cases() {
    let rows = decode_market_data(&json!({"data": {"items": [
        {"symbol": "SPX", "instrument-type": "Index", "mark": 5000.5, "last": "5000.25", "mid": "NaN",
         "is-trading-halted": "false", "unknown-thing": {"a": 1}},
        {"symbol": "XYZ"}
    ]}}))
    .unwrap();
    let spx = &rows[0];
    assert_eq!(spx.bid, None);
    assert_eq!(spx.ask, None);
    assert_eq!(spx.mid, None);
    assert_close!(spx.mark, 5000.5);
    assert_close!(spx.last, 5000.25);
    assert_eq!(spx.is_trading_halted, Some(false));
    assert_eq!(spx.quote_mid(), None);
    assert_close!(spx.price(), 5000.5);
    assert_eq!(rows[1].price(), None);
}

#[test]
fn chain_edge_cases() {
    let body = json!({"data": {"items": [
        {"underlying-symbol": "SPX", "root-symbol": "SPXW", "option-chain-type": "Standard",
         "shares-per-contract": "100",
         "expirations": [
            {"expiration-date": "2026-03-20", "days-to-expiration": "30", "settlement-type": "PM",
             "strikes": [
                {"strike-price": 5010, "call": "SPXW  260320C05010000"},
                {"call": "no price"},
                {"strike-price": "NaN"},
                {"strike-price": "5000.0", "put-streamer-symbol": ".SPXW260320P5000", "extra": true}
             ]},
            {"expiration-type": "Weekly", "strikes": []}
         ]},
        {"underlying-symbol": "SPX", "root-symbol": "SPX",
         "expirations": [
            {"expiration-date": "2026-03-20", "expiration-type": "Regular", "settlement-type": "AM",
             "days-to-expiration": 30, "strikes": "none"}
         ]}
    ]}});
    let chain = decode_option_chain("SPX", &body).unwrap();
    assert_eq!(
        chain.expirations.len(),
        2,
        "the dateless expiration is skipped"
    );
    let roots: Vec<Option<&str>> = chain
        .expirations
        .iter()
        .map(|e| e.root_symbol.as_deref())
        .collect();
    assert_eq!(
        roots,
        [Some("SPX"), Some("SPXW")],
        "same date: sorted by root"
    );
    let spxw = &chain.expirations[1];
    assert_eq!(spxw.dte, Some(30));
    assert_eq!(spxw.expiration_type, None);
    assert!(spxw.is_monthly(), "no type: 2026-03-20 is a third Friday");
    assert_eq!(spxw.shares_per_contract, Some(100.0));
    let prices: Vec<f64> = spxw.strikes.iter().map(|s| s.price).collect();
    assert_eq!(
        prices,
        [5000.0, 5010.0],
        "sorted, priceless strikes skipped"
    );
    assert_eq!(spxw.strikes[0].call, None);
    assert_eq!(
        spxw.strikes[0].put_streamer.as_deref(),
        Some(".SPXW260320P5000")
    );
    assert!(chain.expirations[0].strikes.is_empty());
    assert_eq!(
        chain
            .monthly_near(45, 25, 70)
            .map(|e| e.root_symbol.as_deref()),
        Some(Some("SPX"))
    );
    assert!(decode_futures_option_chain("ES", &json!({"data": {}})).is_err());
}

#[test]
fn quote_token_decodes_and_hides_the_token() {
    let qt = decode_quote_token(&json!({"data": {
        "token": "qt-super-secret", "dxlink-url": "wss://tasty-openapi-ws.dxfeed.com/realtime",
        "level": "api", "expires-at": "2026-01-02T00:00:00Z", "new-field": 1
    }, "context": "/api-quote-tokens"}))
    .unwrap();
    assert_eq!(qt.token.expose(), "qt-super-secret");
    assert_eq!(qt.dxlink_url, "wss://tasty-openapi-ws.dxfeed.com/realtime");
    assert_eq!(qt.level.as_deref(), Some("api"));
    assert!(!format!("{qt:?}").contains("qt-super-secret"));
    assert!(check_dxlink_url(&qt.dxlink_url).is_ok());
    assert!(matches!(
        check_dxlink_url("ws://tasty-openapi-ws.dxfeed.com/realtime"),
        Err(ApiError::InsecureUrl { .. })
    ));
    assert!(check_dxlink_url("ws://127.0.0.1:9/dxlink").is_ok());
    assert!(decode_quote_token(&json!({"data": {"token": "x"}})).is_err());
}

#[test]
fn secrets_never_print() {
    let config = ClientConfig::new("http://127.0.0.1:1", "cs-secret-value", "rt-secret-value");
    let shown = format!("{config:?}");
    assert!(!shown.contains("cs-secret-value") && !shown.contains("rt-secret-value"));
    assert!(shown.contains("[redacted]"));
    assert_eq!(Secret::new("abc").to_string(), "[redacted]");
    let e = ApiError::InvalidGrant {
        detail: "Grant revoked".into(),
    };
    assert!(e.to_string().contains("invalid_grant"));
}
