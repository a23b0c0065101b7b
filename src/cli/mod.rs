//! The command line: clap definitions and help texts only (the "low" arguments, as typed; the
//! column legend in [`legend`]). What each command does
//! lives in `commands` (`commands::plan` checks `screen`'s flags into a scan plan); `main.rs` maps
//! parsed arguments onto those commands.

pub mod args;
pub mod legend;

pub use args::*;
