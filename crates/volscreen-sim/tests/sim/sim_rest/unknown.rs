//! Unknown tickers are unknown on every endpoint, as on the real service: a made-up ticker
//! (`XYZFOO`), a typo (`APPL`), a CSV header (`TICKER`) and a month the product does not list
//! (`/ESF7`) are absent from metrics and by-type rows, 404 on option chains (nested and flat,
//! equity and futures) and in no futures listing. The market-level test is
//! `sim_market::universe::unknown_tickers_are_unknown_on_every_call`; the DXLink one is
//! `sim_dxlink::snapshots::unknown_tickers_get_the_empty_history_and_no_quotes`.

use super::{get, items, login, plain_market, set, symbols_of};
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// The unknown tickers, each also in lower case.
const UNKNOWN: [&str; 4] = ["XYZFOO", "APPL", "TICKER", "/ESF7"];

fn with_lower_case() -> Vec<String> {
    UNKNOWN
        .iter()
        .flat_map(|s| [s.to_string(), s.to_ascii_lowercase()])
        .collect()
}

/// `/` percent-encoded, as a client puts a futures symbol in a path.
fn path_segment(s: &str) -> String {
    s.replace('/', "%2F")
}

#[tokio::test]
async fn unknown_tickers_are_unknown_on_every_endpoint() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    for s in UNKNOWN {
        assert!(srv.state.market.is_unknown(s), "{s}");
    }
    let all = with_lower_case().join(",").replace('/', "%2F");

    // Market metrics: absent, beside known symbols and alone.
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols=AAPL,{all},/ES"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL", "/ES"]), "{body}");
    let (status, body) = get(&srv, &token, &format!("/market-metrics?symbols={all}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).is_empty(), "{body}");

    // By-type rows: absent under every type parameter.
    for param in [
        "equity",
        "index",
        "future",
        "equity-option",
        "future-option",
    ] {
        let (status, body) =
            get(&srv, &token, &format!("/market-data/by-type?{param}={all}")).await;
        assert_eq!(status, StatusCode::OK, "{param}");
        assert!(items(&body).is_empty(), "{param}: {body}");
    }
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-data/by-type?equity=AAPL,{all}&index=SPX,{all}&future=/ES,{all}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL", "SPX", "/ES"]), "{body}");

    // Option chains, nested and flat: 404 with the error envelope; futures option chains of the
    // codes too (`ESF7`, `XYZFOO` ...).
    for s in with_lower_case() {
        // A token per ticker: each has its own rate-limit bucket.
        let token = login(&srv).await;
        let seg = path_segment(&s);
        let code = s.trim_start_matches('/');
        for path in [
            format!("/option-chains/{seg}/nested"),
            format!("/option-chains/{seg}"),
            format!("/futures-option-chains/{code}/nested"),
            format!("/futures-option-chains/{code}"),
            format!("/futures-option-chains/{seg}/nested"),
        ] {
            let (status, body) = get(&srv, &token, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(body["error"]["code"].is_string(), "{path}");
        }
    }

    // Futures listings: /ESF7 is not among ES's contracts, and no unknown is a product or a
    // contract.
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/instruments/futures?product-code=ES").await;
    assert_eq!(status, StatusCode::OK);
    let es = symbols_of(&body);
    assert!(!es.is_empty());
    let streamer: BTreeSet<String> = items(&body)
        .iter()
        .map(|r| r["streamer-symbol"].as_str().unwrap().to_string())
        .collect();
    for s in UNKNOWN {
        assert!(!es.contains(s), "{s} listed: {es:?}");
        assert!(
            !streamer.iter().any(|x| x.starts_with(&format!("{s}:"))),
            "{s}"
        );
    }
    assert!(
        !streamer.iter().any(|x| x.starts_with("/ESF27:")),
        "{streamer:?}"
    );
    for s in with_lower_case() {
        let token = login(&srv).await;
        let code = s.trim_start_matches('/');
        for q in [
            format!("product-code={code}"),
            format!("product-code[]={}", path_segment(&s)),
            format!("symbol[]={}", path_segment(&s)),
            format!("product-code=ES&symbol[]={}", path_segment(&s)),
        ] {
            let (status, body) = get(&srv, &token, &format!("/instruments/futures?{q}")).await;
            assert_eq!(status, StatusCode::OK, "{q}");
            assert!(items(&body).is_empty(), "{q}: {}", items(&body).len());
        }
    }
}
