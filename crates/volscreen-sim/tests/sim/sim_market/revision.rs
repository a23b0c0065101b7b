//! The market's revision guard: a fingerprint of what the market serves (metrics, candles, chain
//! structure and quotes of a spread of symbols on two dates) is recorded beside
//! [`volscreen_sim::MARKET_REVISION`]. When a change moves any of those numbers this test fails,
//! and the fix is to bump the revision and record the new fingerprint together: clients key their
//! cached demo data by the revision, so a forgotten bump would serve stale candles and chains.

use super::date;
use volscreen_sim::market::Market;
use volscreen_sim::rng::fnv1a64;
use volscreen_sim::MARKET_REVISION;

/// The revision and the fingerprint of its output. Update both together.
const RECORDED: (u32, u64) = (3, 0xa36d_aa7f_ecc0_4e5e);

const SYMBOLS: &[&str] = &[
    "SPY", "SPX", "QQQ", "AAPL", "TSLA", "KO", "GLD", "TQQQ", "VIX", "/ES", "/GC", "/6J", "YAAA",
    "YQWX",
];

fn fingerprint() -> u64 {
    let mut text = String::new();
    for as_of in ["2026-03-20", "2026-11-20"] {
        let m = Market::new(date(as_of));
        for s in SYMBOLS {
            text.push_str(&format!("{as_of} {s}\n"));
            if let Some(x) = m.metrics(s) {
                text.push_str(&format!("{:?}\n", x));
            }
            if let Some(c) = m.candles(s) {
                for bar in c.iter().rev().take(5) {
                    text.push_str(&format!("{bar:?}\n"));
                }
            }
            if let Some(q) = m.quote(s) {
                text.push_str(&format!("{q:?}\n"));
            }
            if let Some(chain) = m.option_chain(s) {
                text.push_str(
                    &format!("{:?}\n", chain)
                        .chars()
                        .take(4_000)
                        .collect::<String>(),
                );
            }
        }
    }
    fnv1a64(text.as_bytes())
}

#[test]
fn the_revision_moves_with_the_numbers() {
    let now = fingerprint();
    assert_eq!(
        (MARKET_REVISION, now),
        RECORDED,
        "the market's output changed (fingerprint {now:#x}): bump MARKET_REVISION in \
         crates/volscreen-sim/src/lib.rs and record (revision, fingerprint) in RECORDED here"
    );
}
