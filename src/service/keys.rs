//! API keys: making, listing and revoking them, and finding the key a secret belongs to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::missing;
use super::{Result, Service, require};
use crate::domain::access::{Action, Actor, Role};
use crate::domain::validation::Violations;
use crate::store::keys::{self, KeyRecord, KeyRow};
use crate::store::now;

/// How long a looked-up key is trusted before it is read again (so a key revoked from another process,
/// such as the command line, stops working within this time; revoking here takes effect at once).
const KEY_TTL: Duration = Duration::from_secs(2);
/// Keys remembered at most; past it the memory starts afresh.
const REMEMBERED: usize = 10_000;

/// Keys by prefix, as last read.
#[derive(Default)]
pub struct KeyCache(Mutex<HashMap<String, (Instant, Option<KeyRecord>)>>);

impl KeyCache {
    fn get(&self, prefix: &str) -> Option<Option<KeyRecord>> {
        let keys = self.0.lock().ok()?;
        keys.get(prefix).filter(|(at, _)| at.elapsed() < KEY_TTL).map(|(_, record)| record.clone())
    }

    fn put(&self, prefix: &str, record: Option<KeyRecord>) {
        if let Ok(mut keys) = self.0.lock() {
            if keys.len() > REMEMBERED {
                keys.clear();
            }
            keys.insert(prefix.to_owned(), (Instant::now(), record));
        }
    }

    fn clear(&self) {
        if let Ok(mut keys) = self.0.lock() {
            keys.clear();
        }
    }
}

/// A key to make: who it is for and what it may do.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    #[schema(min_length = 1)]
    pub name: String,
    pub role: Role,
    /// RFC 3339; the key stops working then.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// Why a secret was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// It does not have the shape of a key.
    Malformed,
    /// No such key, or it is revoked or expired.
    Unknown,
}

impl Service {
    /// The actor a secret key stands for.
    pub async fn authenticate(&self, secret: &str) -> Result<Result<Actor, Rejected>> {
        let Some(prefix) = keys::prefix_of(secret) else { return Ok(Err(Rejected::Malformed)) };
        let record = match self.keys.get(prefix) {
            Some(record) => record,
            None => {
                let owned = prefix.to_owned();
                let record = self.store.reader.read(move |conn| keys::find_by_prefix(conn, &owned)).await?;
                self.keys.put(prefix, record.clone());
                record
            }
        };
        Ok(match record.filter(|r| r.accepts(secret, now)) {
            Some(r) => Ok(Actor::Key { id: r.row.id, name: r.row.name, role: r.row.role }),
            None => Err(Rejected::Unknown),
        })
    }

    /// Makes a key; returns it with its secret, which is shown only this once.
    pub async fn create_key(&self, actor: &Actor, input: &KeyInput) -> Result<(KeyRow, String)> {
        require(actor, Action::ManageKeys)?;
        let mut v = Violations::default();
        let name = v.name("name", &input.name, 100).unwrap_or_default();
        let expires_at = v.future_time("expires_at", input.expires_at.as_deref());
        v.into_result(())?;
        let (actor, role) = (actor.clone(), input.role);
        let write = move |conn: &_| keys::create(conn, &name, role, expires_at.as_deref(), &actor);
        Ok(self.store.writer.write(write).await?)
    }

    pub async fn keys(&self, actor: &Actor) -> Result<Vec<KeyRow>> {
        require(actor, Action::ManageKeys)?;
        Ok(self.store.reader.read(keys::list).await?)
    }

    /// Revokes a key, by id or prefix; it stops working at once, here and on the admin page.
    pub async fn revoke_key(&self, actor: &Actor, id_or_prefix: &str) -> Result<KeyRow> {
        require(actor, Action::ManageKeys)?;
        let (actor, which) = (actor.clone(), id_or_prefix.to_owned());
        let row = self.store.writer.write(move |conn| keys::revoke(conn, &which, &actor)).await;
        self.keys.clear();
        row.map_err(missing("key", id_or_prefix))
    }
}
