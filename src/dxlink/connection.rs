//! One DXLink WebSocket: URL check, handshake (SETUP, AUTH right after it without waiting, then wait
//! for `AUTHORIZED`), a writer task that sends KEEPALIVE whenever nothing else went out for half the
//! server's advertised timeout, and a reader task that times the server out, applies `FEED_CONFIG`s
//! to per-channel decoders and hands decoded candles, quotes and channel events to the owner.
//!
//! A [`Connection`] knows nothing of symbols or scheduling; [`super::pool`] drives it. Dropping it
//! stops the reader and lets the writer send a Close frame. The quote token only ever goes into the
//! `AUTH` frame; any server text is redacted before it reaches an event or an error.

use super::decode::{CandleEvent, EventSink, FeedDecoder, QuoteEvent};
use super::error::DxLinkError;
use super::protocol::{
    candle_feed_setup, quote_feed_setup, subscription_messages, ChannelParameters, ClientMessage,
    ServerMessage, StreamerToken, SubscriptionItem,
};
use crate::tastytrade::check_dxlink_url;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How to open a connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: String,
    pub token: StreamerToken,
    /// The keepalive timeout we advertise: the server must send something within it, or we treat
    /// the socket as dead.
    pub keepalive_timeout: Duration,
    /// Time allowed from the TCP connect to `AUTH_STATE AUTHORIZED`.
    pub handshake_timeout: Duration,
    /// `SETUP.version`.
    pub version: String,
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>, token: StreamerToken) -> ConnectOptions {
        ConnectOptions {
            url: url.into(),
            token,
            keepalive_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            version: format!("0.1-volscreen/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Counters shared by every connection of a pool (all monotonic).
#[derive(Debug, Default)]
pub struct FeedCounters {
    pub connections_opened: AtomicU64,
    pub connect_failures: AtomicU64,
    pub reconnects: AtomicU64,
    pub messages_sent: AtomicU64,
    pub messages_received: AtomicU64,
    pub keepalives_sent: AtomicU64,
    pub channels_opened: AtomicU64,
    pub channels_refused: AtomicU64,
    pub subscriptions_added: AtomicU64,
    pub subscriptions_removed: AtomicU64,
    pub resubscriptions: AtomicU64,
    pub snapshots_completed: AtomicU64,
    pub snapshots_truncated: AtomicU64,
    pub candles_received: AtomicU64,
    pub timeouts: AtomicU64,
    pub server_errors: AtomicU64,
    pub malformed: AtomicU64,
    /// Quote subscriptions sent (`add` items on quote channels).
    pub quote_subscriptions: AtomicU64,
    /// Quote events decoded.
    pub quotes_received: AtomicU64,
    /// Quote requests that hit their deadline.
    pub quote_timeouts: AtomicU64,
}

pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// What the reader task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnEvent {
    ChannelOpened(u64),
    ChannelClosed(u64),
    /// Candle events decoded from one `FEED_DATA`, in wire order.
    Candles {
        channel: u64,
        events: Vec<CandleEvent>,
    },
    /// Quote events decoded from one `FEED_DATA`, in wire order.
    Quotes {
        channel: u64,
        events: Vec<QuoteEvent>,
    },
    /// An `ERROR` frame (message redacted).
    ServerError {
        channel: u64,
        error: String,
        message: String,
    },
    /// `AUTH_STATE UNAUTHORIZED` after authorization (the token expired or was revoked).
    AuthLost,
    /// The socket is gone (closed by the server, failed, or silent past our keepalive timeout).
    Closed(String),
}

/// An open, authorized DXLink connection.
pub struct Connection {
    out: mpsc::UnboundedSender<Message>,
    events: mpsc::UnboundedReceiver<ConnEvent>,
    reader: JoinHandle<()>,
    writer: Option<JoinHandle<()>>,
    server_keepalive: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server_keepalive", &self.server_keepalive)
            .finish_non_exhaustive()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        // The writer ends by itself once `out` is gone, sending a Close frame on the way.
    }
}

/// Accept `wss://` anywhere and `ws://` only to a loopback host: the one rule of
/// [`check_dxlink_url`], which also checks the URL of every quote token. The error shows only the
/// scheme and host (never a path or query that could carry a secret).
pub fn check_url(url: &str) -> Result<(), DxLinkError> {
    let uri: Uri = url
        .parse()
        .map_err(|_| DxLinkError::BadUrl("(unparsable)".into()))?;
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    check_dxlink_url(url).map_err(|_| DxLinkError::BadUrl(format!("{scheme}://{host}")))
}

impl Connection {
    /// Connect, send SETUP and AUTH at once, and wait for `AUTHORIZED`.
    pub async fn open(
        opts: &ConnectOptions,
        counters: Arc<FeedCounters>,
    ) -> Result<Connection, DxLinkError> {
        check_url(&opts.url)?;
        let handshake = Self::handshake(opts, &counters);
        let (sink, stream, server_keepalive) =
            match tokio::time::timeout(opts.handshake_timeout, handshake).await {
                Ok(r) => r?,
                Err(_) => return Err(DxLinkError::HandshakeTimeout(opts.handshake_timeout)),
            };
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        // Send a KEEPALIVE when nothing went out for half the server's timeout.
        let every = (server_keepalive / 2).max(Duration::from_millis(500));
        let writer = tokio::spawn(write_loop(sink, out_rx, every, counters.clone()));
        let reader = tokio::spawn(read_loop(
            stream,
            ev_tx,
            counters,
            opts.token.clone(),
            opts.keepalive_timeout,
        ));
        Ok(Connection {
            out: out_tx,
            events: ev_rx,
            reader,
            writer: Some(writer),
            server_keepalive,
        })
    }

    async fn handshake(
        opts: &ConnectOptions,
        counters: &FeedCounters,
    ) -> Result<(SplitSink<Ws, Message>, SplitStream<Ws>, Duration), DxLinkError> {
        let (ws, _) = tokio_tungstenite::connect_async_with_config(opts.url.as_str(), None, true)
            .await
            .map_err(|e| DxLinkError::Connect(opts.token.redact(&e.to_string())))?;
        let (mut sink, mut stream) = ws.split();
        let keepalive = opts.keepalive_timeout.as_secs().max(1);
        let setup = ClientMessage::Setup {
            channel: 0,
            version: &opts.version,
            keepalive_timeout: keepalive,
            accept_keepalive_timeout: keepalive,
        }
        .to_json();
        let auth = ClientMessage::Auth {
            channel: 0,
            token: opts.token.expose(),
        }
        .to_json();
        for text in [setup, auth] {
            sink.send(Message::text(text))
                .await
                .map_err(|e| DxLinkError::Connect(opts.token.redact(&e.to_string())))?;
            bump(&counters.messages_sent, 1);
        }
        let mut server_keepalive = Duration::from_secs(60);
        loop {
            let msg = match stream.next().await {
                None => {
                    return Err(closed_before_auth("socket closed"));
                }
                Some(Err(e)) => {
                    let reason = opts.token.redact(&e.to_string());
                    return Err(closed_before_auth(&reason));
                }
                Some(Ok(m)) => m,
            };
            let text = match &msg {
                Message::Text(t) => t.as_str(),
                Message::Binary(b) => std::str::from_utf8(b).unwrap_or_default(),
                Message::Close(frame) => {
                    let reason = frame
                        .as_ref()
                        .map(|f| opts.token.redact(f.reason.as_str()))
                        .unwrap_or_else(|| "closed".into());
                    return Err(closed_before_auth(&reason));
                }
                _ => continue,
            };
            bump(&counters.messages_received, 1);
            match ServerMessage::parse(text) {
                Ok(ServerMessage::Setup { keepalive_timeout }) => {
                    if let Some(secs) = keepalive_timeout.filter(|s| s.is_finite() && *s > 0.0) {
                        server_keepalive = Duration::from_secs_f64(secs.min(86_400.0));
                    }
                }
                Ok(ServerMessage::AuthState {
                    authorized: true, ..
                }) => return Ok((sink, stream, server_keepalive)),
                // Any ERROR before AUTHORIZED answers our SETUP or AUTH (a refused token, too many
                // connections): the server may keep the socket open, but waiting is pointless.
                Ok(ServerMessage::Error { error, message, .. }) => {
                    bump(&counters.server_errors, 1);
                    return Err(DxLinkError::Unauthorized(
                        opts.token.redact(&format!("{error}: {message}")),
                    ));
                }
                // UNAUTHORIZED comes first on every connection; anything else is early noise.
                Ok(_) => {}
                Err(_) => bump(&counters.malformed, 1),
            }
        }
    }

    /// Queue a text frame. False when the socket is gone.
    pub fn send(&self, text: String) -> bool {
        self.out.send(Message::text(text)).is_ok()
    }

    /// Open a FEED channel: `CHANNEL_REQUEST` with `contract`, then at once a `FEED_SETUP` asking
    /// COMPACT candles with only the fields volscreen uses.
    pub fn open_feed_channel(&self, channel: u64, contract: &str, aggregation_period: f64) -> bool {
        self.send(channel_request(channel, contract))
            && self.send(candle_feed_setup(channel, aggregation_period))
    }

    /// Open a FEED channel for quotes: `CHANNEL_REQUEST` with `contract` (`AUTO` or `TICKER`), then
    /// at once a `FEED_SETUP` asking COMPACT quotes with only the fields volscreen uses.
    pub fn open_quote_channel(
        &self,
        channel: u64,
        contract: &str,
        aggregation_period: f64,
    ) -> bool {
        self.send(channel_request(channel, contract))
            && self.send(quote_feed_setup(channel, aggregation_period))
    }

    /// `CHANNEL_CANCEL` a channel (the server answers `CHANNEL_CLOSED`).
    pub fn cancel_channel(&self, channel: u64) -> bool {
        self.send(ClientMessage::ChannelCancel { channel }.to_json())
    }

    /// Send `FEED_SUBSCRIPTION`s (removals first), chunked under `max_bytes`. Returns the number of
    /// messages, or `None` when the socket is gone.
    pub fn subscribe(
        &self,
        channel: u64,
        add: &[SubscriptionItem],
        remove: &[SubscriptionItem],
        max_bytes: usize,
    ) -> Option<usize> {
        let msgs = subscription_messages(channel, add, remove, max_bytes);
        let n = msgs.len();
        for m in msgs {
            if !self.send(m) {
                return None;
            }
        }
        Some(n)
    }

    /// The next event; `None` once the reader has ended and everything was delivered.
    pub async fn recv(&mut self) -> Option<ConnEvent> {
        self.events.recv().await
    }

    /// The keepalive timeout the server advertised.
    pub fn server_keepalive(&self) -> Duration {
        self.server_keepalive
    }

    /// Close politely: a Close frame, then wait (briefly) for the writer to flush it.
    pub async fn close(mut self) {
        let _ = self.out.send(Message::Close(None));
        if let Some(writer) = self.writer.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), writer).await;
        }
    }
}

fn channel_request(channel: u64, contract: &str) -> String {
    ClientMessage::ChannelRequest {
        channel,
        service: "FEED",
        parameters: ChannelParameters {
            contract: contract.to_string(),
        },
    }
    .to_json()
}

fn closed_before_auth(reason: &str) -> DxLinkError {
    DxLinkError::Closed(format!("before authorization: {reason}"))
}

async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut rx: mpsc::UnboundedReceiver<Message>,
    every: Duration,
    counters: Arc<FeedCounters>,
) {
    let mut last = Instant::now();
    loop {
        tokio::select! {
            m = rx.recv() => match m {
                Some(m) => {
                    let close = matches!(m, Message::Close(_));
                    if sink.send(m).await.is_err() {
                        return;
                    }
                    bump(&counters.messages_sent, 1);
                    last = Instant::now();
                    if close {
                        return;
                    }
                }
                None => {
                    let _ = sink.close().await;
                    return;
                }
            },
            _ = tokio::time::sleep_until(last + every) => {
                let ka = ClientMessage::Keepalive { channel: 0 }.to_json();
                if sink.send(Message::text(ka)).await.is_err() {
                    return;
                }
                bump(&counters.messages_sent, 1);
                bump(&counters.keepalives_sent, 1);
                last = Instant::now();
            }
        }
    }
}

async fn read_loop(
    mut stream: SplitStream<Ws>,
    events: mpsc::UnboundedSender<ConnEvent>,
    counters: Arc<FeedCounters>,
    token: StreamerToken,
    idle: Duration,
) {
    let mut decoders: HashMap<u64, FeedDecoder> = HashMap::new();
    let reason = loop {
        let msg = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => break format!("nothing from the server for {idle:?}"),
            Ok(None) => break "socket closed".to_string(),
            Ok(Some(Err(e))) => break token.redact(&e.to_string()),
            Ok(Some(Ok(m))) => m,
        };
        let text = match &msg {
            Message::Text(t) => t.as_str(),
            Message::Binary(b) => match std::str::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    bump(&counters.malformed, 1);
                    continue;
                }
            },
            Message::Close(frame) => {
                break match frame {
                    Some(f) if !f.reason.is_empty() => {
                        format!("closed by server ({}): {}", f.code, token.redact(&f.reason))
                    }
                    Some(f) => format!("closed by server ({})", f.code),
                    None => "closed by server".to_string(),
                };
            }
            _ => continue,
        };
        bump(&counters.messages_received, 1);
        let event = match ServerMessage::parse(text) {
            Err(_) => {
                bump(&counters.malformed, 1);
                continue;
            }
            Ok(ServerMessage::FeedConfig {
                channel,
                data_format,
                event_fields,
            }) => {
                decoders
                    .entry(channel)
                    .or_default()
                    .apply_config(data_format.as_deref(), event_fields.as_ref());
                continue;
            }
            Ok(ServerMessage::FeedData { channel, data }) => {
                let mut candles = Vec::new();
                let mut quotes = Vec::new();
                let report = decoders.entry(channel).or_default().decode_into(
                    &data,
                    EventSink {
                        candles: Some(&mut candles),
                        quotes: Some(&mut quotes),
                    },
                );
                bump(&counters.malformed, report.malformed as u64);
                bump(&counters.candles_received, candles.len() as u64);
                bump(&counters.quotes_received, quotes.len() as u64);
                if !quotes.is_empty() {
                    let event = ConnEvent::Quotes {
                        channel,
                        events: quotes,
                    };
                    if events.send(event).is_err() {
                        return;
                    }
                }
                if candles.is_empty() {
                    continue;
                }
                ConnEvent::Candles {
                    channel,
                    events: candles,
                }
            }
            Ok(ServerMessage::ChannelOpened { channel }) => ConnEvent::ChannelOpened(channel),
            Ok(ServerMessage::ChannelClosed { channel }) => {
                decoders.remove(&channel);
                ConnEvent::ChannelClosed(channel)
            }
            Ok(ServerMessage::Error {
                channel,
                error,
                message,
            }) => {
                bump(&counters.server_errors, 1);
                ConnEvent::ServerError {
                    channel,
                    error: token.redact(&error),
                    message: token.redact(&message),
                }
            }
            Ok(ServerMessage::AuthState {
                authorized: false, ..
            }) => ConnEvent::AuthLost,
            Ok(_) => continue,
        };
        if events.send(event).is_err() {
            return;
        }
    };
    let _ = events.send(ConnEvent::Closed(reason));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_wss_or_loopback_ws() {
        assert!(check_url("wss://tasty-openapi-ws.dxfeed.com/realtime").is_ok());
        assert!(check_url("ws://127.0.0.1:8080/dxlink").is_ok());
        assert!(check_url("ws://localhost:1/dxlink").is_ok());
        assert!(check_url("ws://[::1]:1/dxlink").is_ok());
        assert!(check_url("ws://example.com/dxlink").is_err());
        assert!(check_url("http://127.0.0.1/").is_err());
        assert!(check_url("not a url").is_err());
        let e = check_url("ws://example.com/x?token=abc")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("abc"), "{e}");
    }
}
