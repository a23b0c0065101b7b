//! The scan result as data: the JSON contract of product.md. The model layer: the pipeline fills
//! it, the filters and the score read it, every output format renders it; it depends on nothing
//! above the basic types (dates, symbols).
//!
//! Field names here are the stable JSON field names. Unknown values are `None` (JSON `null`), never
//! NaN and never a made-up zero. Every scanned symbol appears exactly once across `candidates`,
//! `rejected` and `errors` ([`ScanReport::check_conservation`]).

use crate::date::Date;
use crate::symbol::AssetClass;
use serde::{Deserialize, Serialize};

/// Declares a closed set of names: an enum serialised as its name, with `ALL`, `as_str` and
/// `Display`, so that the JSON values, the schema and the code cannot drift apart.
macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order of the JSON Schema's `enum`.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name as it appears in the JSON document.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// A candidate's one-word signal (`screen::signal`).
    Signal {
        Event = "EVENT",
        Rich = "RICH",
        Coiled = "COILED",
        Expanding = "EXPANDING",
        Discount = "DISCOUNT",
        Fair = "FAIR",
    }
}

names! {
    /// Where a rejected symbol failed: the metrics-only prefilter or the later filters.
    RejectStage {
        Prefilter = "prefilter",
        Filter = "filter",
    }
}

names! {
    /// Where a symbol is, or where it could not be decided (`errors[].stage`).
    Stage {
        Load = "load",
        Source = "source",
        Auth = "auth",
        Metrics = "metrics",
        Prefilter = "prefilter",
        Enrich = "enrich",
        Candles = "candles",
        Chains = "chains",
        Quotes = "quotes",
        Compute = "compute",
        Filter = "filter",
        Timeout = "timeout",
        Interrupted = "interrupted",
    }
}

names! {
    /// Where the data came from (`meta.source`).
    SourceKind {
        Demo = "demo",
        Tastytrade = "tastytrade",
    }
}

/// How an expected move was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveMethod {
    /// ATM straddle mid / price.
    Straddle,
    /// IV·√(dte/365), when no option quotes are available.
    IvDte,
}

impl MoveMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MoveMethod::Straddle => "straddle",
            MoveMethod::IvDte => "iv_dte",
        }
    }
}

/// Everything known about one symbol's numbers. Flattened into candidates and rejected entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SymbolFields {
    pub asset_class: Option<AssetClass>,
    pub price: Option<f64>,
    pub iv: Option<f64>,
    pub iv_rank: Option<f64>,
    pub iv_percentile: Option<f64>,
    pub hv20: Option<f64>,
    pub hv30: Option<f64>,
    pub hv90: Option<f64>,
    pub hv252: Option<f64>,
    /// The range-based estimators over the last 30 sessions (`screen --estimators`; fractions):
    /// always in the JSON, `null` unless requested (or unknown). `screen::columns::ESTIMATORS`.
    pub hv30_parkinson: Option<f64>,
    pub hv30_garman_klass: Option<f64>,
    pub hv30_rogers_satchell: Option<f64>,
    pub hv30_yang_zhang: Option<f64>,
    pub vrp_structural: Option<f64>,
    pub vrp_tactical: Option<f64>,
    pub iv_hv_spread: Option<f64>,
    pub vtr: Option<f64>,
    pub liquidity_rating: Option<u8>,
    pub earnings_date: Option<Date>,
    pub days_to_earnings: Option<i32>,
    pub expiration: Option<Date>,
    pub dte: Option<i32>,
    pub atm_strike: Option<f64>,
    pub straddle_mid: Option<f64>,
    pub expected_move: Option<f64>,
    pub expected_move_method: Option<MoveMethod>,
    pub slippage: Option<f64>,
    /// Whether the next earnings fall on or before the chosen expiration: `None` when either date
    /// is unknown, or for classes without earnings.
    pub earnings_before_expiration: Option<bool>,
    /// Why values are null where the reason is worth telling (e.g. "HV252 needs 253 closes, have 180").
    pub notes: Vec<String>,
    /// Values that arrived outside their physical range and were not used (the field is `null`).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A value that was received but is implausible (product.md, "Plausibility at the edge"): the
/// field it would have filled is `null`, and this says what arrived and which rule it broke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The field (`iv`, `iv_percentile`, `hv30`, `candles`, `option_chain`, ...).
    pub field: String,
    /// What arrived: a number, or a string when it was not a finite number (`"NaN"`, a symbol).
    pub value: serde_json::Value,
    /// The rule it broke, e.g. `iv must be a fraction in (0, 5]`.
    pub rule: String,
}

impl Warning {
    pub fn new(
        field: impl Into<String>,
        value: impl Into<serde_json::Value>,
        rule: impl Into<String>,
    ) -> Warning {
        Warning {
            field: field.into(),
            value: value.into(),
            rule: rule.into(),
        }
    }

    /// A numeric value: a JSON number when finite, else its name as a string.
    pub fn number(field: impl Into<String>, value: f64, rule: impl Into<String>) -> Warning {
        let v = serde_json::Number::from_f64(value)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| serde_json::Value::String(format!("{value}")));
        Warning::new(field, v, rule)
    }
}

/// Each filter's outcome (product.md, "Verdicts"): names of the filters that passed or do not
/// apply to the asset class; failed and unknown entries carry the numbers compared or the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterSummary {
    pub passed: Vec<String>,
    /// Filters that do not apply to this asset class (count as a pass).
    #[serde(default)]
    pub na: Vec<String>,
    /// Filters whose input could not be had or was implausible (never a pass).
    #[serde(default)]
    pub unknown: Vec<String>,
    pub failed: Vec<String>,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub rank: usize,
    pub symbol: String,
    #[serde(flatten)]
    pub fields: SymbolFields,
    /// 0..100; `None` (JSON `null`) when no score component is known (`screen::score::score`).
    pub score: Option<f64>,
    pub signal: Signal,
    pub filters: FilterSummary,
}

/// A symbol that failed at least one filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub symbol: String,
    /// `prefilter` or `filter`.
    pub stage: RejectStage,
    /// One entry per failed filter, with its numbers: `iv_percentile 0.12 < 0.50`.
    pub reasons: Vec<String>,
    #[serde(flatten)]
    pub fields: SymbolFields,
}

/// A symbol that could not be evaluated: no filter failed on known data, but something a filter
/// needs is unknown. Carries every field that is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub symbol: String,
    /// The stage where it failed: `load`, `metrics`, `enrich`, `candles`, `chains`, `compute`,
    /// `timeout`, `interrupted`.
    pub stage: Stage,
    /// What could not be had and why.
    pub error: String,
    /// The filters left unknown, with their reasons (empty when the symbol never reached them).
    #[serde(default)]
    pub unknown: Vec<String>,
    #[serde(flatten)]
    pub fields: SymbolFields,
}

/// Timing of one pipeline stage, in ms since the scan started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    pub name: String,
    pub start_ms: f64,
    pub end_ms: f64,
    pub items_in: usize,
    pub items_out: usize,
    pub requests: u64,
}

/// Request counters of the whole scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestStats {
    /// REST requests per endpoint, plus `dxlink-connections` and `dxlink-subscriptions`.
    pub per_endpoint: std::collections::BTreeMap<String, u64>,
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub total_ms: f64,
    pub stages: Vec<StageTiming>,
    pub requests: RequestStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub candidates: usize,
    pub rejected: usize,
    pub errors: usize,
}

/// `meta` of the JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub tool: String,
    pub version: String,
    /// `demo` or `tastytrade`.
    pub source: SourceKind,
    pub profile: String,
    pub scanned_at: String,
    pub as_of: Date,
    pub watchlist: String,
    pub symbols_requested: usize,
    pub counts: Counts,
    /// False when the scan stopped early (timeout, fatal error); the document is then partial.
    pub complete: bool,
    /// Why the scan is incomplete, when it is.
    pub incomplete_reason: Option<String>,
    /// `--show-all`: filters were bypassed.
    pub show_all: bool,
    /// `--top K`, when given: candidates beyond K were cut from this document.
    pub top: Option<usize>,
    /// Symbols of the list left out by `--exclude`/`--exclude-class` (not scanned, not counted).
    #[serde(default)]
    pub excluded: Vec<String>,
    /// `screen --watch`: `pass`, `entered`, `left` (absent from a one-shot scan's document).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchPass>,
    pub timings: Timings,
}

/// One pass of `screen --watch` (`meta.pass`, `meta.entered`, `meta.left`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchPass {
    /// 1, 2, ...
    pub pass: u64,
    /// Symbols among this pass's candidates that were not among the previous pass's, in
    /// candidate order (on pass 1: every candidate).
    pub entered: Vec<String>,
    /// Symbols among the previous pass's candidates that are not among this pass's, in their
    /// order there.
    pub left: Vec<String>,
}

/// The whole scan result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub meta: Meta,
    pub candidates: Vec<Candidate>,
    pub rejected: Vec<Rejected>,
    pub errors: Vec<ErrorEntry>,
}

impl ScanReport {
    /// Check that `symbols` (the scan) appear exactly once across the three lists.
    /// With `--top`, cut candidates are not expected.
    pub fn check_conservation(&self, symbols: &[String]) -> Result<(), String> {
        let mut seen = std::collections::HashMap::<&str, usize>::new();
        let all = self
            .candidates
            .iter()
            .map(|c| c.symbol.as_str())
            .chain(self.rejected.iter().map(|r| r.symbol.as_str()))
            .chain(self.errors.iter().map(|e| e.symbol.as_str()));
        for s in all {
            *seen.entry(s).or_default() += 1;
        }
        if let Some((s, n)) = seen.iter().find(|(_, n)| **n > 1) {
            return Err(format!("{s} appears {n} times"));
        }
        let missing: Vec<&String> = symbols
            .iter()
            .filter(|s| !seen.contains_key(s.as_str()))
            .collect();
        if !missing.is_empty() && self.meta.top.is_none() {
            return Err(format!("missing from the report: {missing:?}"));
        }
        if let Some(extra) = seen.keys().find(|k| !symbols.iter().any(|s| s == *k)) {
            return Err(format!("{extra} was not scanned but is reported"));
        }
        Ok(())
    }
}
