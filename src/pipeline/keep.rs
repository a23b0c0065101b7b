//! What a scan keeps beyond its report, when the caller asks for it ([`super::ScanRequest::keep`]):
//! each symbol's daily candle history as the compute stage received it (from the feed or the
//! cache) and its metrics' per-expiration IVs (`option-expiration-implied-volatilities`).
//! `volscreen detail` needs both (estimators, the HV cone, the term structure); the report carries
//! neither. `screen` asks for nothing (`keep: None`), so a 5,000-symbol scan holds no candle
//! history after computing its HV.
//!
//! The collector is shared between the caller and the scan (an `Arc`); the scan writes, the
//! caller takes after the scan. Writes after a symbol left the pipeline are kept too: what was
//! received is what is kept, the report's verdicts are not this module's business.

use crate::dxlink::CandleSeries;
use crate::tastytrade::ExpirationIv;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// One symbol's kept data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    /// The candle history the compute stage used (the last one, if the server's cut history was
    /// asked for again); `None` when none arrived.
    pub candles: Option<CandleSeries>,
    /// The metrics row's per-expiration IVs; `None` when no metrics row arrived.
    pub expiration_ivs: Option<Vec<ExpirationIv>>,
}

/// The collector (cheap to clone: clones share it).
#[derive(Debug, Clone, Default)]
pub struct Keep(Arc<Mutex<HashMap<String, Kept>>>);

impl Keep {
    pub fn new() -> Keep {
        Keep::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Kept>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep `symbol`'s candle history (replacing an earlier one).
    pub fn candles(&self, symbol: &str, series: &CandleSeries) {
        self.lock().entry(symbol.to_string()).or_default().candles = Some(series.clone());
    }

    /// Keep `symbol`'s per-expiration IVs (replacing earlier ones).
    pub fn expiration_ivs(&self, symbol: &str, ivs: &[ExpirationIv]) {
        self.lock()
            .entry(symbol.to_string())
            .or_default()
            .expiration_ivs = Some(ivs.to_vec());
    }

    /// What was kept for `symbol` (nothing: the default), removed from the collector.
    pub fn take(&self, symbol: &str) -> Kept {
        self.lock().remove(symbol).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_data_is_per_symbol_and_taken_once() {
        let keep = Keep::new();
        let shared = keep.clone();
        let series = CandleSeries {
            candles: Vec::new(),
            truncated: true,
        };
        shared.candles("TSLA", &series);
        shared.expiration_ivs("TSLA", &[]);
        shared.expiration_ivs("SPY", &[]);
        let tsla = keep.take("TSLA");
        assert_eq!(tsla.candles, Some(series));
        assert_eq!(tsla.expiration_ivs, Some(Vec::new()));
        assert_eq!(keep.take("TSLA"), Kept::default(), "taken once");
        assert_eq!(keep.take("SPY").candles, None, "no candles arrived");
        assert_eq!(keep.take("QQQ"), Kept::default());
    }
}
