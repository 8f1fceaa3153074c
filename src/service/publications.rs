//! The public fact-check pages' use cases: published fact-checks as readers see them (the last
//! published revision, whatever the desk is doing with the claim now), the index of them, their feed,
//! and the archived copies of the sources they cite.

use serde_json::Value;

use super::error::missing;
use super::{Error, Result, Service, require};
use crate::claimreview;
use crate::domain::access::{Action, Actor};
use crate::store::evidence::EvidenceRow;
use crate::store::links::{self, Snapshot, Which};
use crate::store::publications::{self, FactCheck, PublicationRow};
use crate::store::{self, Error as StoreError};

/// Fact-checks on a page of the index.
pub const PER_PAGE: usize = 20;
/// The index goes this many pages deep; search reaches further back.
pub const MAX_PAGE: usize = 500;
/// Entries in the Atom feed.
pub const FEED_ENTRIES: usize = 50;

/// A published fact-check with its ClaimReview.
pub struct PublicFactCheck {
    pub check: FactCheck,
    pub review: Value,
}

/// A page of the index of fact-checks.
pub struct Listing {
    pub items: Vec<PublicationRow>,
    /// A next page exists.
    pub more: bool,
}

/// The archived copy of a source as it was when it was cited.
pub struct CitedCopy {
    pub publication: PublicationRow,
    pub item: EvidenceRow,
    pub snapshot: Snapshot,
}

impl Service {
    /// The published fact-check of claim `id`, as last published.
    pub async fn fact_check(&self, actor: &Actor, id: i64) -> Result<PublicFactCheck> {
        require(actor, Action::ReadClaims)?;
        let read = move |conn: &_| publications::fact_check(conn, id)?.ok_or(StoreError::NotFound);
        let mut check = self.store.reader.read(read).await.map_err(missing("fact-check", id))?;
        check.evidence = check.evidence.into_iter().map(super::public::evidence).collect();
        let review = claimreview::review(&check.clone().reviewable(), &self.publisher);
        Ok(PublicFactCheck { check, review })
    }

    /// Page `page` (from 1) of the published fact-checks, newest first; with `words`, those whose claim
    /// has them all.
    pub async fn fact_checks(&self, actor: &Actor, words: Option<Vec<String>>, page: usize) -> Result<Listing> {
        require(actor, Action::ReadClaims)?;
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(Error::Absent(format!("the index has pages 1 to {MAX_PAGE}")));
        }
        let offset = (page - 1) * PER_PAGE;
        let read = move |conn: &_| publications::page(conn, words.as_deref(), offset, PER_PAGE);
        let mut items = self.store.reader.read(read).await?;
        let more = items.len() > PER_PAGE;
        items.truncate(PER_PAGE);
        Ok(Listing { items, more })
    }

    /// The newest published fact-checks, for the feed.
    pub async fn fact_check_feed(&self, actor: &Actor) -> Result<Vec<PublicationRow>> {
        require(actor, Action::ReadClaims)?;
        let mut items = self.store.reader.read(|conn| publications::page(conn, None, 0, FEED_ENTRIES)).await?;
        items.truncate(FEED_ENTRIES);
        Ok(items)
    }

    /// The archived copy, as cited, of source `evidence_id` of the fact-check of claim `id`: only of a
    /// source the published revision cites.
    pub async fn cited_copy(&self, actor: &Actor, id: i64, evidence_id: i64) -> Result<CitedCopy> {
        require(actor, Action::ReadClaims)?;
        let read = move |conn: &_| -> store::Result<Option<CitedCopy>> {
            let publication = publications::latest(conn, id)?.ok_or(StoreError::NotFound)?;
            if !publication.evidence_ids.contains(&evidence_id) {
                return Err(StoreError::NotFound);
            }
            let item = store::evidence::get(conn, evidence_id)?;
            let copy = links::snapshot(conn, evidence_id, Which::Cited, false)?;
            Ok(copy.map(|snapshot| CitedCopy { publication, item, snapshot }))
        };
        let found = self.store.reader.read(read).await.map_err(missing("source", evidence_id))?;
        let mut copy = found.ok_or_else(|| Error::Absent(format!("source {evidence_id} has no archived copy yet")))?;
        copy.item = super::public::evidence(copy.item);
        Ok(copy)
    }
}
