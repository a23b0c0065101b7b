//! Counters the demo market keeps and serves at `GET /__sim/stats`.
//!
//! Everything is an atomic or a short mutex-guarded map, so handlers count without contention worth
//! measuring. Tests read these counters to prove client behaviour (one token refresh under 50
//! concurrent requests, no request storm after a 429, connections and channels used).

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// Per-endpoint counters.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct EndpointStats {
    pub requests: u64,
    /// Responses by status code.
    pub status: BTreeMap<u16, u64>,
    /// Symbols named by the requests (where the endpoint takes a list).
    pub symbols: u64,
}

/// All counters of one market instance.
#[derive(Debug, Default)]
pub struct Stats {
    endpoints: Mutex<BTreeMap<String, EndpointStats>>,
    faults: Mutex<BTreeMap<String, u64>>,
    /// Responses and snapshots served from `--fixtures` files, by fixture name.
    fixtures: Mutex<BTreeMap<String, u64>>,
    in_flight: AtomicI64,
    peak_in_flight: AtomicI64,
    pub token_grants: AtomicU64,
    pub token_refusals: AtomicU64,
    pub quote_tokens: AtomicU64,
    pub rate_limited: AtomicU64,
    pub dxlink_connections: AtomicU64,
    pub dxlink_open_connections: AtomicI64,
    pub dxlink_peak_connections: AtomicI64,
    pub dxlink_refused_connections: AtomicU64,
    pub dxlink_channels: AtomicU64,
    pub dxlink_subscriptions: AtomicU64,
    pub dxlink_snapshots: AtomicU64,
    pub dxlink_candles: AtomicU64,
    pub dxlink_messages: AtomicU64,
    pub dxlink_errors: AtomicU64,
}

/// Marks a request in flight until dropped.
pub struct InFlight<'a>(&'a Stats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    /// Count a request to `endpoint` naming `symbols` symbols, and mark it in flight.
    pub fn begin(&self, endpoint: &str, symbols: usize) -> InFlight<'_> {
        {
            let mut map = self.endpoints.lock().expect("stats lock");
            let e = map.entry(endpoint.to_string()).or_default();
            e.requests += 1;
            e.symbols += symbols as u64;
        }
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    /// Count a response status for `endpoint`.
    pub fn status(&self, endpoint: &str, status: u16) {
        let mut map = self.endpoints.lock().expect("stats lock");
        *map.entry(endpoint.to_string())
            .or_default()
            .status
            .entry(status)
            .or_default() += 1;
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Count a fault served.
    pub fn fault(&self, name: &str) {
        *self
            .faults
            .lock()
            .expect("stats lock")
            .entry(name.to_string())
            .or_default() += 1;
    }

    /// Count an answer served from a fixture file: a REST request path (`/market-metrics`) or a
    /// DXLink candle file (`dxlink/candles/SPY`).
    pub fn fixture(&self, name: &str) {
        *self
            .fixtures
            .lock()
            .expect("stats lock")
            .entry(name.to_string())
            .or_default() += 1;
    }

    /// A DXLink connection opened; returns a guard that closes it.
    pub fn dxlink_open(&self) {
        self.dxlink_connections.fetch_add(1, Ordering::Relaxed);
        let now = self.dxlink_open_connections.fetch_add(1, Ordering::Relaxed) + 1;
        self.dxlink_peak_connections
            .fetch_max(now, Ordering::Relaxed);
    }

    pub fn dxlink_close(&self) {
        self.dxlink_open_connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// Counters of one endpoint (default when never requested).
    pub fn endpoint(&self, endpoint: &str) -> EndpointStats {
        self.endpoints
            .lock()
            .expect("stats lock")
            .get(endpoint)
            .cloned()
            .unwrap_or_default()
    }

    /// The JSON document served at `/__sim/stats`.
    pub fn snapshot(&self) -> serde_json::Value {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let geti = |a: &AtomicI64| a.load(Ordering::Relaxed);
        let endpoints = self.endpoints.lock().expect("stats lock").clone();
        let total: u64 = endpoints.values().map(|e| e.requests).sum();
        serde_json::json!({
            "requests": total,
            "endpoints": endpoints,
            "rate_limited": get(&self.rate_limited),
            "faults": self.faults.lock().expect("stats lock").clone(),
            "fixtures": self.fixtures.lock().expect("stats lock").clone(),
            "in_flight": geti(&self.in_flight),
            "peak_in_flight": geti(&self.peak_in_flight),
            "oauth": {
                "grants": get(&self.token_grants),
                "refusals": get(&self.token_refusals),
                "quote_tokens": get(&self.quote_tokens),
            },
            "dxlink": {
                "connections": get(&self.dxlink_connections),
                "open_connections": geti(&self.dxlink_open_connections),
                "peak_connections": geti(&self.dxlink_peak_connections),
                "refused_connections": get(&self.dxlink_refused_connections),
                "channels": get(&self.dxlink_channels),
                "subscriptions": get(&self.dxlink_subscriptions),
                "snapshots": get(&self.dxlink_snapshots),
                "candles": get(&self.dxlink_candles),
                "messages": get(&self.dxlink_messages),
                "errors": get(&self.dxlink_errors),
            },
        })
    }
}
