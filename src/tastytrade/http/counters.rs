//! The request counters: every attempt the request layer and the token manager make is recorded
//! here as an `Event`, and read back as a plain [`RequestCounters`] snapshot.
//!
//! Rules it keeps:
//! - One `Counters` per client, shared by every clone, the request layer, the token manager and
//!   the batch splitter; recording never fails (a poisoned lock is used as it is: counters stay
//!   consistent after a panic elsewhere).
//! - Totals and the per-endpoint breakdown are updated under one lock, so a snapshot never sees
//!   one without the other.
//! - The pacer's current rate is not stored here: `Counters::snapshot` is handed it.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// Counters of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EndpointCounters {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Attempts beyond the first.
    pub retries: u64,
    /// 429 responses.
    pub rate_limited: u64,
    /// Calls that ended in an error after their retries.
    pub failures: u64,
}

/// A snapshot of the client's request counters ([`crate::tastytrade::TastytradeClient::counters`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RequestCounters {
    /// HTTP requests sent, every attempt, the token endpoint included.
    pub requests: u64,
    /// Attempts beyond the first (backoff retries and 401 retries).
    pub retries: u64,
    /// 429 responses.
    pub rate_limited: u64,
    /// 5xx responses.
    pub server_errors: u64,
    /// 401 responses.
    pub unauthorized: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Connection-level failures.
    pub network_errors: u64,
    /// Truncated or invalid JSON bodies.
    pub bad_bodies: u64,
    /// Access tokens obtained from `/oauth/token`.
    pub token_refreshes: u64,
    /// Batch chunks split in two after failing.
    pub split_chunks: u64,
    /// The pacer's current rate (requests per second); below the configured rate after a 429.
    pub pacing_rate: f64,
    /// Per endpoint (`/market-metrics`, `/oauth/token`, `/option-chains/{symbol}/nested`, ...).
    pub endpoints: BTreeMap<String, EndpointCounters>,
}

/// What happened, for [`Counters::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// One HTTP request sent; `retry` when it is not the first attempt.
    Sent {
        retry: bool,
    },
    RateLimited,
    ServerError,
    Unauthorized,
    Timeout,
    Network,
    BadBody,
    /// A call ended in an error.
    Failed,
}

/// The live counters, shared by the request layer and the token manager.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: Mutex<RequestCounters>,
}

impl Counters {
    fn lock(&self) -> MutexGuard<'_, RequestCounters> {
        // A panic elsewhere while holding the lock leaves plain numbers behind: keep using them.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn record(&self, endpoint: &str, event: Event) {
        let mut c = self.lock();
        match event {
            Event::Sent { retry } => {
                c.requests += 1;
                c.retries += retry as u64;
            }
            Event::RateLimited => c.rate_limited += 1,
            Event::ServerError => c.server_errors += 1,
            Event::Unauthorized => c.unauthorized += 1,
            Event::Timeout => c.timeouts += 1,
            Event::Network => c.network_errors += 1,
            Event::BadBody => c.bad_bodies += 1,
            Event::Failed => {}
        }
        let e = c.endpoints.entry(endpoint.to_string()).or_default();
        match event {
            Event::Sent { retry } => {
                e.requests += 1;
                e.retries += retry as u64;
            }
            Event::RateLimited => e.rate_limited += 1,
            Event::Failed => e.failures += 1,
            _ => {}
        }
    }

    pub(crate) fn token_refreshed(&self) {
        self.lock().token_refreshes += 1;
    }

    pub(crate) fn chunk_split(&self) {
        self.lock().split_chunks += 1;
    }

    pub(crate) fn snapshot(&self, pacing_rate: f64) -> RequestCounters {
        let mut c = self.lock().clone();
        c.pacing_rate = pacing_rate;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_endpoints_move_together() {
        let c = Counters::default();
        c.record("/market-metrics", Event::Sent { retry: false });
        c.record("/market-metrics", Event::RateLimited);
        c.record("/market-metrics", Event::Sent { retry: true });
        c.record("/market-metrics", Event::Failed);
        c.record("/oauth/token", Event::Sent { retry: false });
        c.token_refreshed();
        c.chunk_split();
        let s = c.snapshot(12.5);
        assert_eq!((s.requests, s.retries, s.rate_limited), (3, 1, 1));
        assert_eq!((s.token_refreshes, s.split_chunks), (1, 1));
        assert_eq!(s.pacing_rate, 12.5);
        let m = &s.endpoints["/market-metrics"];
        assert_eq!(
            (m.requests, m.retries, m.rate_limited, m.failures),
            (2, 1, 1, 1)
        );
        assert_eq!(s.endpoints["/oauth/token"].requests, 1);
    }
}
