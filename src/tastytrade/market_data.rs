//! `GET /market-data/by-type`: quotes and day statistics of equities, indices, futures, equity options,
//! future options and crypto, decoded into [`MarketData`].
//!
//! The endpoint takes one comma-separated parameter per instrument type (`equity`, `index`, `future`,
//! `equity-option`, `future-option`, `cryptocurrency`) and at most 100 symbols in total per request, so
//! a call is cut into requests of at most [`super::ClientConfig::by_type_chunk`] (≤ 100) symbols, types
//! mixed, run concurrently. Symbols absent from the answer are [`super::Outcome::NotFound`].

use super::batch::{self, Batch};
use super::client::TastytradeClient;
use super::decode::{self, DecodeError, Row};
use super::error::{describe_symbols, ApiError};
use super::http::encode_list;
use crate::date::Date;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// The endpoint, as named in counters and errors.
pub const ENDPOINT: &str = "/market-data/by-type";

/// The instrument types `/market-data/by-type` distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum InstrumentKind {
    Equity,
    Index,
    Future,
    EquityOption,
    FutureOption,
    Cryptocurrency,
}

impl InstrumentKind {
    /// All kinds, in the order their parameters are written.
    pub const ALL: [InstrumentKind; 6] = [
        InstrumentKind::Equity,
        InstrumentKind::Index,
        InstrumentKind::Future,
        InstrumentKind::EquityOption,
        InstrumentKind::FutureOption,
        InstrumentKind::Cryptocurrency,
    ];

    /// The query parameter name: `equity`, `index`, `future`, `equity-option`, `future-option`,
    /// `cryptocurrency`.
    pub fn param(self) -> &'static str {
        match self {
            InstrumentKind::Equity => "equity",
            InstrumentKind::Index => "index",
            InstrumentKind::Future => "future",
            InstrumentKind::EquityOption => "equity-option",
            InstrumentKind::FutureOption => "future-option",
            InstrumentKind::Cryptocurrency => "cryptocurrency",
        }
    }

    /// A best guess from the symbol's form: `./ESU3 EW4N3 230728C3990` future option, `/ESZ6` future,
    /// `SPY   260804C00500000` (OCC) equity option, `BTC/USD` crypto, a known cash index, else equity.
    pub fn guess(symbol: &str) -> InstrumentKind {
        let s = symbol.trim();
        if s.starts_with("./") {
            InstrumentKind::FutureOption
        } else if crate::symbol::is_future(s) {
            InstrumentKind::Future
        } else if is_occ_option(s) {
            InstrumentKind::EquityOption
        } else if s.ends_with("/USD") {
            InstrumentKind::Cryptocurrency
        } else if crate::symbol::is_index(s) {
            InstrumentKind::Index
        } else {
            InstrumentKind::Equity
        }
    }
}

/// Whether `s` looks like an OCC option symbol: root, spaces, `YYMMDD`, `C`/`P`, 8 strike digits.
fn is_occ_option(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 15 && {
        let tail = &b[b.len() - 15..];
        tail[..6].iter().all(u8::is_ascii_digit)
            && matches!(tail[6], b'C' | b'P')
            && tail[7..].iter().all(u8::is_ascii_digit)
    }
}

/// One instrument to quote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstrumentRef {
    pub kind: InstrumentKind,
    pub symbol: String,
}

impl InstrumentRef {
    pub fn new(kind: InstrumentKind, symbol: impl Into<String>) -> InstrumentRef {
        InstrumentRef {
            kind,
            symbol: symbol.into(),
        }
    }

    /// An instrument whose kind is guessed from the symbol ([`InstrumentKind::guess`]).
    pub fn guess(symbol: impl Into<String>) -> InstrumentRef {
        let symbol = symbol.into();
        InstrumentRef {
            kind: InstrumentKind::guess(&symbol),
            symbol,
        }
    }
}

/// Quote and day statistics of one instrument. Prices are plain numbers; every field but `symbol`
/// may be missing (no `close` intraday, no bid/ask for an index).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketData {
    pub symbol: String,
    /// `Equity`, `Index`, `Future`, `Equity Option`, `Future Option`, `Cryptocurrency`.
    pub instrument_type: Option<String>,
    pub updated_at: Option<String>,
    pub bid: Option<f64>,
    pub bid_size: Option<f64>,
    pub ask: Option<f64>,
    pub ask_size: Option<f64>,
    pub mid: Option<f64>,
    pub mark: Option<f64>,
    pub last: Option<f64>,
    pub open: Option<f64>,
    pub day_high: Option<f64>,
    pub day_low: Option<f64>,
    pub close: Option<f64>,
    pub prev_close: Option<f64>,
    pub volume: Option<f64>,
    pub year_low: Option<f64>,
    pub year_high: Option<f64>,
    pub is_trading_halted: Option<bool>,
    pub summary_date: Option<Date>,
    pub prev_close_date: Option<Date>,
}

impl MarketData {
    /// Decode one row; `None` without a `symbol`.
    pub fn from_row(row: Row<'_>) -> Option<MarketData> {
        Some(MarketData {
            symbol: row.symbol("symbol")?,
            instrument_type: row.text("instrument-type"),
            updated_at: row.text("updated-at"),
            bid: row.num("bid"),
            bid_size: row.num("bid-size"),
            ask: row.num("ask"),
            ask_size: row.num("ask-size"),
            mid: row.num("mid"),
            mark: row.num("mark"),
            last: row.num("last"),
            open: row.num("open"),
            day_high: row.num("day-high-price"),
            day_low: row.num("day-low-price"),
            close: row.num("close"),
            prev_close: row.num("prev-close"),
            volume: row.num("volume"),
            year_low: row.num("year-low-price"),
            year_high: row.num("year-high-price"),
            is_trading_halted: row.flag("is-trading-halted"),
            summary_date: row.date("summary-date"),
            prev_close_date: row.date("prev-close-date"),
        })
    }

    /// The midpoint of a two-sided quote (bid and ask present, positive, not crossed), else `mid`.
    pub fn quote_mid(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) if b > 0.0 && a >= b => Some((a + b) / 2.0),
            _ => self.mid.filter(|m| *m > 0.0),
        }
    }

    /// A price for the instrument: `mark`, else the quote midpoint, `last`, `close`, `prev-close`
    /// (the first that is present and positive).
    pub fn price(&self) -> Option<f64> {
        [
            self.mark,
            self.quote_mid(),
            self.last,
            self.close,
            self.prev_close,
        ]
        .into_iter()
        .flatten()
        .find(|p| *p > 0.0)
    }
}

/// Decode a `/market-data/by-type` response (full envelope or bare `data` member).
pub fn decode_market_data(body: &Value) -> Result<Vec<MarketData>, DecodeError> {
    Ok(decode::require_items(body)?
        .iter()
        .filter_map(|v| MarketData::from_row(Row(v)))
        .collect())
}

/// The path and query of one by-type request: `?equity=AAPL,BRK%2FB&future=%2FESZ6`.
pub fn by_type_path(instruments: &[InstrumentRef]) -> String {
    let params: Vec<String> = InstrumentKind::ALL
        .iter()
        .filter_map(|kind| {
            let symbols: Vec<&str> = instruments
                .iter()
                .filter(|i| i.kind == *kind)
                .map(|i| i.symbol.as_str())
                .collect();
            (!symbols.is_empty()).then(|| format!("{}={}", kind.param(), encode_list(&symbols)))
        })
        .collect();
    format!("{ENDPOINT}?{}", params.join("&"))
}

/// Per-symbol outcomes of [`TastytradeClient::market_data`].
pub type QuoteBatch = Batch<MarketData>;

impl TastytradeClient {
    /// Quotes of `instruments`, one outcome per instrument in request order (keyed by symbol; a symbol
    /// listed twice under different kinds is asked for under the first), in concurrent requests of at
    /// most 100 symbols in total.
    pub async fn market_data(&self, instruments: &[InstrumentRef]) -> QuoteBatch {
        let mut kinds: HashMap<String, InstrumentKind> = HashMap::new();
        for i in instruments {
            kinds.entry(i.symbol.clone()).or_insert(i.kind);
        }
        let symbols: Vec<String> = instruments.iter().map(|i| i.symbol.clone()).collect();
        let kinds = &kinds;
        batch::run(
            &symbols,
            self.config.by_type_chunk,
            &self.layer.counters,
            |chunk| {
                let refs: Vec<InstrumentRef> = chunk
                    .iter()
                    .map(|s| InstrumentRef::new(kinds[s], s.clone()))
                    .collect();
                self.market_data_chunk(chunk, refs)
            },
        )
        .await
    }

    async fn market_data_chunk(
        &self,
        chunk: Vec<String>,
        refs: Vec<InstrumentRef>,
    ) -> Result<HashMap<String, MarketData>, ApiError> {
        let context = describe_symbols(&chunk);
        let body = self
            .get(ENDPOINT, by_type_path(&refs), context.clone())
            .await?;
        let rows = decode_market_data(&body).map_err(|e| ApiError::Decode {
            endpoint: ENDPOINT.to_string(),
            context,
            detail: e.0,
        })?;
        Ok(batch::match_rows(&chunk, rows, |m| &m.symbol))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_kinds_and_builds_queries() {
        use InstrumentKind::*;
        assert_eq!(InstrumentKind::guess("AAPL"), Equity);
        assert_eq!(InstrumentKind::guess("SPX"), Index);
        assert_eq!(InstrumentKind::guess("/ESZ6"), Future);
        assert_eq!(InstrumentKind::guess("SPY   260804C00500000"), EquityOption);
        assert_eq!(
            InstrumentKind::guess("./ESU3 EW4N3 230728C3990"),
            FutureOption
        );
        assert_eq!(InstrumentKind::guess("BTC/USD"), Cryptocurrency);
        assert_eq!(InstrumentKind::guess("BRK/B"), Equity);
        let path = by_type_path(&[
            InstrumentRef::guess("/ESZ6"),
            InstrumentRef::guess("AAPL"),
            InstrumentRef::guess("BRK/B"),
            InstrumentRef::guess("SPX"),
        ]);
        assert_eq!(
            path,
            "/market-data/by-type?equity=AAPL,BRK%2FB&index=SPX&future=%2FESZ6"
        );
    }
}
