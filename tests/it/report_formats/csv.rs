//! The CSV: every row has the values of its JSON candidate, field by field; no candidates is just
//! the header.

use super::{json_doc, plain, render, sample};
use serde_json::Value;
use volscreen::report::{self, Format};

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
