//! Admin page sign-ins: a session per sign-in, bound to the key signed in with.

use super::{Result, Service};
use crate::domain::access::Actor;
use crate::store::sessions::{self, Session};

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
        let id = id.to_owned();
        let found = self.store.reader.read(move |conn| sessions::find(conn, &id)).await?;
        Ok(found.map(|Session { key, csrf }| SignedIn {
            actor: Actor::Key { id: key.id, name: key.name, role: key.role },
            csrf,
        }))
    }

    pub async fn end_session(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        Ok(self.store.writer.write(move |conn| sessions::delete(conn, &id)).await?)
    }
}
