//! The admin page at `/admin`: server-rendered HTML for reviewers. Sign-in with an API key gives an
//! HttpOnly, SameSite=Strict session cookie; every form carries the session's CSRF token.

mod pages;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;
use serde::Deserialize;

use crate::api::State;
use crate::api::error::ApiError;
use crate::domain::access::Action;
use crate::domain::evidence::{EvidenceInput, Stance};
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::keys::KeyRow;
use crate::store::links::{self, Which};
use crate::store::review::{self, QueueFilter};
use crate::store::{Actor, claims, evidence, history, sessions};

const COOKIE: &str = "cc_session";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", web::get().to(queue))
            .route("/", web::get().to(queue))
            .route("/style.css", web::get().to(style))
            .route("/login", web::get().to(login_form))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/stats", web::get().to(stats))
            .route("/claims/{id}", web::get().to(claim))
            .route("/claims/{id}/transition", web::post().to(transition))
            .route("/claims/{id}/assign", web::post().to(assign))
            .route("/claims/{id}/evidence", web::post().to(attach))
            .route("/evidence/{id}/snapshot", web::get().to(snapshot)),
    );
}

/// The signed-in reviewer.
struct Signed {
    key: KeyRow,
    csrf: String,
    session: String,
}

impl Signed {
    fn actor(&self) -> Actor {
        Actor { name: self.key.name.clone(), role: Some(self.key.role.as_str().to_owned()) }
    }
}

/// The page a request gets when it is not signed in: the sign-in form.
fn to_login() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/login")).finish()
}

async fn signed_in(state: &State, req: &HttpRequest) -> Result<Option<Signed>, ApiError> {
    let Some(cookie) = req.cookie(COOKIE) else { return Ok(None) };
    let session = cookie.value().to_owned();
    let id = session.clone();
    let found = state.store.reader.read(move |conn| sessions::find(conn, &id)).await?;
    Ok(found.map(|s| Signed { key: s.key, csrf: s.csrf, session }))
}

fn html(markup: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "content-security-policy",
            "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .insert_header(("x-frame-options", "DENY"))
        .body(markup.into_string())
}

fn back_to(id: i64, key: &str, message: &str) -> HttpResponse {
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair(key, message).finish();
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/admin/claims/{id}?{query}"))).finish()
}

async fn style() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("style.css"))
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
    error: Option<String>,
}

async fn login_form(query: web::Query<Notice>) -> HttpResponse {
    html(pages::login(query.error.as_deref()))
}

#[derive(Deserialize)]
struct LoginForm {
    key: String,
}

async fn login(state: State, req: HttpRequest, form: web::Form<LoginForm>) -> Result<HttpResponse, ApiError> {
    let record = match state.auth.verify_key(form.key.trim(), &req, &state.store.reader).await {
        Ok(record) => record,
        Err(ApiError::Unauthorized { detail, .. }) => {
            let shown = if detail.contains("not an API key") {
                "That is not an API key."
            } else {
                "Unknown, revoked or expired key."
            };
            return Ok(html(pages::login(Some(shown))));
        }
        Err(slowed @ ApiError::TooManyRequests { .. }) => return Ok(html(pages::login(Some(&slowed.to_string())))),
        Err(other) => return Err(other),
    };
    let key_id = record.row.id;
    let session = state.store.writer.write(move |conn| sessions::create(conn, key_id)).await?;
    let cookie = Cookie::build(COOKIE, session).path("/admin").http_only(true).same_site(SameSite::Strict).finish();
    Ok(HttpResponse::SeeOther().cookie(cookie).insert_header((header::LOCATION, "/admin")).finish())
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(state: State, req: HttpRequest, form: web::Form<CsrfForm>) -> Result<HttpResponse, ApiError> {
    if let Some(signed) = signed_in(&state, &req).await? {
        if signed.csrf == form.csrf {
            state.store.writer.write(move |conn| sessions::delete(conn, &signed.session)).await?;
        }
    }
    let mut gone = Cookie::build(COOKIE, "").path("/admin").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().cookie(gone).insert_header((header::LOCATION, "/admin/login")).finish())
}

async fn queue(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let Some(signed) = signed_in(&state, &req).await? else { return Ok(to_login()) };
    let items = state.store.reader.read(|conn| review::queue(conn, &QueueFilter::default(), 200)).await?;
    Ok(html(pages::queue(&signed.key, &signed.csrf, &items)))
}

async fn claim(state: State, req: HttpRequest, query: web::Query<Notice>) -> Result<HttpResponse, ApiError> {
    let Some(signed) = signed_in(&state, &req).await? else { return Ok(to_login()) };
    let id = crate::api::extract::path_id(&req)?;
    let (detail, history, verified_at) = state
        .store
        .reader
        .read(move |conn| {
            Ok((claims::detail(conn, id)?, history::for_claim(conn, id)?, claims::verified_at(conn, id)?))
        })
        .await
        .map_err(crate::api::claims::not_found(id))?;
    let published = matches!(detail.claim.status, Status::Verified | Status::Published);
    let review = verified_at
        .filter(|_| published)
        .and_then(|at| crate::claimreview::review(&detail.claim, &at, &state.publisher));
    let message = query.error.as_deref().map(|e| (true, e)).or(query.notice.as_deref().map(|n| (false, n)));
    Ok(html(pages::claim(&signed.key, &signed.csrf, &detail, &history, review.as_ref(), message)))
}

#[derive(Deserialize)]
struct SnapshotQuery {
    which: Option<String>,
}

async fn snapshot(state: State, req: HttpRequest, query: web::Query<SnapshotQuery>) -> Result<HttpResponse, ApiError> {
    let Some(signed) = signed_in(&state, &req).await? else { return Ok(to_login()) };
    let id = crate::api::extract::path_id(&req)?;
    let which = query.which.as_deref().and_then(Which::parse).unwrap_or(Which::Cited);
    let (item, found) = state
        .store
        .reader
        .read(move |conn| Ok((evidence::get(conn, id)?, links::snapshot(conn, id, which, false)?)))
        .await
        .map_err(|_| ApiError::NotFound(format!("no evidence {id}")))?;
    let Some(found) = found else { return Err(ApiError::NotFound(format!("evidence {id} has no snapshot yet"))) };
    let name = if which == Which::Cited { "as cited" } else { "as it is now" };
    Ok(html(pages::snapshot(&signed.key, &signed.csrf, &item, name, &found)))
}

async fn stats(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let Some(signed) = signed_in(&state, &req).await? else { return Ok(to_login()) };
    let today = chrono::Utc::now().date_naive();
    let stats = state.store.reader.read(move |conn| review::stats(conn, 30, today)).await?;
    Ok(html(pages::stats(&signed.key, &signed.csrf, &stats)))
}

/// Checks the sign-in, the form's CSRF token and the role; on success, the signed-in reviewer.
async fn authorize(
    state: &State,
    req: &HttpRequest,
    csrf: &str,
    action: Action,
) -> Result<Result<Signed, HttpResponse>, ApiError> {
    let Some(signed) = signed_in(state, req).await? else { return Ok(Err(to_login())) };
    if signed.csrf != csrf {
        return Err(ApiError::Forbidden("the form's CSRF token does not match this session".into()));
    }
    if !signed.key.role.may(action) {
        return Err(ApiError::Forbidden(format!("a {} key may not do this", signed.key.role.as_str())));
    }
    Ok(Ok(signed))
}

#[derive(Deserialize)]
struct TransitionForm {
    csrf: String,
    to: String,
    verdict: Option<String>,
    note: Option<String>,
}

async fn transition(state: State, req: HttpRequest, form: web::Form<TransitionForm>) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let signed = match authorize(&state, &req, &form.csrf, Action::Transition).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    let id = crate::api::extract::path_id(&req)?;
    let Some(to) = Status::parse(&form.to) else { return Ok(back_to(id, "error", "Choose a state to move to.")) };
    let verdict = form.verdict.as_deref().filter(|v| !v.is_empty()).and_then(Verdict::parse);
    let note = form.note.filter(|n| !n.trim().is_empty());
    let actor = signed.actor();
    let result = state
        .store
        .writer
        .write(move |conn| {
            claims::transition(conn, id, &claims::Move { to, verdict, note: note.as_deref() }, None, &actor)
        })
        .await;
    Ok(match result {
        Ok(c) => back_to(id, "notice", &format!("Moved to {}.", c.status.as_str())),
        Err(e) => back_to(id, "error", &ApiError::from(e).to_string()),
    })
}

#[derive(Deserialize)]
struct AssignForm {
    csrf: String,
    assignee: String,
}

async fn assign(state: State, req: HttpRequest, form: web::Form<AssignForm>) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let signed = match authorize(&state, &req, &form.csrf, Action::Assign).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    let id = crate::api::extract::path_id(&req)?;
    let assignee = Some(form.assignee.trim().to_owned()).filter(|a| !a.is_empty() && a.chars().count() <= 100);
    let actor = signed.actor();
    let result =
        state.store.writer.write(move |conn| claims::assign(conn, id, assignee.as_deref(), None, &actor)).await;
    Ok(match result {
        Ok(c) => back_to(id, "notice", &format!("Assigned to {}.", c.assignee.as_deref().unwrap_or("nobody"))),
        Err(e) => back_to(id, "error", &ApiError::from(e).to_string()),
    })
}

#[derive(Deserialize)]
struct EvidenceForm {
    csrf: String,
    url: String,
    stance: String,
    title: Option<String>,
    excerpt: Option<String>,
    reliability: Option<String>,
    confidence: Option<String>,
    note: Option<String>,
}

async fn attach(state: State, req: HttpRequest, form: web::Form<EvidenceForm>) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let signed = match authorize(&state, &req, &form.csrf, Action::AttachEvidence).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    let id = crate::api::extract::path_id(&req)?;
    let number = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).and_then(|s| s.parse::<f64>().ok());
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let input = EvidenceInput {
        url: form.url,
        stance: Stance::parse(&form.stance).unwrap_or(Stance::Context),
        reliability: number(&form.reliability),
        confidence: number(&form.confidence),
        title: blank(form.title),
        publisher: None,
        excerpt: blank(form.excerpt),
        note: blank(form.note),
    };
    let item = match input.validate() {
        Ok(item) => item,
        Err(errors) => {
            let message = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
            return Ok(back_to(id, "error", &message));
        }
    };
    let actor = signed.actor();
    let result = state.store.writer.write(move |conn| evidence::attach(conn, id, &item, None, &actor)).await;
    Ok(match result {
        Ok(_) => back_to(id, "notice", "Evidence attached."),
        Err(e) => back_to(id, "error", &ApiError::from(e).to_string()),
    })
}
