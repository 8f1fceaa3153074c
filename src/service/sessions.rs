//! Admin page sign-ins: a session per sign-in, bound to the key signed in with.

use std::time::Duration;

use super::{Result, Service};
use crate::domain::access::Actor;
use crate::store::sessions::{self, Session};
use crate::store::{after_now_minus, idempotency};

/// A session's last use is written down at most this often: reading a page is not a write each time.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// How long an idempotency key's answer is kept for retries.
const REPLAYS_KEPT: Duration = Duration::from_secs(24 * 3600);

/// A signed-in session: who, and the token its forms must carry.
pub struct SignedIn {
    pub actor: Actor,
    pub csrf: String,
}

impl Service {
    /// Starts a session for a key's actor; returns the session id for the cookie.
    pub async fn start_session(&self, actor: &Actor) -> Result<String> {
        let Some(key_id) = actor.key_id() else { return Err(super::Error::NeedsKey) };
        Ok(self.store.writer.write(move |conn| sessions::create(conn, key_id)).await?)
    }

    /// The live session with this id, if its key is still usable.
    pub async fn session(&self, id: &str) -> Result<Option<SignedIn>> {
        let (owned, idle_since) = (id.to_owned(), after_now_minus(self.session_idle));
        let found = self.store.reader.read(move |conn| sessions::find(conn, &owned, &idle_since)).await?;
        let Some(Session { key, csrf, last_seen_at }) = found else { return Ok(None) };
        // Often enough that a session in use never looks idle.
        if last_seen_at < after_now_minus(TOUCH_EVERY.min(self.session_idle / 4)) {
            let owned = id.to_owned();
            self.store.writer.write(move |conn| sessions::touch(conn, &owned)).await?;
        }
        Ok(Some(SignedIn { actor: Actor::Key { id: key.id, name: key.name, role: key.role }, csrf }))
    }

    /// Forgets what no longer serves: ended sessions, and idempotency answers past their time.
    /// Returns how many of each.
    pub async fn housekeeping(&self) -> Result<(usize, usize)> {
        let (idle_since, replays_since) = (after_now_minus(self.session_idle), after_now_minus(REPLAYS_KEPT));
        let write =
            move |conn: &_| Ok((sessions::purge(conn, &idle_since)?, idempotency::purge(conn, &replays_since)?));
        Ok(self.store.writer.write(write).await?)
    }

    pub async fn end_session(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        Ok(self.store.writer.write(move |conn| sessions::delete(conn, &id)).await?)
    }
}
