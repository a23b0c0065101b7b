//! Watchlists: `GET /watchlists` (the authenticated user's private lists), `GET /watchlists/{name}`,
//! `GET /public-watchlists` (`counts-only=true` gives entry counts instead of entries) and
//! `GET /public-watchlists/{name}`, with a few demo lists.
//!
//! Lists answer `{"data": {"items": [...]}, "context"}`, one list `{"data": {...}, "context"}`,
//! shaped by [`super::shape::watchlists`]. The name is taken from the raw path and percent-decoded
//! (`My%20Watchlist`, and a `%2F` or a literal `/` inside a name); names match exactly. An unknown
//! name is a 404 with the error envelope. Every request passes the common gate (User-Agent, bearer
//! token, rate limit, faults) and costs the profile's `other_ms`. Fixture files (`--fixtures`)
//! mirroring the path (`DIR/watchlists.json`, `DIR/public-watchlists/Futures.json`) are served
//! verbatim. The demo market is read-only: creating, replacing or deleting a list is a 405.
//!
//! Every symbol of the demo lists is on the default watchlist (`config/watchlists/default.csv`) and
//! known to the market; each entry's instrument type is the market's (`Equity` for equities and
//! ETFs, `Index`, `Future`).

use super::fixtures;
use super::gate::{self, Endpoint, Reply};
use super::query::{decode, Query};
use super::reply::ApiError;
use super::shape::watchlists::{self as shape, Entry};
use super::shape::{envelope, items_envelope};
use crate::latency::ms;
use crate::SimState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::sync::Arc;
use volscreen_core::symbol::AssetClass;

/// A demo watchlist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoList {
    pub name: &'static str,
    pub group_name: &'static str,
    pub order_index: u32,
    pub symbols: &'static [&'static str],
}

/// The demo user's private lists.
pub const PRIVATE: &[DemoList] = &[
    DemoList {
        name: "My Watchlist",
        group_name: "default",
        order_index: 0,
        symbols: &[
            "SPY", "QQQ", "IWM", "SPX", "AAPL", "MSFT", "NVDA", "AMZN", "META", "GOOGL", "TSLA",
            "/ES",
        ],
    },
    DemoList {
        name: "Earnings Plays",
        group_name: "default",
        order_index: 1,
        symbols: &[
            "NFLX", "TSLA", "AMD", "JPM", "NKE", "FDX", "MU", "ORCL", "COST", "ADBE", "CRM", "LULU",
        ],
    },
];

/// tastytrade's public lists (as the demo market has them).
pub const PUBLIC: &[DemoList] = &[
    DemoList {
        name: "tasty Default",
        group_name: "tastytrade",
        order_index: 0,
        symbols: &[
            "SPY", "QQQ", "IWM", "DIA", "SPX", "RUT", "VIX", "/ES", "/NQ", "/CL", "/GC", "GLD",
            "SLV", "TLT", "AAPL", "AMZN", "NVDA", "TSLA", "MSFT", "META",
        ],
    },
    DemoList {
        name: "Liquid ETFs",
        group_name: "Liquidity",
        order_index: 1,
        symbols: &[
            "SPY", "QQQ", "IWM", "DIA", "GLD", "SLV", "TLT", "HYG", "EEM", "EFA", "FXI", "XLF",
            "XLE", "XLK", "XLV", "XLU", "XLP", "SMH", "KWEB", "ARKK", "USO", "GDX", "XBI", "KRE",
        ],
    },
    DemoList {
        name: "Futures",
        group_name: "Futures",
        order_index: 2,
        symbols: &[
            "/ES", "/NQ", "/RTY", "/YM", "/CL", "/NG", "/GC", "/SI", "/HG", "/ZB", "/ZN", "/ZF",
            "/ZT", "/6E", "/6J", "/6B", "/6A", "/6C", "/ZC", "/ZS", "/ZW", "/LE", "/HE",
        ],
    },
];

/// Which of the two families a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Private,
    Public,
}

impl Scope {
    /// Request path of the list (and `context`, and stats name without the slash).
    pub fn path(self) -> &'static str {
        match self {
            Scope::Private => "/watchlists",
            Scope::Public => "/public-watchlists",
        }
    }

    pub fn lists(self) -> &'static [DemoList] {
        match self {
            Scope::Private => PRIVATE,
            Scope::Public => PUBLIC,
        }
    }

    fn stats_name(self) -> &'static str {
        &self.path()[1..]
    }
}

/// The instrument type of a watchlist entry, from the market's asset class.
fn instrument_type(class: AssetClass) -> &'static str {
    match class {
        AssetClass::Index => "Index",
        AssetClass::Future => "Future",
        AssetClass::Equity | AssetClass::Etf => "Equity",
    }
}

/// The entries of `list`: every symbol the market knows, with its instrument type.
pub fn entries(state: &SimState, list: &DemoList) -> Vec<Entry> {
    list.symbols
        .iter()
        .filter_map(|s| {
            state.market().asset_class(s).map(|c| Entry {
                symbol: (*s).to_string(),
                instrument_type: instrument_type(c),
            })
        })
        .collect()
}

fn document(state: &SimState, list: &DemoList, counts_only: bool) -> serde_json::Value {
    shape::watchlist(
        list.name,
        list.group_name,
        list.order_index,
        &entries(state, list),
        counts_only,
    )
}

/// `GET /watchlists`.
pub async fn private_lists(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    lists(
        &state,
        &headers,
        Scope::Private,
        raw.as_deref().unwrap_or(""),
    )
    .await
}

/// `GET /public-watchlists[?counts-only=true]`.
pub async fn public_lists(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    lists(
        &state,
        &headers,
        Scope::Public,
        raw.as_deref().unwrap_or(""),
    )
    .await
}

/// `GET /watchlists/{name}`.
pub async fn private_one(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    one(&state, &headers, Scope::Private, uri.path()).await
}

/// `GET /public-watchlists/{name}`.
pub async fn public_one(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    one(&state, &headers, Scope::Public, uri.path()).await
}

/// Whether a query asks for counts only (`counts-only=true`, any case); a query that cannot be
/// read is a 400.
pub fn counts_only(raw: &str) -> Result<bool, ApiError> {
    let q = Query::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(q.first("counts-only")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")))
}

async fn lists(state: &SimState, headers: &HeaderMap, scope: Scope, raw: &str) -> Response {
    let counts = counts_only(raw);
    let ep = Endpoint::new(scope.stats_name(), 0, ms(state.latency().rest.other_ms))
        .reject(counts.as_ref().err().cloned());
    gate::serve(state, headers, ep, || {
        if let Some(body) = fixtures::serve(state, scope.path())? {
            return Ok(Reply::rows(body, shape::REQUIRED));
        }
        // Counts only where the real service offers them: the public lists.
        let counts = counts.clone()? && scope == Scope::Public;
        let items = scope
            .lists()
            .iter()
            .map(|l| document(state, l, counts))
            .collect();
        Ok(Reply::rows(
            items_envelope(items, scope.path()),
            shape::REQUIRED,
        ))
    })
    .await
}

/// The decoded list name of a raw request path under `scope` (a 400 when it does not decode).
pub fn name_of(path: &str, scope: Scope) -> Result<String, ApiError> {
    let rest = path
        .strip_prefix(scope.path())
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or("");
    decode(rest, false).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn one(state: &SimState, headers: &HeaderMap, scope: Scope, path: &str) -> Response {
    let name = name_of(path, scope);
    let ep = Endpoint::new(scope.stats_name(), 0, ms(state.latency().rest.other_ms))
        .reject(name.as_ref().err().cloned());
    gate::serve(state, headers, ep, || {
        let name = name.clone()?;
        let context = format!("{}/{name}", scope.path());
        if let Some(body) = fixtures::serve(state, &context)? {
            return Ok(Reply::plain(body));
        }
        let list = scope
            .lists()
            .iter()
            .find(|l| l.name == name)
            .ok_or_else(|| ApiError::not_found(format!("No watchlist named {name:?}")))?;
        Ok(Reply::plain(envelope(
            document(state, list, false),
            &context,
        )))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimOptions;
    use volscreen_core::date::Date;

    #[test]
    fn names_decode_from_the_raw_path() {
        let n = |p: &str, s| name_of(p, s).unwrap();
        assert_eq!(
            n("/watchlists/My%20Watchlist", Scope::Private),
            "My Watchlist"
        );
        assert_eq!(
            n("/public-watchlists/Liquid%20ETFs", Scope::Public),
            "Liquid ETFs"
        );
        assert_eq!(n("/watchlists/a%2Fb", Scope::Private), "a/b");
        assert_eq!(n("/watchlists/a/b", Scope::Private), "a/b");
        assert_eq!(n("/watchlists/a+b", Scope::Private), "a+b");
        assert!(name_of("/watchlists/%FF", Scope::Private).is_err());
    }

    #[test]
    fn counts_only_reads_like_the_sdks_send_it() {
        assert!(!counts_only("").unwrap());
        assert!(!counts_only("counts-only=false").unwrap());
        assert!(counts_only("counts-only=true").unwrap());
        assert!(counts_only("counts-only=True").unwrap());
        assert!(counts_only("counts-only=%FF").is_err());
    }

    /// Every demo symbol is known to the market on several dates, names are unique, and each list
    /// has entries of the market's types.
    #[test]
    fn demo_lists_name_known_symbols() {
        for as_of in [(2025, 6, 2), (2026, 3, 20), (2026, 11, 20)] {
            let state = SimState::new(SimOptions::new(
                Date::from_ymd(as_of.0, as_of.1, as_of.2).unwrap(),
            ));
            for scope in [Scope::Private, Scope::Public] {
                let mut names: Vec<&str> = scope.lists().iter().map(|l| l.name).collect();
                names.sort();
                names.dedup();
                assert_eq!(names.len(), scope.lists().len());
                for l in scope.lists() {
                    let e = entries(&state, l);
                    assert_eq!(e.len(), l.symbols.len(), "{} {as_of:?}", l.name);
                }
            }
            let futures = entries(&state, &PUBLIC[2]);
            assert!(futures.iter().all(|e| e.instrument_type == "Future"));
            let default = entries(&state, &PUBLIC[0]);
            assert!(default.iter().any(|e| e.instrument_type == "Index"));
            assert!(default.iter().any(|e| e.instrument_type == "Equity"));
        }
    }
}
