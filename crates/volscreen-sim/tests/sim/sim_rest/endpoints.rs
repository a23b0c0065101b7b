//! The synthetic endpoints' content: every client encoding of symbol lists, the wire scales of
//! market metrics, unknown symbols (absent or 404), equity option chains nested and flat (OCC and
//! streamer symbols), and futures instruments, products and futures option chains.

use super::{as_of, f, get, http, items, login, plain_market, set, symbols_of, UA};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use volscreen_core::date::Date;

#[tokio::test]
async fn symbol_lists_accept_every_client_encoding() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let want = set(&["AAPL", "BRK/B", "SPY"]);
    for q in [
        "symbols=AAPL,SPY,BRK%2FB",
        "symbols=AAPL%2CSPY%2CBRK%2FB",
        "symbols[]=AAPL&symbols[]=SPY&symbols[]=BRK%2FB",
        "symbols%5B%5D=AAPL&symbols%5B%5D=SPY&symbols%5B%5D=BRK/B",
        "symbols=AAPL&symbols=SPY&symbols=BRK/B",
        "symbols=AAPL,+SPY,+BRK/B",
        "symbols=AAPL,SPY,SPY,BRK/B,",
    ] {
        let (status, body) = get(&srv, &token, &format!("/market-metrics?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(symbols_of(&body), want, "{q}");
        assert_eq!(items(&body).len(), 3, "{q}: one row per symbol");
    }
    for q in [
        "equity=AAPL,SPY&index=SPX",
        "equity=AAPL&equity=SPY&index=SPX",
        "equity[]=AAPL&equity[]=SPY&index[]=SPX",
        "equity=AAPL%2CSPY&index=SPX",
    ] {
        let (status, body) = get(&srv, &token, &format!("/market-data/by-type?{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(symbols_of(&body), set(&["AAPL", "SPX", "SPY"]), "{q}");
    }
    // OCC option symbols carry spaces: `+` and `%20` both decode to them.
    let (_, chain) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    let occ = chain["data"]["items"][0]["expirations"][0]["strikes"][0]["call"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(occ.contains(' '));
    for encoded in [occ.replace(' ', "+"), occ.replace(' ', "%20")] {
        let (status, body) = get(
            &srv,
            &token,
            &format!("/market-data/by-type?equity-option={encoded}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(items(&body).len(), 1, "{encoded}");
        assert_eq!(items(&body)[0]["symbol"], occ.as_str());
        assert_eq!(items(&body)[0]["instrument-type"], "Equity Option");
    }
}

#[tokio::test]
async fn metrics_carry_the_real_scales() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let symbols = [
        "AAPL", "SPY", "TSLA", "SPX", "/ES", "XYZ", "NVDA", "KO", "IWM", "GME",
    ];
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", symbols.join(",")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body).len(), symbols.len());
    let market = &srv.state.market;
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;
    let mut hv_seen = 0;
    for row in items(&body) {
        let sym = row["symbol"].as_str().unwrap();
        let m = market.metrics(sym).expect("the market knows it");
        assert!(row["updated-at"].is_string(), "{sym}");
        assert!(row["market-cap"].is_number(), "{sym}");
        assert!(close(f(&row["implied-volatility-index"]), m.iv_index, 1e-8));
        assert!(
            f(&row["implied-volatility-index"]) < 5.0,
            "IVx is a fraction"
        );
        assert!(close(
            f(&row["implied-volatility-30-day"]),
            m.iv30 * 100.0,
            0.006
        ));
        for key in [
            "implied-volatility-index-rank",
            "tos-implied-volatility-index-rank",
            "tw-implied-volatility-index-rank",
            "implied-volatility-percentile",
        ] {
            let v = f(&row[key]);
            assert!((0.0..=1.0).contains(&v), "{sym} {key} {v}");
        }
        assert!(close(
            f(&row["implied-volatility-index-rank"]),
            m.iv_rank_tos,
            1e-8
        ));
        assert!(close(
            f(&row["implied-volatility-percentile"]),
            m.iv_percentile,
            1e-8
        ));
        for (key, hv) in [
            ("historical-volatility-30-day", m.hv30),
            ("historical-volatility-60-day", m.hv60),
            ("historical-volatility-90-day", m.hv90),
        ] {
            match hv {
                Some(hv) => {
                    hv_seen += 1;
                    assert!(close(f(&row[key]), hv * 100.0, 0.006), "{sym} {key}");
                }
                None => assert!(row.get(key).is_none(), "{sym} {key} omitted"),
            }
        }
        if let Some(hv30) = m.hv30 {
            let diff = f(&row["iv-hv-30-day-difference"]);
            assert!(close(diff, (m.iv30 - hv30) * 100.0, 0.02), "{sym}");
        }
        match m.liquidity_rating {
            Some(r) => assert_eq!(row["liquidity-rating"], r),
            None => assert!(row.get("liquidity-rating").is_none()),
        }
        let ivs = row["option-expiration-implied-volatilities"]
            .as_array()
            .unwrap();
        assert_eq!(ivs.len(), m.expiration_ivs.len());
        for (w, e) in ivs.iter().zip(&m.expiration_ivs) {
            assert_eq!(w["expiration-date"], e.expiration_date.to_string());
            assert!(close(
                f(&w["implied-volatility"]),
                e.implied_volatility,
                1e-8
            ));
        }
        assert_eq!(row.get("earnings").is_some(), m.earnings.is_some(), "{sym}");
    }
    assert!(hv_seen > 0);
    let aapl = items(&body).iter().find(|r| r["symbol"] == "AAPL").unwrap();
    assert_eq!(aapl["earnings"]["visible"], true);
    assert!(aapl["earnings"]["expected-report-date"].is_string());
}

#[tokio::test]
async fn unknown_symbols_are_absent_or_404() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    assert!(srv.state.market.is_unknown("ZZZZ"));
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=AAPL,ZZZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL"]));
    let (status, body) = get(&srv, &token, "/market-metrics?symbols=ZZZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).is_empty(), "items present even when empty");
    let (status, body) = get(&srv, &token, "/market-data/by-type?equity=ZZZZ,AAPL").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(symbols_of(&body), set(&["AAPL"]));
    for path in [
        "/option-chains/ZZZZ/nested",
        "/option-chains/ZZZZ",
        "/futures-option-chains/ZZ/nested",
        "/futures-option-chains/ZZ",
        "/no/such/route",
    ] {
        let (status, body) = get(&srv, &token, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body["error"]["code"].is_string(), "{path}");
        assert!(body["error"]["message"].is_string(), "{path}");
    }
    let (status, body) = get(&srv, &token, "/instruments/futures?product-code=ZZ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(items(&body).is_empty());
    // A wrong method is JSON too.
    let r = http()
        .delete(format!("{}/market-metrics", srv.base_url()))
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.json::<Value>().await.unwrap()["error"]["code"].is_string());
}

/// `AAPL  260417C00200000`: root padded to 6, YYMMDD, C/P, strike × 1000 on 8 digits.
fn occ_ok(occ: &str, root: &str, kind: char) -> bool {
    occ.len() == 21
        && occ[..6].trim_end() == root
        && occ[6..12].bytes().all(|b| b.is_ascii_digit())
        && occ.as_bytes()[12] == kind as u8
        && occ[13..].bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn option_chains_nested_and_flat() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let (status, body) = get(&srv, &token, "/option-chains/AAPL/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["context"], "/option-chains/AAPL/nested");
    let chain = items(&body);
    assert_eq!(chain.len(), 1);
    let item = &chain[0];
    assert_eq!(item["underlying-symbol"], "AAPL");
    assert_eq!(item["shares-per-contract"], 100);
    let exps = item["expirations"].as_array().unwrap();
    assert!(exps.len() >= 3);
    let mut monthlies = 0;
    let mut strikes_total = 0;
    for e in exps {
        let date: Date = e["expiration-date"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            e["days-to-expiration"].as_i64().unwrap(),
            i64::from(date.days_since(as_of()))
        );
        if e["expiration-type"] == "Regular" {
            monthlies += 1;
            // The third Friday, or the Thursday before when that Friday is a holiday.
            let third = Date::third_friday(date.year(), date.month());
            assert!(date == third || date == third.add_days(-1), "{date}");
        }
        let yymmdd = format!(
            "{:02}{:02}{:02}",
            date.year() % 100,
            date.month(),
            date.day()
        );
        for s in e["strikes"].as_array().unwrap() {
            strikes_total += 1;
            let strike = f(&s["strike-price"]);
            assert!(strike > 0.0);
            let call = s["call"].as_str().unwrap();
            let put = s["put"].as_str().unwrap();
            assert!(
                occ_ok(call, "AAPL", 'C') && occ_ok(put, "AAPL", 'P'),
                "{call}"
            );
            assert_eq!(&call[6..12], yymmdd);
            let cs = s["call-streamer-symbol"].as_str().unwrap();
            let ps = s["put-streamer-symbol"].as_str().unwrap();
            assert!(cs.starts_with(&format!(".AAPL{yymmdd}C")), "{cs}");
            assert!(ps.starts_with(&format!(".AAPL{yymmdd}P")), "{ps}");
        }
    }
    assert!(monthlies >= 2, "monthly expirations present");
    // A 45-DTE screener finds a monthly within 25..70 days.
    assert!(exps.iter().any(|e| e["expiration-type"] == "Regular"
        && (25..=70).contains(&e["days-to-expiration"].as_i64().unwrap())));

    let (status, flat) = get(&srv, &token, "/option-chains/AAPL").await;
    assert_eq!(status, StatusCode::OK);
    let rows = items(&flat);
    assert_eq!(rows.len(), 2 * strikes_total);
    for r in rows {
        for key in [
            "symbol",
            "streamer-symbol",
            "strike-price",
            "option-type",
            "expiration-date",
            "days-to-expiration",
            "expiration-type",
            "settlement-type",
            "root-symbol",
            "underlying-symbol",
        ] {
            assert!(r.get(key).is_some(), "flat row lacks {key}");
        }
        assert_eq!(r["instrument-type"], "Equity Option");
        assert_eq!(r["active"], true);
        assert!(r["option-type"] == "C" || r["option-type"] == "P");
        assert!(r["days-to-expiration"].is_number());
    }

    // A slash in the symbol, percent-encoded.
    let (status, body) = get(&srv, &token, "/option-chains/BRK%2FB/nested").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body)[0]["underlying-symbol"], "BRK/B");
    let (status, _) = get(&srv, &token, "/option-chains/BRK%2FB").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn futures_instruments_products_and_option_chains() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let month_codes = "FGHJKMNQUVXZ";
    let (status, body) = get(&srv, &token, "/instruments/futures?product-code[]=ES").await;
    assert_eq!(status, StatusCode::OK);
    let es = items(&body);
    assert!(es.len() >= 2);
    assert_eq!(
        es.iter().filter(|r| r["active-month"] == true).count(),
        1,
        "exactly one active month"
    );
    for r in es {
        assert_eq!(r["product-code"], "ES");
        assert_eq!(r["future-product"]["code"], "ES");
        let sym = r["symbol"].as_str().unwrap();
        let streamer = r["streamer-symbol"].as_str().unwrap();
        // `/ESZ6` and `/ESZ26:XCME`.
        assert!(sym.starts_with("/ES") && sym.len() == 5, "{sym}");
        assert!(month_codes.contains(&sym[3..4]));
        assert!(
            streamer.starts_with(&sym[..4]) && streamer.ends_with(":XCME"),
            "{streamer}"
        );
        assert_eq!(streamer.len(), "/ESZ26:XCME".len());
        assert!(r["expiration-date"]
            .as_str()
            .unwrap()
            .parse::<Date>()
            .is_ok());
    }
    // Filters in every form; no filter lists every product.
    for q in [
        "product-code=ES",
        "product-code=%2FES",
        "product-code[]=ES&product-code[]=ZZ",
    ] {
        let (_, b) = get(&srv, &token, &format!("/instruments/futures?{q}")).await;
        assert_eq!(items(&b).len(), es.len(), "{q}");
    }
    let (_, two) = get(
        &srv,
        &token,
        "/instruments/futures?product-code=ES&product-code=CL",
    )
    .await;
    let (_, all) = get(&srv, &token, "/instruments/futures").await;
    assert!(items(&two).len() > es.len());
    assert!(items(&all).len() > items(&two).len());
    let codes: BTreeSet<String> = items(&all)
        .iter()
        .map(|r| r["product-code"].as_str().unwrap().to_string())
        .collect();
    for code in &codes {
        let active = items(&all)
            .iter()
            .filter(|r| r["product-code"] == code.as_str() && r["active-month"] == true)
            .count();
        assert_eq!(active, 1, "{code}");
    }
    let first = es[0]["symbol"].as_str().unwrap();
    let (_, one) = get(
        &srv,
        &token,
        &format!("/instruments/futures?symbol[]={first}"),
    )
    .await;
    assert_eq!(symbols_of(&one), set(&[first]));

    let (status, products) = get(&srv, &token, "/instruments/future-products").await;
    assert_eq!(status, StatusCode::OK);
    let product_codes: BTreeSet<String> = items(&products)
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(product_codes, codes);

    let (status, body) = get(&srv, &token, "/futures-option-chains/ES/nested").await;
    assert_eq!(status, StatusCode::OK);
    let data = &body["data"];
    let futures = data["futures"].as_array().unwrap();
    assert_eq!(
        futures.iter().filter(|f| f["active-month"] == true).count(),
        1
    );
    let chains = data["option-chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1);
    let exps = chains[0]["expirations"].as_array().unwrap();
    assert!(!exps.is_empty());
    let mut strikes_total = 0;
    for e in exps {
        assert!(e["underlying-symbol"].as_str().unwrap().starts_with("/ES"));
        assert!(e["days-to-expiration"].is_number());
        for s in e["strikes"].as_array().unwrap() {
            strikes_total += 1;
            let cs = s["call-streamer-symbol"].as_str().unwrap();
            assert!(cs.starts_with("./") && cs.ends_with(":XCME"), "{cs}");
            assert!(s["call"].as_str().unwrap().starts_with("./ES"));
            f(&s["strike-price"]);
        }
    }
    // Also with the slash, encoded.
    let (status, _) = get(&srv, &token, "/futures-option-chains/%2FES/nested").await;
    assert_eq!(status, StatusCode::OK);
    let (status, flat) = get(&srv, &token, "/futures-option-chains/ES").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&flat).len(), 2 * strikes_total);
    assert_eq!(items(&flat)[0]["instrument-type"], "Future Option");
}

/// `POST /__sim/as-of` moves a running market to another date: from then on it serves what a
/// market started on that date serves (metrics, prices, chains, candles), with the same token;
/// `GET` reads the date; a body without a valid date is a 400 and moves nothing.
#[tokio::test]
async fn the_date_control_moves_a_running_market() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let later = Date::from_ymd(2026, 4, 17).expect("date");
    let fresh = super::market(volscreen_sim::SimOptions::new(later)).await;
    let fresh_token = login(&fresh).await;
    let paths = [
        "/market-metrics?symbols=AAPL,SPY,TSLA",
        "/market-data/by-type?equity=AAPL,SPY&index=SPX",
        "/option-chains/AAPL/nested",
    ];
    let before = get(&srv, &token, paths[0]).await.1;
    let date_of = |srv: &volscreen_sim::SimServer| {
        let url = format!("{}/__sim/as-of", srv.base_url());
        async move {
            let r = http().get(url).send().await.expect("as-of");
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.expect("json")["as_of"].clone()
        }
    };
    assert_eq!(date_of(&srv).await, as_of().to_string());
    for bad in [
        "",
        "{}",
        r#"{"as_of":"2026-02-30"}"#,
        r#"{"as_of":20260417}"#,
    ] {
        let r = http()
            .post(format!("{}/__sim/as-of", srv.base_url()))
            .body(bad)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(date_of(&srv).await, as_of().to_string());
    let r = http()
        .post(format!("{}/__sim/as-of", srv.base_url()))
        .json(&serde_json::json!({ "as_of": later.to_string() }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.expect("json")["as_of"],
        later.to_string()
    );
    assert_eq!(date_of(&srv).await, later.to_string());
    for path in paths {
        let (status, moved) = get(&srv, &token, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: the token still works");
        let (_, want) = get(&fresh, &fresh_token, path).await;
        assert_eq!(moved, want, "{path}: served as a market started on {later}");
    }
    assert_ne!(
        get(&srv, &token, paths[0]).await.1,
        before,
        "the metrics of another date differ"
    );
    let candles = |s: &volscreen_sim::SimServer| s.state.market().candles("AAPL");
    assert_eq!(candles(&srv), candles(&fresh), "candles follow the date");
    assert_eq!(srv.state.market().session(), fresh.state.market().session());
}
