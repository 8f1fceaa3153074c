//! What the matching engine reads of a claim: what it is found by (text, claimant, language, the
//! review's title or rationale, the appearance's title and quote, the wordings of other fact-checkers'
//! reviews merged into it) and what a match shows (status, verdict, whether it has a public page).

use rusqlite::{Connection, Row};

use super::Result;
use crate::domain::matching::Fields;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;

/// A claim as the matching engine reads it.
#[derive(Debug, Clone)]
pub struct MatchRow {
    pub id: i64,
    pub fields: Fields,
    pub status: Status,
    pub verdict: Option<Verdict>,
    /// It has a public fact-check page.
    pub published: bool,
}

const SELECT: &str = "SELECT c.id, c.text, c.claimant, c.language, c.rationale,
        json_extract(c.appeared_in, '$.title'), json_extract(c.appeared_in, '$.quote'), c.status, c.verdict,
        EXISTS (SELECT 1 FROM publications p WHERE p.claim_id = c.id),
        (SELECT group_concat(text, char(10)) FROM
            (SELECT m.text FROM merged_reviews m WHERE m.claim_id = c.id AND m.split_into IS NULL ORDER BY m.rowid))
    FROM claims c";

fn row(r: &Row) -> rusqlite::Result<MatchRow> {
    let context = [r.get::<_, Option<String>>(4)?, r.get(5)?, r.get(6)?, r.get(10)?].into_iter().flatten().collect();
    let status: String = r.get(7)?;
    let verdict: Option<String> = r.get(8)?;
    Ok(MatchRow {
        id: r.get(0)?,
        fields: Fields { text: r.get(1)?, claimant: r.get(2)?, context, language: r.get(3)? },
        status: Status::parse(&status).unwrap_or(Status::Submitted),
        verdict: verdict.as_deref().and_then(Verdict::parse),
        published: r.get(9)?,
    })
}

/// Up to `limit` claims with ids above `after`, by id.
pub fn after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<MatchRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE c.id > ?1 ORDER BY c.id LIMIT ?2"))?;
    let rows = stmt.query_map(rusqlite::params![after, limit as i64], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Reviews merged into claims after the merge numbered `after` (by rowid): up to `limit` of them, as
/// (number, claim id) in order. Another process's merges are found by this, since its writer tells
/// this one's nothing.
pub fn merged_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<(i64, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT rowid, claim_id FROM merged_reviews WHERE rowid > ?1 ORDER BY rowid LIMIT ?2")?;
    let rows = stmt.query_map(rusqlite::params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The number of the last review merged (0 if none).
pub fn last_merged(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(rowid), 0) FROM merged_reviews", [], |r| r.get(0))?)
}

/// The claims among `ids`, in the order of `ids` (those missing are left out).
pub fn by_ids(conn: &Connection, ids: &[i64]) -> Result<Vec<MatchRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = stmt.query_map([id], row)?.next() {
            found.push(e?);
        }
    }
    Ok(found)
}
