//! Errors of the DXLink client: [`DxLinkError`] for one connection (connect, handshake, socket),
//! [`CandleError`] for one symbol's outcome in a candle batch and [`QuoteError`] for one symbol's
//! outcome in a quote batch.
//!
//! Messages never contain the quote token or any other secret: server text (close reasons, `ERROR`
//! frames, socket errors) is passed through [`super::protocol::StreamerToken::redact`] before it lands
//! here, which scrubs every registered secret in every encoding and bounds the text (see
//! [`crate::tastytrade::secret`]); URLs are reduced to their host.

use std::time::Duration;

/// Why a DXLink connection could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DxLinkError {
    /// The URL is not `wss://`, or `ws://` to a loopback address.
    #[error("refusing DXLink URL {0}: only wss://, or ws:// to a loopback address")]
    BadUrl(String),
    /// TCP, TLS or WebSocket failure.
    #[error("DXLink connection failed: {0}")]
    Connect(String),
    /// The server did not answer SETUP / AUTH in time.
    #[error("DXLink handshake timed out after {0:?}")]
    HandshakeTimeout(Duration),
    /// The server refused the token or the connection (e.g. too many connections per token).
    #[error("DXLink authorization refused: {0}")]
    Unauthorized(String),
    /// The socket closed or failed after the handshake.
    #[error("DXLink socket closed: {0}")]
    Closed(String),
}

/// Why one symbol has no candles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CandleError {
    /// The snapshot did not complete within the per-symbol deadline.
    #[error("candle snapshot not complete within {0:?}")]
    Timeout(Duration),
    /// No DXLink connection could be opened (every attempt failed); the last reason.
    #[error("no DXLink connection: {0}")]
    Connection(String),
    /// The socket dropped mid-snapshot on every attempt.
    #[error("DXLink socket dropped mid-snapshot {0} times")]
    Dropped(u32),
    /// The pool was shut down before the snapshot completed.
    #[error("DXLink candle pool shut down")]
    Shutdown,
}

/// Why one streamer symbol has no quote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// No Quote event arrived within the per-symbol deadline (the real service sends nothing for
    /// a symbol it does not know, so an unknown symbol ends here).
    #[error("no quote within {0:?}")]
    Timeout(Duration),
    /// No DXLink connection could be opened (every attempt failed); the last reason.
    #[error("no DXLink connection: {0}")]
    Connection(String),
    /// The pool was shut down before the quote arrived.
    #[error("DXLink pool shut down")]
    Shutdown,
}
