//! `volscreen detail SYM`: one symbol in depth, as data (the JSON contract of product.md, "More
//! commands"; schema `docs/detail-output.schema.json`), and the pure function that builds it,
//! [`build`], from what one `--show-all` scan of the symbol found: its report entry (the screen's
//! own price, IV, ranks, chain, ATM straddle, expected move, earnings, score and signal), the candle
//! history the scan's compute stage used and the metrics' per-expiration IVs (both kept by the scan
//! for this command: `pipeline::keep`).
//!
//! What [`build`] adds to the report entry, with the conventions of `docs/metrics.md`:
//! - `hv`: every estimator ([`Estimator::ALL`]) over every window of [`DETAIL_WINDOWS`], from the
//!   same candles the screen's HV used (after [`plausible::candles`]); `close_to_close` over 20,
//!   30, 90 and 252 sessions is the screen's HV20/30/90/252 bit for bit.
//! - `cone`: the close-to-close HV cone of each window ([`cone::cone`]).
//! - `term_structure`, `term_slope`, `term_shape` ([`term::term_structure`]) from the
//!   per-expiration IVs of the standard chain (an entry of another chain type, such as a
//!   non-standard chain after a corporate action, is left out with a note).
//! - `expected_move_price`: the expected move in price units: the straddle mid itself when the
//!   move is the straddle's, else `expected_move` × price.
//! - `filters`: every filter of the profile with its outcome and numbers ([`filters::run`], the
//!   screen's own code, over the same fields), and `verdict`: what `screen` would decide.
//!
//! Every HV shown (estimators and cone) goes through HV's plausibility rule ([`plausible::hv`]):
//! an estimator returns exactly 0 for a window without movement, which is stale data, so it
//! becomes `null` with a `warnings` entry, as a value above 5 does. Every other unknown is `null`
//! with its reason in `notes`. Non-finite numbers never reach the document.

use crate::candle::Candle;
use crate::config::Thresholds;
use crate::date::Date;
use crate::dxlink::CandleSeries;
use crate::model::{MoveMethod, Signal, SourceKind, Stage, SymbolFields, Timings, Warning};
use crate::plausible;
use crate::screen::filters::{self, FilterOutcome, Verdict};
use crate::symbol::AssetClass;
use crate::tastytrade::ExpirationIv;
use crate::vol::cone::{self, ConeError, ConeRow};
use crate::vol::estimators::{Estimator, EstimatorTable, Sessions, DETAIL_WINDOWS};
use crate::vol::term::{self, TermDrop, TermPoint, TermShape};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// Calendar days of daily candles `detail` asks for (at least; a config asking for more wins).
/// The 252-session cone needs 504 closes (a year of rolling 252-session windows): about 732
/// calendar days of NYSE sessions; 800 leave room for holidays and a late first session.
pub const HISTORY_DAYS: i32 = 800;

/// The document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    pub meta: DetailMeta,
    pub symbol: String,
    pub asset_class: Option<AssetClass>,
    pub price: Option<f64>,
    pub iv: Option<f64>,
    pub iv_rank: Option<f64>,
    pub iv_percentile: Option<f64>,
    pub liquidity_rating: Option<u8>,
    /// Every estimator over every window (annualised fractions).
    pub hv: HvTable,
    /// The candles the estimators and the cone were computed from.
    pub history: History,
    /// The close-to-close HV cone, one entry per window of `hv`.
    pub cone: Vec<ConeEntry>,
    /// The usable per-expiration IVs, by days to expiration.
    pub term_structure: Vec<TermPoint>,
    /// Least-squares slope of IV per year over the points 7..=365 DTE.
    pub term_slope: Option<f64>,
    pub term_shape: Option<TermShape>,
    pub vrp_structural: Option<f64>,
    pub vrp_tactical: Option<f64>,
    pub iv_hv_spread: Option<f64>,
    pub vtr: Option<f64>,
    /// The chosen expiration (45 DTE within 25..70, monthlies first) and its ATM straddle.
    pub expiration: Option<Date>,
    pub dte: Option<i32>,
    pub atm_strike: Option<f64>,
    pub straddle_mid: Option<f64>,
    /// A fraction of the price.
    pub expected_move: Option<f64>,
    /// In price units.
    pub expected_move_price: Option<f64>,
    pub expected_move_method: Option<MoveMethod>,
    pub slippage: Option<f64>,
    pub earnings_date: Option<Date>,
    pub days_to_earnings: Option<i32>,
    pub earnings_before_expiration: Option<bool>,
    /// The screen's score (0..100) and signal; `null` when the scan could not give them.
    pub score: Option<f64>,
    pub signal: Option<Signal>,
    /// What `screen` would decide from `filters`.
    pub verdict: DetailVerdict,
    pub filters: Vec<FilterLine>,
    /// Why values are `null` (a reason per unknown), and what the scan could not have.
    pub notes: Vec<String>,
    /// Values that arrived implausible and are `null`.
    pub warnings: Vec<Warning>,
}

/// `meta`: as the screen's document has it, plus the history asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetailMeta {
    pub tool: String,
    pub version: String,
    pub source: SourceKind,
    pub profile: String,
    pub scanned_at: String,
    pub as_of: Date,
    /// Calendar days of daily candles requested.
    pub candle_history_days: i32,
    pub timings: Timings,
}

/// `hv`: `{"close_to_close": {"10": 0.21, "20": null, ...}, "parkinson": {...}, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct HvTable {
    pub windows: Vec<usize>,
    /// One row per estimator, in [`Estimator::ALL`] order, one value per window.
    pub rows: Vec<(Estimator, Vec<Option<f64>>)>,
}

impl HvTable {
    /// The value of `estimator` over `window`; `None` when unknown or not in the table.
    pub fn value(&self, estimator: Estimator, window: usize) -> Option<f64> {
        let col = self.windows.iter().position(|&w| w == window)?;
        let (_, row) = self.rows.iter().find(|(e, _)| *e == estimator)?;
        row.get(col).copied().flatten()
    }
}

impl Serialize for HvTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Row<'t>(&'t [usize], &'t [Option<f64>]);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut m = serializer.serialize_map(Some(self.0.len()))?;
                for (w, v) in self.0.iter().zip(self.1) {
                    m.serialize_entry(&w.to_string(), v)?;
                }
                m.end()
            }
        }
        let mut m = serializer.serialize_map(Some(self.rows.len()))?;
        for (e, row) in &self.rows {
            m.serialize_entry(e.name(), &Row(&self.windows, row))?;
        }
        m.end()
    }
}

/// The daily candles used: how many sessions, the first and the last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub sessions: usize,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// The server cut the history short (`SNAPSHOT_SNIP`).
    pub truncated: bool,
}

/// One window's cone; `null` values where unknown (the reason in `notes`, or a warning).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConeEntry {
    pub window: usize,
    pub current: Option<f64>,
    pub min: Option<f64>,
    pub p25: Option<f64>,
    pub median: Option<f64>,
    pub p75: Option<f64>,
    pub max: Option<f64>,
    /// Rolling windows the statistics were taken over (at most 252).
    pub samples: Option<usize>,
}

/// A filter's outcome as the document names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "fail")]
    Fail,
    /// Does not apply to the asset class (counts as a pass).
    #[serde(rename = "n/a")]
    NotApplicable,
    /// An input is unknown or implausible (never a pass).
    #[serde(rename = "unknown")]
    Unknown,
}

impl From<FilterOutcome> for Outcome {
    fn from(o: FilterOutcome) -> Outcome {
        match o {
            FilterOutcome::Pass => Outcome::Pass,
            FilterOutcome::Fail => Outcome::Fail,
            FilterOutcome::NotApplicable => Outcome::NotApplicable,
            FilterOutcome::Unknown => Outcome::Unknown,
        }
    }
}

/// One filter of the profile: `{"name": "vrp_structural", "outcome": "pass", "detail":
/// "vrp_structural 1.70 > 1.10"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterLine {
    pub name: String,
    pub outcome: Outcome,
    /// The numbers compared, why the filter does not apply, or why its input is unknown.
    pub detail: String,
}

/// What `screen` would decide (product.md, "Verdicts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailVerdict {
    /// Every filter passes or does not apply.
    Candidate,
    /// A filter fails on known data.
    Rejected,
    /// No failure, but something a filter needs is unknown (or the scan could not have it).
    Error,
}

/// What [`build`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub symbol: &'a str,
    /// The symbol's fields as the scan's report has them.
    pub fields: &'a SymbolFields,
    pub score: Option<f64>,
    pub signal: Option<Signal>,
    /// When the scan could not evaluate the symbol: the stage and what could not be had.
    pub error: Option<(Stage, &'a str)>,
    /// The candle history the scan's compute stage used, as received.
    pub candles: Option<&'a CandleSeries>,
    /// The metrics row's per-expiration IVs (`None`: no metrics row).
    pub expiration_ivs: Option<&'a [ExpirationIv]>,
    pub thresholds: &'a Thresholds,
    pub as_of: Date,
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Build the document (module docs).
pub fn build(input: &Input<'_>, meta: DetailMeta) -> Detail {
    let f = input.fields;
    let mut notes = f.notes.clone();
    let mut warnings = f.warnings.clone();
    if let Some((stage, error)) = input.error {
        notes.push(format!("{stage}: {error}"));
    }
    // The candles as the screen's HV used them; their warnings are already the screen's.
    let usable: Vec<Candle> = input.candles.map_or_else(Vec::new, |s| {
        plausible::candles(s.candles.clone(), input.as_of, &mut Vec::new())
    });
    let sessions = Sessions::new(&usable);
    let (hv, cone) = if sessions.is_empty() {
        notes.push("no candle history: every estimator and the HV cone are unknown".into());
        (
            unknown_table(),
            DETAIL_WINDOWS
                .iter()
                .map(|&w| ConeEntry::unknown(w))
                .collect(),
        )
    } else {
        let table = sessions.table(&DETAIL_WINDOWS);
        let hv = hv_table(&table, &mut notes, &mut warnings);
        let rows = cone::cone(sessions.candles(), &DETAIL_WINDOWS);
        (hv, cone_entries(rows, &mut notes, &mut warnings))
    };
    let history = History {
        sessions: sessions.len(),
        first: sessions
            .candles()
            .first()
            .map(|c| Date::from_epoch_ms(c.time)),
        last: sessions
            .candles()
            .last()
            .map(|c| Date::from_epoch_ms(c.time)),
        truncated: input.candles.is_some_and(|s| s.truncated),
    };
    let (term_structure, term_slope, term_shape) =
        term_of(input.expiration_ivs, input.as_of, &mut notes, &mut warnings);
    let results = filters::run(f, input.thresholds, None);
    let verdict = match filters::verdict(&results) {
        Verdict::Rejected(_) => DetailVerdict::Rejected,
        Verdict::Unknown(_) => DetailVerdict::Error,
        Verdict::Candidate if input.error.is_some() => DetailVerdict::Error,
        Verdict::Candidate => DetailVerdict::Candidate,
    };
    let filters = results
        .into_iter()
        .map(|r| FilterLine {
            name: r.name.to_string(),
            outcome: r.outcome.into(),
            detail: r.detail,
        })
        .collect();
    let expected_move_price = match (
        f.expected_move_method,
        finite(f.straddle_mid),
        finite(f.expected_move),
        finite(f.price),
    ) {
        (Some(MoveMethod::Straddle), Some(straddle), Some(_), _) => Some(straddle),
        (_, _, Some(m), Some(p)) => finite(Some(m * p)),
        _ => None,
    };
    Detail {
        meta,
        symbol: input.symbol.to_string(),
        asset_class: f.asset_class,
        price: finite(f.price),
        iv: finite(f.iv),
        iv_rank: finite(f.iv_rank),
        iv_percentile: finite(f.iv_percentile),
        liquidity_rating: f.liquidity_rating,
        hv,
        history,
        cone,
        term_structure,
        term_slope,
        term_shape,
        vrp_structural: finite(f.vrp_structural),
        vrp_tactical: finite(f.vrp_tactical),
        iv_hv_spread: finite(f.iv_hv_spread),
        vtr: finite(f.vtr),
        expiration: f.expiration,
        dte: f.dte,
        atm_strike: finite(f.atm_strike),
        straddle_mid: finite(f.straddle_mid),
        expected_move: finite(f.expected_move),
        expected_move_price,
        expected_move_method: f.expected_move.and(f.expected_move_method),
        slippage: finite(f.slippage),
        earnings_date: f.earnings_date,
        days_to_earnings: f.days_to_earnings,
        earnings_before_expiration: f.earnings_before_expiration,
        score: finite(input.score),
        signal: input.signal,
        verdict,
        filters,
        notes,
        warnings,
    }
}

impl ConeEntry {
    fn unknown(window: usize) -> ConeEntry {
        ConeEntry {
            window,
            current: None,
            min: None,
            p25: None,
            median: None,
            p75: None,
            max: None,
            samples: None,
        }
    }
}

fn unknown_table() -> HvTable {
    HvTable {
        windows: DETAIL_WINDOWS.to_vec(),
        rows: Estimator::ALL
            .iter()
            .map(|&e| (e, vec![None; DETAIL_WINDOWS.len()]))
            .collect(),
    }
}

/// The estimator table through HV's plausibility rule; each unknown's reason in `notes`.
fn hv_table(t: &EstimatorTable, notes: &mut Vec<String>, w: &mut Vec<Warning>) -> HvTable {
    let rows = Estimator::ALL
        .iter()
        .map(|&e| {
            let values = t
                .windows()
                .iter()
                .map(|&n| match t.get(e, n) {
                    Some(Ok(v)) => plausible::hv(&format!("hv.{}.{n}", e.name()), Some(*v), w),
                    Some(Err(err)) => {
                        notes.push(err.to_string());
                        None
                    }
                    None => None,
                })
                .collect();
            (e, values)
        })
        .collect();
    HvTable {
        windows: t.windows().to_vec(),
        rows,
    }
}

/// Each window's cone through HV's plausibility rule (value by value); unknown rows' reasons in
/// `notes`.
fn cone_entries(
    rows: Vec<Result<ConeRow, ConeError>>,
    notes: &mut Vec<String>,
    w: &mut Vec<Warning>,
) -> Vec<ConeEntry> {
    rows.into_iter()
        .map(|r| match r {
            Ok(row) => {
                let n = row.window;
                let mut v =
                    |name: &str, x: f64| plausible::hv(&format!("cone.{n}.{name}"), Some(x), w);
                ConeEntry {
                    window: n,
                    current: v("current", row.current),
                    min: v("min", row.min),
                    p25: v("p25", row.p25),
                    median: v("median", row.median),
                    p75: v("p75", row.p75),
                    max: v("max", row.max),
                    samples: Some(row.samples),
                }
            }
            Err(e) => {
                notes.push(e.to_string());
                ConeEntry::unknown(e.window())
            }
        })
        .collect()
}

/// The term structure of the standard chain's per-expiration IVs, its slope and shape.
fn term_of(
    ivs: Option<&[ExpirationIv]>,
    as_of: Date,
    notes: &mut Vec<String>,
    warnings: &mut Vec<Warning>,
) -> (Vec<TermPoint>, Option<f64>, Option<TermShape>) {
    // No metrics row: the scan's error says why.
    let Some(ivs) = ivs else {
        return (Vec::new(), None, None);
    };
    if ivs.is_empty() {
        notes.push("term structure: the service sent no per-expiration IVs".into());
        return (Vec::new(), None, None);
    }
    let mut input = Vec::with_capacity(ivs.len());
    for e in ivs {
        let day = e
            .expiration_date
            .map_or_else(|| "undated".to_string(), |d| d.to_string());
        match (
            e.option_chain_type.as_deref(),
            e.expiration_date,
            e.implied_volatility,
        ) {
            (Some(kind), _, _) if !kind.eq_ignore_ascii_case("standard") => notes.push(format!(
                "term structure: the {day} expiration of the {kind} chain is not used"
            )),
            (_, Some(d), Some(iv)) => input.push((d, i64::from(d.days_since(as_of)), iv)),
            (_, Some(d), None) => notes.push(format!(
                "term structure: the {d} expiration came without an IV"
            )),
            (_, None, _) => {
                notes.push("term structure: an expiration IV came without its date".into())
            }
        }
    }
    let t = term::term_structure(&input);
    for d in &t.dropped {
        match *d {
            TermDrop::Iv { expiration, iv } => warnings.push(Warning::number(
                format!("term_structure.{expiration}"),
                iv,
                "an expiration's IV must be a fraction in (0, 5]",
            )),
            TermDrop::Expired { .. } => notes.push(format!("term structure: {d}")),
        }
    }
    let slope = match t.slope {
        Ok(s) => Some(s),
        Err(e) => {
            notes.push(e.to_string());
            None
        }
    };
    let shape = t.shape();
    (t.points, slope, shape)
}

#[cfg(test)]
mod tests;
