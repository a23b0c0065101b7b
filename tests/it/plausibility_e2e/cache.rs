//! The candle cache under a broken feed: empty histories are errors of stage candles and are
//! never cached, so the next scan of a healthy market fetches the candles again.

use super::{as_of, assert_healthy, scan, HV_FIELDS, SYMBOL_LIST};
use crate::harness::{self, assert_schema_valid, Market, TempDir};
use volscreen::sim::{Faults, SimOptions};

/// A broken feed (every snapshot empty) with the cache on: every symbol that needed candles is an
/// error of stage candles, nothing is cached, and once the market recovers the next scan fetches
/// the candles again and gets the healthy verdicts.
#[test]
fn empty_histories_are_errors_and_never_cached() {
    let reference = scan(&Market::plain(), None);
    assert_healthy(&reference);
    let cache = TempDir::new("cache");

    let broken = Market::start(SimOptions {
        faults: Faults::parse("empty=1.0").expect("fault spec"),
        ..SimOptions::new(as_of())
    });
    let first = scan(&broken, Some(cache.path()));
    let show = first.show();
    assert!(
        harness::fault_count(broken.server(), "empty") >= 1,
        "the fault was served: {}",
        broken.stats()
    );
    assert_eq!(
        first.doc["meta"]["counts"]["candidates"], 0,
        "no candidate without candles\n{show}"
    );
    for (symbol, (list, stage)) in reference.verdicts() {
        if list == "rejected" && stage == "prefilter" {
            assert_eq!(
                first.verdicts()[&symbol],
                (list, stage),
                "{symbol}: metrics-only verdicts stand\n{show}"
            );
            continue;
        }
        let (l, e) = first.entry(&symbol);
        assert_eq!(
            (l, e["stage"].as_str()),
            ("errors", Some("candles")),
            "{symbol}: an empty history is an error of stage candles, never a rejection\n{show}"
        );
    }
    drop(broken);

    let healthy = Market::plain();
    let second = scan(&healthy, Some(cache.path()));
    let show = second.show();
    assert!(
        second.requests("dxlink subscriptions") > 0,
        "the candles are requested again, not served from the cache\n{show}"
    );
    assert_eq!(
        second.verdicts(),
        reference.verdicts(),
        "the healthy verdicts\n{show}\nreference:\n{}",
        reference.show()
    );
    for s in SYMBOL_LIST {
        for f in HV_FIELDS {
            assert_eq!(
                second.entry(s).1[f],
                reference.entry(s).1[f],
                "{s} {f}\n{show}"
            );
        }
    }
    assert_schema_valid(&first.doc);
    assert_schema_valid(&second.doc);
}
