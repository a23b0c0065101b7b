//! The DXLink WebSocket server of the demo market, at `GET /dxlink`: dxFeed's DXLink protocol as
//! tastytrade serves it (`shared/spec/tastytrade-wire.md`, `shared/reference/dxlink/asyncapi.yml`),
//! with candle snapshots from the synthetic market, the latency and limits model and the faults of
//! `shared/spec/emulator.md`.
//!
//! - [`protocol`]: decoding client messages, building control messages;
//! - [`events`]: event types, field catalogues, `FEED_DATA` encoding (COMPACT and FULL);
//! - [`feed`]: a channel's `FEED_SETUP` / `FEED_CONFIG` state;
//! - [`snapshot`]: candle snapshot scheduling and streaming, with faults;
//! - [`fixtures`]: candle files served instead of synthetic candles (`--fixtures DIR`);
//! - [`session`]: the connection's state machine (handshake, auth, channels, subscriptions);
//! - [`connection`]: the socket loop.

pub mod connection;
pub mod events;
pub mod feed;
pub mod fixtures;
pub mod protocol;
pub mod session;
pub mod snapshot;

use super::SimState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;

/// Frames above this size are refused by the WebSocket layer itself; messages above
/// [`session::MAX_MESSAGE_BYTES`] are answered with close code 1009 first.
const MAX_FRAME_BYTES: usize = 1 << 20;

/// The `/dxlink` route.
pub fn routes() -> axum::Router<Arc<SimState>> {
    axum::Router::new().route("/dxlink", get(upgrade))
}

async fn upgrade(ws: WebSocketUpgrade, State(state): State<Arc<SimState>>) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| connection::serve(socket, state))
}
