//! Daily candles: consistent OHLC on trading days only (no holidays over the whole history),
//! deterministic and extending with a later as-of date, and recent listings (scale names and the
//! table's IPOs, never old names) with short histories fixed by their listing date.

use super::{check_ohlc, date, watchlist, AS_OF};
use volscreen_core::date::Date;
use volscreen_sim::calendar;
use volscreen_sim::market::{scale_universe, Market};

#[test]
fn candles_are_consistent_on_trading_days() {
    let m = Market::new(date("2026-11-22")); // a Sunday
    let mut syms = watchlist();
    syms.extend(scale_universe(200));
    syms.extend(["/ESZ6", "/CLF27:XNYM", "/6EH27", "/ZBZ26:XCBT"].map(String::from));
    for s in &syms {
        if s.starts_with('/') && m.futures_product(&s[1..]).is_some() {
            assert!(m.candles(s).is_none(), "bare root {s} has no candles");
            continue;
        }
        let Some(c) = m.candles(s) else {
            panic!("{s}: no candles");
        };
        assert!(!c.is_empty(), "{s}");
        check_ohlc(s, &c);
        assert!(
            c.windows(2).all(|w| w[0].time < w[1].time),
            "{s}: not ascending"
        );
        for k in c.iter() {
            let d = Date::from_epoch_ms(k.time);
            assert_eq!(d.epoch_ms(), k.time, "{s}: candle time not at midnight UTC");
            assert!(calendar::is_trading_day(d), "{s}: candle on {d}");
        }
        let last = c.last().map(|k| Date::from_epoch_ms(k.time));
        assert_eq!(last, Some(date("2026-11-20")), "{s}: last candle");
        assert!(c.len() <= 760, "{s}: {} candles", c.len());
    }
    // Three years for an ordinary symbol.
    let spy = m.candles("SPY").expect("SPY");
    assert!(spy.len() >= 750, "{}", spy.len());
}

#[test]
fn no_holiday_candles_over_the_whole_history() {
    let m = Market::new(date("2027-12-31"));
    let c = m.candles("AAPL").expect("AAPL");
    let days: Vec<Date> = c.iter().map(|k| Date::from_epoch_ms(k.time)).collect();
    for closed in [
        "2026-11-26",
        "2026-04-03",
        "2026-07-03",
        "2027-12-24",
        "2025-01-09",
    ] {
        assert!(!days.contains(&date(closed)), "candle on {closed}");
    }
    assert!(days.contains(&date("2026-11-27")));
    assert_eq!(days.last(), Some(&date("2027-12-31")));
}

#[test]
fn deterministic_and_extending() {
    let a = Market::new(date(AS_OF));
    let b = Market::new(date(AS_OF));
    let later = Market::new(date("2027-03-15"));
    // /ESM27 is listed on both dates (/ESZ6 expires in between and is unknown later).
    for s in ["AAPL", "SPY", "VIX", "/ESM27", "YABC", "SPX", "TQQQ", "NDX"] {
        let x = a.candles(s).expect(s);
        let y = b.candles(s).expect(s);
        assert_eq!(x, y, "{s}: same symbol and date");
        let z = later.candles(s).expect(s);
        let first = z
            .iter()
            .position(|c| c.time == x[x.len() - 200].time)
            .expect("overlap");
        assert_eq!(
            &z[first..first + 200],
            &x[x.len() - 200..],
            "{s}: later as-of changed history"
        );
        assert!(z.last().map(|c| c.time) > x.last().map(|c| c.time));
        assert_eq!(a.metrics(s), b.metrics(s), "{s}: metrics deterministic");
    }
    assert_eq!(a.option_chain("AAPL"), b.option_chain("AAPL"));
    assert_eq!(a.quote("AAPL"), b.quote("AAPL"));
}

#[test]
fn recent_listings_have_short_fixed_histories() {
    let m = Market::new(date(AS_OF));
    let later = Market::new(date("2027-06-01"));
    let mut short = 0;
    let mut no_hv90 = 0;
    for s in scale_universe(2000) {
        let c = m.candles(&s).map(|c| c.len()).unwrap_or(0);
        if c < 700 {
            short += 1;
            if c > 0 {
                let first = m
                    .candles(&s)
                    .and_then(|c| c.first().copied())
                    .map(|k| k.time);
                let first_later = later
                    .candles(&s)
                    .and_then(|c| c.first().copied())
                    .map(|k| k.time);
                assert_eq!(
                    first, first_later,
                    "{s}: listing date moved with the as-of date"
                );
                let x = m.metrics(&s).expect("metrics");
                assert!(x.hv90.is_none() || c >= 91);
                if c < 91 {
                    no_hv90 += 1;
                }
            }
        }
    }
    assert!(
        (20..=100).contains(&short),
        "{short} short histories of 2000"
    );
    assert!(no_hv90 > 0);
    // Among the named universe only the recent IPOs of the table have short histories.
    for s in watchlist() {
        if let Some(c) = m.candles(&s) {
            assert!(c.len() >= 750, "{s}: {} candles", c.len());
        }
    }
    let crcl = m.candles("CRCL").expect("CRCL");
    assert_eq!(
        crcl.first().map(|c| c.time),
        Some(date("2025-06-05").epoch_ms())
    );
    assert!(Market::new(date("2025-06-02")).is_unknown("CRCL"));
}
