//! Background work kept in SQLite tables (link checks, webhook deliveries): a row that is due is a
//! job. `run` takes due jobs through the read pool, runs a bounded number at a time, and never starts
//! a job that is still running. Nothing is claimed in the database, so a job cut off by a restart is
//! simply still due.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::store::{self, Store, now};

pub trait Queue: Send + Sync + 'static {
    type Job: Send + 'static;

    /// What identifies a job while it runs.
    fn key(job: &Self::Job) -> i64;
    /// Jobs due at `at`, at most `limit`, in the order they should run.
    fn due(conn: &Connection, at: &str, limit: usize) -> store::Result<Vec<Self::Job>>;
    /// When the next job falls due.
    fn next_due(conn: &Connection) -> store::Result<Option<String>>;

    fn store(&self) -> &Store;
    fn concurrency(&self) -> usize;
    /// Does the job and records its outcome (so that it is no longer due, or due later).
    fn work(self: Arc<Self>, job: Self::Job) -> impl Future<Output = ()> + Send;
}

/// Runs jobs until the task is aborted. `wake` says a job became due now; without it, the queue is
/// looked at again after `idle` at the latest.
pub async fn run<Q: Queue>(queue: Q, wake: Arc<Notify>, idle: Duration) {
    let queue = Arc::new(queue);
    let mut running: JoinSet<i64> = JoinSet::new();
    let mut in_flight: HashSet<i64> = HashSet::new();
    loop {
        let free = queue.concurrency().saturating_sub(running.len());
        if free > 0 {
            let (at, limit) = (now(), free + in_flight.len());
            let jobs = queue.store().reader.read(move |conn| Q::due(conn, &at, limit)).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read the jobs that are due");
                Vec::new()
            });
            for job in jobs {
                let key = Q::key(&job);
                if running.len() < queue.concurrency() && in_flight.insert(key) {
                    let worker = queue.clone();
                    running.spawn(async move {
                        worker.work(job).await;
                        key
                    });
                }
            }
        }
        let pause = pause::<Q>(queue.store(), idle).await;
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                if let Ok(key) = done {
                    in_flight.remove(&key);
                }
            }
            () = wake.notified() => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Until the next job falls due, at most `idle`. An overdue job is running or waiting for a slot;
/// either way a finished job wakes the loop, so a second (or `idle`) is enough.
async fn pause<Q: Queue>(store: &Store, idle: Duration) -> Duration {
    let next = store.reader.read(Q::next_due).await.ok().flatten();
    let Some(next) = next.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else { return idle };
    match (next.to_utc() - chrono::Utc::now()).to_std() {
        Ok(wait) => wait.clamp(Duration::from_millis(5), idle),
        Err(_) => idle.min(Duration::from_secs(1)),
    }
}
