//! The command line: clap definitions only (the "low" arguments, as typed). What each command does
//! lives in `commands` (`commands::plan` checks `screen`'s flags into a scan plan); `main.rs` maps
//! parsed arguments onto those commands.

pub mod args;

pub use args::*;
