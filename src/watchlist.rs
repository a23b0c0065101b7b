//! Watchlists: reading a CSV (or a `--symbols` list) into normalised, de-duplicated symbols.
//!
//! Rules (product.md, stage 1 "load"): the symbol is the first column, or the column headed
//! `symbol`/`Symbol`; `#` starts a comment; blank lines are skipped; symbols are trimmed and
//! upper-cased; `BRK.B` and `brk/b` become `BRK/B`; futures contracts become their roots (`/ESZ6` →
//! `/ES`); duplicates are removed keeping the first occurrence. A line that is no symbol is an error
//! naming the file and line — nothing is silently dropped.
//!
//! Lists kept at tastytrade (`--watchlist tt:NAME`, `tt-public:NAME`) are fetched by the scan once
//! it has a client; [`account`] turns their entries into symbols by the same rules.

pub mod account;

pub use account::{RemoteList, Resolved, Unscannable, WatchlistSource};

use crate::symbol;
use std::borrow::Cow;
use std::path::Path;

/// The built-in default watchlist (`config/watchlists/default.csv`).
pub const DEFAULT_CSV: &str = include_str!("../config/watchlists/default.csv");
/// How the built-in watchlist is named in messages and in the JSON `meta.watchlist`.
pub const DEFAULT_NAME: &str = "config/watchlists/default.csv";

/// Header cells that name the symbol column (any case): `symbol`, or `ticker` as many broker and
/// spreadsheet exports write it. A header row is never taken for a symbol (a `ticker` header once
/// became a symbol TICKER).
fn is_symbol_header(cell: &str) -> bool {
    ["symbol", "ticker"]
        .iter()
        .any(|h| cell.eq_ignore_ascii_case(h))
}

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
    /// `--watchlist tt:` (or `tt-public:`) without a name.
    #[error("--watchlist {prefix}: the watchlist name is empty (write {prefix}NAME; a file of that name is read as ./{prefix}...)")]
    EmptyName { prefix: &'static str },
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
    /// A malformed line anywhere is reported before any symbol is judged (as it always was).
    ///
    /// One pass over the text that copies nothing but the symbols: cells are slices of the text
    /// (an owned string only for a quoted cell with `""` inside or text after its closing quote),
    /// only the symbol column is kept, and duplicates are found afterwards by borrowing the
    /// normalised symbols: 12–16 ms for 100,000 lines in a release build (`cargo bench --bench
    /// watchlist`; 64–82 ms before).
    pub fn parse(text: &str, name: &str) -> Result<Watchlist, WatchlistError> {
        let mut column: Option<usize> = None;
        let mut raw: Vec<(usize, Cow<'_, str>)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut any = false;
            let mut wanted: Option<Cow<'_, str>> = None;
            let mut header: Vec<Cow<'_, str>> = Vec::new();
            for_each_cell(trimmed, |k, cell| {
                any |= !cell.is_empty();
                match column {
                    Some(c) if c == k => wanted = Some(cell),
                    Some(_) => {}
                    None => header.push(cell),
                }
            })
            .map_err(|message| WatchlistError::Csv {
                path: name.to_string(),
                line: line_no,
                message,
            })?;
            if !any {
                continue;
            }
            if column.is_none() {
                // The first row decides: a header naming the symbol column (`symbol`, or `ticker`
                // as many exports write it), or data in the first column.
                if let Some(i) = header.iter().position(|h| is_symbol_header(h)) {
                    column = Some(i);
                    continue;
                }
                column = Some(0);
                wanted = header.into_iter().next();
            }
            raw.push((line_no, wanted.unwrap_or_default()));
        }
        let items = raw.iter().map(|(l, s)| (*l, s.as_ref()));
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
        let mut symbols = Vec::with_capacity(items.size_hint().0);
        for (line, text) in items {
            let sym = normalize(text).map_err(|why| WatchlistError::InvalidSymbol {
                path: name.to_string(),
                line,
                text: text.to_string(),
                why,
            })?;
            symbols.push(sym);
        }
        // Keep the first occurrence of each symbol; the set borrows the symbols (no copies).
        let keep: Vec<bool> = {
            let mut seen = std::collections::HashSet::with_capacity(symbols.len());
            symbols.iter().map(|s| seen.insert(s.as_str())).collect()
        };
        let duplicates = keep.iter().filter(|k| !**k).count();
        if duplicates > 0 {
            let mut keep = keep.into_iter();
            symbols.retain(|_| keep.next().unwrap_or(false));
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

/// Split one CSV line into trimmed cells, RFC 4180 style (see [`for_each_cell`]).
#[cfg(test)]
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    for_each_cell(line, |_, c| cells.push(c.into_owned()))?;
    Ok(cells)
}

/// Call `f` with the index and the trimmed text of each cell of one CSV line, RFC 4180 style: a
/// cell may be quoted (`"a,b"`, with `""` for a quote inside; whitespace before the opening quote
/// is dropped), a quote inside an unquoted cell is literal, and text after a closing quote is
/// appended to the cell. An unterminated quote is an error. A line has at least one cell (`""`
/// has one empty cell, `,,` three).
///
/// A hand-written single pass over the bytes (`,` and `"` are ASCII, so never part of a longer
/// UTF-8 character): building a `csv` reader per line (its DFA) cost ~20 µs a line, two seconds
/// for a 100,000-line watchlist; cells are borrowed from the line wherever they can be.
fn for_each_cell<'a>(line: &'a str, mut f: impl FnMut(usize, Cow<'a, str>)) -> Result<(), String> {
    let bytes = line.as_bytes();
    let mut pos = 0;
    let mut index = 0;
    loop {
        // A quote opens a quoted cell only when nothing but whitespace precedes it in the cell.
        let rest = &line[pos..];
        let lead = rest.len() - rest.trim_start().len();
        let cell_end;
        if bytes.get(pos + lead) == Some(&b'"') {
            let open = pos + lead + 1;
            let mut inside: Option<String> = None;
            let mut from = open;
            let mut i = open;
            let close = loop {
                match bytes[i..].iter().position(|&b| b == b'"') {
                    None => return Err("a quoted cell is not closed on its line".to_string()),
                    Some(k) => {
                        let q = i + k;
                        if bytes.get(q + 1) == Some(&b'"') {
                            // `""`: one quote inside the cell.
                            let s = inside.get_or_insert_with(String::new);
                            s.push_str(&line[from..=q]);
                            from = q + 2;
                            i = q + 2;
                        } else {
                            break q;
                        }
                    }
                }
            };
            // After the closing quote, everything up to the next comma belongs to the cell.
            cell_end = bytes[close + 1..]
                .iter()
                .position(|&b| b == b',')
                .map_or(bytes.len(), |k| close + 1 + k);
            let after = &line[close + 1..cell_end];
            let cell: Cow<'a, str> = match inside {
                None if after.trim().is_empty() => Cow::Borrowed(line[open..close].trim()),
                inside => {
                    let mut s = inside.unwrap_or_default();
                    s.push_str(&line[from..close]);
                    s.push_str(after);
                    Cow::Owned(s.trim().to_string())
                }
            };
            f(index, cell);
        } else {
            cell_end = bytes[pos..]
                .iter()
                .position(|&b| b == b',')
                .map_or(bytes.len(), |k| pos + k);
            f(index, Cow::Borrowed(line[pos..cell_end].trim()));
        }
        if cell_end >= bytes.len() {
            return Ok(());
        }
        pos = cell_end + 1;
        index += 1;
    }
}

/// Normalise one symbol, or say why it is not one.
pub fn normalize(text: &str) -> Result<String, &'static str> {
    let t = text.trim();
    // Most symbols are already upper-case letters and digits: one copy, nothing to rewrite.
    if (1..=MAX_LEN).contains(&t.len())
        && t.as_bytes()[0].is_ascii_uppercase()
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Ok(t.to_string());
    }
    let s = t.to_ascii_uppercase();
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
        // A `ticker` header names the column too, and is never a symbol itself.
        let w = Watchlist::parse("Ticker,Weight\nAAPL,0.5\nMSFT,0.5\n", "w.csv").unwrap();
        assert_eq!(w.symbols, vec!["AAPL", "MSFT"]);
        let w = Watchlist::parse("ticker\nspy\n", "w.csv").unwrap();
        assert_eq!(w.symbols, vec!["SPY"]);
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

    /// The previous `Watchlist::parse`: every cell copied, duplicates found by hashing copies.
    fn reference_parse(text: &str, name: &str) -> Result<Watchlist, WatchlistError> {
        let mut column: Option<usize> = None;
        let mut raw: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let cells = reference_split(trimmed).map_err(|message| WatchlistError::Csv {
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
        let mut seen = std::collections::HashSet::new();
        let mut symbols = Vec::new();
        let mut duplicates = 0;
        for (line, text) in raw {
            let sym = reference_normalize(&text).map_err(|why| WatchlistError::InvalidSymbol {
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

    // The previous implementations, kept as the reference the faster ones must agree with.

    fn reference_split(line: &str) -> Result<Vec<String>, String> {
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

    fn reference_normalize(text: &str) -> Result<String, &'static str> {
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

    /// Text made of what matters to the CSV rules and the symbol rules.
    fn csvish() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "B", "z", "1", " ", "\t", ",", "\"", ".", "/", "é", "#", "\n", "\r\n", "SPY",
                "/ES", "brk.b", "symbol", "\"\"",
            ]),
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn cells_split_as_before(line in csvish()) {
            let line = line.replace(['\n', '\r'], "");
            prop_assert_eq!(split_csv_line(&line), reference_split(&line));
        }

        #[test]
        fn symbols_normalise_as_before(text in csvish()) {
            prop_assert_eq!(normalize(&text), reference_normalize(&text));
        }

        #[test]
        fn watchlists_parse_as_before(text in csvish()) {
            prop_assert_eq!(Watchlist::parse(&text, "w.csv"), reference_parse(&text, "w.csv"));
        }
    }
}
