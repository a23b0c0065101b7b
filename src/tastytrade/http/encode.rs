//! Percent-encoding of what goes into a request URL: symbols in path segments
//! (`/option-chains/BRK%2FB/nested`) and comma-joined symbol lists in queries
//! (`?symbols=AAPL,BRK%2FB,%2FES`).
//!
//! Rules it keeps: everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is
//! encoded, byte by byte, in upper-case hex; list separators (commas) stay literal. Endpoint code
//! never builds a URL from a raw symbol.

/// Percent-encode one query value or path segment: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A comma-joined list of percent-encoded values (`AAPL,BRK%2FB,%2FES`), commas left literal.
pub fn encode_list<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(|v| encode_component(v.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_symbols() {
        assert_eq!(encode_component("BRK/B"), "BRK%2FB");
        assert_eq!(encode_component("/ES"), "%2FES");
        assert_eq!(
            encode_component("SPY   260804C00500000"),
            "SPY%20%20%20260804C00500000"
        );
        assert_eq!(encode_list(&["AAPL", "BRK/B"]), "AAPL,BRK%2FB");
    }
}
