//! The reviews an import merged into a claim (`service::imports`), and taking one back out. A merge is
//! made unseen, so the desk can undo it: a review split out becomes the claim of its own that an
//! import without merging would have made, with the evidence the merge brought, which stops counting
//! on the claim it was merged into. The merge's row stays, marked with the claim it became.

use rusqlite::Connection;

use super::claims::visible;
use super::error::missing;
use super::imports::take_in;
use super::{Error, Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::claim::ClaimContent;
use crate::domain::evidence::NewEvidence;
use crate::domain::import::{Reviewed, Split, SplitInput};
use crate::store::claims::{self, ClaimDetail};
use crate::store::merged_reviews::{self, MergedRow};
use crate::store::{self, evidence};

impl Service {
    /// Every review merged into the claim, split out since or not, in the order merged.
    pub async fn merges(&self, actor: &Actor, id: i64) -> Result<Vec<MergedRow>> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let read = move |conn: &Connection| {
            visible(conn, id, &actor)?;
            merged_reviews::for_claim(conn, id)
        };
        self.store.reader.read(read).await.map_err(missing("claim", id))
    }

    /// Splits the review out of claim `id` into a claim of its own; returns that claim.
    pub async fn split_merge(&self, actor: &Actor, id: i64, input: &SplitInput) -> Result<ClaimDetail> {
        require(actor, Action::EditClaims)?;
        let split = input.validate()?;
        let actor = actor.clone();
        let write = move |conn: &Connection| split_out(conn, id, &split, &actor);
        let detail = self.store.writer.write(write).await.map_err(missing("claim", id))??;
        if !detail.evidence.is_empty() {
            self.link_wake.wake();
        }
        Ok(detail)
    }
}

fn split_out(conn: &Connection, id: i64, split: &Split, actor: &Actor) -> store::Result<Result<ClaimDetail>> {
    claims::get(conn, id)?;
    let merged = match merged_reviews::get(conn, id, &split.review)? {
        Some(MergedRow { split: Some((into, at)), .. }) => {
            return Ok(Err(Error::Absent(format!(
                "review {} was split out of claim {id} into claim {into} at {at}",
                split.review
            ))));
        }
        Some(merged) => merged,
        None => return Ok(Err(Error::Absent(format!("no review {} was merged into claim {id}", split.review)))),
    };
    // A merge made before the review's claim was kept has its wording alone.
    let content = merged.content.clone().unwrap_or_else(|| ClaimContent {
        text: merged.text.clone(),
        claimant: None,
        appeared_in: None,
        tags: Vec::new(),
        language: None,
    });
    // The same text as a claim held (a review merged because it was) is refused as that claim's
    // duplicate: one text is one claim.
    let claim = claims::insert(conn, &content, Some(&merged.external_id), actor)?;
    let note = format!("imported ClaimReview, split out of claim {id}");
    let mut items: Vec<NewEvidence> = Vec::new();
    for &evidence_id in &merged.evidence {
        let item = evidence::get(conn, evidence_id)?;
        items.push(item.cited_again());
        if !item.retracted {
            let why = format!("split out with review {} into claim {}", merged.external_id, claim.id);
            evidence::retract(conn, evidence_id, Some(&why), None, actor)?;
        }
    }
    merged_reviews::mark_split(conn, &merged, claim.id, split.note.as_deref(), actor)?;
    // Without evidence the claim cannot be verified: it waits for the desk as a new claim does.
    if !items.is_empty() {
        let reviewed =
            Reviewed { verdict: merged.verdict, rationale: merged.rationale.as_deref(), published: merged.published };
        take_in(conn, claim.id, &items, &reviewed, &note, actor)?;
    }
    Ok(Ok(claims::detail(conn, claim.id)?))
}
