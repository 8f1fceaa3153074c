//! The one writer. Requests hand it closures through a bounded queue; it runs everything queued in one
//! transaction (group commit: one fsync for many writes) and answers each caller only after COMMIT.
//!
//! A job that fails must leave nothing behind. Store functions make every check before their first
//! write, so a refused request has written nothing and the rest of its group commits. A job that fails
//! after writing (a bug, or the disk) undoes its whole group, and every caller in it is told to retry:
//! no partial write ever commits. (A SAVEPOINT per job would undo just that job, but it makes FTS5 flush
//! its index on every release and journals every page twice; it cost a third of the writer's time.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::hooks::Action;
use tokio::sync::{mpsc, oneshot};

use super::checkpoint::Checkpointer;
use super::{Error, Result};

/// Most jobs committed together; bounds the latency one group adds to its first caller.
const MAX_GROUP: usize = 1024;

/// Given the group's commit error (if any), hands the caller its result.
type Deliver = Box<dyn FnOnce(Option<Error>) + Send>;
/// Runs one caller's work; says whether it succeeded and how to answer the caller.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Deliver) + Send>;

enum Message {
    Job(Job),
    Close,
}

/// Work the writer does for a whole group rather than for each job: told of every row the group
/// changes, asked to finish before COMMIT, and told when the group is over (committed or undone),
/// before any caller of the group hears back. The writer itself knows no table.
pub trait Hook: Send + Sync + 'static {
    fn row_changed(&self, action: Action, table: &str, rowid: i64);
    /// Runs in the group's transaction, just before COMMIT.
    fn before_commit(&self, conn: &Connection) -> Result<()>;
    /// The group is over: committed, or rolled back (by a job that failed part-way, before
    /// `before_commit`, or at COMMIT).
    fn finished(&self, committed: bool);
    /// A checkpoint is coming that waits for every read transaction on the WAL to end (a RESTART, or
    /// the last one, a TRUNCATE): a hook that keeps them open ends them, and keeps none open until
    /// `restarted`.
    fn restarting(&self) {}
    fn restarted(&self) {}
}

/// No group work.
impl Hook for () {
    fn row_changed(&self, _: Action, _: &str, _: i64) {}
    fn before_commit(&self, _: &Connection) -> Result<()> {
        Ok(())
    }
    fn finished(&self, _: bool) {}
}

/// Several hooks, told in turn.
impl Hook for Vec<Arc<dyn Hook>> {
    fn row_changed(&self, action: Action, table: &str, rowid: i64) {
        self.iter().for_each(|hook| hook.row_changed(action, table, rowid));
    }
    fn before_commit(&self, conn: &Connection) -> Result<()> {
        self.iter().try_for_each(|hook| hook.before_commit(conn))
    }
    fn finished(&self, committed: bool) {
        self.iter().for_each(|hook| hook.finished(committed));
    }
    fn restarting(&self) {
        self.iter().for_each(|hook| hook.restarting());
    }
    fn restarted(&self) {
        self.iter().for_each(|hook| hook.restarted());
    }
}

/// What the writer has done, for `/metrics`.
#[derive(Default)]
pub struct WriterStats {
    /// Commit groups by size: `sizes[k]` counts groups of at most `2^k` jobs.
    pub sizes: [AtomicU64; 11],
    pub groups: AtomicU64,
    pub jobs: AtomicU64,
    /// Groups undone: a job failed part-way, the disk was full, or COMMIT failed.
    pub rolled_back: AtomicU64,
}

impl WriterStats {
    fn record_group(&self, jobs: usize) {
        let bucket = (usize::BITS - jobs.saturating_sub(1).leading_zeros()).min(10) as usize;
        self.sizes[bucket].fetch_add(1, Ordering::Relaxed);
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.jobs.fetch_add(jobs as u64, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Message>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
    pub stats: Arc<WriterStats>,
    wait: Duration,
}

impl Writer {
    /// Starts the writer thread on `conn`. With a `checkpointer`, the writer leaves checkpoints to it
    /// and nudges it after every commit; without, SQLite checkpoints on commit as it does by default.
    pub fn start(
        conn: Connection,
        capacity: usize,
        wait: Duration,
        hook: Arc<dyn Hook>,
        checkpointer: Option<Checkpointer>,
    ) -> std::io::Result<Writer> {
        if checkpointer.is_some() {
            conn.execute_batch("PRAGMA wal_autocheckpoint = 0").map_err(std::io::Error::other)?;
        }
        let (queue, rx) = mpsc::channel(capacity.max(1));
        let told = hook.clone();
        conn.update_hook(Some(move |action: Action, _: &str, table: &str, rowid: i64| {
            told.row_changed(action, table, rowid);
        }))
        .map_err(std::io::Error::other)?;
        let stats: Arc<WriterStats> = Arc::default();
        let group = Group { conn, hook, stats: stats.clone(), checkpointer };
        let thread = std::thread::Builder::new().name("claimcheck-writer".into()).spawn(move || run(group, rx))?;
        Ok(Writer { queue, thread: Arc::new(Mutex::new(Some(thread))), stats, wait })
    }

    /// Runs `work` in the writer's transaction and returns its result once it is committed.
    /// Waits at most the configured time for room in the queue, then gives up with `Error::Busy`.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = work(conn);
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |commit_error| {
                let _ = tx.send(match commit_error {
                    Some(e) => Err(e),
                    None => result,
                });
            });
            (ok, deliver)
        });
        match tokio::time::timeout(self.wait, self.queue.send(Message::Job(job))).await {
            Err(_) => return Err(Error::Busy),
            Ok(Err(_)) => return Err(Error::Unavailable),
            Ok(Ok(())) => {}
        }
        // A dropped job (the writer stopped or the group could not begin) never answers.
        rx.await.unwrap_or(Err(Error::Unavailable))
    }

    /// Writes waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    pub fn is_running(&self) -> bool {
        self.thread.lock().map(|t| t.as_ref().is_some_and(|t| !t.is_finished())).unwrap_or(false)
    }

    /// Commits everything already queued, refuses anything later, and waits for the thread to end.
    /// Blocking: call it off the async executor.
    pub fn close(&self) {
        let _ = self.queue.blocking_send(Message::Close);
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// What the writer thread owns.
struct Group {
    conn: Connection,
    hook: Arc<dyn Hook>,
    stats: Arc<WriterStats>,
    checkpointer: Option<Checkpointer>,
}

fn run(group: Group, mut rx: mpsc::Receiver<Message>) {
    let mut closing = false;
    while !closing {
        let mut jobs = Vec::new();
        match rx.blocking_recv() {
            Some(Message::Job(job)) => jobs.push(job),
            Some(Message::Close) | None => closing = true,
        }
        while closing || jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Message::Job(job)) => jobs.push(job),
                Ok(Message::Close) => {
                    closing = true;
                    rx.close();
                }
                Err(_) => break,
            }
        }
        if !jobs.is_empty() {
            commit_group(&group, jobs);
            if let Some(checkpointer) = &group.checkpointer {
                checkpointer.nudge();
                if checkpointer.restart_due() {
                    group.hook.restarting();
                    Checkpointer::restart(&group.conn);
                    group.hook.restarted();
                }
            }
        }
    }
    if let Some(checkpointer) = group.checkpointer {
        // Its last checkpoint, a TRUNCATE, waits for read transactions as a RESTART does.
        group.hook.restarting();
        checkpointer.close();
    }
    tracing::debug!("writer stopped");
}

fn commit_group(group: &Group, jobs: Vec<Job>) {
    let conn = &group.conn;
    if let Err(e) = begin(conn) {
        tracing::error!(error = %e, jobs = jobs.len(), "cannot begin a write transaction");
        return;
    }
    group.stats.record_group(jobs.len());
    let mut done: Vec<(bool, Deliver)> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let changes = conn.total_changes();
        let outcome = catch_unwind(AssertUnwindSafe(|| job(conn)));
        let broken = match &outcome {
            Ok((ok, _)) => conn.is_autocommit() || (!ok && conn.total_changes() != changes),
            Err(_) => true,
        };
        if !broken {
            if let Ok(finished) = outcome {
                done.push(finished);
            }
            continue;
        }
        // The job failed after writing (or SQLite itself rolled back, as on a full disk): its writes
        // cannot be undone alone, so the whole group is undone and every caller in it told to retry.
        let reason = if conn.is_autocommit() { Error::Full } else { Error::Retry };
        group.stats.rolled_back.fetch_add(1, Ordering::Relaxed);
        tracing::error!(error = %reason, jobs = done.len() + 1, "a write failed part-way; its group is rolled back");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        group.hook.finished(false);
        for (ok, deliver) in done.drain(..) {
            deliver(ok.then(|| reason.clone()));
        }
        match outcome {
            Ok((ok, deliver)) => deliver(ok.then_some(reason)),
            Err(_) => tracing::error!("a write job panicked"),
        }
        if let Err(e) = begin(conn) {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return;
        }
    }
    let finished = group.hook.before_commit(conn);
    let commit_error = finished.and_then(|()| Ok(conn.execute_batch("COMMIT")?)).err().map(|e| {
        tracing::error!(error = %e, jobs = done.len(), "commit failed; the group is rolled back");
        group.stats.rolled_back.fetch_add(1, Ordering::Relaxed);
        let _ = conn.execute_batch("ROLLBACK");
        e
    });
    group.hook.finished(commit_error.is_none());
    for (ok, deliver) in done {
        deliver(if ok { commit_error.clone() } else { None });
    }
}

fn begin(conn: &Connection) -> rusqlite::Result<()> {
    run_statement(conn, "BEGIN IMMEDIATE")
}

fn run_statement(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(dir: &tempfile::TempDir) -> (Writer, std::path::PathBuf) {
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE);").unwrap();
        (Writer::start(conn, 64, Duration::from_secs(5), Arc::new(()), None).unwrap(), path)
    }

    fn count(path: &std::path::Path) -> i64 {
        Connection::open(path).unwrap().query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
    }

    fn spawn_jobs(
        w: &Writer,
        n: i64,
        job: fn(&Connection, i64) -> Result<i64>,
    ) -> Vec<tokio::task::JoinHandle<Result<i64>>> {
        (0..n)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move { w.write(move |c| job(c, i)).await })
            })
            .collect()
    }

    #[tokio::test]
    async fn a_job_refused_before_writing_leaves_its_group_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (w, path) = writer(&dir);
        let jobs = spawn_jobs(&w, 50, |c, i| {
            if i % 10 == 0 {
                return Err(Error::NotFound);
            }
            c.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
            Ok(i)
        });
        let results = futures_util::future::join_all(jobs).await;
        let ok = results.into_iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
        assert_eq!((ok, count(&path)), (45, 45));
        let closer = w.clone();
        tokio::task::spawn_blocking(move || closer.close()).await.unwrap();
        assert!(!w.is_running());
    }

    #[tokio::test]
    async fn a_job_failing_after_writing_undoes_its_group_and_nothing_acknowledged_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let (w, path) = writer(&dir);
        let jobs = spawn_jobs(&w, 200, |c, i| {
            c.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
            if i % 17 == 0 {
                c.execute("INSERT INTO t (x) VALUES (?1)", [10_000 + i])?;
                return Err(Error::NotFound);
            }
            Ok(i)
        });
        let mut acknowledged = Vec::new();
        for result in futures_util::future::join_all(jobs).await {
            match result.unwrap() {
                Ok(i) => acknowledged.push(i),
                Err(Error::NotFound | Error::Retry) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        let conn = Connection::open(&path).unwrap();
        let mut stored: Vec<i64> = conn
            .prepare("SELECT x FROM t ORDER BY x")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        acknowledged.sort();
        stored.sort();
        assert_eq!(stored, acknowledged, "exactly the acknowledged writes, and no half of a failed one");
        assert!(!acknowledged.is_empty());
    }

    #[tokio::test]
    async fn close_commits_what_is_queued_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (w, path) = writer(&dir);
        let pending: Vec<_> = (0..20)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move { w.write(move |c| Ok(c.execute("INSERT INTO t VALUES (?1)", [i])?)).await })
            })
            .collect();
        tokio::task::yield_now().await;
        let closer = w.clone();
        tokio::task::spawn_blocking(move || closer.close()).await.unwrap();
        let acknowledged =
            futures_util::future::join_all(pending).await.into_iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
        assert_eq!(count(&path) as usize, acknowledged);
        assert!(matches!(w.write(|_| Ok(())).await, Err(Error::Unavailable)));
    }
}
