//! The verification workflow. `TRANSITIONS` is the single definition of which moves are legal;
//! everything else (the API's 409 body, the admin views) reads it from here.

use serde::{Deserialize, Serialize};

use super::access::Actor;
use super::validation::{FieldError, Violations};
use super::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    InReview,
    Verified,
    Published,
    Rejected,
}

use Status::*;

/// Every legal move, `from -> to`.
pub const TRANSITIONS: &[(Status, Status)] = &[
    (Submitted, InReview),
    (Submitted, Rejected),
    (InReview, Verified),
    (InReview, Rejected),
    (Verified, Published),
    (Verified, InReview),
    (Published, InReview),
];

impl Status {
    pub const ALL: [Status; 5] = [Submitted, InReview, Verified, Published, Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Submitted => "submitted",
            InReview => "in_review",
            Verified => "verified",
            Published => "published",
            Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The states this one may move to, in table order.
    pub fn next(self) -> Vec<Status> {
        TRANSITIONS.iter().filter(|(from, _)| *from == self).map(|(_, to)| *to).collect()
    }

    /// Anonymous readers see published claims only; everyone with a key sees every claim.
    pub fn visible_to(self, actor: &Actor) -> bool {
        !actor.is_public() || self == Published
    }
}

/// A request to move a claim: the body of `POST /v1/claims/{id}/transitions` and the admin page's form.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: Status,
    /// Required when moving to `verified`, refused otherwise.
    pub verdict: Option<Verdict>,
    /// The desk's note on the move, kept in the claim's history.
    pub note: Option<String>,
    /// Why the verdict is what it is, for readers: the review's text. Required when moving to `verified`,
    /// refused otherwise.
    #[serde(default)]
    pub rationale: Option<String>,
    /// A note for readers of the public fact-check. Reopening a published claim with one marks its page
    /// "under review again" with it; publishing a changed verdict with one gives the correction's reason.
    #[serde(default)]
    pub public_note: Option<String>,
}

/// A transition's texts, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionTexts {
    pub note: Option<String>,
    pub rationale: Option<String>,
    pub public_note: Option<String>,
}

/// A request to give a claim to a reviewer, or (with no assignee) to take it back.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The reviewer's name; `null` takes the claim back.
    pub assignee: Option<String>,
    pub note: Option<String>,
}

/// Longest note on a change, in characters.
pub const NOTE_MAX: usize = 5000;
/// Longest rationale, in characters.
pub const RATIONALE_MAX: usize = 20_000;
/// Longest assignee name, in characters.
pub const ASSIGNEE_MAX: usize = 100;

impl TransitionInput {
    /// The note, the rationale and the public note, checked.
    pub fn validate(&self) -> Result<TransitionTexts, Vec<FieldError>> {
        let mut v = Violations::default();
        let note = v.optional_text("note", self.note.as_deref(), NOTE_MAX);
        let rationale = v.optional_text("rationale", self.rationale.as_deref(), RATIONALE_MAX);
        // A verdict is published with its reasons: readers and the review's ClaimReview text need them.
        match (&rationale, self.to) {
            (Some(_), to) if to != Verified => {
                v.add("rationale", "verified-only", "a rationale goes with a verdict: only when moving to verified")
            }
            (None, Verified) if !v.has("rationale") => v.add(
                "rationale",
                "required",
                "rationale is required to verify: say in a sentence or two why the verdict is what it is",
            ),
            _ => {}
        }
        let public_note = v.optional_text("public_note", self.public_note.as_deref(), NOTE_MAX);
        v.into_result(TransitionTexts { note, rationale, public_note })
    }
}

impl AssignInput {
    /// The assignee and the note, checked.
    pub fn validate(&self) -> Result<(Option<String>, Option<String>), Vec<FieldError>> {
        let mut v = Violations::default();
        let assignee = v.optional_text("assignee", self.assignee.as_deref(), ASSIGNEE_MAX);
        let note = v.optional_text("note", self.note.as_deref(), NOTE_MAX);
        v.into_result((assignee, note))
    }
}

/// Why a requested move cannot happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The table has no such move.
    Illegal { from: Status, to: Status, allowed: Vec<Status> },
    /// Entering `verified` needs a verdict in the request.
    VerdictRequired,
    /// A verdict was given for a move that does not set one.
    VerdictNotAllowed { to: Status },
    /// Entering `verified` needs at least one evidence item that is not retracted.
    EvidenceRequired,
}

/// What the claim looks like after a legal move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub verdict: Option<Verdict>,
}

/// Decides a move. A verdict is set only on entering `verified` and is kept through publication and
/// reopening, so a reopened claim still shows what it was last rated until it is rated again.
pub fn transition(
    from: Status,
    current_verdict: Option<Verdict>,
    to: Status,
    verdict: Option<Verdict>,
    live_evidence: usize,
) -> Result<Outcome, TransitionError> {
    if !TRANSITIONS.contains(&(from, to)) {
        return Err(TransitionError::Illegal { from, to, allowed: from.next() });
    }
    match (to, verdict) {
        (Verified, None) => Err(TransitionError::VerdictRequired),
        (Verified, Some(_)) if live_evidence == 0 => Err(TransitionError::EvidenceRequired),
        (Verified, Some(v)) => Ok(Outcome { status: to, verdict: Some(v) }),
        (_, Some(_)) => Err(TransitionError::VerdictNotAllowed { to }),
        (_, None) => Ok(Outcome { status: to, verdict: current_verdict }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_is_legal_exactly_when_the_table_says_so() {
        for from in Status::ALL {
            for to in Status::ALL {
                let verdict = (to == Verified).then_some(Verdict::False);
                let result = transition(from, None, to, verdict, 1);
                assert_eq!(result.is_ok(), TRANSITIONS.contains(&(from, to)), "{from:?} -> {to:?}");
                if let Err(TransitionError::Illegal { allowed, .. }) = result {
                    assert_eq!(allowed, from.next());
                }
            }
        }
    }

    #[test]
    fn verified_needs_a_verdict_and_live_evidence() {
        assert_eq!(transition(InReview, None, Verified, None, 3), Err(TransitionError::VerdictRequired));
        assert_eq!(
            transition(InReview, None, Verified, Some(Verdict::True), 0),
            Err(TransitionError::EvidenceRequired)
        );
        let ok = transition(InReview, None, Verified, Some(Verdict::True), 1).unwrap();
        assert_eq!(ok.verdict, Some(Verdict::True));
    }

    #[test]
    fn verdict_is_kept_through_publish_and_reopen_but_cannot_be_set_there() {
        let published = transition(Verified, Some(Verdict::Mixed), Published, None, 1).unwrap();
        assert_eq!(published.verdict, Some(Verdict::Mixed));
        let reopened = transition(Published, Some(Verdict::Mixed), InReview, None, 1).unwrap();
        assert_eq!(reopened, Outcome { status: InReview, verdict: Some(Verdict::Mixed) });
        assert_eq!(
            transition(Submitted, None, InReview, Some(Verdict::True), 1),
            Err(TransitionError::VerdictNotAllowed { to: InReview })
        );
    }

    #[test]
    fn moving_to_verified_takes_a_rationale_and_nothing_else_does() {
        let input = |to, rationale: &str| TransitionInput {
            to,
            verdict: None,
            note: None,
            rationale: Some(rationale.into()),
            public_note: None,
        };
        assert_eq!(input(Verified, " Because. ").validate().unwrap().rationale.as_deref(), Some("Because."));
        assert_eq!(input(Published, "Because.").validate().unwrap_err()[0].field, "rationale");
        let blank = input(Verified, "  ").validate().unwrap_err();
        assert_eq!((blank[0].field.as_str(), blank[0].rule), ("rationale", "required"));
    }

    #[test]
    fn rejected_is_final() {
        assert!(Rejected.next().is_empty());
    }
}
