//! The tastytrade REST endpoints of the demo market (stub: being written).
use super::SimState;
use std::sync::Arc;

/// REST routes, including `/__sim/stats`.
pub fn routes() -> axum::Router<Arc<SimState>> {
    axum::Router::new()
}
