//! The claim-specific work of each commit group, done once per group by the writer's hook: new claims
//! enter the search index together, and the caches of claim representations hear which claims the
//! group changed before any caller of the group does.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite::hooks::Action;

use super::Result;
use super::writer::Hook;

/// Told, after each group, which claims it changed (committed or not).
pub type Listener = Arc<dyn Fn(&[i64]) + Send + Sync>;

#[derive(Default)]
pub struct ClaimChanges {
    group: Mutex<Changes>,
    listeners: Mutex<Vec<Listener>>,
}

/// The claims the current group has touched, as SQLite reports them.
#[derive(Default)]
struct Changes {
    claims: Vec<i64>,
    /// The ids of the claims the group inserted: a new claim's id is above every existing one, so
    /// every id in this range is new.
    inserted: Option<(i64, i64)>,
}

impl ClaimChanges {
    /// Registers a listener for the claims each group changes.
    pub fn listen(&self, listener: Listener) {
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(listener);
        }
    }
}

impl Hook for ClaimChanges {
    fn row_changed(&self, action: Action, table: &str, rowid: i64) {
        // Every change to a claim's representation or matching fields updates its row (evidence changes
        // and merged reviews bump its version).
        if table != "claims" {
            return;
        }
        if let Ok(mut changes) = self.group.lock() {
            changes.claims.push(rowid);
            if action == Action::SQLITE_INSERT {
                let (lo, hi) = changes.inserted.unwrap_or((rowid, rowid));
                changes.inserted = Some((lo.min(rowid), hi.max(rowid)));
            }
        }
    }

    /// New claims enter the search index in one statement per group: FTS5 flushes its pending index at
    /// every statement savepoint, so indexing them one by one wrote a segment per claim.
    fn before_commit(&self, conn: &Connection) -> Result<()> {
        let inserted = self.group.lock().ok().and_then(|mut c| c.inserted.take());
        match inserted {
            Some((lo, hi)) => super::claims::index_for_search(conn, lo, hi),
            None => Ok(()),
        }
    }

    fn finished(&self) {
        let mut ids = match self.group.lock() {
            Ok(mut changes) => {
                changes.inserted = None;
                std::mem::take(&mut changes.claims)
            }
            _ => return,
        };
        if ids.is_empty() {
            return;
        }
        ids.sort_unstable();
        ids.dedup();
        if let Ok(listeners) = self.listeners.lock() {
            for listener in listeners.iter() {
                listener(&ids);
            }
        }
    }
}
