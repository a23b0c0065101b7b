//! Watchlists kept at tastytrade (`--watchlist tt:NAME`, `--watchlist tt-public:NAME`): which
//! list the flag names ([`WatchlistSource`]), and a fetched list's entries → the symbols to scan
//! ([`from_entries`]), by the rules a file's lines follow.
//!
//! Rules:
//! - `tt:NAME` is the user's private list, `tt-public:NAME` a public one; anything else is a file
//!   (a file literally named `tt:foo` is read as `./tt:foo`). An empty NAME is a usage error.
//! - Each entry's `symbol` is normalised exactly as a file line ([`super::normalize`]: upper case,
//!   `brk.b` → `BRK/B`, a futures contract `/ESZ6` → its root `/ES`), duplicates are removed keeping
//!   the first, symbols the caller excludes (`--exclude`, `--exclude-class`) are passed over, and
//!   the first N are scanned.
//! - An entry volscreen cannot scan is reported, never dropped: an instrument type other than
//!   `Equity`, `Index` or `Future` (`Cryptocurrency`, `Equity Option`, `Future Option`, ...), an
//!   entry without a symbol, or a symbol that is no symbol. Unlike a bad line of a file (a usage
//!   error: the file is the user's to fix), such an entry becomes an error of the scan at stage
//!   `load` naming `tt:NAME` and the entry ([`report_unscannable`]), and the rest is scanned: a
//!   broker list legitimately holds instruments a volatility screener does not scan.

use super::{normalize, WatchlistError};
use crate::model::{ErrorEntry, ScanReport, Stage, SymbolFields};
use crate::tastytrade::{ListKind, WatchlistEntry};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where `--watchlist` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchlistSource {
    /// A CSV file.
    File(PathBuf),
    /// `tt:NAME`: the user's private watchlist at tastytrade.
    Account(String),
    /// `tt-public:NAME`: a tastytrade public watchlist.
    Public(String),
}

impl WatchlistSource {
    /// Read the `--watchlist` argument: `tt:NAME`, `tt-public:NAME` (NAME not empty), else a file.
    pub fn parse(arg: &Path) -> Result<WatchlistSource, WatchlistError> {
        let Some(text) = arg.to_str() else {
            return Ok(WatchlistSource::File(arg.to_path_buf()));
        };
        for kind in [ListKind::Public, ListKind::Private] {
            if let Some(name) = text.strip_prefix(kind.prefix()) {
                if name.trim().is_empty() {
                    return Err(WatchlistError::EmptyName {
                        prefix: kind.prefix(),
                    });
                }
                return Ok(match kind {
                    ListKind::Private => WatchlistSource::Account(name.to_string()),
                    ListKind::Public => WatchlistSource::Public(name.to_string()),
                });
            }
        }
        Ok(WatchlistSource::File(arg.to_path_buf()))
    }

    /// The list at tastytrade this names, if it names one.
    pub fn remote(&self) -> Option<(ListKind, &str)> {
        match self {
            WatchlistSource::File(_) => None,
            WatchlistSource::Account(name) => Some((ListKind::Private, name)),
            WatchlistSource::Public(name) => Some((ListKind::Public, name)),
        }
    }

    /// How it is named in messages and in `meta.watchlist`: the path, `tt:NAME` or
    /// `tt-public:NAME`.
    pub fn label(&self) -> String {
        match self {
            WatchlistSource::File(path) => path.display().to_string(),
            WatchlistSource::Account(name) => ListKind::Private.label(name),
            WatchlistSource::Public(name) => ListKind::Public.label(name),
        }
    }
}

/// A watchlist kept at tastytrade, to be fetched once the scan has a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteList {
    pub kind: ListKind,
    pub name: String,
    /// Scan only the first N symbols (the `screen N` argument).
    pub first: Option<usize>,
}

impl RemoteList {
    /// `tt:NAME` or `tt-public:NAME`.
    pub fn label(&self) -> String {
        self.kind.label(&self.name)
    }
}

/// An entry that cannot be scanned, reported as an error of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unscannable {
    /// The entry's symbol as sent (`BTC/USD`), or `entry N` when it has none.
    pub symbol: String,
    /// `tt:NAME entry N: "BTC/USD" has instrument type Cryptocurrency, which volscreen ... (...)`.
    pub error: String,
}

/// A fetched list made ready to scan: the first N items, in list order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    /// Normalised, de-duplicated symbols to scan.
    pub symbols: Vec<String>,
    /// Entries among the first N that cannot be scanned.
    pub unscannable: Vec<Unscannable>,
    /// How many duplicates were removed.
    pub duplicates: usize,
    /// Symbols passed over because `excluded` said so, before the first N were reached.
    pub excluded: Vec<String>,
}

/// Instrument types volscreen scans (`Equity` covers ETFs).
const SCANNABLE: [&str; 3] = ["Equity", "Index", "Future"];

/// The symbol to scan for one entry, or why it cannot be scanned.
fn judge(entry: &WatchlistEntry) -> Result<String, String> {
    let Some(text) = entry.symbol.as_deref() else {
        return Err("has no symbol".to_string());
    };
    let kind = entry.instrument_type.as_deref().map(str::trim);
    if let Some(kind) = kind.filter(|k| !SCANNABLE.iter().any(|s| s.eq_ignore_ascii_case(k))) {
        return Err(format!(
            "{text:?} has instrument type {kind}, which volscreen cannot scan (it scans equities, ETFs, indices and futures)"
        ));
    }
    // A future without its slash (`ESZ6` typed `Future`) is still a future.
    let future = kind.is_some_and(|k| k.eq_ignore_ascii_case("Future"));
    let text = text.trim();
    let owned;
    let text = if future && !text.starts_with('/') {
        owned = format!("/{text}");
        owned.as_str()
    } else {
        text
    };
    normalize(text).map_err(|why| format!("{text:?} is not a symbol ({why})"))
}

/// A fetched list's entries → the symbols to scan. `label` is `tt:NAME` or `tt-public:NAME`;
/// entries are numbered from 1 in messages. Duplicates are found after normalisation (an
/// unscannable entry by its symbol as sent); symbols for which `excluded` is true are passed over
/// (as `screen::exclude` does for a file); `first` keeps the first N items after that. A list with
/// no entries at all is [`WatchlistError::Empty`].
pub fn from_entries(
    label: &str,
    entries: &[WatchlistEntry],
    first: Option<usize>,
    excluded: impl Fn(&str) -> bool,
) -> Result<Resolved, WatchlistError> {
    if entries.is_empty() {
        return Err(WatchlistError::Empty {
            path: label.to_string(),
        });
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(entries.len());
    let mut out = Resolved::default();
    let limit = first.unwrap_or(usize::MAX);
    let mut taken = 0;
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        let item = judge(entry);
        let key = match &item {
            Ok(symbol) => symbol.clone(),
            Err(_) => entry
                .symbol
                .as_deref()
                .map_or_else(|| format!("entry {n}"), |s| s.trim().to_string()),
        };
        if !seen.insert(key.clone()) {
            out.duplicates += 1;
            continue;
        }
        if taken == limit {
            continue;
        }
        if item.as_ref().is_ok_and(|s| excluded(s)) {
            out.excluded.push(key);
            continue;
        }
        taken += 1;
        match item {
            Ok(symbol) => out.symbols.push(symbol),
            Err(why) => out.unscannable.push(Unscannable {
                symbol: key,
                error: format!("{label} entry {n}: {why}"),
            }),
        }
    }
    Ok(out)
}

/// Add the unscannable entries to a scan's report: each an error at stage `load` with nothing
/// known, counted in `meta.counts.errors` and `meta.symbols_requested` (so conservation holds over
/// every item of the list that was scanned).
pub fn report_unscannable(report: &mut ScanReport, unscannable: &[Unscannable]) {
    for u in unscannable {
        report.errors.push(ErrorEntry {
            symbol: u.symbol.clone(),
            stage: Stage::Load,
            error: u.error.clone(),
            unknown: Vec::new(),
            fields: SymbolFields::default(),
        });
    }
    report.meta.counts.errors += unscannable.len();
    report.meta.symbols_requested += unscannable.len();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(symbol: Option<&str>, kind: Option<&str>) -> WatchlistEntry {
        WatchlistEntry {
            symbol: symbol.map(str::to_string),
            instrument_type: kind.map(str::to_string),
        }
    }

    #[test]
    fn the_flag_names_a_list_or_a_file() {
        let p = |s: &str| WatchlistSource::parse(Path::new(s));
        assert_eq!(
            p("tt:My Watchlist").unwrap(),
            WatchlistSource::Account("My Watchlist".into())
        );
        assert_eq!(
            p("tt-public:Liquid ETFs").unwrap(),
            WatchlistSource::Public("Liquid ETFs".into())
        );
        assert_eq!(p("tt:a/b").unwrap().label(), "tt:a/b");
        assert_eq!(
            p("tt-public:x").unwrap().remote(),
            Some((ListKind::Public, "x"))
        );
        // A file named like a list is reached with a path.
        assert_eq!(
            p("./tt:foo").unwrap(),
            WatchlistSource::File("./tt:foo".into())
        );
        assert_eq!(p("TT:foo").unwrap(), WatchlistSource::File("TT:foo".into()));
        assert_eq!(p("w.csv").unwrap().remote(), None);
        for empty in ["tt:", "tt:  ", "tt-public:"] {
            let err = p(empty).unwrap_err().to_string();
            assert!(err.contains("--watchlist") && err.contains("NAME"), "{err}");
        }
    }

    #[test]
    fn entries_follow_the_file_rules() {
        let entries = [
            e(Some("aapl"), Some("Equity")),
            e(Some("/ESZ6"), Some("Future")),
            e(Some("brk.b"), None),
            e(Some("AAPL"), Some("Equity")),
            e(Some("/ES"), Some("Future")),
            e(Some("NQH7"), Some("Future")),
            e(Some("SPX"), Some("index")),
        ];
        let r = from_entries("tt:x", &entries, None, |_| false).unwrap();
        assert_eq!(r.symbols, ["AAPL", "/ES", "BRK/B", "/NQ", "SPX"]);
        assert_eq!(r.duplicates, 2);
        assert!(r.unscannable.is_empty() && r.excluded.is_empty());
        let r = from_entries("tt:x", &entries, Some(2), |_| false).unwrap();
        assert_eq!(r.symbols, ["AAPL", "/ES"]);
        // Excluded symbols are passed over before the first N are taken.
        let r = from_entries("tt:x", &entries, Some(2), |s| s.starts_with('/')).unwrap();
        assert_eq!(r.symbols, ["AAPL", "BRK/B"]);
        assert_eq!(r.excluded, ["/ES"]);
    }

    #[test]
    fn unscannable_entries_are_reported_in_order_not_dropped() {
        let entries = [
            e(Some("SPY"), Some("Equity")),
            e(Some("BTC/USD"), Some("Cryptocurrency")),
            e(Some("SPY   260116C00500000"), Some("Equity Option")),
            e(None, Some("Equity")),
            e(Some("BTC/USD"), Some("Cryptocurrency")),
            e(Some("not a symbol!"), None),
            e(Some("QQQ"), None),
        ];
        let r = from_entries("tt-public:Mixed", &entries, None, |_| false).unwrap();
        assert_eq!(r.symbols, ["SPY", "QQQ"]);
        assert_eq!(r.duplicates, 1);
        let got: Vec<&str> = r.unscannable.iter().map(|u| u.symbol.as_str()).collect();
        assert_eq!(
            got,
            [
                "BTC/USD",
                "SPY   260116C00500000",
                "entry 4",
                "not a symbol!"
            ]
        );
        assert_eq!(
            r.unscannable[0].error,
            "tt-public:Mixed entry 2: \"BTC/USD\" has instrument type Cryptocurrency, which volscreen cannot scan (it scans equities, ETFs, indices and futures)"
        );
        assert!(r.unscannable[1].error.contains("Equity Option"));
        assert_eq!(
            r.unscannable[2].error,
            "tt-public:Mixed entry 4: has no symbol"
        );
        assert!(
            r.unscannable[3]
                .error
                .starts_with("tt-public:Mixed entry 6: \"not a symbol!\" is not a symbol ("),
            "{}",
            r.unscannable[3].error
        );
        // The first N items count unscannable ones: they are part of the scan.
        let r = from_entries("tt:m", &entries, Some(2), |_| false).unwrap();
        assert_eq!(r.symbols, ["SPY"]);
        assert_eq!(r.unscannable.len(), 1);
        assert!(matches!(
            from_entries("tt:empty", &[], None, |_| false),
            Err(WatchlistError::Empty { .. })
        ));
    }
}
