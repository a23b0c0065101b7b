//! The demo market's latency and limits model: named profiles (`none`, `seed`) and TOML profile files.
//!
//! A [`LatencyProfile`] says how long each endpoint takes and which limits the server enforces.
//! `seed` reproduces the response times measured for the reference screener against the real service
//! (emulator.md); `none` answers at once but keeps every limit, so tests exercise the same rules.
//! The built-in profiles are the files in `crates/volscreen-sim/config/latency/`, compiled in so the binary needs no files.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Response times of the REST endpoints, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestLatency {
    pub oauth_token_ms: f64,
    pub quote_token_ms: f64,
    pub market_metrics_ms: f64,
    pub market_metrics_per_symbol_ms: f64,
    pub by_type_ms: f64,
    pub option_chain_ms: f64,
    pub futures_option_chain_ms: f64,
    pub instruments_futures_ms: f64,
    /// Anything not listed above (future products, watchlists; not the flat chains).
    pub other_ms: f64,
}

/// REST limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestLimits {
    /// Most symbols one `/market-metrics` request may name (400 beyond).
    pub market_metrics_max_symbols: usize,
    /// Most symbols one `/market-data/by-type` request may name, all types together (400 beyond).
    pub by_type_max_symbols: usize,
    /// Token bucket per access token: sustained requests per second.
    pub rate_per_sec: f64,
    /// Token bucket per access token: burst size.
    pub rate_burst: f64,
}

/// DXLink response times, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DxLinkLatency {
    /// From the WebSocket upgrade to `AUTH_STATE AUTHORIZED`.
    pub connect_ms: f64,
    /// Fixed cost of one candle snapshot.
    pub snapshot_ms: f64,
    /// Added per candle sent in a snapshot.
    pub per_candle_ms: f64,
}

/// DXLink limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DxLinkLimits {
    /// Most candles in one FEED_DATA message.
    pub max_candles_per_message: usize,
    /// Snapshots in progress at once per channel (the rest queue).
    pub max_snapshots_per_channel: usize,
    /// Channels per connection (one more gets an ERROR on that channel).
    pub max_channels_per_connection: usize,
    /// Open connections per quote token (one more is refused and closed).
    pub max_connections_per_token: usize,
    /// Keepalive timeout the server advertises in its SETUP, in seconds.
    pub keepalive_timeout_secs: u64,
}

/// A whole latency profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyProfile {
    pub name: String,
    pub rest: RestLatency,
    pub rest_limits: RestLimits,
    pub dxlink: DxLinkLatency,
    pub dxlink_limits: DxLinkLimits,
}

/// A profile that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LatencyError {
    #[error("unknown latency profile {0:?} (built in: none, seed; or a path to a .toml file)")]
    Unknown(String),
    #[error("cannot read latency profile {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{message}")]
    Parse { path: String, message: String },
}

const NONE_TOML: &str = include_str!("../config/latency/none.toml");
const SEED_TOML: &str = include_str!("../config/latency/seed.toml");

impl LatencyProfile {
    /// `none`, `seed`, or a path to a TOML profile file.
    pub fn load(name_or_path: &str) -> Result<LatencyProfile, LatencyError> {
        match name_or_path {
            "none" => Self::parse(NONE_TOML, "crates/volscreen-sim/config/latency/none.toml"),
            "seed" => Self::parse(SEED_TOML, "crates/volscreen-sim/config/latency/seed.toml"),
            p if p.ends_with(".toml") || Path::new(p).exists() => {
                let text = std::fs::read_to_string(p).map_err(|source| LatencyError::Io {
                    path: p.to_string(),
                    source,
                })?;
                Self::parse(&text, p)
            }
            other => Err(LatencyError::Unknown(other.to_string())),
        }
    }

    /// Parse a profile from TOML text; `origin` names it in errors (with line and column).
    pub fn parse(text: &str, origin: &str) -> Result<LatencyProfile, LatencyError> {
        toml::from_str(text).map_err(|e| LatencyError::Parse {
            path: origin.to_string(),
            message: volscreen_core::toml_error::toml_error_message(text, &e),
        })
    }

    pub fn none() -> LatencyProfile {
        Self::load("none").expect("built-in profile parses")
    }

    pub fn seed() -> LatencyProfile {
        Self::load("seed").expect("built-in profile parses")
    }

    /// Latency of a `/market-metrics` request naming `n` symbols.
    pub fn market_metrics(&self, n: usize) -> Duration {
        ms(self.rest.market_metrics_ms + self.rest.market_metrics_per_symbol_ms * n as f64)
    }

    /// Time to stream one candle snapshot of `candles` candles.
    pub fn snapshot(&self, candles: usize) -> Duration {
        ms(self.dxlink.snapshot_ms + self.dxlink.per_candle_ms * candles as f64)
    }

    /// Time from a `Quote` / `Summary` subscription to its first event: the cost of a one-event
    /// snapshot, `snapshot_ms + per_candle_ms × 1` (251 ms under `seed`, nothing under `none`).
    pub fn ticker(&self) -> Duration {
        self.snapshot(1)
    }
}

/// Milliseconds (possibly fractional) as a [`Duration`]; negative or NaN counts as zero.
pub fn ms(v: f64) -> Duration {
    if v.is_finite() && v > 0.0 {
        Duration::from_secs_f64(v / 1000.0)
    } else {
        Duration::ZERO
    }
}

/// Sleep for `d` unless it is zero (a zero sleep still yields to the scheduler, which `none` avoids).
pub async fn delay(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_parse() {
        let seed = LatencyProfile::seed();
        assert_eq!(seed.rest.market_metrics_ms, 650.0);
        assert_eq!(seed.market_metrics(100), Duration::from_millis(680));
        assert_eq!(seed.snapshot(100), Duration::from_millis(350));
        let none = LatencyProfile::none();
        assert_eq!(none.market_metrics(500), Duration::ZERO);
        assert_eq!(none.rest_limits, seed.rest_limits);
        assert_eq!(none.dxlink_limits, seed.dxlink_limits);
    }

    #[test]
    fn bad_profiles_name_the_problem() {
        let e = LatencyProfile::load("fast").unwrap_err().to_string();
        assert!(e.contains("fast"), "{e}");
        let e = LatencyProfile::parse("name = 1\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml:1"), "{e}");
    }
}
