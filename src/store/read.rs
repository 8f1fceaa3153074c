//! Read-only connections, used from the blocking thread pool so that queries never run on an async
//! worker thread. A semaphore bounds how many run at once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
}

impl ReadPool {
    pub fn open(path: &Path, size: usize, audit_key: &AuditKey) -> rusqlite::Result<ReadPool> {
        let size = size.max(1);
        let idle = (0..size).map(|_| open_reader(path, audit_key)).collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ReadPool {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                audit_key: audit_key.clone(),
                idle: Mutex::new(idle),
                permits: Arc::new(Semaphore::new(size)),
            }),
        })
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

/// A read-only connection that can check audit seals.
fn open_reader(path: &Path, audit_key: &AuditKey) -> rusqlite::Result<Connection> {
    let conn = super::open_reader(path)?;
    audit_key.register(&conn)?;
    Ok(conn)
}
