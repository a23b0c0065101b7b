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

mod codec;

use crate::candle::Candle;
use crate::date::Date;
use crate::tastytrade::OptionChain;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

/// How long a live (non-demo) series stays usable.
pub const LIVE_MAX_AGE_MS: i64 = 30 * 60 * 1000;

/// Chain entries fetched longer ago than this are deleted when new ones are stored (a chain is
/// only ever used on its own day; this keeps the file from growing without bound).
pub const CHAIN_KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The encoding of stored chains (the `format` column); entries of another format are ignored.
pub const CHAIN_FORMAT: i64 = codec::FORMAT as i64;

/// `PRAGMA application_id` of a volscreen cache (`"vols"`).
pub const APPLICATION_ID: i32 = 0x766f_6c73;

/// `PRAGMA user_version` of this schema (1 was the candle table alone, unmarked).
pub const SCHEMA_VERSION: i32 = 2;

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

/// Counts for `volscreen cache stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStats {
    pub series: u64,
    pub candles: u64,
    /// Option chains (structure only), all days.
    pub chains: u64,
    /// Futures roots' active contracts, all days.
    pub fronts: u64,
    pub bytes: u64,
}

/// What [`Cache::clear`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleared {
    pub series: u64,
    pub chains: u64,
    pub fronts: u64,
}

/// A futures root's active (front-month) contract, as `/instruments/futures` flagged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMonth {
    /// `/ESZ6`.
    pub symbol: String,
    /// `/ESZ26:XCME`.
    pub streamer_symbol: Option<String>,
}

/// One cached series.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub candles: Vec<Candle>,
    pub truncated: bool,
}

/// An option chain's structure in its stored form: compact (about a fifth of the JSON it came
/// from), so that a scan can hold the chains it read or fetched without holding the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBlob(Vec<u8>);

impl ChainBlob {
    /// The stored form of `chain`.
    pub fn encode(chain: &OptionChain) -> ChainBlob {
        ChainBlob(codec::encode(chain))
    }

    /// The chain again; `None` when the bytes are not a chain of [`CHAIN_FORMAT`] (corrupt).
    pub fn decode(&self) -> Option<OptionChain> {
        codec::decode(&self.0)
    }

    /// Bytes as stored, whatever they hold (for tests of corrupt entries).
    pub fn from_bytes(bytes: Vec<u8>) -> ChainBlob {
        ChainBlob(bytes)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A file that was not a volscreen cache, moved aside by [`Cache::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    /// Where the file was (the cache path).
    pub from: PathBuf,
    /// Where it is now.
    pub to: PathBuf,
    /// What was wrong with it.
    pub why: String,
}

impl std::fmt::Display for MovedAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not a volscreen cache ({}); moved it aside to {} and started a new cache",
            self.from.display(),
            self.why,
            self.to.display()
        )
    }
}

/// The tables of the schema and their columns.
const SERIES_COLUMNS: &[&str] = &[
    "source",
    "symbol",
    "as_of",
    "from_time",
    "fetched_at",
    "truncated",
    "count",
    "data",
];
const CHAINS_COLUMNS: &[&str] = &["source", "symbol", "day", "format", "fetched_at", "data"];
const FRONTS_COLUMNS: &[&str] = &["source", "root", "day", "fetched_at", "symbol", "streamer"];
/// Our tables.
const TABLES: [(&str, &[&str]); 3] = [
    ("series", SERIES_COLUMNS),
    ("chains", CHAINS_COLUMNS),
    ("fronts", FRONTS_COLUMNS),
];
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS series (
         source TEXT NOT NULL,
         symbol TEXT NOT NULL,
         as_of TEXT NOT NULL,
         from_time INTEGER NOT NULL,
         fetched_at INTEGER NOT NULL,
         truncated INTEGER NOT NULL,
         count INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY (source, symbol, as_of, from_time)
     );
     CREATE TABLE IF NOT EXISTS chains (
         source TEXT NOT NULL,
         symbol TEXT NOT NULL,
         day TEXT NOT NULL,
         format INTEGER NOT NULL,
         fetched_at INTEGER NOT NULL,
         data BLOB NOT NULL,
         PRIMARY KEY (source, symbol, day)
     );
     CREATE TABLE IF NOT EXISTS fronts (
         source TEXT NOT NULL,
         root TEXT NOT NULL,
         day TEXT NOT NULL,
         fetched_at INTEGER NOT NULL,
         symbol TEXT NOT NULL,
         streamer TEXT,
         PRIMARY KEY (source, root, day)
     );";

/// An open cache.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    moved_aside: Option<MovedAside>,
}

impl Cache {
    /// Open (creating the file and directory if needed). A file that is not a volscreen cache is
    /// moved aside (see [`Cache::moved_aside`]) and a new cache created in its place.
    pub fn open(path: &Path) -> Result<Cache, CacheError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match Cache::open_checked(path) {
            Err(CacheError::Foreign(why)) => {
                let to = move_aside(path)?;
                let mut cache = Cache::open_checked(path)?;
                cache.moved_aside = Some(MovedAside {
                    from: path.to_path_buf(),
                    to,
                    why,
                });
                Ok(cache)
            }
            other => other,
        }
    }

    /// Open `path` if it is a volscreen cache (or empty, or an older unmarked one: adopted);
    /// `Err(Foreign)` if it is not.
    fn open_checked(path: &Path) -> Result<Cache, CacheError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(foreign_if_not_a_database)?;
        let tables: Vec<String> = (|| {
            let mut stmt = conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )?;
            let names = stmt.query_map([], |r| r.get(0))?;
            names.collect::<Result<Vec<String>, _>>()
        })()
        .map_err(foreign_if_not_a_database)?;
        let ours = app_id == APPLICATION_ID;
        if !ours {
            if app_id != 0 {
                return Err(CacheError::Foreign(format!(
                    "a SQLite database of another application (application_id {app_id:#x})"
                )));
            }
            if let Some(t) = tables
                .iter()
                .find(|t| !TABLES.iter().any(|(ours, _)| ours == t))
            {
                return Err(CacheError::Foreign(format!(
                    "a SQLite database with a table {t:?} volscreen does not use"
                )));
            }
        }
        let mut complete = ours;
        for (table, want) in TABLES {
            if !tables.iter().any(|t| t == table) {
                complete = false;
                continue;
            }
            let mut have: Vec<String> = {
                let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
                let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
                names.collect::<Result<_, _>>()?
            };
            have.sort();
            let mut want: Vec<&str> = want.to_vec();
            want.sort_unstable();
            if have != want {
                if !ours {
                    return Err(CacheError::Foreign(format!(
                        "a table {table:?} with columns volscreen does not use"
                    )));
                }
                // Our own file from another schema: the table is a cache, start it again.
                conn.execute_batch(&format!("DROP TABLE {table};"))?;
                complete = false;
            }
        }
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        // A cache that is already complete is opened without writing anything, so that a scan
        // never waits here for another one that is writing.
        conn.execute_batch("PRAGMA journal_mode=WAL;")?;
        if !complete || version != SCHEMA_VERSION {
            conn.execute_batch(&format!(
                "{SCHEMA}
                 PRAGMA application_id = {APPLICATION_ID};
                 PRAGMA user_version = {SCHEMA_VERSION};"
            ))?;
        }
        Ok(Cache {
            conn,
            path: path.to_path_buf(),
            moved_aside: None,
        })
    }

    /// The file [`Cache::open`] found at the cache's path and moved aside because it was not a
    /// volscreen cache, if it did (the caller warns, naming both paths).
    pub fn moved_aside(&self) -> Option<&MovedAside> {
        self.moved_aside.as_ref()
    }

    /// Where the cache file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// A cached series, if present and fresh (`max_age_ms` of `None`: never stale).
    pub fn get(
        &self,
        source: &str,
        symbol: &str,
        as_of: Date,
        from_time: i64,
        max_age_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<Option<Entry>, CacheError> {
        let row: Option<(i64, i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT fetched_at, truncated, data FROM series
                 WHERE source = ?1 AND symbol = ?2 AND as_of = ?3 AND from_time = ?4",
                params![source, symbol, as_of.to_string(), from_time],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((fetched_at, truncated, data)) = row else {
            return Ok(None);
        };
        if max_age_ms.is_some_and(|age| now_ms - fetched_at > age) {
            return Ok(None);
        }
        let candles = decode(&data).ok_or_else(|| CacheError::Corrupt(symbol.to_string()))?;
        Ok(Some(Entry {
            candles,
            truncated: truncated != 0,
        }))
    }

    /// Store series (one transaction).
    pub fn put_many(
        &mut self,
        source: &str,
        as_of: Date,
        from_time: i64,
        now_ms: i64,
        series: &[(String, Entry)],
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO series
                 (source, symbol, as_of, from_time, fetched_at, truncated, count, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let as_of = as_of.to_string();
            for (symbol, e) in series {
                stmt.execute(params![
                    source,
                    symbol,
                    as_of,
                    from_time,
                    now_ms,
                    e.truncated as i64,
                    e.candles.len() as i64,
                    encode(&e.candles)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored chains of `source` for trading day `day`, by symbol, in their stored form.
    /// Entries of another [`CHAIN_FORMAT`] are left out (they count as absent and are replaced
    /// when fetched again); whether an entry decodes is the caller's to find out
    /// ([`ChainBlob::decode`]), so that only the chains a scan needs are decoded.
    pub fn chains(
        &self,
        source: &str,
        day: Date,
    ) -> Result<HashMap<String, ChainBlob>, CacheError> {
        let mut stmt = self
            .conn
            .prepare("SELECT symbol, format, data FROM chains WHERE source = ?1 AND day = ?2")?;
        let rows = stmt.query_map(params![source, day.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (symbol, format, data) = row?;
            if format == CHAIN_FORMAT {
                out.insert(symbol, ChainBlob(data));
            }
        }
        Ok(out)
    }

    /// One stored chain, decoded: `Ok(None)` when absent or of another format, `Corrupt` when it
    /// does not decode.
    pub fn chain(
        &self,
        source: &str,
        symbol: &str,
        day: Date,
    ) -> Result<Option<OptionChain>, CacheError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT format, data FROM chains WHERE source = ?1 AND symbol = ?2 AND day = ?3",
                params![source, symbol, day.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((format, data)) if format == CHAIN_FORMAT => codec::decode(&data)
                .map(Some)
                .ok_or_else(|| CacheError::Corrupt(symbol.to_string())),
            _ => Ok(None),
        }
    }

    /// Store chains of trading day `day` (one transaction, replacing what was there), and delete
    /// entries fetched more than [`CHAIN_KEEP_MS`] before `now_ms`. The caller stores only chains
    /// that were fetched, complete and plausible.
    pub fn put_chains(
        &mut self,
        source: &str,
        day: Date,
        now_ms: i64,
        chains: &[(String, ChainBlob)],
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO chains (source, symbol, day, format, fetched_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let day = day.to_string();
            for (symbol, blob) in chains {
                stmt.execute(params![source, symbol, day, CHAIN_FORMAT, now_ms, blob.0])?;
            }
            tx.execute(
                "DELETE FROM chains WHERE fetched_at < ?1",
                params![now_ms - CHAIN_KEEP_MS],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn stats(&self) -> Result<CacheStats, CacheError> {
        let (series, candles): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM series",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let count = |table: &str| -> Result<u64, rusqlite::Error> {
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
        };
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(CacheStats {
            series: series as u64,
            candles: candles as u64,
            chains: count("chains")?,
            fronts: count("fronts")?,
            bytes,
        })
    }

    /// Delete everything; says how much was removed.
    pub fn clear(&self) -> Result<Cleared, CacheError> {
        let series = self.conn.execute("DELETE FROM series", [])? as u64;
        let chains = self.conn.execute("DELETE FROM chains", [])? as u64;
        let fronts = self.conn.execute("DELETE FROM fronts", [])? as u64;
        self.conn.execute_batch("VACUUM;")?;
        Ok(Cleared {
            series,
            chains,
            fronts,
        })
    }

    /// The stored active contracts of `source`'s futures roots for trading day `day`, by root.
    pub fn fronts(
        &self,
        source: &str,
        day: Date,
    ) -> Result<HashMap<String, FrontMonth>, CacheError> {
        let mut stmt = self
            .conn
            .prepare("SELECT root, symbol, streamer FROM fronts WHERE source = ?1 AND day = ?2")?;
        let rows = stmt.query_map(params![source, day.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                FrontMonth {
                    symbol: r.get(1)?,
                    streamer_symbol: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Store active contracts of trading day `day` (replacing what was there), and delete entries
    /// fetched more than [`CHAIN_KEEP_MS`] before `now_ms`.
    pub fn put_fronts(
        &mut self,
        source: &str,
        day: Date,
        now_ms: i64,
        fronts: &[(String, FrontMonth)],
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO fronts (source, root, day, fetched_at, symbol, streamer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let day = day.to_string();
            for (root, f) in fronts {
                stmt.execute(params![
                    source,
                    root,
                    day,
                    now_ms,
                    f.symbol,
                    f.streamer_symbol
                ])?;
            }
            tx.execute(
                "DELETE FROM fronts WHERE fetched_at < ?1",
                params![now_ms - CHAIN_KEEP_MS],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// `Foreign` for the errors that say the file is no SQLite database (or a damaged one); any other
/// error (a busy or unreadable file) as it is, so that a cache in use is never moved aside.
fn foreign_if_not_a_database(e: rusqlite::Error) -> CacheError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            CacheError::Foreign("not a SQLite database".to_string())
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            CacheError::Foreign("a damaged SQLite database".to_string())
        }
        _ => CacheError::Sqlite(e),
    }
}

/// Rename `path` (and its `-wal`/`-shm` companions, if any) to `PATH.foreign-MS`; returns the new
/// path.
fn move_aside(path: &Path) -> Result<PathBuf, CacheError> {
    let mut to = path.as_os_str().to_owned();
    to.push(format!(".foreign-{}", crate::date::now_ms()));
    let to = PathBuf::from(to);
    std::fs::rename(path, &to)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut dest = to.as_os_str().to_owned();
            dest.push(suffix);
            let _ = std::fs::rename(&side, PathBuf::from(dest));
        }
    }
    Ok(to)
}

/// Six little-endian f64 words per candle (time as f64 is exact for epoch ms).
fn encode(candles: &[Candle]) -> Vec<u8> {
    let mut out = Vec::with_capacity(candles.len() * 48);
    for c in candles {
        for v in [c.time as f64, c.open, c.high, c.low, c.close, c.volume] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn decode(data: &[u8]) -> Option<Vec<Candle>> {
    if data.len() % 48 != 0 {
        return None;
    }
    let word = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    Some(
        data.chunks_exact(48)
            .map(|c| Candle {
                time: word(&c[0..8]) as i64,
                open: word(&c[8..16]),
                high: word(&c[16..24]),
                low: word(&c[24..32]),
                close: word(&c[32..40]),
                volume: word(&c[40..48]),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_expires() {
        let dir = std::env::temp_dir().join(format!("volscreen-cache-test-{}", std::process::id()));
        let path = dir.join("c.sqlite3");
        let _ = std::fs::remove_file(&path);
        let mut c = Cache::open(&path).unwrap();
        let d: Date = "2026-11-20".parse().unwrap();
        let candles = vec![Candle {
            time: d.epoch_ms(),
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 1e6,
        }];
        let e = Entry {
            candles: candles.clone(),
            truncated: false,
        };
        c.put_many("demo", d, 7, 1000, &[("AAPL{=1d}".into(), e.clone())])
            .unwrap();
        assert_eq!(
            c.get("demo", "AAPL{=1d}", d, 7, None, 5000).unwrap(),
            Some(e)
        );
        assert_eq!(c.get("demo", "AAPL{=1d}", d, 8, None, 5000).unwrap(), None);
        assert_eq!(c.get("live", "AAPL{=1d}", d, 7, None, 5000).unwrap(), None);
        assert_eq!(
            c.get("demo", "AAPL{=1d}", d, 7, Some(100), 5000).unwrap(),
            None
        );
        assert_eq!(c.stats().unwrap().series, 1);
        assert_eq!(c.clear().unwrap().series, 1);
        assert_eq!(c.stats().unwrap().candles, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    use crate::tastytrade::{ChainKind, Expiration, FutureContract, Strike};

    /// A fresh directory for one test, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let p = std::env::temp_dir()
                .join(format!("volscreen-cache-unit-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }

        fn file(&self) -> PathBuf {
            self.0.join("candles.sqlite3")
        }

        /// Every file in the directory but the cache and its companions.
        fn others(&self) -> Vec<PathBuf> {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    !name.starts_with("candles.sqlite3")
                        || name.starts_with("candles.sqlite3.foreign-")
                })
                .collect();
            v.sort();
            v
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn strike(root: &str, exp: &str, price: f64) -> Strike {
        let k = format!("{:08}", (price * 1000.0) as i64);
        Strike {
            price,
            call: Some(format!("{root:<6}{exp}C{k}")),
            call_streamer: Some(format!(".{root}{exp}C{price}")),
            put: Some(format!("{root:<6}{exp}P{k}")),
            put_streamer: Some(format!(".{root}{exp}P{price}")),
        }
    }

    /// An equity chain with two roots' worth of expirations, odd fields and a one-sided strike.
    fn equity_chain() -> OptionChain {
        let mut weekly = Expiration {
            date: day("2026-12-24"),
            dte: Some(34),
            expiration_type: Some("Weekly".into()),
            settlement: Some("PM".into()),
            root_symbol: Some("SPXW".into()),
            option_root_symbol: None,
            chain_type: Some("Standard".into()),
            shares_per_contract: Some(100.0),
            underlying_symbol: Some("SPX".into()),
            strikes: (0..40)
                .map(|k| strike("SPXW", "261224", 5000.0 + 5.0 * k as f64))
                .collect(),
        };
        weekly.strikes[3].put = None;
        weekly.strikes[3].put_streamer = None;
        let monthly = Expiration {
            date: day("2027-01-15"),
            dte: None,
            expiration_type: Some("Regular".into()),
            settlement: Some("AM".into()),
            root_symbol: Some("SPX".into()),
            option_root_symbol: None,
            chain_type: None,
            shares_per_contract: None,
            underlying_symbol: Some("SPX".into()),
            strikes: (0..25)
                .map(|k| strike("SPX", "270115", 4900.0 + 12.5 * k as f64))
                .collect(),
        };
        OptionChain {
            symbol: "SPX".into(),
            kind: ChainKind::Equity,
            underlying: Some("SPX".into()),
            expirations: vec![weekly, monthly],
            futures: Vec::new(),
        }
    }

    /// A futures chain with its contracts (and text beyond ASCII where a server may send it).
    fn futures_chain() -> OptionChain {
        let exp = Expiration {
            date: day("2026-12-18"),
            dte: Some(-2),
            expiration_type: Some("Quarterly".into()),
            settlement: None,
            root_symbol: Some("/ES".into()),
            option_root_symbol: Some("ES".into()),
            chain_type: None,
            shares_per_contract: Some(50.0),
            underlying_symbol: Some("/ESZ6".into()),
            strikes: vec![
                Strike {
                    price: 6000.0,
                    call: Some("./ESZ6 ESZ6 261218C6000".into()),
                    call_streamer: Some("./ESZ26C6000:XCME".into()),
                    put: Some("./ESZ6 ESZ6 261218P6000".into()),
                    put_streamer: Some("./ESZ26P6000:XCME".into()),
                },
                Strike {
                    price: 6005.25,
                    call: Some("./ESZ6 ESZ6 261218C6005.25é".into()),
                    call_streamer: Some("./ESZ26C6005.25é:XCME".into()),
                    put: Some("./ESZ6 ESZ6 261218P6005.25è".into()),
                    put_streamer: None,
                },
            ],
        };
        OptionChain {
            symbol: "ES".into(),
            kind: ChainKind::Future,
            underlying: None,
            expirations: vec![exp],
            futures: vec![FutureContract {
                symbol: "/ESZ6".into(),
                product_code: Some("ES".into()),
                root_symbol: Some("/ES".into()),
                streamer_symbol: Some("/ESZ26:XCME".into()),
                expiration_date: Some(day("2026-12-18")),
                last_trade_date: None,
                days_to_expiration: Some(28),
                active_month: Some(true),
                next_active_month: Some(false),
                active: None,
                is_tradeable: Some(true),
                is_closing_only: Some(false),
                exchange: Some("CME".into()),
                description: Some("E-mini S&P 500 – Dezember".into()),
            }],
        }
    }

    #[test]
    fn chains_round_trip_exactly_and_compactly() {
        for chain in [equity_chain(), futures_chain()] {
            let blob = ChainBlob::encode(&chain);
            assert_eq!(blob.decode().as_ref(), Some(&chain));
        }
        // A fraction of the JSON it stands for (the wire JSON is larger still).
        let chain = equity_chain();
        let json = serde_json::to_vec(&chain).unwrap();
        let blob = ChainBlob::encode(&chain);
        assert!(
            blob.len() * 4 < json.len(),
            "{} bytes stored for {} bytes of JSON",
            blob.len(),
            json.len()
        );
    }

    #[test]
    fn corrupt_entries_decode_to_none_and_never_panic() {
        let good = codec::encode(&futures_chain());
        // Every truncation, and anything after the end.
        for n in 0..good.len() {
            assert_eq!(codec::decode(&good[..n]), None, "truncated at {n}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(codec::decode(&longer), None, "trailing byte");
        // Another format, another magic.
        let mut other = good.clone();
        other[2] = codec::FORMAT + 1;
        assert_eq!(codec::decode(&other), None);
        assert_eq!(codec::decode(b"{\"data\":{}}"), None);
        // A count far beyond the bytes left asks for no allocation.
        let mut huge = good[..3].to_vec();
        huge.extend_from_slice(&[1, b'X', 0, 0]);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(codec::decode(&huge), None);
        // Any single byte changed: no panic (the result is whatever it decodes to).
        for i in 0..good.len() {
            for v in [0u8, 1, 2, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = codec::decode(&bad);
            }
        }
    }

    #[test]
    fn chains_are_kept_per_source_symbol_and_trading_day() {
        let dir = Dir::new("keys");
        let mut c = Cache::open(&dir.file()).unwrap();
        let (d, next) = (day("2026-11-20"), day("2026-11-23"));
        let spx = ChainBlob::encode(&equity_chain());
        let es = ChainBlob::encode(&futures_chain());
        c.put_chains(
            "demo",
            d,
            1_000,
            &[("SPX".into(), spx.clone()), ("/ES".into(), es.clone())],
        )
        .unwrap();
        assert_eq!(c.chain("demo", "SPX", d).unwrap(), Some(equity_chain()));
        assert_eq!(c.chain("demo", "/ES", d).unwrap(), Some(futures_chain()));
        // The next trading day, another source, another symbol: nothing.
        assert_eq!(c.chain("demo", "SPX", next).unwrap(), None);
        assert_eq!(c.chain("https://api.example", "SPX", d).unwrap(), None);
        assert_eq!(c.chain("demo", "SPY", d).unwrap(), None);
        assert!(c.chains("demo", next).unwrap().is_empty());
        let all = c.chains("demo", d).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all["SPX"], spx);
        assert_eq!(all["/ES"], es);
        assert_eq!(c.stats().unwrap().chains, 2);
        // Stored again: replaced, not added.
        c.put_chains("demo", d, 2_000, &[("SPX".into(), spx)])
            .unwrap();
        assert_eq!(c.stats().unwrap().chains, 2);
        assert_eq!(
            c.clear().unwrap(),
            Cleared {
                series: 0,
                chains: 2,
                fronts: 0
            }
        );
        assert_eq!(c.stats().unwrap().chains, 0);
    }

    #[test]
    fn a_corrupt_or_foreign_format_entry_is_ignored_and_replaced() {
        let dir = Dir::new("corrupt");
        let mut c = Cache::open(&dir.file()).unwrap();
        let d = day("2026-11-20");
        let spx = ChainBlob::encode(&equity_chain());
        c.put_chains("demo", d, 1_000, &[("SPX".into(), spx.clone())])
            .unwrap();
        // Bytes that are no chain: listed (the reader decodes what it needs), refused by decode.
        c.put_chains(
            "demo",
            d,
            1_000,
            &[("SPX".into(), ChainBlob::from_bytes(b"garbage".to_vec()))],
        )
        .unwrap();
        assert!(matches!(
            c.chain("demo", "SPX", d),
            Err(CacheError::Corrupt(s)) if s == "SPX"
        ));
        assert_eq!(c.chains("demo", d).unwrap()["SPX"].decode(), None);
        // The fetch that follows replaces it.
        c.put_chains("demo", d, 2_000, &[("SPX".into(), spx.clone())])
            .unwrap();
        assert_eq!(c.chain("demo", "SPX", d).unwrap(), Some(equity_chain()));
        // An entry of another format is absent.
        c.conn
            .execute("UPDATE chains SET format = format + 1", [])
            .unwrap();
        assert_eq!(c.chain("demo", "SPX", d).unwrap(), None);
        assert!(c.chains("demo", d).unwrap().is_empty());
        c.put_chains("demo", d, 3_000, &[("SPX".into(), spx)])
            .unwrap();
        assert_eq!(c.chain("demo", "SPX", d).unwrap(), Some(equity_chain()));
    }

    #[test]
    fn chains_fetched_long_ago_are_pruned() {
        let dir = Dir::new("prune");
        let mut c = Cache::open(&dir.file()).unwrap();
        let blob = ChainBlob::encode(&futures_chain());
        c.put_chains(
            "demo",
            day("2026-11-01"),
            0,
            &[("/ES".into(), blob.clone())],
        )
        .unwrap();
        c.put_chains(
            "demo",
            day("2026-11-20"),
            CHAIN_KEEP_MS + 1,
            &[("/NQ".into(), blob)],
        )
        .unwrap();
        assert_eq!(c.stats().unwrap().chains, 1);
        assert!(c.chains("demo", day("2026-11-01")).unwrap().is_empty());
    }

    /// A file that is no volscreen cache is moved aside, byte for byte, and a cache replaces it.
    fn assert_moved_aside(dir: &Dir, original: &[u8], why: &str) {
        let c = Cache::open(&dir.file()).unwrap();
        let m = c.moved_aside().expect("moved aside").clone();
        assert_eq!(m.from, dir.file());
        assert!(m.why.contains(why), "{}", m.why);
        assert_eq!(std::fs::read(&m.to).unwrap(), original);
        assert_eq!(dir.others(), vec![m.to.clone()]);
        let text = m.to_string();
        assert!(text.contains(&*dir.file().to_string_lossy()), "{text}");
        assert!(text.contains(&*m.to.to_string_lossy()), "{text}");
        // The new cache works, and is not moved again.
        let mut c = c;
        c.put_chains(
            "demo",
            day("2026-11-20"),
            1,
            &[("SPX".into(), ChainBlob::encode(&equity_chain()))],
        )
        .unwrap();
        drop(c);
        let again = Cache::open(&dir.file()).unwrap();
        assert!(again.moved_aside().is_none());
        assert_eq!(again.stats().unwrap().chains, 1);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_moved_aside() {
        let dir = Dir::new("garbage");
        let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(dir.file(), &garbage).unwrap();
        assert_moved_aside(&dir, &garbage, "not a SQLite database");
        let dir = Dir::new("text");
        std::fs::write(dir.file(), b"symbol\nAAPL\n").unwrap();
        assert_moved_aside(&dir, b"symbol\nAAPL\n", "not a SQLite database");
    }

    #[test]
    fn another_programs_database_is_moved_aside() {
        let dir = Dir::new("foreign-table");
        {
            let conn = Connection::open(dir.file()).unwrap();
            conn.execute_batch("CREATE TABLE accounts (id INTEGER, name TEXT);")
                .unwrap();
        }
        let bytes = std::fs::read(dir.file()).unwrap();
        assert_moved_aside(&dir, &bytes, "\"accounts\"");

        let dir = Dir::new("foreign-app");
        {
            let conn = Connection::open(dir.file()).unwrap();
            conn.execute_batch("PRAGMA application_id = 1234; CREATE TABLE series (x INTEGER);")
                .unwrap();
        }
        let bytes = std::fs::read(dir.file()).unwrap();
        assert_moved_aside(&dir, &bytes, "another application");

        let dir = Dir::new("foreign-columns");
        {
            let conn = Connection::open(dir.file()).unwrap();
            conn.execute_batch("CREATE TABLE series (id INTEGER, payload BLOB);")
                .unwrap();
        }
        let bytes = std::fs::read(dir.file()).unwrap();
        assert_moved_aside(&dir, &bytes, "columns");
    }

    #[test]
    fn an_older_candle_cache_is_adopted_and_our_tables_are_repaired() {
        let dir = Dir::new("adopt");
        let d = day("2026-11-20");
        {
            // What the first version wrote: the candle table only, unmarked.
            let conn = Connection::open(dir.file()).unwrap();
            conn.execute_batch(
                "CREATE TABLE series (source TEXT NOT NULL, symbol TEXT NOT NULL,
                     as_of TEXT NOT NULL, from_time INTEGER NOT NULL,
                     fetched_at INTEGER NOT NULL, truncated INTEGER NOT NULL,
                     count INTEGER NOT NULL, data BLOB NOT NULL,
                     PRIMARY KEY (source, symbol, as_of, from_time));",
            )
            .unwrap();
        }
        let mut c = Cache::open(&dir.file()).unwrap();
        assert!(c.moved_aside().is_none());
        let e = Entry {
            candles: vec![Candle {
                time: d.epoch_ms(),
                open: 1.0,
                high: 1.0,
                low: 1.0,
                close: 1.0,
                volume: 0.0,
            }],
            truncated: false,
        };
        c.put_many("demo", d, 1, 1, &[("X{=1d}".into(), e.clone())])
            .unwrap();
        let (app, version): (i32, i32) = c
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .and_then(|a| {
                c.conn
                    .query_row("PRAGMA user_version", [], |r| r.get(0))
                    .map(|v| (a, v))
            })
            .unwrap();
        assert_eq!((app, version), (APPLICATION_ID, SCHEMA_VERSION));
        // Our own file with a chains table of other columns: the table starts again, the
        // candles stay.
        c.conn
            .execute_batch("DROP TABLE chains; CREATE TABLE chains (symbol TEXT, blob BLOB);")
            .unwrap();
        drop(c);
        let mut c = Cache::open(&dir.file()).unwrap();
        assert!(c.moved_aside().is_none());
        assert_eq!(c.get("demo", "X{=1d}", d, 1, None, 1).unwrap(), Some(e));
        c.put_chains(
            "demo",
            d,
            1,
            &[("SPX".into(), ChainBlob::encode(&equity_chain()))],
        )
        .unwrap();
        assert_eq!(c.chain("demo", "SPX", d).unwrap(), Some(equity_chain()));
        // An empty file is a new cache, not a foreign one.
        let empty = Dir::new("empty");
        std::fs::write(empty.file(), b"").unwrap();
        let c = Cache::open(&empty.file()).unwrap();
        assert!(c.moved_aside().is_none());
        assert!(empty.others().is_empty());
    }

    #[test]
    fn futures_fronts_are_kept_per_source_root_and_trading_day() {
        let dir = Dir::new("fronts");
        let mut c = Cache::open(&dir.file()).unwrap();
        let (d, next) = (day("2026-11-20"), day("2026-11-23"));
        let es = FrontMonth {
            symbol: "/ESZ6".into(),
            streamer_symbol: Some("/ESZ26:XCME".into()),
        };
        let zb = FrontMonth {
            symbol: "/ZBH7".into(),
            streamer_symbol: None,
        };
        c.put_fronts(
            "demo",
            d,
            1,
            &[("/ES".into(), es.clone()), ("/ZB".into(), zb.clone())],
        )
        .unwrap();
        let got = c.fronts("demo", d).unwrap();
        assert_eq!((got.len(), &got["/ES"], &got["/ZB"]), (2, &es, &zb));
        assert!(c.fronts("demo", next).unwrap().is_empty());
        assert!(c.fronts("https://api.example", d).unwrap().is_empty());
        assert_eq!(c.stats().unwrap().fronts, 2);
        // Pruned like chains.
        c.put_fronts("demo", next, CHAIN_KEEP_MS + 2, &[("/ES".into(), es)])
            .unwrap();
        assert!(c.fronts("demo", d).unwrap().is_empty());
        assert_eq!(c.clear().unwrap().fronts, 1);
    }
}
