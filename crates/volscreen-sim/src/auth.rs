//! Credentials, access tokens, quote tokens and the per-token rate limit of the demo market.
//!
//! The market accepts one demo client secret and refresh token (`volscreen-demo` unless configured),
//! issues opaque random-looking access tokens that expire (900 s, or `token_ttl` from the faults), and
//! quote tokens that DXLink connections authenticate with. Each access token has its own token bucket
//! (sustained rate and burst from the latency profile); each quote token counts its open DXLink
//! connections against the per-token limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The demo credentials the market accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCredentials {
    pub client_secret: String,
    pub refresh_token: String,
}

impl Default for DemoCredentials {
    fn default() -> Self {
        DemoCredentials {
            client_secret: DEMO_SECRET.to_string(),
            refresh_token: DEMO_SECRET.to_string(),
        }
    }
}

/// The default demo client secret and refresh token.
pub const DEMO_SECRET: &str = "volscreen-demo";

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    Valid,
    Unknown,
    Expired,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token issuing and checking.
#[derive(Debug)]
pub struct AuthStore {
    credentials: DemoCredentials,
    ttl: Duration,
    counter: AtomicU64,
    salt: u64,
    access: Mutex<HashMap<String, Instant>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    quote_tokens: Mutex<HashMap<String, usize>>,
}

impl AuthStore {
    pub fn new(credentials: DemoCredentials, ttl: Duration) -> AuthStore {
        let salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        AuthStore {
            credentials,
            ttl,
            counter: AtomicU64::new(1),
            salt,
            access: Mutex::default(),
            buckets: Mutex::default(),
            quote_tokens: Mutex::default(),
        }
    }

    /// Access-token lifetime.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether a refresh token and client secret are the accepted demo credentials.
    pub fn credentials_ok(&self, refresh_token: &str, client_secret: &str) -> bool {
        refresh_token == self.credentials.refresh_token
            && client_secret == self.credentials.client_secret
    }

    fn fresh(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut h = self.salt ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        format!("{prefix}{n:x}.{h:016x}")
    }

    /// Issue a new access token.
    pub fn issue_access(&self) -> String {
        let token = self.fresh("sim-at-");
        self.access
            .lock()
            .expect("auth lock")
            .insert(token.clone(), Instant::now() + self.ttl);
        token
    }

    /// Check a bearer access token.
    pub fn check_access(&self, token: &str) -> TokenCheck {
        match self.access.lock().expect("auth lock").get(token) {
            None => TokenCheck::Unknown,
            Some(exp) if Instant::now() >= *exp => TokenCheck::Expired,
            Some(_) => TokenCheck::Valid,
        }
    }

    /// Take one request from the token bucket of `token`; false means 429.
    pub fn take_rate(&self, token: &str, rate_per_sec: f64, burst: f64) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("auth lock");
        let b = buckets.entry(token.to_string()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate_per_sec).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Issue a new quote token (for DXLink).
    pub fn issue_quote_token(&self) -> String {
        let token = self.fresh("sim-qt-");
        self.quote_tokens
            .lock()
            .expect("auth lock")
            .insert(token.clone(), 0);
        token
    }

    /// Whether a quote token was issued by this market.
    pub fn quote_token_known(&self, token: &str) -> bool {
        self.quote_tokens
            .lock()
            .expect("auth lock")
            .contains_key(token)
    }

    /// Count a new DXLink connection on `token`; false if the token is unknown or at `limit`.
    pub fn open_quote_connection(&self, token: &str, limit: usize) -> bool {
        match self.quote_tokens.lock().expect("auth lock").get_mut(token) {
            Some(n) if *n < limit => {
                *n += 1;
                true
            }
            _ => false,
        }
    }

    /// A DXLink connection counted by [`open_quote_connection`](Self::open_quote_connection) closed.
    pub fn close_quote_connection(&self, token: &str) {
        if let Some(n) = self.quote_tokens.lock().expect("auth lock").get_mut(token) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_buckets_refill() {
        let a = AuthStore::new(DemoCredentials::default(), Duration::from_millis(30));
        assert!(a.credentials_ok("volscreen-demo", "volscreen-demo"));
        assert!(!a.credentials_ok("nope", "volscreen-demo"));
        let t = a.issue_access();
        assert_ne!(t, a.issue_access());
        assert_eq!(a.check_access(&t), TokenCheck::Valid);
        assert_eq!(a.check_access("x"), TokenCheck::Unknown);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(a.check_access(&t), TokenCheck::Expired);
        let ok = (0..45).filter(|_| a.take_rate(&t, 20.0, 40.0)).count();
        assert_eq!(ok, 40);
        let q = a.issue_quote_token();
        assert!((0..4).all(|_| a.open_quote_connection(&q, 4)));
        assert!(!a.open_quote_connection(&q, 4));
        a.close_quote_connection(&q);
        assert!(a.open_quote_connection(&q, 4));
    }
}
