//! Importing claims: from claims files (the seed among them), and other fact-checkers' ClaimReviews.
//! Imports are idempotent: a claim already imported (same source and key) or already present (same
//! normalized text) is skipped, so importing twice changes nothing.
//!
//! Each ClaimReview becomes a verified claim (published, when the review says it is) with its
//! rationale (`reviewBody`), tags (`keywords`) and evidence: the sources it cites, else the review
//! itself (cited at its URL, leaning the way its rating does), so every imported verdict has a source and
//! a history like any other. Importing the same review again changes nothing, unless its rating
//! changed: then the claim is reopened and verified (and published) again with the new verdict.
//! A review that cannot be imported is named by its position in the document (`dataFeedElement[3]`).

use rusqlite::Connection;
use serde_json::Value;

use super::{Error, Result, Service, require};
use crate::claimreview::read::{ForeignReview, reviews};
use crate::domain::access::{Action, Actor};
use crate::domain::claim::ClaimContent;
use crate::domain::evidence::{EvidenceInput, NewEvidence, Stance};
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
        for found in found {
            let position = Some(found.position).filter(|p| !p.is_empty());
            match found.review.and_then(|r| checked(r, position.clone())) {
                Ok(ok) => ready.push(ok),
                Err(reason) => summary.rejected.push(Rejection { source: name.to_owned(), position, reason }),
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
                    Err(reason) => summary.rejected.push(Rejection {
                        source: review.external_id.clone(),
                        position: review.position.clone(),
                        reason: reason.clone(),
                    }),
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
    position: Option<String>,
    review: ForeignReview,
    verdict: Verdict,
    url: String,
}

fn checked(review: ForeignReview, position: Option<String>) -> Result<Ready, String> {
    let verdict = review.verdict.clone()?;
    let url = review.url.clone().ok_or("url is missing: the review cannot be cited as evidence")?;
    Ok(Ready { external_id: review.external_id.clone(), position, review, verdict, url })
}

fn reasons(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
}

/// Writes one review; its own problems come back as a reason, store failures as errors.
fn write(conn: &Connection, r: &Ready, actor: &Actor) -> store::Result<Result<Done, String>> {
    if let Some(id) = claims::find_external(conn, &r.external_id)? {
        let claim = claims::get(conn, id)?;
        if claim.verdict == Some(r.verdict) || !matches!(claim.status, Status::Verified | Status::Published) {
            return Ok(Ok(Done::Skipped));
        }
        let note = Some("re-imported: the review's rating changed");
        let publish = claim.status == Status::Published || r.review.published;
        claims::transition(conn, id, &Move { note, ..Move::to(Status::InReview) }, None, actor)?;
        verify(conn, id, r, note, publish, actor)?;
        return Ok(Ok(Done::Updated));
    }
    let content = match r.review.claim.validate() {
        Ok(content) => content,
        Err(errors) => return Ok(Err(reasons(&errors))),
    };
    let items = match evidence_of(r) {
        Ok(items) => items,
        Err(reason) => return Ok(Err(reason)),
    };
    let claim = match claims::insert(conn, &content, Some(&r.external_id), actor) {
        Ok(claim) => claim,
        Err(store::Error::DuplicateClaim(_)) => return Ok(Ok(Done::Skipped)),
        Err(e) => return Err(e),
    };
    for item in &items {
        evidence::attach(conn, claim.id, item, None, actor)?;
    }
    let note = Some("imported ClaimReview");
    claims::transition(conn, claim.id, &Move { note, ..Move::to(Status::InReview) }, None, actor)?;
    verify(conn, claim.id, r, note, r.review.published, actor)?;
    Ok(Ok(Done::Created))
}

/// Gives the claim the review's verdict and rationale, and publishes it if `publish`.
fn verify(
    conn: &Connection,
    id: i64,
    r: &Ready,
    note: Option<&str>,
    publish: bool,
    actor: &Actor,
) -> store::Result<()> {
    let rationale = r.review.rationale.as_deref();
    let verified = Move { verdict: Some(r.verdict), note, rationale, ..Move::to(Status::Verified) };
    claims::transition(conn, id, &verified, None, actor)?;
    if publish {
        claims::transition(conn, id, &Move { note, ..Move::to(Status::Published) }, None, actor)?;
    }
    Ok(())
}

/// The evidence a review brings: the sources it cites (each URL once; those that are not valid
/// evidence are left out), else the review itself.
fn evidence_of(r: &Ready) -> Result<Vec<NewEvidence>, String> {
    let mut items: Vec<NewEvidence> = Vec::new();
    for c in &r.review.citations {
        let input = EvidenceInput {
            url: c.url.clone(),
            title: c.title.clone(),
            publisher: c.publisher.clone(),
            excerpt: c.excerpt.clone(),
            stance: c.stance.unwrap_or(stance(r.verdict)),
            reliability: c.reliability,
            confidence: c.confidence,
            note: None,
        };
        if let Ok(item) = input.validate() {
            if !items.iter().any(|i| i.url == item.url) {
                items.push(item);
            }
        }
    }
    if !items.is_empty() {
        return Ok(items);
    }
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
    Ok(vec![item.validate().map_err(|errors| reasons(&errors))?])
}

/// The way a foreign review leans, as evidence for the claim it reviews.
fn stance(verdict: Verdict) -> Stance {
    match verdict {
        Verdict::True | Verdict::MostlyTrue => Stance::Supports,
        Verdict::False | Verdict::MostlyFalse => Stance::Refutes,
        Verdict::Mixed | Verdict::Misleading | Verdict::Unsupported => Stance::Context,
    }
}
