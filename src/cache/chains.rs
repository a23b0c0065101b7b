//! Option-chain structure and futures front months, both kept per source, symbol (or root) and
//! trading day: reading them back, storing a scan's fetches and pruning old entries. The stored
//! form of a chain is [`ChainBlob`] (its bytes are `codec`'s).

use super::{codec, Cache, CacheError};
use crate::date::Date;
use crate::tastytrade::OptionChain;
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

/// Chain entries fetched longer ago than this are deleted when new ones are stored (a chain is
/// only ever used on its own day; this keeps the file from growing without bound).
pub const CHAIN_KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The encoding of stored chains (the `format` column); entries of another format are ignored.
pub const CHAIN_FORMAT: i64 = codec::FORMAT as i64;

/// A futures root's active (front-month) contract, as `/instruments/futures` flagged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMonth {
    /// `/ESZ6`.
    pub symbol: String,
    /// `/ESZ26:XCME`.
    pub streamer_symbol: Option<String>,
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

impl Cache {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testkit::{day, equity_chain, futures_chain, Dir};
    use crate::cache::Cleared;

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
