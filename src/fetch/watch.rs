//! The link watch: takes the checks that are due from SQLite, runs a bounded number at a time, and
//! records each result. The queue is the `link_checks` table itself, so a restart loses nothing: a
//! check that was running when the process stopped is still due and runs again.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use tokio::sync::Notify;

use super::archive;
use super::client::{Fetched, Fetcher, Page};
use super::extract;
use crate::domain::linkcheck::Schedule;
use crate::domain::quote;
use crate::queue::{self, Queue};
use crate::store::links::{self, Job, NewSnapshot, Outcome};
use crate::store::{self, Store, now};

/// The longest the watch sleeps without looking at the queue again.
const IDLE: Duration = Duration::from_secs(60);

/// Wakes the watch when a link becomes due now (new evidence, a reviewer asking for a check).
#[derive(Clone, Default)]
pub struct Wake(pub Arc<Notify>);

impl Wake {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

pub struct LinkWatch {
    pub store: Store,
    pub fetcher: Arc<Fetcher>,
    pub schedule: Schedule,
    pub concurrency: usize,
    /// Checks by outcome, for `/metrics`.
    pub outcomes: prometheus::IntCounterVec,
}

impl LinkWatch {
    /// Runs until the task is aborted. Aborting drops the running checks with it; they stay due.
    pub async fn run(self, wake: Wake) {
        queue::run(self, wake.0, IDLE).await;
    }
}

impl Queue for LinkWatch {
    type Job = Job;

    fn key(job: &Job) -> i64 {
        job.evidence_id
    }

    fn due(conn: &Connection, at: &str, limit: usize) -> store::Result<Vec<Job>> {
        links::due(conn, at, limit)
    }

    fn next_due(conn: &Connection) -> store::Result<Option<String>> {
        links::next_due(conn)
    }

    fn store(&self) -> &Store {
        &self.store
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    async fn work(self: Arc<Self>, job: Job) {
        check(&self, job).await;
    }
}

/// Fetches one link and records what it found.
async fn check(watch: &LinkWatch, job: Job) {
    let id = job.evidence_id;
    let outcome = match watch.fetcher.fetch(&job.url).await {
        Fetched::Page(page) => archive(&watch.store, page, &job).await,
        Fetched::Missing(why) => Outcome::Missing(why),
        Fetched::Refused(refusal) => Outcome::Refused(format!("refused by the address guard: {refusal}")),
        Fetched::Failed(why) => Outcome::Failed(why),
    };
    watch.outcomes.with_label_values(&[outcome.label()]).inc();
    let (schedule, jitter) = (watch.schedule, rand::random::<f64>());
    let recorded =
        watch.store.writer.write(move |conn| links::record(conn, id, &outcome, schedule, jitter, &now())).await;
    match recorded {
        Ok(Some(state)) => tracing::info!(evidence = id, state = state.as_str(), url = %job.url, "link state changed"),
        Ok(None) => tracing::debug!(evidence = id, "link checked"),
        Err(e) => tracing::warn!(evidence = id, error = %e, "could not record a link check; it stays due"),
    }
}

/// Hashes, extracts and compresses a page off the async threads, and checks the quote.
async fn archive(store: &Store, page: Page, job: &Job) -> Outcome {
    let excerpt = job.excerpt.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(page, excerpt.as_deref())).await;
    let Ok((snapshot, quote)) = prepared else { return Outcome::Failed("the page could not be processed".into()) };
    // The quote against the page as cited, when this page is another one.
    let quote_in_cited = match (&job.excerpt, &job.cited) {
        (Some(excerpt), Some(cited)) if cited.sha256 != snapshot.sha256 => {
            let (excerpt, cited_id) = (excerpt.clone(), cited.id);
            let text = store.reader.read(move |conn| links::snapshot_text(conn, cited_id)).await.ok().flatten();
            text.and_then(|text| quote::find(&excerpt, &text)).map(|m| m.found)
        }
        _ => None,
    };
    Outcome::Page { snapshot: Box::new(snapshot), quote, quote_in_cited }
}

fn prepare(page: Page, excerpt: Option<&str>) -> (NewSnapshot, Option<quote::QuoteMatch>) {
    let extracted = extract::extract(&page.body, page.content_type.as_deref());
    let quote = match (excerpt, &extracted.text) {
        (Some(excerpt), Some(text)) => quote::find(excerpt, text),
        _ => None,
    };
    (archive::snapshot(&page, &extracted), quote)
}
