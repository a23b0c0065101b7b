//! The stored form of an option chain's structure: a compact binary encoding of everything
//! [`OptionChain`] holds (expirations with their DTE, type, settlement and roots; strikes with their
//! OCC and streamer symbols; a futures chain's contracts). Never quotes: a chain holds none.
//!
//! Layout (all integers LEB128 varints, signed ones zigzag-encoded; `f64` as 8 little-endian
//! bytes; a string as its byte length and UTF-8 bytes; an optional value as a tag byte 0 (none) or
//! 1 followed by the value):
//!
//! ```text
//! "VC" FORMAT  symbol  kind(0 equity, 1 future)  underlying?
//! n_expirations × { date(days) dte? type? settlement? root? option_root? chain_type?
//!                   shares_per_contract? underlying_symbol?
//!                   n_strikes × { price  call~ call_streamer~ put~ put_streamer~ } }
//! n_futures × { symbol product_code? root? streamer? expiration? last_trade? dte?
//!               active_month? next_active_month? active? tradeable? closing_only?
//!               exchange? description? }
//! ```
//!
//! `~` is an optional string stored against the same column of the previous strike of the same
//! expiration: the length of the prefix they share, then the rest (`AAPL  261120C00185000` after
//! `AAPL  261120C00180000` is `16, "85000"`), which makes a chain about a fifth of its JSON.
//!
//! Decoding checks every length against the bytes left, refuses anything left over and never
//! panics: a corrupt entry decodes to `None` and is fetched again.

use crate::date::Date;
use crate::tastytrade::{ChainKind, Expiration, FutureContract, OptionChain, Strike};

/// The encoding's version, stored in every entry (and in the `format` column of the `chains`
/// table). An entry of another version is ignored and replaced.
pub const FORMAT: u8 = 1;
const MAGIC: [u8; 2] = *b"VC";

/// Encode `chain`.
pub fn encode(chain: &OptionChain) -> Vec<u8> {
    let strikes: usize = chain.expirations.iter().map(|e| e.strikes.len()).sum();
    let mut w = Writer(Vec::with_capacity(64 + strikes * 40));
    w.0.extend_from_slice(&MAGIC);
    w.0.push(FORMAT);
    w.str(&chain.symbol);
    w.0.push(match chain.kind {
        ChainKind::Equity => 0,
        ChainKind::Future => 1,
    });
    w.opt_str(&chain.underlying);
    w.uint(chain.expirations.len() as u64);
    for e in &chain.expirations {
        w.int(e.date.days() as i64);
        w.opt_int(e.dte);
        w.opt_str(&e.expiration_type);
        w.opt_str(&e.settlement);
        w.opt_str(&e.root_symbol);
        w.opt_str(&e.option_root_symbol);
        w.opt_str(&e.chain_type);
        w.opt_f64(e.shares_per_contract);
        w.opt_str(&e.underlying_symbol);
        w.uint(e.strikes.len() as u64);
        let mut prev: [&str; 4] = [""; 4];
        for s in &e.strikes {
            w.f64(s.price);
            for (k, v) in [&s.call, &s.call_streamer, &s.put, &s.put_streamer]
                .into_iter()
                .enumerate()
            {
                match v {
                    None => w.0.push(0),
                    Some(v) => {
                        w.0.push(1);
                        let shared = shared_prefix(prev[k], v);
                        w.uint(shared as u64);
                        w.str(&v[shared..]);
                        prev[k] = v;
                    }
                }
            }
        }
    }
    w.uint(chain.futures.len() as u64);
    for f in &chain.futures {
        w.str(&f.symbol);
        w.opt_str(&f.product_code);
        w.opt_str(&f.root_symbol);
        w.opt_str(&f.streamer_symbol);
        w.opt_date(f.expiration_date);
        w.opt_date(f.last_trade_date);
        w.opt_int(f.days_to_expiration);
        for b in [
            f.active_month,
            f.next_active_month,
            f.active,
            f.is_tradeable,
            f.is_closing_only,
        ] {
            w.0.push(match b {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
        }
        w.opt_str(&f.exchange);
        w.opt_str(&f.description);
    }
    w.0
}

/// Decode an entry written by [`encode`]; `None` when it is not one (corrupt, truncated, trailing
/// bytes, another format).
pub fn decode(data: &[u8]) -> Option<OptionChain> {
    let mut r = Reader(data);
    if r.take(2)? != MAGIC || r.byte()? != FORMAT {
        return None;
    }
    let symbol = r.string()?;
    let kind = match r.byte()? {
        0 => ChainKind::Equity,
        1 => ChainKind::Future,
        _ => return None,
    };
    let underlying = r.opt_string()?;
    let n = r.count()?;
    let mut expirations = Vec::with_capacity(n);
    for _ in 0..n {
        let date = Date::from_days(i32::try_from(r.int()?).ok()?);
        let dte = r.opt_int()?;
        let expiration_type = r.opt_string()?;
        let settlement = r.opt_string()?;
        let root_symbol = r.opt_string()?;
        let option_root_symbol = r.opt_string()?;
        let chain_type = r.opt_string()?;
        let shares_per_contract = r.opt_f64()?;
        let underlying_symbol = r.opt_string()?;
        let m = r.count()?;
        let mut strikes = Vec::with_capacity(m);
        let mut prev: [String; 4] = Default::default();
        for _ in 0..m {
            let price = r.f64()?;
            let mut cols: [Option<String>; 4] = Default::default();
            for (k, col) in cols.iter_mut().enumerate() {
                match r.byte()? {
                    0 => {}
                    1 => {
                        let shared = usize::try_from(r.uint()?).ok()?;
                        let rest = r.str()?;
                        let head = prev[k].get(..shared)?;
                        let mut v = String::with_capacity(shared + rest.len());
                        v.push_str(head);
                        v.push_str(rest);
                        prev[k].clone_from(&v);
                        *col = Some(v);
                    }
                    _ => return None,
                }
            }
            let [call, call_streamer, put, put_streamer] = cols;
            strikes.push(Strike {
                price,
                call,
                call_streamer,
                put,
                put_streamer,
            });
        }
        expirations.push(Expiration {
            date,
            dte,
            expiration_type,
            settlement,
            root_symbol,
            option_root_symbol,
            chain_type,
            shares_per_contract,
            underlying_symbol,
            strikes,
        });
    }
    let n = r.count()?;
    let mut futures = Vec::with_capacity(n);
    for _ in 0..n {
        let symbol = r.string()?;
        let product_code = r.opt_string()?;
        let root_symbol = r.opt_string()?;
        let streamer_symbol = r.opt_string()?;
        let expiration_date = r.opt_date()?;
        let last_trade_date = r.opt_date()?;
        let days_to_expiration = r.opt_int()?;
        let mut flags = [None; 5];
        for f in &mut flags {
            *f = match r.byte()? {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                _ => return None,
            };
        }
        let [active_month, next_active_month, active, is_tradeable, is_closing_only] = flags;
        futures.push(FutureContract {
            symbol,
            product_code,
            root_symbol,
            streamer_symbol,
            expiration_date,
            last_trade_date,
            days_to_expiration,
            active_month,
            next_active_month,
            active,
            is_tradeable,
            is_closing_only,
            exchange: r.opt_string()?,
            description: r.opt_string()?,
        });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(OptionChain {
        symbol,
        kind,
        underlying,
        expirations,
        futures,
    })
}

/// The length in bytes of the longest common prefix of `a` and `b` that ends on a character
/// boundary of both.
fn shared_prefix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            break;
        }
        n = i + x.len_utf8();
    }
    n
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    fn opt_int(&mut self, v: Option<i64>) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                self.int(v);
            }
        }
    }

    fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                self.f64(v);
            }
        }
    }

    fn opt_date(&mut self, d: Option<Date>) {
        self.opt_int(d.map(|d| d.days() as i64));
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn uint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn int(&mut self) -> Option<i64> {
        let u = self.uint()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A count of items that each take at least one byte: never more than the bytes left (so a
    /// corrupt count cannot ask for a huge allocation).
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.uint()?).ok()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        self.opt(Self::string)
    }

    fn opt_int(&mut self) -> Option<Option<i64>> {
        self.opt(Self::int)
    }

    fn opt_f64(&mut self) -> Option<Option<f64>> {
        self.opt(Self::f64)
    }

    fn opt_date(&mut self) -> Option<Option<Date>> {
        self.opt(|r| Some(Date::from_days(i32::try_from(r.int()?).ok()?)))
    }
}
