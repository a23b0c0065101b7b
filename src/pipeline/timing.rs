//! Stage timing as data: each stage records start and end (ms since scan start), items in and
//! out, and requests made. Stages may overlap; the breakdown shows them as they ran.

use crate::model::StageTiming;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The scan's clock and the stages recorded so far. Cheap to clone.
#[derive(Clone)]
pub struct Clock {
    start: Instant,
    stages: Arc<Mutex<Vec<StageTiming>>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            start: Instant::now(),
            stages: Arc::default(),
        }
    }

    /// Milliseconds since the scan started.
    pub fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// Start a stage with `items_in` items.
    pub fn begin(&self, name: &str, items_in: usize) -> StageGuard {
        StageGuard {
            clock: self.clone(),
            name: name.to_string(),
            start_ms: self.now_ms(),
            items_in,
        }
    }

    /// Record a stage that ran from `start_ms` to now.
    pub fn record(
        &self,
        name: &str,
        start_ms: f64,
        items_in: usize,
        items_out: usize,
        requests: u64,
    ) {
        let t = StageTiming {
            name: name.to_string(),
            start_ms,
            end_ms: self.now_ms(),
            items_in,
            items_out,
            requests,
        };
        self.stages.lock().expect("timing lock").push(t);
    }

    /// The stages recorded, in start order.
    pub fn stages(&self) -> Vec<StageTiming> {
        let mut v = self.stages.lock().expect("timing lock").clone();
        v.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        v
    }
}

/// A stage in progress; [`StageGuard::end`] records it.
pub struct StageGuard {
    clock: Clock,
    name: String,
    start_ms: f64,
    items_in: usize,
}

impl StageGuard {
    pub fn start_ms(&self) -> f64 {
        self.start_ms
    }

    /// Finish the stage with `items_out` items and `requests` requests made.
    pub fn end(self, items_out: usize, requests: u64) {
        self.clock.record(
            &self.name,
            self.start_ms,
            self.items_in,
            items_out,
            requests,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stages_in_start_order() {
        let c = Clock::new();
        let a = c.begin("metrics", 10);
        let b = c.begin("auth", 1);
        b.end(1, 1);
        a.end(8, 2);
        let s = c.stages();
        assert_eq!(s[0].name, "metrics");
        assert_eq!((s[0].items_in, s[0].items_out, s[0].requests), (10, 8, 2));
        assert!(s.iter().all(|t| t.end_ms >= t.start_ms));
    }
}
