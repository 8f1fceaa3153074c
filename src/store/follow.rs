//! The changes other processes make to claims in the same database (`claimcheck import` beside the
//! server), for a server's caches and matching index, which the writer tells only of this process's.
//! They are read from the claims' history, which creating, editing, moving, merging into a claim and
//! changing its evidence each add to, by row number, every `EVERY`. The rows this process's writer
//! added are left out (`ClaimChanges::read_past`), and the listeners hear of the others' claims as of the
//! writer's own, once the quick reads have let go of their read transactions, which began before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::Result;
use super::changes::ClaimChanges;
use super::read::Commits;

/// How often the claims' history is read.
pub const EVERY: Duration = Duration::from_millis(200);

/// History rows read at most at a time.
const PAGE: i64 = 10_000;

/// The thread that reads the history; stopped with the store.
#[derive(Default)]
pub struct Follower {
    running: Mutex<Option<(Arc<AtomicBool>, JoinHandle<()>)>>,
}

impl Follower {
    /// Starts following from the history's last row now.
    pub fn start(&self, conn: Connection, changes: Arc<ClaimChanges>, commits: Commits) -> anyhow::Result<()> {
        let seen: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM history", [], |r| r.get(0))?;
        let mut running = self.running.lock().map_err(|_| anyhow::anyhow!("the follower's lock was poisoned"))?;
        anyhow::ensure!(running.is_none(), "other processes' changes are followed already");
        changes.keep_ours();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("claimcheck-follow".into())
            .spawn(move || follow(&conn, &changes, &commits, &stopped, seen))?;
        *running = Some((stop, thread));
        Ok(())
    }

    /// Stops the thread and waits for it.
    pub fn stop(&self) {
        let running = self.running.lock().ok().and_then(|mut r| r.take());
        if let Some((stop, thread)) = running {
            stop.store(true, Ordering::Relaxed);
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

fn follow(conn: &Connection, changes: &ClaimChanges, commits: &Commits, stop: &AtomicBool, mut seen: i64) {
    // One warning for a run of failures, not one every `EVERY`.
    let mut failing = false;
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(EVERY);
        while !stop.load(Ordering::Relaxed) {
            match read(conn, changes, commits, seen) {
                Ok((last, full)) => {
                    (seen, failing) = (last, false);
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "the changes of other processes could not be read");
                    }
                    failing = true;
                    break;
                }
            }
        }
    }
}

/// Reads the history rows after `seen` (a page of them) and tells the listeners of the claims of
/// those this process did not add; answers the last row read and whether the page was full.
fn read(conn: &Connection, changes: &ClaimChanges, commits: &Commits, seen: i64) -> Result<(i64, bool)> {
    let mut stmt = conn.prepare_cached("SELECT id, claim_id FROM history WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows: Vec<(i64, i64)> =
        stmt.query_map([seen, PAGE], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let Some(&(last, _)) = rows.last() else { return Ok((seen, false)) };
    let ids = changes.read_past(&rows);
    if !ids.is_empty() {
        tracing::debug!(claims = ids.len(), "claims changed by another process");
        // Reads from here on see the change: a cache refilled from a transaction begun before it
        // would keep the claim as it was.
        commits.renew();
        changes.tell(&ids);
    }
    Ok((last, rows.len() as i64 == PAGE))
}
