//! Claims: creating, editing, moving through the workflow and rescoring them.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::evidence::{self, EvidenceRow};
use super::history::{self, Entry, changed_fields};
use super::publications;
use super::{Actor, Error, Result, now};
use crate::domain::claim::{Appearance, ClaimContent, ClaimPatch};
use crate::domain::confidence::{self, Assessment};
use crate::domain::verdict::Verdict;
use crate::domain::version::{self, Expected};
use crate::domain::workflow::{self, Status};

/// A claim's columns, `from_row`'s order, with `$count` as its count of live evidence.
macro_rules! columns {
    ($count:literal) => {
        concat!(
            "c.id, c.text, c.claimant, c.appeared_in, c.tags, c.language, c.status, c.verdict,
            c.support, c.confidence, c.version, c.created_at, c.updated_at, ",
            $count,
            ", c.assignee, c.rationale"
        )
    };
}

pub(super) const COLUMNS: &str =
    columns!("(SELECT count(*) FROM evidence e WHERE e.claim_id = c.id AND e.retracted_at IS NULL)");
/// For a claim read with its evidence, which `detail_of` counts: one walk of the evidence index, not two.
const COLUMNS_UNCOUNTED: &str = columns!("0");

#[derive(Debug, Clone)]
pub struct ClaimRow {
    pub id: i64,
    pub text: String,
    pub claimant: Option<String>,
    pub appeared_in: Option<Appearance>,
    pub tags: Vec<String>,
    pub language: Option<String>,
    pub status: Status,
    pub verdict: Option<Verdict>,
    pub support: f64,
    pub confidence: f64,
    pub evidence_count: i64,
    /// The reviewer working on it.
    pub assignee: Option<String>,
    /// Why the verdict is what it is, for readers; set with the verdict.
    pub rationale: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl ClaimRow {
    pub fn content(&self) -> ClaimContent {
        ClaimContent {
            text: self.text.clone(),
            claimant: self.claimant.clone(),
            appeared_in: self.appeared_in.clone(),
            tags: self.tags.clone(),
            language: self.language.clone(),
        }
    }
}

/// A claim with everything that explains where it stands.
#[derive(Debug, Clone)]
pub struct ClaimDetail {
    pub claim: ClaimRow,
    pub allowed_transitions: Vec<Status>,
    pub confidence_breakdown: Assessment,
    pub evidence: Vec<EvidenceRow>,
}

/// Refuses a change made against another version than the current one.
pub(super) fn check(expected: Option<&Expected>, version: i64) -> Result<()> {
    version::check(expected, version).map_err(|current| Error::Stale { current })
}

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<ClaimRow> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("bad {what}").into())
    };
    let json_col = |i: usize| -> rusqlite::Result<Option<String>> { r.get(i) };
    let status: String = r.get(6)?;
    let verdict: Option<String> = r.get(7)?;
    Ok(ClaimRow {
        id: r.get(0)?,
        text: r.get(1)?,
        claimant: r.get(2)?,
        appeared_in: json_col(3)?.map(|s| serde_json::from_str(&s)).transpose().map_err(|_| bad(3, "appeared_in"))?,
        tags: serde_json::from_str(&r.get::<_, String>(4)?).map_err(|_| bad(4, "tags"))?,
        language: r.get(5)?,
        status: Status::parse(&status).ok_or_else(|| bad(6, "status"))?,
        verdict: verdict.map(|v| Verdict::parse(&v).ok_or_else(|| bad(7, "verdict"))).transpose()?,
        support: r.get(8)?,
        confidence: r.get(9)?,
        version: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        evidence_count: r.get(13)?,
        assignee: r.get(14)?,
        rationale: r.get(15)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<ClaimRow> {
    by_id(conn, COLUMNS, id)
}

/// The claim `id`, read as `columns` (one of the `columns!`).
fn by_id(conn: &Connection, columns: &str, id: i64) -> Result<ClaimRow> {
    conn.prepare_cached(&format!("SELECT {columns} FROM claims c WHERE c.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The claims with these ids, in this order (those that exist), read by one statement.
pub fn get_many(conn: &Connection, ids: &[i64]) -> Result<Vec<ClaimRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM claims c WHERE c.id IN (SELECT value FROM json_each(?1))"))?;
    let mut found: std::collections::HashMap<i64, ClaimRow> = stmt
        .query_map([serde_json::to_string(ids)?], from_row)?
        .map(|row| row.map(|row| (row.id, row)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A claim and its evidence, by id: the hottest read there is (`GET /v1/claims/{id}`).
pub fn detail(conn: &Connection, id: i64) -> Result<ClaimDetail> {
    detail_of(conn, by_id(conn, COLUMNS_UNCOUNTED, id)?)
}

/// The detail of a claim whose row is at hand; its evidence count is that of the evidence read here.
pub fn detail_of(conn: &Connection, mut claim: ClaimRow) -> Result<ClaimDetail> {
    let evidence = evidence::for_claim(conn, claim.id)?;
    claim.evidence_count = evidence.iter().filter(|e| !e.retracted).count() as i64;
    Ok(ClaimDetail {
        allowed_transitions: claim.status.next(),
        confidence_breakdown: assess(&evidence),
        claim,
        evidence,
    })
}

impl ClaimDetail {
    /// The detail of a claim that has just been inserted: no evidence yet.
    pub fn new_claim(claim: ClaimRow) -> ClaimDetail {
        ClaimDetail {
            allowed_transitions: claim.status.next(),
            confidence_breakdown: assess(&[]),
            claim,
            evidence: Vec::new(),
        }
    }
}

fn assess(evidence: &[EvidenceRow]) -> Assessment {
    let items: Vec<_> = evidence.iter().filter(|e| !e.retracted).map(EvidenceRow::confidence_item).collect();
    confidence::assess(&items)
}

fn duplicate_of(conn: &Connection, normalized: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM claims WHERE normalized = ?1")?
        .query_row([normalized], |r| r.get(0))
        .optional()?)
}

pub fn find_external(conn: &Connection, external_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM claims WHERE external_id = ?1")?
        .query_row([external_id], |r| r.get(0))
        .optional()?)
}

/// Inserts a new claim with its history row, and returns it as stored.
pub fn insert(conn: &Connection, content: &ClaimContent, external_id: Option<&str>, actor: &Actor) -> Result<ClaimRow> {
    let normalized = content.normalized();
    if let Some(existing) = duplicate_of(conn, &normalized)? {
        return Err(Error::DuplicateClaim(existing));
    }
    let at = now();
    conn.prepare_cached(
        "INSERT INTO claims (text, normalized, claimant, appeared_in, tags, language, external_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        content.text,
        normalized,
        content.claimant,
        content.appeared_in.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&content.tags)?,
        content.language,
        external_id,
        at,
    ])?;
    let id = conn.last_insert_rowid();
    insert_tags(conn, id, &content.tags)?;
    let entry = Entry {
        claim_id: id,
        evidence_id: None,
        action: "claim.created",
        from: None,
        to: Some(serde_json::to_value(content)?),
        note: None,
    };
    history::record(conn, entry, actor, &at)?;
    Ok(ClaimRow {
        id,
        text: content.text.clone(),
        claimant: content.claimant.clone(),
        appeared_in: content.appeared_in.clone(),
        tags: content.tags.clone(),
        language: content.language.clone(),
        status: Status::Submitted,
        verdict: None,
        support: 0.5,
        confidence: 0.0,
        evidence_count: 0,
        assignee: None,
        rationale: None,
        version: 1,
        created_at: at.clone(),
        updated_at: at,
    })
}

/// The claim's tags, with the copies of its status and sort values that tag listings walk (see
/// migrations/012); the claim's row must be written first.
fn insert_tags(conn: &Connection, id: i64, tags: &[String]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO claim_tags (tag, claim_id, status, created_at, updated_at, confidence)
         SELECT ?1, id, status, created_at, updated_at, confidence FROM claims WHERE id = ?2",
    )?;
    for tag in tags {
        stmt.execute(params![tag, id])?;
    }
    Ok(())
}

pub fn update(conn: &Connection, id: i64, patch: &ClaimPatch, expected: &Expected, actor: &Actor) -> Result<ClaimRow> {
    let current = get(conn, id)?;
    check(Some(expected), current.version)?;
    let before = current.content();
    let after = patch.apply(&before).map_err(Error::Invalid)?;
    let Some((from, to)) = changed_fields(&serde_json::to_value(&before)?, &serde_json::to_value(&after)?) else {
        return Ok(current);
    };
    let normalized = after.normalized();
    if let Some(existing) = duplicate_of(conn, &normalized)?.filter(|&other| other != id) {
        return Err(Error::DuplicateClaim(existing));
    }
    let at = now();
    conn.prepare_cached(
        "UPDATE claims SET text = ?2, normalized = ?3, claimant = ?4, appeared_in = ?5, tags = ?6, language = ?7,
         version = version + 1, updated_at = ?8 WHERE id = ?1",
    )?
    .execute(params![
        id,
        after.text,
        normalized,
        after.claimant,
        after.appeared_in.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&after.tags)?,
        after.language,
        at,
    ])?;
    if after.tags != before.tags {
        conn.prepare_cached("DELETE FROM claim_tags WHERE claim_id = ?1")?.execute([id])?;
        insert_tags(conn, id, &after.tags)?;
    }
    let entry =
        Entry { claim_id: id, evidence_id: None, action: "claim.updated", from: Some(from), to: Some(to), note: None };
    history::record(conn, entry, actor, &at)?;
    let ClaimContent { text, claimant, appeared_in, tags, language } = after;
    Ok(ClaimRow { text, claimant, appeared_in, tags, language, ..changed(current, at) })
}

/// The row as a change leaves it: one version on, updated now. (Built rather than read again: the
/// writer thread, which every write waits for, reads each row once.)
fn changed(current: ClaimRow, at: String) -> ClaimRow {
    ClaimRow { version: current.version + 1, updated_at: at, ..current }
}

/// Gives a claim to a reviewer (or takes it back, with `None`).
pub fn assign(
    conn: &Connection,
    id: i64,
    assignee: Option<&str>,
    note: Option<&str>,
    actor: &Actor,
) -> Result<ClaimRow> {
    let current = get(conn, id)?;
    if current.assignee.as_deref() == assignee {
        return Ok(current);
    }
    let at = now();
    conn.prepare_cached("UPDATE claims SET assignee = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, assignee, at])?;
    let entry = Entry {
        claim_id: id,
        evidence_id: None,
        action: "claim.assigned",
        from: Some(json!({"assignee": current.assignee})),
        to: Some(json!({"assignee": assignee})),
        note,
    };
    history::record(conn, entry, actor, &at)?;
    Ok(ClaimRow { assignee: assignee.map(str::to_owned), ..changed(current, at) })
}

pub struct Move<'a> {
    pub to: Status,
    pub verdict: Option<Verdict>,
    pub note: Option<&'a str>,
    /// The reasoning behind the verdict, on entering `verified`.
    pub rationale: Option<&'a str>,
    /// For readers: the reason of a correction on publishing, the notice on reopening a published claim.
    pub public_note: Option<&'a str>,
}

impl<'a> Move<'a> {
    /// A move to `to` with nothing else said.
    pub fn to(to: Status) -> Move<'a> {
        Move { to, verdict: None, note: None, rationale: None, public_note: None }
    }
}

pub fn transition(
    conn: &Connection,
    id: i64,
    requested: &Move<'_>,
    expected: Option<&Expected>,
    actor: &Actor,
) -> Result<ClaimRow> {
    let current = get(conn, id)?;
    check(expected, current.version)?;
    let outcome = workflow::transition(
        current.status,
        current.verdict,
        requested.to,
        requested.verdict,
        current.evidence_count as usize,
    )
    .map_err(Error::Transition)?;
    let at = now();
    // The rationale goes with the verdict: set on entering `verified`, kept through the moves after it.
    let rationale = match outcome.status {
        Status::Verified => requested.rationale.map(str::to_owned),
        _ => current.rationale.clone(),
    };
    conn.prepare_cached(
        "UPDATE claims SET status = ?2, verdict = ?3, rationale = ?4, version = version + 1, updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![id, outcome.status.as_str(), outcome.verdict.map(Verdict::as_str), rationale, at])?;
    let mut to = json!({"status": outcome.status, "verdict": outcome.verdict});
    if let (Status::Verified, Some(rationale)) = (outcome.status, &rationale) {
        to["rationale"] = json!(rationale);
    }
    let entry = Entry {
        claim_id: id,
        evidence_id: None,
        action: "claim.transitioned",
        from: Some(json!({"status": current.status, "verdict": current.verdict})),
        to: Some(to),
        note: requested.note,
    };
    history::record(conn, entry, actor, &at)?;
    let was = current.status;
    let row = ClaimRow { status: outcome.status, verdict: outcome.verdict, rationale, ..changed(current, at.clone()) };
    match (was, row.status) {
        (_, Status::Published) => publications::publish(conn, &row, &at, requested.public_note)?,
        (Status::Published, _) => publications::reopened(conn, id, requested.public_note)?,
        _ => {}
    }
    Ok(row)
}

/// Marks a claim changed by a change to its evidence, and recomputes its support and confidence,
/// recording the new figures in history when they move.
pub(super) fn evidence_changed(conn: &Connection, id: i64, actor: &Actor, at: &str) -> Result<()> {
    let before = get(conn, id)?;
    let after = assess(&evidence::for_scoring(conn, id)?);
    conn.prepare_cached(
        "UPDATE claims SET support = ?2, confidence = ?3, version = version + 1, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, after.support, after.confidence, at])?;
    if (before.support, before.confidence) != (after.support, after.confidence) {
        let entry = Entry {
            claim_id: id,
            evidence_id: None,
            action: "claim.rescored",
            from: Some(json!({"support": before.support, "confidence": before.confidence})),
            to: Some(json!({"support": after.support, "confidence": after.confidence})),
            note: None,
        };
        history::record(conn, entry, actor, at)?;
    }
    Ok(())
}

/// Moves the claim's version on for a change kept beside its row (a merged review's wording), so the
/// writer's hook reports the claim changed and the matching index reads it again.
pub(super) fn touch(conn: &Connection, id: i64, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE claims SET version = version + 1, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(())
}

/// Adds the claims with ids `lo..=hi`, all inserted in the current transaction, to the search index.
/// Edits re-index through a trigger (migrations/001); a claim is only ever edited after its creation
/// was acknowledged, so after this has indexed it.
pub(super) fn index_for_search(conn: &Connection, lo: i64, hi: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO claims_fts (rowid, text, claimant) SELECT id, text, claimant FROM claims WHERE id BETWEEN ?1 AND ?2",
    )?
    .execute([lo, hi])?;
    Ok(())
}

/// When claim `c` last entered `verified` (NULL if it never did), as an SQL expression.
const VERIFIED_AT: &str = "(SELECT max(h.at) FROM history h WHERE h.claim_id = c.id
    AND h.action = 'claim.transitioned' AND json_extract(h.to_value, '$.status') = 'verified')";

/// When the claim last entered `verified`, if it ever did.
pub fn verified_at(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {VERIFIED_AT} FROM claims c WHERE c.id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM claims", [], |r| r.get(0))?)
}

/// Up to `limit` claims with ids above `after`, in id order.
pub fn page_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<ClaimDetail>> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM claims WHERE id > ?1 ORDER BY id LIMIT ?2")?
        .query_map(params![after, limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| detail(conn, id)).collect()
}
