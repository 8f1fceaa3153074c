//! The link watch: takes the checks that are due from SQLite, runs a bounded number at a time, and
//! records each result. The queue is the `link_checks` table itself, so a restart loses nothing: a
//! check that was running when the process stopped is still due and runs again.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::client::{Fetched, Fetcher, Page};
use super::extract;
use crate::domain::linkcheck::Schedule;
use crate::domain::quote;
use crate::store::links::{self, Job, NewSnapshot, Outcome};
use crate::store::{Store, now};

/// The longest the watch sleeps without looking at the queue again.
const IDLE: Duration = Duration::from_secs(60);

/// Wakes the watch when a link becomes due now (new evidence, a reviewer asking for a check).
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

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
    pub wake: Wake,
    /// Checks by outcome, for `/metrics`.
    pub outcomes: prometheus::IntCounterVec,
}

impl LinkWatch {
    /// Runs until the task is aborted. Aborting drops the running checks with it; they stay due.
    pub async fn run(self) {
        let watch = Arc::new(self);
        let mut running: JoinSet<i64> = JoinSet::new();
        let mut in_flight: HashSet<i64> = HashSet::new();
        loop {
            let free = watch.concurrency.saturating_sub(running.len());
            if free > 0 {
                for job in watch.due(free + in_flight.len()).await {
                    if running.len() < watch.concurrency && in_flight.insert(job.evidence_id) {
                        running.spawn(check(watch.clone(), job));
                    }
                }
            }
            let pause = watch.pause().await;
            tokio::select! {
                Some(done) = running.join_next(), if !running.is_empty() => {
                    if let Ok(id) = done {
                        in_flight.remove(&id);
                    }
                }
                () = watch.wake.0.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn due(&self, limit: usize) -> Vec<Job> {
        let at = now();
        match self.store.reader.read(move |conn| links::due(conn, &at, limit)).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the link checks that are due");
                Vec::new()
            }
        }
    }

    /// Until the next check falls due; a second when it is overdue (it is running, or waits for a slot,
    /// and either way a finished check wakes the loop sooner).
    async fn pause(&self) -> Duration {
        let next = self.store.reader.read(links::next_due).await.ok().flatten();
        let Some(next) = next.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else { return IDLE };
        match (next.to_utc() - chrono::Utc::now()).to_std() {
            Ok(wait) => wait.clamp(Duration::from_millis(5), IDLE),
            Err(_) => Duration::from_secs(1),
        }
    }
}

/// Fetches one link and records what it found; returns the evidence id.
async fn check(watch: Arc<LinkWatch>, job: Job) -> i64 {
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
    id
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
    let content_type = page.content_type.as_deref();
    let extracted = extract::extract(&page.body, content_type);
    let quote = match (excerpt, &extracted.text) {
        (Some(excerpt), Some(text)) => quote::find(excerpt, text),
        _ => None,
    };
    let body = extract::archived(content_type).then(|| gzip(&page.body));
    let snapshot = NewSnapshot {
        url: page.url.to_string(),
        redirects: page.redirects,
        status: page.status,
        content_type: page.content_type.clone(),
        size: page.body.len(),
        truncated: page.truncated,
        sha256: hex::encode(Sha256::digest(&page.body)),
        title: extracted.title,
        published: extracted.published,
        text: extracted.text,
        body,
    };
    (snapshot, quote)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The original bytes of an archived body.
pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}
