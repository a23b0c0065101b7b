//! The output formats of `src/report/` through the library API: the JSON document (validated
//! against docs/screen-output.schema.json, round-tripped, NaN-free), the CSV (the same values as
//! the JSON candidates), the table (percentages, unknowns, colour, `--explain`, width) and the
//! benchmark breakdown.
//!
//! This module owns the report every test renders ([`sample`]) and the rendering helpers; the
//! tests are in [`json`], [`csv`], [`table`], [`benchmark`] and [`writers`] (format names, the
//! reporter constructor, a closed pipe).

use serde_json::{json, Value};
use std::collections::BTreeMap;
use volscreen::date::Date;
use volscreen::report::model::{
    Candidate, Counts, ErrorEntry, FilterSummary, Meta, RejectStage, Rejected, RequestStats,
    ScanReport, Signal, SourceKind, Stage, StageTiming, SymbolFields, Timings, Warning,
};
use volscreen::report::{self, Format, Options};
use volscreen::symbol::AssetClass;
use volscreen::vol::derived::MoveMethod;

mod benchmark;
mod csv;
mod json;
mod table;
mod writers;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn passed_all() -> Vec<String> {
    [
        "data_integrity",
        "iv_percentile",
        "liquidity_rating",
        "price",
        "vrp_structural",
        "vrp_tactical",
        "vtr",
        "slippage",
    ]
    .map(String::from)
    .to_vec()
}

/// A realistic scan of eight symbols: three candidates (one with an IV-estimated move, one with
/// a NaN that must become null), two rejected, three errors.
fn sample() -> ScanReport {
    let tsla = Candidate {
        rank: 1,
        symbol: "TSLA".into(),
        fields: SymbolFields {
            asset_class: Some(AssetClass::Equity),
            price: Some(251.3),
            iv: Some(0.624),
            iv_rank: Some(0.71),
            iv_percentile: Some(0.83),
            hv20: Some(0.41),
            hv30: Some(0.452),
            hv90: Some(0.437),
            hv252: Some(0.55),
            hv30_parkinson: None,
            hv30_garman_klass: None,
            hv30_rogers_satchell: None,
            hv30_yang_zhang: None,
            vrp_structural: Some(1.4279),
            vrp_tactical: Some(1.3805),
            iv_hv_spread: Some(0.172),
            vtr: Some(1.0343),
            liquidity_rating: Some(5),
            earnings_date: None,
            days_to_earnings: None,
            expiration: Some(date("2026-12-18")),
            dte: Some(28),
            atm_strike: Some(250.0),
            straddle_mid: Some(21.85),
            expected_move: Some(0.08695),
            expected_move_method: Some(MoveMethod::Straddle),
            slippage: Some(0.0123),
            notes: vec![],
            earnings_before_expiration: Some(false),
            warnings: vec![],
        },
        score: Some(78.4),
        signal: Signal::Rich,
        filters: FilterSummary {
            passed: passed_all(),
            failed: vec![],
            ..FilterSummary::default()
        },
    };
    let es = Candidate {
        rank: 2,
        symbol: "/ES".into(),
        fields: SymbolFields {
            asset_class: Some(AssetClass::Future),
            price: Some(6012.25),
            iv: Some(0.158),
            iv_rank: Some(0.44),
            iv_percentile: Some(0.61),
            hv20: Some(0.12),
            hv30: Some(0.125),
            hv90: Some(0.131),
            hv252: None,
            hv30_parkinson: None,
            hv30_garman_klass: None,
            hv30_rogers_satchell: None,
            hv30_yang_zhang: None,
            vrp_structural: Some(1.206),
            vrp_tactical: Some(1.264),
            iv_hv_spread: Some(0.033),
            vtr: Some(0.954),
            liquidity_rating: Some(4),
            earnings_date: None,
            days_to_earnings: None,
            expiration: Some(date("2026-12-18")),
            dte: Some(28),
            atm_strike: None,
            straddle_mid: None,
            expected_move: Some(0.04372),
            expected_move_method: Some(MoveMethod::IvDte),
            slippage: None,
            notes: vec!["HV252 needs 253 closes, have 180".into()],
            earnings_before_expiration: None,
            warnings: vec![],
        },
        score: Some(61.0),
        signal: Signal::Fair,
        filters: FilterSummary {
            passed: passed_all(),
            failed: vec![],
            na: vec!["earnings".into()],
            unknown: vec![],
        },
    };
    let nvda = Candidate {
        rank: 3,
        symbol: "NVDA".into(),
        fields: SymbolFields {
            asset_class: Some(AssetClass::Equity),
            price: Some(131.07),
            iv: Some(0.512),
            iv_rank: Some(f64::NAN),
            iv_percentile: Some(0.77),
            hv20: Some(0.38),
            hv30: Some(0.405),
            hv90: Some(0.389),
            hv252: Some(0.47),
            hv30_parkinson: None,
            hv30_garman_klass: None,
            hv30_rogers_satchell: None,
            hv30_yang_zhang: None,
            vrp_structural: Some(1.316),
            vrp_tactical: Some(1.264),
            iv_hv_spread: Some(0.107),
            vtr: Some(1.041),
            liquidity_rating: None,
            earnings_date: Some(date("2026-11-26")),
            days_to_earnings: Some(6),
            expiration: Some(date("2026-12-18")),
            dte: Some(28),
            atm_strike: Some(130.0),
            straddle_mid: Some(9.61),
            expected_move: Some(0.07332),
            expected_move_method: Some(MoveMethod::Straddle),
            slippage: Some(f64::INFINITY),
            notes: vec![],
            earnings_before_expiration: Some(true),
            warnings: vec![Warning::number(
                "iv_rank",
                71.0,
                "iv_rank must be a fraction in [0, 1]",
            )],
        },
        score: Some(70.2),
        signal: Signal::Event,
        filters: FilterSummary {
            passed: passed_all(),
            failed: vec![],
            ..FilterSummary::default()
        },
    };
    let ko = Rejected {
        symbol: "KO".into(),
        stage: RejectStage::Prefilter,
        reasons: vec![
            "iv_percentile 0.12 < 0.50".into(),
            "liquidity_rating 3 < 4".into(),
        ],
        fields: SymbolFields {
            asset_class: Some(AssetClass::Equity),
            price: Some(62.4),
            iv: Some(0.151),
            iv_rank: Some(0.08),
            iv_percentile: Some(0.12),
            liquidity_rating: Some(3),
            ..SymbolFields::default()
        },
    };
    let xlu = Rejected {
        symbol: "XLU".into(),
        stage: RejectStage::Filter,
        reasons: vec![
            "vrp_structural 0.94 <= 1.10".into(),
            "vrp_tactical unknown (HV30 needs 31 closes, have 12)".into(),
            "vtr unknown (HV90 needs 91 closes, have 12)".into(),
        ],
        fields: SymbolFields {
            asset_class: Some(AssetClass::Etf),
            price: Some(78.9),
            iv: Some(0.171),
            iv_rank: Some(0.52),
            iv_percentile: Some(0.66),
            hv20: Some(0.182),
            vrp_structural: Some(0.94),
            liquidity_rating: Some(4),
            notes: vec![
                "HV30 needs 31 closes, have 12".into(),
                "HV90 needs 91 closes, have 12".into(),
            ],
            warnings: vec![Warning::new(
                "candles",
                json!({"date": "2027-01-04", "close": 1e308}),
                "a candle is dated after the as-of date",
            )],
            ..SymbolFields::default()
        },
    };
    let errors = vec![
        ErrorEntry {
            symbol: "ZZZZ".into(),
            stage: Stage::Metrics,
            error: "not found".into(),
            unknown: vec![],
            fields: SymbolFields::default(),
        },
        ErrorEntry {
            symbol: "/QQ".into(),
            stage: Stage::Candles,
            error: "no candles within 2000 ms".into(),
            unknown: vec![
                "vrp_tactical unknown (no candles)".into(),
                "vtr unknown (no candles)".into(),
            ],
            fields: SymbolFields {
                asset_class: Some(AssetClass::Future),
                price: Some(21012.5),
                iv: Some(0.21),
                warnings: vec![Warning::number(
                    "iv_percentile",
                    1.5,
                    "iv_percentile must be a fraction in [0, 1]",
                )],
                ..SymbolFields::default()
            },
        },
        ErrorEntry {
            symbol: "12$X".into(),
            stage: Stage::Load,
            error: "default.csv:14: invalid symbol \"12$X\"".into(),
            unknown: vec![],
            fields: SymbolFields::default(),
        },
    ];
    let stage =
        |name: &str, start_ms: f64, end_ms: f64, items_in, items_out, requests| StageTiming {
            name: name.into(),
            start_ms,
            end_ms,
            items_in,
            items_out,
            requests,
        };
    let per_endpoint: BTreeMap<String, u64> = [
        ("/oauth/token", 1),
        ("/api-quote-tokens", 1),
        ("/market-metrics", 1),
        ("/market-data/by-type", 1),
        ("/option-chains/{symbol}/nested", 4),
        ("dxlink-connections", 2),
        ("dxlink-subscriptions", 6),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    ScanReport {
        meta: Meta {
            tool: "volscreen".into(),
            version: "0.1.0".into(),
            source: SourceKind::Demo,
            profile: "balanced".into(),
            scanned_at: "2026-11-20T14:30:05.123Z".into(),
            as_of: date("2026-11-20"),
            watchlist: "config/watchlists/default.csv".into(),
            symbols_requested: 8,
            counts: Counts {
                candidates: 3,
                rejected: 2,
                errors: 3,
            },
            complete: true,
            incomplete_reason: None,
            show_all: false,
            top: None,
            excluded: vec!["/CL".into()],
            watch: None,
            timings: Timings {
                total_ms: 412.5,
                stages: vec![
                    stage("load", 0.0, 1.2, 8, 7, 0),
                    stage("auth", 1.2, 40.1, 7, 7, 2),
                    stage("metrics", 40.1, 95.7, 7, 6, 2),
                    stage("prefilter", 95.7, 95.9, 6, 5, 0),
                    stage("enrich", 95.9, 398.0, 5, 4, 12),
                    stage("compute", 398.0, 401.3, 4, 4, 0),
                    stage("filter", 401.3, 401.5, 4, 3, 0),
                ],
                requests: RequestStats {
                    per_endpoint,
                    requests: 10,
                    retries: 1,
                    rate_limited: 1,
                },
            },
        },
        candidates: vec![tsla, es, nvda],
        rejected: vec![ko, xlu],
        errors,
    }
}

fn render(format: Format, options: &Options, r: &ScanReport) -> String {
    report::render_to_string(format, options, r)
}

fn json_doc(r: &ScanReport) -> (String, Value) {
    let text = render(Format::Json, &Options::default(), r);
    let v = serde_json::from_str(&text).expect("one JSON document");
    (text, v)
}

fn plain() -> Options {
    Options::default()
}
