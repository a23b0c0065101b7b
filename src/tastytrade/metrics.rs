//! `GET /market-metrics`: the IV index, IV rank and percentile, historical volatility, liquidity and
//! earnings of many symbols at once, decoded into [`MarketMetrics`] with every ratio a **fraction**.
//!
//! Scales are normalised here, once: `implied-volatility-index`, its ranks and percentile and the
//! per-expiration IVs are fractions on the wire and stay as they are; `implied-volatility-30-day`,
//! `historical-volatility-{30,60,90}-day` and `iv-hv-30-day-difference` are percent points on the wire
//! and are divided by 100. Symbols the server leaves out of its answer become
//! [`super::Outcome::NotFound`] for that symbol, not an error of the batch.
//!
//! Field-name variants seen in the wild are accepted: the rank as `implied-volatility-index-rank`
//! (the live service) or `implied-volatility-rank` (the published OpenAPI spec), the liquidity
//! rating as `liquidity-rating` or `liquidity`; every number as a JSON number or a numeric string
//! and every text as a string or a number. No range is checked here: a value outside its physical
//! range (IV `"50"`, rank `-5`, rating `99`) arrives as sent, and the pipeline's plausibility
//! checks turn it into a warning.

use super::batch::{self, Batch};
use super::client::TastytradeClient;
use super::decode::{self, DecodeError, Row};
use super::error::{describe_symbols, ApiError};
use super::http::encode_list;
use crate::date::Date;
use serde::Serialize;
use serde_json::Value;

/// The endpoint, as named in counters and errors.
pub const ENDPOINT: &str = "/market-metrics";

/// Market metrics of one symbol. Every ratio is a fraction (0.224 = 22.4 %).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketMetrics {
    pub symbol: String,
    /// IV index (IVx), `implied-volatility-index`.
    pub iv_index: Option<f64>,
    /// `implied-volatility-index-5-day-change`.
    pub iv_index_5d_change: Option<f64>,
    /// IV rank, 0..1: `implied-volatility-index-rank` (or the OpenAPI name `implied-volatility-rank`).
    pub iv_rank: Option<f64>,
    /// Which flavour `iv_rank` is (`tos`, `tw`).
    pub iv_rank_source: Option<String>,
    /// `tos-implied-volatility-index-rank`, 0..1.
    pub tos_iv_rank: Option<f64>,
    /// `tw-implied-volatility-index-rank`, 0..1.
    pub tw_iv_rank: Option<f64>,
    /// IV percentile, 0..1: `implied-volatility-percentile`.
    pub iv_percentile: Option<f64>,
    /// 30-day IV (`implied-volatility-30-day`, percent points on the wire).
    pub iv_30d: Option<f64>,
    /// `historical-volatility-30-day` (percent points on the wire).
    pub hv_30d: Option<f64>,
    /// `historical-volatility-60-day` (percent points on the wire).
    pub hv_60d: Option<f64>,
    /// `historical-volatility-90-day` (percent points on the wire).
    pub hv_90d: Option<f64>,
    /// `iv-hv-30-day-difference` (percent points on the wire).
    pub iv_hv_30d_difference: Option<f64>,
    /// Stars, 0..5 (4 is high): `liquidity-rating` (or the OpenAPI name `liquidity`), as sent: an
    /// out-of-range value (`99`, `-1`) is passed through for the pipeline's plausibility check.
    pub liquidity_rating: Option<i64>,
    /// `liquidity-value`, a raw measure.
    pub liquidity_value: Option<f64>,
    /// `liquidity-rank`: can exceed 1, not a percentile.
    pub liquidity_rank: Option<f64>,
    pub beta: Option<f64>,
    pub corr_spy_3month: Option<f64>,
    pub market_cap: Option<f64>,
    /// `dividend-yield`, a fraction.
    pub dividend_yield: Option<f64>,
    pub earnings: Option<Earnings>,
    /// Fields the scan needs that were sent but could not be read as numbers (`"abc"`, `"NaN"`,
    /// a rating of `4.5`): `(wire field, what was sent)`. Told apart from absent fields, so that an
    /// unreadable value is reported as implausible, never taken for "not sent".
    pub unreadable: Vec<(&'static str, String)>,
    /// The IV term structure, `option-expiration-implied-volatilities`.
    pub expiration_ivs: Vec<ExpirationIv>,
    /// `updated-at`, ISO 8601 as sent.
    pub updated_at: Option<String>,
}

impl MarketMetrics {
    /// `updated-at` in epoch milliseconds (for staleness checks).
    pub fn updated_at_ms(&self) -> Option<i64> {
        self.updated_at.as_deref().and_then(decode::timestamp_ms)
    }

    /// Decode one row; `None` without a `symbol`.
    pub fn from_row(row: Row<'_>) -> Option<MarketMetrics> {
        let mut m = MarketMetrics::decoded(row)?;
        m.unreadable = SCAN_FIELDS
            .iter()
            .filter_map(|&key| {
                let v = row.get(key)?;
                let read = if key == "liquidity-rating" || key == "liquidity" {
                    row.int(key).is_some()
                } else {
                    row.num(key).is_some()
                };
                (!read).then(|| (key, crate::tastytrade::secret::server_text(&v.to_string())))
            })
            .collect();
        Some(m)
    }

    fn decoded(row: Row<'_>) -> Option<MarketMetrics> {
        Some(MarketMetrics {
            symbol: row.symbol("symbol")?,
            iv_index: row.num("implied-volatility-index"),
            iv_index_5d_change: row.num("implied-volatility-index-5-day-change"),
            iv_rank: row
                .num("implied-volatility-index-rank")
                .or_else(|| row.num("implied-volatility-rank")),
            iv_rank_source: row.text("implied-volatility-index-rank-source"),
            tos_iv_rank: row.num("tos-implied-volatility-index-rank"),
            tw_iv_rank: row.num("tw-implied-volatility-index-rank"),
            iv_percentile: row.num("implied-volatility-percentile"),
            iv_30d: row.percent("implied-volatility-30-day"),
            hv_30d: row.percent("historical-volatility-30-day"),
            hv_60d: row.percent("historical-volatility-60-day"),
            hv_90d: row.percent("historical-volatility-90-day"),
            iv_hv_30d_difference: row.percent("iv-hv-30-day-difference"),
            liquidity_rating: row.int("liquidity-rating").or_else(|| row.int("liquidity")),
            liquidity_value: row.num("liquidity-value"),
            liquidity_rank: row.num("liquidity-rank"),
            beta: row.num("beta"),
            corr_spy_3month: row.num("corr-spy-3month"),
            market_cap: row.num("market-cap"),
            dividend_yield: row.num("dividend-yield"),
            earnings: row.object("earnings").map(Earnings::from_row),
            unreadable: Vec::new(),
            expiration_ivs: row
                .objects("option-expiration-implied-volatilities")
                .map(ExpirationIv::from_row)
                .collect(),
            updated_at: row.text("updated-at"),
        })
    }
}

/// The wire fields the scan's filters read, checked for values sent but unreadable.
const SCAN_FIELDS: &[&str] = &[
    "implied-volatility-index",
    "implied-volatility-index-rank",
    "implied-volatility-rank",
    "implied-volatility-percentile",
    "liquidity-rating",
    "liquidity",
];

/// The next (or last) earnings report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Earnings {
    pub expected_report_date: Option<Date>,
    /// `BMO` (before market open) or `AMC` (after market close).
    pub time_of_day: Option<String>,
    pub estimated: Option<bool>,
    pub visible: Option<bool>,
    pub late_flag: Option<i64>,
    pub quarter_end_date: Option<Date>,
    pub actual_eps: Option<f64>,
    pub consensus_estimate: Option<f64>,
}

impl Earnings {
    fn from_row(row: Row<'_>) -> Earnings {
        Earnings {
            expected_report_date: row.date("expected-report-date"),
            time_of_day: row.text("time-of-day"),
            estimated: row.flag("estimated"),
            visible: row.flag("visible"),
            late_flag: row.int("late-flag"),
            quarter_end_date: row.date("quarter-end-date"),
            actual_eps: row.num("actual-eps"),
            consensus_estimate: row.num("consensus-estimate"),
        }
    }
}

/// The implied volatility of one expiration (a fraction).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpirationIv {
    pub expiration_date: Option<Date>,
    pub option_chain_type: Option<String>,
    pub settlement_type: Option<String>,
    pub implied_volatility: Option<f64>,
}

impl ExpirationIv {
    fn from_row(row: Row<'_>) -> ExpirationIv {
        ExpirationIv {
            expiration_date: row.date("expiration-date"),
            option_chain_type: row.text("option-chain-type"),
            settlement_type: row.text("settlement-type"),
            implied_volatility: row.num("implied-volatility"),
        }
    }
}

/// Decode a `/market-metrics` response (full envelope or bare `data` member). Rows without a symbol
/// are skipped; a response without rows is an error.
pub fn decode_market_metrics(body: &Value) -> Result<Vec<MarketMetrics>, DecodeError> {
    Ok(decode::require_items(body)?
        .iter()
        .filter_map(|v| MarketMetrics::from_row(Row(v)))
        .collect())
}

/// Per-symbol outcomes of [`TastytradeClient::market_metrics`].
pub type MetricsBatch = Batch<MarketMetrics>;

impl TastytradeClient {
    /// Market metrics of `symbols`, one outcome per symbol in request order, fetched in concurrent
    /// chunks of [`super::ClientConfig::metrics_chunk`].
    pub async fn market_metrics<S: AsRef<str>>(&self, symbols: &[S]) -> MetricsBatch {
        let symbols: Vec<String> = symbols.iter().map(|s| s.as_ref().to_string()).collect();
        let counters = &self.layer.counters;
        batch::run(&symbols, self.config.metrics_chunk, counters, |chunk| {
            self.metrics_chunk(chunk)
        })
        .await
    }

    async fn metrics_chunk(
        &self,
        chunk: Vec<String>,
    ) -> Result<std::collections::HashMap<String, MarketMetrics>, ApiError> {
        let context = describe_symbols(&chunk);
        let path = format!("{ENDPOINT}?symbols={}", encode_list(&chunk));
        let body = self.get(ENDPOINT, path, context.clone()).await?;
        let rows = decode_market_metrics(&body).map_err(|e| ApiError::Decode {
            endpoint: ENDPOINT.to_string(),
            context,
            detail: e.0,
        })?;
        Ok(batch::match_rows(&chunk, rows, |m| &m.symbol))
    }
}
