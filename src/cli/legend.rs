//! The column legend: what every column of `screen`'s table and CSV means, printed by
//! `volscreen columns` and shown by `volscreen help columns` (a help text, so it lives with the
//! clap definitions). The definitions are those of docs/metrics.md and `screen::signal`; the unit
//! tests below hold the text to the code (every table and CSV column, every signal and its
//! threshold).

/// The legend. Each table column starts a line (`  TITLE  [csv names]  meaning`); the CSV-only
/// columns follow, then the signals.
pub const COLUMNS_LEGEND: &str = "\
Columns of `volscreen screen`: the table title, [the CSV and JSON field], the meaning. Values
marked (%) are fractions in JSON and CSV (0.25 = 25 %; --csv-percent prints them as percents in
columns named NAME_pct) and percents in the table.

  #        [rank]            rank by score, 1 = best
  symbol   [symbol]          the symbol; a trailing ! means a value arrived implausible and was not
                             used (the warnings are listed under the table)
  class    [asset_class]     equity, etf, index or future
  price    [price]           the underlying's price
  IV       [iv]              implied volatility: tastytrade's IV index (%)
  IVR      [iv_rank]         IV rank: where today's IV lies within its range over the past year,
                             0 = the low, 100 % = the high, as tastytrade reports it (%)
  IVP      [iv_percentile]   IV percentile: the share of days over the past year with IV below
                             today's, as tastytrade reports it (%)
  HV30     [hv30]            historical (realised) volatility, close to close, over the last 30
                             sessions, annualised by 252 (%)
  HV90     [hv90]            the same over 90 sessions (%)
  PK30     [hv30_parkinson]  with --estimators: Parkinson volatility over the last 30 sessions,
                             from each session's high/low range, annualised by 252 (%)
  GK30     [hv30_garman_klass]
                             with --estimators: Garman–Klass over 30 sessions: range and
                             open-to-close (%)
  RS30     [hv30_rogers_satchell]
                             with --estimators: Rogers–Satchell over 30 sessions: high, low, open
                             and close; unaffected by a trend (drift) (%)
  YZ30     [hv30_yang_zhang] with --estimators: Yang–Zhang over 30 sessions: overnight gaps,
                             open-to-close and Rogers–Satchell combined (%)
  VRP-S    [vrp_structural]  structural volatility risk premium: IV / max(HV90, hv_floor); above 1,
                             options are priced above the volatility realised over 90 sessions
  VRP-T    [vrp_tactical]    tactical volatility risk premium: IV / max(HV30, hv_floor)
  VTR      [vtr]             volatility trend ratio: HV30 / HV90; above 1, realised volatility is
                             rising; below 1, it is calming down
  exp      [expiration, dte] the chosen expiration and its days to expiration: the monthly nearest
                             target_dte within dte_min..dte_max (45 within 25..70 by default)
  EM %     [expected_move]   expected move to the expiration: ATM straddle mid / price (%); a
                             leading ~ marks the estimate IV·√(dte/365) (no option quotes)
  slip %   [slippage]        slippage: the worse of the ATM call's and put's (ask − bid) / mid (%)
  score    [score]           0..100: a weighted blend of premium (VRP-S, VRP-T above 1), IV
                             percentile, trend (VTR near 1), expected move and liquidity
  signal   [signal]          one word, the first that matches (below)

In the CSV and JSON only:
  hv20, hv252                HV over 20 and 252 sessions (%)
  iv_hv_spread               IV − HV30 (%)
  liquidity_rating           tastytrade's liquidity rating, 0..5
  earnings_date              the next earnings date
  days_to_earnings           calendar days from the as-of date to it
  earnings_before_expiration true when the earnings fall on or before the chosen expiration
                             (equities; empty when unknown)
  atm_strike                 the strike nearest the price
  straddle_mid               ATM call mid + ATM put mid, mid = (bid + ask) / 2
  expected_move_method       straddle, or iv_dte (estimated from IV·√(dte/365))
  filters_passed, filters_na, filters_failed, filters_unknown
                             the profile's filters by outcome, separated by ;
  notes                      why a value is unknown
  warnings                   values not used as implausible: field=value (rule)

Signals (the first that matches):
  EVENT      earnings on or before the chosen expiration or, when no expiration was chosen,
             within earnings_event_days (10 by default): the IV may be event premium
  EXPANDING  VTR > 1.15: realised volatility rising (recent above long-term)
  RICH       VRP-S >= 1.30: implied well above realised
  COILED     VTR < 0.85: realised volatility compressed below its long-term level
  DISCOUNT   VRP-S < 1.00: implied below realised
  FAIR       none of the above (or unknown inputs)

hv_floor (0.05 by default) and the expiration window are settings (docs/configuration.md); the
definitions are in docs/metrics.md.
";

#[cfg(test)]
mod tests {
    use super::COLUMNS_LEGEND as L;
    use crate::config::Config;
    use crate::model::{Signal, SymbolFields};
    use crate::screen::signal::{signal, COILED_VTR, EXPANDING_VTR, RICH_VRP};
    use crate::vol::estimators::Estimator;

    /// The legend's words: runs of letters, digits and `_`.
    fn words() -> Vec<&'static str> {
        L.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn every_table_column_starts_a_line_with_its_csv_field() {
        let csv = crate::report::csv::columns_with(&Estimator::ALL);
        for title in crate::report::table::column_titles_with(&Estimator::ALL) {
            let line = L
                .lines()
                .find(|l| l.starts_with(&format!("  {title} ")))
                .unwrap_or_else(|| panic!("no legend line for {title:?}"));
            let field = line
                .split('[')
                .nth(1)
                .and_then(|r| r.split(']').next())
                .unwrap_or_else(|| panic!("{title:?}: no [field]: {line}"));
            for f in field.split(", ") {
                assert!(csv.contains(&f), "{title:?}: {f} is no CSV column");
            }
        }
    }

    #[test]
    fn every_csv_column_is_named() {
        let words = words();
        for c in crate::report::csv::columns_with(&Estimator::ALL) {
            assert!(
                words.contains(&c),
                "the legend does not name the CSV column {c}"
            );
        }
    }

    #[test]
    fn every_signal_is_explained_with_the_code_thresholds() {
        let section = L.split("Signals").nth(1).expect("a signals section");
        for s in Signal::ALL {
            assert!(
                section.lines().any(|l| l.starts_with(&format!("  {s} "))),
                "{s} is not explained"
            );
        }
        let line = |s: &str| {
            section
                .lines()
                .find(|l| l.starts_with(&format!("  {s} ")))
                .unwrap_or_default()
                .to_string()
        };
        assert!(line("EXPANDING").contains(&format!("VTR > {EXPANDING_VTR:.2}")));
        assert!(line("RICH").contains(&format!("VRP-S >= {RICH_VRP:.2}")));
        assert!(line("COILED").contains(&format!("VTR < {COILED_VTR:.2}")));
        assert!(line("DISCOUNT").contains("VRP-S < 1.00"));
        // The order of the lines is the order of precedence: check it against the code on
        // values that match every later signal too.
        let first = |vtr: f64, vrp: f64| {
            let f = SymbolFields {
                vtr: Some(vtr),
                vrp_structural: Some(vrp),
                ..SymbolFields::default()
            };
            signal(&f, 10).as_str()
        };
        assert_eq!(first(EXPANDING_VTR + 0.1, RICH_VRP + 0.1), "EXPANDING");
        assert_eq!(first(COILED_VTR - 0.1, RICH_VRP + 0.1), "RICH");
        assert_eq!(first(COILED_VTR - 0.1, 0.5), "COILED");
        let order: Vec<&str> = section
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.split(' ').next())
            .filter(|w| Signal::ALL.iter().any(|s| s.as_str() == *w))
            .collect();
        assert_eq!(
            order,
            ["EVENT", "EXPANDING", "RICH", "COILED", "DISCOUNT", "FAIR"]
        );
    }

    #[test]
    fn the_defaults_named_are_the_built_in_ones() {
        let c = Config::builtin();
        assert!(L.contains(&format!("hv_floor ({} by default)", c.scan.hv_floor)));
        assert!(L.contains(&format!(
            "({} within {}..{} by default)",
            c.scan.target_dte, c.scan.dte_min, c.scan.dte_max
        )));
        assert!(L.contains(&format!(
            "earnings_event_days ({} by default)",
            c.scan.earnings_event_days
        )));
    }
}
