//! [`ApiError`]: every way a tastytrade call can fail, typed where callers branch.
//!
//! Messages name the endpoint and the symbol(s) involved and never contain a secret: every text that
//! came from a server (error bodies, codes, URLs, transport details) is bounded and scrubbed by
//! [`super::secret::server_text`] before it is stored in a variant, and `Display` and `Debug` pass
//! their whole output through [`super::secret::scrub`] once more (so a token learned after the
//! error was built is kept out too). No variant ever holds a token. Errors are `Clone` so one failed
//! chunk can be reported for each of its symbols.

use super::secret::scrub;
use std::fmt;

/// A failed tastytrade request.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `/oauth/token` answered `invalid_grant`: the refresh token (or client secret) is wrong, expired or
    /// revoked. Final: never retried, and every later call fails the same way without a request.
    InvalidGrant { detail: String },
    /// `/oauth/token` rejected the request in another final way (`invalid_client`, 400/401/403, ...).
    AuthRejected {
        status: u16,
        code: String,
        detail: String,
    },
    /// A 401 that survived one token refresh and one retry.
    Unauthorized { endpoint: String, context: String },
    /// 429 Too Many Requests on every attempt.
    RateLimited {
        endpoint: String,
        context: String,
        attempts: u32,
    },
    /// Any other unsuccessful HTTP status (5xx after retries, 4xx at once).
    Http {
        status: u16,
        endpoint: String,
        context: String,
        message: String,
    },
    /// The body could not be decoded (truncated or invalid JSON after retries, or no rows where rows
    /// belong).
    Decode {
        endpoint: String,
        context: String,
        detail: String,
    },
    /// No complete response within the per-request timeout, on every attempt.
    Timeout { endpoint: String, context: String },
    /// Connection refused, reset, DNS, TLS: the server could not be reached.
    Network {
        endpoint: String,
        context: String,
        detail: String,
    },
    /// The server does not know the symbol (404, or an empty answer where one item was expected).
    NotFound { endpoint: String, symbol: String },
    /// A quote token came with a DXLink URL volscreen will not connect to.
    InsecureUrl { url: String },
    /// The client configuration cannot work (bad base URL, zero concurrency, ...).
    Config(String),
}

impl ApiError {
    /// The message before the final scrub of `Display`.
    fn message(&self) -> String {
        match self {
            ApiError::InvalidGrant { detail } => format!("tastytrade refused the refresh token at /oauth/token (invalid_grant: {detail}); check TASTYTRADE_REFRESH_TOKEN and TASTYTRADE_CLIENT_SECRET (not retried)"),
            ApiError::AuthRejected { status, code, detail } => format!("tastytrade refused the credentials at /oauth/token (HTTP {status}, {code}: {detail}) (not retried)"),
            ApiError::Unauthorized { endpoint, context } => format!("{endpoint} answered 401 Unauthorized for {context} even after a token refresh"),
            ApiError::RateLimited { endpoint, context, attempts } => format!("{endpoint} kept answering 429 Too Many Requests for {context} ({attempts} attempts)"),
            ApiError::Http { status, endpoint, context, message } => format!("{endpoint} answered HTTP {status} for {context}{}", fmt_message(message)),
            ApiError::Decode { endpoint, context, detail } => format!("cannot decode the response of {endpoint} for {context}: {detail}"),
            ApiError::Timeout { endpoint, context } => format!("{endpoint} timed out for {context}"),
            ApiError::Network { endpoint, context, detail } => format!("network error on {endpoint} for {context}: {detail}"),
            ApiError::NotFound { endpoint, symbol } => format!("{symbol} not found at {endpoint}"),
            ApiError::InsecureUrl { url } => format!("refusing DXLink URL {url:?} from /api-quote-tokens: only wss://, or ws:// to a loopback address, is accepted"),
            ApiError::Config(m) => format!("invalid tastytrade client configuration: {m}"),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&scrub(&self.message()))
    }
}

/// `Debug` as derived, every string field scrubbed.
impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |v: &String| scrub(v);
        match self {
            ApiError::InvalidGrant { detail } => f
                .debug_struct("InvalidGrant")
                .field("detail", &s(detail))
                .finish(),
            ApiError::AuthRejected {
                status,
                code,
                detail,
            } => f
                .debug_struct("AuthRejected")
                .field("status", status)
                .field("code", &s(code))
                .field("detail", &s(detail))
                .finish(),
            ApiError::Unauthorized { endpoint, context } => f
                .debug_struct("Unauthorized")
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .finish(),
            ApiError::RateLimited {
                endpoint,
                context,
                attempts,
            } => f
                .debug_struct("RateLimited")
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .field("attempts", attempts)
                .finish(),
            ApiError::Http {
                status,
                endpoint,
                context,
                message,
            } => f
                .debug_struct("Http")
                .field("status", status)
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .field("message", &s(message))
                .finish(),
            ApiError::Decode {
                endpoint,
                context,
                detail,
            } => f
                .debug_struct("Decode")
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .field("detail", &s(detail))
                .finish(),
            ApiError::Timeout { endpoint, context } => f
                .debug_struct("Timeout")
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .finish(),
            ApiError::Network {
                endpoint,
                context,
                detail,
            } => f
                .debug_struct("Network")
                .field("endpoint", &s(endpoint))
                .field("context", &s(context))
                .field("detail", &s(detail))
                .finish(),
            ApiError::NotFound { endpoint, symbol } => f
                .debug_struct("NotFound")
                .field("endpoint", &s(endpoint))
                .field("symbol", &s(symbol))
                .finish(),
            ApiError::InsecureUrl { url } => {
                f.debug_struct("InsecureUrl").field("url", &s(url)).finish()
            }
            ApiError::Config(m) => f.debug_tuple("Config").field(&s(m)).finish(),
        }
    }
}

impl std::error::Error for ApiError {}

fn fmt_message(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl ApiError {
    /// Whether the credentials were refused for good (nothing else will work until they change).
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            ApiError::InvalidGrant { .. } | ApiError::AuthRejected { .. }
        )
    }

    /// The endpoint involved, where there is one (`/market-metrics`, `/oauth/token`, ...).
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            ApiError::InvalidGrant { .. } | ApiError::AuthRejected { .. } => Some("/oauth/token"),
            ApiError::Unauthorized { endpoint, .. }
            | ApiError::RateLimited { endpoint, .. }
            | ApiError::Http { endpoint, .. }
            | ApiError::Decode { endpoint, .. }
            | ApiError::Timeout { endpoint, .. }
            | ApiError::Network { endpoint, .. }
            | ApiError::NotFound { endpoint, .. } => Some(endpoint),
            ApiError::InsecureUrl { .. } => Some("/api-quote-tokens"),
            ApiError::Config(_) => None,
        }
    }

    /// Whether asking again for fewer symbols could help: the failure may belong to this request
    /// (a rejected or oversized request, a server error, a timeout, a broken body) rather than to the
    /// session or the network as a whole.
    pub fn splittable(&self) -> bool {
        match self {
            ApiError::Http { status, .. } => {
                matches!(status, 400 | 413 | 414 | 422 | 431) || *status >= 500
            }
            ApiError::Timeout { .. } | ApiError::Decode { .. } => true,
            _ => false,
        }
    }
}

/// A short description of the symbols of a request for messages: `AAPL`, `AAPL, TSLA`,
/// `AAPL, TSLA, MSFT and 97 more`.
pub fn describe_symbols<S: AsRef<str>>(symbols: &[S]) -> String {
    const SHOWN: usize = 3;
    let head: Vec<&str> = symbols.iter().take(SHOWN).map(AsRef::as_ref).collect();
    match symbols.len() {
        0 => "no symbols".to_string(),
        n if n <= SHOWN => head.join(", "),
        n => format!("{} and {} more", head.join(", "), n - SHOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_endpoint_and_symbols() {
        let e = ApiError::Http {
            status: 500,
            endpoint: "/market-metrics".into(),
            context: describe_symbols(&["AAPL", "TSLA", "MSFT", "KO", "PEP"]),
            message: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "/market-metrics answered HTTP 500 for AAPL, TSLA, MSFT and 2 more"
        );
        assert!(e.splittable());
        assert_eq!(describe_symbols::<&str>(&[]), "no symbols");
        let e = ApiError::NotFound {
            endpoint: "/option-chains/{symbol}/nested".into(),
            symbol: "ZZZZ".into(),
        };
        assert!(e.to_string().contains("ZZZZ"));
        assert!(!e.splittable());
    }
}
