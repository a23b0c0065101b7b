//! The common request gate of every authenticated REST endpoint.
//!
//! In order, for each request: count it (`stats.begin`); require a non-empty `User-Agent` (401);
//! refuse an `Accept-Version` that is not a `YYYYMMDD` date (406); require a valid
//! `Authorization: Bearer` access token (401 when missing, unknown or expired); take one request
//! from that token's bucket (429, at no latency cost); roll the `http429` fault (429); refuse a
//! request the endpoint found malformed (400); roll `slow` (+3 s); produce the body, rolling
//! `missing` (optional fields dropped from rows) and `truncate` (the body cut short); wait out the
//! rest of the endpoint's latency (the latency is the response time, the market's work included);
//! roll `http500` (500, after the latency: the server did the work and failed).
//! Every status served is counted (`stats.status`), every fault served too (`stats.fault`).

use super::reply::{bytes_response, json_response, truncated, ApiError};
use super::shape;
use crate::auth::TokenCheck;
use crate::faults::Fault;
use crate::latency::delay;
use crate::SimState;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::time::Duration;

/// Extra delay of a `slow` fault.
pub const SLOW: Duration = Duration::from_secs(3);

/// What the gate needs to know about one request before it runs.
#[derive(Debug)]
pub struct Endpoint {
    /// Stable name in `/__sim/stats` (`market-metrics`, ...).
    pub name: &'static str,
    /// Symbols the request names (0 where the endpoint takes none).
    pub symbols: usize,
    /// The endpoint's response time under the latency profile.
    pub latency: Duration,
    /// A refusal decided while reading the request (bad query, too many symbols): served after
    /// authentication and the rate limit, before any latency.
    pub reject: Option<ApiError>,
}

impl Endpoint {
    pub fn new(name: &'static str, symbols: usize, latency: Duration) -> Endpoint {
        Endpoint {
            name,
            symbols,
            latency,
            reject: None,
        }
    }

    pub fn reject(mut self, error: Option<ApiError>) -> Endpoint {
        self.reject = error;
        self
    }
}

/// A successful body: a document, or one already serialised (the same bytes `Value::to_string`
/// would write).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Value(Value),
    Json(Bytes),
}

impl Body {
    /// The document (parsed back from the bytes of a serialised body: the `missing` fault needs
    /// the tree; serialising it again writes the same bytes).
    pub fn into_value(self) -> Value {
        match self {
            Body::Value(v) => v,
            Body::Json(b) => serde_json::from_slice(&b).expect("a serialised body parses"),
        }
    }
}

/// A successful body. `keep` names the row fields the `missing` fault never drops; `None` means
/// the body has no rows (`data.items`) and the fault does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub body: Body,
    pub keep: Option<&'static [&'static str]>,
}

impl Reply {
    /// A body without rows.
    pub fn plain(body: Value) -> Reply {
        Reply {
            body: Body::Value(body),
            keep: None,
        }
    }

    /// A body whose `data.items` rows may lose every field but `keep`.
    pub fn rows(body: Value, keep: &'static [&'static str]) -> Reply {
        Reply {
            body: Body::Value(body),
            keep: Some(keep),
        }
    }

    /// An already serialised body (valid JSON) whose `data.items` rows may lose every field but
    /// `keep`.
    pub fn json_rows(body: Bytes, keep: &'static [&'static str]) -> Reply {
        Reply {
            body: Body::Json(body),
            keep: Some(keep),
        }
    }
}

/// Run `produce` behind the gate and count the answer.
pub async fn serve<F>(state: &SimState, headers: &HeaderMap, ep: Endpoint, produce: F) -> Response
where
    F: FnOnce() -> Result<Reply, ApiError>,
{
    let name = ep.name;
    let _in_flight = state.stats.begin(name, ep.symbols);
    let response = admit_and_produce(state, headers, ep, produce).await;
    state.stats.status(name, response.status().as_u16());
    response
}

async fn admit_and_produce<F>(
    state: &SimState,
    headers: &HeaderMap,
    ep: Endpoint,
    produce: F,
) -> Response
where
    F: FnOnce() -> Result<Reply, ApiError>,
{
    if let Err(e) = require_user_agent(headers).and_then(|()| check_accept_version(headers)) {
        return e.into_response();
    }
    let token = match bearer(headers) {
        Some(t) => t,
        None => {
            return ApiError::unauthorized("Missing Authorization bearer token").into_response()
        }
    };
    match state.auth.check_access(token) {
        TokenCheck::Valid => {}
        TokenCheck::Unknown => {
            return ApiError::token_invalid("This access token is invalid").into_response()
        }
        TokenCheck::Expired => {
            return ApiError::token_invalid("This access token has expired").into_response()
        }
    }
    let limits = &state.latency().rest_limits;
    if !state
        .auth
        .take_rate(token, limits.rate_per_sec, limits.rate_burst)
    {
        return ApiError::rate_limited().into_response();
    }
    if roll(state, Fault::Http429) {
        return ApiError::rate_limited().into_response();
    }
    if let Some(e) = ep.reject {
        return e.into_response();
    }
    if roll(state, Fault::Slow) {
        delay(SLOW).await;
    }
    // The profile's latency is the response time: the market's own work (generating candles,
    // metrics, chains) happens inside it, not on top of it.
    let due = tokio::time::Instant::now() + ep.latency;
    let response = off_the_reactor(|| finish(state, produce));
    if !ep.latency.is_zero() {
        tokio::time::sleep_until(due).await;
    }
    if roll(state, Fault::Http500) {
        return ApiError::internal("Internal server error (injected fault)").into_response();
    }
    response
}

/// Produce and serialise the body, applying the `missing` and `truncate` faults.
fn finish<F>(state: &SimState, produce: F) -> Response
where
    F: FnOnce() -> Result<Reply, ApiError>,
{
    let mut reply = match produce() {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if let Some(keep) = reply.keep {
        if roll(state, Fault::Missing) {
            let mut body = reply.body.into_value();
            shape::drop_optional(&mut body, keep);
            reply.body = Body::Value(body);
        }
    }
    if roll(state, Fault::Truncate) {
        let cut = match &reply.body {
            Body::Value(v) => truncated(&v.to_string()),
            Body::Json(b) => truncated(std::str::from_utf8(b).expect("JSON is UTF-8")),
        };
        return bytes_response(StatusCode::OK, cut);
    }
    match reply.body {
        Body::Value(v) => json_response(StatusCode::OK, &v),
        Body::Json(b) => bytes_response(StatusCode::OK, b),
    }
}

/// Run CPU-heavy work (hundreds of metrics rows, megabyte chains) without stalling the other
/// tasks of a multi-threaded runtime; on a current-thread runtime (tests) it simply runs.
fn off_the_reactor<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Roll `fault`, counting it in the stats when it fires.
fn roll(state: &SimState, fault: Fault) -> bool {
    let hit = state.faults().roll(fault);
    if hit {
        state.stats.fault(fault.name());
    }
    hit
}

/// 401 unless the request carries a non-empty `User-Agent` (any product string will do).
pub fn require_user_agent(headers: &HeaderMap) -> Result<(), ApiError> {
    let present = headers
        .get(header::USER_AGENT)
        .map(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace))
        .unwrap_or(false);
    if present {
        Ok(())
    } else {
        Err(ApiError::unauthorized("A User-Agent header is required"))
    }
}

/// 406 when an `Accept-Version` header is present but is not a `YYYYMMDD` date.
pub fn check_accept_version(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(v) = headers.get("accept-version") else {
        return Ok(());
    };
    let v = v.to_str().unwrap_or("").trim();
    let date_like = v.len() == 8
        && v.bytes().all(|b| b.is_ascii_digit())
        && format!("{}-{}-{}", &v[..4], &v[4..6], &v[6..])
            .parse::<volscreen_core::date::Date>()
            .is_ok();
    if date_like {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "unsupported_version",
            format!("Unknown Accept-Version {v:?}"),
        ))
    }
}

/// The access token of `Authorization: Bearer <token>` (the scheme is case-insensitive; a bare
/// token, as old session clients sent, is accepted too).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let token = match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None if v.eq_ignore_ascii_case("bearer") => return None,
        None => v,
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("abc"));
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn user_agent_must_be_non_empty() {
        let mut h = HeaderMap::new();
        assert!(require_user_agent(&h).is_err());
        h.insert(header::USER_AGENT, HeaderValue::from_static(" "));
        assert!(require_user_agent(&h).is_err());
        h.insert(
            header::USER_AGENT,
            HeaderValue::from_static("tastytrade-sdk-js"),
        );
        assert!(require_user_agent(&h).is_ok());
    }

    /// A serialised body and its document answer byte for byte alike under every fault of
    /// `finish` (`missing` works on the parsed-back tree, `truncate` cuts the same bytes).
    #[tokio::test]
    async fn serialised_and_value_bodies_answer_alike() {
        use crate::faults::Faults;
        use crate::SimOptions;
        use serde_json::json;
        let doc = json!({"context": "/x", "data": {"items": [
            {"symbol": "A", "a": 1, "b": "é", "c": [1, 2], "d": {"e": "f"}},
        ]}});
        let bytes = Bytes::from(doc.to_string());
        for spec in ["", "missing=1", "truncate=1", "missing=1,truncate=1"] {
            let mut options =
                SimOptions::new(volscreen_core::date::Date::from_ymd(2026, 3, 20).unwrap());
            options.faults = Faults::parse(spec).unwrap();
            let state = SimState::new(options);
            let mut bodies = Vec::new();
            for reply in [
                Reply::rows(doc.clone(), &["symbol"]),
                Reply::json_rows(bytes.clone(), &["symbol"]),
            ] {
                let r = finish(&state, || Ok(reply));
                assert_eq!(r.status(), StatusCode::OK);
                bodies.push(
                    axum::body::to_bytes(r.into_body(), usize::MAX)
                        .await
                        .unwrap(),
                );
            }
            assert_eq!(bodies[0], bodies[1], "{spec:?}");
            if spec.is_empty() {
                assert_eq!(bodies[1], bytes);
            } else {
                assert_ne!(bodies[1], bytes, "{spec:?}");
            }
        }
    }
}
