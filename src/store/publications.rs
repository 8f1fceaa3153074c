//! Published fact-checks: each publication of a claim keeps the revision readers see (its text, verdict,
//! reasoning and the evidence it cites), so a claim reopened for review stays public as last published
//! until it is published again.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::claims::ClaimRow;
use super::evidence::{self, EvidenceRow};
use super::listing::fts_query;
use super::{Error, Result};
use crate::domain::claim::ClaimContent;
use crate::domain::publication;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;

/// One published revision of a claim.
#[derive(Debug, Clone)]
pub struct PublicationRow {
    pub claim_id: i64,
    pub revision: i64,
    pub content: ClaimContent,
    pub verdict: Verdict,
    /// The review's text: the rationale, else the note the claim was verified with.
    pub rationale: Option<String>,
    /// The evidence cited, by id, in order.
    pub evidence_ids: Vec<i64>,
    /// Set when this revision changed the verdict.
    pub correction: Option<String>,
    /// Set while the claim is under review again.
    pub notice: Option<String>,
    pub published_at: String,
    /// When the claim was first published.
    pub first_published_at: String,
}

/// A correction, as readers see it: when, and what changed.
#[derive(Debug, Clone)]
pub struct Correction {
    pub at: String,
    pub note: String,
}

/// A published fact-check: its last revision, every correction made to it, and the evidence it cites.
#[derive(Debug, Clone)]
pub struct FactCheck {
    pub publication: PublicationRow,
    pub corrections: Vec<Correction>,
    pub evidence: Vec<EvidenceRow>,
}

/// What a ClaimReview is made of: a published revision, or the verified claim as it stands.
#[derive(Debug, Clone)]
pub struct Reviewable {
    pub claim_id: i64,
    pub content: ClaimContent,
    pub verdict: Verdict,
    pub rationale: Option<String>,
    pub published: bool,
    pub date_published: String,
    pub date_modified: String,
    pub evidence: Vec<EvidenceRow>,
}

const COLUMNS: &str = "p.claim_id, p.revision, p.text, p.claimant, p.appeared_in, p.tags, p.language, p.verdict,
    p.rationale, p.evidence, p.correction, p.notice, p.published_at,
    (SELECT min(f.published_at) FROM publications f WHERE f.claim_id = p.claim_id)";

/// Only a claim's last revision.
const LAST: &str = "p.revision = (SELECT max(q.revision) FROM publications q WHERE q.claim_id = p.claim_id)";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PublicationRow> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("bad {what}").into())
    };
    let json = |i: usize, what: &str| -> rusqlite::Result<Option<serde_json::Value>> {
        r.get::<_, Option<String>>(i)?.map(|s| serde_json::from_str(&s)).transpose().map_err(|_| bad(i, what))
    };
    let appeared_in =
        json(4, "appeared_in")?.map(serde_json::from_value).transpose().map_err(|_| bad(4, "appeared_in"))?;
    let tags = json(5, "tags")?.map(serde_json::from_value).transpose().map_err(|_| bad(5, "tags"))?;
    let evidence_ids = json(9, "evidence")?.map(serde_json::from_value).transpose().map_err(|_| bad(9, "evidence"))?;
    let verdict: String = r.get(7)?;
    Ok(PublicationRow {
        claim_id: r.get(0)?,
        revision: r.get(1)?,
        content: ClaimContent {
            text: r.get(2)?,
            claimant: r.get(3)?,
            appeared_in,
            tags: tags.unwrap_or_default(),
            language: r.get(6)?,
        },
        verdict: Verdict::parse(&verdict).ok_or_else(|| bad(7, "verdict"))?,
        rationale: r.get(8)?,
        evidence_ids: evidence_ids.unwrap_or_default(),
        correction: r.get(10)?,
        notice: r.get(11)?,
        published_at: r.get(12)?,
        first_published_at: r.get(13)?,
    })
}

/// The claim's last published revision, if it was ever published.
pub fn latest(conn: &Connection, claim_id: i64) -> Result<Option<PublicationRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM publications p WHERE p.claim_id = ?1 AND {LAST}"))?
        .query_row([claim_id], from_row)
        .optional()?)
}

/// The text of a review of `claim`: its rationale, else the note it was last verified with.
pub fn reasoning(conn: &Connection, claim: &ClaimRow) -> Result<Option<String>> {
    if claim.rationale.is_some() {
        return Ok(claim.rationale.clone());
    }
    Ok(conn
        .prepare_cached(
            "SELECT note FROM history WHERE claim_id = ?1 AND action = 'claim.transitioned'
             AND json_extract(to_value, '$.status') = 'verified' ORDER BY id DESC LIMIT 1",
        )?
        .query_row([claim.id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Records a new revision of a claim that has just been published, with a correction note when its
/// verdict differs from the revision before (the note's reason is `reason`, if given).
pub fn publish(conn: &Connection, claim: &ClaimRow, at: &str, reason: Option<&str>) -> Result<()> {
    let verdict =
        claim.verdict.ok_or_else(|| Error::Internal(format!("claim {} published without a verdict", claim.id)))?;
    let before = latest(conn, claim.id)?;
    let correction = publication::correction(at, before.as_ref().map(|b| b.verdict), verdict, reason);
    let evidence: Vec<i64> = conn
        .prepare_cached("SELECT id FROM evidence WHERE claim_id = ?1 AND retracted_at IS NULL ORDER BY id")?
        .query_map([claim.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached(
        "INSERT INTO publications (claim_id, revision, text, claimant, appeared_in, tags, language, verdict, rationale,
         evidence, correction, published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        claim.id,
        before.map_or(1, |b| b.revision + 1),
        claim.text,
        claim.claimant,
        claim.appeared_in.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&claim.tags)?,
        claim.language,
        verdict.as_str(),
        reasoning(conn, claim)?,
        serde_json::to_string(&evidence)?,
        correction,
        at,
    ])?;
    Ok(())
}

/// A published claim was reopened: its public revision stays, marked with `notice` if one is given.
pub fn reopened(conn: &Connection, claim_id: i64, notice: Option<&str>) -> Result<()> {
    let Some(notice) = notice else { return Ok(()) };
    conn.prepare_cached(&format!("UPDATE publications AS p SET notice = ?2 WHERE p.claim_id = ?1 AND {LAST}"))?
        .execute(params![claim_id, notice])?;
    Ok(())
}

/// The claim's published fact-check, if it was ever published.
pub fn fact_check(conn: &Connection, claim_id: i64) -> Result<Option<FactCheck>> {
    let Some(publication) = latest(conn, claim_id)? else { return Ok(None) };
    let corrections = conn
        .prepare_cached(
            "SELECT published_at, correction FROM publications WHERE claim_id = ?1 AND correction IS NOT NULL
             ORDER BY revision DESC",
        )?
        .query_map([claim_id], |r| Ok(Correction { at: r.get(0)?, note: r.get(1)? }))?
        .collect::<rusqlite::Result<_>>()?;
    let mut cited = Vec::with_capacity(publication.evidence_ids.len());
    for id in &publication.evidence_ids {
        match evidence::get(conn, *id) {
            Ok(item) => cited.push(item),
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(FactCheck { publication, corrections, evidence: cited }))
}

/// Last revisions of published claims, newest first, `limit + 1` of them from `offset`; with `words`,
/// only claims whose text or claimant has them all.
pub fn page(conn: &Connection, words: Option<&[String]>, offset: usize, limit: usize) -> Result<Vec<PublicationRow>> {
    let search = match words {
        Some(_) => "AND p.claim_id IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?1)",
        None => "AND ?1 IS NULL",
    };
    let query = format!(
        "SELECT {COLUMNS} FROM publications p WHERE {LAST} {search}
         ORDER BY p.published_at DESC, p.id DESC LIMIT {} OFFSET {offset}",
        limit + 1
    );
    let matching = words.map(fts_query);
    let rows = conn.prepare_cached(&query)?.query_map([matching], from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// What the ClaimReview of `claim` is made of. The desk sees a verified claim as it stands (what would
/// be published); otherwise it is the last published revision, if there is one.
pub fn reviewable(conn: &Connection, claim: &ClaimRow, desk: bool) -> Result<Option<Reviewable>> {
    if desk && claim.status == Status::Verified {
        let Some(verdict) = claim.verdict else { return Ok(None) };
        let verified_at = super::claims::verified_at(conn, claim.id)?.unwrap_or_else(|| claim.updated_at.clone());
        let first = latest(conn, claim.id)?.map(|p| p.first_published_at);
        return Ok(Some(Reviewable {
            claim_id: claim.id,
            content: claim.content(),
            verdict,
            rationale: reasoning(conn, claim)?,
            published: false,
            date_published: first.unwrap_or_else(|| verified_at.clone()),
            date_modified: verified_at,
            evidence: evidence::for_claim(conn, claim.id)?.into_iter().filter(|e| !e.retracted).collect(),
        }));
    }
    Ok(fact_check(conn, claim.id)?.map(FactCheck::reviewable))
}

impl FactCheck {
    pub fn reviewable(self) -> Reviewable {
        let p = self.publication;
        Reviewable {
            claim_id: p.claim_id,
            content: p.content,
            verdict: p.verdict,
            rationale: p.rationale,
            published: true,
            date_published: p.first_published_at,
            date_modified: p.published_at,
            evidence: self.evidence,
        }
    }
}
