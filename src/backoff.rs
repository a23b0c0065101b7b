//! The one exponential backoff with jitter: every retry and reconnect delay in volscreen comes from
//! [`Backoff::delay`] (the tastytrade request layer and token manager today; the DXLink pool's
//! reconnects are to follow).
//!
//! Rules it keeps:
//! - Attempt `n` (0-based) has the ceiling `d = min(max, base · 2ⁿ)`; the exponent stops growing at
//!   16, and the multiplication saturates, so no attempt count overflows.
//! - The delay is `d` scaled by a factor drawn uniformly from the [`Jitter`] range: by default
//!   [`Jitter::EQUAL`], `[d/2, d]` (half fixed, half random), so clients that failed together do not
//!   retry together, and a delay never exceeds `max`.
//! - The randomness is a tiny process-wide xorshift seeded from the clock ([`unit_random`]): good
//!   enough to spread retries, never to be used for anything else, and no RNG crate needed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The range a delay's ceiling is scaled by: uniformly in `[low, high]` (factors of the ceiling).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jitter {
    pub low: f64,
    pub high: f64,
}

impl Jitter {
    /// `[d/2, d]`: "equal jitter", half of the delay fixed and half random (the default).
    pub const EQUAL: Jitter = Jitter {
        low: 0.5,
        high: 1.0,
    };
    /// `[d, 1.25 d]`: up to a quarter added on top of the ceiling.
    pub const ADD_QUARTER: Jitter = Jitter {
        low: 1.0,
        high: 1.25,
    };
    /// Exactly `d`, no randomness (for tests and callers that want a fixed schedule).
    pub const NONE: Jitter = Jitter {
        low: 1.0,
        high: 1.0,
    };
}

/// Exponential backoff with jitter: attempt `n` (0-based) waits a random time around
/// `min(max, base · 2ⁿ)` (see [`Jitter`]).
///
/// ```
/// use std::time::Duration;
/// use volscreen::backoff::Backoff;
/// let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
/// assert_eq!(b.ceiling(2), Duration::from_millis(400));
/// let d = b.delay(2); // somewhere in 200..=400 ms
/// assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(400));
/// assert_eq!(b.ceiling(10), Duration::from_secs(1)); // capped at max
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The ceiling of the first attempt's delay.
    pub base: Duration,
    /// The largest ceiling.
    pub max: Duration,
    /// How the ceiling is randomised.
    pub jitter: Jitter,
}

impl Backoff {
    /// `base` doubling per attempt up to `max`, with [`Jitter::EQUAL`].
    pub const fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            jitter: Jitter::EQUAL,
        }
    }

    /// The same schedule with another jitter range.
    pub const fn with_jitter(self, jitter: Jitter) -> Backoff {
        Backoff { jitter, ..self }
    }

    /// The ceiling of attempt `attempt` (0-based), before jitter: `min(max, base · 2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        self.base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max)
    }

    /// The delay before retry `attempt` (0-based): the ceiling scaled by a random factor of the
    /// jitter range.
    pub fn delay(&self, attempt: u32) -> Duration {
        let Jitter { low, high } = self.jitter;
        let factor = low + (high - low) * unit_random();
        // `Duration::mul_f64` without its panic on overflow: a huge ceiling saturates.
        Duration::try_from_secs_f64(factor * self.ceiling(attempt).as_secs_f64())
            .unwrap_or(Duration::MAX)
    }

    /// The delay after `failures` failures in a row: none after none, then [`Backoff::delay`] of
    /// attempt `failures - 1` (for reconnect loops where the first try is immediate).
    pub fn after_failures(&self, failures: u32) -> Duration {
        match failures {
            0 => Duration::ZERO,
            n => self.delay(n - 1),
        }
    }
}

/// A pseudo-random number in `[0, 1)` for jitter (xorshift over a clock-seeded global state).
pub fn unit_random() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x2545_F491_4F6C_DD1D)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_jitter_and_caps() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        for attempt in 0..8 {
            let d = b.delay(attempt);
            let cap = Duration::from_millis(100 * (1 << attempt)).min(Duration::from_secs(1));
            assert_eq!(b.ceiling(attempt), cap);
            assert!(d >= cap / 2 && d <= cap, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn huge_attempts_neither_overflow_nor_exceed_max() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        for attempt in [16, 17, 31, 32, 1000, u32::MAX] {
            assert_eq!(b.ceiling(attempt), Duration::from_secs(30));
            assert!(b.delay(attempt) <= Duration::from_secs(30));
        }
        let unbounded = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(unbounded.ceiling(5), Duration::MAX);
        assert!(unbounded.with_jitter(Jitter::ADD_QUARTER).delay(5) > Duration::from_secs(1 << 60));
    }

    #[test]
    fn jitter_ranges() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(3))
            .with_jitter(Jitter::ADD_QUARTER);
        for attempt in 0..6 {
            let cap = b.ceiling(attempt);
            let d = b.delay(attempt);
            assert!(d >= cap && d <= cap.mul_f64(1.25), "{attempt}: {d:?}");
        }
        let fixed = b.with_jitter(Jitter::NONE);
        assert_eq!(fixed.delay(3), Duration::from_millis(800));
        // The delays really vary (equal jitter over 100 draws hits more than one value).
        let e = Backoff::new(Duration::from_secs(1), Duration::from_secs(1));
        let draws: std::collections::BTreeSet<_> = (0..100).map(|_| e.delay(0)).collect();
        assert!(draws.len() > 10, "{}", draws.len());
    }

    #[test]
    fn after_failures_starts_immediately() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(3))
            .with_jitter(Jitter::NONE);
        assert_eq!(b.after_failures(0), Duration::ZERO);
        assert_eq!(b.after_failures(1), Duration::from_millis(100));
        assert_eq!(b.after_failures(2), Duration::from_millis(200));
        assert_eq!(b.after_failures(100), Duration::from_secs(3));
    }

    #[test]
    fn unit_random_stays_in_range() {
        for _ in 0..10_000 {
            let u = unit_random();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }
}
