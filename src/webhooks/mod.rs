//! Delivering webhooks: takes due deliveries from the outbox, signs each message (Standard Webhooks),
//! POSTs it through the address guard, and records the attempt and what comes next. Like the link
//! watch, the queue is a table, so a restart loses nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use rusqlite::Connection;
use url::Url;

use crate::domain::webhook::{self, Next, Policy};
use crate::fetch::client::describe;
use crate::fetch::guard::{self, GuardConfig};
use crate::queue::{self, Queue};
use crate::store::webhooks::{self, Attempt, Job};
use crate::store::{self, Store, now};

/// How often the deliverer looks for new events.
const POLL: Duration = Duration::from_millis(250);

pub struct Deliverer {
    pub store: Store,
    pub client: reqwest::Client,
    pub guard: GuardConfig,
    pub policy: Policy,
    pub timeout: Duration,
    pub concurrency: usize,
    /// Attempts by outcome, for `/metrics`.
    pub outcomes: prometheus::IntCounterVec,
}

impl Deliverer {
    /// Runs until the task is aborted; an attempt cut off by that is simply due again.
    pub async fn run(self) {
        // New events are found by polling: they are written by every kind of change.
        queue::run(self, Arc::default(), POLL).await;
    }
}

impl Queue for Deliverer {
    type Job = Job;

    fn key(job: &Job) -> i64 {
        job.delivery_id
    }

    fn due(conn: &Connection, at: &str, limit: usize) -> store::Result<Vec<Job>> {
        webhooks::due(conn, at, limit)
    }

    fn next_due(conn: &Connection) -> store::Result<Option<String>> {
        webhooks::next_due(conn)
    }

    fn store(&self) -> &Store {
        &self.store
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    async fn work(self: Arc<Self>, job: Job) {
        attempt(&self, job).await;
    }
}

/// One attempt at one delivery, recorded.
async fn attempt(this: &Deliverer, job: Job) {
    let id = job.delivery_id;
    let started = Instant::now();
    let (status, retry_after, error) = send(this, &job).await;
    let age = chrono::DateTime::parse_from_rfc3339(&job.event_at)
        .ok()
        .and_then(|t| (chrono::Utc::now() - t.to_utc()).to_std().ok())
        .unwrap_or_default();
    let next = webhook::next(status, retry_after, job.attempts + 1, age, this.policy, rand::random::<f64>());
    let outcome = match next {
        Next::Delivered => "delivered",
        Next::Retry(_) => "retry",
        Next::GiveUp => "gave_up",
        Next::Disable => "gone",
    };
    this.outcomes.with_label_values(&[outcome]).inc();
    let attempt = Attempt { status, error, duration_ms: started.elapsed().as_millis() as i64, next };
    if let Err(e) = this.store.writer.write(move |conn| webhooks::record_attempt(conn, id, &attempt, &now())).await {
        tracing::warn!(delivery = id, error = %e, "could not record a webhook attempt; it will be made again");
    }
}

/// POSTs the signed message: the status, any `Retry-After` in seconds, and what went wrong if anything.
async fn send(this: &Deliverer, job: &Job) -> (Option<u16>, Option<u64>, Option<String>) {
    let url = match Url::parse(&job.url) {
        Ok(url) => url,
        Err(e) => return (None, None, Some(format!("not a URL: {e}"))),
    };
    if let Err(refusal) = guard::check_url(&url, &this.guard) {
        return (None, None, Some(format!("refused by the address guard: {refusal}")));
    }
    let timestamp = chrono::Utc::now().timestamp();
    let payload = with_claim_url(&job.payload);
    let Some(signature) = webhook::sign(&job.secret, &job.message_id, timestamp, &payload) else {
        return (None, None, Some("the subscription's secret is not a whsec_ secret".into()));
    };
    let request = this
        .client
        .post(url)
        .timeout(this.timeout)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", &job.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(payload);
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_seconds);
            let error = (!response.status().is_success()).then(|| format!("HTTP {status}"));
            (Some(status), retry_after, error)
        }
        Err(e) => (None, None, Some(describe(&e))),
    }
}

/// The event as sent: what the outbox holds, with where the API shows the claim (the store records
/// the change, not the routes it is served at).
fn with_claim_url(payload: &str) -> String {
    let Ok(mut event) = serde_json::from_str::<serde_json::Value>(payload) else { return payload.to_owned() };
    if let Some(id) = event["data"]["claim_id"].as_i64() {
        event["data"]["claim_url"] = format!("/v1/claims/{id}").into();
    }
    event.to_string()
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_seconds(value: &str) -> Option<u64> {
    value.trim().parse().ok().or_else(|| {
        let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
        Some((at.to_utc() - chrono::Utc::now()).num_seconds().max(0) as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_seconds("120"), Some(120));
        assert_eq!(retry_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(retry_seconds("soon"), None);
    }
}
