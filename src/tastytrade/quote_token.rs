//! `GET /api-quote-tokens`: the DXLink quote token and WebSocket URL, decoded into [`QuoteToken`].
//!
//! The token is a [`Secret`]. The URL is accepted only as `wss://`, or `ws://` to a loopback address
//! (the demo market); anything else is [`ApiError::InsecureUrl`]. The older `/quote-streamer-tokens`
//! endpoint is deliberately not used.

use super::client::TastytradeClient;
use super::decode::{self, DecodeError, Row};
use super::error::ApiError;
use super::secret::Secret;
use serde_json::Value;

/// The endpoint, as named in counters and errors.
pub const ENDPOINT: &str = "/api-quote-tokens";

/// A DXLink quote token (lives about 24 h).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteToken {
    pub token: Secret,
    /// `wss://tasty-openapi-ws.dxfeed.com/realtime`, or the demo market's `ws://127.0.0.1:PORT/dxlink`.
    pub dxlink_url: String,
    /// `api`, or `demo` in the sandbox.
    pub level: Option<String>,
    pub issued_at: Option<String>,
    pub expires_at: Option<String>,
}

/// Decode a `/api-quote-tokens` response (full envelope or bare `data` member); `token` and
/// `dxlink-url` are required. The URL is not checked here (see [`check_dxlink_url`]).
pub fn decode_quote_token(body: &Value) -> Result<QuoteToken, DecodeError> {
    let row = Row(decode::data(body));
    let token = row
        .symbol("token")
        .ok_or_else(|| DecodeError("no token in the quote token response".to_string()))?;
    let dxlink_url = row
        .symbol("dxlink-url")
        .ok_or_else(|| DecodeError("no dxlink-url in the quote token response".to_string()))?;
    Ok(QuoteToken {
        token: Secret::new(token),
        dxlink_url,
        level: row.text("level"),
        issued_at: row.text("issued-at"),
        expires_at: row.text("expires-at"),
    })
}

/// Accept `wss://` anywhere, `ws://` only to a loopback host (`127.0.0.0/8`, `::1`, `localhost`).
pub fn check_dxlink_url(url: &str) -> Result<(), ApiError> {
    let insecure = || ApiError::InsecureUrl {
        url: super::secret::server_text(url),
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| insecure())?;
    let host = parsed.host_str().ok_or_else(insecure)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "wss" => Ok(()),
        "ws" if loopback => Ok(()),
        _ => Err(insecure()),
    }
}

impl TastytradeClient {
    /// A DXLink quote token and its checked WebSocket URL.
    pub async fn quote_token(&self) -> Result<QuoteToken, ApiError> {
        let context = "the quote token".to_string();
        let body = self
            .get(ENDPOINT, ENDPOINT.to_string(), context.clone())
            .await?;
        let token = decode_quote_token(&body).map_err(|e| ApiError::Decode {
            endpoint: ENDPOINT.to_string(),
            context,
            detail: e.0,
        })?;
        check_dxlink_url(&token.dxlink_url)?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_secure_or_loopback_dxlink_urls() {
        assert!(check_dxlink_url("wss://tasty-openapi-ws.dxfeed.com/realtime").is_ok());
        assert!(check_dxlink_url("ws://127.0.0.1:4000/dxlink").is_ok());
        assert!(check_dxlink_url("ws://[::1]:4000/dxlink").is_ok());
        assert!(check_dxlink_url("ws://localhost/dxlink").is_ok());
        assert!(check_dxlink_url("ws://tasty-openapi-ws.dxfeed.com/realtime").is_err());
        assert!(check_dxlink_url("ws://127.0.0.1.evil.com/x").is_err());
        assert!(check_dxlink_url("ws://127.0.0.1@evil.com/x").is_err());
        assert!(check_dxlink_url("https://example.com").is_err());
        assert!(check_dxlink_url("not a url").is_err());
    }
}
