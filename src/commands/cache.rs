//! `volscreen cache stats|clear`: where the cache is and what it holds (candle series, option
//! chains, futures contracts), or empty it. Output on stdout; a cache that cannot be opened or
//! changed is one line on stderr and exit 1; a file in its place that is not a volscreen cache is
//! moved aside with a warning on stderr (naming both paths), and a new, empty cache takes its
//! place.

use crate::cli::CacheCommand;
use std::io::Write;
use std::process::ExitCode;

/// `volscreen cache stats|clear`.
pub fn cache(command: &CacheCommand) -> ExitCode {
    let path = crate::cache::default_path();
    let open = || {
        crate::cache::Cache::open(&path).inspect(|c| {
            if let Some(m) = c.moved_aside() {
                say!("volscreen: warning: {m}");
            }
        })
    };
    let result = match command {
        CacheCommand::Stats => open().and_then(|c| c.stats()).map(|s| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "cache: {}", path.display());
            let _ = writeln!(out, "series: {}", s.series);
            let _ = writeln!(out, "candles: {}", s.candles);
            let _ = writeln!(out, "chains: {}", s.chains);
            let _ = writeln!(out, "futures contracts: {}", s.fronts);
            let _ = writeln!(out, "size: {} bytes", s.bytes);
        }),
        CacheCommand::Clear => open().and_then(|c| c.clear()).map(|n| {
            let _ = writeln!(
                std::io::stdout(),
                "cleared {} cached series, {} chains and {} futures contracts from {}",
                n.series,
                n.chains,
                n.fronts,
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
