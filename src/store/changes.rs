//! The claim-specific work of each commit group, done once per group by the writer's hook: new claims
//! enter the search index together, and the caches of claim representations hear which claims the
//! group changed before any caller of the group does.
//!
//! Other processes write the same database too (`claimcheck import` beside the server). Their changes
//! are read from the claims' history, which every change to a claim adds to, by row number
//! (`follow_others`): the rows this process's writer added are left out, and the listeners hear of
//! the claims of the others as of the writer's own, within `FOLLOW_EVERY`.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::hooks::Action;

use super::Result;
use super::writer::Hook;

/// Told, after each group, which claims it changed (committed or not).
pub type Listener = Arc<dyn Fn(&[i64]) + Send + Sync>;

/// How often the claims' history is read for the changes of other processes.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// History rows read at most at a time.
const FOLLOW_PAGE: i64 = 10_000;

#[derive(Default)]
pub struct ClaimChanges {
    group: Mutex<Changes>,
    listeners: Mutex<Vec<Listener>>,
    /// The history rows this process's groups added (first, last), oldest first, until the follower
    /// has read past them. A group's rows are consecutive: it is the only writer while it runs.
    ours: Mutex<VecDeque<(i64, i64)>>,
}

/// The claims the current group has touched, as SQLite reports them.
#[derive(Default)]
struct Changes {
    claims: Vec<i64>,
    /// The ids of the claims the group inserted: a new claim's id is above every existing one, so
    /// every id in this range is new.
    inserted: Option<(i64, i64)>,
    /// The history rows the group added.
    history: Option<(i64, i64)>,
}

fn widen(range: Option<(i64, i64)>, rowid: i64) -> Option<(i64, i64)> {
    let (lo, hi) = range.unwrap_or((rowid, rowid));
    Some((lo.min(rowid), hi.max(rowid)))
}

impl ClaimChanges {
    /// Registers a listener for the claims each group changes.
    pub fn listen(&self, listener: Listener) {
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(listener);
        }
    }

    fn tell(&self, ids: &[i64]) {
        if let Ok(listeners) = self.listeners.lock() {
            for listener in listeners.iter() {
                listener(ids);
            }
        }
    }

    /// Reads, every `FOLLOW_EVERY` in a thread of its own, the claims other processes change in the
    /// database at `path` (see the module comment), for as long as these changes are kept. `renew`
    /// runs before the listeners hear of them: reads from then on must see those changes (a cache
    /// refilled from a read transaction begun before them would keep the old claim).
    pub fn follow_others(self: &Arc<Self>, path: &Path, renew: impl Fn() + Send + 'static) -> anyhow::Result<()> {
        let conn = super::open_reader(path)?;
        let mut seen: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM history", [], |r| r.get(0))?;
        let changes = Arc::downgrade(self);
        std::thread::Builder::new().name("claimcheck-follow".into()).spawn(move || {
            loop {
                std::thread::sleep(FOLLOW_EVERY);
                let Some(changes) = changes.upgrade() else { return };
                match changes.others_after(&conn, seen, &renew) {
                    Ok(last) => seen = last,
                    Err(e) => tracing::warn!(error = %e, "the changes of other processes could not be read"),
                }
            }
        })?;
        Ok(())
    }

    /// Tells the listeners of the claims whose history gained rows after `seen` that this process
    /// did not add; answers the last row read.
    fn others_after(&self, conn: &Connection, seen: i64, renew: &dyn Fn()) -> Result<i64> {
        let mut stmt = conn.prepare_cached("SELECT id, claim_id FROM history WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows: Vec<(i64, i64)> =
            stmt.query_map([seen, FOLLOW_PAGE], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let Some(&(last, _)) = rows.last() else { return Ok(seen) };
        let mut ids: Vec<i64> = {
            let mut ours =
                self.ours.lock().map_err(|_| super::Error::Internal("changes: a lock was poisoned".into()))?;
            let theirs = rows.iter().filter(|(row, _)| !ours.iter().any(|&(lo, hi)| (lo..=hi).contains(row)));
            let ids = theirs.map(|&(_, claim)| claim).collect();
            ours.retain(|&(_, hi)| hi > last);
            ids
        };
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            tracing::debug!(claims = ids.len(), "claims changed by another process");
            renew();
            self.tell(&ids);
        }
        Ok(last)
    }
}

impl Hook for ClaimChanges {
    fn row_changed(&self, action: Action, table: &str, rowid: i64) {
        // Every change to a claim's representation or matching fields updates its row (evidence changes
        // and merged reviews bump its version), and adds to its history.
        let Ok(mut changes) = self.group.lock() else { return };
        match (table, action) {
            ("claims", Action::SQLITE_INSERT) => {
                changes.claims.push(rowid);
                changes.inserted = widen(changes.inserted, rowid);
            }
            ("claims", _) => changes.claims.push(rowid),
            ("history", Action::SQLITE_INSERT) => changes.history = widen(changes.history, rowid),
            _ => {}
        }
    }

    /// New claims enter the search index in one statement per group: FTS5 flushes its pending index at
    /// every statement savepoint, so indexing them one by one wrote a segment per claim.
    fn before_commit(&self, conn: &Connection) -> Result<()> {
        // Before COMMIT, so that the follower knows the rows for this process's before it can read
        // them. (Should COMMIT then fail, the range is left for rows that were never written.)
        let history = self.group.lock().ok().and_then(|mut c| c.history.take());
        if let (Some(range), Ok(mut ours)) = (history, self.ours.lock()) {
            ours.push_back(range);
        }
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
                changes.history = None;
                std::mem::take(&mut changes.claims)
            }
            _ => return,
        };
        if ids.is_empty() {
            return;
        }
        ids.sort_unstable();
        ids.dedup();
        self.tell(&ids);
    }
}
