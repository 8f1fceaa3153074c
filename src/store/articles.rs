//! Articles taken in, their scored sentences, the page each was fetched from (when it was), their
//! history, and the claims accepted from them.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::claims::{self, ClaimRow};
use super::links::NewSnapshot;
use super::{Actor, Error, Result, now};
use crate::domain::article::ArticleContent;
use crate::domain::claim::ClaimContent;
use crate::domain::intake::{Assessment, Sentence};

#[derive(Debug, Clone)]
pub struct ArticleRow {
    pub id: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub publisher: Option<String>,
    pub language: Option<String>,
    pub english: bool,
    pub format: String,
    pub sentence_count: i64,
    pub actor: String,
    pub created_at: String,
    /// The page it was fetched from, when it was taken in by its URL.
    pub snapshot: Option<PageSnapshot>,
}

/// The page an article was fetched from, as archived (without its bytes).
#[derive(Debug, Clone)]
pub struct PageSnapshot {
    pub fetched_at: String,
    pub final_url: String,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub size: i64,
    pub truncated: bool,
    pub sha256: String,
    /// The original bytes are kept.
    pub archived: bool,
}

/// A sentence as stored, with what the model said of it and the claim taken from it.
#[derive(Debug, Clone)]
pub struct SentenceRow {
    pub position: i64,
    pub speaker: Option<String>,
    pub text: String,
    pub score: f64,
    pub kind: String,
    pub claimant: Option<String>,
    /// `{"raised": [{feature, text, weight}], "lowered": [...]}`.
    pub reasons: Value,
    pub claim_id: Option<i64>,
}

const COLUMNS: &str = "a.id, a.title, a.url, a.published_at, a.language, a.english, a.format, a.actor, a.created_at,
    (SELECT count(*) FROM article_sentences s WHERE s.article_id = a.id), a.publisher,
    p.fetched_at, p.url, p.redirects, p.status, p.content_type, p.size, p.truncated, p.sha256, p.body IS NOT NULL";
const FROM: &str = "articles a LEFT JOIN article_snapshots p ON p.article_id = a.id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArticleRow> {
    let fetched_at: Option<String> = r.get(11)?;
    let snapshot = match fetched_at {
        None => None,
        Some(fetched_at) => Some(PageSnapshot {
            fetched_at,
            final_url: r.get(12)?,
            redirects: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
            status: r.get(14)?,
            content_type: r.get(15)?,
            size: r.get(16)?,
            truncated: r.get(17)?,
            sha256: r.get(18)?,
            archived: r.get(19)?,
        }),
    };
    Ok(ArticleRow {
        id: r.get(0)?,
        title: r.get(1)?,
        url: r.get(2)?,
        published_at: r.get(3)?,
        language: r.get(4)?,
        english: r.get(5)?,
        format: r.get(6)?,
        actor: r.get(7)?,
        created_at: r.get(8)?,
        sentence_count: r.get(9)?,
        publisher: r.get(10)?,
        snapshot,
    })
}

/// Stores an article with its scored sentences, the page it was fetched from (if it was) and its
/// first history row.
pub fn insert(
    conn: &Connection,
    content: &ArticleContent,
    english: bool,
    scored: &[(Sentence, Assessment)],
    page: Option<&NewSnapshot>,
    external_id: Option<&str>,
    actor: &Actor,
) -> Result<ArticleRow> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO articles (title, url, published_at, publisher, language, english, format, text, external_id,
                               actor, actor_role, actor_key_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        content.title,
        content.url,
        content.published_at,
        content.publisher,
        content.language,
        english,
        content.format.as_str(),
        content.text,
        external_id,
        actor.name(),
        actor.role_name(),
        actor.key_id(),
        at,
    ])?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO article_sentences (article_id, position, speaker, text, score, kind, claimant, reasons)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (s, a) in scored {
        let reason = |r: &crate::domain::intake::model::Reason| json!({"feature": r.feature, "text": r.text, "weight": r.weight});
        let reasons = json!({
            "raised": a.raised.iter().map(reason).collect::<Vec<_>>(),
            "lowered": a.lowered.iter().map(reason).collect::<Vec<_>>(),
        });
        stmt.execute(params![
            id,
            s.position as i64,
            s.speaker,
            s.text,
            a.score,
            a.kind.as_ref(),
            a.claimant,
            reasons.to_string()
        ])?;
    }
    if let Some(page) = page {
        insert_snapshot(conn, id, page, &at)?;
    }
    let detail = json!({
        "title": content.title,
        "url": content.url,
        "format": content.format.as_str(),
        "sentences": scored.len(),
        "fetched": page.map(|p| json!({"final_url": p.url, "status": p.status, "sha256": p.sha256})),
    });
    record(conn, id, "article.created", &detail, actor, &at)?;
    get(conn, id)
}

fn insert_snapshot(conn: &Connection, article_id: i64, s: &NewSnapshot, at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO article_snapshots (article_id, fetched_at, url, redirects, status, content_type, size, truncated,
                                        sha256, title, published, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        article_id,
        at,
        s.url,
        serde_json::to_string(&s.redirects)?,
        s.status,
        s.content_type,
        s.size as i64,
        s.truncated,
        s.sha256,
        s.title,
        s.published,
        s.body,
    ])?;
    Ok(())
}

fn record(conn: &Connection, article_id: i64, action: &str, detail: &Value, actor: &Actor, at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO article_history (article_id, action, detail, actor, actor_role, actor_key_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        article_id,
        action,
        detail.to_string(),
        actor.name(),
        actor.role_name(),
        actor.key_id(),
        at
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<ArticleRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)
}

pub fn find_external(conn: &Connection, external_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM articles WHERE external_id = ?1")?
        .query_row([external_id], |r| r.get(0))
        .optional()?)
}

/// The article's sentences in reading order.
pub fn sentences(conn: &Connection, id: i64) -> Result<Vec<SentenceRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, speaker, text, score, kind, claimant, reasons, claim_id
         FROM article_sentences WHERE article_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(SentenceRow {
            position: r.get(0)?,
            speaker: r.get(1)?,
            text: r.get(2)?,
            score: r.get(3)?,
            kind: r.get(4)?,
            claimant: r.get(5)?,
            reasons: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(Value::Null),
            claim_id: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Articles newest first, `limit` + 1 of them (the extra one says a next page exists), with ids
/// below `before`.
pub fn list(conn: &Connection, limit: usize, before: i64) -> Result<Vec<ArticleRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2"))?;
    let rows = stmt.query_map(params![before, limit as i64 + 1], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Registers the claim made by sentence `position` of article `id`, with its history rows. A
/// sentence accepted before answers `DuplicateClaim` with the claim taken from it.
pub fn accept(conn: &Connection, id: i64, position: i64, content: &ClaimContent, actor: &Actor) -> Result<ClaimRow> {
    let taken: Option<Option<i64>> = conn
        .prepare_cached("SELECT claim_id FROM article_sentences WHERE article_id = ?1 AND position = ?2")?
        .query_row(params![id, position], |r| r.get(0))
        .optional()?;
    match taken {
        None => return Err(Error::NotFound),
        Some(Some(claim)) => return Err(Error::DuplicateClaim(claim)),
        Some(None) => {}
    }
    let claim = claims::insert(conn, content, None, actor)?;
    conn.prepare_cached("UPDATE article_sentences SET claim_id = ?3 WHERE article_id = ?1 AND position = ?2")?
        .execute(params![id, position, claim.id])?;
    record(conn, id, "candidate.accepted", &json!({"position": position, "claim_id": claim.id}), actor, &now())?;
    Ok(claim)
}

/// The claims taken from an article, by the position of their sentence.
pub fn claims_taken(conn: &Connection, id: i64) -> Result<Vec<(i64, ClaimRow)>> {
    let positions: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT position, claim_id FROM article_sentences WHERE article_id = ?1 AND claim_id IS NOT NULL
             ORDER BY position",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    positions.into_iter().map(|(p, c)| Ok((p, claims::get(conn, c)?))).collect()
}

/// Points the claims quoting a sentence of article `id` at it (`appeared_in.article_id`, `position`)
/// and links each such sentence to the first of them: for the seed, whose claims came before it.
pub fn link_quoted(conn: &Connection, id: i64) -> Result<usize> {
    let mut linked = 0;
    for s in sentences(conn, id)?.into_iter().filter(|s| s.claim_id.is_none()) {
        let quoting: Vec<i64> = conn
            .prepare_cached("SELECT id FROM claims WHERE json_extract(appeared_in, '$.quote') = ?1 ORDER BY id")?
            .query_map([&s.text], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&first) = quoting.first() else { continue };
        conn.prepare_cached(
            "UPDATE claims SET appeared_in = json_set(appeared_in, '$.article_id', ?2, '$.position', ?3)
             WHERE json_extract(appeared_in, '$.quote') = ?1",
        )?
        .execute(params![s.text, id, s.position])?;
        conn.prepare_cached("UPDATE article_sentences SET claim_id = ?3 WHERE article_id = ?1 AND position = ?2")?
            .execute(params![id, s.position, first])?;
        linked += quoting.len();
    }
    Ok(linked)
}
