//! Daily candle series: reading a fresh one ([`Cache::get`]), storing a scan's worth
//! ([`Cache::put_many`]) and the compact form they are stored in; also the whole file's counts
//! (`volscreen cache stats`) and clearing it (`volscreen cache clear`).

use super::{Cache, CacheError};
use crate::candle::Candle;
use crate::date::Date;
use rusqlite::{params, OptionalExtension};

/// How long a live (non-demo) series stays usable.
pub const LIVE_MAX_AGE_MS: i64 = 30 * 60 * 1000;

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

/// One cached series.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub candles: Vec<Candle>,
    pub truncated: bool,
}

impl Cache {
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
}
