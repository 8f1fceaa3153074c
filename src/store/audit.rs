//! The tamper-evident audit log. Every write appends a row holding the hash of the row before it and a
//! hash over its own content and that link, so changing or removing any row breaks the chain there.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Actor, Result};

/// The link before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub actor_key_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub claim_id: Option<i64>,
    pub detail: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// A row as it is hashed: its fields as stored, with the link to the row before.
struct Link {
    prev: String,
    id: i64,
    at: String,
    actor: String,
    key_id: Option<i64>,
    role: Option<String>,
    action: String,
    claim: Option<i64>,
    detail: Option<String>,
}

impl Link {
    /// SHA-256 over the previous row's hash and every field of this one, each length-prefixed (and
    /// optional ones marked present or absent) so no two rows can feed it the same bytes.
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |value: Option<&[u8]>| match value {
            Some(bytes) => {
                h.update([1]);
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            }
            None => h.update([0]),
        };
        field(Some(self.prev.as_bytes()));
        field(Some(&self.id.to_le_bytes()));
        field(Some(self.at.as_bytes()));
        field(Some(self.actor.as_bytes()));
        field(self.role.as_deref().map(str::as_bytes));
        field(Some(self.action.as_bytes()));
        field(self.claim.map(i64::to_le_bytes).as_ref().map(|b| &b[..]));
        field(self.detail.as_deref().map(str::as_bytes));
        // Rows written before key ids were recorded have none, and keep the hash they were written with.
        if let Some(id) = self.key_id {
            field(Some(&id.to_le_bytes()));
        }
        hex::encode(h.finalize())
    }
}

/// Appends a row; `detail` is JSON text.
pub fn append(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    claim_id: Option<i64>,
    detail: &str,
    at: &str,
) -> Result<()> {
    let (last, prev): (i64, String) = conn
        .prepare_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_else(|| (0, GENESIS.to_owned()));
    let id = last + 1;
    let link = Link {
        prev,
        id,
        at: at.to_owned(),
        actor: actor.name().to_owned(),
        key_id: actor.key_id(),
        role: actor.role_name().map(str::to_owned),
        action: action.to_owned(),
        claim: claim_id,
        detail: Some(detail.to_owned()),
    };
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, actor, actor_role, action, claim_id, detail, prev_hash, hash, actor_key_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        link.id,
        link.at,
        link.actor,
        link.role,
        link.action,
        link.claim,
        link.detail,
        link.prev,
        link.hash(),
        link.key_id,
    ])?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub claim_id: Option<i64>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// Rows with ids below this one (the cursor): newest first.
    pub before_id: Option<i64>,
}

/// Rows matching the filter, newest first; `limit + 1` of them, to tell whether there is a next page.
pub fn list(conn: &Connection, filter: &Filter, limit: usize) -> Result<Vec<AuditRow>> {
    let mut conditions = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    let mut add = |condition: &str, value: rusqlite::types::Value| {
        conditions.push(condition.to_owned());
        values.push(value);
    };
    if let Some(actor) = &filter.actor {
        add("actor = ?", actor.clone().into());
    }
    if let Some(claim) = filter.claim_id {
        add("claim_id = ?", claim.into());
    }
    if let Some(action) = &filter.action {
        add("action = ?", action.clone().into());
    }
    if let Some(since) = &filter.since {
        add("at >= ?", since.clone().into());
    }
    if let Some(until) = &filter.until {
        add("at < ?", until.clone().into());
    }
    if let Some(before) = filter.before_id {
        add("id < ?", before.into());
    }
    let where_clause =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let query = format!(
        "SELECT id, at, actor, actor_role, action, claim_id, detail, prev_hash, hash, actor_key_id
         FROM audit_log {where_clause}
         ORDER BY id DESC LIMIT {}",
        limit + 1
    );
    let mut stmt = conn.prepare_cached(&query)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    let detail: Option<String> = r.get(6)?;
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        actor_role: r.get(3)?,
        action: r.get(4)?,
        claim_id: r.get(5)?,
        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
        actor_key_id: r.get(9)?,
    })
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub ok: bool,
    pub rows: i64,
    /// The first row whose link or hash does not hold.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
}

pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, actor_role, action, claim_id, detail, prev_hash, hash, actor_key_id
         FROM audit_log ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let (mut expected_prev, mut expected_id, mut count) = (GENESIS.to_owned(), 1i64, 0i64);
    while let Some(r) = rows.next()? {
        count += 1;
        let link = Link {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            role: r.get(3)?,
            action: r.get(4)?,
            claim: r.get(5)?,
            detail: r.get(6)?,
            prev: r.get(7)?,
            key_id: r.get(9)?,
        };
        let stored_hash: String = r.get(8)?;
        let broken =
            |reason: String| Verification { ok: false, rows: count, first_broken: Some(link.id), reason: Some(reason) };
        if link.id != expected_id {
            return Ok(broken(format!("row {expected_id} is missing")));
        }
        if link.prev != expected_prev {
            return Ok(broken("its link does not match the hash of the row before".into()));
        }
        if link.hash() != stored_hash {
            return Ok(broken("its content does not match its hash".into()));
        }
        expected_prev = stored_hash;
        expected_id = link.id + 1;
    }
    Ok(Verification { ok: true, rows: count, first_broken: None, reason: None })
}
