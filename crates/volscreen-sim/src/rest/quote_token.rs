//! `GET /api-quote-tokens`: a DXLink quote token and the URL to use it at.
//!
//! The token is issued by the shared auth store (DXLink connections check it); the URL is this
//! market's own `ws://HOST:PORT/dxlink`. The token lives 24 hours (`expires-at`).

use super::gate::{self, Endpoint, Reply};
use super::shape::{envelope, timestamp};
use crate::latency::ms;
use crate::SimState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use volscreen_core::date::now_ms;

/// Lifetime of a quote token.
const QUOTE_TOKEN_TTL_MS: i64 = 24 * 3_600_000;

/// The handler.
pub async fn issue(State(state): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let latency = ms(state.latency().rest.quote_token_ms);
    let ep = Endpoint::new("api-quote-tokens", 0, latency);
    gate::serve(&state, &headers, ep, || {
        let token = state.auth.issue_quote_token();
        state.stats.quote_tokens.fetch_add(1, Ordering::Relaxed);
        let now = now_ms();
        Ok(Reply::plain(envelope(
            json!({
                "token": token,
                "dxlink-url": state.dxlink_url(),
                "level": "api",
                "issued-at": timestamp(now),
                "expires-at": timestamp(now + QUOTE_TOKEN_TTL_MS),
            }),
            "/api-quote-tokens",
        )))
    })
    .await
}
