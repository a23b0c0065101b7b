//! Response bodies: JSON replies, the tastytrade error envelope and the OAuth error shape.
//!
//! Every REST error of the demo market is JSON: `{"error": {"code", "message"}}` for the API,
//! `{"error_code", "error_description"}` for `POST /oauth/token`. Rate-limit answers (429) carry no
//! rate-limit headers, as on the real service.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// An API error answered with the tastytrade error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for a request the server refuses to read.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "validation_error", message)
    }

    /// 401 for a missing User-Agent or bearer token.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 401 for an unknown or expired access token.
    pub fn token_invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "token_invalid", message)
    }

    /// 404 for an unknown record (an option chain of an unknown symbol).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "record_not_found", message)
    }

    /// 429, with no rate-limit headers.
    pub fn rate_limited() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "Too many requests",
        )
    }

    /// 500 (the `http500` fault, or a broken fixture file).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }

    /// The envelope document.
    pub fn body(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// An OAuth-style error of the token endpoint.
pub fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error_code": code, "error_description": description}),
    )
}

/// `value` serialised as the JSON body of a `status` response.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    bytes_response(status, value.to_string().into_bytes())
}

/// Raw bytes sent as a JSON body (used as-is by the `truncate` fault).
pub fn bytes_response(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let body: Bytes = body.into();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The first half of a serialised body (cut on a character boundary): never valid JSON, since an
/// object cut short is never closed.
pub fn truncated(body: &str) -> Vec<u8> {
    let mut cut = body.len() / 2;
    while cut > 0 && !body.is_char_boundary(cut) {
        cut -= 1;
    }
    body.as_bytes()[..cut].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_bodies_do_not_parse() {
        let body = json!({"data": {"items": [{"symbol": "AAPL", "d": "é"}]}}).to_string();
        let cut = truncated(&body);
        assert!(cut.len() < body.len());
        assert!(serde_json::from_slice::<Value>(&cut).is_err());
        assert!(serde_json::from_slice::<Value>(&truncated("{}")).is_err());
    }
}
