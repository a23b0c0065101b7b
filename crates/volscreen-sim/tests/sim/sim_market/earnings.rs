//! Earnings on each company's quarterly cycle: spread over the season (no date carries more than
//! a few percent of the default list's equities), nothing in the off-season weeks but the
//! companies whose fiscal quarters end a month or two after the calendar's, one report a quarter
//! on a trading day with its time of day, and none for funds, indices and futures.

use super::{date, watchlist, AS_OF};
use std::collections::BTreeMap;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::calendar;
use volscreen_sim::market::Market;

fn equities(m: &Market) -> Vec<String> {
    watchlist()
        .into_iter()
        .filter(|s| m.asset_class(s) == Some(AssetClass::Equity))
        .collect()
}

#[test]
fn reports_are_spread_over_the_season() {
    let m = Market::new(date(AS_OF));
    let eq = equities(&m);
    assert!(eq.len() > 350, "{}", eq.len());
    for (from, to) in [
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
    ] {
        let mut per_day: BTreeMap<Date, usize> = BTreeMap::new();
        for s in &eq {
            let r = m.earnings_reports(s, date(from), date(to));
            assert_eq!(r.len(), 1, "{s}: one report in {from}..{to}: {r:?}");
            let e = &r[0];
            assert!(
                calendar::is_trading_day(e.expected_report_date),
                "{s}: {e:?}"
            );
            assert!(["BMO", "AMC"].contains(&e.time_of_day));
            *per_day.entry(e.expected_report_date).or_default() += 1;
        }
        let (busiest, n) = per_day
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(d, n)| (*d, *n))
            .expect("reports");
        let share = n as f64 / eq.len() as f64;
        assert!(
            share <= 0.05,
            "{from}: {n} reports on {busiest} ({share:.3})"
        );
        assert!(
            per_day.len() >= 40,
            "{from}: reports on only {} days",
            per_day.len()
        );
    }
}

#[test]
fn the_off_season_is_quiet() {
    let m = Market::new(date(AS_OF));
    let eq = equities(&m);
    // The last weeks of November and December: only companies with fiscal quarters ending in
    // October or November report (retailers, Oracle, Chinese ADRs ...: about 15 % of the list, as
    // in reality), never on Thanksgiving, and none of the calendar-quarter companies.
    let late: Vec<String> = eq
        .iter()
        .filter(|s| {
            !m.earnings_reports(s, date("2026-11-23"), date("2026-12-31"))
                .is_empty()
        })
        .cloned()
        .collect();
    assert!(
        late.len() as f64 / (eq.len() as f64) < 0.18,
        "{} of {} report in late November/December",
        late.len(),
        eq.len()
    );
    // A calendar-quarter company (its summer report in the six weeks after June) never reports
    // then.
    let mut calendar_quarter = 0;
    for s in &eq {
        let summer = m.earnings_reports(s, date("2026-07-01"), date("2026-09-30"));
        let Some(r) = summer.first() else { continue };
        if r.expected_report_date <= date("2026-08-14") {
            calendar_quarter += 1;
            assert!(!late.contains(s), "{s} reports off-season");
        }
    }
    assert!(calendar_quarter > eq.len() * 3 / 4, "{calendar_quarter}");
    for s in [
        "AAPL", "MSFT", "JPM", "KO", "XOM", "MCD", "PEP", "CVX", "IBM",
    ] {
        assert!(!late.contains(&s.to_string()), "{s} reports off-season");
    }
    for s in ["ORCL", "COST", "AVGO", "ADBE"] {
        assert!(late.contains(&s.to_string()), "{s} reports in December");
    }
    for s in &eq {
        assert!(m
            .earnings_reports(s, date("2026-11-26"), date("2026-11-26"))
            .is_empty());
    }
    // Known cycles: banks in mid-January, Apple at the turn of January, NVIDIA in late November.
    let one = |s: &str, from: &str, to: &str| m.earnings_reports(s, date(from), date(to)).len();
    assert_eq!(one("JPM", "2027-01-08", "2027-01-20"), 1);
    assert_eq!(one("AAPL", "2027-01-24", "2027-02-05"), 1);
    assert_eq!(one("NVDA", "2026-11-15", "2026-11-30"), 1);
}

#[test]
fn next_earnings_in_the_metrics_follow_the_calendar() {
    for as_of in ["2025-06-02", "2026-03-20", AS_OF] {
        let m = Market::new(date(as_of));
        for s in watchlist() {
            let Some(x) = m.metrics(&s) else { continue };
            let reports = m.earnings_reports(&s, m.as_of(), m.as_of().add_days(200));
            if x.asset_class != AssetClass::Equity {
                assert!(x.earnings.is_none() && reports.is_empty(), "{s}");
                continue;
            }
            let e = x.earnings.expect("an equity has earnings");
            // The next report still ahead at the close: after the as-of date, or an AMC report
            // on it.
            let next = reports
                .iter()
                .find(|r| {
                    r.expected_report_date > m.as_of()
                        || (r.expected_report_date == m.as_of() && r.time_of_day == "AMC")
                })
                .expect("a report within 200 days");
            assert_eq!(e.expected_report_date, next.expected_report_date, "{s}");
            assert_eq!(e.time_of_day, next.time_of_day, "{s}");
            // At most a quarter and an annual report's delay ahead.
            assert!(e.expected_report_date.days_since(m.as_of()) <= 125, "{s}");
        }
    }
}
