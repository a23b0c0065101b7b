//! [`Secret`]: a string that must never be printed (refresh token, client secret, access and quote
//! tokens), and the process-wide scrubber that keeps every secret out of server text.
//!
//! `Debug` and `Display` of a [`Secret`] both print `[redacted]`; the value is reached only through
//! [`Secret::expose`], at the one place that puts it on the wire. There is deliberately no
//! `Serialize`, so a secret cannot end up in a JSON document by accident.
//!
//! # The scrubber
//! Every secret registers itself in one process-wide registry when it is created
//! ([`Secret::new`], and the DXLink quote token likewise): the configured credentials, every
//! access token ever issued in this process, rotated refresh tokens and quote tokens. Any text that
//! comes from a server (error bodies, messages, DXLink `ERROR` frames, URLs it hands out) goes
//! through [`server_text`] before it is stored in an error: the text is first cut to
//! [`SCAN_LIMIT`] bytes, then every registered secret is replaced by `[redacted]` in any of these
//! encodings, mixed freely within one occurrence:
//! - raw;
//! - percent-encoded, upper or lower case hex (`%2B`, `%2b`), also double-encoded (`%252B`), and
//!   form-encoded (space as `+`);
//! - JSON-escaped (`\/`, `\"`, `\\`, `\n`, `\u002b`, `\u00e9`), also doubly (`\\/`, `\\u002b`);
//! - HTML entities (`&amp;`, `&quot;`, `&#43;`, `&#x2b;`).
//!
//! As a last line of defence, the scrubbed text is decoded in each of these ways (repeatedly) and if
//! a secret can still be read in it, the whole text is withheld. Finally the text is bounded to
//! [`MAX_SERVER_TEXT`] characters, cut on a character boundary (after scrubbing, so a cut can never
//! leave a prefix of a secret behind). [`scrub`] does the same without the length bound; error
//! types apply it again when they are displayed, so a token learned after an error was built is
//! still kept out.
//!
//! Secrets shorter than [`MIN_SECRET_LEN`] bytes are not scrubbed (they would blank out ordinary
//! words); no real credential is that short.

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

/// A secret string. Cheap to clone (shared, immutable).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wrap a secret value (and register it with the scrubber).
    pub fn new(value: impl Into<String>) -> Secret {
        let value: Arc<str> = Arc::from(value.into());
        register(&value);
        Secret(value)
    }

    /// The secret value itself: only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of this secret (and of every other registered secret), in any
    /// encoding, in `text` with `[redacted]`. See [`scrub`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = replace_all(text, self.0.as_bytes());
        out = scrub(&out);
        out
    }
}

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

/// What a server text becomes when a secret can still be read in it after scrubbing.
pub const WITHHELD: &str = "[server text withheld: it quoted a credential]";

/// Most characters of a server text kept in a message.
pub const MAX_SERVER_TEXT: usize = 300;

/// Most bytes of a server text looked at (and scrubbed) at all.
pub const SCAN_LIMIT: usize = 16 * 1024;

/// Secrets shorter than this (in bytes) are not scrubbed.
pub const MIN_SECRET_LEN: usize = 4;

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

fn registry() -> &'static RwLock<Vec<Arc<str>>> {
    static REGISTRY: OnceLock<RwLock<Vec<Arc<str>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(Vec::new()))
}

/// Register a secret with the process-wide scrubber (done by [`Secret::new`]; call it for any
/// other secret-bearing type). Short and duplicate values are ignored.
pub fn register(secret: &str) {
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let Ok(mut list) = registry().write() else {
        return;
    };
    if !list.iter().any(|s| &**s == secret) {
        list.push(Arc::from(secret));
        // Longest first: a secret that contains another is scrubbed whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

fn registered() -> Vec<Arc<str>> {
    registry().read().map(|l| l.clone()).unwrap_or_default()
}

/// Server text made safe to show: cut to [`SCAN_LIMIT`] bytes, scrubbed of every registered secret
/// in every encoding, then bounded to [`MAX_SERVER_TEXT`] characters (`...` marks a cut).
pub fn server_text(text: &str) -> String {
    bound(&scrub(text), MAX_SERVER_TEXT)
}

/// `text` (its first [`SCAN_LIMIT`] bytes) with every registered secret replaced by `[redacted]`
/// in every encoding; [`WITHHELD`] when a secret can still be decoded out of the result.
pub fn scrub(text: &str) -> String {
    let text = cut_bytes(text, SCAN_LIMIT);
    let secrets = registered();
    if secrets.is_empty() {
        return text.to_string();
    }
    let mut out = text.to_string();
    for s in &secrets {
        out = replace_all(&out, s.as_bytes());
    }
    if still_readable(&out, &secrets) {
        return WITHHELD.to_string();
    }
    out
}

/// At most `max` characters of `text`, cut on a character boundary, `...` appended when cut.
pub fn bound(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}...", &text[..at]),
    }
}

fn cut_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut at = max;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

/// Replace every encoded occurrence of `secret` in `text`.
fn replace_all(text: &str, secret: &[u8]) -> String {
    if secret.len() < MIN_SECRET_LEN {
        return text.to_string();
    }
    let t = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < t.len() {
        if text.is_char_boundary(i) {
            if let Some(end) = match_at(t, i, secret, 0, 0) {
                if end > i && text.is_char_boundary(end) {
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Does `secret[k..]` start at `t[i..]` in some encoding? The end of the match.
fn match_at(t: &[u8], i: usize, secret: &[u8], k: usize, steps: usize) -> Option<usize> {
    if k == secret.len() {
        return Some(i);
    }
    if i >= t.len() || steps > 8 * secret.len() + 64 {
        return None;
    }
    for (bytes, next) in units(t, i) {
        let n = bytes.len();
        if n > 0 && secret.len() - k >= n && secret[k..k + n] == bytes[..] {
            if let Some(end) = match_at(t, next, secret, k + n, steps + 1) {
                return Some(end);
            }
        }
    }
    None
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_at(t: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = t.get(i..i + n)?;
    s.iter().try_fold(0u32, |acc, b| Some(acc * 16 + hex(*b)?))
}

fn utf8(cp: u32) -> Vec<u8> {
    char::from_u32(cp)
        .map(|c| c.to_string().into_bytes())
        .unwrap_or_default()
}

/// The ways the text at `i` can encode some bytes: (decoded bytes, position after).
fn units(t: &[u8], i: usize) -> Vec<(Vec<u8>, usize)> {
    let mut out = vec![(vec![t[i]], i + 1)];
    match t[i] {
        b'+' => out.push((vec![b' '], i + 1)),
        b'%' => {
            if let Some(b) = hex_at(t, i + 1, 2) {
                out.push((vec![b as u8], i + 3));
            }
            if t.get(i + 1..i + 3) == Some(b"25") {
                if let Some(b) = hex_at(t, i + 3, 2) {
                    out.push((vec![b as u8], i + 5));
                }
            }
        }
        b'\\' => {
            // One level of JSON escaping, then a second one (`\\` standing for `\`).
            out.extend(json_escape(t, i + 1));
            if t.get(i + 1) == Some(&b'\\') {
                out.extend(json_escape(t, i + 2));
                if t.get(i + 2..i + 4) == Some(b"\\\\") {
                    out.extend(json_escape(t, i + 4));
                }
            }
        }
        b'&' => {
            if let Some((cp, next)) = html_entity(t, i + 1) {
                out.push((utf8(cp), next));
            }
        }
        _ => {}
    }
    out
}

/// A JSON escape whose introducing backslash ended just before `j`.
fn json_escape(t: &[u8], j: usize) -> Vec<(Vec<u8>, usize)> {
    let Some(&c) = t.get(j) else {
        return Vec::new();
    };
    let simple = match c {
        b'/' | b'\\' | b'"' | b'\'' => Some(c),
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'b' => Some(8),
        b'f' => Some(12),
        _ => None,
    };
    if let Some(b) = simple {
        return vec![(vec![b], j + 1)];
    }
    if c == b'u' || c == b'U' {
        if let Some(cp) = hex_at(t, j + 1, 4) {
            // A surrogate pair: `\ud83d\ude00`.
            if (0xD800..0xDC00).contains(&cp) && t.get(j + 5..j + 7) == Some(b"\\u") {
                if let Some(lo) = hex_at(t, j + 7, 4) {
                    if (0xDC00..0xE000).contains(&lo) {
                        let full = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        return vec![(utf8(full), j + 11)];
                    }
                }
            }
            return vec![(utf8(cp), j + 5)];
        }
    }
    Vec::new()
}

/// `&amp;`, `&quot;`, `&#43;`, `&#x2B;` ... after the `&` at `j - 1`.
fn html_entity(t: &[u8], j: usize) -> Option<(u32, usize)> {
    let rest = t.get(j..(j + 10).min(t.len()))?;
    let semi = rest.iter().position(|b| *b == b';')?;
    let name = std::str::from_utf8(&rest[..semi]).ok()?;
    let cp = match name {
        "amp" => '&' as u32,
        "quot" => '"' as u32,
        "apos" => '\'' as u32,
        "lt" => '<' as u32,
        "gt" => '>' as u32,
        "sol" => '/' as u32,
        "plus" => '+' as u32,
        "equals" => '=' as u32,
        n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16).ok()?,
        n if n.starts_with('#') => n[1..].parse().ok()?,
        _ => return None,
    };
    Some((cp, j + semi + 1))
}

/// Whether a secret can still be read in `text` after decoding it (percent, form, JSON, HTML),
/// in any order, a few times over.
fn still_readable(text: &str, secrets: &[Arc<str>]) -> bool {
    let mut views = vec![text.to_string()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for v in &views {
            for decoded in [
                percent_decode(v, false),
                percent_decode(v, true),
                json_unescape(v),
            ] {
                if &decoded != v && !views.contains(&decoded) && !next.contains(&decoded) {
                    next.push(decoded);
                }
            }
        }
        views.extend(next);
    }
    views.iter().any(|v| {
        secrets
            .iter()
            .any(|s| s.len() >= MIN_SECRET_LEN && v.contains(&**s))
    })
}

fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let t = text.as_bytes();
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'%' => match hex_at(t, i + 1, 2) {
                Some(b) => {
                    out.push(b as u8);
                    i += 3;
                    continue;
                }
                None => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json_unescape(text: &str) -> String {
    let t = text.as_bytes();
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'\\' {
            if let Some((bytes, next)) = json_escape(t, i + 1).into_iter().next() {
                out.extend(bytes);
                i = next;
                continue;
            }
        }
        if t[i] == b'&' {
            if let Some((cp, next)) = html_entity(t, i + 1) {
                out.extend(utf8(cp));
                i = next;
                continue;
            }
        }
        out.push(t[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every encoding of `secret` the scrubber is meant to catch (for tests that search output).
pub fn encodings(secret: &str) -> Vec<String> {
    let pct = |upper: bool, plus: bool| -> String {
        let mut s = String::new();
        for b in secret.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*') {
                s.push(b as char);
            } else if plus && b == b' ' {
                s.push('+');
            } else if upper {
                s.push_str(&format!("%{b:02X}"));
            } else {
                s.push_str(&format!("%{b:02x}"));
            }
        }
        s
    };
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_string();
    let json_slash = json.replace('/', "\\/");
    let mut unicode = String::new();
    for c in secret.chars() {
        if c.is_ascii_alphanumeric() {
            unicode.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                unicode.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    let mut all = vec![
        secret.to_string(),
        pct(true, false),
        pct(false, false),
        pct(true, true),
        pct(false, true),
        json,
        json_slash,
        unicode,
    ];
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("rt-very-secret");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), "rt-very-secret");
        assert_eq!(
            s.scrub("bad token rt-very-secret!"),
            "bad token [redacted]!"
        );
    }

    #[test]
    fn scrubs_every_encoding() {
        let raw = "cs+a&b=c/d \"q\" \\e é";
        let _s = Secret::new(raw);
        for enc in encodings(raw) {
            let text = format!("echo: Authorization: Bearer {enc} (end)");
            let out = scrub(&text);
            assert!(out.contains(REDACTED), "{enc}: {out}");
            assert!(out.ends_with(" (end)"), "{enc}: {out}");
            assert!(out.starts_with("echo: "), "{enc}: {out}");
        }
        // Mixed, double-encoded and entity forms.
        for enc in [
            "cs%2Ba%26b%3dc\\/d+%22q%22+%5C%5Ce+%C3%A9",
            "cs%252Ba%2526b%253Dc%252Fd%2520%2522q%2522%2520%255Ce%2520%25C3%25A9",
            "cs+a&amp;b=c/d &quot;q&quot; \\e &#xe9;",
            "cs\\\\u002ba&b=c\\\\/d \\\\\\\"q\\\\\\\" \\\\\\\\e \\\\u00e9",
        ] {
            let out = scrub(&format!("x {enc} y"));
            assert!(!out.contains("cs"), "{enc}: {out}");
        }
    }

    #[test]
    fn bounds_on_char_boundaries_after_scrubbing() {
        let _s = Secret::new("tok-bounded-123");
        let long = format!("{}tok-bounded-123", "é".repeat(299));
        let out = server_text(&long);
        assert!(out.ends_with("..."));
        assert!(!out.contains("tok-"));
        assert_eq!(out.chars().count(), MAX_SERVER_TEXT + 3);
        assert_eq!(server_text("short"), "short");
    }
}
