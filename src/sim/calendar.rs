//! NYSE trading calendar (stub: being written).
