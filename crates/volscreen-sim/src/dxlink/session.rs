//! The DXLink session of one connection, as a state machine without I/O: the handshake (`SETUP`,
//! `AUTH_STATE UNAUTHORIZED` at once, exactly one `AUTHORIZED` no earlier than the latency model's
//! connect time), the per-quote-token connection limit, channels (`CHANNEL_REQUEST` /
//! `CHANNEL_CANCEL`), `FEED_SETUP`, `FEED_SUBSCRIPTION`, keepalives and the idle timeout.
//!
//! The socket loop ([`super::connection`]) hands it frames ([`Session::on_text`]) and the clock
//! ([`Session::tick`] whenever [`Session::next_deadline`] passes) and sends what
//! [`Session::drain`] returns. Strict where the real service is (even channel numbers, messages on
//! channels never opened, candle `add` without `fromTime`, anything before authorization → `ERROR`),
//! lenient where it is (early AUTH, no or repeated `FEED_SETUP`, `reset` with `add`, `remove`
//! without `fromTime`). Client input never panics the server: anything malformed is an `ERROR`.
//!
//! Candle subscriptions read the symbol's fixture file first when the market serves fixtures
//! ([`super::fixtures`]); a broken file is an `ERROR` for that subscription.
//!
//! Quote and Summary subscriptions ("tickers") are answered with one event each from
//! `market.quote(symbol)`, after the latency of a one-event snapshot
//! ([`LatencyProfile::ticker`](crate::LatencyProfile::ticker): 251 ms under `seed`, at once
//! under `none`), scheduled like candle batches (the socket loop never sleeps). Symbols the market
//! does not quote (unknown symbols, option strikes that are not listed) get **nothing**, as on the
//! real service: a client must time such symbols out itself. The `reconfig` and `full` faults are
//! rolled per ticker `FEED_DATA` message too (a new field order, or FULL, announced before it).

use super::events::{EventType, FeedData, QuoteEvent, SummaryEvent};
use super::feed::FeedConfig;
use super::fixtures;
use super::protocol::{
    self, decode, parse_envelope, Auth, ChannelRequest, Envelope, ErrorKind, FeedSetup,
    FeedSubscription, Setup, SubEntry,
};
use super::snapshot::{Env, Outcome, Planned, Request, Scheduler};
use crate::faults::Fault;
use crate::latency::ms;
use crate::market::Quote;
use crate::SimState;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The version the server announces in its `SETUP`.
pub const SERVER_VERSION: &str = concat!("1.0.2-volscreen-sim/", env!("CARGO_PKG_VERSION"));

/// Largest text message accepted; a bigger one closes the socket with 1009, as the real service
/// does for subscriptions of about 2,000 symbols in one message.
pub const MAX_MESSAGE_BYTES: usize = 96 * 1024;

/// The keepalive timeout assumed for a client that does not advertise one.
const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// What the socket loop must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// Send a text frame.
    Text(String),
    /// Send a close frame and end the connection.
    Close { code: u16, reason: String },
    /// End the connection abruptly, without a close frame (the `ws_drop` fault).
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthPhase {
    Unauthorized,
    /// A valid token arrived; `AUTHORIZED` is sent at `at` (latency model).
    Pending {
        at: Instant,
    },
    Authorized,
}

/// One open `FEED` channel.
#[derive(Default)]
struct Channel {
    feed: FeedConfig,
    subscriptions: HashSet<(EventType, String)>,
    snapshots: Scheduler,
    /// Quote / Summary subscriptions waiting for their first event, due times ascending (the
    /// latency is the same for all, so FIFO order is due order).
    tickers: VecDeque<Ticker>,
}

/// A Quote or Summary subscription whose first event is due at `due`.
struct Ticker {
    due: Instant,
    event_type: EventType,
    symbol: String,
}

/// The state of one DXLink connection.
pub struct Session {
    state: Arc<SimState>,
    opened: Instant,
    last_received: Instant,
    last_sent: Instant,
    /// The client's `keepaliveTimeout`: the server must send something within it.
    client_timeout: Duration,
    /// The server's own `keepaliveTimeout`: a client silent for longer is closed.
    server_timeout: Duration,
    setup_sent: bool,
    auth: AuthPhase,
    /// The quote token counted against the per-token connection limit.
    counted_token: Option<String>,
    /// Channel messages that arrived while `AUTHORIZED` was pending.
    deferred: VecDeque<Envelope>,
    channels: BTreeMap<u64, Channel>,
    /// The `ws_drop` fault, rolled once per socket, until a snapshot spends it.
    ws_drop_armed: Cell<bool>,
    out: Vec<Out>,
    closed: bool,
}

impl Session {
    /// A session for a socket opened at `now`.
    pub fn new(state: Arc<SimState>, now: Instant) -> Session {
        let server_secs = state.latency().dxlink_limits.keepalive_timeout_secs.max(1);
        let ws_drop_armed = Cell::new(state.faults().roll(Fault::WsDrop));
        Session {
            state,
            opened: now,
            last_received: now,
            last_sent: now,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
            server_timeout: Duration::from_secs(server_secs),
            setup_sent: false,
            auth: AuthPhase::Unauthorized,
            counted_token: None,
            deferred: VecDeque::new(),
            channels: BTreeMap::new(),
            ws_drop_armed,
            out: Vec::new(),
            closed: false,
        }
    }

    /// Whether the session has ended (a close or drop is queued or was sent).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Take what is to be sent; sending counts as activity for the keepalive.
    pub fn drain(&mut self, now: Instant) -> Vec<Out> {
        if !self.out.is_empty() {
            self.last_sent = now;
        }
        std::mem::take(&mut self.out)
    }

    /// When [`tick`](Self::tick) must run next: a snapshot batch, a pending `AUTHORIZED`, a
    /// keepalive or the idle timeout.
    pub fn next_deadline(&self) -> Instant {
        let mut at = (self.last_sent + self.client_timeout / 2)
            .min(self.last_received + self.server_timeout);
        if let AuthPhase::Pending { at: auth_at } = self.auth {
            at = at.min(auth_at);
        }
        for ch in self.channels.values() {
            if let Some(due) = ch.snapshots.next_due() {
                at = at.min(due);
            }
            if let Some(t) = ch.tickers.front() {
                at = at.min(t.due);
            }
        }
        at
    }

    /// A text frame arrived.
    pub fn on_text(&mut self, text: &str, now: Instant) {
        self.last_received = now;
        if self.closed {
            return;
        }
        if text.len() > MAX_MESSAGE_BYTES {
            self.close(1009, "message too big");
            return;
        }
        match parse_envelope(text) {
            Ok(env) => self.dispatch(env, now),
            Err(e) => self.error(0, ErrorKind::InvalidMessage, &e),
        }
    }

    /// A binary frame arrived (DXLink is text only).
    pub fn on_binary(&mut self, now: Instant) {
        self.last_received = now;
        if !self.closed {
            self.error(
                0,
                ErrorKind::InvalidMessage,
                "binary frames are not supported: send JSON text",
            );
        }
    }

    /// Any other frame (ping, pong) arrived: it counts as activity.
    pub fn on_frame(&mut self, now: Instant) {
        self.last_received = now;
    }

    /// Advance the clock: idle timeout, a pending `AUTHORIZED`, due snapshot batches, keepalive.
    pub fn tick(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if now >= self.last_received + self.server_timeout {
            let secs = self.server_timeout.as_secs();
            self.error(
                0,
                ErrorKind::Timeout,
                &format!(
                    "The timeout has been reached. No message was received for {secs} seconds."
                ),
            );
            self.close(1000, "timeout");
            return;
        }
        self.check_auth(now);
        let state = self.state.clone();
        let market = state.market();
        let env = snapshot_env(&state, &market, &self.ws_drop_armed);
        let mut texts = Vec::new();
        for (id, ch) in self.channels.iter_mut() {
            if ch.snapshots.next_due().is_some_and(|d| d <= now) {
                let outcome = ch
                    .snapshots
                    .run_due(*id, &mut ch.feed, now, env, &mut texts);
                if outcome == Outcome::DropSocket {
                    self.out.extend(texts.drain(..).map(Out::Text));
                    self.out.push(Out::Drop);
                    self.closed = true;
                    return;
                }
            }
            texts.extend(due_tickers(&state, *id, ch, now));
        }
        self.out.extend(texts.into_iter().map(Out::Text));
        if self.out.is_empty() && now >= self.last_sent + self.client_timeout / 2 {
            self.push(protocol::keepalive());
        }
    }

    fn push(&mut self, text: String) {
        self.out.push(Out::Text(text));
    }

    fn error(&mut self, channel: u64, kind: ErrorKind, message: &str) {
        self.state
            .stats
            .dxlink_errors
            .fetch_add(1, Ordering::Relaxed);
        self.push(protocol::error(channel, kind, message));
    }

    fn close(&mut self, code: u16, reason: &str) {
        self.out.push(Out::Close {
            code,
            reason: reason.to_string(),
        });
        self.closed = true;
    }

    fn dispatch(&mut self, env: Envelope, now: Instant) {
        if !self.setup_sent && env.kind != "SETUP" {
            // A client that skips or delays its SETUP still gets the server's SETUP and AUTH_STATE.
            self.send_setup();
        }
        match env.kind.as_str() {
            "SETUP" => self.on_setup(&env),
            "AUTH" => self.on_auth(&env, now),
            // KEEPALIVE only proves the client is alive; an ERROR from the client is informational.
            "KEEPALIVE" | "ERROR" => {}
            _ => match self.auth {
                AuthPhase::Authorized => self.on_channel_message(env, now),
                AuthPhase::Pending { .. } => self.deferred.push_back(env),
                AuthPhase::Unauthorized => self.error(
                    env.channel,
                    ErrorKind::Unauthorized,
                    &format!("{} before authorization: send AUTH first", env.kind),
                ),
            },
        }
    }

    fn send_setup(&mut self) {
        let secs = self.server_timeout.as_secs();
        self.push(protocol::setup(secs, SERVER_VERSION));
        self.setup_sent = true;
        if self.auth != AuthPhase::Authorized {
            self.push(protocol::auth_state(false));
        }
    }

    fn on_setup(&mut self, env: &Envelope) {
        let setup: Setup = match decode(env) {
            Ok(s) => s,
            Err(e) => return self.error(0, ErrorKind::InvalidMessage, &e),
        };
        if let Some(t) = setup
            .keepalive_timeout
            .filter(|t| t.is_finite() && *t > 0.0)
        {
            self.client_timeout = Duration::from_secs_f64(t.clamp(0.2, 86_400.0));
        }
        if self.setup_sent {
            let secs = self.server_timeout.as_secs();
            self.push(protocol::setup(secs, SERVER_VERSION));
        } else {
            self.send_setup();
        }
    }

    fn on_auth(&mut self, env: &Envelope, now: Instant) {
        let auth: Auth = match decode(env) {
            Ok(a) => a,
            Err(e) => return self.error(0, ErrorKind::InvalidMessage, &e),
        };
        if self.auth != AuthPhase::Unauthorized {
            // Exactly one AUTHORIZED per connection: a repeated AUTH changes nothing.
            return;
        }
        let state = self.state.clone();
        let limit = state.latency().dxlink_limits.max_connections_per_token;
        if !state.auth.quote_token_known(&auth.token) {
            self.push(protocol::auth_state(false));
            self.error(0, ErrorKind::Unauthorized, "invalid or expired quote token");
        } else if !state.auth.open_quote_connection(&auth.token, limit) {
            state
                .stats
                .dxlink_refused_connections
                .fetch_add(1, Ordering::Relaxed);
            self.push(protocol::auth_state(false));
            self.error(
                0,
                ErrorKind::Unauthorized,
                &format!("too many connections for this quote token (at most {limit} at once)"),
            );
            self.close(1008, "too many connections for this quote token");
        } else {
            self.counted_token = Some(auth.token);
            let at = self.opened + ms(state.latency().dxlink.connect_ms);
            self.auth = AuthPhase::Pending { at: at.max(now) };
            self.check_auth(now);
        }
    }

    /// Send `AUTHORIZED` once its time has come, then handle what waited for it.
    fn check_auth(&mut self, now: Instant) {
        let AuthPhase::Pending { at } = self.auth else {
            return;
        };
        if now < at || !self.setup_sent {
            return;
        }
        self.auth = AuthPhase::Authorized;
        self.push(protocol::auth_state(true));
        while let Some(env) = self.deferred.pop_front() {
            if self.closed {
                break;
            }
            self.on_channel_message(env, now);
        }
    }

    fn on_channel_message(&mut self, env: Envelope, now: Instant) {
        match env.kind.as_str() {
            "CHANNEL_REQUEST" => self.on_channel_request(&env),
            "CHANNEL_CANCEL" => {
                if self.channels.remove(&env.channel).is_some() {
                    self.push(protocol::channel_closed(env.channel));
                } else {
                    self.not_open(env.channel);
                }
            }
            "FEED_SETUP" => self.on_feed_setup(&env),
            "FEED_SUBSCRIPTION" => self.on_feed_subscription(&env, now),
            other => self.error(
                env.channel,
                ErrorKind::BadAction,
                &format!("unknown message type {other:?}"),
            ),
        }
    }

    fn not_open(&mut self, channel: u64) {
        self.error(
            channel,
            ErrorKind::BadAction,
            &format!("channel {channel} is not open: send CHANNEL_REQUEST first"),
        );
    }

    fn on_channel_request(&mut self, env: &Envelope) {
        let ch = env.channel;
        if ch % 2 == 0 {
            return self.error(
                ch,
                ErrorKind::BadAction,
                &format!("channel {ch} is even: clients open odd channel numbers (1, 3, 5, ...)"),
            );
        }
        let req: ChannelRequest = match decode(env) {
            Ok(r) => r,
            Err(e) => return self.error(ch, ErrorKind::InvalidMessage, &e),
        };
        if req.service != "FEED" {
            return self.error(
                ch,
                ErrorKind::BadAction,
                &format!(
                    "service {:?} is not available here (only FEED)",
                    req.service
                ),
            );
        }
        let mut parameters: Map<String, Value> = req.parameters.unwrap_or_default();
        let contract = parameters
            .entry("contract")
            .or_insert_with(|| Value::from("AUTO"));
        if !matches!(
            contract.as_str(),
            Some("HISTORY" | "AUTO" | "TICKER" | "STREAM")
        ) {
            return self.error(
                ch,
                ErrorKind::BadAction,
                &format!("unknown FEED contract {contract} (HISTORY, AUTO, TICKER or STREAM)"),
            );
        }
        let limit = self
            .state
            .latency()
            .dxlink_limits
            .max_channels_per_connection;
        if let Some(existing) = self.channels.get_mut(&ch) {
            // Re-requesting an open channel reopens it from scratch.
            *existing = Channel::default();
        } else if self.channels.len() >= limit {
            return self.error(
                ch,
                ErrorKind::BadAction,
                &format!("too many channels: at most {limit} per connection"),
            );
        } else {
            self.channels.insert(ch, Channel::default());
            self.state
                .stats
                .dxlink_channels
                .fetch_add(1, Ordering::Relaxed);
        }
        self.push(protocol::channel_opened(ch, &req.service, &parameters));
    }

    fn on_feed_setup(&mut self, env: &Envelope) {
        let ch = env.channel;
        if !self.channels.contains_key(&ch) {
            return self.not_open(ch);
        }
        let setup: FeedSetup = match decode(env) {
            Ok(s) => s,
            Err(e) => return self.error(ch, ErrorKind::InvalidMessage, &e),
        };
        let applied = match self.channels.get_mut(&ch) {
            Some(channel) => channel.feed.apply_setup(ch, &setup),
            None => return,
        };
        match applied {
            Ok(config) => self.push(config),
            Err(e) => self.error(ch, ErrorKind::InvalidMessage, &e),
        }
    }

    fn on_feed_subscription(&mut self, env: &Envelope, now: Instant) {
        let ch = env.channel;
        if !self.channels.contains_key(&ch) {
            return self.not_open(ch);
        }
        let sub: FeedSubscription = match decode(env) {
            Ok(s) => s,
            Err(e) => return self.error(ch, ErrorKind::InvalidMessage, &e),
        };
        let state = self.state.clone();
        let mut errors: Vec<(ErrorKind, String)> = Vec::new();
        let Some(channel) = self.channels.get_mut(&ch) else {
            return;
        };
        if sub.reset == Some(true) {
            channel.subscriptions.clear();
            channel.snapshots.clear();
            channel.tickers.clear();
        }
        for v in sub.remove.iter().flatten() {
            match SubEntry::parse(v) {
                Err(e) => errors.push((ErrorKind::InvalidMessage, e)),
                // Removing something never subscribed (or of an unknown type) is ignored.
                Ok(e) => {
                    if let Some(t) = EventType::parse(&e.event_type) {
                        channel.subscriptions.remove(&(t, e.symbol.clone()));
                        if t == EventType::Candle {
                            channel.snapshots.cancel(&e.symbol);
                        }
                        channel
                            .tickers
                            .retain(|k| k.event_type != t || k.symbol != e.symbol);
                    }
                }
            }
        }
        for v in sub.add.iter().flatten() {
            let e = match SubEntry::parse(v) {
                Ok(e) => e,
                Err(e) => {
                    errors.push((ErrorKind::InvalidMessage, e));
                    continue;
                }
            };
            let Some(t) = EventType::parse(&e.event_type) else {
                errors.push((
                    ErrorKind::BadAction,
                    format!("unknown event type {:?} for {}", e.event_type, e.symbol),
                ));
                continue;
            };
            if t == EventType::Candle && e.from_time.is_none() {
                errors.push((
                    ErrorKind::BadAction,
                    format!("Candle subscription {} needs fromTime", e.symbol),
                ));
                continue;
            }
            channel.subscriptions.insert((t, e.symbol.clone()));
            state
                .stats
                .dxlink_subscriptions
                .fetch_add(1, Ordering::Relaxed);
            match t {
                EventType::Candle => {
                    let fixture = match &state.options.fixtures {
                        None => None,
                        Some(dir) => match fixtures::load(dir, &e.symbol) {
                            Ok(f) => f.map(Arc::new),
                            Err(message) => {
                                errors.push((ErrorKind::Unknown, message));
                                continue;
                            }
                        },
                    };
                    let request = Request {
                        symbol: e.symbol,
                        from_time: e.from_time.unwrap_or(0),
                        planned: Planned::roll(state.faults()),
                    };
                    channel.snapshots.enqueue_fixture(request, fixture)
                }
                EventType::Quote | EventType::Summary => channel.tickers.push_back(Ticker {
                    due: now + state.latency().ticker(),
                    event_type: t,
                    symbol: e.symbol,
                }),
                // Accepted, and silent: the demo market has no such data.
                _ => {}
            }
        }
        let market = state.market();
        channel
            .snapshots
            .promote(now, snapshot_env(&state, &market, &self.ws_drop_armed));
        // At latency `none` the first events are due at once.
        let ticker_data = due_tickers(&state, ch, channel, now);
        for (kind, message) in errors {
            self.error(ch, kind, &message);
        }
        self.out.extend(ticker_data.into_iter().map(Out::Text));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(token) = self.counted_token.take() {
            self.state.auth.close_quote_connection(&token);
        }
    }
}

fn snapshot_env<'a>(
    state: &'a SimState,
    market: &'a crate::market::Market,
    ws_drop_armed: &'a Cell<bool>,
) -> Env<'a> {
    Env {
        market,
        latency: state.latency(),
        stats: &state.stats,
        ws_drop_armed,
    }
}

/// The messages of the channel's tickers due at `now` (still subscribed), in due order.
fn due_tickers(state: &SimState, id: u64, channel: &mut Channel, now: Instant) -> Vec<String> {
    let mut due = Vec::new();
    while channel.tickers.front().is_some_and(|t| t.due <= now) {
        let Some(t) = channel.tickers.pop_front() else {
            break;
        };
        if channel
            .subscriptions
            .contains(&(t.event_type, t.symbol.clone()))
        {
            due.push((t.event_type, t.symbol));
        }
    }
    ticker_messages(state, id, &mut channel.feed, &due)
}

/// The Quote and Summary events of subscribed symbols, from the market's quotes: one `FEED_DATA`
/// per event type (split at the per-message limit), each preceded by the `FEED_CONFIG` due (and by
/// the `reconfig` / `full` faults, rolled per message). Symbols the market does not quote get
/// nothing.
fn ticker_messages(
    state: &SimState,
    channel: u64,
    feed: &mut FeedConfig,
    subscribed: &[(EventType, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    if subscribed.is_empty() {
        return out;
    }
    let per_message = state.latency().dxlink_limits.max_candles_per_message.max(1);
    let market = state.market();
    let quoted: Vec<(EventType, &str, Quote)> = subscribed
        .iter()
        .filter_map(|(t, s)| market.quote(s).map(|q| (*t, s.as_str(), q)))
        .collect();
    let quotes: Vec<QuoteEvent<'_>> = quoted
        .iter()
        .filter(|(t, _, _)| *t == EventType::Quote)
        .map(|(_, s, q)| QuoteEvent::from_quote(s, q))
        .collect();
    let summaries: Vec<SummaryEvent<'_>> = quoted
        .iter()
        .filter(|(t, _, _)| *t == EventType::Summary)
        .map(|(_, s, q)| SummaryEvent::from_quote(s, q))
        .collect();
    for chunk in quotes.chunks(per_message) {
        ticker_faults(state, channel, feed, EventType::Quote, &mut out);
        let fields = feed.fields(EventType::Quote);
        out.push(
            FeedData {
                channel,
                format: feed.format(),
                event_type: EventType::Quote,
                fields: &fields,
                events: chunk,
            }
            .to_json(),
        );
    }
    for chunk in summaries.chunks(per_message) {
        ticker_faults(state, channel, feed, EventType::Summary, &mut out);
        let fields = feed.fields(EventType::Summary);
        out.push(
            FeedData {
                channel,
                format: feed.format(),
                event_type: EventType::Summary,
                fields: &fields,
                events: chunk,
            }
            .to_json(),
        );
    }
    out
}

/// The `FEED_CONFIG`s due before a ticker `FEED_DATA` of `ty`, with the `reconfig` and `full`
/// faults rolled for this message.
fn ticker_faults(
    state: &SimState,
    channel: u64,
    feed: &mut FeedConfig,
    ty: EventType,
    out: &mut Vec<String>,
) {
    out.extend(feed.announce(channel, ty));
    let faults = state.faults();
    if faults.roll(Fault::Reconfig) {
        feed.reorder(ty);
        state.stats.fault(Fault::Reconfig.name());
        out.extend(feed.announce(channel, ty));
    }
    if faults.roll(Fault::Full) && feed.force_full() {
        state.stats.fault(Fault::Full.name());
        out.extend(feed.announce(channel, ty));
    }
}
