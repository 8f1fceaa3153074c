//! Other fact-checkers' ClaimReviews merged into a claim we already held (`service::imports`): kept
//! by the review's identifier, so a review imported again is known, and by claim, so the matching
//! engine reads each review's wording as one more wording of the claim (`store::matching`).

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::history::{self, Entry};
use super::{Actor, Error, Result, claims, evidence, now};
use crate::domain::evidence::NewEvidence;
use crate::domain::verdict::Verdict;

/// A review found to repeat claim `claim_id`, with the score of that match.
pub struct MergedReview<'a> {
    pub external_id: &'a str,
    pub claim_id: i64,
    /// The claim as the review words it.
    pub text: &'a str,
    pub verdict: Verdict,
    pub score: f64,
}

/// The claim a review was merged into.
pub fn find(conn: &Connection, external_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT claim_id FROM merged_reviews WHERE external_id = ?1")?
        .query_row([external_id], |r| r.get(0))
        .optional()?)
}

/// Records the merge in the claim's history and attaches the review's evidence (an item the claim
/// already cites, live, stays as it is).
pub fn record(conn: &Connection, merged: &MergedReview<'_>, items: &[NewEvidence], actor: &Actor) -> Result<()> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO merged_reviews (external_id, claim_id, text, verdict, score, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        merged.external_id,
        merged.claim_id,
        merged.text,
        merged.verdict.as_str(),
        merged.score,
        at
    ])?;
    let entry = Entry {
        claim_id: merged.claim_id,
        evidence_id: None,
        action: "claim.merged",
        from: None,
        to: Some(json!({
            "review": merged.external_id,
            "text": merged.text,
            "verdict": merged.verdict.as_str(),
            "score": (merged.score * 1000.0).round() / 1000.0,
        })),
        note: Some("a ClaimReview that repeats this claim, taken in as its evidence"),
    };
    history::record(conn, entry, actor, &at)?;
    let mut attached = 0;
    for item in items {
        match evidence::attach(conn, merged.claim_id, item, None, actor) {
            Ok(_) => attached += 1,
            Err(Error::DuplicateEvidence(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if attached == 0 {
        // The claim's row must change for the matching index to hear of its new wording.
        claims::touch(conn, merged.claim_id, &at)?;
    }
    Ok(())
}
