//! Answers remembered under an `Idempotency-Key`, so that a retried request gets the first answer
//! instead of making a second change. Keys are scoped to their owner (the caller that sent them), and
//! the answer is opaque here: the interface that saved it knows how to replay it.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{Error, Result, now};

/// The key a caller sent, with whose it is and a fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct Key {
    pub owner: String,
    pub key: String,
    pub request_hash: String,
}

impl Key {
    /// `parts` identify the request (method, path, body...): the same key with other parts is refused.
    pub fn new(owner: &str, key: &str, parts: &[&[u8]]) -> Key {
        let mut h = Sha256::new();
        for part in parts {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        Key { owner: owner.to_owned(), key: key.to_owned(), request_hash: hex::encode(h.finalize()) }
    }
}

/// The saved answer for this key, or `IdempotencyMismatch` if the key came with another request.
pub fn replay(conn: &Connection, key: &Key) -> Result<Option<String>> {
    let found = conn
        .prepare_cached("SELECT request_hash, answer FROM idempotency_keys WHERE owner = ?1 AND key = ?2")?
        .query_row(params![key.owner, key.key], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    match found {
        Some((hash, _)) if hash != key.request_hash => Err(Error::IdempotencyMismatch),
        Some((_, answer)) => Ok(Some(answer)),
        None => Ok(None),
    }
}

pub fn save(conn: &Connection, key: &Key, answer: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (owner, key, request_hash, answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![key.owner, key.key, key.request_hash, answer, now()])?;
    Ok(())
}

/// Forgets answers saved before `before`; returns how many.
pub fn purge(conn: &Connection, before: &str) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_at < ?1")?.execute([before])?)
}
