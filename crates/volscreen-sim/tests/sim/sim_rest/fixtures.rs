//! Fixture mode (`--fixtures DIR`): the recorded files served for their request paths (list
//! endpoints filtered to the requested rows, files holding only `data` wrapped), the synthetic
//! market where no file exists, broken files as JSON 500s, and hostile values passed verbatim.

use super::{
    as_of, fixture, fixture_row, get, items, login, market, plain_market, set, stats, symbols_of,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use volscreen_sim::SimOptions;

/// A fresh directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "volscreen-sim-rest-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Lay the recorded fixtures out as request paths.
fn fixtures_dir() -> PathBuf {
    let dir = temp_dir("fixtures");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tastytrade");
    for (file, target) in [
        ("market-metrics-AAPL-TSLA.json", "market-metrics.json"),
        ("market-data-by-type.json", "market-data/by-type.json"),
        (
            "option-chains-nested-AAPL.json",
            "option-chains/AAPL/nested.json",
        ),
        (
            "option-chains-nested-SPY.json",
            "option-chains/SPY/nested.json",
        ),
        (
            "futures-option-chains-nested-ES.json",
            "futures-option-chains/ES/nested.json",
        ),
        ("instruments-futures-LE.json", "instruments/futures.json"),
    ] {
        let to = dir.join(target);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(file), to).unwrap();
    }
    dir
}

#[tokio::test]
async fn fixtures_mode_serves_the_recorded_files() {
    let dir = fixtures_dir();
    let mut options = SimOptions::new(as_of());
    options.fixtures = Some(dir.clone());
    let srv = market(options).await;
    let token = login(&srv).await;

    // List endpoints: only the requested rows, as recorded.
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AAPL,MSFT").await;
    assert_eq!(status, StatusCode::OK);
    let recorded = fixture("market-metrics-AAPL-TSLA.json");
    assert_eq!(items(&body), &vec![fixture_row(&recorded, "AAPL").clone()]);
    let (_, body) = get(
        &srv,
        &token,
        "/market-data/by-type?equity=TSLA&cryptocurrency=BTC%2FUSD",
    )
    .await;
    assert_eq!(symbols_of(&body), set(&["BTC/USD", "TSLA"]));
    let recorded = fixture("market-data-by-type.json");
    assert_eq!(
        items(&body).iter().find(|r| r["symbol"] == "TSLA").unwrap(),
        fixture_row(&recorded, "TSLA")
    );

    // Others verbatim; files holding only `data` are wrapped.
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, fixture("option-chains-nested-AAPL.json"));
    let (_, body) = get(&srv, &token, "/option-chains/SPY/nested").await;
    assert_eq!(body["data"], fixture("option-chains-nested-SPY.json"));
    let (_, body) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    assert_eq!(body, fixture("futures-option-chains-nested-ES.json"));
    let (_, body) = get(&srv, &token, "/instruments/futures?product-code[]=LE").await;
    assert_eq!(body["data"], fixture("instruments-futures-LE.json"));

    // No file: the synthetic market answers.
    let (status, body) = get(&srv, &token, "/option-chains/MSFT/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body)[0]["underlying-symbol"], "MSFT");

    // A broken file is a JSON 500, not a crash.
    std::fs::write(dir.join("option-chains/AAPL/nested.json"), "{oops").unwrap();
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["error"]["message"].is_string());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hostile values in fixture files reach the client exactly as written (emulator.md, Fixtures):
/// an IV index of "50", a percentile of "1.5", a rank of "-5", a liquidity rating of 99, a crossed
/// quote and a negative price, and another underlying's chain served for AMZN. Each file served
/// is counted under `fixtures` in `/__sim/stats`.
#[tokio::test]
async fn fixtures_serve_hostile_values_verbatim() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (_, mut metrics) = get(&srv, &token, "/market-metrics?symbols=AMZN,SPY").await;
    let (_, mut quotes) = get(&srv, &token, "/market-data/by-type?equity=AMZN,SPY").await;
    let row = |body: &mut Value, symbol: &str| -> serde_json::Map<String, Value> {
        body["data"]["items"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["symbol"] == symbol)
            .and_then(Value::as_object_mut)
            .unwrap()
            .clone()
    };
    let mut amzn = row(&mut metrics, "AMZN");
    amzn.insert("implied-volatility-index".into(), json!("50"));
    amzn.insert("implied-volatility-percentile".into(), json!("1.5"));
    amzn.insert("implied-volatility-index-rank".into(), json!("-5"));
    amzn.insert("liquidity-rating".into(), json!(99));
    let metrics_file = json!({"data": {"items": [Value::Object(amzn), row(&mut metrics, "SPY")]},
                              "context": "/market-metrics"});
    let mut q = row(&mut quotes, "AMZN");
    q.insert("bid".into(), json!("300.0"));
    q.insert("ask".into(), json!("200.0"));
    q.insert("mark".into(), json!("-5.25"));
    q.insert("last".into(), json!(-5.25));
    let quotes_file = json!({"items": [Value::Object(q)]}); // `data` only: wrapped
    let chain = fixture("option-chains-nested-AAPL.json");

    let dir = temp_dir("hostile");
    for (rel, body) in [
        ("market-metrics.json", &metrics_file),
        ("market-data/by-type.json", &quotes_file),
        ("option-chains/AMZN/nested.json", &chain),
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, body.to_string()).unwrap();
    }
    let mut options = SimOptions::new(as_of());
    options.fixtures = Some(dir.clone());
    let srv = market(options).await;
    let token = login(&srv).await;

    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AMZN").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        items(&body),
        &vec![metrics_file["data"]["items"][0].clone()]
    );
    let served = &items(&body)[0];
    assert_eq!(served["implied-volatility-index"], "50");
    assert_eq!(served["implied-volatility-percentile"], "1.5");
    assert_eq!(served["implied-volatility-index-rank"], "-5");
    assert_eq!(served["liquidity-rating"], 99);

    let (status, body) = get(&srv, &token, "/market-data/by-type?equity=AMZN,SPY").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        items(&body),
        quotes_file["items"].as_array().unwrap(),
        "only the file's rows: SPY has none"
    );
    assert_eq!(items(&body)[0]["bid"], "300.0");
    assert_eq!(items(&body)[0]["last"], json!(-5.25));

    let (status, body) = get(&srv, &token, "/option-chains/AMZN/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, chain, "another underlying's chain, verbatim");
    assert_eq!(items(&body)[0]["underlying-symbol"], "AAPL");

    let s = stats(&srv).await;
    assert_eq!(s["fixtures"]["/market-metrics"], 1, "{s}");
    assert_eq!(s["fixtures"]["/market-data/by-type"], 1, "{s}");
    assert_eq!(s["fixtures"]["/option-chains/AMZN/nested"], 1, "{s}");
    let (_, body) = get(&srv, &token, "/option-chains/SPY/nested").await;
    assert_eq!(items(&body)[0]["underlying-symbol"], "SPY");
    assert!(stats(&srv).await["fixtures"]
        .get("/option-chains/SPY/nested")
        .is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
