//! The articles pages: the list with the form that takes an article in (pasted, or fetched from its
//! URL), one article's sentences shaded by score, and accepting a sentence as a claim, as it stands
//! or edited. Each form builds the API's input and calls the same use case.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{self, ArticleForm, ArticleList, Flash, SENTENCES_PER_PAGE};
use super::session::{self, Signed};
use super::{explain, failure, html, page};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::domain::article::{AcceptInput, ArticleInput};
use crate::domain::validation::FieldError;

/// Articles listed on a page.
const LISTED: usize = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    /// Articles with ids below this one: the next page.
    before: Option<i64>,
}

pub async fn list(state: State, req: HttpRequest, query: web::Query<ListQuery>) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    listing(&state, &signed, query.before, StatusCode::OK, &ArticleForm::default(), &[], None).await
}

/// The list of articles from `before`, with the form as typed and what was wrong with it.
async fn listing(
    state: &State,
    signed: &Signed,
    before: Option<i64>,
    status: StatusCode,
    form: &ArticleForm,
    errors: &[FieldError],
    refusal: Option<&str>,
) -> HttpResponse {
    let before_id = before.filter(|b| *b > 0).unwrap_or(i64::MAX);
    let mut items = match state.service.list_articles(&signed.actor, LISTED, before_id).await {
        Ok(items) => items,
        Err(e) => return failure(Some(signed), e.into()),
    };
    let next = (items.len() > LISTED).then(|| {
        items.truncate(LISTED);
        format!("/admin/articles?before={}", items.last().map_or(0, |a| a.id))
    });
    let listed = ArticleList { items: &items, next, first: before.is_some() };
    page(status, pages::articles(&signed.actor, &signed.csrf, &listed, form, errors, refusal))
}

fn optional(typed: &str) -> Option<String> {
    Some(typed.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ArticleForm {
    /// Pasted text with the URL it is published at, or the URL alone to fetch.
    fn input(&self) -> ArticleInput {
        ArticleInput {
            text: optional(&self.text),
            url: optional(&self.url),
            title: optional(&self.title),
            ..ArticleInput::default()
        }
    }
}

pub async fn submit(state: State, req: HttpRequest, form: web::Form<ArticleForm>) -> HttpResponse {
    let signed = match session::authorize(&state, &req, &form.csrf).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    match state.service.submit_article(&signed.actor, form.input()).await.map_err(ApiError::from) {
        Ok(view) => {
            let a = &view.article;
            let text = format!(
                "Article {} taken in: {} sentences, each shaded by how worth checking it is.",
                a.id, a.sentence_count
            );
            session::redirect_with(&state, &format!("/admin/articles/{}", a.id), Flash { error: false, text })
        }
        Err(e @ (ApiError::Forbidden(_) | ApiError::Unauthorized { .. })) => failure(Some(&signed), e),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            if status.is_server_error() {
                return failure(Some(&signed), e);
            }
            let (errors, refusal) = match &e {
                ApiError::Validation(errors) => (errors.clone(), "Nothing was taken in: fix the fields named below."),
                _ => (Vec::new(), ""),
            };
            let refusal = if refusal.is_empty() { explain(&e) } else { refusal.to_owned() };
            listing(&state, &signed, None, status, &form, &errors, Some(&refusal)).await
        }
    }
}

#[derive(Deserialize)]
pub struct ArticleQuery {
    /// The first sentence shown, from 1.
    from: Option<usize>,
}

pub async fn article(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    query: web::Query<ArticleQuery>,
) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let view = match id {
        Ok(Id(id)) => state.service.article(&signed.actor, id).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let flash = session::take_flash(&req);
    match view {
        Ok(view) => {
            // Pages start at multiples of the page size, so every sentence is on exactly one.
            let asked = query.from.unwrap_or(1).saturating_sub(1).min(view.sentences.len().saturating_sub(1));
            let from = asked - asked % SENTENCES_PER_PAGE;
            session::clear_flash(html(pages::article(&signed.actor, &signed.csrf, &view, from, flash.as_ref())))
        }
        Err(e) => failure(Some(&signed), e),
    }
}

/// Accepting a sentence: nothing but the token as it stands, or with edited fields.
#[derive(Deserialize)]
pub struct AcceptForm {
    csrf: String,
    text: Option<String>,
    claimant: Option<String>,
    tags: Option<String>,
}

impl AcceptForm {
    fn input(&self) -> AcceptInput {
        let tags = self.tags.as_deref().unwrap_or_default();
        AcceptInput {
            text: self.text.as_deref().and_then(optional),
            claimant: self.claimant.as_deref().and_then(optional),
            tags: tags.split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        }
    }
}

pub async fn accept(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    form: web::Form<AcceptForm>,
) -> HttpResponse {
    let (signed, id) = match session::authorize_on(&state, &req, &form.csrf, id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let raw = req.match_info().get("n").unwrap_or_default();
    let Some(position) = raw.parse::<i64>().ok().filter(|n| *n > 0) else {
        let e = FieldError { field: "n".into(), rule: "positive-integer", message: format!("no sentence {raw:?}") };
        return failure(Some(&signed), ApiError::InvalidParameter(vec![e]));
    };
    let result =
        state.service.accept_candidate(&signed.actor, id, position, form.input()).await.map_err(ApiError::from);
    let flash = match result {
        Ok(detail) => {
            Flash { error: false, text: format!("Sentence {position} registered as claim {}.", detail.claim.id) }
        }
        Err(e @ (ApiError::Forbidden(_) | ApiError::Unauthorized { .. } | ApiError::NotFound(_))) => {
            return failure(Some(&signed), e);
        }
        Err(e) if actix_web::ResponseError::status_code(&e).is_server_error() => return failure(Some(&signed), e),
        Err(ApiError::DuplicateClaim(claim)) => Flash {
            error: true,
            text: format!("Not registered: a claim with the same text exists already, claim {claim}."),
        },
        Err(e) => Flash { error: true, text: explain(&e) },
    };
    let from = (position as usize - 1) / SENTENCES_PER_PAGE * SENTENCES_PER_PAGE + 1;
    session::redirect_with(&state, &format!("/admin/articles/{id}?from={from}#s-{position}"), flash)
}
