//! The tastytrade REST API of the demo market: routes, and where each part lives.
//!
//! Every authenticated endpoint runs behind one gate ([`gate`]: User-Agent, bearer token, per-token
//! rate limit, faults, latency, stats); handlers only read their request and produce a body, shaped
//! from the market's typed values by [`shape`], or read from recorded files by [`fixtures`]. Query
//! strings are parsed leniently by [`query`]; errors are JSON ([`reply`]). Endpoints, limits and
//! faults are specified in `shared/spec/emulator.md`, wire shapes in `shared/spec/tastytrade-wire.md`.
//!
//! | route | module | stats name |
//! |---|---|---|
//! | `POST /oauth/token` | [`oauth`] | `oauth-token` |
//! | `GET /api-quote-tokens` | [`quote_token`] | `api-quote-tokens` |
//! | `GET /market-metrics` | [`metrics`] | `market-metrics` |
//! | `GET /market-data/by-type` | [`market_data`] | `market-data-by-type` |
//! | `GET /option-chains/{symbol}[/nested]` | [`chains`] | `option-chains-nested`, `option-chains-flat` |
//! | `GET /futures-option-chains/{code}[/nested]` | [`futures`] | `futures-option-chains-nested`, `-flat` |
//! | `GET /instruments/futures` | [`futures`] | `instruments-futures` |
//! | `GET /instruments/future-products` | [`futures`] | `instruments-future-products` |
//! | `GET /watchlists`, `GET /watchlists/{name}` | [`watchlists`] | `watchlists` |
//! | `GET /public-watchlists`, `GET /public-watchlists/{name}` | [`watchlists`] | `public-watchlists` |
//! | `GET /__sim/stats` (no auth) | here | — |
//! | `GET`/`POST /__sim/as-of` (no auth): the market's date, and moving it | here | — |
//! | anything else: 404 / 405 with the error envelope | here | `not-found` |

pub mod chains;
pub mod fixtures;
pub mod futures;
pub mod gate;
pub mod lists;
pub mod market_data;
pub mod metrics;
pub mod oauth;
pub mod query;
pub mod quote_token;
pub mod reply;
pub mod shape;
pub mod watchlists;

use super::SimState;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reply::{json_response, ApiError};
use std::sync::Arc;

/// REST routes, including `/__sim/stats` and the JSON 404/405 fallbacks.
pub fn routes() -> axum::Router<Arc<SimState>> {
    axum::Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/api-quote-tokens", get(quote_token::issue))
        .route("/market-metrics", get(metrics::get))
        .route("/market-data/by-type", get(market_data::by_type))
        .route("/option-chains/{*rest}", get(chains::get))
        .route(
            "/futures-option-chains/{*rest}",
            get(futures::option_chains),
        )
        .route("/instruments/futures", get(futures::instruments))
        .route("/instruments/future-products", get(futures::products))
        .route("/watchlists", get(watchlists::private_lists))
        .route("/watchlists/{*name}", get(watchlists::private_one))
        .route("/public-watchlists", get(watchlists::public_lists))
        .route("/public-watchlists/{*name}", get(watchlists::public_one))
        .route("/__sim/stats", get(stats))
        .route("/__sim/as-of", get(as_of).post(move_to))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// `GET /__sim/stats`: the market's counters (not part of tastytrade; no auth).
async fn stats(State(state): State<Arc<SimState>>) -> Response {
    json_response(StatusCode::OK, &state.stats.snapshot())
}

/// `GET /__sim/as-of`: `{"as_of": "YYYY-MM-DD"}`, the date the market serves now (not part of
/// tastytrade; no auth).
async fn as_of(State(state): State<Arc<SimState>>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({ "as_of": state.as_of().to_string() }),
    )
}

/// `POST /__sim/as-of` with `{"as_of": "YYYY-MM-DD"}`: move the running market to that date
/// ([`SimState::move_to`]) and answer as `GET` does; a body that names no valid date is a 400 (not
/// part of tastytrade; no auth).
async fn move_to(State(state): State<Arc<SimState>>, body: axum::body::Bytes) -> Response {
    let date = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("as_of")?
                .as_str()?
                .parse::<volscreen_core::date::Date>()
                .ok()
        });
    match date {
        Some(d) => {
            state.move_to(d);
            as_of(State(state)).await
        }
        None => ApiError::bad_request("expected a JSON body {\"as_of\": \"YYYY-MM-DD\"}")
            .into_response(),
    }
}

/// Stats name of requests no route matched.
const NOT_FOUND: &str = "not-found";

async fn not_found(State(state): State<Arc<SimState>>, method: Method, uri: Uri) -> Response {
    let _in_flight = state.stats.begin(NOT_FOUND, 0);
    state.stats.status(NOT_FOUND, 404);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("No route for {method} {}", uri.path()),
    )
    .into_response()
}

async fn method_not_allowed(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
) -> Response {
    let _in_flight = state.stats.begin(NOT_FOUND, 0);
    state.stats.status(NOT_FOUND, 405);
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
    .into_response()
}
