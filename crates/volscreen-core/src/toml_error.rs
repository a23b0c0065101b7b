//! TOML parse errors as people read them: `LINE:COL: message`, ready to be prefixed with the file's
//! name. Shared by the screener's config and the demo market's latency profiles.

/// A TOML parse error as `LINE:COL: message` (1-based), for prefixing with the file name.
pub fn toml_error_message(text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{line}:{col}: {msg}")
        }
        None => format!(" {msg}"),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}
