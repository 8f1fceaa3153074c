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

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::audit_key::AuditKey;
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
}

/// A connection for reads in place, whose progress handler interrupts a read past its deadline.
struct Quick {
    conn: Connection,
    /// Microseconds since `opened` after which the running read is interrupted (`u64::MAX`: none).
    deadline: Arc<AtomicU64>,
    /// Whether the last read was interrupted.
    interrupted: Arc<AtomicBool>,
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
        Ok(Quick { conn, deadline, interrupted })
    }
}

/// How long quick reads stay on the blocking pool after they were slow.
const COOL_OFF: Duration = Duration::from_secs(1);
/// Slow reads, net of fast ones, that send quick reads to the blocking pool.
const STRIKES: u64 = 3;

impl ReadPool {
    /// `size` connections; quick reads run in place while each takes less than `quick_limit`.
    pub fn open(path: &Path, size: usize, quick_limit: Duration, audit_key: &AuditKey) -> rusqlite::Result<ReadPool> {
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
        Ok(ReadPool {
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
            }),
        })
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
        let Some(quick) = quick else { return self.read(move |conn| snapshot(conn, &query)).await };
        quick.interrupted.store(false, Ordering::Relaxed);
        quick.deadline.store(micros(now + inner.quick_limit), Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| snapshot(&quick.conn, &query)));
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
    if !conn.is_autocommit() && conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([])).is_err() {
        conn.execute_batch("ROLLBACK")?;
    }
    result
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
        let count = |conn: &Connection| conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0));
        let before = count(conn)?;
        Connection::open(path)?.execute("INSERT INTO t VALUES (1)", [])?;
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
