//! The admin page's forms. Each turns its fields into the same typed input the API takes and calls the
//! same use case, so both refuse and accept alike; the answer is a redirect to the claim's page with a
//! message naming what happened (or which rule was broken).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::Flash;
use super::session::{self, Signed};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::domain::evidence::{EvidenceInput, EvidencePatch, Stance};
use crate::domain::import::SplitInput;
use crate::domain::validation::{FieldError, Violations};
use crate::domain::verdict::Verdict;
use crate::domain::version::Expected;
use crate::domain::workflow::{AssignInput, Status, TransitionInput};

/// The message a use case's outcome leaves on the claim's page; a refusal of the actor's right is a
/// page of its own, with its status.
fn outcome<T>(
    state: &State,
    signed: &Signed,
    id: i64,
    result: Result<T, ApiError>,
    done: impl FnOnce(T) -> String,
) -> HttpResponse {
    let flash = match result {
        Ok(value) => Flash { error: false, text: done(value) },
        Err(e @ (ApiError::Forbidden(_) | ApiError::Unauthorized { .. })) => return super::failure(Some(signed), e),
        Err(e) => Flash { error: true, text: super::explain(&e) },
    };
    session::back_to(state, id, flash)
}

/// A choice from a list, by its wire name; a name not in the list breaks the rule `one-of`.
fn choice<T>(v: &mut Violations, field: &str, value: &str, parse: fn(&str) -> Option<T>, names: &[&str]) -> Option<T> {
    let parsed = parse(value.trim());
    if parsed.is_none() {
        v.add(field, "one-of", format!("{field} must be one of: {}", names.join(", ")));
    }
    parsed
}

/// A number typed into a form: blank is none.
pub(super) fn number(v: &mut Violations, field: &str, value: Option<&str>) -> Option<f64> {
    let value = value.map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = value.parse::<f64>().ok().filter(|n| n.is_finite());
    if parsed.is_none() {
        v.add(field, "type", format!("{field} must be a number"));
    }
    parsed
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::Validation(errors)
}

#[derive(Deserialize)]
pub struct TransitionForm {
    csrf: String,
    to: String,
    verdict: Option<String>,
    note: Option<String>,
    rationale: Option<String>,
    public_note: Option<String>,
}

impl TransitionForm {
    /// The same input the API takes, or the rules the fields break.
    fn input(&self) -> Result<TransitionInput, ApiError> {
        let mut v = Violations::default();
        let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        let verdicts: Vec<&str> = Verdict::ALL.iter().map(|s| s.as_str()).collect();
        let to = choice(&mut v, "to", &self.to, Status::parse, &statuses);
        let verdict = self.verdict.as_deref().filter(|s| !s.is_empty());
        let verdict = verdict.and_then(|s| choice(&mut v, "verdict", s, Verdict::parse, &verdicts));
        v.into_result(()).map_err(invalid)?;
        let to = to.ok_or_else(|| invalid(Vec::new()))?;
        Ok(TransitionInput {
            to,
            verdict,
            note: self.note.clone(),
            rationale: self.rationale.clone(),
            public_note: self.public_note.clone(),
        })
    }
}

pub async fn transition(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<TransitionForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let result = match form.input() {
        Ok(input) => state.service.transition(&signed.actor, id, input, None).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    outcome(&state, &signed, id, result, |c| format!("Moved to {}.", c.claim.status.as_str()))
}

#[derive(Deserialize)]
pub struct SplitForm {
    csrf: String,
    review: String,
    note: Option<String>,
}

pub async fn split(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<SplitForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let input = SplitInput { review: form.review.clone(), note: form.note.clone() };
    let result = state.service.split_merge(&signed.actor, id, &input, None).await.map_err(ApiError::from);
    let result = result.and_then(super::done);
    outcome(&state, &signed, id, result, |c| match c.claim.verdict {
        Some(_) => format!("Review split out into claim {}, with its evidence and verdict.", c.claim.id),
        None => format!(
            "Review split out into claim {}; none of its evidence counts, so it waits for the desk.",
            c.claim.id
        ),
    })
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    assignee: String,
}

pub async fn assign(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<AssignForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    // A blank name takes the claim back, as `null` does in the API.
    let assignee = Some(form.assignee.clone()).filter(|a| !a.trim().is_empty());
    let result = state.service.assign(&signed.actor, id, AssignInput { assignee, note: None }).await;
    outcome(&state, &signed, id, result.map_err(ApiError::from), |c| {
        format!("Assigned to {}.", c.claim.assignee.as_deref().unwrap_or("nobody"))
    })
}

#[derive(Deserialize)]
pub struct EvidenceForm {
    csrf: String,
    url: String,
    stance: String,
    title: Option<String>,
    excerpt: Option<String>,
    reliability: Option<String>,
    confidence: Option<String>,
    note: Option<String>,
}

impl EvidenceForm {
    /// The same input the API takes, or the rules the fields break.
    fn input(self) -> Result<EvidenceInput, ApiError> {
        let mut v = Violations::default();
        let stance = choice(&mut v, "stance", &self.stance, Stance::parse, &["supports", "refutes", "context"]);
        let reliability = number(&mut v, "reliability", self.reliability.as_deref());
        let confidence = number(&mut v, "confidence", self.confidence.as_deref());
        v.into_result(()).map_err(invalid)?;
        let stance = stance.ok_or_else(|| invalid(Vec::new()))?;
        let EvidenceForm { url, title, excerpt, note, .. } = self;
        Ok(EvidenceInput { url, stance, reliability, confidence, title, publisher: None, excerpt, note })
    }
}

pub async fn attach(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<EvidenceForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let result = match form.into_inner().input() {
        Ok(input) => state
            .service
            .attach_evidence(&signed.actor, id, &input, None, None)
            .await
            .map_err(ApiError::from)
            .and_then(super::done),
        Err(e) => Err(e),
    };
    outcome(&state, &signed, id, result, |_| "Evidence attached.".to_owned())
}

/// Text typed into an evidence form: blank clears the field, as `null` does in the API.
fn cleared(value: Option<String>) -> Option<Option<String>> {
    Some(value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
}

#[derive(Deserialize)]
pub struct EvidenceEditForm {
    csrf: String,
    /// The claim whose page the form is on, to go back to.
    claim: i64,
    /// The item's version when the form was read.
    version: Option<i64>,
    stance: String,
    title: Option<String>,
    excerpt: Option<String>,
    reliability: Option<String>,
    confidence: Option<String>,
    note: Option<String>,
}

impl EvidenceEditForm {
    /// The same change the API takes, or the rules the fields break.
    fn patch(self) -> Result<EvidencePatch, ApiError> {
        let mut v = Violations::default();
        let stance = choice(&mut v, "stance", &self.stance, Stance::parse, &["supports", "refutes", "context"]);
        let reliability = number(&mut v, "reliability", self.reliability.as_deref());
        let confidence = number(&mut v, "confidence", self.confidence.as_deref());
        v.into_result(()).map_err(invalid)?;
        Ok(EvidencePatch {
            url: None,
            title: cleared(self.title),
            publisher: None,
            excerpt: cleared(self.excerpt),
            stance,
            reliability,
            confidence,
            note: cleared(self.note),
        })
    }
}

pub async fn edit_evidence(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<EvidenceEditForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let (claim, expected) = (form.claim, form.version.map(|v| Expected::OneOf(vec![v])));
    let result = match form.into_inner().patch() {
        Ok(patch) => state.service.edit_evidence(&signed.actor, id, patch, expected).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let result = result.map_err(|e| match e {
        ApiError::PreconditionFailed(_) => ApiError::BadRequest(format!(
            "Not saved: evidence {id} changed after this page was read (an edit or a link check). Its current values are shown below; make the change again."
        )),
        other => other,
    });
    outcome(&state, &signed, claim, result, |e| format!("Evidence {} saved.", e.id))
}

#[derive(Deserialize)]
pub struct RetractForm {
    csrf: String,
    claim: i64,
    note: Option<String>,
}

pub async fn retract(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<RetractForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    // The page asks why; an item taken out of the count says so where it is shown.
    let note = form.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let result = match note {
        Some(note) => state.service.retract_evidence(&signed.actor, id, Some(note), None).await.map_err(ApiError::from),
        None => Err(invalid(vec![FieldError {
            field: "note".into(),
            rule: "required",
            message: "note is required to retract: say why the item no longer counts".into(),
        }])),
    };
    outcome(&state, &signed, form.claim, result, |e| format!("Evidence {} retracted: it no longer counts.", e.id))
}

#[derive(Deserialize)]
pub struct CheckForm {
    csrf: String,
    claim: i64,
}

pub async fn check_link(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<CheckForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let result = state.service.check_link(&signed.actor, id).await.map_err(ApiError::from);
    outcome(&state, &signed, form.claim, result, |_| {
        format!("The link of evidence {id} will be checked again in a moment; reload the page to see the result.")
    })
}
