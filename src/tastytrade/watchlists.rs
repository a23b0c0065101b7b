//! Watchlists kept at tastytrade: the user's private lists (`GET /watchlists`,
//! `GET /watchlists/{name}`) and tastytrade's public lists (`GET /public-watchlists`,
//! `GET /public-watchlists/{name}`), decoded into [`AccountWatchlist`].
//!
//! The wire shape (the official SDKs' `Watchlist` model; recorded answers in this file's tests):
//! a list answers `{"data": {"items": [...]}}`,
//! one watchlist `{"data": {...}}`; a watchlist has `name`, `watchlist-entries` (each `{symbol,
//! instrument-type}`), `group-name` and `order-index`. With `counts-only=true` a public list
//! carries `watchlist-entry-count` instead of its entries. Everything but the name is optional;
//! the snake_case spellings seen in recorded answers (`instrument_type`, `watchlist_entries`,
//! `group_name`, `order_index`) are read too. An entry without a symbol is kept (its symbol
//! `None`) so that the caller reports it instead of dropping it.
//!
//! Names are percent-encoded as one path segment (`My Watchlist` → `My%20Watchlist`, a `/` inside
//! a name → `%2F`). Requests go through the client's request layer (pacing, retries, token,
//! scrubbed errors); a 404 for one watchlist is [`WatchlistFetchError::NotFound`], whose message
//! names the list as the user wrote it (`tt:NAME`) and points at `volscreen watchlists`.

use super::client::TastytradeClient;
use super::decode::{self, DecodeError, Row};
use super::error::ApiError;
use super::http::encode_component;
use serde::Serialize;
use serde_json::Value;

/// Which family of watchlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// The authenticated user's own lists (`--watchlist tt:NAME`).
    Private,
    /// tastytrade's curated lists (`--watchlist tt-public:NAME`).
    Public,
}

impl ListKind {
    /// `private` or `public`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Private => "private",
            ListKind::Public => "public",
        }
    }

    /// The prefix that names a list of this kind on the command line: `tt:` or `tt-public:`.
    pub fn prefix(self) -> &'static str {
        match self {
            ListKind::Private => "tt:",
            ListKind::Public => "tt-public:",
        }
    }

    /// `tt:NAME` or `tt-public:NAME`: how a list is written on the command line and in messages.
    pub fn label(self, name: &str) -> String {
        format!("{}{name}", self.prefix())
    }

    /// The collection's path (`/watchlists`, `/public-watchlists`), also its endpoint name.
    pub fn list_endpoint(self) -> &'static str {
        match self {
            ListKind::Private => "/watchlists",
            ListKind::Public => "/public-watchlists",
        }
    }

    /// The endpoint of one list, as named in counters and errors.
    pub fn one_endpoint(self) -> &'static str {
        match self {
            ListKind::Private => "/watchlists/{name}",
            ListKind::Public => "/public-watchlists/{name}",
        }
    }
}

impl std::fmt::Display for ListKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a watchlist, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchlistEntry {
    /// `symbol` (`AAPL`, `/ESZ6`, `BTC/USD`); `None` when the entry has none.
    pub symbol: Option<String>,
    /// `instrument-type` (`Equity`, `Index`, `Future`, `Cryptocurrency`, `Equity Option`, ...).
    pub instrument_type: Option<String>,
}

/// A watchlist, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountWatchlist {
    pub kind: ListKind,
    pub name: String,
    /// `group-name`.
    pub group_name: Option<String>,
    /// `order-index`.
    pub order_index: Option<i64>,
    /// The entries, when the answer carried them (`None` for a counts-only row).
    pub entries: Option<Vec<WatchlistEntry>>,
    /// `watchlist-entry-count`, when the answer carried it.
    pub entry_count: Option<usize>,
}

impl AccountWatchlist {
    /// The number of entries: `watchlist-entry-count` when sent, else the entries counted; `None`
    /// when the answer told neither.
    pub fn count(&self) -> Option<usize> {
        self.entry_count
            .or_else(|| self.entries.as_ref().map(Vec::len))
    }

    /// `tt:NAME` or `tt-public:NAME`.
    pub fn label(&self) -> String {
        self.kind.label(&self.name)
    }
}

/// A watchlist that could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchlistFetchError {
    /// The service has no list of that name (404).
    #[error("watchlist {} not found: tastytrade has no {kind} watchlist named {name:?} (`volscreen watchlists` lists them)", .kind.label(name))]
    NotFound { kind: ListKind, name: String },
    /// Any other failure, as the client reports it (already scrubbed of secrets).
    #[error("{0}")]
    Api(ApiError),
}

/// The first of several spellings of a field that is present.
fn first<'a>(row: Row<'a>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| row.get(k))
}

fn entry(row: Row<'_>) -> WatchlistEntry {
    let text = |keys: &[&str]| {
        first(row, keys)
            .and_then(decode::string)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    WatchlistEntry {
        symbol: text(&["symbol"]),
        instrument_type: text(&["instrument-type", "instrument_type"]),
    }
}

/// One watchlist object; `None` when it has no name.
fn watchlist(row: Row<'_>, kind: ListKind) -> Option<AccountWatchlist> {
    let name = row.text("name")?;
    let entries = first(row, &["watchlist-entries", "watchlist_entries"])
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|v| {
                    if v.is_object() {
                        entry(Row(v))
                    } else {
                        // A bare string entry is read as its symbol; anything else has none.
                        WatchlistEntry {
                            symbol: decode::string(v)
                                .map(|s| s.trim().to_string())
                                .filter(|s| !s.is_empty()),
                            instrument_type: None,
                        }
                    }
                })
                .collect()
        });
    let entry_count = first(row, &["watchlist-entry-count", "watchlist_entry_count"])
        .and_then(decode::integer)
        .and_then(|n| usize::try_from(n).ok());
    Some(AccountWatchlist {
        kind,
        name,
        group_name: first(row, &["group-name", "group_name"]).and_then(decode::string),
        order_index: first(row, &["order-index", "order_index"]).and_then(decode::integer),
        entries,
        entry_count,
    })
}

/// Decode a `GET /watchlists/{name}` or `/public-watchlists/{name}` answer (full envelope or bare
/// `data` member).
pub fn decode_watchlist(body: &Value, kind: ListKind) -> Result<AccountWatchlist, DecodeError> {
    let data = decode::data(body);
    if !data.is_object() {
        return Err(DecodeError(
            "no watchlist object in the response".to_string(),
        ));
    }
    watchlist(Row(data), kind).ok_or_else(|| match body.get("error") {
        Some(e) => DecodeError(format!(
            "error document instead of a watchlist: {}",
            super::http::short(&e.to_string())
        )),
        None => DecodeError("the watchlist in the response has no name".to_string()),
    })
}

/// Decode a `GET /watchlists` or `/public-watchlists` answer: every named watchlist, in the order
/// sent (rows without a name are skipped: they cannot be asked for).
pub fn decode_watchlists(
    body: &Value,
    kind: ListKind,
) -> Result<Vec<AccountWatchlist>, DecodeError> {
    let items = decode::require_items(body)?;
    Ok(items
        .iter()
        .filter(|v| v.is_object())
        .filter_map(|v| watchlist(Row(v), kind))
        .collect())
}

impl TastytradeClient {
    /// One watchlist by name, with its entries. A 404 is [`WatchlistFetchError::NotFound`].
    pub async fn watchlist(
        &self,
        kind: ListKind,
        name: &str,
    ) -> Result<AccountWatchlist, WatchlistFetchError> {
        let endpoint = kind.one_endpoint();
        let path = format!("{}/{}", kind.list_endpoint(), encode_component(name));
        let label = kind.label(name);
        let body = match self.get(endpoint, path, label.clone()).await {
            Ok(b) => b,
            Err(ApiError::NotFound { .. }) => {
                return Err(WatchlistFetchError::NotFound {
                    kind,
                    name: name.to_string(),
                })
            }
            Err(e) => return Err(WatchlistFetchError::Api(e)),
        };
        let list = decode_watchlist(&body, kind).map_err(|e| {
            WatchlistFetchError::Api(ApiError::Decode {
                endpoint: endpoint.to_string(),
                context: label,
                detail: e.0,
            })
        })?;
        Ok(AccountWatchlist {
            // The list asked for, even if the answer spells its name differently.
            name: name.to_string(),
            ..list
        })
    }

    /// Every watchlist of a kind: private lists with their entries; public lists asked with
    /// `counts-only=true` (names and entry counts, not thousands of entries).
    pub async fn watchlists(&self, kind: ListKind) -> Result<Vec<AccountWatchlist>, ApiError> {
        let endpoint = kind.list_endpoint();
        let path = match kind {
            ListKind::Private => endpoint.to_string(),
            ListKind::Public => format!("{endpoint}?counts-only=true"),
        };
        let body = self
            .get(endpoint, path, format!("the {kind} watchlists"))
            .await?;
        decode_watchlists(&body, kind).map_err(|e| ApiError::Decode {
            endpoint: endpoint.to_string(),
            context: format!("the {kind} watchlists"),
            detail: e.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Recorded answers of the live service, as kept in laustindasauce/tasty-go's test data (MIT),
    // the source of the other recordings in `tests/fixtures/tastytrade/` (see its README).

    /// `GET /watchlists`.
    const PRIVATE_LISTS: &str = r#"{"data": {"items": [{"name": "testing with / - odd chars",
        "watchlist-entries": [{"symbol": "AAPL", "instrument-type": "Equity"}],
        "group-name": "test", "order-index": 1}]}, "context": "/watchlists"}"#;
    /// `GET /public-watchlists` (this recording spells the type `instrument_type`).
    const PUBLIC_LISTS: &str = r#"{"data": {"items": [{"name": "CRE Hospitality Price Return Index",
        "watchlist-entries": [{"symbol": "GLPI", "instrument_type": "Equity"},
                              {"symbol": "VICI", "instrument_type": "Equity"}],
        "group-name": "Market Indices", "order-index": 100}]}, "context": "/public-watchlists"}"#;
    /// `GET /public-watchlists?counts-only=true`.
    const PUBLIC_COUNTS: &str = r#"{"data": {"items": [
        {"name": "CRE Hospitality Price Return Index", "id": 317219, "watchlist-entry-count": 14},
        {"name": "High Options Volume", "id": 69136, "watchlist-entry-count": 200}]},
        "context": "/public-watchlists"}"#;
    /// `GET /public-watchlists/High%20Options%20Volume`.
    const PUBLIC_ONE: &str = r#"{"data": {"name": "High Options Volume", "watchlist-entries": [
        {"symbol": "SPY", "instrument-type": "Equity"}, {"symbol": "QQQ", "instrument-type": "Equity"}],
        "group-name": "Liquidity", "order-index": 100},
        "context": "/public-watchlists/High%20Options%20Volume"}"#;

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).expect("a recorded answer is JSON")
    }

    fn e(symbol: &str, t: &str) -> WatchlistEntry {
        WatchlistEntry {
            symbol: Some(symbol.into()),
            instrument_type: Some(t.into()),
        }
    }

    #[test]
    fn decodes_recorded_private_lists() {
        let lists = decode_watchlists(&fixture(PRIVATE_LISTS), ListKind::Private).unwrap();
        assert_eq!(lists.len(), 1);
        let w = &lists[0];
        assert_eq!(w.name, "testing with / - odd chars");
        assert_eq!(w.label(), "tt:testing with / - odd chars");
        assert_eq!(w.group_name.as_deref(), Some("test"));
        assert_eq!(w.order_index, Some(1));
        assert_eq!(w.entries.as_deref(), Some(&[e("AAPL", "Equity")][..]));
        assert_eq!(w.count(), Some(1));
    }

    #[test]
    fn decodes_recorded_public_lists_and_counts() {
        // This recording spells the entries' type `instrument_type`: read as well.
        let lists = decode_watchlists(&fixture(PUBLIC_LISTS), ListKind::Public).unwrap();
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].name, "CRE Hospitality Price Return Index");
        assert_eq!(
            lists[0].entries.as_deref(),
            Some(&[e("GLPI", "Equity"), e("VICI", "Equity")][..])
        );
        assert_eq!(lists[0].group_name.as_deref(), Some("Market Indices"));
        assert_eq!(lists[0].order_index, Some(100));
        let counts = decode_watchlists(&fixture(PUBLIC_COUNTS), ListKind::Public).unwrap();
        let got: Vec<(&str, Option<usize>, bool)> = counts
            .iter()
            .map(|w| (w.name.as_str(), w.count(), w.entries.is_none()))
            .collect();
        assert_eq!(
            got,
            [
                ("CRE Hospitality Price Return Index", Some(14), true),
                ("High Options Volume", Some(200), true)
            ]
        );
        assert_eq!(counts[0].group_name, None);
    }

    #[test]
    fn decodes_a_recorded_single_list() {
        let w = decode_watchlist(&fixture(PUBLIC_ONE), ListKind::Public).unwrap();
        assert_eq!(w.name, "High Options Volume");
        assert_eq!(w.label(), "tt-public:High Options Volume");
        assert_eq!(
            w.entries.as_deref(),
            Some(&[e("SPY", "Equity"), e("QQQ", "Equity")][..])
        );
        assert_eq!(w.group_name.as_deref(), Some("Liquidity"));
    }

    #[test]
    fn tolerates_missing_and_odd_fields() {
        // Bare `data`, no group or order, an entry without a type, one without a symbol, a
        // string entry, numbers as strings, the snake_case spellings.
        let w = decode_watchlist(
            &json!({"name": "x", "watchlist_entries": [
                {"symbol": " msft "}, {"instrument-type": "Equity"}, "SPY", 7, {"symbol": ""}
            ], "order_index": "3"}),
            ListKind::Private,
        )
        .unwrap();
        assert_eq!(w.group_name, None);
        assert_eq!(w.order_index, Some(3));
        let entries = w.entries.unwrap();
        assert_eq!(entries.len(), 5, "no entry is dropped");
        assert_eq!(entries[0].symbol.as_deref(), Some("msft"));
        assert_eq!(entries[0].instrument_type, None);
        assert_eq!(entries[1].symbol, None);
        assert_eq!(entries[2].symbol.as_deref(), Some("SPY"));
        assert_eq!(entries[3].symbol.as_deref(), Some("7"));
        assert_eq!(entries[4].symbol, None);
        // A list with no entries member and no count: the count is unknown, never 0.
        let w = decode_watchlist(&json!({"data": {"name": "y"}}), ListKind::Private).unwrap();
        assert_eq!(w.count(), None);
        let w = decode_watchlist(
            &json!({"data": {"name": "y", "watchlist-entries": []}}),
            ListKind::Private,
        )
        .unwrap();
        assert_eq!(w.count(), Some(0));
        // No name, no object, an error document: decode errors, never a panic.
        assert!(decode_watchlist(
            &json!({"data": {"watchlist-entries": []}}),
            ListKind::Public
        )
        .is_err());
        assert!(decode_watchlist(&json!([1, 2]), ListKind::Public).is_err());
        let err = decode_watchlist(
            &json!({"error": {"code": "not_found", "message": "nope"}}),
            ListKind::Private,
        )
        .unwrap_err();
        assert!(err.0.contains("error document"), "{err}");
        // Rows without a name are skipped in a list; a list answer without items is an error.
        let lists = decode_watchlists(
            &json!({"data": {"items": [{"name": "a"}, {"group-name": "g"}, 5]}}),
            ListKind::Private,
        )
        .unwrap();
        assert_eq!(lists.len(), 1);
        assert!(decode_watchlists(&json!({"data": {}}), ListKind::Private).is_err());
    }

    #[test]
    fn not_found_names_the_list_and_the_command() {
        let e = WatchlistFetchError::NotFound {
            kind: ListKind::Public,
            name: "Nope".into(),
        };
        let m = e.to_string();
        assert!(m.contains("tt-public:Nope"), "{m}");
        assert!(m.contains("volscreen watchlists"), "{m}");
        assert_eq!(ListKind::Private.label("a b"), "tt:a b");
        assert_eq!(
            format!("/watchlists/{}", encode_component("Semis/AI picks")),
            "/watchlists/Semis%2FAI%20picks"
        );
    }
}
