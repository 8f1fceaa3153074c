//! WAL checkpoints on a thread of their own, so that copying committed pages back into the database
//! file (and syncing it) is not done by the writer between two commit groups.
//!
//! With SQLite's automatic checkpoints, the connection that commits past 1,000 WAL pages copies them
//! back itself: with writes spread over a large database (evidence on any of a million claims), that
//! was a third of the writer's time. Here the writer only nudges after each commit; this thread runs a
//! PASSIVE checkpoint (which never blocks the writer or readers) at most every `INTERVAL`, so a page
//! written many times in that span is copied once. A PASSIVE checkpoint cannot finish while commits
//! keep coming, and the WAL is only reused from its start once one has; so when the WAL holds more
//! than `RESTART_AT` pages, this thread asks the writer to run a RESTART checkpoint between two
//! groups (`restart_due`): only the writer can, since it holds the write lock all but an instant at a
//! time, and by then most pages have been copied back here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use super::Synchronous;

/// The shortest time between two checkpoints.
const INTERVAL: Duration = Duration::from_millis(100);
/// WAL pages (4 KiB each) past which the WAL is made to start over: 64 MiB.
const RESTART_AT: i64 = 16_384;

#[derive(Clone)]
pub struct Checkpointer {
    nudge: SyncSender<()>,
    restart: Arc<AtomicBool>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

/// How one checkpoint went, as SQLite reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Pages in the WAL.
    pub log: i64,
    /// Of those, pages copied back into the database.
    pub copied: i64,
}

impl Checkpointer {
    /// Opens its own connection to the database at `path` (already in WAL mode) and starts the thread.
    pub fn start(path: &Path, synchronous: Synchronous) -> anyhow::Result<Checkpointer> {
        let conn = super::open_writer(path, synchronous)?;
        // Checkpoints copy from the WAL to the file without the page cache.
        conn.execute_batch("PRAGMA cache_size = -500")?;
        let (nudge, rx) = sync_channel(1);
        let restart = Arc::new(AtomicBool::new(false));
        let wanted = restart.clone();
        let thread =
            std::thread::Builder::new().name("claimcheck-checkpoint".into()).spawn(move || run(&conn, &rx, &wanted))?;
        Ok(Checkpointer { nudge, restart, thread: Arc::new(Mutex::new(Some(thread))) })
    }

    /// Says a commit added to the WAL. Never blocks: a nudge already waiting covers this one.
    pub fn nudge(&self) {
        if let Err(TrySendError::Disconnected(())) = self.nudge.try_send(()) {
            tracing::warn!("the checkpoint thread has stopped");
        }
    }

    /// Whether the WAL has grown past `RESTART_AT` pages: the writer should then run a RESTART
    /// checkpoint (`restart`) before its next group. Asking clears it.
    pub fn restart_due(&self) -> bool {
        self.restart.swap(false, Ordering::Relaxed)
    }

    /// Copies what is left of the WAL back and makes it start over; run by the writer, outside a
    /// transaction, when `restart_due`.
    pub fn restart(writer: &Connection) {
        if let Err(e) = checkpoint(writer, "RESTART") {
            tracing::warn!(error = %e, "the WAL could not be restarted");
        }
    }

    /// Stops the thread after a last checkpoint. Blocking.
    pub fn close(self) {
        let Checkpointer { nudge, thread, .. } = self;
        drop(nudge);
        let handle = thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

fn run(conn: &Connection, nudges: &Receiver<()>, restart: &AtomicBool) {
    while nudges.recv().is_ok() {
        match checkpoint(conn, "PASSIVE") {
            Ok(outcome) if outcome.log > RESTART_AT => restart.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checkpoint failed"),
        }
        std::thread::sleep(INTERVAL);
    }
    if let Err(e) = checkpoint(conn, "TRUNCATE") {
        tracing::debug!(error = %e, "no final checkpoint");
    }
}

/// Runs one checkpoint in `mode` (PASSIVE, RESTART or TRUNCATE).
pub fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<Outcome> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok(Outcome { log: r.get(1)?, copied: r.get(2)? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_pages_are_copied_back_and_the_writer_never_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = super::super::open_writer(&path, Synchronous::Full).unwrap();
        writer.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB)").unwrap();
        let checkpointer = Checkpointer::start(&path, Synchronous::Full).unwrap();
        for _ in 0..50 {
            writer.execute("INSERT INTO t VALUES (zeroblob(8192))", []).unwrap();
            checkpointer.nudge();
        }
        // Only the checkpoint thread copies pages into the database file: wait until it has.
        let copied = (0..500).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            std::fs::metadata(&path).unwrap().len() > 50 * 8192
        });
        assert!(copied, "the thread copied the WAL back into the database");
        checkpointer.close();
        let rows: i64 = writer.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 50);
    }

    #[test]
    fn a_restart_asked_of_the_writer_makes_the_wal_start_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let writer = super::super::open_writer(&path, Synchronous::Full).unwrap();
        writer.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB)").unwrap();
        for _ in 0..20 {
            writer.execute("INSERT INTO t VALUES (zeroblob(8192))", []).unwrap();
        }
        assert!(checkpoint(&writer, "PASSIVE").unwrap().log > 40);
        Checkpointer::restart(&writer);
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let after = checkpoint(&writer, "PASSIVE").unwrap();
        assert!(after.log < 10, "the WAL started over: {after:?}");
    }
}
