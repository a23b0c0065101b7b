//! `POST /oauth/token`: the refresh-token grant.
//!
//! Lenient where the real service is: form-encoded or JSON bodies, an optional `client_id`, any
//! `scope`. Strict where it is: a non-empty `User-Agent`, `grant_type=refresh_token`, and the demo
//! refresh token and client secret (anything else is `invalid_grant`). The answer is not wrapped in
//! `data`: `access_token`, `token_type`, `expires_in` (the access-token lifetime), `scope`. Errors
//! are OAuth style (`error_code`, `error_description`). Grants and refusals are counted in the stats.

use super::gate::require_user_agent;
use super::query::Query;
use super::reply::{json_response, oauth_error};
use crate::latency::{delay, ms};
use crate::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Stats name of the endpoint.
pub const ENDPOINT: &str = "oauth-token";

/// The handler.
pub async fn token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = state.stats.begin(ENDPOINT, 0);
    let response = grant(&state, &headers, &body).await;
    let counter = if response.status().is_success() {
        &state.stats.token_grants
    } else {
        &state.stats.token_refusals
    };
    counter.fetch_add(1, Ordering::Relaxed);
    state.stats.status(ENDPOINT, response.status().as_u16());
    response
}

async fn grant(state: &SimState, headers: &HeaderMap, body: &[u8]) -> Response {
    if require_user_agent(headers).is_err() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "A User-Agent header is required",
        );
    }
    let params = match read_params(headers, body) {
        Ok(p) => p,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &why),
    };
    delay(ms(state.latency().rest.oauth_token_ms)).await;
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "refresh_token" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be refresh_token",
        );
    }
    if get("refresh_token").is_empty() || get("client_secret").is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token and client_secret are required",
        );
    }
    if !state
        .auth
        .credentials_ok(get("refresh_token"), get("client_secret"))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Grant is invalid, expired or revoked",
        );
    }
    let access_token = state.auth.issue_access();
    let scope = match get("scope") {
        "" => "read trade",
        s => s,
    };
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": state.auth.ttl().as_secs(),
            "scope": scope,
        }),
    )
}

/// The body's parameters: JSON when declared (or when it looks like an object), form otherwise.
fn read_params(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, String> {
    let declared_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    let looks_json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if declared_json || looks_json {
        let map: serde_json::Map<String, Value> =
            serde_json::from_slice(body).map_err(|e| format!("body is not a JSON object: {e}"))?;
        return Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect());
    }
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_string())?;
    let query = Query::parse(text.trim()).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    for key in [
        "grant_type",
        "refresh_token",
        "client_secret",
        "client_id",
        "scope",
    ] {
        if let Some(v) = query.first(key) {
            out.insert(key.to_string(), v.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_and_form_bodies() {
        let mut h = HeaderMap::new();
        let form = read_params(&h, b"grant_type=refresh_token&scope=read+trade").unwrap();
        assert_eq!(form["scope"], "read trade");
        let json = read_params(&h, br#" {"grant_type":"refresh_token","n":1}"#).unwrap();
        assert_eq!(json["grant_type"], "refresh_token");
        assert_eq!(json["n"], "1");
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(read_params(&h, b"grant_type=x").is_err());
        assert!(read_params(&HeaderMap::new(), b"{not json").is_err());
        assert!(read_params(&HeaderMap::new(), &[0xff, 0xfe]).is_err());
    }
}
