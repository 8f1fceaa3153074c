//! Read-only connections. A semaphore bounds how many queries run at once.
//!
//! Where a read runs is chosen by measurement. Handing a query to the blocking thread pool and back
//! costs two thread wake-ups, about 100 µs of CPU here: far more than reading one claim whose pages
//! the OS has cached (about 15 µs), or walking an index for a page of a list. So the reads that serve
//! the hottest requests (`read_quick`: a claim, a page of a list) run on the async worker itself,
//! within a time limit: SQLite's progress handler interrupts one that runs past it, and it is run
//! again on the blocking pool, so a heavy query never holds a worker for longer than the limit. When a
//! few of them (`STRIKES`, net of fast ones) take longer than the limit, quick reads go to the blocking
//! pool for a while (`COOL_OFF`): when the database does not fit in memory and reads wait for the
//! disk, a few slow reads stall their worker, not every request behind them. Everything else
//! (searches, exports) always runs on the blocking pool.
//!
//! A quick read's connection keeps its read transaction open for the next quick read while nothing
//! has been committed since it began (`Commits`, told by the writer after each group, before any
//! caller of the group hears back): beginning and ending one takes the database file's locks, a
//! tenth of the CPU of a GET of a claim. A commit ends the transactions that connections at rest
//! hold, so that none keeps a checkpoint from copying the WAL back; one in use ends it when put back.
//! While the writer runs a RESTART checkpoint, which waits for every read transaction on the WAL to
//! end, none is held. None is held longer than `HELD_FOR`, for the commits of other processes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::hooks::Action;
use tokio::sync::Semaphore;

use super::audit_key::AuditKey;
use super::writer::Hook;
use super::{Error, Result};

#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    audit_key: AuditKey,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    /// Connections for quick reads in place, one per core: apart from `idle`, so that reads queued for
    /// the blocking pool never keep a quick read from running in place.
    quick: Mutex<Vec<Quick>>,
    /// A quick read taking longer than this sends quick reads to the blocking pool; zero: always.
    quick_limit: Duration,
    /// Until when (microseconds since `opened`) quick reads go to the blocking pool.
    offload_until: AtomicU64,
    /// Slow quick reads lately: each slow one adds one, each fast one takes one away. A read can be
    /// slow because its thread was preempted on a busy machine; only a run of them means the disk.
    strikes: AtomicU64,
    opened: Instant,
    /// Commit groups the writer has ended (`Commits`).
    commits: AtomicU64,
    /// While the writer runs a RESTART checkpoint: quick reads hold no transaction.
    restarting: AtomicBool,
}

/// A connection for reads in place, whose progress handler interrupts a read past its deadline.
struct Quick {
    conn: Connection,
    /// Microseconds since `opened` after which the running read is interrupted (`u64::MAX`: none).
    deadline: Arc<AtomicU64>,
    /// Whether the last read was interrupted.
    interrupted: Arc<AtomicBool>,
    /// The read transaction left open for the next quick read: the commit count it began at, and when.
    held: Option<(u64, Instant)>,
}

/// SQLite virtual machine steps between looks at the clock: some microseconds.
const STEPS: i32 = 1000;

impl Quick {
    fn open(path: &Path, audit_key: &AuditKey, opened: Instant) -> rusqlite::Result<Quick> {
        let conn = open_reader(path, audit_key)?;
        let deadline = Arc::new(AtomicU64::new(u64::MAX));
        let interrupted = Arc::new(AtomicBool::new(false));
        let (until, tripped) = (deadline.clone(), interrupted.clone());
        conn.progress_handler(
            STEPS,
            Some(move || {
                let over = micros(opened.elapsed()) > until.load(Ordering::Relaxed);
                if over {
                    tripped.store(true, Ordering::Relaxed);
                }
                over
            }),
        )?;
        Ok(Quick { conn, deadline, interrupted, held: None })
    }

    /// Runs `query` in the read transaction held, while nothing has been committed since it began
    /// (counted by `commits`) and it is younger than `HELD_FOR`; else in a new one, held after it.
    fn read<T>(&mut self, inner: &Inner, query: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        // Counted before the transaction's snapshot is taken (at its first statement), so that it holds
        // at least every group counted.
        let count = inner.commits.load(Ordering::Acquire);
        let current = self.held.is_some_and(|(at, begun)| at == count && begun.elapsed() < HELD_FOR);
        if !current || self.conn.is_autocommit() {
            self.release();
            self.conn.prepare_cached("BEGIN")?.execute([])?;
            self.held = Some((count, Instant::now()));
        }
        let result = query(&self.conn);
        // An interrupted read may have ended the transaction, or left it part-way.
        if result.is_err() || inner.restarting.load(Ordering::Acquire) {
            self.release();
        }
        result
    }

    /// Ends the transaction held if a group was committed after it began.
    fn release_if_behind(&mut self, commits: &AtomicU64) {
        if self.held.is_some_and(|(at, _)| at != commits.load(Ordering::Acquire)) {
            self.release();
        }
    }

    /// Ends the transaction held if it is older than `HELD_FOR`.
    fn release_if_old(&mut self) {
        if self.held.is_some_and(|(_, begun)| begun.elapsed() >= HELD_FOR) {
            self.release();
        }
    }

    fn release(&mut self) {
        self.held = None;
        if !self.conn.is_autocommit() {
            let _ = rollback(&self.conn);
        }
    }
}

/// The longest a read transaction is held for reuse. Groups committed by this process end it at once;
/// this bounds how long a change made by another process (a key created from the command line, an
/// import) goes unseen, and how long such a process's checkpoints wait for it.
const HELD_FOR: Duration = Duration::from_millis(100);

/// Ends, every `HELD_FOR`, the transactions that connections at rest have held longer: with no read
/// and no commit of this process to end them, they would keep another process's checkpoints waiting.
/// Stops when the pool is dropped.
fn end_old_transactions(pool: std::sync::Weak<Inner>) {
    loop {
        std::thread::sleep(HELD_FOR);
        let Some(inner) = pool.upgrade() else { return };
        if let Ok(mut quick) = inner.quick.lock() {
            quick.iter_mut().for_each(Quick::release_if_old);
        }
    }
}

/// Told by the writer when a commit group is over, before any caller of the group hears back (a
/// `Hook`): quick reads from then on begin a new transaction, which sees the group.
pub struct Commits(Arc<Inner>);

impl Commits {
    /// Counts a commit: quick reads from then on begin a new transaction, which sees it. Also for a
    /// commit of another process's (`store::follow`).
    pub fn renew(&self) {
        let inner = &self.0;
        inner.commits.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut quick) = inner.quick.lock() {
            quick.iter_mut().for_each(|q| q.release_if_behind(&inner.commits));
        }
    }
}

impl Hook for Commits {
    fn row_changed(&self, _: Action, _: &str, _: i64) {}

    fn before_commit(&self, _: &Connection) -> Result<()> {
        Ok(())
    }

    fn finished(&self, _committed: bool) {
        self.renew();
    }

    /// Counted as a commit, so that the transactions held end as after one; reads in the meantime
    /// hold none (`Quick::read`).
    fn restarting(&self) {
        self.0.restarting.store(true, Ordering::Release);
        self.renew();
    }

    fn restarted(&self) {
        self.0.restarting.store(false, Ordering::Release);
    }
}

/// How long quick reads stay on the blocking pool after they were slow.
const COOL_OFF: Duration = Duration::from_secs(1);
/// Slow reads, net of fast ones, that send quick reads to the blocking pool.
const STRIKES: u64 = 3;

impl ReadPool {
    /// `size` connections; quick reads run in place while each takes less than `quick_limit`.
    pub fn open(path: &Path, size: usize, quick_limit: Duration, audit_key: &AuditKey) -> anyhow::Result<ReadPool> {
        let size = size.max(1);
        let idle = (0..size).map(|_| open_reader(path, audit_key)).collect::<rusqlite::Result<Vec<_>>>()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let opened = Instant::now();
        let quick = match quick_limit.is_zero() {
            true => Vec::new(),
            false => {
                (0..cores.min(size)).map(|_| Quick::open(path, audit_key, opened)).collect::<rusqlite::Result<_>>()?
            }
        };
        let pool = ReadPool {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                audit_key: audit_key.clone(),
                idle: Mutex::new(idle),
                permits: Arc::new(Semaphore::new(size)),
                quick: Mutex::new(quick),
                quick_limit,
                offload_until: AtomicU64::new(0),
                strikes: AtomicU64::new(0),
                opened,
                commits: AtomicU64::new(0),
                restarting: AtomicBool::new(false),
            }),
        };
        if !quick_limit.is_zero() {
            let inner = Arc::downgrade(&pool.inner);
            std::thread::Builder::new().name("claimcheck-reads".into()).spawn(move || end_old_transactions(inner))?;
        }
        Ok(pool)
    }

    /// The hook by which the writer tells this pool that a group was committed.
    pub fn commits(&self) -> Commits {
        Commits(self.inner.clone())
    }

    /// Like `read`, for a query that reads a few rows by key or walks an index for a page: run where it
    /// is called while such reads are fast, and again on the blocking pool if it runs past the limit
    /// there (see the module comment).
    pub async fn read_quick<T, F>(&self, query: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = &self.inner;
        let now = inner.opened.elapsed();
        let quick =
            if self.quick_in_place() { inner.quick.lock().ok().and_then(|mut quick| quick.pop()) } else { None };
        let Some(mut quick) = quick else { return self.read(move |conn| snapshot(conn, &query)).await };
        quick.interrupted.store(false, Ordering::Relaxed);
        quick.deadline.store(micros(now + inner.quick_limit), Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| quick.read(inner, &query)));
        quick.deadline.store(u64::MAX, Ordering::Relaxed);
        let took = inner.opened.elapsed().saturating_sub(now);
        if took <= inner.quick_limit {
            let _ = inner.strikes.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| s.checked_sub(1));
        } else if inner.strikes.fetch_add(1, Ordering::Relaxed) + 1 >= STRIKES {
            inner.strikes.store(0, Ordering::Relaxed);
            inner.offload_until.fetch_max(micros(now + took + COOL_OFF), Ordering::Relaxed);
            tracing::debug!(
                took_us = took.as_micros(),
                "quick reads were slow; they go to the blocking pool for a while"
            );
        }
        let interrupted = quick.interrupted.load(Ordering::Relaxed);
        match outcome {
            Ok(result) => {
                if let Ok(mut pool) = inner.quick.lock() {
                    // A group committed during the read found the connection in use: its transaction
                    // ends here, so that it holds no checkpoint back while at rest. Under the lock, so
                    // that a commit's sweep comes either after this or after the push.
                    quick.release_if_behind(&inner.commits);
                    pool.push(quick);
                }
                // Whatever the query made of the interruption, its answer is the blocking pool's.
                if interrupted { self.read(move |conn| snapshot(conn, &query)).await } else { result }
            }
            // The connection goes with the panic: one fewer quick read runs in place from now on.
            Err(_) => Err(Error::Internal("a read panicked".into())),
        }
    }

    /// Whether quick reads run in place now: unless a run of them was slow within `COOL_OFF`.
    pub fn quick_in_place(&self) -> bool {
        let inner = &self.inner;
        !inner.quick_limit.is_zero() && micros(inner.opened.elapsed()) >= inner.offload_until.load(Ordering::Relaxed)
    }

    pub async fn read<T, F>(&self, query: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = self.inner.permits.clone().acquire_owned().await.map_err(|_| Error::Unavailable)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = match inner.idle.lock().ok().and_then(|mut idle| idle.pop()) {
                Some(conn) => conn,
                // Only after a query panicked and took its connection with it.
                None => open_reader(&inner.path, &inner.audit_key)?,
            };
            let result = query(&conn);
            if let Ok(mut idle) = inner.idle.lock() {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| Error::Internal(format!("read task failed: {e}")))?
    }
}

/// Runs `query` in one read transaction, so that a read of several statements (a claim, then its
/// evidence) sees the database as one commit group left it, never a claim from before a group beside
/// evidence from after it. Only for quick reads: a long one (the matching index's build, an export)
/// would keep the WAL from being reused for as long as it runs, and the writer waits for that.
fn snapshot<T>(conn: &Connection, query: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = query(conn);
    // A read has nothing to commit; an interrupted one may have ended the transaction already.
    if !conn.is_autocommit() {
        rollback(conn)?;
    }
    result
}

fn rollback(conn: &Connection) -> Result<()> {
    if conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([])).is_err() {
        conn.execute_batch("ROLLBACK")?;
    }
    Ok(())
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A read-only connection that can check audit seals.
fn open_reader(path: &Path, audit_key: &AuditKey) -> rusqlite::Result<Connection> {
    let conn = super::open_reader(path)?;
    audit_key.register(&conn)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(dir: &tempfile::TempDir, quick_limit: Duration) -> ReadPool {
        let path = dir.path().join("r.db");
        Connection::open(&path).unwrap().execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x)").unwrap();
        let key = AuditKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        ReadPool::open(&path, 2, quick_limit, &key).unwrap()
    }

    /// The thread a quick read ran on.
    async fn ran_on(pool: &ReadPool, pause: Duration) -> std::thread::ThreadId {
        pool.read_quick(move |_| {
            std::thread::sleep(pause);
            Ok(std::thread::current().id())
        })
        .await
        .unwrap()
    }

    /// Counts `t`'s rows, has another connection add one, and counts again.
    fn count_around_a_commit(conn: &Connection, path: &Path) -> Result<(i64, i64)> {
        let before = count(conn)?;
        add_row(path);
        Ok((before, count(conn)?))
    }

    #[tokio::test]
    async fn a_quick_read_of_several_statements_sees_one_state_of_the_database() {
        // In place, and on the blocking pool (a zero limit sends every quick read there).
        for limit in [Duration::from_secs(1), Duration::ZERO] {
            let dir = tempfile::tempdir().unwrap();
            let pool = pool(&dir, limit);
            let path = dir.path().join("r.db");
            let counted = pool.read_quick(move |conn| count_around_a_commit(conn, &path)).await.unwrap();
            assert_eq!(counted, (0, 0), "a commit landed between two statements of one read ({limit:?})");
        }
    }

    /// A pool whose quick reads run in place, its directory (kept for the test's length) and its file.
    fn quick_pool() -> (tempfile::TempDir, ReadPool, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, Duration::from_secs(1));
        let path = dir.path().join("r.db");
        (dir, pool, path)
    }

    fn count(conn: &Connection) -> Result<i64> {
        Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
    }

    /// A row added by another connection, as the writer would (without telling the pool).
    fn add_row(path: &Path) {
        Connection::open(path).unwrap().execute("INSERT INTO t VALUES (1)", []).unwrap();
    }

    /// Whether a checkpoint in `mode` runs to its end now, without waiting. A TRUNCATE cannot while a
    /// reader holds a snapshot from before the last commit; a RESTART cannot while a reader holds any
    /// transaction on the WAL.
    fn checkpoints(path: &Path, mode: &str) -> bool {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA busy_timeout = 0").unwrap();
        let busy: i64 = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(0)).unwrap();
        busy == 0
    }

    fn wal_emptied(path: &Path) -> bool {
        checkpoints(path, "TRUNCATE")
    }

    /// A quick read's transaction left held, and a row committed behind it, which it keeps in the WAL.
    async fn hold_behind_a_write(pool: &ReadPool, path: &Path) {
        pool.read_quick(count).await.unwrap();
        add_row(path);
        assert!(!wal_emptied(path), "the transaction held keeps the WAL (else the test proves nothing)");
    }

    fn restarts(path: &Path) -> bool {
        checkpoints(path, "RESTART")
    }

    #[tokio::test]
    async fn a_quick_read_sees_every_group_committed_before_it() {
        let (_dir, pool, path) = quick_pool();
        assert_eq!(pool.read_quick(count).await.unwrap(), 0);
        add_row(&path);
        pool.commits().renew();
        assert_eq!(pool.read_quick(count).await.unwrap(), 1, "a commit the writer told of");
        // A change made by another process is seen once the transaction held is old enough.
        add_row(&path);
        std::thread::sleep(HELD_FOR);
        assert_eq!(pool.read_quick(count).await.unwrap(), 2, "a commit from another process");
    }

    #[tokio::test]
    async fn a_commit_ends_the_transactions_that_quick_reads_hold() {
        let (_dir, pool, path) = quick_pool();
        // Held at rest: the commit ends it.
        hold_behind_a_write(&pool, &path).await;
        pool.commits().renew();
        assert!(wal_emptied(&path), "a connection at rest holds the WAL back");
        // In use when the commit comes: ended when put back.
        let (commits, there) = (pool.commits(), path.clone());
        pool.read_quick(move |conn| {
            let n = count(conn)?;
            add_row(&there);
            commits.renew();
            Ok(n)
        })
        .await
        .unwrap();
        assert!(wal_emptied(&path), "a connection put back after a commit holds the WAL back");
    }

    #[tokio::test]
    async fn a_transaction_held_at_rest_ends_when_it_is_old() {
        let (_dir, pool, path) = quick_pool();
        // Another process writes: nothing of this one ends the transaction held, but its age.
        hold_behind_a_write(&pool, &path).await;
        std::thread::sleep(HELD_FOR * 3);
        assert!(wal_emptied(&path), "a transaction held at rest outlived HELD_FOR");
    }

    #[tokio::test]
    async fn no_transaction_is_held_while_the_writer_restarts_the_wal() {
        let (_dir, pool, path) = quick_pool();
        let commits = pool.commits();
        add_row(&path);
        commits.renew();
        pool.read_quick(count).await.unwrap();
        assert!(!restarts(&path), "a transaction held, even of the last commit, waits out a RESTART");
        commits.restarting();
        assert!(restarts(&path), "a transaction held at rest");
        // No commit comes while the writer restarts: a read then must not keep its transaction.
        add_row(&path);
        pool.read_quick(count).await.unwrap();
        assert!(restarts(&path), "a read during the restart kept its transaction");
        commits.restarted();
        add_row(&path);
        commits.renew();
        pool.read_quick(count).await.unwrap();
        assert!(!restarts(&path), "reads hold their transaction again after the restart");
    }

    #[tokio::test]
    async fn quick_reads_run_in_place_until_a_run_of_them_is_slow() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, Duration::from_millis(1));
        let here = std::thread::current().id();
        assert_eq!(ran_on(&pool, Duration::ZERO).await, here);
        // One slow read may be a preempted thread; a run of them (as when the disk answers) sends the
        // next ones away.
        assert_eq!(ran_on(&pool, Duration::from_millis(5)).await, here);
        assert!(pool.quick_in_place());
        assert_eq!(ran_on(&pool, Duration::ZERO).await, here);
        for _ in 0..STRIKES {
            assert_eq!(ran_on(&pool, Duration::from_millis(5)).await, here);
        }
        assert!(!pool.quick_in_place());
        assert_ne!(ran_on(&pool, Duration::ZERO).await, here);
    }

    #[tokio::test]
    async fn a_quick_read_past_the_limit_is_stopped_and_answered_by_the_blocking_pool() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, Duration::from_millis(1));
        let here = std::thread::current().id();
        let count = |conn: &Connection| -> Result<(i64, std::thread::ThreadId)> {
            let n = conn.query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) FROM c",
                [],
                |r| r.get(0),
            )?;
            Ok((n, std::thread::current().id()))
        };
        let (n, ran) = pool.read_quick(count).await.unwrap();
        assert_eq!(n, 2_000_000);
        assert_ne!(ran, here);
        // Its connection in place answers the next read in full.
        let (n, ran) = pool
            .read_quick(|conn| {
                Ok((conn.query_row("SELECT 7", [], |r| r.get::<_, i64>(0))?, std::thread::current().id()))
            })
            .await
            .unwrap();
        assert_eq!((n, ran), (7, here));
    }

    #[tokio::test]
    async fn a_zero_limit_keeps_every_read_on_the_blocking_pool() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, Duration::ZERO);
        assert_ne!(ran_on(&pool, Duration::ZERO).await, std::thread::current().id());
    }
}
