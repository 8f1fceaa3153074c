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

    pub async fn verify_audit(&self, actor: &Actor) -> Result<Verification> {
        require(actor, Action::ReadAudit)?;
        Ok(self.store.reader.read(audit::verify).await?)
    }
}
