//! Deterministic fault injection for the demo market (`--faults SPEC`).
//!
//! A spec is a comma-separated list of `name=value`: probabilities per request, per socket or per
//! snapshot, plus `token_ttl=SECS` and `seed=N`. Decisions come from a hash of the seed, the fault kind
//! and a per-kind counter, so a run with the same seed and the same order of requests sees the same
//! faults. Every fault served is counted in [`crate::stats::Stats`].

use std::sync::atomic::{AtomicU64, Ordering};

/// The faults the market can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// HTTP 500 on a REST request.
    Http500,
    /// A burst of 429s beyond the rate limit.
    Http429,
    /// A REST response delayed 3 s.
    Slow,
    /// A JSON body cut short.
    Truncate,
    /// Optional fields dropped from rows.
    Missing,
    /// A DXLink socket closed mid-snapshot.
    WsDrop,
    /// A snapshot cut short with SNAPSHOT_SNIP.
    Snip,
    /// FEED_CONFIG re-sent with a new field order.
    Reconfig,
    /// FULL format instead of COMPACT.
    Full,
    /// An empty history (flags 14 with NaN prices).
    Empty,
}

impl Fault {
    pub const ALL: [Fault; 10] = [
        Fault::Http500,
        Fault::Http429,
        Fault::Slow,
        Fault::Truncate,
        Fault::Missing,
        Fault::WsDrop,
        Fault::Snip,
        Fault::Reconfig,
        Fault::Full,
        Fault::Empty,
    ];

    /// The name used in a spec and in `/__sim/stats`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Http500 => "http500",
            Fault::Http429 => "http429",
            Fault::Slow => "slow",
            Fault::Truncate => "truncate",
            Fault::Missing => "missing",
            Fault::WsDrop => "ws_drop",
            Fault::Snip => "snip",
            Fault::Reconfig => "reconfig",
            Fault::Full => "full",
            Fault::Empty => "empty",
        }
    }

    fn index(self) -> usize {
        Fault::ALL.iter().position(|f| *f == self).expect("listed")
    }
}

/// A bad `--faults` spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("unknown fault {0:?} (known: http500, http429, slow, truncate, missing, token_ttl, ws_drop, snip, reconfig, full, empty, seed)")]
    Unknown(String),
    #[error("fault {name}: {value:?} is not {expected}")]
    BadValue {
        name: String,
        value: String,
        expected: &'static str,
    },
    #[error("fault spec item {0:?} is not name=value")]
    Malformed(String),
}

/// Parsed fault settings and the counters that make decisions deterministic.
#[derive(Debug, Default)]
pub struct Faults {
    probability: [f64; 10],
    /// Access-token lifetime override, in seconds.
    pub token_ttl: Option<u64>,
    pub seed: u64,
    counters: [AtomicU64; 10],
}

impl Clone for Faults {
    fn clone(&self) -> Faults {
        Faults {
            probability: self.probability,
            token_ttl: self.token_ttl,
            seed: self.seed,
            counters: Default::default(),
        }
    }
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Faults {
        Faults {
            seed: 1,
            ..Faults::default()
        }
    }

    /// Parse a spec such as `http500=0.05,ws_drop=0.1,seed=7`. The empty string means no faults.
    pub fn parse(spec: &str) -> Result<Faults, FaultSpecError> {
        let mut f = Faults::none();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| FaultSpecError::Malformed(item.to_string()))?;
            let (name, value) = (name.trim(), value.trim());
            let bad = |expected| FaultSpecError::BadValue {
                name: name.to_string(),
                value: value.to_string(),
                expected,
            };
            match name {
                "seed" => f.seed = value.parse().map_err(|_| bad("an unsigned integer"))?,
                "token_ttl" => {
                    f.token_ttl = Some(value.parse().map_err(|_| bad("a number of seconds"))?)
                }
                _ => {
                    let fault = Fault::ALL
                        .into_iter()
                        .find(|k| k.name() == name)
                        .ok_or_else(|| FaultSpecError::Unknown(name.to_string()))?;
                    let p: f64 = value
                        .parse()
                        .ok()
                        .filter(|p: &f64| (0.0..=1.0).contains(p))
                        .ok_or_else(|| bad("a probability in 0..1"))?;
                    f.probability[fault.index()] = p;
                }
            }
        }
        Ok(f)
    }

    /// The configured probability of a fault.
    pub fn probability(&self, fault: Fault) -> f64 {
        self.probability[fault.index()]
    }

    /// Whether any fault is configured.
    pub fn any(&self) -> bool {
        self.probability.iter().any(|p| *p > 0.0) || self.token_ttl.is_some()
    }

    /// Decide the next occurrence of `fault`: true with the configured probability, deterministically.
    pub fn roll(&self, fault: Fault) -> bool {
        let p = self.probability(fault);
        if p <= 0.0 {
            return false;
        }
        let n = self.counters[fault.index()].fetch_add(1, Ordering::Relaxed);
        unit(mix(self.seed, fault.index() as u64, n)) < p
    }
}

/// A 64-bit hash of three words (splitmix64 finaliser over a combination).
fn mix(a: u64, b: u64, c: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(c.wrapping_mul(0x94D0_49BB_1331_11EB))
        .wrapping_add(0x2545_F491_4F6C_DD1D);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash mapped to [0, 1).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example_spec() {
        let f = Faults::parse("http500=0.05,http429=0.05,ws_drop=0.1,snip=0.05,seed=7").unwrap();
        assert_eq!(f.probability(Fault::Http500), 0.05);
        assert_eq!(f.probability(Fault::WsDrop), 0.1);
        assert_eq!(f.probability(Fault::Full), 0.0);
        assert_eq!(f.seed, 7);
        assert!(f.any());
        assert!(!Faults::parse("").unwrap().any());
        let f = Faults::parse("token_ttl=5").unwrap();
        assert_eq!(f.token_ttl, Some(5));
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        assert!(matches!(
            Faults::parse("boom=0.1"),
            Err(FaultSpecError::Unknown(_))
        ));
        assert!(matches!(
            Faults::parse("http500=2"),
            Err(FaultSpecError::BadValue { .. })
        ));
        assert!(matches!(
            Faults::parse("http500"),
            Err(FaultSpecError::Malformed(_))
        ));
    }

    #[test]
    fn rolls_are_deterministic_and_near_the_probability() {
        let a = Faults::parse("snip=0.25,seed=3").unwrap();
        let b = Faults::parse("snip=0.25,seed=3").unwrap();
        let ra: Vec<bool> = (0..4000).map(|_| a.roll(Fault::Snip)).collect();
        let rb: Vec<bool> = (0..4000).map(|_| b.roll(Fault::Snip)).collect();
        assert_eq!(ra, rb);
        let hits = ra.iter().filter(|x| **x).count();
        assert!((850..1150).contains(&hits), "{hits}");
        assert!(!(0..100).any(|_| a.roll(Fault::Full)));
    }
}
