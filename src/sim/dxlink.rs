//! The DXLink WebSocket server of the demo market (stub: being written).
use super::SimState;
use std::sync::Arc;

/// The `/dxlink` route.
pub fn routes() -> axum::Router<Arc<SimState>> {
    axum::Router::new()
}
