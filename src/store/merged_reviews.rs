//! Other fact-checkers' ClaimReviews merged into a claim we already held (`service::imports`): kept
//! by the review's identifier, so a review imported again is known, and by claim, so the matching
//! engine reads each review's wording as one more wording of the claim (`store::matching`). A review
//! the desk splits out into a claim of its own (`service::merges`) keeps its row, marked with that claim.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::history::{self, Entry};
use super::{Actor, Error, Result, claims, evidence, now};
use crate::domain::claim::{ClaimContent, ClaimInput};
use crate::domain::evidence::NewEvidence;
use crate::domain::import::{Reviewed, rounded_score};
use crate::domain::verdict::Verdict;

/// A review found to repeat claim `claim_id`, with the score of that match.
pub struct NewMerge<'a> {
    pub external_id: &'a str,
    pub claim_id: i64,
    /// The claim as the review gives it.
    pub content: &'a ClaimContent,
    pub reviewed: Reviewed<'a>,
    pub score: f64,
}

/// A review merged into a claim, as kept.
#[derive(Debug, Clone)]
pub struct MergedRow {
    pub external_id: String,
    pub claim_id: i64,
    /// The claim as the review words it.
    pub text: String,
    pub verdict: Verdict,
    pub score: f64,
    pub merged_at: String,
    /// The claim as the review gives it; `None` for a merge made before it was kept (its text alone).
    pub content: Option<ClaimInput>,
    pub rationale: Option<String>,
    pub published: bool,
    /// The evidence items the merge attached to the claim.
    pub attached: Vec<i64>,
    /// Items the claim already cited that the review cites too.
    pub held: Vec<i64>,
    pub split: Option<SplitOut>,
}

/// A merged review split out into a claim of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitOut {
    /// The claim it became.
    pub into: i64,
    pub at: String,
}

impl MergedRow {
    /// What the review found, as it was imported.
    pub fn reviewed(&self) -> Reviewed<'_> {
        Reviewed { verdict: self.verdict, rationale: self.rationale.as_deref(), published: self.published }
    }
}

const COLUMNS: &str =
    "external_id, claim_id, text, verdict, score, created_at, content, rationale, published, attached,
    held, split_into, split_at";

fn from_row(r: &Row) -> rusqlite::Result<MergedRow> {
    let verdict: String = r.get(3)?;
    let content: Option<String> = r.get(6)?;
    let split_into: Option<i64> = r.get(11)?;
    Ok(MergedRow {
        external_id: r.get(0)?,
        claim_id: r.get(1)?,
        text: r.get(2)?,
        verdict: Verdict::parse(&verdict).ok_or_else(|| unreadable(3, format!("no verdict {verdict}")))?,
        score: r.get(4)?,
        merged_at: r.get(5)?,
        content: content.map(|c| json_in(6, &c)).transpose()?,
        rationale: r.get(7)?,
        published: r.get(8)?,
        attached: json_in(9, &r.get::<_, String>(9)?)?,
        held: json_in(10, &r.get::<_, String>(10)?)?,
        split: split_into.zip(r.get(12)?).map(|(into, at)| SplitOut { into, at }),
    })
}

fn json_in<T: serde::de::DeserializeOwned>(column: usize, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| unreadable(column, e.to_string()))
}

fn unreadable(column: usize, why: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, why.into())
}

/// The claim a review is merged into (not once it was split out).
pub fn find(conn: &Connection, external_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT claim_id FROM merged_reviews WHERE external_id = ?1 AND split_into IS NULL")?
        .query_row([external_id], |r| r.get(0))
        .optional()?)
}

/// The review merged into claim `claim_id` as `external_id`, split out since or not.
pub fn get(conn: &Connection, claim_id: i64, external_id: &str) -> Result<Option<MergedRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM merged_reviews WHERE external_id = ?1 AND claim_id = ?2"))?
        .query_row(params![external_id, claim_id], from_row)
        .optional()?)
}

/// Every review merged into the claim, in the order merged.
pub fn for_claim(conn: &Connection, claim_id: i64) -> Result<Vec<MergedRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM merged_reviews WHERE claim_id = ?1 ORDER BY rowid"))?;
    Ok(stmt.query_map([claim_id], from_row)?.collect::<rusqlite::Result<_>>()?)
}

/// Records the merge in the claim's history and attaches the review's evidence; an item the claim
/// already cites, live, stays as it is, and is noted as held rather than attached.
pub fn record(conn: &Connection, merge: &NewMerge<'_>, items: &[NewEvidence], actor: &Actor) -> Result<()> {
    let at = now();
    let (mut attached, mut held) = (Vec::new(), Vec::new());
    for item in items {
        match evidence::attach(conn, merge.claim_id, item, None, actor) {
            Ok(row) => attached.push(row.id),
            Err(Error::DuplicateEvidence(existing)) => held.push(existing),
            Err(e) => return Err(e),
        }
    }
    conn.prepare_cached(
        "INSERT INTO merged_reviews (external_id, claim_id, text, verdict, score, created_at, content, rationale,
                                     published, attached, held)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        merge.external_id,
        merge.claim_id,
        merge.content.text,
        merge.reviewed.verdict.as_str(),
        merge.score,
        at,
        serde_json::to_string(merge.content)?,
        merge.reviewed.rationale,
        merge.reviewed.published,
        serde_json::to_string(&attached)?,
        serde_json::to_string(&held)?,
    ])?;
    let entry = Entry {
        claim_id: merge.claim_id,
        evidence_id: None,
        action: "claim.merged",
        from: None,
        to: Some(json!({
            "review": merge.external_id,
            "text": merge.content.text,
            "verdict": merge.reviewed.verdict.as_str(),
            "score": rounded_score(merge.score),
        })),
        note: Some("a ClaimReview that repeats this claim, taken in as its evidence"),
    };
    history::record(conn, entry, actor, &at)?;
    if attached.is_empty() {
        // The claim's row must change for the matching index to hear of its new wording.
        claims::touch(conn, merge.claim_id, &at)?;
    }
    Ok(())
}

/// Marks the review as split out of the claim it was merged into, into claim `into`, and says so in
/// that claim's history. Its wording is then no longer one the claim is found by.
pub fn mark_split(conn: &Connection, merged: &MergedRow, into: i64, note: Option<&str>, actor: &Actor) -> Result<()> {
    let at = now();
    conn.prepare_cached("UPDATE merged_reviews SET split_into = ?2, split_at = ?3 WHERE external_id = ?1")?
        .execute(params![merged.external_id, into, at])?;
    let entry = Entry {
        claim_id: merged.claim_id,
        evidence_id: None,
        action: "claim.split",
        from: Some(json!({"review": merged.external_id, "text": merged.text})),
        to: Some(json!({"claim_id": into})),
        note,
    };
    history::record(conn, entry, actor, &at)?;
    claims::touch(conn, merged.claim_id, &at)
}
