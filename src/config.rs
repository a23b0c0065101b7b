//! Configuration: `config/volscreen.toml` and `--config FILE` (thresholds, profiles, pool sizes).
//!
//! For now this holds the TOML error formatting shared by every TOML file the crate reads, so that
//! each error names `file:line:column`.

/// A TOML parse error as `LINE:COL: message` (1-based), for prefixing with the file name.
pub fn toml_error_message(text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().to_string();
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{line}:{col}: {msg}")
        }
        None => msg,
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}
