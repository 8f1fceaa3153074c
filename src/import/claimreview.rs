//! Importing other fact-checkers' ClaimReviews. Each review becomes a verified claim whose evidence is
//! the review itself (cited at its URL, leaning the way its rating does), so every imported verdict has
//! a source and a history like any other. Importing the same review again changes nothing, unless its
//! rating changed: then the claim is reopened and verified again with the new verdict.

use indicatif::ProgressBar;
use rusqlite::Connection;
use serde_json::Value;

use super::{Rejection, Summary};
use crate::claimreview::read::{ForeignReview, RatingMap, reviews};
use crate::domain::evidence::{EvidenceInput, Stance};
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::claims::{self, Move};
use crate::store::{self, Actor, Store, evidence};

/// Reviews written per transaction.
const BATCH: usize = 200;

/// What happened to one review.
enum Done {
    Created,
    Updated,
    Skipped,
}

/// Imports every ClaimReview in `document`; `name` says where it came from in rejections.
pub async fn import(
    store: &Store,
    name: &str,
    document: &Value,
    ratings: &RatingMap,
    actor: &Actor,
    progress: Option<&ProgressBar>,
) -> anyhow::Result<Summary> {
    let found = reviews(document, ratings).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut summary = Summary::default();
    let mut ready = Vec::new();
    for review in found {
        match review.and_then(checked) {
            Ok(ok) => ready.push(ok),
            Err(reason) => summary.rejected.push(Rejection { source: name.to_owned(), reason }),
        }
    }
    if let Some(bar) = progress {
        bar.set_length(ready.len() as u64);
    }
    for chunk in ready.chunks(BATCH) {
        let (batch, actor) = (chunk.to_vec(), actor.clone());
        let done = store
            .writer
            .write(move |conn| batch.iter().map(|r| write(conn, r, &actor)).collect::<Result<Vec<_>, _>>())
            .await?;
        for (outcome, review) in done.iter().zip(chunk) {
            match outcome {
                Ok(Done::Created) => summary.created += 1,
                Ok(Done::Updated) => summary.updated += 1,
                Ok(Done::Skipped) => summary.skipped += 1,
                Err(reason) => {
                    summary.rejected.push(Rejection { source: review.external_id.clone(), reason: reason.clone() })
                }
            }
        }
        if let Some(bar) = progress {
            bar.inc(done.len() as u64);
        }
    }
    Ok(summary)
}

/// A review that can be imported: it has a verdict and a URL to cite.
#[derive(Debug, Clone)]
struct Ready {
    external_id: String,
    review: ForeignReview,
    verdict: Verdict,
    url: String,
}

fn checked(review: ForeignReview) -> Result<Ready, String> {
    let verdict = review.verdict.clone()?;
    let url = review.url.clone().ok_or("url is missing: the review cannot be cited as evidence")?;
    Ok(Ready { external_id: review.external_id.clone(), review, verdict, url })
}

/// Writes one review; its own problems come back as a reason, store failures as errors.
fn write(conn: &Connection, r: &Ready, actor: &Actor) -> store::Result<Result<Done, String>> {
    if let Some(id) = claims::find_external(conn, &r.external_id)? {
        let claim = claims::get(conn, id)?;
        if claim.verdict == Some(r.verdict) || !matches!(claim.status, Status::Verified | Status::Published) {
            return Ok(Ok(Done::Skipped));
        }
        let note = Some("re-imported: the review's rating changed");
        claims::transition(conn, id, &Move { to: Status::InReview, verdict: None, note }, None, actor)?;
        claims::transition(conn, id, &Move { to: Status::Verified, verdict: Some(r.verdict), note }, None, actor)?;
        return Ok(Ok(Done::Updated));
    }
    let content = match r.review.claim.validate() {
        Ok(content) => content,
        Err(errors) => return Ok(Err(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))),
    };
    let by = r.review.publisher.clone().unwrap_or_else(|| "another fact-checker".into());
    let item = EvidenceInput {
        url: r.url.clone(),
        title: Some(format!("ClaimReview by {by}")),
        publisher: r.review.publisher.clone(),
        excerpt: None,
        stance: stance(r.verdict),
        reliability: Some(0.8),
        confidence: Some(1.0),
        note: Some(format!("Imported ClaimReview; its rating maps to {}.", r.verdict.as_str())),
    };
    let item = match item.validate() {
        Ok(item) => item,
        Err(errors) => return Ok(Err(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))),
    };
    let claim = match claims::insert(conn, &content, Some(&r.external_id), actor) {
        Ok(claim) => claim,
        Err(store::Error::DuplicateClaim(_)) => return Ok(Ok(Done::Skipped)),
        Err(e) => return Err(e),
    };
    evidence::attach(conn, claim.id, &item, None, actor)?;
    let note = Some("imported ClaimReview");
    claims::transition(conn, claim.id, &Move { to: Status::InReview, verdict: None, note }, None, actor)?;
    claims::transition(conn, claim.id, &Move { to: Status::Verified, verdict: Some(r.verdict), note }, None, actor)?;
    Ok(Ok(Done::Created))
}

/// The way a foreign review leans, as evidence for the claim it reviews.
fn stance(verdict: Verdict) -> Stance {
    match verdict {
        Verdict::True | Verdict::MostlyTrue => Stance::Supports,
        Verdict::False | Verdict::MostlyFalse => Stance::Refutes,
        Verdict::Mixed | Verdict::Misleading | Verdict::Unsupported => Stance::Context,
    }
}
