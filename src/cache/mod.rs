//! The cache: daily candle series and option-chain structure in one SQLite file (rusqlite,
//! bundled), so a second scan of the same day skips DXLink for the candles and REST for the chains
//! of symbols it has seen.
//!
//! - A candle series is keyed by source (`demo` or the API's base URL), candle symbol, as-of date
//!   and `fromTime`. Demo series never go stale (the demo market is deterministic for a date); live
//!   series are used for [`LIVE_MAX_AGE_MS`] only, because today's candle keeps changing.
//! - A chain's structure (expirations, strikes, OCC and streamer symbols: what
//!   [`crate::tastytrade::OptionChain`] holds, never a quote) is keyed by source, the scanned symbol
//!   and the trading day (the demo market's as-of date, or the New York date for the live
//!   service): valid for that day only, so the next trading day fetches it again. Entries are
//!   stored in a compact binary form ([`ChainBlob`], format [`CHAIN_FORMAT`]); an entry of another
//!   format or one that does not decode is ignored (and replaced by the next fetch). Entries
//!   fetched more than [`CHAIN_KEEP_MS`] ago are pruned when new ones are written.
//! - A futures root's active contract ([`FrontMonth`]: what `/instruments/futures` flags
//!   `active-month`, with its streamer symbol) is keyed the same way (source, root, trading day),
//!   so a warm scan prices its futures without asking for the contracts again.
//!
//! The file lives in `$VOLSCREEN_CACHE_DIR`, else `$XDG_CACHE_HOME/volscreen`, else
//! `~/.cache/volscreen`. It is marked as volscreen's (`PRAGMA application_id`, schema version in
//! `user_version`); a file that is not a SQLite database, or is another program's, is moved aside
//! ([`Cache::moved_aside`] says where; the caller warns) and a new cache is started in its place.
//! A table of ours with other columns is dropped and created again. `--no-cache` neither reads nor
//! writes; `--refresh` writes without reading.
//!
//! Laid out by job: `open` makes a file volscreen's cache (marking, schema versions, moving a
//! foreign or damaged file aside), `candles` stores the candle series (and counts or clears the
//! whole file), `chains` the chain structures and futures front months, and `codec` is the chains'
//! binary form. This module holds what they share ([`Cache`], [`Mode`], [`CacheError`], the file's
//! [`default_path`]) and re-exports the public API.

mod candles;
mod chains;
mod codec;
mod open;
#[cfg(test)]
mod testkit;

pub use candles::{CacheStats, Cleared, Entry, LIVE_MAX_AGE_MS};
pub use chains::{ChainBlob, FrontMonth, CHAIN_FORMAT, CHAIN_KEEP_MS};
pub use open::{MovedAside, APPLICATION_ID, SCHEMA_VERSION};

use rusqlite::Connection;
use std::path::PathBuf;

/// How a scan uses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read and write.
    Use,
    /// Write only (fetch everything again).
    Refresh,
    /// Neither.
    Off,
}

/// A cache problem.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt cache entry for {0}")]
    Corrupt(String),
    /// The file is not a volscreen cache (only seen inside [`Cache::open`], which moves it aside).
    #[error("not a volscreen cache: {0}")]
    Foreign(String),
}

/// Where the cache file lives.
pub fn default_path() -> PathBuf {
    let dir = std::env::var_os("VOLSCREEN_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("volscreen")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/volscreen")))
        .unwrap_or_else(|| std::env::temp_dir().join("volscreen"));
    dir.join("candles.sqlite3")
}

/// An open cache.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    moved_aside: Option<MovedAside>,
}
