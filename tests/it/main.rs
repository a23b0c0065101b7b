//! The screener's integration tests, one binary (as ripgrep does: one link instead of fifteen on a
//! 2-core machine; `docs/architecture.md`, "Build and size", has the figures). Each module is one
//! suite; run one with `cargo test --test it SUITE::` (for example `cargo test --test it screen_e2e::`).
//!
//! Every suite talks to the demo market over real loopback sockets or runs the real binary
//! (`CARGO_BIN_EXE_volscreen`), so the binary needs the `demo` feature (`required-features`).
//! [`harness`] is the test support the suites share (temporary directories, running the binary
//! in a clean environment, an in-process demo market, the output schema); [`dxlink_pool`] is test
//! support shared by the DXLink client suites.

mod check;
mod cli_conventions;
mod cli_input;
mod detail;
mod dxlink_client;
mod dxlink_decode;
mod dxlink_pool;
mod dxlink_quotes;
mod estimator_columns;
mod fault_matrix;
mod harness;
mod hv_independent;
mod layers;
mod plausibility_e2e;
mod report_formats;
mod screen_e2e;
mod screen_on_the_spot;
mod secrets;
mod tastytrade_client;
mod tastytrade_contract;
mod tastytrade_scripted;
mod warm_cache;
mod watch;
mod watchlists;
