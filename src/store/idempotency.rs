//! Responses remembered under an `Idempotency-Key`, so that a retried request gets the first answer
//! instead of making a second change.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{Error, Result, now};

/// A response as first sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: String,
}

/// The key a client sent, with a fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct Key {
    pub key: String,
    pub request_hash: String,
}

impl Key {
    pub fn new(key: &str, method: &str, path: &str, body: &[u8]) -> Key {
        let mut h = Sha256::new();
        for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
            h.update(part);
        }
        Key { key: key.to_owned(), request_hash: hex::encode(h.finalize()) }
    }
}

/// The saved response for this key, or `IdempotencyMismatch` if the key came with another request.
pub fn replay(conn: &Connection, key: &Key) -> Result<Option<Saved>> {
    let found = conn
        .prepare_cached("SELECT request_hash, status, location, etag, body FROM idempotency_keys WHERE key = ?1")?
        .query_row([&key.key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Saved { status: r.get(1)?, location: r.get(2)?, etag: r.get(3)?, body: r.get(4)? },
            ))
        })
        .optional()?;
    match found {
        Some((hash, _)) if hash != key.request_hash => Err(Error::IdempotencyMismatch),
        Some((_, saved)) => Ok(Some(saved)),
        None => Ok(None),
    }
}

pub fn save(conn: &Connection, key: &Key, saved: &Saved) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (key, request_hash, status, location, etag, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![key.key, key.request_hash, saved.status, saved.location, saved.etag, saved.body, now()])?;
    Ok(())
}
