//! Rendered claims (`GET /v1/claims/{id}` bodies), kept so that the hottest read never waits for SQLite.
//!
//! The writer reports every claim a commit group changed before it answers that group's callers, and
//! those entries are dropped then; so a client that got a write's answer never reads the old version.
//! A reader that began before such a change must not put the old version back: it takes a ticket (its
//! shard's epoch) before reading the database and may fill the cache only if no change to that shard
//! came in between.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

const SHARDS: usize = 64;

/// A claim as sent: its ETag and JSON body.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub etag: String,
    pub body: Bytes,
    /// Whether anonymous readers may see it depends on it.
    pub status: crate::domain::workflow::Status,
}

pub struct ClaimCache {
    shards: Vec<Mutex<Shard>>,
    /// Each shard's epoch: changed under the shard's lock, read without it (`tickets` reads them all).
    epochs: Vec<AtomicU64>,
    per_shard: usize,
}

/// Evicts by second chance (CLOCK): an entry read since it last came round is kept once more, so the
/// claims people are reading stay while one-off reads pass through.
#[derive(Default)]
struct Shard {
    entries: HashMap<i64, (Rendered, bool)>,
    /// Insertion order; may hold ids already dropped, which eviction skips.
    order: VecDeque<i64>,
}

impl Shard {
    fn evict_one(&mut self) {
        while let Some(id) = self.order.pop_front() {
            match self.entries.get_mut(&id) {
                Some((_, referenced)) if *referenced => {
                    *referenced = false;
                    self.order.push_back(id);
                }
                Some(_) => {
                    self.entries.remove(&id);
                    return;
                }
                None => {}
            }
        }
    }
}

/// Taken before reading a claim from the database; see the module comment.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// A ticket for every claim at once, for a read that learns which claims it reads as it goes (a list).
pub struct Tickets([u64; SHARDS]);

impl Tickets {
    pub fn of(&self, id: i64) -> Ticket {
        Ticket(self.0[shard_of(id)])
    }
}

fn shard_of(id: i64) -> usize {
    id.rem_euclid(SHARDS as i64) as usize
}

impl ClaimCache {
    /// A cache of at most `capacity` claims; 0 disables it.
    pub fn new(capacity: usize) -> ClaimCache {
        ClaimCache {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            epochs: (0..SHARDS).map(|_| AtomicU64::new(0)).collect(),
            per_shard: capacity.div_ceil(SHARDS),
        }
    }

    fn shard(&self, id: i64) -> &Mutex<Shard> {
        &self.shards[shard_of(id)]
    }

    pub fn get(&self, id: i64) -> Option<Rendered> {
        let mut shard = self.shard(id).lock().ok()?;
        let (rendered, referenced) = shard.entries.get_mut(&id)?;
        *referenced = true;
        Some(rendered.clone())
    }

    pub fn ticket(&self, id: i64) -> Ticket {
        Ticket(self.epochs[shard_of(id)].load(Ordering::Acquire))
    }

    pub fn tickets(&self) -> Tickets {
        Tickets(std::array::from_fn(|i| self.epochs[i].load(Ordering::Acquire)))
    }

    pub fn insert(&self, id: i64, ticket: Ticket, rendered: Rendered) {
        if self.per_shard == 0 {
            return;
        }
        let Ok(mut shard) = self.shard(id).lock() else { return };
        if self.epochs[shard_of(id)].load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if let Some(entry) = shard.entries.get_mut(&id) {
            *entry = (rendered, true);
            return;
        }
        if shard.entries.len() >= self.per_shard {
            shard.evict_one();
        }
        if shard.order.len() > 2 * self.per_shard {
            // Ids dropped by invalidation pile up in `order`; keep it in proportion.
            let Shard { entries, order, .. } = &mut *shard;
            order.retain(|id| entries.contains_key(id));
        }
        shard.entries.insert(id, (rendered, false));
        shard.order.push_back(id);
    }

    pub fn invalidate(&self, ids: &[i64]) {
        for &id in ids {
            if let Ok(mut shard) = self.shard(id).lock() {
                self.epochs[shard_of(id)].fetch_add(1, Ordering::AcqRel);
                shard.entries.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(v: &str) -> Rendered {
        Rendered { etag: v.into(), body: Bytes::from(v.to_owned()), status: crate::domain::workflow::Status::Submitted }
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
    fn tickets_taken_for_every_claim_at_once_hold_as_one_each() {
        let cache = ClaimCache::new(100);
        let tickets = cache.tickets();
        cache.invalidate(&[7]);
        cache.insert(7, tickets.of(7), rendered("old"));
        cache.insert(8, tickets.of(8), rendered("other shard"));
        assert!(cache.get(7).is_none());
        assert_eq!(cache.get(8).unwrap().etag, "other shard");
    }

    #[test]
    fn entries_read_again_survive_a_stream_of_one_off_reads() {
        let cache = ClaimCache::new(SHARDS * 8);
        let hot: Vec<i64> = (0..4).map(|k| k * SHARDS as i64).collect();
        for &id in &hot {
            cache.insert(id, cache.ticket(id), rendered("hot"));
        }
        for n in 1..200 {
            for &id in &hot {
                assert!(cache.get(id).is_some(), "hot entry {id} evicted after {n} one-off reads");
            }
            let cold = n * SHARDS as i64 + 1_000_000;
            cache.insert(cold, cache.ticket(cold), rendered("cold"));
        }
    }

    #[test]
    fn invalidated_entries_do_not_pile_up() {
        let cache = ClaimCache::new(SHARDS);
        for _ in 0..1000 {
            cache.insert(5, cache.ticket(5), rendered("x"));
            cache.invalidate(&[5]);
        }
        assert!(cache.shard(5).lock().unwrap().order.len() <= 3);
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
