//! The command line: clap definitions only. What each command does lives elsewhere
//! (`sim` for `sim serve`); `main.rs` maps parsed arguments onto that logic.

pub mod args;

pub use args::*;
