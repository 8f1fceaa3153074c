//! Idempotent writes: a change made under a caller's idempotency key is done once; a retry with the
//! same key and the same request gets the first answer back, and the same key with another request is
//! refused. The answer is saved in the change's own transaction, rendered by the interface that will
//! replay it (the service does not know what an answer looks like on the wire).

use rusqlite::Connection;

use crate::domain::access::Actor;
use crate::store::{self, idempotency};

/// An interface's idempotency key for one request.
pub struct Once<T> {
    pub key: String,
    /// What identifies the request (method, path, body...).
    pub request: Vec<Vec<u8>>,
    /// How the interface will want the answer again.
    pub render: fn(&T) -> Result<String, serde_json::Error>,
}

/// The outcome of an idempotent use case.
pub enum Answer<T> {
    /// Done now; with the saved rendering when a key was given.
    Done(T, Option<String>),
    /// Done before, under the same key: the first answer, as rendered then.
    Replayed(String),
}

impl<T> Once<T> {
    fn store_key(&self, actor: &Actor) -> idempotency::Key {
        let parts: Vec<&[u8]> = self.request.iter().map(Vec::as_slice).collect();
        idempotency::Key::new(&actor.owner(), &self.key, &parts)
    }
}

/// Runs `work` in the writer's transaction unless `once` was answered before; saves its answer.
pub(super) fn run<T>(
    conn: &Connection,
    actor: &Actor,
    once: Option<&Once<T>>,
    work: impl FnOnce(&Connection) -> store::Result<T>,
) -> store::Result<Answer<T>> {
    let Some(once) = once else { return Ok(Answer::Done(work(conn)?, None)) };
    let key = once.store_key(actor);
    if let Some(saved) = idempotency::replay(conn, &key)? {
        return Ok(Answer::Replayed(saved));
    }
    let value = work(conn)?;
    let saved = (once.render)(&value)?;
    idempotency::save(conn, &key, &saved)?;
    Ok(Answer::Done(value, Some(saved)))
}
