//! Importing claims: from claims files (the seed among them), and other fact-checkers' ClaimReviews.
//! Imports are idempotent: a claim already imported (same source and key) or already present (same
//! normalized text) is skipped, so importing twice changes nothing.
//!
//! Each ClaimReview becomes a verified claim (published, when the review says it is) with its
//! rationale (`reviewBody`), tags (`keywords`) and evidence: the sources it cites, else the review
//! itself (cited at its URL, leaning the way its rating does), so every imported verdict has a source and
//! a history like any other. Importing the same review again changes nothing, unless its rating
//! changed: then the claim is reopened and verified (and published) again with the new verdict.
//! A review that repeats a claim we already hold, as the matching engine finds it and surely enough to
//! act on unseen (`domain::import::merges_into`), is merged instead: the review and the sources it
//! cites become that claim's evidence, its wording one more the claim is found by, and the claim's own
//! verdict and status stay the desk's.
//! A review that cannot be imported is named by its position in the document (`dataFeedElement[3]`).

use rusqlite::Connection;
use serde_json::Value;

use super::matching::Lookup;
use super::{Error, Result, Service, require};
use crate::claimreview::read::{ForeignReview, reviews};
use crate::domain::access::{Action, Actor};
use crate::domain::claim::ClaimContent;
use crate::domain::evidence::{EvidenceInput, NewEvidence, Stance};
use crate::domain::import::{Merged, Rejection, Reviewed, Summary, Wording, merges_into};
use crate::domain::matching::index::Filter;
use crate::domain::matching::text::analyze;
use crate::domain::normalize::normalize_text;
use crate::domain::validation::FieldError;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::claims::{self, Move};
use crate::store::merged_reviews::{self, NewMerge};
use crate::store::{self, evidence};

/// Reviews written per transaction, at most.
const BATCH: usize = 200;

/// What happened to one review.
enum Done {
    Created,
    Updated,
    Merged { claim_id: i64, score: f64 },
    Skipped,
}

/// The claim a review repeats, its text when the review was looked up, and the match's score.
#[derive(Debug, Clone)]
struct Repeat {
    claim_id: i64,
    text: String,
    score: f64,
}

impl Service {
    /// Imports claims, each under its key in its source (`external_id`), in one transaction; returns
    /// how many were created and how many skipped.
    pub async fn import_claims(&self, actor: &Actor, claims: Vec<(String, ClaimContent)>) -> Result<(usize, usize)> {
        require(actor, Action::Import)?;
        let actor = actor.clone();
        let write = move |conn: &Connection| {
            let (mut created, mut skipped) = (0, 0);
            for (external_id, content) in &claims {
                if claims::find_external(conn, external_id)?.is_some() {
                    skipped += 1;
                    continue;
                }
                match claims::insert(conn, content, Some(external_id), &actor) {
                    Ok(_) => created += 1,
                    Err(store::Error::DuplicateClaim(_)) => skipped += 1,
                    Err(e) => return Err(e),
                }
            }
            Ok((created, skipped))
        };
        Ok(self.store.writer.write(write).await?)
    }

    /// Imports every ClaimReview in `document`; `name` says where it came from in rejections, and
    /// `progress` hears how many of how many are done. Without `merge`, a review that repeats a claim
    /// we hold becomes a claim of its own, as when another desk's archive is loaded as it stands.
    pub async fn import_reviews(
        &self,
        actor: &Actor,
        name: &str,
        document: &Value,
        merge: bool,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Summary> {
        require(actor, Action::Import)?;
        let found = reviews(document, &self.ratings).map_err(|e| not_claimreview(format!("{name}: {e}")))?;
        let mut summary = Summary::default();
        let mut ready = Vec::new();
        for found in found {
            let position = Some(found.position).filter(|p| !p.is_empty());
            match found.review.and_then(|r| checked(r, position.clone())) {
                Ok(ok) => ready.push(ok),
                Err(reason) => summary.rejected.push(Rejection { source: name.to_owned(), position, reason }),
            }
        }
        let total = ready.len() as u64;
        let mut done_so_far = 0;
        let sizes = if merge {
            // Analysis takes tens of microseconds a review: thousands of them are not for an async worker.
            let texts: Vec<_> = ready.iter().map(|r| (r.content.text.clone(), r.content.language.clone())).collect();
            tokio::task::spawn_blocking(move || batches(&texts))
                .await
                .map_err(|e| Error::Store(store::Error::Internal(format!("import batches: {e}"))))?
        } else {
            ready.chunks(BATCH).map(<[Ready]>::len).collect()
        };
        let mut rest = ready.as_slice();
        for size in sizes {
            let (chunk, after) = rest.split_at(size);
            rest = after;
            // Looked up before the write, on the read pool: the writer never waits for a lookup.
            let repeats = if merge { self.repeats(chunk).await? } else { vec![None; chunk.len()] };
            let (batch, actor) = (chunk.to_vec(), actor.clone());
            let write = move |conn: &Connection| {
                let each = batch.iter().zip(&repeats);
                each.map(|(r, repeat)| write(conn, r, repeat.as_ref(), merge, &actor)).collect::<Result<Vec<_>, _>>()
            };
            let done = self.store.writer.write(write).await?;
            for (outcome, review) in done.iter().zip(chunk) {
                match outcome {
                    Ok(Done::Created) => summary.created += 1,
                    Ok(Done::Updated) => summary.updated += 1,
                    Ok(Done::Merged { claim_id, score }) => {
                        summary.merged += 1;
                        let (source, position) = (review.external_id.clone(), review.position.clone());
                        summary.merges.push(Merged { source, position, claim_id: *claim_id, score: *score });
                    }
                    Ok(Done::Skipped) => summary.skipped += 1,
                    Err(reason) => summary.rejected.push(Rejection {
                        source: review.external_id.clone(),
                        position: review.position.clone(),
                        reason: reason.clone(),
                    }),
                }
            }
            done_so_far += done.len() as u64;
            progress(done_so_far, total);
        }
        if summary.created + summary.merged > 0 {
            self.link_wake.wake();
        }
        Ok(summary)
    }

    /// The claim each review repeats, where it is sure enough to merge (`import::merges_into`); `None`
    /// for a review imported or merged before (the writer updates or skips it) and for one that
    /// repeats nothing. Only the reviews not known yet are read for a lookup: with the transformer,
    /// that is milliseconds each.
    async fn repeats(&self, chunk: &[Ready]) -> Result<Vec<Option<Repeat>>> {
        let keys: Vec<String> = chunk.iter().map(|r| r.external_id.clone()).collect();
        let read =
            move |conn: &Connection| keys.iter().map(|key| known(conn, key)).collect::<store::Result<Vec<bool>>>();
        let before = self.store.reader.read(read).await?;
        let new: Vec<&Ready> = chunk.iter().zip(&before).filter(|(_, before)| !**before).map(|(r, _)| r).collect();
        let texts = new.iter().map(|r| (r.content.text.clone(), r.content.language.clone())).collect();
        let normalized: Vec<String> = new.iter().map(|r| r.content.normalized()).collect();
        let lookups = self.lookups(texts).await?;
        let matcher = self.matcher();
        let read = move |conn: &Connection| {
            let repeat = |(lookup, normalized): (&Lookup, &String)| -> store::Result<Option<Repeat>> {
                let best = matcher.find(conn, lookup, 1, Filter::default())?.into_iter().next();
                let repeated = best
                    .filter(|m| merges_into(m.tier, m.claim.status, lookup.analysis(), &m.claim.fields.analyze_text()));
                Ok(repeated.map(|m| {
                    // A text already held is merged outright, found by the lookup or refused at the write.
                    let same_text = normalize_text(&m.claim.fields.text) == *normalized;
                    let score = if same_text { 1.0 } else { m.ranked.score };
                    Repeat { claim_id: m.ranked.id, text: m.claim.fields.text, score }
                }))
            };
            lookups.iter().zip(&normalized).map(repeat).collect::<store::Result<Vec<_>>>()
        };
        let mut found = self.store.reader.read(read).await?.into_iter();
        Ok(before.into_iter().map(|before| if before { None } else { found.next().flatten() }).collect())
    }
}

/// The sizes of the batches the reviews are written in: at most `BATCH`, each ending before a review
/// whose words are those of one earlier in it (`Wording::alike`). That one's claim is then written
/// before the review is looked up, which finds it as it would any claim held. The same text does not
/// end a batch: the write finds it (`write`), so a feed that repeats a review many times is not
/// written one review a transaction.
fn batches(texts: &[(String, Option<String>)]) -> Vec<usize> {
    let words: Vec<(Wording, String)> = texts
        .iter()
        .map(|(text, language)| (Wording::of(&analyze(text, language.as_deref())), normalize_text(text)))
        .collect();
    let alike_not_same = |(wording, normalized): &(Wording, String), (other, other_normalized): &(Wording, String)| {
        normalized != other_normalized && wording.alike(other)
    };
    let mut sizes = Vec::new();
    let mut start = 0;
    for (i, review) in words.iter().enumerate() {
        if i - start == BATCH || words[start..i].iter().any(|earlier| alike_not_same(review, earlier)) {
            sizes.push(i - start);
            start = i;
        }
    }
    if start < texts.len() {
        sizes.push(texts.len() - start);
    }
    sizes
}

/// Whether the review was imported or merged before.
fn known(conn: &Connection, key: &str) -> store::Result<bool> {
    Ok(claims::find_external(conn, key)?.is_some() || merged_reviews::find(conn, key)?.is_some())
}

/// The document is not ClaimReview at all.
fn not_claimreview(message: String) -> Error {
    Error::Invalid(vec![FieldError { field: "body".into(), rule: "claimreview", message }])
}

/// A review that can be imported: it has a valid claim, a verdict and a URL to cite.
#[derive(Debug, Clone)]
struct Ready {
    external_id: String,
    position: Option<String>,
    review: ForeignReview,
    content: ClaimContent,
    verdict: Verdict,
    url: String,
}

impl Ready {
    fn reviewed(&self) -> Reviewed<'_> {
        Reviewed {
            verdict: self.verdict,
            rationale: self.review.rationale.as_deref(),
            published: self.review.published,
        }
    }
}

fn checked(review: ForeignReview, position: Option<String>) -> Result<Ready, String> {
    let verdict = review.verdict.clone()?;
    let url = review.url.clone().ok_or("url is missing: the review cannot be cited as evidence")?;
    let content = review.claim.validate().map_err(|errors| reasons(&errors))?;
    Ok(Ready { external_id: review.external_id.clone(), position, review, content, verdict, url })
}

fn reasons(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
}

/// Writes one review, merged into the claim it repeats if `repeat`, or if `merge` and its text is one
/// already held; its own problems come back as a reason, store failures as errors.
fn write(
    conn: &Connection,
    r: &Ready,
    repeat: Option<&Repeat>,
    merge: bool,
    actor: &Actor,
) -> store::Result<Result<Done, String>> {
    if let Some(id) = claims::find_external(conn, &r.external_id)? {
        let claim = claims::get(conn, id)?;
        if claim.verdict == Some(r.verdict) || !matches!(claim.status, Status::Verified | Status::Published) {
            return Ok(Ok(Done::Skipped));
        }
        let note = Some("re-imported: the review's rating changed");
        let publish = claim.status == Status::Published || r.review.published;
        claims::transition(conn, id, &Move { note, ..Move::to(Status::InReview) }, None, actor)?;
        verify(conn, id, &Reviewed { published: publish, ..r.reviewed() }, note, actor)?;
        return Ok(Ok(Done::Updated));
    }
    if merged_reviews::find(conn, &r.external_id)?.is_some() {
        // The claim it repeats is ours to judge: a later rating of the review is not taken.
        return Ok(Ok(Done::Skipped));
    }
    if let Some(repeat) = repeat {
        // The desk may have rejected or reworded the claim since the lookup: then it is not merged into.
        let claim = claims::get(conn, repeat.claim_id)?;
        if claim.status != Status::Rejected && claim.text == repeat.text {
            return merge_into(conn, r, repeat.claim_id, repeat.score, actor);
        }
    }
    let items = match evidence_of(r) {
        Ok(items) => items,
        Err(reason) => return Ok(Err(reason)),
    };
    let claim = match claims::insert(conn, &r.content, Some(&r.external_id), actor) {
        Ok(claim) => claim,
        // The same text but for case and punctuation: earlier in the same batch, which no lookup sees,
        // or a claim the lookup did not find surely enough.
        Err(store::Error::DuplicateClaim(held)) if merge && claims::get(conn, held)?.status != Status::Rejected => {
            return merge_into(conn, r, held, 1.0, actor);
        }
        Err(store::Error::DuplicateClaim(_)) => return Ok(Ok(Done::Skipped)),
        Err(e) => return Err(e),
    };
    take_in(conn, claim.id, &items, &r.reviewed(), "imported ClaimReview", actor)?;
    Ok(Ok(Done::Created))
}

/// Gives a claim just made of a review the review's evidence, then its verdict (`settle`).
fn take_in(
    conn: &Connection,
    id: i64,
    items: &[NewEvidence],
    reviewed: &Reviewed<'_>,
    note: &str,
    actor: &Actor,
) -> store::Result<()> {
    for item in items {
        evidence::attach(conn, id, item, None, actor)?;
    }
    settle(conn, id, reviewed, note, actor)
}

/// Moves a claim just made of a review, with its evidence, to the review's verdict: in review, then
/// verified with the review's rationale, and published if the review was; each move noted with `note`.
pub(super) fn settle(
    conn: &Connection,
    id: i64,
    reviewed: &Reviewed<'_>,
    note: &str,
    actor: &Actor,
) -> store::Result<()> {
    let note = Some(note);
    claims::transition(conn, id, &Move { note, ..Move::to(Status::InReview) }, None, actor)?;
    verify(conn, id, reviewed, note, actor)
}

/// Takes the review and the sources it cites in as evidence on the claim it repeats, which the match
/// scored `score`.
fn merge_into(
    conn: &Connection,
    r: &Ready,
    claim_id: i64,
    score: f64,
    actor: &Actor,
) -> store::Result<Result<Done, String>> {
    // As for a claim of its own, a review that cannot be cited itself is taken in by its sources; one
    // that cites its own URL is cited once.
    let review = the_review(r);
    let cited = citations(r).into_iter().filter(|c| review.as_ref().map_or(true, |own| own.url != c.url));
    let items: Vec<NewEvidence> = review.iter().cloned().chain(cited).collect();
    if items.is_empty() {
        return Ok(Err(review.err().unwrap_or_default()));
    }
    let merge = NewMerge { external_id: &r.external_id, claim_id, content: &r.content, reviewed: r.reviewed(), score };
    merged_reviews::record(conn, &merge, &items, actor)?;
    Ok(Ok(Done::Merged { claim_id, score }))
}

/// Gives the claim the review's verdict and rationale, and publishes it if the review was.
fn verify(conn: &Connection, id: i64, reviewed: &Reviewed<'_>, note: Option<&str>, actor: &Actor) -> store::Result<()> {
    let verified =
        Move { verdict: Some(reviewed.verdict), note, rationale: reviewed.rationale, ..Move::to(Status::Verified) };
    claims::transition(conn, id, &verified, None, actor)?;
    if reviewed.published {
        claims::transition(conn, id, &Move { note, ..Move::to(Status::Published) }, None, actor)?;
    }
    Ok(())
}

/// The evidence a review brings to the claim it creates: the sources it cites, else the review itself.
fn evidence_of(r: &Ready) -> Result<Vec<NewEvidence>, String> {
    let cited = citations(r);
    if cited.is_empty() { Ok(vec![the_review(r)?]) } else { Ok(cited) }
}

/// The sources the review cites, each URL once; those that are not valid evidence are left out.
fn citations(r: &Ready) -> Vec<NewEvidence> {
    let mut items: Vec<NewEvidence> = Vec::new();
    for c in &r.review.citations {
        let input = EvidenceInput {
            url: c.url.clone(),
            title: c.title.clone(),
            publisher: c.publisher.clone(),
            excerpt: c.excerpt.clone(),
            stance: c.stance.unwrap_or(stance(r.verdict)),
            reliability: c.reliability,
            confidence: c.confidence,
            note: None,
        };
        if let Ok(item) = input.validate() {
            if !items.iter().any(|i| i.url == item.url) {
                items.push(item);
            }
        }
    }
    items
}

/// The review itself as evidence, cited at its URL, leaning the way its rating does.
fn the_review(r: &Ready) -> Result<NewEvidence, String> {
    let by = r.review.publisher.clone().unwrap_or_else(|| "another fact-checker".into());
    let item = EvidenceInput {
        url: r.url.clone(),
        title: Some(format!("ClaimReview by {by}")),
        publisher: r.review.publisher.clone(),
        excerpt: None,
        stance: stance(r.verdict),
        reliability: Some(0.8),
        confidence: Some(1.0),
        note: Some(format!("Imported ClaimReview; its rating maps to {}.", r.verdict.as_str())),
    };
    item.validate().map_err(|errors| reasons(&errors))
}

/// The way a foreign review leans, as evidence for the claim it reviews.
fn stance(verdict: Verdict) -> Stance {
    match verdict {
        Verdict::True | Verdict::MostlyTrue => Stance::Supports,
        Verdict::False | Verdict::MostlyFalse => Stance::Refutes,
        Verdict::Mixed | Verdict::Misleading | Verdict::Unsupported => Stance::Context,
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use serde_json::json;

    use super::*;
    use crate::claimreview::read::RatingMap;
    use crate::domain::claim::ClaimInput;
    use crate::store::audit_key::AuditKey;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::apply(&mut conn).unwrap();
        AuditKey::from_hex(&"ab".repeat(32)).unwrap().register(&conn).unwrap();
        conn
    }

    fn ready(text: &str, url: &str) -> Ready {
        let review = json!({"@type": "ClaimReview", "claimReviewed": text, "url": url,
            "reviewRating": {"alternateName": "False"}});
        let found = reviews(&review, &RatingMap::default()).unwrap().pop().unwrap();
        checked(found.review.unwrap(), None).unwrap()
    }

    #[test]
    fn a_batch_ends_before_a_review_worded_as_one_earlier_in_it() {
        let texts = [
            "DeepSeek trained R1 on 2,048 Nvidia H800 chips",
            "Hangzhou hosts the headquarters of DeepSeek",
            "DeepSeek trained its R1 on 2048 Nvidia H800 chips!",
            "DeepSeek trained R1 on 10,000 Nvidia H800 chips",
            "deepseek trained R1 on 10,000 NVIDIA H800 chips.",
        ];
        let texts: Vec<(String, Option<String>)> = texts.iter().map(|t| (t.to_string(), None)).collect();
        assert_eq!(batches(&texts), [2, 3], "another number is another claim; the same text is found at the write");
        let many: Vec<(String, Option<String>)> =
            (0..BATCH + 1).map(|i| (format!("Claim number {i} of many"), None)).collect();
        assert_eq!(batches(&many), [BATCH, 1]);
    }

    #[test]
    fn a_claim_rejected_or_reworded_since_the_lookup_is_not_merged_into() {
        let (conn, actor) = (database(), Actor::system("test"));
        let text = "DeepSeek developed its R1 reasoning model for $5.6 million";
        let input =
            ClaimInput { text: text.into(), claimant: None, appeared_in: None, tags: Vec::new(), language: None };
        let held = claims::insert(&conn, &input.validate().unwrap(), None, &actor).unwrap();
        let looked_up = Repeat { claim_id: held.id, text: text.into(), score: 0.9 };
        let write = |r: &Ready, repeat: &Repeat| write(&conn, r, Some(repeat), true, &actor).unwrap().unwrap();

        let as_found = ready("DeepSeek developed its R1 reasoning model for only $5.6M", "https://a.example/1");
        assert!(matches!(write(&as_found, &looked_up), Done::Merged { claim_id, .. } if claim_id == held.id));

        let reworded = Repeat { text: "DeepSeek developed R1".into(), ..looked_up.clone() };
        let since_reworded = ready("DeepSeek developed its R1 reasoning model for just $5.6M", "https://a.example/2");
        assert!(matches!(write(&since_reworded, &reworded), Done::Created));

        claims::transition(&conn, held.id, &Move::to(Status::Rejected), None, &actor).unwrap();
        let since_rejected = ready("DeepSeek developed its R1 reasoning model, for $5.6M only", "https://a.example/3");
        assert!(matches!(write(&since_rejected, &looked_up), Done::Created));
    }
}
