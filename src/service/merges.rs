//! The reviews an import merged into a claim (`service::imports`), and taking one back out. A merge is
//! made unseen, so the desk can undo it: a review split out becomes a claim of its own, as an import
//! without merging makes one, citing the review itself and every item it cites. What the merge
//! attached stops counting on the claim it was merged into; the merge's row stays, marked with the
//! claim the review became. A merge recorded before migration 016 kept only the review's wording: its
//! split makes a claim of that text alone, which waits for the desk, and takes nothing back.

use rusqlite::Connection;

use super::claims::visible;
use super::error::missing;
use super::imports::settle;
use super::once::{self, Answer, Once};
use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::claim::ClaimContent;
use crate::domain::import::{Split, SplitInput};
use crate::domain::validation::FieldError;
use crate::store::claims::{self, ClaimDetail};
use crate::store::merged_reviews::{self, MergedRow, SplitOut};
use crate::store::{self, evidence};

impl Service {
    /// Every review merged into the claim, split out since or not, in the order merged.
    pub async fn merges(&self, actor: &Actor, id: i64) -> Result<Vec<MergedRow>> {
        require(actor, Action::ReadMerges)?;
        let actor = actor.clone();
        let read = move |conn: &Connection| {
            visible(conn, id, &actor)?;
            merged_reviews::for_claim(conn, id)
        };
        self.store.reader.read(read).await.map_err(missing("claim", id))
    }

    /// Splits the review out of claim `id` into a claim of its own; answers that claim.
    pub async fn split_merge(
        &self,
        actor: &Actor,
        id: i64,
        input: &SplitInput,
        once: Option<Once<ClaimDetail>>,
    ) -> Result<Answer<ClaimDetail>> {
        require(actor, Action::EditClaims)?;
        let split = input.validate()?;
        let actor = actor.clone();
        let write =
            move |conn: &Connection| once::run(conn, &actor, once.as_ref(), |conn| split_out(conn, id, &split, &actor));
        let answer = self.store.writer.write(write).await.map_err(missing("claim", id))?;
        if matches!(answer, Answer::Done(..)) {
            self.link_wake.wake();
        }
        Ok(answer)
    }
}

/// Every check comes before the first write (`claims::insert`, which refuses a text already held).
fn split_out(conn: &Connection, id: i64, split: &Split, actor: &Actor) -> store::Result<ClaimDetail> {
    claims::get(conn, id)?;
    let merged = match merged_reviews::get(conn, id, &split.review)? {
        Some(MergedRow { split: Some(SplitOut { into, at }), .. }) => {
            return Err(not_merged(format!("review {} was split out into claim {into} at {at}", split.review)));
        }
        Some(merged) => merged,
        None => return Err(not_merged(format!("no review {} is merged into claim {id}", split.review))),
    };
    let claim = claims::insert(conn, &content_of(&merged), Some(&merged.external_id), actor)?;
    let live = cite_again(conn, merged.attached.iter().chain(&merged.held), claim.id, actor)?;
    for &evidence_id in &merged.attached {
        let why = format!("split out with review {} into claim {}", merged.external_id, claim.id);
        evidence::retract(conn, evidence_id, Some(&why), None, actor)?;
    }
    merged_reviews::mark_split(conn, &merged, claim.id, split.note.as_deref(), actor)?;
    // Without live evidence the claim cannot be verified: it waits for the desk, as a new claim does.
    if live > 0 {
        settle(conn, claim.id, &merged.reviewed(), &format!("imported ClaimReview, split out of claim {id}"), actor)?;
    }
    claims::detail(conn, claim.id)
}

/// Cites the items on claim `id` as they now stand (one the desk retracted is cited retracted, with
/// its note); answers how many are live.
fn cite_again<'a>(
    conn: &Connection,
    items: impl Iterator<Item = &'a i64>,
    id: i64,
    actor: &Actor,
) -> store::Result<usize> {
    let mut live = 0;
    for &evidence_id in items {
        let item = evidence::get(conn, evidence_id)?;
        let copy = match evidence::attach(conn, id, &item.cited_again(), None, actor) {
            Ok(copy) => copy,
            // Its URL is cited already (refused before any write): one item per URL, as on any claim.
            Err(store::Error::DuplicateEvidence(_)) => continue,
            Err(e) => return Err(e),
        };
        if item.retracted {
            evidence::retract(conn, copy.id, item.retraction_note.as_deref(), None, actor)?;
        } else {
            live += 1;
        }
    }
    Ok(live)
}

/// The claim as the review gave it; its wording alone for a merge made before the rest was kept.
fn content_of(merged: &MergedRow) -> ClaimContent {
    let kept = merged.content.as_ref().and_then(|input| input.validate().ok());
    kept.unwrap_or_else(|| ClaimContent {
        text: merged.text.clone(),
        claimant: None,
        appeared_in: None,
        tags: Vec::new(),
        language: None,
    })
}

fn not_merged(message: String) -> store::Error {
    store::Error::Invalid(vec![FieldError { field: "review".into(), rule: "merged", message }])
}
