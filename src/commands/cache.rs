//! `volscreen cache stats|clear`: where the candle cache is and what it holds, or empty it.
//! Output on stdout; a cache that cannot be opened or changed is one line on stderr and exit 1.

use crate::cli::CacheCommand;
use std::io::Write;
use std::process::ExitCode;

/// `volscreen cache stats|clear`.
pub fn cache(command: &CacheCommand) -> ExitCode {
    let path = crate::cache::default_path();
    let result = match command {
        CacheCommand::Stats => crate::cache::Cache::open(&path)
            .and_then(|c| c.stats())
            .map(|s| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "cache: {}", path.display());
                let _ = writeln!(out, "series: {}", s.series);
                let _ = writeln!(out, "candles: {}", s.candles);
                let _ = writeln!(out, "size: {} bytes", s.bytes);
            }),
        CacheCommand::Clear => crate::cache::Cache::open(&path)
            .and_then(|c| c.clear())
            .map(|n| {
                let _ = writeln!(
                    std::io::stdout(),
                    "cleared {n} cached series from {}",
                    path.display()
                );
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("volscreen: cache {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}
