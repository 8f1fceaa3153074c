//! The admin page at `/admin`: server-rendered HTML for reviewers. Sign-in with an API key gives an
//! HttpOnly, SameSite=Strict session cookie; every form carries the session's CSRF token. Like the
//! API, each handler reads its input, calls one service function and renders the answer.

mod articles;
mod claims;
mod forms;
mod pages;
mod session;
mod sources;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;
use serde::Deserialize;

use crate::api::State;
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::service::evidence::Archived;
use crate::service::once::Answer;
use crate::store::evidence::EvidenceRow;
use crate::store::links::Which;
use crate::store::review::QueueFilter;
use session::Signed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            // A form the server cannot read is answered with a page naming why, not plain text.
            .app_data(web::FormConfig::default().error_handler(|e, req| {
                let refused = ApiError::BadRequest(format!("the form could not be read: {e}"));
                actix_web::error::InternalError::from_response(e, failure_page(req, refused)).into()
            }))
            .default_service(web::to(not_found))
            .route("", web::get().to(queue))
            .route("/", web::get().to(queue))
            .route("/style.css", web::get().to(style))
            .route("/login", web::get().to(session::login_form))
            .route("/login", web::post().to(session::login))
            .route("/logout", web::post().to(session::logout))
            .route("/stats", web::get().to(stats))
            .route("/sources", web::get().to(sources::list))
            .route("/sources", web::post().to(sources::register))
            .route("/sources/{id}", web::get().to(sources::show))
            .route("/sources/{id}", web::post().to(sources::edit))
            .route("/claims", web::get().to(claims::list))
            .route("/claims", web::post().to(claims::submit))
            .route("/claims/new", web::get().to(claims::new_claim))
            .route("/claims/{id}", web::get().to(claim))
            .route("/claims/{id}/edit", web::get().to(claims::edit_form))
            .route("/claims/{id}/edit", web::post().to(claims::edit))
            .route("/claims/{id}/transition", web::post().to(forms::transition))
            .route("/claims/{id}/assign", web::post().to(forms::assign))
            .route("/claims/{id}/split", web::post().to(forms::split))
            .route("/claims/{id}/evidence", web::post().to(forms::attach))
            .route("/articles", web::get().to(articles::list))
            .route("/articles", web::post().to(articles::submit))
            .route("/articles/{id}", web::get().to(articles::article))
            .route("/articles/{id}/candidates/{n}/accept", web::post().to(articles::accept))
            .route("/evidence/{id}/snapshot", web::get().to(snapshot))
            .route("/evidence/{id}/compare", web::get().to(compare))
            .route("/evidence/{id}/edit", web::post().to(forms::edit_evidence))
            .route("/evidence/{id}/retract", web::post().to(forms::retract))
            .route("/evidence/{id}/check", web::post().to(forms::check_link)),
    );
}

/// A page, with the headers every admin page carries.
fn html(markup: Markup) -> HttpResponse {
    page(StatusCode::OK, markup)
}

fn page(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(markup.into_string())
}

/// What a form did: the admin's forms send no idempotency key, so nothing they send is a replay.
fn done<T>(answer: Answer<T>) -> Result<T, ApiError> {
    match answer {
        Answer::Done(value, _) => Ok(value),
        Answer::Replayed(_) => Err(ApiError::Internal("a form without an idempotency key was replayed".into())),
    }
}

/// A failure shown as a page of its own, with its status: the admin page never answers JSON.
fn failure(signed: Option<&Signed>, e: ApiError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "admin page failed");
    }
    let errors = broken_rules(&e).to_vec();
    let shown = if status.is_server_error() {
        "The server could not complete the request.".to_owned()
    } else if !errors.is_empty() {
        "Nothing was changed: the input breaks these rules.".to_owned()
    } else {
        e.to_string()
    };
    page(status, pages::failure(signed.map(|s| (&s.actor, s.csrf.as_str())), status, &shown, &errors))
}

/// A failure page for a request whose session is not at hand (a form that could not be read).
fn failure_page(_req: &HttpRequest, e: ApiError) -> HttpResponse {
    failure(None, e)
}

/// The rules an input breaks, when that is the failure.
fn broken_rules(e: &ApiError) -> &[crate::domain::validation::FieldError] {
    match e {
        ApiError::Validation(errors) | ApiError::InvalidParameter(errors) => errors,
        _ => &[],
    }
}

/// A failure in one line, for the message a form leaves: each broken rule with its field.
fn explain(e: &ApiError) -> String {
    let errors = broken_rules(e);
    if errors.is_empty() {
        return e.to_string();
    }
    let each: Vec<String> = errors.iter().map(|f| format!("{}: {} (rule: {})", f.field, f.message, f.rule)).collect();
    format!("Nothing was changed. {}.", each.join("; "))
}

/// Any other address under /admin: a page, not the API's problem JSON.
async fn not_found(state: State, req: HttpRequest) -> HttpResponse {
    let signed = session::signed_in(&state, &req).await;
    failure(signed.as_ref(), ApiError::NotFound(format!("there is no admin page at {}", req.path())))
}

async fn style() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("style.css"))
}

async fn queue(state: State, req: HttpRequest) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    match state.service.queue(&signed.actor, QueueFilter::default(), 200).await {
        Ok(items) => html(pages::queue(&signed.actor, &signed.csrf, &items)),
        Err(e) => failure(Some(&signed), e.into()),
    }
}

async fn claim(state: State, req: HttpRequest, id: Result<Id, ApiError>) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let dossier = match id {
        Ok(Id(id)) => state.service.dossier(&signed.actor, id).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let flash = session::take_flash(&req);
    match dossier {
        Ok(d) => session::clear_flash(html(pages::claim(&signed.actor, &signed.csrf, &d, flash.as_ref()))),
        Err(e) => failure(Some(&signed), e),
    }
}

#[derive(Deserialize)]
struct SnapshotQuery {
    which: Option<String>,
}

async fn snapshot(
    state: State,
    req: HttpRequest,
    id: Result<Id, ApiError>,
    query: web::Query<SnapshotQuery>,
) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let which = query.which.as_deref().and_then(Which::parse).unwrap_or(Which::Cited);
    match archived(&state, &signed, id, which).await {
        Ok((item, found)) => {
            let name = if which == Which::Cited { "as cited" } else { "as it is now" };
            html(pages::snapshot(&signed.actor, &signed.csrf, &item, name, &found.snapshot))
        }
        Err(e) => failure(Some(&signed), e),
    }
}

async fn compare(state: State, req: HttpRequest, id: Result<Id, ApiError>) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    let compared = match id {
        Ok(Id(id)) => state.service.compare_snapshots(&signed.actor, id).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match compared {
        Ok(c) => html(pages::compare(&signed.actor, &signed.csrf, &c)),
        Err(e) => failure(Some(&signed), e),
    }
}

/// An evidence item with one of its snapshots.
async fn archived(
    state: &State,
    signed: &Signed,
    id: Result<Id, ApiError>,
    which: Which,
) -> Result<(EvidenceRow, Archived), ApiError> {
    let Id(id) = id?;
    let item = state.service.evidence(&signed.actor, id).await?;
    Ok((item, state.service.snapshot(&signed.actor, id, which, false).await?))
}

async fn stats(state: State, req: HttpRequest) -> HttpResponse {
    let Some(signed) = session::signed_in(&state, &req).await else { return session::to_login() };
    match state.service.stats(&signed.actor, 30).await {
        Ok(stats) => html(pages::stats(&signed.actor, &signed.csrf, &stats)),
        Err(e) => failure(Some(&signed), e.into()),
    }
}
