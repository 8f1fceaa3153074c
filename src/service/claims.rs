//! Claims: submitting, reading, listing, editing, moving through the workflow, assigning; their
//! history, the claims they resemble, and their ClaimReview.

use serde_json::Value;

use super::error::missing;
use super::matching::{Match, SIMILAR_SHOWN};
use super::once::{self, Answer, Once};
use super::{Result, Service, require};
use crate::claimreview;
use crate::domain::access::{Action, Actor};
use crate::domain::claim::{ClaimInput, ClaimPatch};
use crate::domain::matching::index::Filter;
use crate::domain::version::Expected;
use crate::domain::workflow::{AssignInput, Status, TransitionInput};
use crate::store::claims::{self, ClaimDetail, ClaimRow, Move};
use crate::store::history::{self, HistoryRow};
use crate::store::listing::{self, Page, Request, Walked};
use crate::store::publications::{self, Reviewable};
use crate::store::{self, Error as StoreError};

/// A claim just submitted, with the claims it resembles.
pub struct Submitted {
    pub detail: ClaimDetail,
    pub similar: Vec<Match>,
}

/// Everything the admin page shows of one claim.
pub struct Dossier {
    pub detail: ClaimDetail,
    pub history: Vec<HistoryRow>,
    pub review: Option<Value>,
    /// The sources registered for the sites of its evidence.
    pub sources: Vec<crate::store::sources::SourceRow>,
    /// The claims it resembles (`similar_claims`); `None` when they could not be looked up.
    pub similar: Option<Vec<Match>>,
    /// Other fact-checkers' reviews an import merged into it (`service::merges`).
    pub merges: Vec<crate::store::merged_reviews::MergedRow>,
}

/// A claim of a page for a caller that keeps claims rendered: its copy, or the claim read and the token
/// its copy gave.
pub enum Listed<T, U> {
    Kept(T),
    Read(Box<ClaimRow>, U),
}

/// The listing as the actor may see it: anonymous readers, published claims only (`None`: nothing).
fn seen_by(actor: &Actor, mut request: Request) -> Option<Request> {
    if actor.is_public() {
        if request.filter.status.is_some_and(|s| s != Status::Published) {
            return None;
        }
        request.filter.status = Some(Status::Published);
    }
    Some(request)
}

/// Reads the claim, refusing as missing one the actor may not see.
pub(super) fn visible(conn: &rusqlite::Connection, id: i64, actor: &Actor) -> store::Result<ClaimRow> {
    let claim = claims::get(conn, id)?;
    shown_to(claim.status, actor)?;
    Ok(claim)
}

/// Refuses as missing a claim in `status` that the actor may not see.
fn shown_to(status: Status, actor: &Actor) -> store::Result<()> {
    match status.visible_to(actor) {
        true => Ok(()),
        false => Err(StoreError::NotFound),
    }
}

impl Service {
    pub async fn submit_claim(
        &self,
        actor: &Actor,
        input: &ClaimInput,
        once: Option<Once<Submitted>>,
    ) -> Result<Answer<Submitted>> {
        require(actor, Action::CreateClaims)?;
        let content = input.validate()?;
        let (text, language, matcher) = (content.text.clone(), content.language.clone(), self.matcher());
        // The claim being written may be found by the lookup beside its write: its own text is left out.
        let filter = Filter { except_own_text: true, ..Filter::default() };
        let lookup = async move {
            let lookup = self.lookup(text, language).await?;
            self.store.reader.read(move |conn| matcher.find(conn, &lookup, SIMILAR_SHOWN, filter)).await
        };
        let actor = actor.clone();
        let Some(once) = once else {
            // The lookup runs beside the write: the writer thread, which every write waits for, does no
            // searching, and the request waits for the slower of the two, not both.
            let write = self.store.writer.write(move |conn| claims::insert(conn, &content, None, &actor));
            let (similar, claim) = tokio::join!(lookup, write);
            let detail = ClaimDetail::new_claim(claim?);
            let similar = without(
                similar.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "similar claims could not be looked up");
                    Vec::new()
                }),
                detail.claim.id,
            );
            return Ok(Answer::Done(Submitted { detail, similar }, None));
        };
        // The saved answer must hold the similar claims, so with an idempotency key they come first.
        let similar = lookup.await?;
        let answer = self
            .store
            .writer
            .write(move |conn| {
                once::run(conn, &actor, Some(&once), |conn| {
                    let detail = ClaimDetail::new_claim(claims::insert(conn, &content, None, &actor)?);
                    let similar = without(similar, detail.claim.id);
                    Ok(Submitted { detail, similar })
                })
            })
            .await?;
        Ok(answer)
    }

    pub async fn claim(&self, actor: &Actor, id: i64) -> Result<ClaimDetail> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let public = actor.is_public();
        let read = move |conn: &_| {
            let detail = claims::detail(conn, id)?;
            shown_to(detail.claim.status, &actor)?;
            Ok(detail)
        };
        let detail = self.store.reader.read_quick(read).await.map_err(missing("claim", id))?;
        Ok(if public { super::public::detail(detail) } else { detail })
    }

    /// A page of claims; anonymous readers see published ones only.
    pub async fn list_claims(&self, actor: &Actor, request: Request) -> Result<Page> {
        require(actor, Action::ReadClaims)?;
        let Some(request) = seen_by(actor, request) else { return Ok(Page::default()) };
        // A search ranks in the matching index, beyond what a read's time limit in place can stop.
        if let Some(query) = request.filter.search.clone() {
            let matcher = self.matcher();
            let read = move |conn: &_| super::search::page(conn, &matcher, &request, &query);
            return Ok(self.store.reader.read(read).await?);
        }
        Ok(self.store.reader.read_quick(move |conn| listing::list(conn, &request)).await?)
    }

    /// A page of a listing (not a search) for a caller that keeps claims rendered: in the same read as the
    /// walk, `kept` is asked for each claim of the page, and gives its copy or else a token (the cache's
    /// ticket, which must date from before this call); the claims it has no copy of are read then.
    pub async fn list_claims_kept<T, U>(
        &self,
        actor: &Actor,
        request: Request,
        kept: impl Fn(i64) -> std::result::Result<T, U> + Send + 'static,
    ) -> Result<(Vec<Listed<T, U>>, Walked)>
    where
        T: Send + 'static,
        U: Send + 'static,
    {
        require(actor, Action::ReadClaims)?;
        let Some(request) = seen_by(actor, request) else { return Ok((Vec::new(), Walked::default())) };
        let actor = actor.clone();
        let read = move |conn: &_| {
            let walked = listing::walk(conn, &request)?;
            let copies: Vec<_> = walked.ids.iter().map(|&id| kept(id)).collect();
            let missing: Vec<i64> =
                walked.ids.iter().zip(&copies).filter(|(_, c)| c.is_err()).map(|(&id, _)| id).collect();
            let mut read =
                claims::get_many(conn, &missing)?.into_iter().filter(|c| c.status.visible_to(&actor)).peekable();
            let mut items = Vec::with_capacity(copies.len());
            for (&id, copy) in walked.ids.iter().zip(copies) {
                match copy {
                    Ok(copy) => items.push(Listed::Kept(copy)),
                    Err(token) => {
                        if let Some(claim) = read.next_if(|claim| claim.id == id) {
                            items.push(Listed::Read(Box::new(claim), token));
                        }
                    }
                }
            }
            Ok((items, walked))
        };
        Ok(self.store.reader.read_quick(read).await?)
    }

    /// Claims that say much the same as claim `id`, in other words.
    pub async fn similar_claims(&self, actor: &Actor, id: i64) -> Result<Vec<Match>> {
        require(actor, Action::ReadClaims)?;
        let seen_by = actor.clone();
        let claim = self
            .store
            .reader
            .read_quick(move |conn| visible(conn, id, &seen_by))
            .await
            .map_err(missing("claim", id))?;
        self.resembled(actor, id, claim.text, claim.language).await
    }

    /// The claims that claim `id`, reading `text` in `language`, resembles, as `actor` may see them.
    async fn resembled(&self, actor: &Actor, id: i64, text: String, language: Option<String>) -> Result<Vec<Match>> {
        let lookup = self.lookup(text, language).await?;
        let filter = Filter { published_only: actor.is_public(), except: Some(id), ..Filter::default() };
        let matcher = self.matcher();
        Ok(self.store.reader.read(move |conn| matcher.find(conn, &lookup, SIMILAR_SHOWN, filter)).await?)
    }

    pub async fn edit_claim(
        &self,
        actor: &Actor,
        id: i64,
        patch: ClaimPatch,
        expected: Expected,
    ) -> Result<ClaimDetail> {
        require(actor, Action::EditClaims)?;
        let actor = actor.clone();
        let write = move |conn: &_| claims::detail_of(conn, claims::update(conn, id, &patch, &expected, &actor)?);
        self.store.writer.write(write).await.map_err(missing("claim", id))
    }

    pub async fn transition(
        &self,
        actor: &Actor,
        id: i64,
        input: TransitionInput,
        expected: Option<Expected>,
    ) -> Result<ClaimDetail> {
        require(actor, Action::Transition)?;
        let texts = input.validate()?;
        let actor = actor.clone();
        let write = move |conn: &_| {
            let requested = Move {
                to: input.to,
                verdict: input.verdict,
                note: texts.note.as_deref(),
                rationale: texts.rationale.as_deref(),
                public_note: texts.public_note.as_deref(),
            };
            claims::detail_of(conn, claims::transition(conn, id, &requested, expected.as_ref(), &actor)?)
        };
        self.store.writer.write(write).await.map_err(missing("claim", id))
    }

    pub async fn assign(&self, actor: &Actor, id: i64, input: AssignInput) -> Result<ClaimDetail> {
        require(actor, Action::Assign)?;
        let (assignee, note) = input.validate()?;
        let actor = actor.clone();
        let write = move |conn: &_| {
            claims::detail_of(conn, claims::assign(conn, id, assignee.as_deref(), note.as_deref(), &actor)?)
        };
        self.store.writer.write(write).await.map_err(missing("claim", id))
    }

    /// A page of the claim's history, oldest first: the rows after `after`, at most `limit` (read
    /// with one more, the sign of a next page). Readers without a key see the public changes only.
    pub async fn history(&self, actor: &Actor, id: i64, after: i64, limit: usize) -> Result<Vec<HistoryRow>> {
        require(actor, Action::ReadClaims)?;
        let actor = actor.clone();
        let public = actor.is_public();
        let read = move |conn: &_| {
            visible(conn, id, &actor)?;
            let actions = public.then_some(&super::public::PUBLIC_ACTIONS[..]);
            history::for_claim(conn, id, &history::Slice { after, limit: limit + 1, actions })
        };
        let rows = self.store.reader.read(read).await.map_err(missing("claim", id))?;
        Ok(if public { super::public::history(rows) } else { rows })
    }

    /// The schema.org ClaimReview of a claim: its last published revision, or (for the desk) the
    /// verified claim as it would be published. Readers without a key see published revisions only.
    pub async fn claim_review(&self, actor: &Actor, id: i64) -> Result<Value> {
        require(actor, Action::ReadClaims)?;
        let desk = !actor.is_public();
        let read = move |conn: &_| {
            let claim = claims::get(conn, id)?;
            match publications::reviewable(conn, &claim, desk)? {
                None if !desk => Err(StoreError::NotFound),
                found => Ok(found),
            }
        };
        let reviewable = self.store.reader.read(read).await.map_err(missing("claim", id))?;
        reviewable.map(|r| claimreview::review(&r, &self.publisher)).ok_or(super::Error::NotReviewed(id))
    }

    /// A DataFeed of the newest published reviews, each as last published.
    pub async fn review_feed(&self, actor: &Actor) -> Result<Value> {
        require(actor, Action::ReadClaims)?;
        let read = |conn: &_| {
            let newest = publications::page(conn, None, 0, FEED_LIMIT)?;
            newest
                .into_iter()
                .take(FEED_LIMIT)
                .filter_map(|p| publications::fact_check(conn, p.claim_id).transpose())
                .map(|f| f.map(publications::FactCheck::reviewable))
                .collect::<store::Result<Vec<_>>>()
        };
        let published = self.store.reader.read(read).await?;
        let reviews = published.iter().map(|r| claimreview::review(r, &self.publisher)).collect();
        Ok(claimreview::feed(reviews, &self.publisher))
    }

    /// A claim with its history, review and the claims it resembles, for the admin page.
    pub async fn dossier(&self, actor: &Actor, id: i64) -> Result<Dossier> {
        require(actor, Action::ReadClaims)?;
        let seen_by = actor.clone();
        let read = move |conn: &_| {
            let claim = visible(conn, id, &seen_by)?;
            let reviewable = publications::reviewable(conn, &claim, true)?;
            let detail = claims::detail_of(conn, claim)?;
            let mut sites: Vec<String> = detail.evidence.iter().map(|e| e.site.clone()).collect();
            sites.sort();
            sites.dedup();
            let sources = crate::store::sources::for_sites(conn, &sites)?;
            let merges = crate::store::merged_reviews::for_claim(conn, id)?;
            Ok((detail, history::for_claim(conn, id, &history::Slice::ALL)?, reviewable, sources, merges))
        };
        let (detail, history, reviewable, sources, merges) =
            self.store.reader.read(read).await.map_err(missing("claim", id))?;
        let review = reviewable.map(|r| claimreview::review(&r, &self.publisher));
        let (text, language) = (detail.claim.text.clone(), detail.claim.language.clone());
        // The page is the claim's: it is shown without its similar claims rather than not at all.
        let similar = self.resembled(actor, id, text, language).await.inspect_err(|e| {
            tracing::warn!(error = %e, claim = id, "the claim page's similar claims could not be looked up");
        });
        Ok(Dossier { detail, history, review, sources, similar: similar.ok(), merges })
    }

    /// Every claim with its evidence, in pages by id, each with what its ClaimReview is made of, if it
    /// has one (for export).
    pub async fn claims_after(
        &self,
        actor: &Actor,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(ClaimDetail, Option<Reviewable>)>> {
        require(actor, Action::ReadClaims)?;
        let read = move |conn: &_| {
            let page = claims::page_after(conn, after, limit)?;
            page.into_iter()
                .map(|detail| {
                    let review = publications::reviewable(conn, &detail.claim, true)?;
                    Ok((detail, review))
                })
                .collect()
        };
        Ok(self.store.reader.read(read).await?)
    }

    pub async fn count_claims(&self) -> Result<i64> {
        Ok(self.store.reader.read(claims::count).await?)
    }
}

/// The feed holds the newest published reviews, up to this many.
const FEED_LIMIT: usize = 1000;

fn without(mut similar: Vec<Match>, id: i64) -> Vec<Match> {
    similar.retain(|s| s.ranked.id != id);
    similar.iter_mut().for_each(|s| s.ranked.duplicates.retain(|&d| d != id));
    similar.truncate(SIMILAR_SHOWN);
    similar
}
