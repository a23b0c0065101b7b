//! What `/market-metrics` rows tell a screener beyond volatility, consistent with the market:
//! beta and SPY correlation, dividends (only payers; yields realistic by class; dates around the
//! as-of date), earnings with date and time of day (equities only), liquidity value and rank,
//! market cap.

use super::{as_of, f, get, items, login, plain_market};
use reqwest::StatusCode;
use serde_json::Value;
use volscreen_core::date::Date;

fn date(v: &Value) -> Date {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn metrics_carry_beta_dividends_earnings_and_liquidity() {
    let srv = plain_market().await;
    let token = login(&srv).await;
    let market = &srv.state.market;
    let symbols = [
        "AAPL", "KO", "PEP", "XOM", "VZ", "JPM", "TSLA", "AMZN", "NVDA", "SPY", "QQQ", "XLU",
        "TLT", "HYG", "GLD", "SPX", "VIX", "/ES", "/CL",
    ];
    let (status, body) = get(
        &srv,
        &token,
        &format!("/market-metrics?symbols={}", symbols.join(",")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items(&body).len(), symbols.len());
    let row = |s: &str| items(&body).iter().find(|r| r["symbol"] == s).unwrap();
    for r in items(&body) {
        let sym = r["symbol"].as_str().unwrap();
        let m = market.metrics(sym).unwrap();
        // Liquidity and size: what a screener filters on.
        assert!(r["liquidity-value"].is_string() && r["liquidity-rank"].is_string());
        assert!(f(&r["liquidity-value"]) >= 0.0, "{sym}");
        assert!(r["market-cap"].is_number(), "{sym}");
        if let Some(beta) = m.beta {
            assert!((f(&r["beta"]) - beta).abs() < 1e-8, "{sym}");
            assert!(r["beta-updated-at"].is_string(), "{sym}");
        }
        if let Some(c) = m.corr_spy_3month {
            let v = f(&r["corr-spy-3month"]);
            assert!((v - c).abs() < 0.006 && (-1.0..=1.0).contains(&v), "{sym}");
        }
        // Earnings: equities only, with a date ahead and a time of day.
        let equity = market.asset_class(sym) == Some(volscreen_core::symbol::AssetClass::Equity);
        match r.get("earnings") {
            Some(e) => {
                assert!(equity, "{sym}: only equities report earnings");
                let d = date(&e["expected-report-date"]);
                assert!(d >= as_of(), "{sym}: {d}");
                assert!(
                    e["time-of-day"] == "BMO" || e["time-of-day"] == "AMC",
                    "{sym}"
                );
                assert!(date(&e["quarter-end-date"]) < d, "{sym}");
            }
            None => assert!(!equity || m.earnings.is_none(), "{sym}"),
        }
        // Dividends: equities and ETFs only; a payer's dates bracket the as-of date.
        let d = market.dividend(sym);
        assert_eq!(
            r.get("dividend-yield").is_some(),
            d.is_some(),
            "{sym}: dividend fields only where the market has a dividend"
        );
        let Some(d) = d else { continue };
        let y = f(&r["dividend-yield"]);
        assert!((y - d.dividend_yield).abs() < 1e-8, "{sym}");
        if d.frequency == 0 {
            assert_eq!(y, 0.0);
            assert_eq!(r["dividend-rate-per-share"], "0.0");
            assert!(r.get("dividend-ex-date").is_none(), "{sym}");
            continue;
        }
        let rate = f(&r["dividend-rate-per-share"]);
        let annual = f(&r["annual-dividend-per-share"]);
        assert!(
            (annual - rate * f64::from(d.frequency)).abs() < 1e-6,
            "{sym}"
        );
        let close = market.candles(sym).unwrap().last().unwrap().close;
        assert!(
            (y - annual / close).abs() < 1e-6,
            "{sym}: yield = annual / close"
        );
        let (ex, next, pay) = (
            date(&r["dividend-ex-date"]),
            date(&r["dividend-next-date"]),
            date(&r["dividend-pay-date"]),
        );
        assert!(ex <= as_of() && as_of() < next && ex < pay, "{sym}");
        assert!(next.days_since(ex) <= 366, "{sym}");
        assert!(r["dividend-updated-at"].is_string());
    }
    // Realistic yields by class: staples and telecoms pay more than tech; bond funds monthly.
    let y = |s: &str| f(&row(s)["dividend-yield"]);
    for (s, lo, hi) in [
        ("KO", 0.02, 0.045),
        ("PEP", 0.025, 0.055),
        ("VZ", 0.045, 0.09),
        ("AAPL", 0.001, 0.01),
        ("SPY", 0.006, 0.02),
        ("XLU", 0.015, 0.045),
        ("HYG", 0.04, 0.085),
    ] {
        assert!((lo..hi).contains(&y(s)), "{s}: yield {}", y(s));
    }
    for s in ["TSLA", "AMZN", "GLD"] {
        assert_eq!(y(s), 0.0, "{s} pays nothing");
    }
    assert_eq!(market.dividend("TLT").unwrap().frequency, 12);
    for s in ["SPX", "VIX", "/ES", "/CL"] {
        assert!(row(s).get("dividend-yield").is_none(), "{s}");
        assert!(row(s).get("earnings").is_none(), "{s}");
    }
    for s in ["SPY", "QQQ", "TLT"] {
        assert!(
            row(s).get("earnings").is_none(),
            "{s}: ETFs report no earnings"
        );
    }
    assert!(row("AAPL").get("earnings").is_some());
}
