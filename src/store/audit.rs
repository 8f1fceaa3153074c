//! The tamper-evident audit log. Every write appends a row holding the hash of the row before it and a
//! keyed hash (HMAC-SHA-256, under the key of `audit_key`, which is not in the database) over its own
//! content and that link, so changing or removing any row breaks the chain there, and only the key's
//! holder could seal a changed chain again. Every history row is written with an audit row naming it,
//! so the history is covered too. What the chain cannot show by itself is its last rows removed: a
//! witness who noted the head (`claimcheck audit head`) can (`verify` with `since`).

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
    /// The previous row's hash and every field of this one, each length-prefixed (and optional ones
    /// marked present or absent) so no two rows can give the same bytes.
    fn bytes(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(256);
        let mut field = |value: Option<&[u8]>| match value {
            Some(bytes) => {
                h.push(1);
                h.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                h.extend_from_slice(bytes);
            }
            None => h.push(0),
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
        h
    }

    /// The row's seal: keyed (`audit_mac`, given to the connection with the key), or for rows written
    /// before keys, plain SHA-256.
    fn seal(&self, conn: &Connection, keyed: bool) -> Result<String> {
        let bytes = self.bytes();
        if !keyed {
            return Ok(hex::encode(Sha256::digest(&bytes)));
        }
        Ok(conn.prepare_cached("SELECT audit_mac(?1)")?.query_row([bytes], |r| r.get(0))?)
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
        "INSERT INTO audit_log (id, at, actor, actor_role, action, claim_id, detail, prev_hash, hash, actor_key_id,
                                keyed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)",
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
        link.seal(conn, true)?,
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

/// Seals with the key the rows written before there was one (plain SHA-256), once, when a database
/// from before meets its key: the whole chain is sealed again from the first such row on, in one
/// transaction. A legacy chain that does not verify is left as it is, so that sealing never launders
/// a change made before.
pub fn seal_legacy(conn: &Connection) -> Result<usize> {
    let legacy: i64 = conn.query_row("SELECT count(*) FROM audit_log WHERE keyed = 0", [], |r| r.get(0))?;
    if legacy == 0 {
        return Ok(0);
    }
    let mut stmt = conn.prepare(&format!("SELECT {SEALED_COLUMNS} FROM audit_log ORDER BY id"))?;
    let rows: Vec<(Link, String, bool)> = stmt.query_map([], sealed_row)?.collect::<rusqlite::Result<_>>()?;
    let mut prev = GENESIS.to_owned();
    for (i, (link, hash, keyed)) in rows.iter().enumerate() {
        let intact = link.id == i as i64 + 1 && link.prev == prev && !*keyed && link.seal(conn, false)? == *hash;
        if !intact {
            tracing::error!(row = link.id, "the audit log before its key does not verify; it is not sealed");
            return Ok(0);
        }
        prev = hash.clone();
        if i as i64 + 1 == legacy {
            break;
        }
    }
    let triggers: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let sealed = (|| -> Result<usize> {
        for name in &names {
            conn.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "")))?;
        }
        let mut prev = GENESIS.to_owned();
        for (mut link, _, _) in rows {
            link.prev = prev;
            let hash = link.seal(conn, true)?;
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?2, hash = ?3, keyed = 1 WHERE id = ?1",
                params![link.id, link.prev, hash],
            )?;
            prev = hash;
        }
        for sql in &triggers {
            conn.execute_batch(sql)?;
        }
        Ok(legacy as usize)
    })();
    conn.execute_batch(if sealed.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    sealed
}

/// The last row: how many rows there are, and the last one's hash (what a witness writes down).
pub fn head(conn: &Connection) -> Result<(i64, String)> {
    Ok(conn
        .prepare_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_else(|| (0, GENESIS.to_owned())))
}

/// Walks the chain, then checks the history against it; with `witnessed`, also that the head a
/// witness wrote down (row number and hash) is still in the chain.
pub fn verify(conn: &Connection, witnessed: Option<&(i64, String)>) -> Result<Verification> {
    let chain = verify_chain(conn)?;
    if !chain.ok {
        return Ok(chain);
    }
    if let Some((row, hash)) = witnessed {
        let found: Option<String> = conn
            .prepare_cached("SELECT hash FROM audit_log WHERE id = ?1")?
            .query_row([row], |r| r.get(0))
            .optional()?;
        if found.as_deref() != Some(hash.as_str()) {
            let reason = format!("the witnessed head (row {row}, {hash}) is no longer in the chain");
            return Ok(Verification { ok: false, rows: chain.rows, first_broken: Some(*row), reason: Some(reason) });
        }
    }
    if let Some((row, reason)) = verify_history(conn)? {
        return Ok(Verification { ok: false, rows: chain.rows, first_broken: Some(row), reason: Some(reason) });
    }
    Ok(chain)
}

/// The columns `sealed_row` reads.
const SEALED_COLUMNS: &str =
    "id, at, actor, actor_role, action, claim_id, detail, prev_hash, hash, actor_key_id, keyed";

/// A row as it was sealed, its stored seal, and whether that seal is keyed.
fn sealed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Link, String, bool)> {
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
    Ok((link, r.get(8)?, r.get(10)?))
}

fn verify_chain(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(&format!("SELECT {SEALED_COLUMNS} FROM audit_log ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    let (mut expected_prev, mut expected_id, mut count) = (GENESIS.to_owned(), 1i64, 0i64);
    while let Some(r) = rows.next()? {
        count += 1;
        let (link, stored_hash, keyed) = sealed_row(r)?;
        let broken =
            |reason: String| Verification { ok: false, rows: count, first_broken: Some(link.id), reason: Some(reason) };
        if link.id != expected_id {
            return Ok(broken(format!("row {expected_id} is missing")));
        }
        if link.prev != expected_prev {
            return Ok(broken("its link does not match the hash of the row before".into()));
        }
        if !keyed {
            return Ok(broken("it is not sealed with the key".into()));
        }
        if link.seal(conn, true)? != stored_hash {
            return Ok(broken(
                "its content does not match its seal (or the audit key is not the one it was sealed with)".into(),
            ));
        }
        expected_prev = stored_hash;
        expected_id = link.id + 1;
    }
    Ok(Verification { ok: true, rows: count, first_broken: None, reason: None })
}

/// Every history row written since rows were named in the audit log must be there, as its audit row
/// describes it. Returns the audit row (or, for a history row no audit row names, the history row's
/// id) and what is wrong.
fn verify_history(conn: &Connection) -> Result<Option<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.detail, a.action, a.claim_id, a.actor, a.at, h.id, h.action, h.claim_id, h.evidence_id,
                h.from_value, h.to_value, h.note, h.actor, h.at
         FROM audit_log a LEFT JOIN history h ON h.id = json_extract(a.detail, '$.history_id')
         WHERE json_extract(a.detail, '$.history_id') IS NOT NULL ORDER BY a.id",
    )?;
    let mut rows = stmt.query([])?;
    let mut first_named: Option<i64> = None;
    let mut named = 0i64;
    while let Some(r) = rows.next()? {
        let audit_id: i64 = r.get(0)?;
        let detail: Value = serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or(Value::Null);
        let history_id = detail["history_id"].as_i64().unwrap_or_default();
        first_named.get_or_insert(history_id);
        named += 1;
        if r.get::<_, Option<i64>>(6)?.is_none() {
            return Ok(Some((audit_id, format!("history row {history_id} is missing"))));
        }
        let json = |i: usize| -> rusqlite::Result<Value> {
            Ok(r.get::<_, Option<String>>(i)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null))
        };
        let same = r.get::<_, String>(2)? == r.get::<_, String>(7)?
            && r.get::<_, Option<i64>>(3)? == r.get::<_, Option<i64>>(8)?
            && r.get::<_, String>(4)? == r.get::<_, String>(13)?
            && r.get::<_, String>(5)? == r.get::<_, String>(14)?
            && detail["evidence_id"].as_i64() == r.get::<_, Option<i64>>(9)?
            && detail["from"] == json(10)?
            && detail["to"] == json(11)?
            && detail["note"].as_str() == r.get::<_, Option<String>>(12)?.as_deref();
        if !same {
            return Ok(Some((audit_id, format!("history row {history_id} differs from what the audit log recorded"))));
        }
    }
    let Some(first) = first_named else { return Ok(None) };
    let (total, last): (i64, i64) = conn
        .prepare("SELECT count(*), coalesce(max(id), 0) FROM history WHERE id >= ?1")?
        .query_row([first], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if total != named {
        return Ok(Some((last, format!("{} history rows are not in the audit log", total - named))));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit_key::AuditKey;
    use crate::store::migrations;

    fn key(byte: u8) -> AuditKey {
        AuditKey::from_hex(&hex::encode([byte; 32])).unwrap()
    }

    /// A database with ten audit rows, sealed with `key(1)`.
    fn logged() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations::apply(&mut conn).unwrap();
        key(1).register(&conn).unwrap();
        for i in 0..10 {
            append(&conn, &Actor::system("test"), "key.created", None, &format!("{{\"n\":{i}}}"), "2026-01-01")
                .unwrap();
        }
        conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
        conn
    }

    fn rows(conn: &Connection) -> Vec<Link> {
        let mut stmt = conn
            .prepare("SELECT id, at, actor, actor_role, action, claim_id, detail, prev_hash, actor_key_id FROM audit_log ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(Link {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                role: r.get(3)?,
                action: r.get(4)?,
                claim: r.get(5)?,
                detail: r.get(6)?,
                prev: r.get(7)?,
                key_id: r.get(8)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// What a thief holding the database but not the key can do: change a row, then seal the chain
    /// again from there, keyed with a key of their own or not keyed at all.
    fn reseal(conn: &Connection, keyed: bool) {
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 4", []).unwrap();
        let mut prev = GENESIS.to_owned();
        for mut link in rows(conn) {
            link.prev = prev;
            let hash = link.seal(conn, keyed).unwrap();
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?2, hash = ?3, keyed = ?4 WHERE id = ?1",
                params![link.id, link.prev, hash, keyed],
            )
            .unwrap();
            prev = hash;
        }
    }

    #[test]
    fn an_intact_chain_verifies_and_a_witnessed_head_stays_in_it() {
        let conn = logged();
        let head = head(&conn).unwrap();
        assert_eq!(head.0, 10);
        assert!(verify(&conn, Some(&head)).unwrap().ok);
        conn.execute("DELETE FROM audit_log WHERE id > 8", []).unwrap();
        assert!(verify(&conn, None).unwrap().ok, "a cut tail leaves a chain that holds by itself");
        let cut = verify(&conn, Some(&head)).unwrap();
        assert_eq!((cut.ok, cut.first_broken), (false, Some(10)), "but not the witness's head");
    }

    #[test]
    fn a_chain_resealed_with_another_key_does_not_verify() {
        let conn = logged();
        key(2).register(&conn).unwrap();
        reseal(&conn, true);
        key(1).register(&conn).unwrap();
        let found = verify(&conn, None).unwrap();
        assert_eq!((found.ok, found.first_broken), (false, Some(1)));
    }

    #[test]
    fn a_chain_resealed_without_a_key_does_not_verify() {
        let conn = logged();
        reseal(&conn, false);
        let found = verify(&conn, None).unwrap();
        assert_eq!((found.ok, found.first_broken), (false, Some(1)));
        assert!(found.reason.unwrap().contains("not sealed with the key"));
    }

    #[test]
    fn every_start_finds_the_unsealed_rows_by_an_index_not_a_scan_of_the_log() {
        let conn = logged();
        let plan: String = conn
            .query_row("EXPLAIN QUERY PLAN SELECT count(*) FROM audit_log WHERE keyed = 0", [], |r| r.get(3))
            .unwrap();
        assert!(plan.contains("audit_unkeyed"), "{plan}");
    }

    #[test]
    fn rows_from_before_the_key_are_sealed_once_and_only_if_they_verify() {
        let conn = logged();
        // As a database from before keys has them: plain SHA-256, unkeyed.
        let mut prev = GENESIS.to_owned();
        for mut link in rows(&conn) {
            link.prev = prev;
            let hash = link.seal(&conn, false).unwrap();
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?2, hash = ?3, keyed = 0 WHERE id = ?1",
                params![link.id, link.prev, hash],
            )
            .unwrap();
            prev = hash;
        }
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 4", []).unwrap();
        assert_eq!(seal_legacy(&conn).unwrap(), 0, "a changed legacy chain is not laundered");
        conn.execute("UPDATE audit_log SET actor = 'test' WHERE id = 4", []).unwrap();
        assert_eq!(seal_legacy(&conn).unwrap(), 10);
        assert!(verify(&conn, None).unwrap().ok);
    }
}
