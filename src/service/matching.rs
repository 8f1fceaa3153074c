//! The one matching engine behind everything that asks "have we seen this claim?": `POST /v1/match`,
//! the similar claims of a new claim and of a stored one. The index (`domain::matching::index`) is an
//! in-memory copy of the database: built from it on first use (or at start, `prepare_matching`), then
//! caught up before each lookup with the claims the writer reports changed. The writer only records
//! ids; reading and indexing them happens on the read pool, so lookups never hold the writer.

use std::sync::{Arc, Mutex, RwLock};

use rusqlite::Connection;

use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::matching::features::Weights;
use crate::domain::matching::index::{Candidate, Index};
use crate::domain::matching::{MatchInput, Thresholds, Tier};
use crate::domain::workflow::Status;
use crate::store::{self, matching};

/// Similar claims shown with a claim, at most.
pub const SIMILAR_SHOWN: usize = 10;
/// Claims read per statement while building the index.
const PAGE: usize = 5_000;

/// The index and what it has yet to catch up with.
#[derive(Default)]
pub struct Matcher {
    index: RwLock<Index>,
    /// Claims changed since the index last caught up (`None`: the index was never built).
    pending: Mutex<Option<Vec<i64>>>,
    /// One catch-up at a time, so none indexes an older read of a claim after a newer one.
    catching_up: Mutex<()>,
    pub thresholds: Thresholds,
}

/// A claim that matches, with why.
#[derive(Debug, Clone)]
pub struct Match {
    pub candidate: Candidate,
    pub tier: Tier,
}

impl Matcher {
    pub fn new(thresholds: Thresholds) -> Matcher {
        Matcher { thresholds, ..Matcher::default() }
    }

    /// Told by the writer which claims a commit group changed.
    pub fn changed(&self, ids: &[i64]) {
        if let Ok(mut pending) = self.pending.lock() {
            if let Some(pending) = pending.as_mut() {
                pending.extend_from_slice(ids);
            }
        }
    }

    /// Brings the index up to date with the database; builds it the first time.
    pub fn catch_up(&self, conn: &Connection) -> store::Result<()> {
        let _one = self.catching_up.lock().map_err(|_| store::Error::Internal("matching index poisoned".into()))?;
        let taken = self.pending.lock().map(|mut p| p.as_mut().map(std::mem::take)).ok().flatten();
        let ids = match taken {
            Some(ids) => ids,
            None => {
                // Changes from now on are recorded; those made while building are read again after.
                if let Ok(mut pending) = self.pending.lock() {
                    *pending = Some(Vec::new());
                }
                let mut index = Index::default();
                let mut last = 0;
                loop {
                    let page = matching::after(conn, last, PAGE)?;
                    let Some(end) = page.last().map(|e| e.id) else { break };
                    page.into_iter().for_each(|e| index.upsert(e));
                    last = end;
                }
                *self.write()? = index;
                return self.catch_up_pending(conn);
            }
        };
        self.apply(conn, ids)
    }

    fn catch_up_pending(&self, conn: &Connection) -> store::Result<()> {
        let ids = self.pending.lock().map(|mut p| p.as_mut().map(std::mem::take)).ok().flatten().unwrap_or_default();
        self.apply(conn, ids)
    }

    fn apply(&self, conn: &Connection, mut ids: Vec<i64>) -> store::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort_unstable();
        ids.dedup();
        let entries = matching::by_ids(conn, &ids)?;
        let mut index = self.write()?;
        for id in ids.iter().filter(|id| !entries.iter().any(|e| e.id == **id)) {
            index.remove(*id); // a claim whose insert was rolled back
        }
        entries.into_iter().for_each(|e| index.upsert(e));
        Ok(())
    }

    fn write(&self) -> store::Result<std::sync::RwLockWriteGuard<'_, Index>> {
        self.index.write().map_err(|_| store::Error::Internal("matching index poisoned".into()))
    }

    /// Catches up, then finds what `text` matches among the claims `keep` allows, best first, at
    /// most `limit`, down to the `related` tier.
    pub fn find(
        &self,
        conn: &Connection,
        text: &str,
        language: Option<&str>,
        limit: usize,
        keep: impl Fn(i64, &crate::domain::matching::index::Meta) -> bool,
    ) -> store::Result<Vec<Match>> {
        self.catch_up(conn)?;
        let index = self.index.read().map_err(|_| store::Error::Internal("matching index poisoned".into()))?;
        let found = index.search(text, language, limit, Weights::builtin(), keep);
        Ok(found
            .into_iter()
            .filter_map(|candidate| Some(Match { tier: self.thresholds.tier(candidate.score)?, candidate }))
            .collect())
    }
}

/// A new claim's lookup: what it matches among all claims (itself left out by the caller).
pub(super) fn similar_to_new(
    matcher: &Matcher,
    conn: &Connection,
    text: &str,
    language: Option<&str>,
) -> store::Result<Vec<Match>> {
    matcher.find(conn, text, language, SIMILAR_SHOWN + 1, |_, _| true)
}

impl Service {
    /// Builds the matching index now rather than at the first lookup.
    pub async fn prepare_matching(&self) -> Result<()> {
        let matcher = self.matcher.clone();
        Ok(self.store.reader.read(move |conn| matcher.catch_up(conn)).await?)
    }

    /// The claims `input.text` repeats or resembles, best first. Creates nothing.
    pub async fn match_claims(&self, actor: &Actor, input: MatchInput) -> Result<Vec<Match>> {
        require(actor, Action::ReadClaims)?;
        let limit = input.validate()?;
        let (matcher, public) = (self.matcher.clone(), actor.is_public());
        let read = move |conn: &Connection| {
            let keep =
                |_: i64, meta: &crate::domain::matching::index::Meta| !public || meta.status == Status::Published;
            matcher.find(conn, &input.text, input.language.as_deref(), limit, keep)
        };
        Ok(self.store.reader.read(read).await?)
    }

    /// The matching engine's tier thresholds.
    pub fn match_thresholds(&self) -> Thresholds {
        self.matcher.thresholds
    }
}

/// Shares the matcher with the writer's listener.
pub(super) fn listen(store: &crate::store::Store, matcher: &Arc<Matcher>) {
    let matcher = matcher.clone();
    store.claim_changes.listen(Arc::new(move |ids: &[i64]| matcher.changed(ids)));
}
