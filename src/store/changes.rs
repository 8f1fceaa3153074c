//! The claim-specific work of each commit group, done once per group by the writer's hook: new claims
//! enter the search index together, and the caches of claim representations hear which claims the
//! group changed before any caller of the group does.
//! It also keeps which history rows this process's groups added, so that `store::follow` tells apart
//! the changes other processes make.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The history rows this process's committed groups added (first, last), oldest first, until
    /// `read_past` has read past them. A group's rows are consecutive: it is the only writer while it runs.
    ours: Mutex<VecDeque<(i64, i64)>>,
    /// Whether a follower reads them (`store::follow`); else they are not kept.
    followed: AtomicBool,
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

    /// Tells the listeners which claims changed, outside the lock: the writer's group may be telling
    /// them too.
    pub(super) fn tell(&self, ids: &[i64]) {
        let listeners = match self.listeners.lock() {
            Ok(listeners) => listeners.clone(),
            Err(_) => return,
        };
        for listener in &listeners {
            listener(ids);
        }
    }

    /// Keeps the history rows this process's groups add from now on, for `read_past`.
    pub(super) fn keep_ours(&self) {
        self.followed.store(true, Ordering::Relaxed);
    }

    /// The claims of the history rows (row, claim), in order, that this process did not add; the
    /// ranges of its own that the rows reach past are forgotten.
    pub(super) fn read_past(&self, rows: &[(i64, i64)]) -> Vec<i64> {
        let Some(&(last, _)) = rows.last() else { return Vec::new() };
        let Ok(mut ours) = self.ours.lock() else { return Vec::new() };
        let mut ranges = ours.iter().peekable();
        let mut ids = Vec::new();
        for &(row, claim) in rows {
            while ranges.next_if(|&&(_, hi)| hi < row).is_some() {}
            if ranges.peek().is_none_or(|&&(lo, _)| lo > row) {
                ids.push(claim);
            }
        }
        while ours.front().is_some_and(|&(_, hi)| hi <= last) {
            ours.pop_front();
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

impl Hook for ClaimChanges {
    fn row_changed(&self, action: Action, table: &str, rowid: i64) {
        // Every change to a claim's representation or matching fields updates its row (evidence changes
        // and merged reviews bump its version). Its history rows are counted for `store::follow`.
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
        let inserted = self.group.lock().ok().and_then(|mut c| c.inserted.take());
        match inserted {
            Some((lo, hi)) => super::claims::index_for_search(conn, lo, hi),
            None => Ok(()),
        }
    }

    fn finished(&self, committed: bool) {
        let (mut ids, history) = match self.group.lock() {
            Ok(mut changes) => {
                changes.inserted = None;
                (std::mem::take(&mut changes.claims), changes.history.take())
            }
            _ => return,
        };
        // Only rows that were written: those of a group undone are numbered again by the next
        // commit, which may be another process's. The follower may read a committed group's rows
        // before this: it then tells of them twice, which does no harm.
        let kept = committed && self.followed.load(Ordering::Relaxed);
        if let (true, Some(range), Ok(mut ours)) = (kept, history, self.ours.lock()) {
            ours.push_back(range);
        }
        if ids.is_empty() {
            return;
        }
        ids.sort_unstable();
        ids.dedup();
        self.tell(&ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_of_groups_committed_here_are_left_out_and_forgotten_once_read() {
        let changes = ClaimChanges::default();
        changes.keep_ours();
        let group = |rows: std::ops::RangeInclusive<i64>, committed: bool| {
            rows.for_each(|row| changes.row_changed(Action::SQLITE_INSERT, "history", row));
            changes.finished(committed);
        };
        group(3..=5, true);
        // Undone: another process's next commit may number its rows the same.
        group(8..=9, false);
        group(11..=11, true);
        let rows = [(1, 10), (3, 11), (4, 11), (5, 12), (6, 13), (8, 14), (9, 10), (11, 15)];
        assert_eq!(changes.read_past(&rows[..6]), [10, 13, 14]);
        assert_eq!(changes.ours.lock().unwrap().len(), 1, "the range not read past yet is kept");
        assert_eq!(changes.read_past(&rows[6..]), [10]);
        assert!(changes.ours.lock().unwrap().is_empty());
    }
}
