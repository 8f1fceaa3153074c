//! Importing claims: from claims files (the seed among them), and other fact-checkers' ClaimReviews.
//! Imports are idempotent: a claim already imported (same source and key) or already present (same
//! normalized text) is skipped, so importing twice changes nothing.
//!
//! A ClaimReview Each review becomes a verified claim whose evidence is
//! the review itself (cited at its URL, leaning the way its rating does), so every imported verdict has
//! a source and a history like any other. Importing the same review again changes nothing, unless its
//! rating changed: then the claim is reopened and verified again with the new verdict.

use rusqlite::Connection;
use serde_json::Value;

use super::{Error, Result, Service, require};
use crate::claimreview::read::{ForeignReview, reviews};
use crate::domain::access::{Action, Actor};
use crate::domain::claim::ClaimContent;
use crate::domain::evidence::{EvidenceInput, Stance};
use crate::domain::import::{Rejection, Summary};
use crate::domain::validation::FieldError;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::claims::{self, Move};
use crate::store::{self, evidence};

/// Reviews written per transaction.
const BATCH: usize = 200;

/// What happened to one review.
enum Done {
    Created,
    Updated,
    Skipped,
}

impl Service {
    /// Imports claims, each under its key in its source (`external_id`), in one transaction; returns
    /// how many were created and how many skipped.
    pub async fn import_claims(&self, actor: &Actor, claims: Vec<(String, ClaimContent)>) -> Result<(usize, usize)> {
        require(actor, Action::Import)?;
        let actor = actor.clone();
        let write = move |conn: &Connection| {
            let (mut created, mut skipped) = (0, 0);
            for (external_id, content) in &claims {
                if claims::find_external(conn, external_id)?.is_some() {
                    skipped += 1;
                    continue;
                }
                match claims::insert(conn, content, Some(external_id), &actor) {
                    Ok(_) => created += 1,
                    Err(store::Error::DuplicateClaim(_)) => skipped += 1,
                    Err(e) => return Err(e),
                }
            }
            Ok((created, skipped))
        };
        Ok(self.store.writer.write(write).await?)
    }

    /// Imports every ClaimReview in `document`; `name` says where it came from in rejections, and
    /// `progress` hears how many of how many are done.
    pub async fn import_reviews(
        &self,
        actor: &Actor,
        name: &str,
        document: &Value,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Summary> {
        require(actor, Action::Import)?;
        let found = reviews(document, &self.ratings).map_err(|e| not_claimreview(format!("{name}: {e}")))?;
        let mut summary = Summary::default();
        let mut ready = Vec::new();
        for review in found {
            match review.and_then(checked) {
                Ok(ok) => ready.push(ok),
                Err(reason) => summary.rejected.push(Rejection { source: name.to_owned(), reason }),
            }
        }
        let total = ready.len() as u64;
        let mut done_so_far = 0;
        for chunk in ready.chunks(BATCH) {
            let (batch, actor) = (chunk.to_vec(), actor.clone());
            let done = self
                .store
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
            done_so_far += done.len() as u64;
            progress(done_so_far, total);
        }
        if summary.created > 0 {
            self.link_wake.wake();
        }
        Ok(summary)
    }
}

/// The document is not ClaimReview at all.
fn not_claimreview(message: String) -> Error {
    Error::Invalid(vec![FieldError { field: "body".into(), rule: "claimreview", message }])
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
