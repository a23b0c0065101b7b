//! Opening the cache file: creating it, marking it as volscreen's (`PRAGMA application_id`,
//! schema version in `user_version`), creating or repairing our tables, and moving a file that is
//! not a volscreen cache (not SQLite, damaged, or another program's) aside so that a new cache
//! starts in its place. Also the schema itself.

use super::{Cache, CacheError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a volscreen cache (`"vols"`).
pub const APPLICATION_ID: i32 = 0x766f_6c73;

/// `PRAGMA user_version` of this schema (1 was the candle table alone, unmarked).
pub const SCHEMA_VERSION: i32 = 2;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testkit::{day, equity_chain, Dir};
    use crate::cache::{ChainBlob, Entry};
    use crate::candle::Candle;

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
}
