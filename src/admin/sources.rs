//! The Sources pages: the registry with its register form, and each source with its edit form, saved
//! under the version the form was read at. Both forms call the same use cases as the API.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{self, Flash, Registry, SourceForm};
use super::session::{self, Signed};
use super::{explain, failure, html, page};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::domain::source::{SourceInput, SourcePatch};
use crate::domain::validation::{FieldError, Violations};
use crate::domain::version::Expected;
use crate::service::sources::SourceQuery;

/// Sources a page.
const PAGE: usize = 100;

#[derive(Deserialize)]
pub struct ListQuery {
    /// Fills the register form's site (the claim page links here for a site not registered yet).
    site: Option<String>,
    cursor: Option<String>,
}

pub async fn list(state: State, req: HttpRequest) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let query: ListQuery = match serde_urlencoded::from_str(req.query_string()) {
        Ok(query) => query,
        Err(e) => return failure(Some(&signed), ApiError::BadRequest(format!("the address's query: {e}"))),
    };
    let form = SourceForm { site: query.site.unwrap_or_default(), ..SourceForm::default() };
    let flash = session::take_flash(&req);
    let shown = Shown { form: &form, errors: &[], notice: flash.as_ref(), duplicate: None };
    session::clear_flash(registry(&state, &signed, StatusCode::OK, query.cursor, shown).await)
}

/// What the register form shows beside the list.
struct Shown<'a> {
    form: &'a SourceForm,
    errors: &'a [FieldError],
    notice: Option<&'a Flash>,
    duplicate: Option<i64>,
}

/// The list page, from `cursor` on.
async fn registry(
    state: &State,
    signed: &Signed,
    status: StatusCode,
    cursor: Option<String>,
    shown: Shown<'_>,
) -> HttpResponse {
    let query = SourceQuery { site: None, after: cursor.unwrap_or_default(), limit: PAGE };
    let mut rows = match state.service.sources(&signed.actor, query).await {
        Ok(rows) => rows,
        Err(e) => return failure(Some(signed), e.into()),
    };
    let next = (rows.len() > PAGE)
        .then(|| {
            rows.truncate(PAGE);
            rows.last().map(|s| {
                let cursor = url::form_urlencoded::byte_serialize(s.site.as_bytes()).collect::<String>();
                format!("/admin/sources?cursor={cursor}")
            })
        })
        .flatten();
    let r = Registry {
        items: &rows,
        next,
        form: shown.form,
        errors: shown.errors,
        notice: shown.notice,
        duplicate: shown.duplicate,
    };
    page(status, pages::sources(&signed.actor, &signed.csrf, &r))
}

/// The reliability typed into a form: required, a number (the use case checks its range).
fn reliability(v: &mut Violations, typed: &str) -> f64 {
    let parsed = super::forms::number(v, "reliability", Some(typed));
    if typed.trim().is_empty() {
        v.add("reliability", "required", "reliability is required: a number from 0 to 1");
    }
    parsed.unwrap_or(f64::NAN)
}

impl SourceForm {
    fn input(&self) -> Result<SourceInput, ApiError> {
        let mut v = Violations::default();
        let reliability = reliability(&mut v, &self.reliability);
        v.into_result(()).map_err(ApiError::Validation)?;
        Ok(SourceInput {
            site: self.site.clone(),
            publisher: self.publisher.clone(),
            reliability,
            note: self.note.clone(),
        })
    }

    fn patch(&self) -> Result<SourcePatch, ApiError> {
        let mut v = Violations::default();
        let reliability = reliability(&mut v, &self.reliability);
        v.into_result(()).map_err(ApiError::Validation)?;
        Ok(SourcePatch {
            site: None,
            publisher: Some(self.publisher.clone()),
            reliability: Some(reliability),
            note: Some(self.note.clone()),
        })
    }
}

pub async fn register(state: State, req: HttpRequest, form: web::Form<SourceForm>) -> HttpResponse {
    let signed = match session::authorize(&state, &req, &form.csrf).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    let result = match form.input() {
        Ok(input) => state.service.register_source(&signed.actor, &input).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(s) => {
            let text = format!(
                "Source {} registered: evidence from {} attached without a reliability now takes {}.",
                s.id, s.site, s.reliability
            );
            return session::redirect_with(&state, "/admin/sources", Flash { error: false, text });
        }
        Err(e) => e,
    };
    let status = actix_web::ResponseError::status_code(&e);
    if matches!(e, ApiError::Forbidden(_) | ApiError::Unauthorized { .. }) || status.is_server_error() {
        return failure(Some(&signed), e);
    }
    let (errors, duplicate) = match &e {
        ApiError::Validation(errors) => (errors.clone(), None),
        ApiError::DuplicateSource(id) => (Vec::new(), Some(*id)),
        _ => (Vec::new(), None),
    };
    let notice = Flash { error: true, text: explain(&e) };
    let shown = Shown { form: &form, errors: &errors, notice: Some(&notice), duplicate };
    registry(&state, &signed, status, None, shown).await
}

pub async fn show(state: State, req: HttpRequest, id: Result<Id, ApiError>) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let found = match id {
        Ok(Id(id)) => state.service.source_with_history(&signed.actor, id).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let flash = session::take_flash(&req);
    match found {
        Ok((s, changes)) => {
            let form = SourceForm::of(&s);
            session::clear_flash(html(pages::source(
                &signed.actor,
                &signed.csrf,
                &s,
                &changes,
                &form,
                &[],
                flash.as_ref(),
            )))
        }
        Err(e) => failure(Some(&signed), e),
    }
}

pub async fn edit(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<SourceForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    // The version the form was read at: a save made against another is refused, as If-Match is.
    let expected = Expected::OneOf(form.version.into_iter().collect());
    let result = match form.patch() {
        Ok(patch) => state.service.edit_source(&signed.actor, id, patch, expected).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(s) => {
            let text = format!("Saved: source {} is now version {}.", s.site, s.version);
            return session::redirect_with(&state, &format!("/admin/sources/{id}"), Flash { error: false, text });
        }
        Err(e) => e,
    };
    let status = actix_web::ResponseError::status_code(&e);
    if matches!(e, ApiError::Forbidden(_) | ApiError::Unauthorized { .. } | ApiError::NotFound(_))
        || status.is_server_error()
    {
        return failure(Some(&signed), e);
    }
    let (current, changes) = match state.service.source_with_history(&signed.actor, id).await {
        Ok(found) => found,
        Err(e) => return failure(Some(&signed), e.into()),
    };
    let (errors, text) = match e {
        ApiError::Validation(errors) => (errors, "Nothing was saved: fix the fields named below.".to_owned()),
        ApiError::PreconditionFailed(_) => (
            Vec::new(),
            format!(
                "Not saved: someone changed this source after you opened the form (it was version {}, it is now \
                 version {}). Its current values are shown above; your edits are kept in the form: save again to \
                 replace them.",
                form.version.unwrap_or_default(),
                current.version
            ),
        ),
        other => (Vec::new(), explain(&other)),
    };
    // The typed edits stay; the version becomes the current one, so saving again is deliberate.
    let again = SourceForm { version: Some(current.version), ..form.into_inner() };
    let notice = Flash { error: true, text };
    page(status, pages::source(&signed.actor, &signed.csrf, &current, &changes, &again, &errors, Some(&notice)))
}
