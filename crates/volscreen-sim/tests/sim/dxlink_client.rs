//! Test support: a small DXLink client for the demo market's tests. It records every server message
//! in order, validates each against the AsyncAPI schemas ([`super::dxlink_schema`]), keeps the
//! `FEED_CONFIG` state per channel the way a real client must (decode by the announced fields and
//! format, never by what was asked), decodes every `FEED_DATA` into event objects at the moment it
//! arrives, and fails the test on any protocol-shape violation it can see on its own (`FEED_DATA`
//! before a `FEED_CONFIG` of its type, more than one type per message, COMPACT rows that are not
//! exactly the configured fields, data in a format other than the announced one).

use super::dxlink_schema::DxLinkSchemas;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected message may take.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(15);

pub const BEGIN: i64 = 0x04;
pub const END: i64 = 0x08;
pub const SNIP: i64 = 0x10;
pub const REMOVE: i64 = 0x02;

/// One server message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub msg: Value,
    /// For `FEED_DATA`: its events decoded by the channel's configuration at that moment.
    pub events: Vec<Map<String, Value>>,
    /// For `FEED_DATA`: its event type.
    pub event_type: Option<String>,
    pub at: Instant,
}

/// How the connection ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The server sent a close frame.
    Closed { code: u16, reason: String },
    /// The socket ended without a close frame.
    Dropped(String),
}

#[derive(Debug, Clone, Default)]
struct ChannelConfig {
    format: Option<String>,
    fields: HashMap<String, Vec<String>>,
}

/// One candle snapshot as collected.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub events: Vec<Map<String, Value>>,
    /// Indices into the client log of the `FEED_DATA` messages that carried it.
    pub messages: Vec<usize>,
}

impl Snapshot {
    /// Whether the last event closes the snapshot (END or SNIP).
    pub fn finished(&self) -> bool {
        self.events
            .last()
            .is_some_and(|e| flags(e) & (END | SNIP) != 0)
    }
}

/// A recording, validating DXLink test client.
pub struct DxClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub log: Vec<Received>,
    /// Messages read by [`DxClient::recv_unchecked`], not yet validated nor decoded.
    unchecked: Vec<(Value, Instant)>,
    pub ending: Option<Ending>,
    pub opened_at: Instant,
    configs: HashMap<u64, ChannelConfig>,
    schemas: &'static DxLinkSchemas,
}

impl DxClient {
    pub async fn connect(url: &str) -> DxClient {
        let opened_at = Instant::now();
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("DXLink WebSocket connects");
        DxClient {
            ws,
            log: Vec::new(),
            unchecked: Vec::new(),
            ending: None,
            opened_at,
            configs: HashMap::new(),
            schemas: DxLinkSchemas::shared(),
        }
    }

    pub async fn send(&mut self, msg: Value) {
        self.send_text(&msg.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::text(text.to_string()))
            .await
            .expect("send to DXLink");
    }

    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.ws
            .send(Message::binary(bytes.to_vec()))
            .await
            .expect("send to DXLink");
    }

    /// The client's SETUP, as the official JS client sends it.
    pub async fn setup(&mut self) {
        self.send(
            json!({"type": "SETUP", "channel": 0, "version": "0.1-volscreen-tests/1.0",
            "keepaliveTimeout": 60, "acceptKeepaliveTimeout": 60}),
        )
        .await;
    }

    pub async fn auth(&mut self, token: &str) {
        self.send(json!({"type": "AUTH", "channel": 0, "token": token}))
            .await;
    }

    /// SETUP, wait for the server's SETUP and `UNAUTHORIZED`, AUTH, wait for `AUTHORIZED`.
    pub async fn handshake(&mut self, token: &str) {
        self.setup().await;
        self.recv_until(|m| m["type"] == "SETUP").await;
        self.recv_until(|m| m["type"] == "AUTH_STATE" && m["state"] == "UNAUTHORIZED")
            .await;
        self.auth(token).await;
        self.recv_until(|m| m["type"] == "AUTH_STATE" && m["state"] == "AUTHORIZED")
            .await;
    }

    /// CHANNEL_REQUEST for a FEED channel, without waiting.
    pub async fn request_channel(&mut self, channel: u64, contract: &str) {
        self.send(
            json!({"type": "CHANNEL_REQUEST", "channel": channel, "service": "FEED",
            "parameters": {"contract": contract}}),
        )
        .await;
    }

    /// CHANNEL_REQUEST for a FEED channel; waits for its CHANNEL_OPENED.
    pub async fn open_channel(&mut self, channel: u64, contract: &str) -> Value {
        self.request_channel(channel, contract).await;
        self.recv_until(|m| m["type"] == "CHANNEL_OPENED" && m["channel"] == channel)
            .await
    }

    pub async fn feed_setup(&mut self, channel: u64, setup: Value) {
        let mut msg = json!({"type": "FEED_SETUP", "channel": channel});
        if let (Some(m), Some(s)) = (msg.as_object_mut(), setup.as_object()) {
            m.extend(s.clone());
        }
        self.send(msg).await;
    }

    /// FEED_SUBSCRIPTION `add` of daily candles: `(symbol, fromTime)`.
    pub async fn add_candles(&mut self, channel: u64, symbols: &[(&str, i64)]) {
        let add: Vec<Value> = symbols
            .iter()
            .map(|(s, t)| json!({"type": "Candle", "symbol": s, "fromTime": t}))
            .collect();
        self.send(json!({"type": "FEED_SUBSCRIPTION", "channel": channel, "add": add}))
            .await;
    }

    /// The next server message (recorded and validated), or `None` once the connection ended.
    /// Fails the test if nothing arrives within [`RECV_TIMEOUT`].
    pub async fn recv(&mut self) -> Option<Value> {
        match tokio::time::timeout(RECV_TIMEOUT, self.next_message()).await {
            Ok(m) => m,
            Err(_) => panic!(
                "no DXLink message within {RECV_TIMEOUT:?}; last received: {:?}",
                self.log.last().map(|r| r.msg.to_string())
            ),
        }
    }

    /// The next server message if one arrives within `wait`.
    pub async fn recv_for(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.next_message())
            .await
            .ok()
            .flatten()
    }

    /// Read until a message matches `pred` and return it; fails if the connection ends first.
    pub async fn recv_until(&mut self, mut pred: impl FnMut(&Value) -> bool) -> Value {
        loop {
            match self.recv().await {
                Some(m) if pred(&m) => return m,
                Some(_) => {}
                None => panic!(
                    "connection ended ({:?}) while waiting; log: {}",
                    self.ending,
                    self.dump()
                ),
            }
        }
    }

    /// Read until the server ends the connection; returns how.
    pub async fn recv_until_end(&mut self) -> Ending {
        while self.recv().await.is_some() {}
        self.ending.clone().expect("ending recorded")
    }

    /// Read until every symbol's candle snapshot on `channel` is finished (END or SNIP); returns
    /// the snapshots by symbol, gathered from the whole log (including messages read before).
    pub async fn collect_snapshots(
        &mut self,
        channel: u64,
        symbols: &[&str],
    ) -> BTreeMap<String, Snapshot> {
        loop {
            let snaps = self.snapshots(channel);
            if symbols
                .iter()
                .all(|s| snaps.get(*s).is_some_and(Snapshot::finished))
            {
                return snaps;
            }
            if self.recv().await.is_none() {
                panic!(
                    "connection ended ({:?}) before snapshots of {symbols:?} finished",
                    self.ending
                );
            }
        }
    }

    /// Candle events received so far on `channel`, by `eventSymbol`.
    pub fn snapshots(&self, channel: u64) -> BTreeMap<String, Snapshot> {
        let mut out: BTreeMap<String, Snapshot> = BTreeMap::new();
        for (i, r) in self.log.iter().enumerate() {
            if r.msg["type"] != "FEED_DATA"
                || r.msg["channel"] != channel
                || r.event_type.as_deref() != Some("Candle")
            {
                continue;
            }
            for e in &r.events {
                let sym = e["eventSymbol"].as_str().unwrap_or_default().to_string();
                let snap = out.entry(sym).or_default();
                if snap.messages.last() != Some(&i) {
                    snap.messages.push(i);
                }
                snap.events.push(e.clone());
            }
        }
        out
    }

    /// Server messages of a `type` (and, when given, a channel) received so far.
    pub fn of_type(&self, ty: &str, channel: Option<u64>) -> Vec<&Value> {
        self.log
            .iter()
            .map(|r| &r.msg)
            .filter(|m| m["type"] == ty && channel.is_none_or(|c| m["channel"] == c))
            .collect()
    }

    /// The log, one message per line (truncated), for failure output.
    pub fn dump(&self) -> String {
        self.log
            .iter()
            .map(|r| {
                let s = r.msg.to_string();
                if s.len() > 300 {
                    format!("{}...", &s[..300])
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn next_message(&mut self) -> Option<Value> {
        assert!(
            self.unchecked.is_empty(),
            "check_unchecked() before reading checked messages again"
        );
        let msg = self.read_json().await?;
        self.record(msg.clone(), Instant::now());
        Some(msg)
    }

    /// The next server message, parsed but neither validated nor decoded yet (for throughput
    /// tests); [`check_unchecked`](Self::check_unchecked) must follow before the test ends.
    pub async fn recv_unchecked(&mut self) -> Option<Value> {
        let msg = tokio::time::timeout(RECV_TIMEOUT, self.read_json())
            .await
            .unwrap_or_else(|_| panic!("no DXLink message within {RECV_TIMEOUT:?}"))?;
        self.unchecked.push((msg.clone(), Instant::now()));
        Some(msg)
    }

    /// Validate and decode, in order, everything read by [`recv_unchecked`](Self::recv_unchecked).
    pub fn check_unchecked(&mut self) {
        for (msg, at) in std::mem::take(&mut self.unchecked) {
            self.record(msg, at);
        }
    }

    fn record(&mut self, msg: Value, at: Instant) {
        if let Err(e) = self.schemas.validate(&msg) {
            panic!("{e}");
        }
        let (event_type, events) = self.observe(&msg);
        self.log.push(Received {
            msg,
            events,
            event_type,
            at,
        });
    }

    async fn read_json(&mut self) -> Option<Value> {
        if self.ending.is_some() {
            return None;
        }
        loop {
            let frame = self.ws.next().await;
            let text = match frame {
                Some(Ok(Message::Text(t))) => t.as_str().to_string(),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.as_str().to_string()))
                        .unwrap_or((1005, String::new()));
                    self.ending = Some(Ending::Closed { code, reason });
                    return None;
                }
                Some(Ok(Message::Binary(_))) => panic!("DXLink server sent a binary frame"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    self.ending = Some(Ending::Dropped(e.to_string()));
                    return None;
                }
                None => {
                    self.ending = Some(Ending::Dropped("end of stream".into()));
                    return None;
                }
            };
            let msg: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("server sent invalid JSON ({e}): {text}"));
            return Some(msg);
        }
    }

    /// Track FEED_CONFIG; decode FEED_DATA by the configuration in force.
    fn observe(&mut self, msg: &Value) -> (Option<String>, Vec<Map<String, Value>>) {
        let channel = msg["channel"].as_u64().expect("channel number");
        match msg["type"].as_str() {
            Some("FEED_CONFIG") => {
                let cfg = self.configs.entry(channel).or_default();
                cfg.format = msg["dataFormat"].as_str().map(str::to_string);
                if let Some(fields) = msg["eventFields"].as_object() {
                    for (ty, list) in fields {
                        let list: Vec<String> = list
                            .as_array()
                            .expect("field list")
                            .iter()
                            .map(|f| f.as_str().expect("field name").to_string())
                            .collect();
                        cfg.fields.insert(ty.clone(), list);
                    }
                }
                (None, Vec::new())
            }
            Some("FEED_DATA") => {
                let cfg = self
                    .configs
                    .get(&channel)
                    .unwrap_or_else(|| panic!("FEED_DATA before any FEED_CONFIG: {msg}"));
                let data = msg["data"].as_array().expect("FEED_DATA data array");
                match cfg.format.as_deref() {
                    Some("COMPACT") => {
                        assert_eq!(
                            data.len(),
                            2,
                            "a COMPACT FEED_DATA carries exactly one type/array pair: {msg}"
                        );
                        let ty = data[0].as_str().expect("event type string").to_string();
                        let fields = cfg.fields.get(&ty).unwrap_or_else(|| {
                            panic!("FEED_DATA of {ty} before a FEED_CONFIG listing its fields")
                        });
                        let values = data[1].as_array().expect("COMPACT value array");
                        assert!(
                            !values.is_empty() && values.len() % fields.len() == 0,
                            "COMPACT rows must be exactly the FEED_CONFIG fields ({}): {} values",
                            fields.len(),
                            values.len()
                        );
                        let events = values
                            .chunks(fields.len())
                            .map(|row| {
                                let mut e: Map<String, Value> =
                                    fields.iter().cloned().zip(row.iter().cloned()).collect();
                                e.entry("eventType").or_insert_with(|| json!(ty));
                                e
                            })
                            .collect();
                        (Some(ty), events)
                    }
                    Some("FULL") => {
                        assert!(!data.is_empty(), "empty FULL FEED_DATA");
                        let ty = data[0]["eventType"]
                            .as_str()
                            .expect("FULL events carry eventType")
                            .to_string();
                        let fields = cfg.fields.get(&ty).unwrap_or_else(|| {
                            panic!("FEED_DATA of {ty} before a FEED_CONFIG listing its fields")
                        });
                        let events: Vec<Map<String, Value>> = data
                            .iter()
                            .map(|e| e.as_object().expect("FULL event object").clone())
                            .collect();
                        for e in &events {
                            assert_eq!(e["eventType"], ty.as_str(), "one event type per FEED_DATA");
                            let mut keys: Vec<&String> = e.keys().collect();
                            let mut want: Vec<&String> = fields.iter().collect();
                            keys.sort();
                            want.sort();
                            assert_eq!(keys, want, "FULL events carry the FEED_CONFIG fields");
                        }
                        (Some(ty), events)
                    }
                    other => panic!("FEED_DATA while the data format is {other:?}: {msg}"),
                }
            }
            _ => (None, Vec::new()),
        }
    }
}

impl Drop for DxClient {
    fn drop(&mut self) {
        if !self.unchecked.is_empty() && !std::thread::panicking() {
            panic!(
                "{} DXLink messages were never validated: call check_unchecked()",
                self.unchecked.len()
            );
        }
    }
}

/// `eventFlags` of an event (0 when absent).
pub fn flags(e: &Map<String, Value>) -> i64 {
    e.get("eventFlags").and_then(Value::as_i64).unwrap_or(0)
}

/// A double field: a number, or NaN / ±infinity from their string forms.
pub fn double(e: &Map<String, Value>, field: &str) -> f64 {
    match e.get(field) {
        Some(Value::Number(n)) => n.as_f64().expect("finite number"),
        Some(Value::String(s)) if s == "NaN" => f64::NAN,
        Some(Value::String(s)) if s == "Infinity" => f64::INFINITY,
        Some(Value::String(s)) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("{field} is not a double: {other:?}"),
    }
}

/// An integer field.
pub fn int(e: &Map<String, Value>, field: &str) -> i64 {
    e.get(field)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{field} is not an integer in {e:?}"))
}
