//! The Sources registry: one row per site, with the desk's reliability for it. Every change is
//! recorded in `source_history` and the audit log in the same transaction.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::claims::check;
use super::history::changed_fields;
use super::{Actor, Error, Result, audit, now};
use crate::domain::source::{NewSource, SourceFields, SourcePatch};
use crate::domain::version::Expected;

#[derive(Debug, Clone)]
pub struct SourceRow {
    pub id: i64,
    pub site: String,
    pub publisher: String,
    pub reliability: f64,
    pub note: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl SourceRow {
    pub fn fields(&self) -> SourceFields {
        SourceFields { publisher: self.publisher.clone(), reliability: self.reliability, note: self.note.clone() }
    }
}

const COLUMNS: &str = "id, site, publisher, reliability, note, version, created_at, updated_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceRow> {
    Ok(SourceRow {
        id: r.get(0)?,
        site: r.get(1)?,
        publisher: r.get(2)?,
        reliability: r.get(3)?,
        note: r.get(4)?,
        version: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<SourceRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The source registered for a site (as `evidence::site_of` names it), if any.
pub fn for_site(conn: &Connection, site: &str) -> Result<Option<SourceRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE site = ?1"))?
        .query_row([site], from_row)
        .optional()?)
}

/// Sources by site, `limit` + 1 of them (the extra one says a next page exists), with sites after
/// `after`; only `site`'s, when given.
pub fn list(conn: &Connection, site: Option<&str>, after: &str, limit: usize) -> Result<Vec<SourceRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sources WHERE site > ?1 AND (?2 IS NULL OR site = ?2) ORDER BY site LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![after, site, limit as i64 + 1], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Registers a source, with its history and audit rows. A site registered already is refused with
/// the source it has.
pub fn insert(conn: &Connection, source: &NewSource, actor: &Actor) -> Result<SourceRow> {
    if let Some(existing) = for_site(conn, &source.site)? {
        return Err(Error::DuplicateSource(existing.id));
    }
    let at = now();
    let f = &source.fields;
    conn.prepare_cached(
        "INSERT INTO sources (site, publisher, reliability, note, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![source.site, f.publisher, f.reliability, f.note, at])?;
    let id = conn.last_insert_rowid();
    let to = json!({"site": source.site, "fields": f});
    record(conn, id, "source.created", None, Some(&to), actor, &at)?;
    get(conn, id)
}

/// Changes a source made against version `expected`. A change that changes nothing writes nothing.
pub fn update(
    conn: &Connection,
    id: i64,
    patch: &SourcePatch,
    expected: &Expected,
    actor: &Actor,
) -> Result<SourceRow> {
    let current = get(conn, id)?;
    check(Some(expected), current.version)?;
    let before = current.fields();
    let after = patch.apply(&before).map_err(Error::Invalid)?;
    let Some((from, to)) = changed_fields(&serde_json::to_value(&before)?, &serde_json::to_value(&after)?) else {
        return Ok(current);
    };
    let at = now();
    conn.prepare_cached(
        "UPDATE sources SET publisher = ?2, reliability = ?3, note = ?4, version = version + 1, updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![id, after.publisher, after.reliability, after.note, at])?;
    record(conn, id, "source.updated", Some(&from), Some(&to), actor, &at)?;
    get(conn, id)
}

/// Writes a history row and the audit row that names it.
fn record(
    conn: &Connection,
    source_id: i64,
    action: &str,
    from: Option<&Value>,
    to: Option<&Value>,
    actor: &Actor,
    at: &str,
) -> Result<()> {
    let (from, to) = (from.map(Value::to_string), to.map(Value::to_string));
    conn.prepare_cached(
        "INSERT INTO source_history (source_id, action, from_value, to_value, actor, actor_role, actor_key_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![source_id, action, from, to, actor.name(), actor.role_name(), actor.key_id(), at])?;
    let detail = format!(
        r#"{{"source_history_id":{},"source_id":{source_id},"from":{},"to":{}}}"#,
        conn.last_insert_rowid(),
        from.as_deref().unwrap_or("null"),
        to.as_deref().unwrap_or("null"),
    );
    audit::append(conn, actor, action, None, &detail, at)
}

/// One change to a source, as recorded.
#[derive(Debug, Clone)]
pub struct SourceChange {
    pub action: String,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub actor: String,
    pub at: String,
}

/// A source's changes, oldest first.
pub fn history(conn: &Connection, id: i64) -> Result<Vec<SourceChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT action, from_value, to_value, actor, at FROM source_history WHERE source_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        let json = |i: usize| -> rusqlite::Result<Option<Value>> {
            Ok(r.get::<_, Option<String>>(i)?.and_then(|s| serde_json::from_str(&s).ok()))
        };
        Ok(SourceChange { action: r.get(0)?, from: json(1)?, to: json(2)?, actor: r.get(3)?, at: r.get(4)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The sources registered for these sites, by site.
pub fn for_sites(conn: &Connection, sites: &[String]) -> Result<Vec<SourceRow>> {
    let mut found = Vec::new();
    for site in sites {
        found.extend(for_site(conn, site)?);
    }
    Ok(found)
}
