//! Evidence items: attaching, editing and retracting them. Every change rescores its claim in the same
//! transaction.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::claims;
use super::history::{self, Entry, changed_fields};
use super::{Actor, Error, Result, links, now, sources};
use crate::domain::confidence;
use crate::domain::evidence::{EvidenceFields, EvidencePatch, NewEvidence, ReliabilitySource, Stance, reliability_of};
use crate::domain::version::Expected;

const COLUMNS: &str = "e.id, e.claim_id, e.url, e.site, e.title, e.publisher, e.excerpt, e.stance, e.reliability,
    e.confidence, e.note, e.version, e.created_at, e.updated_at, e.retracted_at, e.retraction_note,
    e.reliability_source, e.confidence_given";

#[derive(Debug, Clone)]
pub struct EvidenceRow {
    pub id: i64,
    pub claim_id: i64,
    pub url: String,
    pub site: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub reliability: f64,
    /// Given with the item, the Sources registry's figure for its site, or the default.
    pub reliability_source: ReliabilitySource,
    pub confidence: f64,
    /// Whether the confidence was given; else it is the default.
    pub confidence_given: bool,
    pub note: Option<String>,
    pub retracted: bool,
    pub retracted_at: Option<String>,
    pub retraction_note: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Where the link stands: fetched, archived, still there, changed or gone.
    pub fetch: Option<links::Fetch>,
    /// Whether the page holds the excerpt; `null` until it is fetched, or without an excerpt.
    pub quote: Option<links::Quote>,
}

impl EvidenceRow {
    /// The item as it stands, to cite again on another claim: a reliability that came from the
    /// Sources registry or the default is settled again there.
    pub fn cited_again(&self) -> NewEvidence {
        NewEvidence {
            url: self.url.clone(),
            site: self.site.clone(),
            title: self.title.clone(),
            publisher: self.publisher.clone(),
            excerpt: self.excerpt.clone(),
            stance: self.stance,
            reliability: (self.reliability_source == ReliabilitySource::Given).then_some(self.reliability),
            confidence: self.confidence,
            confidence_given: self.confidence_given,
            note: self.note.clone(),
        }
    }

    pub fn fields(&self) -> EvidenceFields {
        EvidenceFields {
            title: self.title.clone(),
            publisher: self.publisher.clone(),
            excerpt: self.excerpt.clone(),
            stance: self.stance,
            reliability: self.reliability,
            reliability_source: self.reliability_source,
            confidence: self.confidence,
            confidence_given: self.confidence_given,
            note: self.note.clone(),
        }
    }

    pub fn confidence_item(&self) -> confidence::Item {
        confidence::Item {
            evidence_id: self.id,
            site: self.site.clone(),
            stance: self.stance,
            reliability: self.reliability,
            reliability_source: self.reliability_source,
            confidence: self.confidence,
            confidence_given: self.confidence_given,
            quote_missing: self.quote.as_ref().is_some_and(|q| !q.found && !q.found_when_cited),
        }
    }
}

/// A row and the snapshot ids its link points at (see `links::describe`).
type Loaded = (EvidenceRow, [Option<i64>; 2]);

fn from_row(r: &Row<'_>) -> rusqlite::Result<Loaded> {
    let stance: String = r.get(7)?;
    let retracted_at: Option<String> = r.get(14)?;
    let reliability_source: String = r.get(16)?;
    let links::LinkColumns { fetch, quote, snapshots } = links::from_row(r, 18)?;
    let row = EvidenceRow {
        id: r.get(0)?,
        claim_id: r.get(1)?,
        url: r.get(2)?,
        site: r.get(3)?,
        title: r.get(4)?,
        publisher: r.get(5)?,
        excerpt: r.get(6)?,
        stance: Stance::parse(&stance).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, "bad stance".into())
        })?,
        reliability: r.get(8)?,
        reliability_source: ReliabilitySource::parse(&reliability_source).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(16, rusqlite::types::Type::Text, "bad reliability source".into())
        })?,
        confidence: r.get(9)?,
        confidence_given: r.get(17)?,
        note: r.get(10)?,
        version: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        retracted: retracted_at.is_some(),
        retracted_at,
        retraction_note: r.get(15)?,
        fetch,
        quote,
    };
    Ok((row, snapshots))
}

fn described(conn: &Connection, (mut row, snapshots): Loaded) -> Result<EvidenceRow> {
    if let Some(fetch) = row.fetch.as_mut() {
        links::describe(conn, fetch, snapshots)?;
    }
    Ok(row)
}

pub fn get(conn: &Connection, id: i64) -> Result<EvidenceRow> {
    let loaded = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, {} FROM evidence e {} WHERE e.id = ?1",
            links::LINK_COLUMNS,
            links::LINK_JOIN
        ))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)?;
    described(conn, loaded)
}

pub fn for_claim(conn: &Connection, claim_id: i64) -> Result<Vec<EvidenceRow>> {
    loaded(conn, claim_id)?.into_iter().map(|loaded| described(conn, loaded)).collect()
}

/// A claim's evidence as the confidence needs it: without the snapshots' descriptions, which rescoring
/// (on the writer thread, after every evidence change) has no use for.
pub fn for_scoring(conn: &Connection, claim_id: i64) -> Result<Vec<EvidenceRow>> {
    Ok(loaded(conn, claim_id)?.into_iter().map(|(row, _)| row).collect())
}

fn loaded(conn: &Connection, claim_id: i64) -> Result<Vec<Loaded>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, {} FROM evidence e {} WHERE e.claim_id = ?1 ORDER BY e.id",
        links::LINK_COLUMNS,
        links::LINK_JOIN
    ))?;
    Ok(stmt.query_map([claim_id], from_row)?.collect::<rusqlite::Result<_>>()?)
}

pub fn attach(
    conn: &Connection,
    claim_id: i64,
    item: &NewEvidence,
    expected: Option<&Expected>,
    actor: &Actor,
) -> Result<EvidenceRow> {
    let claim = claims::get(conn, claim_id)?;
    claims::check(expected, claim.version)?;
    let live = conn
        .prepare_cached("SELECT id FROM evidence WHERE claim_id = ?1 AND url = ?2 AND retracted_at IS NULL")?
        .query_row(params![claim_id, item.url], |r| r.get(0))
        .optional()?;
    if let Some(existing) = live {
        return Err(Error::DuplicateEvidence(existing));
    }
    // Read in the transaction that stores the item, so it takes the registry's figure as it stands.
    let registered = match item.reliability {
        Some(_) => None,
        None => sources::for_site(conn, &item.site)?.map(|s| s.reliability),
    };
    let (reliability, reliability_source) = reliability_of(item.reliability, registered);
    let at = now();
    conn.prepare_cached(
        "INSERT INTO evidence (claim_id, url, site, title, publisher, excerpt, stance, reliability, confidence, note,
                               created_at, updated_at, reliability_source, confidence_given)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)",
    )?
    .execute(params![
        claim_id,
        item.url,
        item.site,
        item.title,
        item.publisher,
        item.excerpt,
        item.stance.as_str(),
        reliability,
        item.confidence,
        item.note,
        at,
        reliability_source.as_str(),
        item.confidence_given,
    ])?;
    let id = conn.last_insert_rowid();
    links::schedule(conn, id, &at)?;
    let row = get(conn, id)?;
    let entry = Entry {
        claim_id,
        evidence_id: Some(id),
        action: "evidence.added",
        from: None,
        to: Some(json!({"url": row.url, "fields": row.fields()})),
        note: None,
    };
    history::record(conn, entry, actor, &at)?;
    claims::evidence_changed(conn, claim_id, actor, &at)?;
    Ok(row)
}

pub fn update(
    conn: &Connection,
    id: i64,
    patch: &EvidencePatch,
    expected: Option<&Expected>,
    actor: &Actor,
) -> Result<EvidenceRow> {
    let current = get(conn, id)?;
    claims::check(expected, current.version)?;
    if current.retracted {
        return Err(Error::Retracted(id));
    }
    let before = current.fields();
    let after = patch.apply(&before).map_err(Error::Invalid)?;
    let Some((from, to)) = changed_fields(&serde_json::to_value(&before)?, &serde_json::to_value(&after)?) else {
        return Ok(current);
    };
    let at = now();
    conn.prepare_cached(
        "UPDATE evidence SET title = ?2, publisher = ?3, excerpt = ?4, stance = ?5, reliability = ?6, confidence = ?7,
         note = ?8, version = version + 1, updated_at = ?9, reliability_source = ?10, confidence_given = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        after.title,
        after.publisher,
        after.excerpt,
        after.stance.as_str(),
        after.reliability,
        after.confidence,
        after.note,
        at,
        after.reliability_source.as_str(),
        after.confidence_given,
    ])?;
    if after.excerpt != before.excerpt {
        links::requote(conn, id, after.excerpt.as_deref())?;
    }
    let entry = Entry {
        claim_id: current.claim_id,
        evidence_id: Some(id),
        action: "evidence.updated",
        from: Some(from),
        to: Some(to),
        note: None,
    };
    history::record(conn, entry, actor, &at)?;
    claims::evidence_changed(conn, current.claim_id, actor, &at)?;
    get(conn, id)
}

/// Takes an item out of the count while keeping it and its history. Retracting twice changes nothing.
pub fn retract(
    conn: &Connection,
    id: i64,
    note: Option<&str>,
    expected: Option<&Expected>,
    actor: &Actor,
) -> Result<EvidenceRow> {
    let current = get(conn, id)?;
    claims::check(expected, current.version)?;
    if current.retracted {
        return Ok(current);
    }
    let at = now();
    conn.prepare_cached(
        "UPDATE evidence SET retracted_at = ?2, retraction_note = ?3, version = version + 1, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, at, note])?;
    links::unschedule(conn, id)?;
    let entry = Entry {
        claim_id: current.claim_id,
        evidence_id: Some(id),
        action: "evidence.retracted",
        from: Some(json!({"retracted": false})),
        to: Some(json!({"retracted": true})),
        note,
    };
    history::record(conn, entry, actor, &at)?;
    claims::evidence_changed(conn, current.claim_id, actor, &at)?;
    get(conn, id)
}
