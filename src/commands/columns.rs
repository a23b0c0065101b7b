//! `volscreen columns`: the legend of the table and CSV columns (`cli::legend`) on stdout.

use super::print;
use crate::cli::legend::COLUMNS_LEGEND;
use std::process::ExitCode;

/// `volscreen columns`.
pub fn columns() -> ExitCode {
    print(COLUMNS_LEGEND.as_bytes())
}
