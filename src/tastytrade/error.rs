//! [`ApiError`]: every way a tastytrade call can fail, typed where callers branch.
//!
//! Messages name the endpoint and the symbol(s) involved and never contain a secret: token-endpoint
//! messages are scrubbed of the credentials before they are stored (see [`super::auth`]), and no
//! variant ever holds a token. Errors are `Clone` so one failed chunk can be reported for each of its
//! symbols.

/// A failed tastytrade request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// `/oauth/token` answered `invalid_grant`: the refresh token (or client secret) is wrong, expired or
    /// revoked. Final: never retried, and every later call fails the same way without a request.
    #[error("tastytrade refused the refresh token at /oauth/token (invalid_grant: {detail}); check TASTYTRADE_REFRESH_TOKEN and TASTYTRADE_CLIENT_SECRET (not retried)")]
    InvalidGrant { detail: String },
    /// `/oauth/token` rejected the request in another final way (`invalid_client`, 400/401/403, ...).
    #[error("tastytrade refused the credentials at /oauth/token (HTTP {status}, {code}: {detail}) (not retried)")]
    AuthRejected {
        status: u16,
        code: String,
        detail: String,
    },
    /// A 401 that survived one token refresh and one retry.
    #[error("{endpoint} answered 401 Unauthorized for {context} even after a token refresh")]
    Unauthorized { endpoint: String, context: String },
    /// 429 Too Many Requests on every attempt.
    #[error("{endpoint} kept answering 429 Too Many Requests for {context} ({attempts} attempts)")]
    RateLimited {
        endpoint: String,
        context: String,
        attempts: u32,
    },
    /// Any other unsuccessful HTTP status (5xx after retries, 4xx at once).
    #[error("{endpoint} answered HTTP {status} for {context}{}", fmt_message(.message))]
    Http {
        status: u16,
        endpoint: String,
        context: String,
        message: String,
    },
    /// The body could not be decoded (truncated or invalid JSON after retries, or no rows where rows
    /// belong).
    #[error("cannot decode the response of {endpoint} for {context}: {detail}")]
    Decode {
        endpoint: String,
        context: String,
        detail: String,
    },
    /// No complete response within the per-request timeout, on every attempt.
    #[error("{endpoint} timed out for {context}")]
    Timeout { endpoint: String, context: String },
    /// Connection refused, reset, DNS, TLS: the server could not be reached.
    #[error("network error on {endpoint} for {context}: {detail}")]
    Network {
        endpoint: String,
        context: String,
        detail: String,
    },
    /// The server does not know the symbol (404, or an empty answer where one item was expected).
    #[error("{symbol} not found at {endpoint}")]
    NotFound { endpoint: String, symbol: String },
    /// A quote token came with a DXLink URL volscreen will not connect to.
    #[error("refusing DXLink URL {url:?} from /api-quote-tokens: only wss://, or ws:// to a loopback address, is accepted")]
    InsecureUrl { url: String },
    /// The client configuration cannot work (bad base URL, zero concurrency, ...).
    #[error("invalid tastytrade client configuration: {0}")]
    Config(String),
}

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
