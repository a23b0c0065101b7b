//! Client-side pacing of the tastytrade requests: one token bucket per client whose rate follows
//! the server's answers (slower after each 429, back up after successes), plus the global pause a
//! `Retry-After` asks for.
//!
//! Rules it keeps:
//! - The rate never exceeds the configured rate and never falls below [`FLOOR`] of it: the pace
//!   slows, it never collapses.
//! - The bucket shrinks and grows with the rate, so a sporadic 429 barely touches the burst.
//! - The pacer only hands out tokens; it never sends, retries or counts (the request layer in
//!   [`super`] does), and its state stays usable after a panic elsewhere.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Client-side pacing: a token bucket (`max_rate` per second, `burst`) whose rate follows every
/// answer, AIMD-style with proportional steps:
///
/// - **Decrease**: each 429 multiplies the rate by [`DOWN`], never below the floor,
///   `max_rate` × [`FLOOR`]: the pace slows, it never collapses.
/// - **Increase**: each success multiplies a reduced rate by [`UP`], up to `max_rate`: from the
///   floor back to full speed takes about 80 successes, from a single 429 three.
/// - A `Retry-After` from the server pauses every request until it has passed.
/// - The bucket's size shrinks and grows with the rate (`burst` × rate / `max_rate`): a sporadic
///   429 barely touches the burst, so it does not cost the requests queued behind it their turn
///   (emptying the bucket on every 429 made one 429 in a burst of 36 chains cost 2 s), while under
///   sustained 429s the saved-up burst goes away with the rate.
///
/// The two steps balance when about a third of the answers are 429s (ln UP / (ln UP + ln 1/DOWN) ≈ 0.32). Below
/// that share (sporadic 429s: a loaded server, a fault) the rate stays at or returns to
/// `max_rate` and the 429s only cost their own retries; above it the rate falls geometrically
/// until the server stops refusing so often. Against a real limit below `max_rate` the pace thus
/// settles where about a third of the requests are refused at most (and a server whose limit is
/// at the configured rate, as intended, sees the client at full speed).
#[derive(Debug)]
pub(crate) struct Pacer {
    state: Mutex<PacerState>,
    max_rate: f64,
    min_rate: f64,
    burst: f64,
}

/// Rate factor of a 429.
pub(crate) const DOWN: f64 = 0.94;
/// Rate factor of a success (until `max_rate`).
pub(crate) const UP: f64 = 1.03;
/// The lowest rate, as a fraction of the configured one.
pub(crate) const FLOOR: f64 = 0.1;

#[derive(Debug)]
struct PacerState {
    tokens: f64,
    /// Refill reference time; in the future while paused after a `Retry-After`.
    last: Instant,
    rate: f64,
}

impl Pacer {
    pub(crate) fn new(rate: f64, burst: f64) -> Pacer {
        Pacer {
            state: Mutex::new(PacerState {
                tokens: burst,
                last: Instant::now(),
                rate,
            }),
            max_rate: rate,
            min_rate: rate * FLOOR,
            burst,
        }
    }

    /// The bucket's size at `rate`: the burst shrinks with the rate (at least one request).
    fn burst_at(&self, rate: f64) -> f64 {
        (self.burst * rate / self.max_rate).max(1.0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        // A panic elsewhere while holding the lock leaves a consistent state: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for a pacing token.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                if now > s.last {
                    let refill = now.duration_since(s.last).as_secs_f64() * s.rate;
                    s.tokens = (s.tokens + refill).min(self.burst_at(s.rate));
                    s.last = now;
                }
                let pause = s.last.saturating_duration_since(now);
                if pause.is_zero() && s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                pause + Duration::from_secs_f64((1.0 - s.tokens).max(0.0) / s.rate)
            };
            tokio::time::sleep(wait.max(Duration::from_micros(200))).await;
        }
    }

    /// A 429 came back: slow down and honour the server's `Retry-After`.
    pub(crate) fn rate_limited(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let now = Instant::now();
        s.rate = (s.rate * DOWN).max(self.min_rate);
        s.tokens = s.tokens.min(self.burst_at(s.rate));
        if let Some(pause) = retry_after {
            // Settle the refill up to now, then move the reference time past the pause.
            if now > s.last {
                let refill = now.duration_since(s.last).as_secs_f64() * s.rate;
                s.tokens = (s.tokens + refill).min(self.burst_at(s.rate));
            }
            let until = now + pause;
            if until > s.last {
                s.last = until;
            }
        }
    }

    /// A request succeeded: grow a reduced rate back.
    pub(crate) fn succeeded(&self) {
        let mut s = self.lock();
        if s.rate < self.max_rate {
            s.rate = (s.rate * UP).min(self.max_rate);
        }
    }

    pub(crate) fn rate(&self) -> f64 {
        self.lock().rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pacer_slows_per_429_never_collapses_and_recovers() {
        let p = Pacer::new(20.0, 5.0);
        for _ in 0..5 {
            p.acquire().await;
        }
        p.rate_limited(None);
        assert!((p.rate() - 20.0 * DOWN).abs() < 1e-9);
        for _ in 0..3 {
            p.succeeded();
        }
        assert_eq!(p.rate(), 20.0);
        // A third of the answers refused, in any order: the pace stays near the top.
        for i in 0..300 {
            if i % 10 < 3 {
                p.rate_limited(None);
            } else {
                p.succeeded();
            }
        }
        assert!(p.rate() > 15.0, "{}", p.rate());
        // Nothing but 429s: down to the floor, never below it.
        for _ in 0..500 {
            p.rate_limited(None);
        }
        assert_eq!(p.rate(), 20.0 * FLOOR);
        // Half refused: keeps falling (a real limit well below the configured rate).
        let q = Pacer::new(20.0, 5.0);
        for i in 0..100 {
            if i % 2 == 0 {
                q.rate_limited(None);
            } else {
                q.succeeded();
            }
        }
        assert!(q.rate() < 10.0, "{}", q.rate());
        // And the pace recovers once the 429s stop.
        for _ in 0..80 {
            p.succeeded();
        }
        assert_eq!(p.rate(), 20.0);
        let share = UP.ln() / (UP.ln() + (1.0 / DOWN).ln());
        assert!((share - 0.323).abs() < 0.001, "{share}");
    }

    #[tokio::test]
    async fn retry_after_pauses_everyone() {
        let p = Pacer::new(1000.0, 10.0);
        p.rate_limited(Some(Duration::from_millis(150)));
        let t = Instant::now();
        p.acquire().await;
        assert!(
            t.elapsed() >= Duration::from_millis(140),
            "{:?}",
            t.elapsed()
        );
    }
}
