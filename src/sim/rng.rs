//! Deterministic random numbers (stub: being written).
