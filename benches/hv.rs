//! Criterion benchmark of the historical-volatility estimators (`src/vol/hv.rs`) over 253 daily
//! closes, the history HV252 needs: all four windows through `HvSet::from_candles` (closes
//! extracted, sortedness checked, HV20/30/90/252), and `hv::hv` alone for the longest window.
//!
//! The candles are the demo market's AAPL history as of the benchmark date (realistic prices,
//! ascending, one per session). Benchmarks: `hv/from_candles/253` (`HvSet::from_candles`),
//! `hv/hv252/253` and `hv/hv20/253` (`hv::hv` with a 252- and a 20-return window).
//! `detail/estimator_table/600`: every estimator (`vol::estimators`) over the 7 detail windows of
//! 600 candles (what `volscreen detail` computes); `detail/cone/600`: the HV cone of those windows.
//! Run: `cargo bench --bench hv`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use volscreen::candle::Candle;
use volscreen::sim::market::Market;
use volscreen::vol::cone;
use volscreen::vol::estimators::{self, Estimator, DETAIL_WINDOWS};
use volscreen::vol::hv::{self, HvSet};

/// Closes HV252 needs (252 returns).
const CLOSES: usize = 253;

/// Candles of the `detail` benchmark (the cone of the 252 window reads up to 504 closes).
const DETAIL_CANDLES: usize = 600;

fn last_candles(n: usize) -> Vec<Candle> {
    let market = Market::new(common::as_of());
    let all = market.candles("AAPL").expect("the demo market has AAPL");
    assert!(all.len() >= n, "AAPL history too short: {}", all.len());
    all[all.len() - n..].to_vec()
}

fn candles() -> Vec<Candle> {
    last_candles(CLOSES)
}

fn bench_hv(c: &mut Criterion) {
    let candles = candles();
    let closes = hv::closes(&candles);
    assert_eq!(closes.len(), CLOSES);
    let set = HvSet::from_candles(&candles);
    assert!(set.hv20.is_ok() && set.hv30.is_ok() && set.hv90.is_ok() && set.hv252.is_ok());

    let mut g = c.benchmark_group("hv");
    g.throughput(Throughput::Elements(CLOSES as u64));
    g.bench_function("from_candles/253", |b| {
        b.iter(|| HvSet::from_candles(black_box(&candles)))
    });
    g.bench_function("hv252/253", |b| {
        b.iter(|| hv::hv(black_box(&closes), black_box(252)))
    });
    g.bench_function("hv20/253", |b| {
        b.iter(|| hv::hv(black_box(&closes), black_box(20)))
    });
    g.finish();
}

fn bench_detail(c: &mut Criterion) {
    let candles = last_candles(DETAIL_CANDLES);
    let table = estimators::table(&candles, &DETAIL_WINDOWS);
    for e in Estimator::ALL {
        for w in DETAIL_WINDOWS {
            assert!(
                table.value(e, w).is_some(),
                "{e} over {w}: {:?}",
                table.get(e, w)
            );
        }
    }
    assert!(cone::cone(&candles, &DETAIL_WINDOWS)
        .iter()
        .all(|r| r.is_ok()));

    let mut g = c.benchmark_group("detail");
    g.throughput(Throughput::Elements(DETAIL_CANDLES as u64));
    g.bench_function("estimator_table/600", |b| {
        b.iter(|| estimators::table(black_box(&candles), black_box(&DETAIL_WINDOWS)))
    });
    g.bench_function("cone/600", |b| {
        b.iter(|| cone::cone(black_box(&candles), black_box(&DETAIL_WINDOWS)))
    });
    g.finish();
}

criterion_group!(benches, bench_hv, bench_detail);
criterion_main!(benches);
