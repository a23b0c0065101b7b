//! The candle cache: daily candle series in SQLite (rusqlite, bundled), so a second scan of the
//! same day skips DXLink for symbols it has seen.
//!
//! A series is keyed by source (`demo@2026-11-20` or the API's base URL), candle symbol, as-of
//! date and `fromTime`. Demo series never go stale (the demo market is deterministic for a date);
//! live series are used for [`LIVE_MAX_AGE_MS`] only, because today's candle keeps changing. The
//! file lives in `$VOLSCREEN_CACHE_DIR`, else `$XDG_CACHE_HOME/volscreen`, else
//! `~/.cache/volscreen`. `--no-cache` neither reads nor writes; `--refresh` writes without reading.

use crate::candle::Candle;
use crate::date::Date;
use rusqlite::{params, Connection, OptionalExtension};
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

/// A cache problem.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt cache entry for {0}")]
    Corrupt(String),
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
    pub bytes: u64,
}

/// One cached series.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub candles: Vec<Candle>,
    pub truncated: bool,
}

/// An open cache.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
}

impl Cache {
    /// Open (creating the file and directory if needed).
    pub fn open(path: &Path) -> Result<Cache, CacheError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE IF NOT EXISTS series (
                 source TEXT NOT NULL,
                 symbol TEXT NOT NULL,
                 as_of TEXT NOT NULL,
                 from_time INTEGER NOT NULL,
                 fetched_at INTEGER NOT NULL,
                 truncated INTEGER NOT NULL,
                 count INTEGER NOT NULL,
                 data BLOB NOT NULL,
                 PRIMARY KEY (source, symbol, as_of, from_time)
             );",
        )?;
        Ok(Cache {
            conn,
            path: path.to_path_buf(),
        })
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

    pub fn stats(&self) -> Result<CacheStats, CacheError> {
        let (series, candles): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM series",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(CacheStats {
            series: series as u64,
            candles: candles as u64,
            bytes,
        })
    }

    /// Delete everything; returns how many series were removed.
    pub fn clear(&self) -> Result<u64, CacheError> {
        let n = self.conn.execute("DELETE FROM series", [])?;
        self.conn.execute_batch("VACUUM;")?;
        Ok(n as u64)
    }
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
        assert_eq!(c.clear().unwrap(), 1);
        assert_eq!(c.stats().unwrap().candles, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
