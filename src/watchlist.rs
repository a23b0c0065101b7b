//! Watchlists: reading a CSV (or a `--symbols` list) into normalised, de-duplicated symbols.
//!
//! Rules (product.md, stage 1 "load"): the symbol is the first column, or the column headed
//! `symbol`/`Symbol`; `#` starts a comment; blank lines are skipped; symbols are trimmed and
//! upper-cased; `BRK.B` and `brk/b` become `BRK/B`; futures contracts become their roots (`/ESZ6` →
//! `/ES`); duplicates are removed keeping the first occurrence. A line that is no symbol is an error
//! naming the file and line — nothing is silently dropped.

use crate::symbol;
use std::path::Path;

/// The built-in default watchlist (`config/watchlists/default.csv`).
pub const DEFAULT_CSV: &str = include_str!("../config/watchlists/default.csv");
/// How the built-in watchlist is named in messages and in the JSON `meta.watchlist`.
pub const DEFAULT_NAME: &str = "config/watchlists/default.csv";

/// Longest symbol accepted (futures roots and share classes included).
const MAX_LEN: usize = 12;

/// A watchlist problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchlistError {
    #[error("cannot read watchlist {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}:{line}: {text:?} is not a symbol ({why})")]
    InvalidSymbol {
        path: String,
        line: usize,
        text: String,
        why: &'static str,
    },
    #[error("{path}:{line}: malformed CSV: {message}")]
    Csv {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: no symbols")]
    Empty { path: String },
}

/// A loaded watchlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchlist {
    /// Where it came from (a path, the built-in name, or `--symbols`).
    pub name: String,
    /// Normalised symbols, de-duplicated, in file order.
    pub symbols: Vec<String>,
    /// How many duplicates were removed.
    pub duplicates: usize,
}

impl Watchlist {
    /// The built-in default watchlist.
    pub fn builtin() -> Watchlist {
        Watchlist::parse(DEFAULT_CSV, DEFAULT_NAME).expect("the built-in watchlist is valid")
    }

    /// Read a CSV file.
    pub fn load(path: &Path) -> Result<Watchlist, WatchlistError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| WatchlistError::Io {
            path: name.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| WatchlistError::Io {
            path: name.clone(),
            message: format!("not UTF-8 text ({e})"),
        })?;
        Watchlist::parse(&text, &name)
    }

    /// Parse CSV text; `name` labels errors. Each line is one CSV record (quoted cells allowed);
    /// lines starting with `#` and blank lines are skipped but still counted for line numbers.
    pub fn parse(text: &str, name: &str) -> Result<Watchlist, WatchlistError> {
        let mut column: Option<usize> = None;
        let mut raw: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let cells = split_csv_line(trimmed).map_err(|message| WatchlistError::Csv {
                path: name.to_string(),
                line: line_no,
                message,
            })?;
            if cells.iter().all(String::is_empty) {
                continue;
            }
            let col = match column {
                Some(c) => c,
                None => {
                    // The first row decides: a `symbol` header, or data in the first column.
                    if let Some(i) = cells.iter().position(|h| h.eq_ignore_ascii_case("symbol")) {
                        column = Some(i);
                        continue;
                    }
                    column = Some(0);
                    0
                }
            };
            raw.push((line_no, cells.get(col).cloned().unwrap_or_default()));
        }
        let items = raw.iter().map(|(l, s)| (*l, s.as_str()));
        Watchlist::from_items(items, name)
    }

    /// A `--symbols A,B,C` list; errors name the item's position.
    pub fn from_list(list: &str) -> Result<Watchlist, WatchlistError> {
        let items: Vec<(usize, &str)> = list
            .split(',')
            .map(str::trim)
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(i, s)| (i + 1, s))
            .collect();
        Watchlist::from_items(items.into_iter(), "--symbols")
    }

    fn from_items<'a>(
        items: impl Iterator<Item = (usize, &'a str)>,
        name: &str,
    ) -> Result<Watchlist, WatchlistError> {
        let mut seen = std::collections::HashSet::new();
        let mut symbols = Vec::new();
        let mut duplicates = 0;
        for (line, text) in items {
            let sym = normalize(text).map_err(|why| WatchlistError::InvalidSymbol {
                path: name.to_string(),
                line,
                text: text.to_string(),
                why,
            })?;
            if seen.insert(sym.clone()) {
                symbols.push(sym);
            } else {
                duplicates += 1;
            }
        }
        if symbols.is_empty() {
            return Err(WatchlistError::Empty {
                path: name.to_string(),
            });
        }
        Ok(Watchlist {
            name: name.to_string(),
            symbols,
            duplicates,
        })
    }

    /// The first `n` symbols (all when `None`).
    pub fn first(&self, n: Option<usize>) -> &[String] {
        let n = n.unwrap_or(self.symbols.len()).min(self.symbols.len());
        &self.symbols[..n]
    }
}

/// Split one CSV line into trimmed cells, RFC 4180 style: a cell may be quoted (`"a,b"`, with `""`
/// for a quote inside), a quote inside an unquoted cell is literal, and text after a closing quote
/// is appended to the cell. An unterminated quote is an error.
///
/// A hand-written single pass: building a `csv` reader per line (its DFA) cost ~20 µs a line, two
/// seconds for a 100,000-line watchlist before the scan's budget even started.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    // Whether the cell so far is only whitespace (so that a quote opens a quoted cell).
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                cells.push(cell.trim().to_string());
                cell.clear();
                at_start = true;
            }
            '"' if at_start => {
                cell.clear();
                quoted = true;
                at_start = false;
            }
            _ => {
                if !c.is_whitespace() {
                    at_start = false;
                }
                cell.push(c);
            }
        }
    }
    if quoted {
        return Err("a quoted cell is not closed on its line".to_string());
    }
    cells.push(cell.trim().to_string());
    Ok(cells)
}

/// Normalise one symbol, or say why it is not one.
pub fn normalize(text: &str) -> Result<String, &'static str> {
    let s = text.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err("empty");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '.')
    {
        return Err("only letters, digits and one '.' or '/' allowed");
    }
    if s.len() > MAX_LEN {
        return Err("too long");
    }
    if let Some(root) = s.strip_prefix('/').map(|_| symbol::futures_root(&s)) {
        return root.ok_or("not a futures root or contract");
    }
    // Share classes: BRK.B, BRK/B, BRK-B? Only '.' and '/' are class separators on tastytrade.
    let s = s.replace('.', "/");
    let mut parts = s.split('/');
    let base = parts.next().unwrap_or("");
    let class = parts.next();
    if parts.next().is_some() {
        return Err("more than one share-class separator");
    }
    let ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
    if !ok(base) || class.is_some_and(|c| !ok(c)) {
        return Err("only letters, digits and one '.' or '/' allowed");
    }
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter");
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_symbols() {
        assert_eq!(normalize(" aapl ").unwrap(), "AAPL");
        assert_eq!(normalize("brk.b").unwrap(), "BRK/B");
        assert_eq!(normalize("BRK/B").unwrap(), "BRK/B");
        assert_eq!(normalize("/esz6").unwrap(), "/ES");
        assert_eq!(normalize("/ESZ26").unwrap(), "/ES");
        assert_eq!(normalize("/6E").unwrap(), "/6E");
        assert!(normalize("AA PL").is_err());
        assert!(normalize("$$$").is_err());
        assert!(normalize("A/B/C").is_err());
        assert!(normalize("123").is_err());
        assert!(normalize("/").is_err());
    }

    #[test]
    fn parses_csv_forms() {
        let w = Watchlist::parse(
            "# mine\nsymbol,name\naapl,Apple\n\nBRK.B,Berkshire\n/ESZ6,\n/ES\nAAPL\n",
            "w.csv",
        )
        .unwrap();
        assert_eq!(w.symbols, vec!["AAPL", "BRK/B", "/ES"]);
        assert_eq!(w.duplicates, 2);
        let w = Watchlist::parse("name,Symbol\nApple,AAPL\nTesla,TSLA\n", "w.csv").unwrap();
        assert_eq!(w.symbols, vec!["AAPL", "TSLA"]);
        let w = Watchlist::parse("spy\r\nqqq\r\n", "w.csv").unwrap();
        assert_eq!(w.symbols, vec!["SPY", "QQQ"]);
        assert_eq!(w.first(Some(1)), ["SPY"]);
        assert_eq!(w.first(Some(9)).len(), 2);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Watchlist::parse("symbol\nAAPL\n# c\nnot a symbol!\n", "w.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "w.csv:4: \"not a symbol!\" is not a symbol (only letters, digits and one '.' or '/' allowed)"
        );
        assert!(matches!(
            Watchlist::parse("# only comments\n\n", "e.csv"),
            Err(WatchlistError::Empty { .. })
        ));
        let e = Watchlist::from_list("AAPL,,T$LA").unwrap_err().to_string();
        assert!(e.starts_with("--symbols:3:"), "{e}");
    }

    #[test]
    fn splits_csv_lines_like_rfc_4180() {
        let split = |l: &str| split_csv_line(l).unwrap();
        assert_eq!(split("AAPL"), ["AAPL"]);
        assert_eq!(split(" aapl , Apple Inc. ,"), ["aapl", "Apple Inc.", ""]);
        assert_eq!(
            split("\"BRK.B\",\"Berkshire, Hathaway\""),
            ["BRK.B", "Berkshire, Hathaway"]
        );
        assert_eq!(split("\"say \"\"hi\"\"\",x"), ["say \"hi\"", "x"]);
        assert_eq!(split(" \"SPY\" ,QQQ"), ["SPY", "QQQ"]);
        assert_eq!(split("a\"b,c"), ["a\"b", "c"]);
        assert_eq!(split(",,"), ["", "", ""]);
        assert!(split_csv_line("\"AAPL,x").is_err());
        let e = Watchlist::parse("symbol\nAAPL\n\"MSFT\n", "w.csv").unwrap_err();
        assert!(e.to_string().starts_with("w.csv:3: malformed CSV"), "{e}");
    }

    #[test]
    fn a_large_watchlist_loads_in_one_pass() {
        // 100,000 distinct symbols: every line is read once; duplicates are found by hashing.
        let mut text = String::from("symbol,name\n");
        for i in 0..100_000u32 {
            let mut n = i;
            let mut sym = String::new();
            for _ in 0..4 {
                sym.push(char::from(b'A' + (n % 26) as u8));
                n /= 26;
            }
            text.push_str(&format!(
                "{sym}{},\"Company {i}, Inc.\"\n",
                char::from(b'A' + (i % 7) as u8)
            ));
        }
        let w = Watchlist::parse(&text, "big.csv").unwrap();
        assert_eq!(w.symbols.len() + w.duplicates, 100_000);
        assert!(w.symbols.len() > 90_000);
    }

    #[test]
    fn builtin_watchlist_is_about_500_symbols() {
        let w = Watchlist::builtin();
        assert_eq!(w.symbols.len(), 500);
        assert_eq!(w.duplicates, 0);
        for s in [
            "SPY", "SPX", "NDX", "RUT", "VIX", "/ES", "/NQ", "/CL", "/GC", "/ZB", "/6E", "BRK/B",
        ] {
            assert!(w.symbols.iter().any(|x| x == s), "{s}");
        }
    }
}
