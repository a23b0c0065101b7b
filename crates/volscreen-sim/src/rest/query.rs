//! Query-string and form-body parsing, as lenient as the real service.
//!
//! Clients encode lists in many ways; all of these name the same two symbols:
//! `symbols=A,B`, `symbols=A%2CB` (the JS SDK), `symbols[]=A&symbols[]=B`, `symbols=A&symbols=B`,
//! `symbols%5B%5D=A&symbols%5B%5D=B`, `symbols[0]=A&symbols[1]=B`. Keys and values are
//! percent-decoded (`+` is a space) before values are split on commas. Malformed escapes are kept
//! literally; only bytes that do not decode to UTF-8 are an error (a 400, never a panic).

use std::fmt;

/// A query string or form body that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decoded `key=value` pairs, in request order. Keys lose any `[]` / `[N]` suffix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parse a raw query string or `application/x-www-form-urlencoded` body (no leading `?`).
    pub fn parse(raw: &str) -> Result<Query, QueryError> {
        let mut pairs = Vec::new();
        for item in raw.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            let key = decode(k, true)?;
            let value = decode(v, true)?;
            pairs.push((strip_brackets(&key).to_string(), value));
        }
        Ok(Query { pairs })
    }

    /// The first value of `key`, if present.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every item named by `key`: all its occurrences, each split on commas, trimmed, empty items
    /// dropped, in request order (duplicates kept).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| split_list(v))
            .collect()
    }

    /// Whether `key` occurs at all (even with an empty value).
    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }
}

/// Split a decoded list value on commas, trimming items and dropping empty ones.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `symbols[]` and `symbols[3]` → `symbols`.
fn strip_brackets(key: &str) -> &str {
    match key.find('[') {
        Some(i) if key.ends_with(']') && i > 0 => &key[..i],
        _ => key,
    }
}

/// Percent-decode `s` (and `+` as a space when `plus_as_space`); a `%` not followed by two hex
/// digits stays as it is. Fails only when the bytes are not UTF-8.
pub fn decode(s: &str, plus_as_space: bool) -> Result<String, QueryError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = match (b.get(i + 1), b.get(i + 2)) {
            (Some(h), Some(l)) if b[i] == b'%' => hex(*h).zip(hex(*l)),
            _ => None,
        };
        match b[i] {
            _ if escaped.is_some() => {
                let (hi, lo) = escaped.unwrap_or_default();
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| QueryError(format!("{s:?} does not decode to UTF-8")))
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_encoding_names_the_same_symbols() {
        for raw in [
            "symbols=AAPL,BRK%2FB",
            "symbols=AAPL%2CBRK%2FB",
            "symbols[]=AAPL&symbols[]=BRK/B",
            "symbols%5B%5D=AAPL&symbols%5B%5D=BRK%2FB",
            "symbols=AAPL&symbols=BRK/B",
            "symbols[0]=AAPL&symbols[1]=BRK/B",
            "symbols=AAPL,+BRK/B,",
        ] {
            let q = Query::parse(raw).unwrap();
            assert_eq!(q.list("symbols"), ["AAPL", "BRK/B"], "{raw}");
        }
    }

    #[test]
    fn plus_is_a_space_and_bad_escapes_are_literal() {
        let q = Query::parse("equity-option=AAPL++261218C00200000&x=%zz&y=100%").unwrap();
        assert_eq!(q.list("equity-option"), ["AAPL  261218C00200000"]);
        assert_eq!(q.first("x"), Some("%zz"));
        assert_eq!(q.first("y"), Some("100%"));
        assert!(q.has("x") && !q.has("z"));
        assert!(Query::parse("a=%FF%FE").is_err());
        assert_eq!(decode("BRK%2FB", false).unwrap(), "BRK/B");
        assert_eq!(decode("a+b", false).unwrap(), "a+b");
    }
}
