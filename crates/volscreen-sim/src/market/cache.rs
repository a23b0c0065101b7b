//! A small bounded, thread-safe memo table (first in, first out) for the market's generated
//! series, metrics and chains. Values are deterministic, so an eviction only costs a regeneration.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// The entries and their insertion order.
type Entries<K, V> = (HashMap<K, Arc<V>>, VecDeque<K>);

/// At most `cap` entries; the oldest insertion goes first.
pub struct Cache<K, V> {
    cap: usize,
    inner: Mutex<Entries<K, V>>,
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    pub fn new(cap: usize) -> Cache<K, V> {
        Cache {
            cap: cap.max(1),
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.get(key).cloned()
    }

    /// The cached value, or `make()` computed outside the lock and stored.
    pub fn get_or(&self, key: &K, make: impl FnOnce() -> V) -> Arc<V> {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = Arc::new(make());
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        if let Some(existing) = map.get(key) {
            return existing.clone();
        }
        while map.len() >= self.cap {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
        map.insert(key.clone(), v.clone());
        order.push_back(key.clone());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_fifo() {
        let c: Cache<u32, u32> = Cache::new(2);
        assert_eq!(*c.get_or(&1, || 10), 10);
        assert_eq!(*c.get_or(&1, || 11), 10);
        c.get_or(&2, || 20);
        c.get_or(&3, || 30);
        assert!(c.get(&1).is_none());
        assert_eq!(c.get(&3).map(|v| *v), Some(30));
    }
}
