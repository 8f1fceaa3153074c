//! Rendered claims (`GET /v1/claims/{id}` bodies), kept so that the hottest read never waits for SQLite.
//!
//! The writer reports every claim a commit group changed before it answers that group's callers, and
//! those entries are dropped then; so a client that got a write's answer never reads the old version.
//! A reader that began before such a change must not put the old version back: it takes a ticket (its
//! shard's epoch) before reading the database and may fill the cache only if no change to that shard
//! came in between.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

const SHARDS: usize = 64;

/// A claim as sent: its ETag and JSON body.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub etag: String,
    pub body: Bytes,
}

pub struct ClaimCache {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

#[derive(Default)]
struct Shard {
    epoch: u64,
    entries: HashMap<i64, Rendered>,
}

/// Taken before reading a claim from the database; see the module comment.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl ClaimCache {
    /// A cache of at most `capacity` claims; 0 disables it.
    pub fn new(capacity: usize) -> ClaimCache {
        ClaimCache { shards: (0..SHARDS).map(|_| Mutex::default()).collect(), per_shard: capacity.div_ceil(SHARDS) }
    }

    fn shard(&self, id: i64) -> &Mutex<Shard> {
        &self.shards[id.rem_euclid(SHARDS as i64) as usize]
    }

    pub fn get(&self, id: i64) -> Option<Rendered> {
        self.shard(id).lock().ok()?.entries.get(&id).cloned()
    }

    pub fn ticket(&self, id: i64) -> Ticket {
        Ticket(self.shard(id).lock().map(|s| s.epoch).unwrap_or(u64::MAX))
    }

    pub fn insert(&self, id: i64, ticket: Ticket, rendered: Rendered) {
        if self.per_shard == 0 {
            return;
        }
        let Ok(mut shard) = self.shard(id).lock() else { return };
        if shard.epoch != ticket.0 {
            return;
        }
        if shard.entries.len() >= self.per_shard && !shard.entries.contains_key(&id) {
            // Any entry will do: this bounds memory, and hot claims come straight back.
            if let Some(&victim) = shard.entries.keys().next() {
                shard.entries.remove(&victim);
            }
        }
        shard.entries.insert(id, rendered);
    }

    pub fn invalidate(&self, ids: &[i64]) {
        for &id in ids {
            if let Ok(mut shard) = self.shard(id).lock() {
                shard.epoch += 1;
                shard.entries.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(v: &str) -> Rendered {
        Rendered { etag: v.into(), body: Bytes::from(v.to_owned()) }
    }

    #[test]
    fn a_reader_that_raced_a_change_does_not_fill_the_cache() {
        let cache = ClaimCache::new(100);
        let ticket = cache.ticket(7);
        cache.invalidate(&[7]);
        cache.insert(7, ticket, rendered("old"));
        assert!(cache.get(7).is_none());
        let ticket = cache.ticket(7);
        cache.insert(7, ticket, rendered("new"));
        assert_eq!(cache.get(7).unwrap().etag, "new");
        cache.invalidate(&[7]);
        assert!(cache.get(7).is_none());
    }

    #[test]
    fn capacity_is_bounded() {
        let cache = ClaimCache::new(SHARDS);
        for id in 0..1000 {
            let ticket = cache.ticket(id);
            cache.insert(id, ticket, rendered("x"));
        }
        let held = (0..1000).filter(|id| cache.get(*id).is_some()).count();
        assert_eq!(held, SHARDS);
        assert!(ClaimCache::new(0).get(1).is_none());
    }
}
