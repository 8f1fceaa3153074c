//! Importing other fact-checkers' reviews: when a review is merged into a claim already held
//! (`merges_into`, `Wording`), what a review found (`Reviewed`), what an import did (`Summary`: how
//! many claims it created, updated and skipped, which reviews it merged and what it turned away and
//! why), and the request that splits a merged review back out (`SplitInput`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::matching::Tier;
use super::matching::text::Analysis;
use super::validation::{FieldError, Violations};
use super::verdict::Verdict;
use super::workflow::Status;

/// What another fact-checker's review found of the claim it reviews.
#[derive(Debug, Clone, Copy)]
pub struct Reviewed<'a> {
    pub verdict: Verdict,
    /// Why, for readers (the review's `reviewBody`).
    pub rationale: Option<&'a str>,
    /// Whether the review is public, so the claim it makes is published.
    pub published: bool,
}

/// The least share of each text's distinct words (stems and numbers, stop words left out) that the
/// other must hold for a review to be merged into a claim. Imported as reviews, the 10,375 claims of
/// CheckThat! 2020 (fact-checks from Snopes and others) found 351 claims `same` that also shared half
/// their words. A random 40 of them, read one by one, held 19 of the same claim, 17 of which shared
/// 0.85 or more; the rest were other claims on the same subject ("Pampers Dry Max diapers cause
/// rashes" against the same of Huggies). Of the 189 merged at 0.85, 187 are the same claim, 185 of
/// them the same text but for quotes and case. See bench/results.md.
pub const MERGE_SHARED: f64 = 0.85;

/// Whether a review repeats a claim we hold surely enough to be merged into it unseen, so that the
/// desk does not find a second claim to check. It asks more than the `same` tier, which a desk reads
/// before acting on it, and leaves paraphrases to the desk (`similar`):
/// - the claim was not rejected;
/// - each text holds at least `MERGE_SHARED` of the other's words, counted alike whatever the
///   database holds. The score reads a claim beside the other candidates, and a small database has
///   few: its only claim on a subject is the best by far, and may be `same` for a review that shares
///   a name with it. And the score was fitted on tweets, which say much more than the claim they
///   repeat: a long review that holds a short claim's few words reads as repeating it;
/// - each states the numbers the other does ("$5.6M" and "5.6 million" are one). `same` lets a
///   number that reads as a year differ from one that does not, as a tweet's date does from a sum;
/// - both deny something, or neither does. `same` sees a denial only of a word the two share:
///   "DeepSeek did not build R1 for $5.6M" is `same` as "DeepSeek developed R1 for $5.6 million".
pub fn merges_into(tier: Tier, status: Status, review: &Analysis, claim: &Analysis) -> bool {
    tier == Tier::Same && status != Status::Rejected && Wording::of(review).alike(&Wording::of(claim))
}

/// A text's words as a merge compares them: its distinct terms (stems and numbers), its numbers, and
/// whether it denies anything.
pub struct Wording {
    terms: HashSet<String>,
    numbers: Vec<String>,
    denies: bool,
}

impl Wording {
    pub fn of(analysis: &Analysis) -> Wording {
        Wording {
            terms: analysis.terms.iter().cloned().collect(),
            numbers: analysis.numbers(),
            denies: analysis.qualifiers.denies_anything(),
        }
    }

    /// The words' part of `merges_into`: each text holds `MERGE_SHARED` of the other's terms, the
    /// same numbers, and both deny something or neither does. Two reviews of one import alike so may
    /// be one claim: the second is looked up once the first is written (`service::imports`).
    pub fn alike(&self, other: &Wording) -> bool {
        let (a, b) = (self.terms.len() as f64, other.terms.len() as f64);
        // Cannot share enough both ways: the cheap test first, as most pairs fail it.
        if a.min(b) < MERGE_SHARED * a.max(b) || self.numbers != other.numbers || self.denies != other.denies {
            return false;
        }
        let both = self.terms.intersection(&other.terms).count() as f64;
        both >= MERGE_SHARED * a.max(1.0) && both >= MERGE_SHARED * b.max(1.0)
    }
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    /// Reviews that repeat a claim already held, taken in as its evidence (listed in `merges`).
    pub merged: usize,
    pub skipped: usize,
    pub merges: Vec<Merged>,
    pub rejected: Vec<Rejection>,
}

/// A review taken in as evidence on a claim it repeats.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Merged {
    /// The review's identifier, as a rejection names it (`claimreview:` and its URL).
    pub source: String,
    pub position: Option<String>,
    /// The claim it repeats.
    pub claim_id: i64,
    /// 0..1: the matching engine's score for the two (1 for a text already held).
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Rejection {
    /// The file or request (`body`) it came from, or the review's identifier once it was read.
    pub source: String,
    /// Where in the document: `dataFeedElement[3]`, `@graph[1]`, `[0]`; `null` for the document
    /// itself or a claims file's entry.
    pub position: Option<String>,
    pub reason: String,
}

impl Summary {
    pub fn absorb(&mut self, other: Summary) {
        self.created += other.created;
        self.updated += other.updated;
        self.merged += other.merged;
        self.skipped += other.skipped;
        self.merges.extend(other.merges);
        self.rejected.extend(other.rejected);
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (created, updated, merged, skipped) = (self.created, self.updated, self.merged, self.skipped);
        let rejected = self.rejected.len();
        write!(f, "created {created}, updated {updated}, merged {merged}, skipped {skipped}, rejected {rejected}")?;
        for m in &self.merges {
            write!(f, "\n  merged {} into claim {} (score {:.2})", m.source, m.claim_id, m.score)?;
        }
        for r in &self.rejected {
            match &r.position {
                Some(at) => write!(f, "\n  rejected {} at {at}: {}", r.source, r.reason)?,
                None => write!(f, "\n  rejected {}: {}", r.source, r.reason)?,
            }
        }
        Ok(())
    }
}

/// A match's score as a merge shows it, in history and the API.
pub fn rounded_score(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}

/// A request to split a merged review out into a claim of its own: the body of
/// `POST /v1/claims/{id}/merges/split` and the admin page's form.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitInput {
    /// The review, by the identifier the merge lists it under (`GET /v1/claims/{id}/merges`).
    pub review: String,
    /// Why the review is another claim, kept in the history of the claim it was merged into.
    pub note: Option<String>,
}

/// A split, checked: the review's identifier and the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub review: String,
    pub note: Option<String>,
}

impl SplitInput {
    pub fn validate(&self) -> Result<Split, Vec<FieldError>> {
        let mut v = Violations::default();
        let review = v.text("review", &self.review, 2048).unwrap_or_default();
        let note = v.optional_text("note", self.note.as_deref(), 5000);
        v.into_result(Split { review, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matching::text::analyze;

    #[test]
    fn a_review_merges_only_into_a_same_claim_that_shares_its_words_and_numbers_and_denies_as_much() {
        let claim = analyze("DeepSeek developed its R1 reasoning model for just $5.6 million.", None);
        let repeat = analyze("DeepSeek developed its R1 reasoning model for only $5.6M", None);
        let verified = Status::Verified;
        assert!(merges_into(Tier::Same, verified, &repeat, &claim));
        assert!(!merges_into(Tier::Related, verified, &repeat, &claim));
        assert!(!merges_into(Tier::Same, Status::Rejected, &repeat, &claim));

        let one_more = analyze("DeepSeek developed its R1 reasoning model in Hangzhou for only $5.6M", None);
        assert!(merges_into(Tier::Same, verified, &one_more, &claim), "6 of its 7 words");
        let paraphrase = analyze("DeepSeek built the R1 model for only $5.6 million", None);
        assert!(!merges_into(Tier::Same, verified, &paraphrase, &claim), "4 of 5 words: left to the desk");
        let longer = analyze("DeepSeek developed its R1 reasoning model for $5.6M, what US labs spend on lunch", None);
        assert!(!merges_into(Tier::Same, verified, &longer, &claim), "says much the claim does not");
        assert!(!merges_into(Tier::Same, verified, &claim, &longer), "either way round");
        let short = analyze("Zeppelin 1: the zeppelin flew.", None);
        let year = analyze("Zeppelin 1800: the zeppelin flew.", None);
        assert!(!merges_into(Tier::Same, verified, &year, &short), "another number");
        let written = analyze("DeepSeek developed its R1 reasoning model for just 5,600,000 dollars.", None);
        assert!(merges_into(Tier::Same, verified, &written, &claim), "the same number, written otherwise");

        let denial = analyze("DeepSeek never developed its R1 reasoning model for $5.6 million", None);
        assert!(!merges_into(Tier::Same, verified, &denial, &claim));
        assert!(!merges_into(Tier::Same, verified, &claim, &denial), "either way round");
        let other_denial = analyze("DeepSeek did not develop its R1 reasoning model for $5.6M", None);
        assert!(merges_into(Tier::Same, Status::Submitted, &other_denial, &denial));
    }
}
