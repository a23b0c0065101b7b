//! Cross-sectional distributions over the default watchlist (IV percentile and rank quartiles,
//! liquidity, IV/HV30, missing HV, `balanced` pass rate) on three dates, and
//! `default_watchlist_report`, which prints the figures quoted in `docs/demo-market.md`.

use super::{date, hv, watchlist, AS_OF};
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::{Market, Metrics};

/// The percentage of `xs` satisfying `f`.
fn share<T>(xs: &[T], f: impl Fn(&T) -> bool) -> f64 {
    xs.iter().filter(|x| f(x)).count() as f64 / xs.len().max(1) as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn default_metrics(m: &Market) -> Vec<(Metrics, Option<f64>)> {
    watchlist()
        .iter()
        .filter_map(|s| m.metrics(s).map(|x| (x, m.quote(s).and_then(|q| q.last))))
        .collect()
}

#[test]
fn cross_sectional_distributions() {
    for as_of in [AS_OF, "2026-06-15", "2027-02-10"] {
        let m = Market::new(date(as_of));
        let all = default_metrics(&m);
        assert!(all.len() > 450, "{}", all.len());
        for q in 0..4 {
            let lo = q as f64 * 0.25;
            let f = share(&all, |(x, _)| {
                x.iv_percentile >= lo && x.iv_percentile < lo + 0.25 + 1e-9 * (q == 3) as u8 as f64
            });
            assert!(
                f >= 0.10,
                "{as_of}: IV percentile quartile {q} holds {f:.2}"
            );
            let f = share(&all, |(x, _)| {
                x.iv_rank_tos >= lo && x.iv_rank_tos <= lo + 0.25
            });
            assert!(f >= 0.07, "{as_of}: IV rank quartile {q} holds {f:.2}");
        }
        let liq = share(&all, |(x, _)| x.liquidity_rating.unwrap_or(0) >= 4);
        assert!(
            (0.30..=0.50).contains(&liq),
            "{as_of}: liquidity 4-5 share {liq:.2}"
        );
        let prem: Vec<f64> = all
            .iter()
            .filter_map(|(x, _)| x.hv30.map(|h| x.iv_index / h))
            .collect();
        let med = median(prem.clone());
        assert!(
            (0.9..=1.5).contains(&med),
            "{as_of}: median IV/HV30 {med:.2}"
        );
        let inside = share(&prem, |p| (0.8..=1.6).contains(p));
        assert!(
            inside >= 0.5,
            "{as_of}: IV/HV30 within 0.8..1.6 for {inside:.2}"
        );
        let missing = share(&all, |(x, _)| x.hv30.is_none());
        assert!(
            (0.03..=0.2).contains(&missing),
            "{as_of}: hv30 missing {missing:.2}"
        );
        let pass = all
            .iter()
            .filter(|(x, p)| balanced(x, *p).iter().all(|b| *b))
            .count();
        let f = pass as f64 / all.len() as f64;
        assert!(
            (0.03..=0.25).contains(&f),
            "{as_of}: balanced passes {pass} ({f:.2})"
        );
    }
}

/// The metrics-level filters of the `balanced` profile, in order: iv_percentile, liquidity,
/// price, vrp_structural, vrp_tactical, vtr.
fn balanced(x: &Metrics, price: Option<f64>) -> [bool; 6] {
    let iv = x.iv_index;
    let floor = |h: Option<f64>| h.map(|h| h.max(0.05));
    [
        x.iv_percentile >= 0.50,
        x.liquidity_rating.is_none_or(|r| r >= 4),
        x.asset_class == AssetClass::Future || price.is_some_and(|p| p >= 25.0),
        floor(x.hv90).is_some_and(|h| iv / h > 1.10),
        floor(x.hv30).is_some_and(|h| iv / h > 1.15),
        match (x.hv30, x.hv90) {
            (Some(a), Some(b)) if b > 0.0 => a / b >= 0.85,
            _ => false,
        },
    ]
}

/// HV30 and HV90 as the screener computes them locally from the daily candles (a futures root
/// from its active contract's).
fn candle_hvs(m: &Market, x: &Metrics) -> (Option<f64>, Option<f64>) {
    let symbol = if x.asset_class == AssetClass::Future {
        m.futures_contracts(x.symbol.trim_start_matches('/'))
            .into_iter()
            .find(|c| c.active_month)
            .map(|c| c.streamer_symbol)
            .unwrap_or_default()
    } else {
        x.symbol.clone()
    };
    match m.candles(&symbol) {
        Some(c) => (hv(&c, 30), hv(&c, 90)),
        None => (None, None),
    }
}

#[test]
fn default_watchlist_report() {
    let m = Market::new(date(AS_OF));
    let all = default_metrics(&m);
    let n = all.len();
    println!("default watchlist as of {AS_OF}: {n} symbols with metrics");
    let buckets = |f: &dyn Fn(&Metrics) -> f64| -> Vec<usize> {
        let mut b = vec![0usize; 4];
        for (x, _) in &all {
            b[((f(x) * 4.0).floor() as usize).min(3)] += 1;
        }
        b
    };
    println!(
        "IV percentile by quartile: {:?}",
        buckets(&|x| x.iv_percentile)
    );
    println!(
        "IV rank (tos) by quartile: {:?}",
        buckets(&|x| x.iv_rank_tos)
    );
    println!(
        "IV rank (tw) by quartile:  {:?}",
        buckets(&|x| x.iv_rank_tw)
    );
    let mut ratings = [0usize; 6];
    let mut none = 0;
    for (x, _) in &all {
        match x.liquidity_rating {
            Some(r) => ratings[r as usize] += 1,
            None => none += 1,
        }
    }
    println!(
        "liquidity ratings 1..5: {:?}, none: {none}; 4-5: {:.1} %",
        &ratings[1..],
        100.0 * (ratings[4] + ratings[5]) as f64 / n as f64
    );
    let prem: Vec<f64> = all
        .iter()
        .filter_map(|(x, _)| x.hv30.map(|h| x.iv_index / h))
        .collect();
    let mut p = prem.clone();
    p.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| p[((p.len() - 1) as f64 * f) as usize];
    println!(
        "IV/HV30: n {} p10 {:.2} p25 {:.2} median {:.2} p75 {:.2} p90 {:.2}; within 0.8..1.6: {:.1} %",
        p.len(),
        q(0.1),
        q(0.25),
        q(0.5),
        q(0.75),
        q(0.9),
        100.0 * share(&prem, |v| (0.8..=1.6).contains(v))
    );
    let ivs = median(all.iter().map(|(x, _)| x.iv_index).collect());
    let missing = |f: &dyn Fn(&Metrics) -> bool| all.iter().filter(|(x, _)| f(x)).count();
    println!(
        "median IV index {ivs:.3}; metrics omit hv30 for {}, hv90 for {}; fewer than 253 candles: {}, fewer than 91: {}",
        missing(&|x| x.hv30.is_none()),
        missing(&|x| x.hv90.is_none()),
        all.iter()
            .filter(|(x, _)| x.asset_class != AssetClass::Future && m.candles(&x.symbol).is_some_and(|c| c.len() < 253))
            .count(),
        all.iter()
            .filter(|(x, _)| x.asset_class != AssetClass::Future && m.candles(&x.symbol).is_some_and(|c| c.len() < 91))
            .count(),
    );
    let names = [
        "iv_percentile >= 0.50",
        "liquidity_rating >= 4",
        "price >= 25 (futures exempt)",
        "vrp_structural > 1.10",
        "vrp_tactical > 1.15",
        "vtr >= 0.85",
    ];
    let from_metrics: Vec<[bool; 6]> = all.iter().map(|(x, p)| balanced(x, *p)).collect();
    let from_candles: Vec<[bool; 6]> = all
        .iter()
        .map(|(x, p)| {
            let (hv30, hv90) = candle_hvs(&m, x);
            let local = Metrics {
                hv30,
                hv90,
                ..x.clone()
            };
            balanced(&local, *p)
        })
        .collect();
    println!("filter                         alone (metrics HV / candle HV)   cumulative (metrics HV / candle HV)");
    for (i, name) in names.iter().enumerate() {
        let pass = |r: &[[bool; 6]]| r.iter().filter(|r| r[i]).count();
        let cum = |r: &[[bool; 6]]| r.iter().filter(|r| r[..=i].iter().all(|b| *b)).count();
        println!(
            "{name:<30} {:>4} / {:>4}   {:>4} / {:>4}   (of {n})",
            pass(&from_metrics),
            pass(&from_candles),
            cum(&from_metrics),
            cum(&from_candles)
        );
    }
    let earn = all
        .iter()
        .filter(|(x, _)| {
            x.earnings
                .as_ref()
                .is_some_and(|e| e.expected_report_date.days_since(date(AS_OF)) <= 10)
        })
        .count();
    println!("earnings within 10 days: {earn}");
    assert!(n > 0);
}
