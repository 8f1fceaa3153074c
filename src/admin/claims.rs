//! The claims pages: the list (the API's listing, with its filters read the same way), submitting a
//! claim, and editing one under If-Match, explaining a conflict instead of overwriting.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::pages::{self, ClaimForm, EditConflict, Listing};
use super::session::{self, Signed};
use super::{explain, failure, html, page};
use crate::api::State;
use crate::api::claims::{ListParams, encode_cursor, list_request};
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::domain::claim::{Appearance, ClaimInput, ClaimPatch};
use crate::domain::validation::FieldError;
use crate::domain::version::Expected;
use crate::store::claims::ClaimRow;
use crate::store::listing::Page;

/// A form leaves empty what it does not filter by; the API takes an absent field for that.
fn filled(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A date picked in the form as the API's RFC 3339 bound: from the start of the day, or (`until`)
/// up to the end of it. Anything else goes as typed, for the API's rule to name.
fn day_bound(value: Option<String>, until: bool) -> Option<String> {
    let value = value?;
    match chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(day) => {
            let day = if until { day.succ_opt().unwrap_or(day) } else { day };
            Some(format!("{}T00:00:00Z", day.format("%Y-%m-%d")))
        }
        Err(_) => Some(value),
    }
}

/// The query string of this listing with another cursor (or none).
fn href(typed: &ListParams, cursor: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("q", &typed.q),
        ("status", &typed.status),
        ("verdict", &typed.verdict),
        ("tag", &typed.tag),
        ("assignee", &typed.assignee),
        ("claimant", &typed.claimant),
        ("created_after", &typed.created_after),
        ("created_before", &typed.created_before),
        ("sort", &typed.sort),
    ];
    for (name, value) in fields {
        if let Some(value) = filled(value) {
            query.append_pair(name, &value);
        }
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("/admin/claims?{}", query.finish())
}

pub async fn list(state: State, req: HttpRequest) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let typed: ListParams = match serde_urlencoded::from_str(req.query_string()) {
        Ok(typed) => typed,
        Err(e) => return failure(Some(&signed), ApiError::BadRequest(format!("the address's filters: {e}"))),
    };
    let found = match list_request(as_api_query(&typed)) {
        Ok(request) => state.service.list_claims(&signed.actor, request).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    listing(&signed, &typed, found)
}

/// The page's filters as the API's query: blank fields are no filter, dates are whole days, and a
/// page is 25 claims with their total.
fn as_api_query(typed: &ListParams) -> ListParams {
    ListParams {
        status: filled(&typed.status),
        verdict: filled(&typed.verdict),
        tag: filled(&typed.tag),
        claimant: filled(&typed.claimant),
        assignee: filled(&typed.assignee),
        q: filled(&typed.q),
        created_after: day_bound(filled(&typed.created_after), false),
        created_before: day_bound(filled(&typed.created_before), true),
        sort: filled(&typed.sort),
        limit: Some("25".into()),
        cursor: filled(&typed.cursor),
        count: Some("true".into()),
    }
}

/// The list page: the claims found, or the filters' broken rules beside them.
fn listing(signed: &Signed, typed: &ListParams, found: Result<Page, ApiError>) -> HttpResponse {
    let (page, errors) = match found {
        Ok(page) => (Some(page), Vec::new()),
        Err(ApiError::InvalidParameter(errors)) => (None, errors),
        Err(e) => return failure(Some(signed), e),
    };
    let listing = Listing {
        typed,
        page: page.as_ref().ok_or(errors.as_slice()),
        next: page.as_ref().and_then(|p| p.next.as_ref()).map(|c| href(typed, Some(&encode_cursor(c)))),
        first: typed.cursor.is_some().then(|| href(typed, None)),
    };
    let status = if page.is_some() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    super::page(status, pages::list(&signed.actor, &signed.csrf, &listing))
}

pub async fn new_claim(state: State, req: HttpRequest) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    html(pages::new_claim(&signed.actor, &signed.csrf, &ClaimForm::default(), &[], None, None))
}

/// Tags typed as a list separated by commas (or spaces).
fn tag_list(typed: &str) -> Vec<String> {
    typed.split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

fn optional(typed: &str) -> Option<String> {
    Some(typed.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ClaimForm {
    fn input(&self) -> ClaimInput {
        let appeared_in =
            Appearance { url: optional(&self.url), title: optional(&self.title), ..Appearance::default() };
        ClaimInput {
            text: self.text.clone(),
            claimant: optional(&self.claimant),
            appeared_in: (appeared_in != Appearance::default()).then_some(appeared_in),
            tags: tag_list(&self.tags),
            language: None,
        }
    }

    /// The change: text, claimant (blank clears it) and tags, as typed.
    fn patch(&self) -> ClaimPatch {
        ClaimPatch {
            text: Some(self.text.clone()),
            claimant: Some(optional(&self.claimant)),
            tags: Some(tag_list(&self.tags)),
            ..ClaimPatch::default()
        }
    }

    /// The form for a claim as it stands.
    fn of(claim: &ClaimRow) -> ClaimForm {
        let tags = claim.tags.join(", ");
        let claimant = claim.claimant.clone().unwrap_or_default();
        ClaimForm {
            text: claim.text.clone(),
            claimant: claimant.clone(),
            tags: tags.clone(),
            version: Some(claim.version),
            seen_text: Some(claim.text.clone()),
            seen_claimant: Some(claimant),
            seen_tags: Some(tags),
            ..ClaimForm::default()
        }
    }
}

pub async fn submit(state: State, req: HttpRequest, form: web::Form<ClaimForm>) -> HttpResponse {
    let signed = match session::authorize(&state, &req, &form.csrf).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    match state
        .service
        .submit_claim(&signed.actor, &form.input(), None)
        .await
        .map_err(ApiError::from)
        .and_then(super::done)
    {
        Ok(submitted) => {
            let claim = &submitted.detail.claim;
            let mut response =
                page(StatusCode::CREATED, pages::submitted(&signed.actor, &signed.csrf, claim, &submitted.similar));
            if let Ok(location) = format!("/admin/claims/{}", claim.id).parse() {
                response.headers_mut().insert(actix_web::http::header::CONTENT_LOCATION, location);
            }
            response
        }
        Err(e) => refused_form(&signed, e, |errors, why, duplicate| {
            pages::new_claim(&signed.actor, &signed.csrf, &form, errors, why, duplicate)
        }),
    }
}

/// The form again with what was wrong, or a page of its own for a refusal of the actor's right.
fn refused_form(
    signed: &Signed,
    e: ApiError,
    again: impl FnOnce(&[FieldError], Option<&str>, Option<i64>) -> maud::Markup,
) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(&e);
    match e {
        ApiError::Validation(errors) => {
            page(status, again(&errors, Some("Nothing was saved: fix the fields named below."), None))
        }
        ApiError::DuplicateClaim(id) => page(status, again(&[], Some(&explain(&e)), Some(id))),
        e @ (ApiError::Forbidden(_) | ApiError::Unauthorized { .. } | ApiError::NotFound(_)) => {
            failure(Some(signed), e)
        }
        e if status.is_server_error() => failure(Some(signed), e),
        e => page(status, again(&[], Some(&explain(&e)), None)),
    }
}

pub async fn edit_form(state: State, req: HttpRequest, id: Result<Id, ApiError>) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let found = match id {
        Ok(Id(id)) => state.service.claim(&signed.actor, id).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match found {
        Ok(d) => html(pages::edit(&signed.actor, &signed.csrf, d.claim.id, &ClaimForm::of(&d.claim), &[], None)),
        Err(e) => failure(Some(&signed), e),
    }
}

/// Someone else saved first: the form again, with what they changed, and the typed edits kept.
async fn conflict(state: &State, signed: &Signed, id: i64, form: ClaimForm) -> HttpResponse {
    let current = match state.service.claim(&signed.actor, id).await {
        Ok(d) => d.claim,
        Err(e) => return failure(Some(signed), e.into()),
    };
    let seen_version = form.version.unwrap_or_default();
    let conflict = EditConflict { changes: changes(&form, &current), seen_version, current };
    let seen = ClaimForm::of(&conflict.current);
    let again = ClaimForm {
        version: seen.version,
        seen_text: seen.seen_text,
        seen_claimant: seen.seen_claimant,
        seen_tags: seen.seen_tags,
        ..form
    };
    let body = pages::edit(&signed.actor, &signed.csrf, id, &again, &[], Some(&conflict));
    page(StatusCode::PRECONDITION_FAILED, body)
}

/// What another save changed, against what the form showed when it was read.
fn changes(form: &ClaimForm, current: &ClaimRow) -> Vec<(&'static str, String, String)> {
    let now = ClaimForm::of(current);
    [
        ("text", &form.seen_text, now.text),
        ("claimant", &form.seen_claimant, now.claimant),
        ("tags", &form.seen_tags, now.tags),
    ]
    .into_iter()
    .filter_map(|(field, seen, now)| {
        let seen = seen.clone().unwrap_or_default();
        (seen != now).then_some((field, seen, now))
    })
    .collect()
}

pub async fn edit(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<ClaimForm>,
) -> HttpResponse {
    let signed = match session::authorize(&state, &req, &form.csrf).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    let id = match id {
        Ok(Id(id)) => id,
        Err(e) => return failure(Some(&signed), e),
    };
    // The version the form was read at: a save made against another is refused, as If-Match is.
    let expected = Expected::OneOf(form.version.into_iter().collect());
    match state.service.edit_claim(&signed.actor, id, form.patch(), expected).await.map_err(ApiError::from) {
        Ok(detail) => session::back_to(
            &state,
            id,
            pages::Flash { error: false, text: format!("Saved: the claim is now version {}.", detail.claim.version) },
        ),
        Err(ApiError::PreconditionFailed(_)) => conflict(&state, &signed, id, form.into_inner()).await,
        Err(e) => {
            refused_form(&signed, e, |errors, _, _| pages::edit(&signed.actor, &signed.csrf, id, &form, errors, None))
        }
    }
}
