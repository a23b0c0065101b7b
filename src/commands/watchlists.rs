//! `volscreen watchlists`: the lists `screen --watchlist` can read from tastytrade: the user's
//! private watchlists (`tt:NAME`, `GET /watchlists`) and tastytrade's public ones
//! (`tt-public:NAME`, `GET /public-watchlists?counts-only=true`), each with its kind, name, number
//! of entries and group; a table, or one JSON document with `--json`.
//!
//! Rules:
//! - Flags are checked first (exit 2, nothing fetched); the config is read and the source is
//!   chosen as for `screen` (`--config FILE`, else the user config; without credentials, the demo
//!   market in-process with a notice on stderr). The client takes the config's `[rest]` settings.
//! - Both kinds are fetched concurrently after one authentication. A kind that cannot be had is
//!   one line on stderr (and an `errors` entry in the JSON) and exit 1; the other is still printed.
//!   Failing authentication is exit 1 with one line and nothing on stdout.
//! - Unknown values (a count the service did not send, a list without a group) are `-` in the
//!   table and `null` in JSON, never 0.

use super::plan::{choose_source, demo_by_default, load_config, parse_as_of};
use super::{block_on, usage_error};
use crate::cli::WatchlistsArgs;
use crate::config::RestConfig;
use crate::date::Date;
use crate::pipeline::{source, Source};
use crate::tastytrade::{AccountWatchlist, ApiError, ClientConfig, ListKind, TastytradeClient};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// The JSON document.
#[derive(Debug, Serialize)]
struct Listing {
    /// `demo` or `tastytrade`.
    source: &'static str,
    /// Private lists first, then public ones, each in the service's order.
    watchlists: Vec<Row>,
    /// A kind that could not be listed, and why.
    errors: Vec<KindError>,
}

#[derive(Debug, Serialize)]
struct Row {
    kind: ListKind,
    name: String,
    /// What to pass to `--watchlist`: `tt:NAME` or `tt-public:NAME`.
    watchlist: String,
    /// Number of entries; `null` when the service did not say.
    entries: Option<usize>,
    group: Option<String>,
    order_index: Option<i64>,
}

#[derive(Debug, Serialize)]
struct KindError {
    kind: ListKind,
    error: String,
}

impl Row {
    fn of(w: &AccountWatchlist) -> Row {
        Row {
            kind: w.kind,
            name: w.name.clone(),
            watchlist: w.label(),
            entries: w.count(),
            group: w.group_name.clone(),
            order_index: w.order_index,
        }
    }
}

/// `volscreen watchlists`.
pub fn watchlists(args: &WatchlistsArgs) -> ExitCode {
    let chosen = load_config(args.config.as_deref()).and_then(|config| {
        let source = choose_source(&args.source)?;
        let as_of = parse_as_of(args.source.as_of.as_deref())?;
        Ok((config, source, as_of))
    });
    let (config, source, as_of) = match chosen {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    if demo_by_default(&source, &args.source) && !args.quiet {
        say!(
            "volscreen: no tastytrade credentials (TASTYTRADE_REFRESH_TOKEN); listing the demo market's watchlists"
        );
    }
    let fetched = match block_on(fetch(&source, as_of, &config.rest)) {
        Ok(fetched) => fetched,
        Err(code) => return code,
    };
    let (private, public) = match fetched {
        Ok(lists) => lists,
        Err(msg) => {
            say!("volscreen: cannot list the watchlists: {msg}");
            return ExitCode::from(1);
        }
    };
    let mut listing = Listing {
        source: source.name(),
        watchlists: Vec::new(),
        errors: Vec::new(),
    };
    for (kind, result) in [(ListKind::Private, private), (ListKind::Public, public)] {
        match result {
            Ok(lists) => listing.watchlists.extend(lists.iter().map(Row::of)),
            Err(e) => {
                say!("volscreen: cannot list the {kind} watchlists: {e}");
                listing.errors.push(KindError {
                    kind,
                    error: e.to_string(),
                });
            }
        }
    }
    let text = if args.json {
        match serde_json::to_string_pretty(&listing) {
            Ok(t) => t + "\n",
            Err(e) => {
                say!("volscreen: cannot write the output: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        table(&listing.watchlists)
    };
    if !args.json && !args.quiet {
        if let Some(first) = listing.watchlists.first() {
            say!(
                "scan one with: volscreen screen --watchlist {}",
                shell_quote(&first.watchlist)
            );
        }
    }
    let code = super::print(text.as_bytes());
    if code == ExitCode::SUCCESS && !listing.errors.is_empty() {
        return ExitCode::from(1);
    }
    code
}

type Lists = Result<Vec<AccountWatchlist>, ApiError>;

/// Start the source, authenticate (with the config's `[rest]` client settings), and list both
/// kinds concurrently.
async fn fetch(source: &Source, as_of: Date, rest: &RestConfig) -> Result<(Lists, Lists), String> {
    let connected = source::connect(source, as_of)
        .await
        .map_err(|e| format!("cannot start the {} source: {e}", source.name()))?;
    let cc = ClientConfig::from_rest(
        rest,
        connected.base_url.clone(),
        connected.client_secret.clone(),
        connected.refresh_token.clone(),
    );
    let client = TastytradeClient::new(cc).map_err(|e| e.to_string())?;
    client
        .authenticate()
        .await
        .map_err(|e| format!("authentication failed: {e}"))?;
    let lists = tokio::join!(
        client.watchlists(ListKind::Private),
        client.watchlists(ListKind::Public)
    );
    drop(connected);
    Ok(lists)
}

/// The table: `KIND  ENTRIES  GROUP  WATCHLIST`, the last column what `--watchlist` takes.
fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.kind.to_string(),
                r.entries.map_or_else(|| "-".to_string(), |n| n.to_string()),
                r.group.clone().unwrap_or_else(|| "-".to_string()),
                r.watchlist.clone(),
            ]
        })
        .collect();
    let header = ["KIND", "ENTRIES", "GROUP", "WATCHLIST"];
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let line = |c: [&str; 4]| format!("{:<w0$}  {:>w1$}  {:<w2$}  {}\n", c[0], c[1], c[2], c[3]);
    let mut out = line(header);
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3]]));
    }
    out
}

/// `text` quoted for a POSIX shell when it holds anything but safe characters.
fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.,:/+=@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: ListKind, name: &str, entries: Option<usize>, group: Option<&str>) -> Row {
        Row {
            kind,
            name: name.into(),
            watchlist: kind.label(name),
            entries,
            group: group.map(str::to_string),
            order_index: None,
        }
    }

    #[test]
    fn the_table_aligns_and_shows_unknowns_as_dashes() {
        let t = table(&[
            row(ListKind::Private, "My Watchlist", Some(12), Some("default")),
            row(ListKind::Public, "Futures", None, None),
        ]);
        assert_eq!(
            t,
            "KIND     ENTRIES  GROUP    WATCHLIST\n\
             private       12  default  tt:My Watchlist\n\
             public         -  -        tt-public:Futures\n"
        );
    }

    #[test]
    fn names_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("tt:Futures"), "tt:Futures");
        assert_eq!(shell_quote("tt:My Watchlist"), "'tt:My Watchlist'");
        assert_eq!(shell_quote("tt:it's"), r"'tt:it'\''s'");
    }
}
