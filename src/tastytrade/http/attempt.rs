//! One attempt of a GET: send it with the bearer token, read the body, and classify the answer
//! into an [`Attempt`] the retry loop in [`super`] acts on. Also the safe texts made of what came
//! back (server messages, transport errors), shared with the token manager.
//!
//! Rules it keeps:
//! - Classification only: no sleeping, pacing or retrying here (the send itself is counted by the
//!   loop); each failure kind is counted here ([`Event`]), once per answer.
//! - 2xx must carry valid JSON (a cut or invalid body is a retryable decode error); 401, 429 and
//!   5xx are retryable kinds; 404 is `NotFound`; other 4xx fail at once.
//! - Every text from a server or a transport error is bounded and scrubbed of secrets ([`short`])
//!   before it goes into an error; URLs never go into transport details.

use super::counters::Event;
use super::{Get, RequestLayer};
use crate::tastytrade::error::ApiError;
use serde_json::Value;
use std::time::Duration;

/// How one attempt ended.
pub(super) enum Attempt {
    Done(Value),
    /// Retry after backoff (`retry_after` from the server when it sent one).
    Again {
        error: ApiError,
        rate_limited: bool,
        retry_after: Option<Duration>,
    },
    /// 401 with the token of this generation (`fresh`: sent in the first half of its life).
    Unauthorized {
        token_generation: u64,
        fresh: bool,
    },
    Fail(ApiError),
}

impl RequestLayer {
    pub(super) async fn attempt(
        &self,
        req: &Get<'_>,
        bearer: &str,
        token_generation: u64,
    ) -> Attempt {
        let url = format!("{}{}", self.settings.base_url, req.path_and_query);
        let sent = self.http.get(&url).bearer_auth(bearer).send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return self.transport_error(req, &e),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return self.transport_error(req, &e),
            Err(e) if (200..300).contains(&status) => {
                self.counters.record(req.endpoint, Event::BadBody);
                return Attempt::Again {
                    error: decode_error(
                        req,
                        short(&format!("body cut short: {}", e.without_url())),
                    ),
                    rate_limited: false,
                    retry_after: None,
                };
            }
            Err(_) => Default::default(),
        };
        match status {
            200..=299 => match serde_json::from_slice::<Value>(&body) {
                Ok(v) => Attempt::Done(v),
                Err(e) => {
                    self.counters.record(req.endpoint, Event::BadBody);
                    Attempt::Again {
                        error: decode_error(req, short(&format!("invalid JSON ({e})"))),
                        rate_limited: false,
                        retry_after: None,
                    }
                }
            },
            401 => {
                self.counters.record(req.endpoint, Event::Unauthorized);
                Attempt::Unauthorized {
                    token_generation,
                    fresh: true,
                }
            }
            429 => {
                self.counters.record(req.endpoint, Event::RateLimited);
                Attempt::Again {
                    error: ApiError::RateLimited {
                        endpoint: req.endpoint.to_string(),
                        context: req.context.clone(),
                        attempts: 1,
                    },
                    rate_limited: true,
                    retry_after,
                }
            }
            404 => Attempt::Fail(ApiError::NotFound {
                endpoint: req.endpoint.to_string(),
                symbol: req.context.clone(),
            }),
            s => {
                let (code, message) = crate::tastytrade::decode::error_body(&body);
                let message = short(
                    &[code, message]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": "),
                );
                let error = ApiError::Http {
                    status: s,
                    endpoint: req.endpoint.to_string(),
                    context: req.context.clone(),
                    message,
                };
                if s >= 500 {
                    self.counters.record(req.endpoint, Event::ServerError);
                    Attempt::Again {
                        error,
                        rate_limited: false,
                        retry_after,
                    }
                } else {
                    Attempt::Fail(error)
                }
            }
        }
    }

    fn transport_error(&self, req: &Get<'_>, e: &reqwest::Error) -> Attempt {
        let error = if e.is_timeout() {
            self.counters.record(req.endpoint, Event::Timeout);
            ApiError::Timeout {
                endpoint: req.endpoint.to_string(),
                context: req.context.clone(),
            }
        } else {
            self.counters.record(req.endpoint, Event::Network);
            ApiError::Network {
                endpoint: req.endpoint.to_string(),
                context: req.context.clone(),
                detail: transport_detail(e),
            }
        };
        Attempt::Again {
            error,
            rate_limited: false,
            retry_after: None,
        }
    }
}

fn decode_error(req: &Get<'_>, detail: String) -> ApiError {
    ApiError::Decode {
        endpoint: req.endpoint.to_string(),
        context: req.context.clone(),
        detail,
    }
}

/// A transport error's description with its source chain (no URL: it is in the message already).
pub(crate) fn transport_detail(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let head = if e.is_connect() {
        "connection failed"
    } else if e.is_body() {
        "response body failed"
    } else {
        "request failed"
    };
    if parts.is_empty() {
        head.to_string()
    } else {
        short(&format!("{head}: {}", parts.join(": ")))
    }
}

/// `Retry-After` as a delay: delta-seconds only (an HTTP date is ignored), at most 60 s.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(60.0)))
}

/// A server message made safe to show: scrubbed of every secret and cut to a readable length
/// ([`crate::tastytrade::secret::server_text`]).
pub(crate) fn short(s: &str) -> String {
    crate::tastytrade::secret::server_text(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("9999"), Some(Duration::from_secs(60)));
    }
}
