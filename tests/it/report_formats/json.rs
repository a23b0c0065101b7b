//! The JSON document: one pretty, NaN-free document, valid against
//! docs/screen-output.schema.json, round-tripping into the model; the schema rejects wrong
//! documents and matches the model's fields and enums.

use super::{json_doc, plain, render, sample};
use crate::harness::{assert_schema_valid, schema, validator};
use serde_json::{json, Value};
use volscreen::report::model::{RejectStage, ScanReport, Signal, SourceKind, Stage, SymbolFields};
use volscreen::report::{self, Format, Options};

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
fn estimator_fields_are_null_unless_requested_and_valid_with_values() {
    let (_, doc) = json_doc(&sample());
    for key in [
        "hv30_parkinson",
        "hv30_garman_klass",
        "hv30_rogers_satchell",
        "hv30_yang_zhang",
    ] {
        for list in ["candidates", "rejected", "errors"] {
            for entry in doc[list].as_array().unwrap() {
                assert_eq!(entry.get(key), Some(&Value::Null), "{list} {key}");
            }
        }
    }
    let mut with = sample();
    with.candidates[0].fields.hv30_parkinson = Some(0.31);
    with.candidates[0].fields.hv30_yang_zhang = Some(0.0);
    with.rejected[0].fields.hv30_rogers_satchell = Some(4.9);
    let (_, doc) = json_doc(&with);
    assert_schema_valid(&doc);
    assert_eq!(doc["candidates"][0]["hv30_parkinson"], json!(0.31));
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
    // The estimator columns (`screen --estimators`): always there, null or a fraction in [0, 5].
    must_fail("a missing estimator field", |d| {
        d["candidates"][0]
            .as_object_mut()
            .unwrap()
            .remove("hv30_yang_zhang");
    });
    must_fail("an estimator above 5", |d| {
        d["candidates"][0]["hv30_parkinson"] = json!(7.5)
    });
    must_fail("an estimator as a string", |d| {
        d["rejected"][0]["hv30_garman_klass"] = json!("0.2")
    });
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
    // A watch's `meta` also has `pass`, `entered` and `left`: declared, not required.
    let mut watched = sample();
    watched.meta.watch = Some(volscreen::report::model::WatchPass {
        pass: 2,
        entered: vec!["AAPL".into()],
        left: Vec::new(),
    });
    let watched = serde_json::to_value(watched).unwrap();
    assert_schema_valid(&watched);
    for (def_name, value) in [
        ("meta", &doc["meta"]),
        ("filters", &doc["candidates"][0]["filters"]),
        ("warning", &doc["candidates"][2]["warnings"][0]),
        ("timings", &doc["meta"]["timings"]),
        ("stage_timing", &doc["meta"]["timings"]["stages"][0]),
        ("request_stats", &doc["meta"]["timings"]["requests"]),
    ] {
        let d = &s["$defs"][def_name];
        let all = if def_name == "meta" {
            &watched["meta"]
        } else {
            value
        };
        assert_eq!(keys(&d["properties"]), keys(all), "{def_name}");
        assert_eq!(sorted(&d["required"]), keys(value), "{def_name} required");
        assert_eq!(d["additionalProperties"], json!(false), "{def_name} closed");
    }
}
