//! What a trader reads first, printed against the reference ranges of `docs/demo-market.md`:
//! IV by volatility class, the related-instrument ratios and the earnings reports per week, for
//! the default watchlist as of the documented date.
//!
//! `cargo test -p volscreen-sim --test sim sim_market::realism -- --nocapture` prints the table;
//! the medians must fall in the reference ranges (the extremes may leave them: a name in a
//! stressed regime, or ahead of its report).

use super::{date, watchlist, AS_OF};
use std::collections::BTreeMap;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::Market;

/// Volatility classes of the data table, with the typical real IV range of each (late 2025,
/// 30-day ATM IV in calm-to-normal markets).
const CLASSES: &[(&str, &[&str], (f64, f64))] = &[
    (
        "staples & utilities",
        &[
            "KO", "PEP", "PG", "CL", "MDLZ", "GIS", "MO", "PM", "SO", "DUK", "NEE", "WMT", "COST",
            "MCD", "JNJ", "XLP", "XLU",
        ],
        (0.12, 0.28),
    ),
    (
        "index ETFs and indices",
        &[
            "SPY", "SPX", "DIA", "IWM", "QQQ", "VOO", "VTI", "XLF", "XLK", "EFA",
        ],
        (0.11, 0.28),
    ),
    (
        "big tech",
        &[
            "AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "AVGO", "ORCL", "CRM", "ADBE",
        ],
        (0.20, 0.50),
    ),
    (
        "crypto-linked and meme",
        &[
            "COIN", "MSTR", "MARA", "RIOT", "CLSK", "HOOD", "GME", "AMC", "PLUG", "SMCI", "UPST",
        ],
        (0.55, 1.30),
    ),
    (
        "leveraged 3x index ETFs",
        &["TQQQ", "SQQQ", "SPXL", "SPXS", "TNA"],
        (0.40, 0.90),
    ),
    ("volatility products", &["VIX", "UVXY", "VXX"], (0.45, 1.40)),
];

fn iv(m: &Market, s: &str) -> Option<f64> {
    m.metrics(s).map(|x| x.iv_index)
}

fn last(m: &Market, s: &str) -> f64 {
    m.quote(s).and_then(|q| q.last).unwrap_or(f64::NAN)
}

#[test]
fn realism_report() {
    let m = Market::new(date(AS_OF));
    println!("demo market realism, as of {AS_OF}");
    println!(
        "{:<26} {:>6} {:>6} {:>6}   reference (typical real IV)",
        "IV by class", "min", "median", "max"
    );
    for (name, syms, (lo, hi)) in CLASSES {
        let mut v: Vec<f64> = syms.iter().filter_map(|s| iv(&m, s)).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(v.len(), syms.len(), "{name}");
        let med = v[v.len() / 2];
        println!(
            "{name:<26} {:>6.2} {med:>6.2} {:>6.2}   {lo:.2}-{hi:.2}",
            v[0],
            v[v.len() - 1]
        );
        assert!((*lo..=*hi).contains(&med), "{name}: median IV {med}");
    }

    println!("related instruments          measured   reference");
    let gc = m
        .futures_contracts("GC")
        .into_iter()
        .find(|c| c.active_month)
        .map(|c| c.symbol)
        .unwrap_or_default();
    for (what, value, reference) in [
        (
            "SPY / SPX",
            last(&m, "SPY") / last(&m, "SPX"),
            "0.0998 (about 1/10)",
        ),
        (
            "QQQ / NDX",
            last(&m, "QQQ") / last(&m, "NDX"),
            "0.0244 (about 1/41)",
        ),
        (
            "IWM / RUT",
            last(&m, "IWM") / last(&m, "RUT"),
            "0.0992 (about 1/10)",
        ),
        ("DIA / DJX", last(&m, "DIA") / last(&m, "DJX"), "1.00"),
        (
            "/GC / GLD",
            last(&m, &gc) / last(&m, "GLD"),
            "10.9 plus carry",
        ),
        ("SLV / /SI", last(&m, "SLV") / last(&m, "/SI"), "0.92"),
        (
            "USO / /CL",
            last(&m, "USO") / last(&m, "/CL"),
            "1.25 (same path)",
        ),
        (
            "/ES / SPX - 1",
            last(&m, "/ES") / last(&m, "SPX") - 1.0,
            "(r - q) T, r 4 %, q 1.2 %",
        ),
        (
            "/NQ / NDX - 1",
            last(&m, "/NQ") / last(&m, "NDX") - 1.0,
            "(r - q) T, q 0.7 %",
        ),
        (
            "IV NDX / SPX",
            iv(&m, "NDX").unwrap_or(0.0) / iv(&m, "SPX").unwrap_or(1.0),
            "1.1-1.6",
        ),
        (
            "IV QQQ / SPY",
            iv(&m, "QQQ").unwrap_or(0.0) / iv(&m, "SPY").unwrap_or(1.0),
            "1.1-1.6",
        ),
        (
            "IV TQQQ / QQQ",
            iv(&m, "TQQQ").unwrap_or(0.0) / iv(&m, "QQQ").unwrap_or(1.0),
            "3",
        ),
        (
            "VIX / (100 SPX IV)",
            last(&m, "VIX") / (100.0 * iv(&m, "SPX").unwrap_or(1.0)),
            "1",
        ),
    ] {
        println!("{what:<26} {value:>10.4}   {reference}");
        assert!(value.is_finite(), "{what}");
    }

    // Earnings reports per week over the winter season, for the default list's equities.
    let equities: Vec<String> = watchlist()
        .into_iter()
        .filter(|s| m.asset_class(s) == Some(AssetClass::Equity))
        .collect();
    let mut weeks: BTreeMap<String, usize> = BTreeMap::new();
    let (from, to) = (date("2026-12-28"), date("2027-03-28"));
    for s in &equities {
        for e in m.earnings_reports(s, from, to) {
            let d = e.expected_report_date;
            let monday = d.add_days(-(d.weekday() as i32));
            *weeks.entry(monday.to_string()).or_default() += 1;
        }
    }
    println!(
        "earnings reports per week ({} equities of the default list)",
        equities.len()
    );
    for (week, n) in &weeks {
        println!("  week of {week}: {n:>4}  {}", "#".repeat(n.div_ceil(4)));
        assert!(n * 4 <= equities.len(), "week of {week}: {n} reports");
    }
}
