//! API keys: created with a random secret that is shown once, stored only as a hash, and found again by
//! their visible prefix.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Actor, Error, Result, audit, now};
use crate::domain::access::Role;

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// What authentication needs of a key.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub row: KeyRow,
    pub hash: String,
}

impl KeyRow {
    /// Neither revoked nor expired. `now` is asked only of a key that expires: formatting the time took
    /// 4% of the CPU of a GET answered from the cache.
    pub fn usable(&self, now: impl FnOnce() -> String) -> bool {
        self.revoked_at.is_none() && self.expires_at.as_deref().is_none_or(|e| e > now().as_str())
    }
}

impl KeyRecord {
    /// Usable now, and `secret` is this key.
    pub fn accepts(&self, secret: &str, now: impl FnOnce() -> String) -> bool {
        self.row.usable(now) && constant_time_eq(hash_secret(secret).as_bytes(), self.hash.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The prefix of a key as sent: `cck_` and eight hex digits.
pub fn prefix_of(key: &str) -> Option<&str> {
    let prefix = key.get(..12)?;
    (prefix.starts_with("cck_") && prefix[4..].bytes().all(|b| b.is_ascii_hexdigit()) && key.get(12..13) == Some("_"))
        .then_some(prefix)
}

/// A new key: `cck_<8 hex>_<32 hex>`, 154 random bits.
fn generate() -> (String, String) {
    let prefix = format!("cck_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let key = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    (prefix, key)
}

const COLUMNS: &str = "id, name, role, prefix, created_at, expires_at, revoked_at, hash";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRecord> {
    let role: String = r.get(2)?;
    Ok(KeyRecord {
        row: KeyRow {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Submitter),
            prefix: r.get(3)?,
            created_at: r.get(4)?,
            expires_at: r.get(5)?,
            revoked_at: r.get(6)?,
        },
        hash: r.get(7)?,
    })
}

/// Creates a key; returns it with the secret, which is not stored and cannot be shown again.
pub fn create(
    conn: &Connection,
    name: &str,
    role: Role,
    expires_at: Option<&str>,
    actor: &Actor,
) -> Result<(KeyRow, String)> {
    let (prefix, key) = generate();
    let at = now();
    conn.prepare_cached(
        "INSERT INTO api_keys (name, role, prefix, hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![name, role.as_str(), prefix, hash_secret(&key), at, expires_at])?;
    let id = conn.last_insert_rowid();
    let detail = json!({"key_id": id, "name": name, "role": role, "prefix": prefix, "expires_at": expires_at});
    audit::append(conn, actor, "key.created", None, &detail.to_string(), &at)?;
    Ok((get(conn, id)?.row, key))
}

pub fn get(conn: &Connection, id: i64) -> Result<KeyRecord> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)
}

pub fn find_by_prefix(conn: &Connection, prefix: &str) -> Result<Option<KeyRecord>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE prefix = ?1"))?
        .query_row([prefix], from_row)
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<KeyRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.map(|r| r.map(|k| k.row)).collect::<rusqlite::Result<_>>()?)
}

/// Revokes a key, found by id or prefix. Revoking twice changes nothing.
pub fn revoke(conn: &Connection, id_or_prefix: &str, actor: &Actor) -> Result<KeyRow> {
    let record = match id_or_prefix.parse::<i64>() {
        Ok(id) => get(conn, id)?,
        Err(_) => find_by_prefix(conn, id_or_prefix)?.ok_or(Error::NotFound)?,
    };
    if record.row.revoked_at.is_some() {
        return Ok(record.row);
    }
    let at = now();
    conn.prepare_cached("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1")?.execute(params![record.row.id, at])?;
    conn.prepare_cached("DELETE FROM sessions WHERE key_id = ?1")?.execute([record.row.id])?;
    let detail = json!({"key_id": record.row.id, "name": record.row.name, "prefix": record.row.prefix});
    audit::append(conn, actor, "key.revoked", None, &detail.to_string(), &at)?;
    Ok(get(conn, record.row.id)?.row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_a_findable_prefix_and_are_checked_by_hash() {
        let (prefix, key) = generate();
        assert_eq!(prefix_of(&key), Some(prefix.as_str()));
        assert_eq!(key.len(), 45);
        assert_eq!(prefix_of("cck_zzzzzzzz_x"), None);
        assert_eq!(prefix_of("Bearer"), None);
        let record = KeyRecord {
            row: KeyRow {
                id: 1,
                name: "n".into(),
                role: Role::Admin,
                prefix,
                created_at: "t".into(),
                expires_at: Some("2030-01-01T00:00:00.000000Z".into()),
                revoked_at: None,
            },
            hash: hash_secret(&key),
        };
        assert!(record.accepts(&key, || "2029-01-01T00:00:00.000000Z".into()));
        assert!(!record.accepts(&key, || "2031-01-01T00:00:00.000000Z".into()), "expired");
        assert!(!record.accepts(&format!("{key}x"), || "2029-01-01T00:00:00.000000Z".into()));
    }
}
