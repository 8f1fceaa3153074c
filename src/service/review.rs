//! What reviewers work from: the queue of claims waiting for action, and the desk's figures.

use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::store::claims::ClaimRow;
use crate::store::review::{self, QueueFilter, Stats};

impl Service {
    /// Claims waiting for action, oldest first; `limit + 1` of them.
    pub async fn queue(&self, actor: &Actor, filter: QueueFilter, limit: usize) -> Result<Vec<ClaimRow>> {
        require(actor, Action::ReadQueue)?;
        Ok(self.store.reader.read(move |conn| review::queue(conn, &filter, limit)).await?)
    }

    /// The figures of the last `days` days.
    pub async fn stats(&self, actor: &Actor, days: u32) -> Result<Stats> {
        require(actor, Action::ReadQueue)?;
        let today = chrono::Utc::now().date_naive();
        Ok(self.store.reader.read(move |conn| review::stats(conn, days, today)).await?)
    }
}
