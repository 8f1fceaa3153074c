//! Evidence: attaching, reading, editing, retracting; its archived snapshots and link checks.

use super::error::missing;
use super::once::{self, Answer, Once};
use super::{Error, Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::evidence::{EvidenceInput, EvidencePatch};
use crate::domain::linkcheck::LinkState;
use crate::domain::validation::Violations;
use crate::domain::version::Expected;
use crate::domain::workflow::NOTE_MAX;
use crate::fetch::archive::gunzip;
use crate::store::evidence::{self, EvidenceRow};
use crate::store::links::{self, Checks, Snapshot, Which};
use crate::store::{Error as StoreError, now};

/// A snapshot of an item's page, with the item's check bookkeeping.
pub struct Archived {
    pub snapshot: Snapshot,
    pub checks: Option<Checks>,
}

/// An item with its page as cited and as it is now, to read side by side.
pub struct Compared {
    pub item: EvidenceRow,
    pub cited: Option<Snapshot>,
    pub current: Option<Snapshot>,
}

/// The bytes of a page as archived, with what they are.
pub struct Original {
    pub content_type: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl Service {
    /// Attaches evidence; its link is fetched and archived in the background, starting now.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        claim_id: i64,
        input: &EvidenceInput,
        expected: Option<Expected>,
        once: Option<Once<EvidenceRow>>,
    ) -> Result<Answer<EvidenceRow>> {
        require(actor, Action::AttachEvidence)?;
        let item = input.validate()?;
        let actor = actor.clone();
        let write = move |conn: &_| {
            once::run(conn, &actor, once.as_ref(), |conn| {
                evidence::attach(conn, claim_id, &item, expected.as_ref(), &actor)
            })
        };
        let answer = self.store.writer.write(write).await.map_err(missing("claim", claim_id))?;
        if matches!(answer, Answer::Done(..)) {
            self.link_wake.wake();
        }
        Ok(answer)
    }

    pub async fn evidence(&self, actor: &Actor, id: i64) -> Result<EvidenceRow> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let public = actor.is_public();
        let read = move |conn: &_| {
            let row = evidence::get(conn, id)?;
            super::claims::visible(conn, row.claim_id, &actor)?;
            Ok(row)
        };
        let row = self.store.reader.read(read).await.map_err(missing("evidence", id))?;
        Ok(if public { super::public::evidence(row) } else { row })
    }

    pub async fn claim_evidence(&self, actor: &Actor, claim_id: i64) -> Result<Vec<EvidenceRow>> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let public = actor.is_public();
        let read = move |conn: &_| {
            super::claims::visible(conn, claim_id, &actor)?;
            evidence::for_claim(conn, claim_id)
        };
        let items = self.store.reader.read(read).await.map_err(missing("claim", claim_id))?;
        Ok(if public { items.into_iter().map(super::public::evidence).collect() } else { items })
    }

    pub async fn edit_evidence(
        &self,
        actor: &Actor,
        id: i64,
        patch: EvidencePatch,
        expected: Option<Expected>,
    ) -> Result<EvidenceRow> {
        require(actor, Action::EditEvidence)?;
        let actor = actor.clone();
        let write = move |conn: &_| evidence::update(conn, id, &patch, expected.as_ref(), &actor);
        self.store.writer.write(write).await.map_err(missing("evidence", id))
    }

    /// Takes an item out of the count; it stays, with its history and the note saying why.
    pub async fn retract_evidence(
        &self,
        actor: &Actor,
        id: i64,
        note: Option<&str>,
        expected: Option<Expected>,
    ) -> Result<EvidenceRow> {
        require(actor, Action::EditEvidence)?;
        let mut v = Violations::default();
        let note = v.optional_text("note", note, NOTE_MAX);
        v.into_result(())?;
        let actor = actor.clone();
        let write = move |conn: &_| evidence::retract(conn, id, note.as_deref(), expected.as_ref(), &actor);
        self.store.writer.write(write).await.map_err(missing("evidence", id))
    }

    /// Checks the item's link again as soon as a fetch slot is free; returns when it is due.
    pub async fn check_link(&self, actor: &Actor, id: i64) -> Result<String> {
        require(actor, Action::EditEvidence)?;
        let at = now();
        let due = at.clone();
        let write = move |conn: &_| {
            if evidence::get(conn, id)?.retracted {
                return Err(StoreError::Retracted(id));
            }
            links::check_now(conn, id, &at)
        };
        self.store.writer.write(write).await.map_err(missing("evidence", id))?;
        self.link_wake.wake();
        Ok(due)
    }

    /// Evidence whose links are in one of `states`, by id after `after`; `limit + 1` of them.
    pub async fn links_in_states(
        &self,
        actor: &Actor,
        states: Vec<LinkState>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<EvidenceRow>> {
        require(actor, Action::ReadQueue)?;
        let read = move |conn: &_| {
            let ids = links::in_states(conn, &states, after, limit + 1)?;
            ids.into_iter().map(|id| evidence::get(conn, id)).collect::<Result<Vec<_>, _>>()
        };
        Ok(self.store.reader.read(read).await?)
    }

    /// A snapshot of the item's page: as cited, or as it is now.
    pub async fn snapshot(&self, actor: &Actor, id: i64, which: Which, with_body: bool) -> Result<Archived> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let read = move |conn: &_| {
            let item = evidence::get(conn, id)?;
            super::claims::visible(conn, item.claim_id, &actor)?;
            Ok((item, links::snapshot(conn, id, which, with_body)?, links::bookkeeping(conn, id)?))
        };
        match self.store.reader.read(read).await.map_err(missing("evidence", id))? {
            (_, Some(snapshot), checks) => Ok(Archived { snapshot, checks }),
            (item, None, _) => {
                let link = item.fetch.map_or("not checked", |f| f.state.as_str());
                Err(Error::Absent(format!("evidence {id} has no snapshot yet: its link is {link}")))
            }
        }
    }

    /// An item with both its snapshots (either may not exist yet), without their bytes.
    pub async fn compare_snapshots(&self, actor: &Actor, id: i64) -> Result<Compared> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let read = move |conn: &_| {
            let item = evidence::get(conn, id)?;
            super::claims::visible(conn, item.claim_id, &actor)?;
            let cited = links::snapshot(conn, id, Which::Cited, false)?;
            let current = links::snapshot(conn, id, Which::Current, false)?;
            Ok(Compared { item, cited, current })
        };
        self.store.reader.read(read).await.map_err(missing("evidence", id))
    }

    /// The archived bytes of a snapshot.
    pub async fn original(&self, actor: &Actor, id: i64, which: Which) -> Result<Original> {
        let Archived { snapshot, .. } = self.snapshot(actor, id, which, true).await?;
        let Some(gzipped) = snapshot.body else {
            let kind = snapshot.meta.content_type.as_deref().unwrap_or("no content type");
            return Err(Error::Absent(format!("the original bytes of this snapshot are not archived ({kind})")));
        };
        let bytes = tokio::task::spawn_blocking(move || gunzip(&gzipped))
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?
            .map_err(|e| StoreError::Internal(format!("archived body of evidence {id}: {e}")))?;
        Ok(Original { content_type: snapshot.meta.content_type, sha256: snapshot.meta.sha256, bytes })
    }
}
