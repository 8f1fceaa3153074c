//! Admin page sign-ins. The browser holds a random session id in a cookie; the database holds only its
//! hash, the key it belongs to, and the token that forms must carry (CSRF).

use rusqlite::{Connection, OptionalExtension, params};

use super::keys::{self, KeyRow, hash_secret};
use super::{Result, now};

/// Sign-ins last a working day.
const HOURS: i64 = 12;

pub struct Session {
    pub key: KeyRow,
    pub csrf: String,
}

fn token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Starts a session for a key; returns the id to put in the cookie.
pub fn create(conn: &Connection, key_id: i64) -> Result<String> {
    let id = token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(HOURS)).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    conn.prepare_cached(
        "INSERT INTO sessions (id_hash, key_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![hash_secret(&id), key_id, token(), now(), expires])?;
    Ok(id)
}

/// The live session with this id, if its key is still usable.
pub fn find(conn: &Connection, id: &str) -> Result<Option<Session>> {
    let found = conn
        .prepare_cached("SELECT key_id, csrf_token FROM sessions WHERE id_hash = ?1 AND expires_at > ?2")?
        .query_row(params![hash_secret(id), now()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    let Some((key_id, csrf)) = found else { return Ok(None) };
    let key = keys::get(conn, key_id)?.row;
    Ok(key.usable(&now()).then_some(Session { key, csrf }))
}

pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id_hash = ?1")?.execute([hash_secret(id)])?;
    Ok(())
}
