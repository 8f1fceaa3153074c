//! Admin page sign-ins. The browser holds a random session id in a cookie; the database holds only its
//! hash, the key it belongs to, the token that forms must carry (CSRF), and when it was last used.

use rusqlite::{Connection, OptionalExtension, params};

use super::keys::{self, KeyRow, hash_secret};
use super::{Result, now};

/// Sign-ins last a working day at most.
const HOURS: i64 = 12;

pub struct Session {
    pub key: KeyRow,
    pub csrf: String,
    pub last_seen_at: String,
}

fn token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Starts a session for a key; returns the id to put in the cookie.
pub fn create(conn: &Connection, key_id: i64) -> Result<String> {
    let id = token();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(HOURS)).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let at = now();
    conn.prepare_cached(
        "INSERT INTO sessions (id_hash, key_id, csrf_token, created_at, expires_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
    )?
    .execute(params![hash_secret(&id), key_id, token(), at, expires])?;
    Ok(id)
}

/// The live session with this id: not expired, used since `idle_since`, and its key still usable.
pub fn find(conn: &Connection, id: &str, idle_since: &str) -> Result<Option<Session>> {
    let found = conn
        .prepare_cached(
            "SELECT key_id, csrf_token, last_seen_at FROM sessions
             WHERE id_hash = ?1 AND expires_at > ?2 AND last_seen_at > ?3",
        )?
        .query_row(params![hash_secret(id), now(), idle_since], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .optional()?;
    let Some((key_id, csrf, last_seen_at)) = found else { return Ok(None) };
    let key = keys::get(conn, key_id)?.row;
    Ok(key.usable(now).then_some(Session { key, csrf, last_seen_at }))
}

/// Notes that the session was used now.
pub fn touch(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1")?
        .execute(params![hash_secret(id), now()])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id_hash = ?1")?.execute([hash_secret(id)])?;
    Ok(())
}

/// Removes sessions that have ended, by age or by idleness; returns how many.
pub fn purge(conn: &Connection, idle_since: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2")?
        .execute(params![now(), idle_since])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Actor, Role};

    #[test]
    fn ended_and_idle_sessions_and_old_replays_are_purged() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::apply(&mut conn).unwrap();
        crate::store::audit_key::AuditKey::from_hex(&"11".repeat(32)).unwrap().register(&conn).unwrap();
        let (key, _) = keys::create(&conn, "desk", Role::Reviewer, None, &Actor::system("test")).unwrap();
        let (fresh, idle) = (create(&conn, key.id).unwrap(), create(&conn, key.id).unwrap());
        conn.execute("UPDATE sessions SET last_seen_at = '2020-01-01' WHERE id_hash = ?1", [hash_secret(&idle)])
            .unwrap();
        let cutoff = "2025-01-01";
        assert!(find(&conn, &idle, cutoff).unwrap().is_none(), "idle: no longer signed in");
        assert_eq!(purge(&conn, cutoff).unwrap(), 1);
        assert!(find(&conn, &fresh, cutoff).unwrap().is_some());

        let replay = crate::store::idempotency::Key::new("key:1", "k", &[b"POST"]);
        crate::store::idempotency::save(&conn, &replay, "{}").unwrap();
        assert_eq!(crate::store::idempotency::purge(&conn, "2000-01-01").unwrap(), 0);
        assert_eq!(crate::store::idempotency::purge(&conn, "9999-01-01").unwrap(), 1);
    }
}
