//! SQLite persistence. One writer thread owns the only write connection and commits queued work in
//! groups (`writer`); reads run on a small pool of read-only connections (`read`). Async code reaches
//! SQLite only through these two, so no query ever runs on an async worker thread.

pub mod articles;
pub mod audit;
pub mod audit_key;
pub mod changes;
pub mod checkpoint;
pub mod claims;
pub mod evidence;
pub mod follow;
pub mod history;
pub mod idempotency;
pub mod keys;
pub mod links;
pub mod listing;
pub mod matching;
pub mod merged_reviews;
pub mod migrations;
pub mod publications;
pub mod read;
pub mod review;
pub mod sessions;
pub mod sources;
pub mod vectors;
pub mod webhooks;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use crate::domain::access::Actor;
use crate::domain::validation::FieldError;
use crate::domain::workflow::TransitionError;

pub use read::ReadPool;
pub use writer::Writer;

/// How hard SQLite works to make a commit durable. `Full` (the default) means an acknowledged write
/// survives a power cut; `Normal` only a process crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Synchronous {
    Off,
    Normal,
    Full,
    Extra,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
    pub synchronous: Synchronous,
    pub readers: usize,
    /// See `read::ReadPool::read_quick`.
    pub quick_read_limit: Duration,
    pub write_queue: usize,
    /// How long a request waits for room in a full write queue before it is turned away.
    pub write_wait: Duration,
    /// The audit log's secret.
    pub audit_key: audit_key::AuditKey,
}

/// Everything a store call can fail with: the outcomes a client must hear about, and the faults it must not
/// see the inside of.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("duplicate of claim {0}")]
    DuplicateClaim(i64),
    #[error("duplicate of evidence {0}")]
    DuplicateEvidence(i64),
    #[error("duplicate of source {0}")]
    DuplicateSource(i64),
    /// The resource is no longer at the version the change was made against.
    #[error("the resource has changed; its version is now {current}")]
    Stale { current: i64 },
    #[error("invalid transition: {0:?}")]
    Transition(TransitionError),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("evidence {0} is retracted")]
    Retracted(i64),
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    /// The write queue stayed full: the client should come back later.
    #[error("the write queue is full")]
    Busy,
    /// The disk or the database file is full.
    #[error("the database is full")]
    Full,
    /// The write was undone with the rest of its commit group because another write in it failed part-way.
    #[error("the write was rolled back with its group; retry it")]
    Retry,
    /// The writer has stopped (shutdown or a fault).
    #[error("the database is unavailable")]
    Unavailable,
    #[error("database error: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::Full,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
            Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly) => Error::Unavailable,
            _ => Error::Internal(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Internal(format!("json: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The writer and the readers of one database file.
#[derive(Clone)]
pub struct Store {
    pub writer: Writer,
    pub reader: ReadPool,
    /// Which claims each commit group changed, for whoever keeps copies of them.
    pub claim_changes: Arc<changes::ClaimChanges>,
    path: PathBuf,
    follower: Arc<follow::Follower>,
}

impl Store {
    /// Opens (creating if needed) the database, brings its schema up to date and starts the writer.
    /// Blocking: call it from a thread that may block.
    pub fn open(config: &StoreConfig) -> anyhow::Result<Store> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = open_writer(&config.path, config.synchronous)?;
        config.audit_key.register(&conn)?;
        migrations::apply(&mut conn)?;
        let sealed = audit::seal_legacy(&conn)?;
        if sealed > 0 {
            tracing::info!(rows = sealed, "audit rows written before the audit key are now sealed with it");
        }
        let reader = ReadPool::open(&config.path, config.readers, config.quick_read_limit, &config.audit_key)?;
        let claim_changes = Arc::new(changes::ClaimChanges::default());
        let checkpointer = checkpoint::Checkpointer::start(&config.path, config.synchronous)?;
        // Quick reads hear of a group's commit, then the caches of its claims, then its callers. In
        // that order: a claim read for a cache after the cache dropped it must come from a transaction
        // that sees the commit, not from one kept from before it.
        let hooks: Vec<Arc<dyn writer::Hook>> = vec![Arc::new(reader.commits()), claim_changes.clone()];
        let writer = Writer::start(conn, config.write_queue, config.write_wait, Arc::new(hooks), Some(checkpointer))?;
        let (path, follower) = (config.path.clone(), Arc::default());
        Ok(Store { writer, reader, claim_changes, path, follower })
    }

    /// Tells the listeners of `claim_changes` also of the claims other processes change
    /// (`store::follow`): for a server, whose copies would otherwise keep them as they were.
    pub fn follow_others(&self) -> anyhow::Result<()> {
        self.follower.start(open_reader(&self.path)?, self.claim_changes.clone(), self.reader.commits())
    }

    /// Commits what is queued and stops the writer. Blocking.
    pub fn close(&self) {
        self.follower.stop();
        self.writer.close();
    }
}

/// More than the distinct statements the store prepares, so none is ever prepared twice.
const STATEMENT_CACHE: usize = 256;

/// Keeps prepared statements and their plans. Without the query planner stability guarantee, the
/// bundled SQLite compiles a statement again each time a new value is bound to its `LIMIT ?`: that was
/// most of the matching index's catch-up before each lookup (9% of the CPU of `POST /v1/claims`). The
/// server never runs ANALYZE, so plans depend on the schema only, not on the values bound.
fn keep_statements(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

pub fn open_writer(path: &Path, synchronous: Synchronous) -> anyhow::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    keep_statements(&conn)?;
    let sync = match synchronous {
        Synchronous::Off => "OFF",
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
        Synchronous::Extra => "EXTRA",
    };
    // 8 MB: at a million claims the writer's pages are spread over gigabytes and come from the OS's
    // cache either way. 4, 8 and 16 MB wrote claims and evidence at the same rates there (bench/results.md);
    // each 4 MB more is 4 MB more of peak RSS.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {sync};
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -8000;"
    ))?;
    Ok(conn)
}

pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    keep_statements(&conn)?;
    // The OS keeps the file's pages; a reader's own cache needs to hold little more than the upper
    // levels of the B-trees it walks, and there are several readers: 2 MB each.
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -2000; PRAGMA query_only = ON;")?;
    Ok(conn)
}

/// Writes a consistent, compacted copy of the database at `db` to `dest` (which must not exist), while
/// other processes go on reading and writing it.
pub fn backup(db: &Path, dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "no database at {}", db.display());
    anyhow::ensure!(!dest.exists(), "{} exists already", dest.display());
    // VACUUM INTO writes only `dest`, but SQLite refuses it on a read-only connection.
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let dest = dest.to_str().ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [dest])?;
    Ok(())
}

/// Now, in the one timestamp format the database uses.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The timestamp `ago` before now.
pub fn after_now_minus(ago: Duration) -> String {
    let ago = chrono::Duration::from_std(ago).unwrap_or(chrono::Duration::days(365));
    (chrono::Utc::now() - ago).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The timestamp `delay` after `at` (or after now, if `at` is not one of ours).
pub fn after(at: &str, delay: Duration) -> String {
    let start = chrono::DateTime::parse_from_rfc3339(at).map_or_else(|_| chrono::Utc::now(), |t| t.to_utc());
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::days(365));
    (start + delay).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The cheapest query: the database answers.
pub fn ping(conn: &Connection) -> Result<()> {
    conn.query_row("SELECT 1", [], |_| Ok(()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;
    use std::sync::Mutex;

    #[test]
    fn statements_keep_their_plan_whatever_is_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        migrations::apply(&mut open_writer(&path, Synchronous::Full).unwrap()).unwrap();
        let reader = open_reader(&path).unwrap();
        let sql = "SELECT id FROM claims WHERE id > ?1 ORDER BY id LIMIT ?2";
        for (after, limit) in [(0, 10), (5, 100), (7, 5_000)] {
            reader
                .prepare_cached(sql)
                .unwrap()
                .query_map([after, limit], |r| r.get::<_, i64>(0))
                .unwrap()
                .for_each(drop);
        }
        assert_eq!(reader.prepare_cached(sql).unwrap().get_status(StatementStatus::RePrepare), 0);
    }

    /// A cache told of a commit reads what it dropped again: that read must see the commit, though
    /// the quick read before the write left its transaction open (the order of the writer's hooks).
    #[tokio::test]
    async fn a_claim_read_when_the_caches_hear_of_its_change_is_the_changed_claim() {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            path: dir.path().join("s.db"),
            synchronous: Synchronous::Full,
            readers: 2,
            quick_read_limit: Duration::from_secs(1),
            write_queue: 16,
            write_wait: Duration::from_secs(1),
            audit_key: audit_key::AuditKey::load_or_create(&dir.path().join("audit.key")).unwrap(),
        };
        let store = tokio::task::spawn_blocking(move || Store::open(&config)).await.unwrap().unwrap();
        let claims = |conn: &Connection| Ok(conn.query_row("SELECT count(*) FROM claims", [], |r| r.get::<_, i64>(0))?);
        let (reader, runtime, seen) =
            (store.reader.clone(), tokio::runtime::Handle::current(), Arc::new(Mutex::new(None)));
        let told = seen.clone();
        // Called on the writer's thread, where a quick read runs in place.
        store.claim_changes.listen(Arc::new(move |_| {
            *told.lock().unwrap() = Some(runtime.block_on(reader.read_quick(claims)).unwrap());
        }));
        assert_eq!(store.reader.read_quick(claims).await.unwrap(), 0);
        let insert = "INSERT INTO claims (text, normalized, created_at, updated_at) VALUES ('A', 'a', 't', 't')";
        store.writer.write(move |conn| Ok(conn.execute(insert, [])?)).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(1), "the cache read the claims as they were before the commit");
    }

    /// `.cargo/config.toml` builds SQLite so that connections share no page cache and take no global
    /// mutex per allocation: readers queued on each other without it.
    #[test]
    fn sqlite_is_built_without_global_locks_between_connections() {
        let conn = Connection::open_in_memory().unwrap();
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }
}
