//! Fixture mode (`--fixtures DIR`): recorded responses served instead of synthetic data.
//!
//! A file under DIR whose path mirrors the request path (`DIR/market-metrics.json`,
//! `DIR/option-chains/AAPL/nested.json`, `DIR/instruments/futures.json`) is the answer to that
//! request. Files may hold the full envelope (`{"data": ..., "context": ...}`) or only the `data`
//! member, as some recorded captures do; the latter are wrapped. List endpoints keep only the rows
//! whose `symbol` was requested ([`retain_symbols`]); the rest serve the file verbatim. Values are
//! never checked or corrected: hostile ones (an IV index of `"50"`, a rank of `"-5"`, bid above ask,
//! another underlying's chain) reach the client exactly as written. Every answer served from a file
//! is counted in `/__sim/stats` under `fixtures`, by request path.

use super::reply::ApiError;
use crate::SimState;
use serde_json::{json, Value};
use std::path::{Component, Path, PathBuf};

/// The fixture file of a decoded request path, if the path is safe to map under `dir`.
pub fn file_for(dir: &Path, request_path: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = request_path.split('/').filter(|p| !p.is_empty()).collect();
    let (last, dirs) = parts.split_last()?;
    let mut file = dir.to_path_buf();
    for part in dirs.iter().chain(std::iter::once(last)) {
        let mut components = Path::new(part).components();
        let safe = matches!(components.next(), Some(Component::Normal(_)))
            && components.next().is_none()
            && !part.contains(['\\', '\0', ':']);
        if !safe {
            return None;
        }
    }
    for part in dirs {
        file.push(part);
    }
    file.push(format!("{last}.json"));
    Some(file)
}

/// The fixture answering `request_path` (decoded, e.g. `/option-chains/BRK/B/nested`), as a full
/// envelope. `Ok(None)` when no file matches; a file that is not JSON is a 500.
pub fn load(dir: &Path, request_path: &str) -> Result<Option<Value>, ApiError> {
    let Some(file) = file_for(dir, request_path) else {
        return Ok(None);
    };
    let text = match std::fs::read(&file) {
        Ok(t) => t,
        Err(_) => return Ok(None),
    };
    let value: Value = serde_json::from_slice(&text)
        .map_err(|e| ApiError::internal(format!("fixture {} is not JSON: {e}", file.display())))?;
    Ok(Some(wrap(value, request_path)))
}

/// The fixture answering `request_path` when the market serves fixtures and a file matches,
/// counted in the stats.
pub fn serve(state: &SimState, request_path: &str) -> Result<Option<Value>, ApiError> {
    let Some(dir) = &state.options.fixtures else {
        return Ok(None);
    };
    let body = load(dir, request_path)?;
    if body.is_some() {
        state.stats.fixture(request_path);
    }
    Ok(body)
}

/// A full envelope from a file holding either the envelope or only its `data` member.
pub fn wrap(value: Value, request_path: &str) -> Value {
    if value.get("data").is_some() {
        value
    } else {
        json!({"data": value, "context": request_path})
    }
}

/// Keep only the `data.items` rows whose `symbol` is one of `symbols` (ASCII case-insensitive).
pub fn retain_symbols(body: &mut Value, symbols: &[String]) {
    if let Some(items) = body
        .get_mut("data")
        .and_then(|d| d.get_mut("items"))
        .and_then(Value::as_array_mut)
    {
        items.retain(|row| {
            row.get("symbol")
                .and_then(Value::as_str)
                .is_some_and(|s| symbols.iter().any(|w| w.eq_ignore_ascii_case(s)))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_mirror_requests_and_stay_inside() {
        let d = Path::new("/fx");
        assert_eq!(
            file_for(d, "/option-chains/BRK/B/nested").unwrap(),
            Path::new("/fx/option-chains/BRK/B/nested.json")
        );
        assert_eq!(
            file_for(d, "/market-metrics").unwrap(),
            Path::new("/fx/market-metrics.json")
        );
        assert!(file_for(d, "/option-chains/../../etc/passwd").is_none());
        assert!(file_for(d, "/option-chains/./x").is_none());
        assert!(file_for(d, "/").is_none());
    }

    #[test]
    fn data_only_files_are_wrapped_and_rows_filtered() {
        let v = wrap(json!({"items": [{"symbol": "A"}, {"symbol": "B"}]}), "/x");
        assert_eq!(v["context"], "/x");
        let mut v = wrap(v, "/y");
        assert_eq!(v["context"], "/x");
        retain_symbols(&mut v, &["b".to_string()]);
        assert_eq!(v["data"]["items"], json!([{"symbol": "B"}]));
    }
}
