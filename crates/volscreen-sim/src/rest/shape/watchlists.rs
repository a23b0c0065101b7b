//! Watchlists on the wire, as the real service sends them (and the official SDKs read them:
//! Python `tastytrade.watchlists.Watchlist`, JS `WatchlistsService`): `name`,
//! `watchlist-entries` (each `{symbol, instrument-type}`), `group-name` and `order-index` (a JSON
//! number). With `counts-only=true` (public lists) an item carries `watchlist-entry-count`
//! instead of its entries.

use super::Row;
use serde_json::{json, Value};

/// Fields the `missing` fault never drops from a watchlist row.
pub const REQUIRED: &[&str] = &["name"];

/// One entry: a symbol and its instrument type (`Equity`, `Index`, `Future`).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub symbol: String,
    pub instrument_type: &'static str,
}

/// One watchlist document.
pub fn watchlist(
    name: &str,
    group_name: &str,
    order_index: u32,
    entries: &[Entry],
    counts_only: bool,
) -> Value {
    let row = Row::new().set("name", name);
    let row = if counts_only {
        row.set("watchlist-entry-count", entries.len())
    } else {
        row.set(
            "watchlist-entries",
            entries
                .iter()
                .map(|e| json!({"symbol": e.symbol, "instrument-type": e.instrument_type}))
                .collect::<Vec<_>>(),
        )
    };
    row.set("group-name", group_name)
        .set("order-index", order_index)
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let e = [Entry {
            symbol: "/ES".into(),
            instrument_type: "Future",
        }];
        let w = watchlist("Futures", "tastytrade", 3, &e, false);
        assert_eq!(
            w,
            json!({"name": "Futures", "group-name": "tastytrade", "order-index": 3,
                   "watchlist-entries": [{"symbol": "/ES", "instrument-type": "Future"}]})
        );
        let c = watchlist("Futures", "tastytrade", 3, &e, true);
        assert_eq!(c["watchlist-entry-count"], 1);
        assert!(c.get("watchlist-entries").is_none());
    }
}
