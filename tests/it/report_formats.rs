//! The output formats of `src/report/` through the library API: the JSON document (validated
//! against docs/screen-output.schema.json, round-tripped, NaN-free), the CSV (the same values as
//! the JSON candidates), the table (percentages, unknowns, colour, `--explain`, width) and the
//! benchmark breakdown.

use crate::harness::{assert_schema_valid, schema, validator};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use volscreen::date::Date;
use volscreen::report::model::{
    Candidate, Counts, ErrorEntry, FilterSummary, Meta, RejectStage, Rejected, RequestStats,
    ScanReport, Signal, SourceKind, Stage, StageTiming, SymbolFields, Timings, Warning,
};
use volscreen::report::{self, benchmark, Format, Options};
use volscreen::symbol::AssetClass;
use volscreen::vol::derived::MoveMethod;

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

// ---------------------------------------------------------------- JSON

#[test]
fn json_is_one_pretty_document_ending_in_newline_without_nan() {
    let (text, v) = json_doc(&sample());
    assert!(text.ends_with("}\n"), "ends with a newline");
    assert!(text.starts_with("{\n  \"meta\""), "pretty, meta first");
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    assert!(v["candidates"][2]["iv_rank"].is_null(), "NaN → null");
    assert!(v["candidates"][2]["slippage"].is_null(), "inf → null");
    assert!(v["candidates"][1]["hv252"].is_null());
    assert!(v["candidates"][0]["earnings_date"].is_null());
    assert_eq!(v["candidates"][0]["iv"], json!(0.624));
    assert_eq!(v["candidates"][1]["expected_move_method"], json!("iv_dte"));
    assert_eq!(v["candidates"][0]["expiration"], json!("2026-12-18"));
    assert_eq!(v["meta"]["as_of"], json!("2026-11-20"));
    // The documented field names of product.md, flattened.
    for key in [
        "rank",
        "symbol",
        "asset_class",
        "price",
        "iv",
        "iv_rank",
        "iv_percentile",
        "hv20",
        "hv30",
        "hv90",
        "hv252",
        "vrp_structural",
        "vrp_tactical",
        "iv_hv_spread",
        "vtr",
        "liquidity_rating",
        "earnings_date",
        "days_to_earnings",
        "expiration",
        "dte",
        "atm_strike",
        "straddle_mid",
        "expected_move",
        "slippage",
        "score",
        "signal",
        "filters",
    ] {
        assert!(v["candidates"][0].get(key).is_some(), "candidate.{key}");
    }
    for key in ["symbol", "stage", "reasons", "iv", "iv_percentile", "hv30"] {
        assert!(v["rejected"][0].get(key).is_some(), "rejected.{key}");
    }
}

#[test]
fn serde_json_itself_writes_non_finite_f64_as_null() {
    // The second line of defence: even an unsanitised report serialises NaN/inf as null.
    assert_eq!(serde_json::to_string(&Some(f64::NAN)).unwrap(), "null");
    assert_eq!(serde_json::to_string(&f64::NEG_INFINITY).unwrap(), "null");
    let raw = serde_json::to_value(sample()).unwrap();
    assert!(raw["candidates"][2]["iv_rank"].is_null());
    let raw_text = serde_json::to_string(&sample()).unwrap();
    assert!(!raw_text.contains("NaN"));
}

#[test]
fn json_validates_against_the_schema() {
    let (_, doc) = json_doc(&sample());
    assert_schema_valid(&doc);

    // Edge shapes: no candidates, an incomplete scan, a null score, --top, show-all with failed filters.
    let mut r = sample();
    r.candidates.clear();
    r.meta.complete = false;
    r.meta.incomplete_reason = Some("--timeout 5 s ran out during enrich".into());
    assert_schema_valid(&json_doc(&r).1);

    let mut r = sample();
    r.candidates[2].score = None;
    r.candidates[2].fields = SymbolFields::default();
    r.meta.show_all = true;
    r.candidates[1].filters.failed = vec!["vrp_structural 0.94 <= 1.10".into()];
    assert_schema_valid(&json_doc(&r).1);

    let capped = render(
        Format::Json,
        &Options {
            top: Some(1),
            ..plain()
        },
        &sample(),
    );
    let capped: Value = serde_json::from_str(&capped).unwrap();
    assert_schema_valid(&capped);
    assert_eq!(capped["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(capped["meta"]["top"], json!(1));
    assert_eq!(capped["meta"]["counts"]["candidates"], json!(3));
}

#[test]
fn json_round_trips_into_the_model() {
    let original = sample();
    let (text, _) = json_doc(&original);
    let back: ScanReport = serde_json::from_str(&text).unwrap();
    // What came back is the report with its non-finite numbers made unknown, nothing else changed.
    let mut expected = original.clone();
    expected.candidates[2].fields.iv_rank = None;
    expected.candidates[2].fields.slippage = None;
    assert_eq!(back, expected);
    assert_eq!(back, report::sanitized(&original, None));
    // And rendering it again gives the same bytes.
    assert_eq!(json_doc(&back).0, text);
}

/// Apply `edit` to a valid document; the result must fail validation.
fn must_fail(what: &str, edit: impl FnOnce(&mut Value)) {
    let (_, mut doc) = json_doc(&sample());
    edit(&mut doc);
    assert!(
        !validator().is_valid(&doc),
        "schema accepted a document with {what}"
    );
}

#[test]
fn schema_rejects_wrong_documents() {
    must_fail("price as a string", |d| {
        d["candidates"][0]["price"] = json!("251.30")
    });
    must_fail("rank as a float", |d| {
        d["candidates"][0]["rank"] = json!(1.5)
    });
    must_fail("an unknown asset class", |d| {
        d["candidates"][0]["asset_class"] = json!("stock")
    });
    must_fail("an unknown signal", |d| {
        d["candidates"][0]["signal"] = json!("HOT")
    });
    must_fail("an extra candidate field", |d| {
        d["candidates"][0]["bogus"] = json!(1)
    });
    must_fail("an extra rejected field", |d| {
        d["rejected"][0]["rank"] = json!(1)
    });
    must_fail("an extra meta field", |d| d["meta"]["extra"] = json!(true));
    must_fail("an extra top-level field", |d| d["warnings"] = json!([]));
    must_fail("a missing symbol field", |d| {
        d["candidates"][0].as_object_mut().unwrap().remove("hv30");
    });
    must_fail("a missing rejected field", |d| {
        d["rejected"][1].as_object_mut().unwrap().remove("vtr");
    });
    must_fail("a slash date", |d| {
        d["candidates"][0]["expiration"] = json!("2026/12/18")
    });
    must_fail("an impossible date", |d| {
        d["candidates"][0]["expiration"] = json!("2026-13-45")
    });
    must_fail("a date-time as as_of", |d| {
        d["meta"]["as_of"] = json!("2026-11-20T00:00:00Z")
    });
    must_fail("an unknown rejection stage", |d| {
        d["rejected"][0]["stage"] = json!("score")
    });
    must_fail("a rejection without reasons", |d| {
        d["rejected"][0]["reasons"] = json!([])
    });
    must_fail("an unknown error stage", |d| {
        d["errors"][0]["stage"] = json!("pipeline")
    });
    must_fail("an unknown source", |d| {
        d["meta"]["source"] = json!("yahoo")
    });
    must_fail("a score above 100", |d| {
        d["candidates"][0]["score"] = json!(150.0)
    });
    must_fail("a negative iv", |d| d["candidates"][0]["iv"] = json!(-0.2));
    must_fail("a string count", |d| {
        d["meta"]["counts"]["errors"] = json!("3")
    });
    must_fail("a null total_ms", |d| {
        d["meta"]["timings"]["total_ms"] = Value::Null
    });
    must_fail("a bad scanned_at", |d| {
        d["meta"]["scanned_at"] = json!("yesterday")
    });
}

fn enum_of(schema: &Value, pointer: &str) -> Vec<String> {
    schema
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no enum at {pointer}"))
        .iter()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

#[test]
fn schema_matches_the_model() {
    let s = schema();
    let strs = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // The model's closed sets of names are the schema's enums, and serialise as those names.
    fn names<T: serde::Serialize>(all: &[T]) -> Vec<String> {
        all.iter()
            .map(|x| {
                serde_json::to_value(x)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
    assert_eq!(
        enum_of(&s, "/$defs/candidate/properties/signal/enum"),
        names(Signal::ALL)
    );
    assert_eq!(
        enum_of(&s, "/$defs/rejected/properties/stage/enum"),
        names(RejectStage::ALL)
    );
    assert_eq!(
        enum_of(&s, "/$defs/error/properties/stage/enum"),
        names(Stage::ALL)
    );
    assert_eq!(
        enum_of(&s, "/$defs/meta/properties/source/enum"),
        names(SourceKind::ALL)
    );
    for x in Stage::ALL {
        assert_eq!(serde_json::to_value(x).unwrap(), x.as_str());
    }
    assert_eq!(
        enum_of(&s, "/$defs/symbol_fields/properties/asset_class/enum"),
        strs(&["equity", "etf", "index", "future"])
    );

    // Every field the model serialises is declared and required, and nothing more.
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |v: &Value| {
        let mut k: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    let fields = serde_json::to_value(SymbolFields::default()).unwrap();
    let def = &s["$defs"]["symbol_fields"];
    assert_eq!(keys(&def["properties"]), keys(&fields));
    assert_eq!(sorted(&def["required"]), keys(&fields));

    let doc = serde_json::to_value(sample()).unwrap();
    // Candidates, rejections and errors all carry every known field (flattened symbol fields).
    for (name, value) in [
        ("candidate", &doc["candidates"][0]),
        ("rejected", &doc["rejected"][0]),
        ("error", &doc["errors"][0]),
    ] {
        let mut declared = keys(&s["$defs"][name]["properties"]);
        declared.extend(keys(&def["properties"]));
        declared.sort();
        assert_eq!(declared, keys(value), "{name}");
        let mut required = sorted(&s["$defs"][name]["required"]);
        required.extend(sorted(&def["required"]));
        required.sort();
        assert_eq!(required, keys(value), "{name} required");
    }
    for (def_name, value) in [
        ("meta", &doc["meta"]),
        ("filters", &doc["candidates"][0]["filters"]),
        ("warning", &doc["candidates"][2]["warnings"][0]),
        ("timings", &doc["meta"]["timings"]),
        ("stage_timing", &doc["meta"]["timings"]["stages"][0]),
        ("request_stats", &doc["meta"]["timings"]["requests"]),
    ] {
        let d = &s["$defs"][def_name];
        assert_eq!(keys(&d["properties"]), keys(value), "{def_name}");
        assert_eq!(sorted(&d["required"]), keys(value), "{def_name} required");
        assert_eq!(d["additionalProperties"], json!(false), "{def_name} closed");
    }
}

// ---------------------------------------------------------------- CSV

fn json_cell(c: &Value, column: &str) -> Option<String> {
    let join = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(";")
    };
    match column {
        "filters_passed" => Some(join(&c["filters"]["passed"])),
        "filters_na" => Some(join(&c["filters"]["na"])),
        "filters_failed" => Some(join(&c["filters"]["failed"])),
        "filters_unknown" => Some(join(&c["filters"]["unknown"])),
        "notes" => Some(join(&c["notes"])),
        // Each warning as `field=value (rule)`, joined like the other lists.
        "warnings" => Some(
            c["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    let value = match &w["value"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!(
                        "{}={value} ({})",
                        w["field"].as_str().unwrap(),
                        w["rule"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        _ => match &c[column] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
    }
}

#[test]
fn csv_rows_match_the_json_candidates_field_by_field() {
    let r = sample();
    let text = render(Format::Csv, &plain(), &r);
    let (_, doc) = json_doc(&r);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let candidates = doc["candidates"].as_array().unwrap();
    assert_eq!(rows.len(), candidates.len());
    for (row, c) in rows.iter().zip(candidates) {
        for (column, cell) in header.iter().zip(row.iter()) {
            let expected = json_cell(c, column);
            match expected {
                None => assert_eq!(cell, "", "{} {column}: unknown is empty", c["symbol"]),
                Some(e) => match (cell.parse::<f64>(), e.parse::<f64>()) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{} {column}", c["symbol"]),
                    _ => assert_eq!(cell, e, "{} {column}", c["symbol"]),
                },
            }
        }
    }
    // Spot checks of the flattening.
    assert_eq!(&rows[0][0], "1");
    assert_eq!(&rows[1][1], "/ES");
    assert_eq!(&rows[1][2], "future");
    assert_eq!(&rows[2][5], "", "NaN iv_rank is an empty cell");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(rows[0][col("filters_passed")].starts_with("data_integrity;iv_percentile;"));
    assert_eq!(&rows[1][col("filters_na")], "earnings");
    assert_eq!(&rows[0][col("earnings_before_expiration")], "false");
    assert_eq!(
        &rows[1][col("earnings_before_expiration")],
        "",
        "unknown is empty"
    );
    assert_eq!(&rows[2][col("earnings_before_expiration")], "true");
    assert_eq!(
        &rows[2][col("warnings")],
        "iv_rank=71.0 (iv_rank must be a fraction in [0, 1])"
    );
    assert_eq!(&rows[0][col("warnings")], "");
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn csv_without_candidates_is_just_the_header() {
    let mut r = sample();
    r.candidates.clear();
    let text = render(Format::Csv, &plain(), &r);
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with("rank,symbol,asset_class,price,iv,"));
}

// ---------------------------------------------------------------- table

#[test]
fn table_shows_percentages_ratios_and_unknowns_without_colour() {
    let text = render(Format::Table, &plain(), &sample());
    assert!(!text.contains('\x1b'), "no ANSI escapes when colour is off");
    for title in report::table::column_titles() {
        assert!(text.contains(title), "column {title}");
    }
    for expected in [
        "62.4%",  // TSLA iv
        "71.0%",  // TSLA iv rank
        "83.0%",  // TSLA iv percentile
        "45.2%",  // TSLA hv30
        "43.7%",  // TSLA hv90
        "1.43",   // TSLA vrp_structural
        "1.38",   // TSLA vrp_tactical
        "1.03",   // TSLA vtr
        "8.7%",   // TSLA expected move
        "1.2%",   // TSLA slippage
        "251.30", // TSLA price
        "78.4",   // TSLA score
        "2026-12-18 28d",
        "~4.4%", // /ES expected move from IV
        "RICH",
        "EVENT",
        "/ES",
        "future",
    ] {
        assert!(text.contains(expected), "{expected} missing in\n{text}");
    }
    // NVDA: NaN iv rank and infinite slippage are unknown.
    let nvda = text.lines().find(|l| l.contains("NVDA")).unwrap();
    assert_eq!(nvda.matches(report::table::UNKNOWN).count(), 2, "{nvda}");
    assert!(!nvda.contains("NaN") && !nvda.contains("inf"));
    // Header: source, profile, as-of and counts.
    let head: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
    for expected in [
        "source demo",
        "profile balanced",
        "as of 2026-11-20",
        "3 candidates",
        "2 rejected",
        "3 errors",
    ] {
        assert!(head.contains(expected), "{expected} in header\n{head}");
    }
    assert!(text.contains("(2 rejected, 3 errors; --explain shows why)"));
    assert!(text.contains("~ expected move estimated from IV"));
    assert!(
        !text.contains("iv_percentile 0.12"),
        "reasons only with --explain"
    );
    // Numbers are right-aligned: the price column ends at the same character on every row.
    let price_ends: Vec<usize> = ["251.30", "6012.25", "131.07"]
        .iter()
        .map(|p| {
            let line = text.lines().find(|l| l.contains(p)).unwrap();
            line[..line.find(p).unwrap()].chars().count() + p.len()
        })
        .collect();
    assert!(
        price_ends.windows(2).all(|w| w[0] == w[1]),
        "{price_ends:?}"
    );
}

#[test]
fn table_colours_only_when_asked() {
    let on = Options {
        color: true,
        ..plain()
    };
    let text = render(Format::Table, &on, &sample());
    assert!(text.contains("\x1b["), "ANSI escapes when colour is on");
    assert!(text.contains("RICH"));
    let off = render(Format::Table, &plain(), &sample());
    assert!(!off.contains('\x1b'));
}

#[test]
fn table_explain_lists_every_failed_reason_and_error() {
    let r = sample();
    let opts = Options {
        explain: true,
        ..plain()
    };
    let text = render(Format::Table, &opts, &r);
    for rej in &r.rejected {
        assert!(text.contains(&rej.symbol));
        for reason in &rej.reasons {
            assert!(text.contains(reason.as_str()), "{reason} missing\n{text}");
        }
    }
    for e in &r.errors {
        let line = text
            .lines()
            .find(|l| l.contains(&e.error))
            .unwrap_or_else(|| panic!("{} missing\n{text}", e.error));
        assert!(
            line.contains(&e.symbol) && line.contains(e.stage.as_str()),
            "{line}"
        );
    }
    assert!(!text.contains("--explain shows why"));
}

#[test]
fn table_says_no_candidates_and_reports_incomplete_scans() {
    let mut r = sample();
    r.candidates.clear();
    r.meta.counts.candidates = 0;
    r.meta.complete = false;
    r.meta.incomplete_reason = Some("--timeout 5 s ran out during enrich".into());
    let text = render(Format::Table, &plain(), &r);
    assert!(text.lines().any(|l| l == "no candidates"), "{text}");
    assert!(text.contains("INCOMPLETE SCAN: --timeout 5 s ran out during enrich"));
}

#[test]
fn table_with_top_says_how_many_are_shown() {
    let opts = Options {
        top: Some(2),
        ..plain()
    };
    let text = render(Format::Table, &opts, &sample());
    assert!(text.contains("showing the top 2 of 3 candidates"), "{text}");
    assert!(!text.contains("NVDA"));
}

#[test]
fn table_hides_columns_to_fit_the_terminal() {
    let wide = render(Format::Table, &plain(), &sample());
    let table_width = |t: &str| {
        t.lines()
            .filter(|l| l.contains("VRP-S") || l.contains("TSLA") || l.contains("/ES"))
            .map(|l| l.chars().count())
            .max()
            .unwrap()
    };
    let full = table_width(&wide);
    assert!(full > 100, "the full table is wide ({full})");
    let opts = Options {
        width: Some(100),
        ..plain()
    };
    let narrow = render(Format::Table, &opts, &sample());
    assert!(table_width(&narrow) <= 100, "{narrow}");
    assert!(
        narrow.contains("hidden to fit 100 columns: class"),
        "{narrow}"
    );
    for kept in ["symbol", "IV", "VRP-S", "score", "signal", "62.4%", "RICH"] {
        assert!(narrow.contains(kept), "{kept}");
    }
    let roomy = Options {
        width: Some(400),
        ..plain()
    };
    assert_eq!(render(Format::Table, &roomy, &sample()), wide);
}

// ---------------------------------------------------------------- benchmark

#[test]
fn benchmark_breakdown_names_every_stage_and_counter() {
    let r = sample();
    let text = benchmark::breakdown(&r);
    assert!(text.starts_with("PIPELINE TIMING BREAKDOWN\n"));
    assert!(text.contains("412.5 ms"), "total wall time");
    assert!(text.contains("51.56 ms/symbol"), "{text}");
    for st in &r.meta.timings.stages {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", st.name)))
            .unwrap_or_else(|| panic!("stage {} missing\n{text}", st.name));
        assert!(line.contains(&format!("{} → {}", st.items_in, st.items_out)));
    }
    let enrich = text
        .lines()
        .find(|l| l.trim_start().starts_with("enrich "))
        .unwrap();
    assert!(
        enrich.contains("302.1") && enrich.contains("73.2%"),
        "{enrich}"
    );
    for endpoint in r.meta.timings.requests.per_endpoint.keys() {
        assert!(text.contains(endpoint.as_str()), "{endpoint}");
    }
    assert!(text.contains("retries 1") && text.contains("429s 1"));
    assert!(!text.contains('\x1b'));
    let mut buf = Vec::new();
    benchmark::write_breakdown(&r, &mut buf).unwrap();
    assert_eq!(String::from_utf8(buf).unwrap(), text);
}

// ---------------------------------------------------------------- constructors

#[test]
fn formats_and_the_reporter_constructor() {
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
    assert_eq!("table".parse::<Format>(), Ok(Format::Table));
    assert!("yaml".parse::<Format>().is_err());
    assert_eq!(Format::default(), Format::Table);
    let r = sample();
    for format in [Format::Table, Format::Json, Format::Csv] {
        let mut buf = Vec::new();
        report::reporter(format, &plain())
            .render(&r, &mut buf)
            .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            render(format, &plain(), &r)
        );
    }
    assert!(!report::color_wanted(false));
}

#[test]
fn table_marks_candidates_with_warnings_and_lists_them_under_the_table() {
    let text = render(Format::Table, &plain(), &sample());
    let mark = report::table::WARNING_MARK;
    let nvda = text.lines().find(|l| l.contains("NVDA")).unwrap();
    assert!(nvda.contains(&format!("NVDA{mark}")), "{nvda}");
    let tsla = text.lines().find(|l| l.contains("TSLA")).unwrap();
    assert!(!tsla.contains(&format!("TSLA{mark}")), "{tsla}");
    assert!(
        text.lines().any(|l| l.contains("NVDA")
            && l.contains("iv_rank=71.0 (iv_rank must be a fraction in [0, 1])")),
        "the warning is listed under the table:\n{text}"
    );
    // Warnings of rejected symbols and errors belong to --explain.
    assert!(!text.contains("a candle is dated after the as-of date"));
    let explained = render(
        Format::Table,
        &Options {
            explain: true,
            ..plain()
        },
        &sample(),
    );
    for needle in [
        "candles={\"close\":1e+308,\"date\":\"2027-01-04\"} (a candle is dated after the as-of date)",
        "iv_percentile=1.5 (iv_percentile must be a fraction in [0, 1])",
        "? vrp_tactical unknown (no candles)",
        "? vtr unknown (no candles)",
    ] {
        assert!(explained.contains(needle), "{needle} missing:\n{explained}");
    }
}

#[test]
fn the_explanation_is_rendered_from_the_report_alone() {
    let r = sample();
    let mut buf = Vec::new();
    report::table::write_explanation(&r, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    // Only rejected symbols and errors: no header, no table, no summary line, no candidate.
    assert!(text.starts_with("rejected (2):\n"), "{text}");
    assert!(text.contains("\nerrors (3):\n"), "{text}");
    for absent in [
        "symbols scanned",
        "VRP-S",
        "TSLA",
        "NVDA",
        "--explain shows why",
    ] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
    for rej in &r.rejected {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(&rej.symbol)),
            "{text}"
        );
        for reason in &rej.reasons {
            assert!(text.contains(&format!("✗ {reason}")), "{reason}\n{text}");
        }
    }
    for e in &r.errors {
        let line = text.lines().find(|l| l.contains(&e.error)).unwrap();
        assert!(
            line.contains(&e.symbol) && line.contains(e.stage.as_str()),
            "{line}"
        );
    }
    // The table with --explain ends with exactly this text.
    let table = render(
        Format::Table,
        &Options {
            explain: true,
            ..plain()
        },
        &r,
    );
    assert!(table.ends_with(&text), "{table}");
    // Nothing to explain: nothing written.
    let mut clean = sample();
    clean.rejected.clear();
    clean.errors.clear();
    let mut buf = Vec::new();
    report::table::write_explanation(&clean, &mut buf).unwrap();
    assert!(buf.is_empty());
}

#[test]
fn a_partial_table_says_why_and_how_many_symbols_are_undecided() {
    let mut r = sample();
    r.meta.complete = false;
    r.meta.incomplete_reason = Some("the --timeout budget of 1.8 s ran out".into());
    r.errors[0].stage = Stage::Timeout;
    r.errors[1].stage = Stage::Timeout;
    let text = render(Format::Table, &plain(), &r);
    assert!(
        text.lines()
            .any(|l| l == "incomplete: the --timeout budget of 1.8 s ran out; 2 symbols undecided"),
        "{text}"
    );
    // The note comes after the table (the candidates are still shown).
    let note = text.find("incomplete: the --timeout").unwrap();
    assert!(text.find("TSLA").unwrap() < note);
    r.errors.truncate(1);
    r.errors[0].stage = Stage::Interrupted;
    r.meta.incomplete_reason = Some("interrupted (Ctrl-C)".into());
    assert_eq!(
        report::table::incomplete_note(&r).as_deref(),
        Some("incomplete: interrupted (Ctrl-C); 1 symbol undecided")
    );
    assert_eq!(report::table::incomplete_note(&sample()), None);
}

/// A writer whose reader has gone away, like stdout piped into `head`.
struct ClosedPipe;

impl std::io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

#[test]
fn every_format_reports_a_closed_pipe_as_a_broken_pipe() {
    for format in [Format::Table, Format::Json, Format::Csv] {
        let e = report::render(format, &plain(), &sample(), &mut ClosedPipe).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{format:?}: {e}");
    }
}
