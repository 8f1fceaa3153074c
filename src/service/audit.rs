//! The audit log: reading it, and checking its chain.

use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::store::audit::{self, AuditRow, Filter, Verification};

impl Service {
    /// Rows matching the filter, newest first; `limit + 1` of them.
    pub async fn audit_log(&self, actor: &Actor, filter: Filter, limit: usize) -> Result<Vec<AuditRow>> {
        require(actor, Action::ReadAudit)?;
        Ok(self.store.reader.read(move |conn| audit::list(conn, &filter, limit)).await?)
    }

    /// Walks the chain and checks the history against it; with `witnessed` (a head as `audit_head`
    /// gave it), also that the witnessed head is still there.
    pub async fn verify_audit(&self, actor: &Actor, witnessed: Option<(i64, String)>) -> Result<Verification> {
        require(actor, Action::ReadAudit)?;
        Ok(self.store.reader.read(move |conn| audit::verify(conn, witnessed.as_ref())).await?)
    }

    /// The number of rows and the last one's hash, for a witness to write down.
    pub async fn audit_head(&self, actor: &Actor) -> Result<(i64, String)> {
        require(actor, Action::ReadAudit)?;
        Ok(self.store.reader.read(audit::head).await?)
    }
}

/// A witnessed head as `claimcheck audit head` prints it: `ROW:HASH`.
pub fn parse_head(text: &str) -> Option<(i64, String)> {
    let (row, hash) = text.trim().split_once(':')?;
    let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    Some((row.parse().ok().filter(|r| *r > 0)?, hash.to_ascii_lowercase())).filter(|_| valid)
}
