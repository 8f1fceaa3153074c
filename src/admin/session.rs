//! Signing in and out of the admin page, the session behind each request, and the one-time messages
//! a form leaves for the page it returns to.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::html;
use super::pages::{self, Flash};
use crate::api::State;
use crate::api::error::ApiError;
use crate::api::extract::Id;
use crate::domain::access::Actor;

const COOKIE: &str = "cc_session";
/// The sign-in form's own token (double-submitted: cookie and field), so that no other site can sign
/// a browser in under a key of its choosing.
const LOGIN_COOKIE: &str = "cc_login";
/// A message for the next page, set by a form's redirect and read once.
const FLASH_COOKIE: &str = "cc_flash";

/// The signed-in reviewer.
pub struct Signed {
    pub actor: Actor,
    pub csrf: String,
    session: String,
}

/// The page a request gets when it is not signed in: the sign-in form.
pub fn to_login() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/login")).finish()
}

pub async fn signed_in(state: &State, req: &HttpRequest) -> Option<Signed> {
    let session = req.cookie(COOKIE)?.value().to_owned();
    match state.service.session(&session).await {
        Ok(found) => found.map(|s| Signed { actor: s.actor, csrf: s.csrf, session }),
        Err(e) => {
            tracing::warn!(error = %e, "session could not be read");
            None
        }
    }
}

/// Equal without telling, by its timing, how much of a guess was right.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A form's request comes from our own pages: its Origin, when the browser sends one, is ours.
fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// Checks the sign-in, the form's origin and its CSRF token; on success, the signed-in reviewer.
pub async fn authorize(state: &State, req: &HttpRequest, csrf: &str) -> Result<Signed, HttpResponse> {
    let Some(signed) = signed_in(state, req).await else { return Err(to_login()) };
    if !same_origin(req) {
        return Err(super::failure(Some(&signed), ApiError::Forbidden("the form was sent from another site".into())));
    }
    if !same_token(&signed.csrf, csrf) {
        let refused = ApiError::Forbidden("the form's CSRF token does not match this session".into());
        return Err(super::failure(Some(&signed), refused));
    }
    Ok(signed)
}

/// `authorize`, for a form about one resource: also reads its id from the path.
pub async fn authorize_on(
    state: &State,
    req: &HttpRequest,
    csrf: &str,
    id: Result<Id, ApiError>,
) -> Result<(Signed, i64), HttpResponse> {
    let signed = authorize(state, req, csrf).await?;
    match id {
        Ok(Id(id)) => Ok((signed, id)),
        Err(e) => Err(super::failure(Some(&signed), e)),
    }
}

fn cookie<'a>(state: &State, name: &'a str, value: String) -> Cookie<'a> {
    let secure = state.service.publisher.base_url.starts_with("https://");
    Cookie::build(name, value).path("/admin").http_only(true).same_site(SameSite::Strict).secure(secure).finish()
}

fn removal(name: &str) -> Cookie<'_> {
    let mut gone = Cookie::build(name, "").path("/admin").finish();
    gone.make_removal();
    gone
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub async fn login_form(state: State) -> HttpResponse {
    let token = token();
    let mut response = html(pages::login(None, &token));
    let _ = response.add_cookie(&cookie(&state, LOGIN_COOKIE, token));
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    key: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(state: State, req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let expected = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !same_token(&expected, &form.csrf) || !same_origin(&req) {
        return again(&state, "The sign-in form expired; please sign in again.");
    }
    let actor = match state.auth.verify_key(form.key.trim(), &req, &state.service).await {
        Ok(actor) => actor,
        Err(refused) => return refused_sign_in(&state, refused),
    };
    match state.service.start_session(&actor).await {
        Ok(session) => HttpResponse::SeeOther()
            .cookie(cookie(&state, COOKIE, session))
            .cookie(removal(LOGIN_COOKIE))
            .insert_header((header::LOCATION, "/admin"))
            .finish(),
        Err(e) => super::failure(None, e.into()),
    }
}

/// Why a key was not taken, on the sign-in form.
fn refused_sign_in(state: &State, refused: ApiError) -> HttpResponse {
    match refused {
        ApiError::Unauthorized { detail, .. } if detail.contains("not an API key") => {
            again(state, "That is not an API key.")
        }
        ApiError::Unauthorized { .. } => again(state, "Unknown, revoked or expired key."),
        slowed @ ApiError::TooManyRequests { seconds, .. } => {
            let mut response = again(state, &slowed.to_string());
            *response.status_mut() = actix_web::http::StatusCode::TOO_MANY_REQUESTS;
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            response
        }
        other => super::failure(None, other),
    }
}

/// The sign-in form again, with why.
fn again(state: &State, why: &str) -> HttpResponse {
    let token = token();
    let mut response = html(pages::login(Some(why), &token));
    let _ = response.add_cookie(&cookie(state, LOGIN_COOKIE, token));
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session. A request without the session's token changes nothing: the cookie and the
/// session stay as they are.
pub async fn logout(state: State, req: HttpRequest, form: web::Form<CsrfForm>) -> HttpResponse {
    let signed = match authorize(&state, &req, &form.csrf).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    if let Err(e) = state.service.end_session(&signed.session).await {
        return super::failure(Some(&signed), e.into());
    }
    HttpResponse::SeeOther().cookie(removal(COOKIE)).insert_header((header::LOCATION, "/admin/login")).finish()
}

/// Back to a claim's page, with a message for it.
pub fn back_to(state: &State, id: i64, flash: Flash) -> HttpResponse {
    back_to_page(state, &format!("/admin/claims/{id}"), flash)
}

/// To one of our own pages (`location` is a path the server made), with a message for it.
pub fn back_to_page(state: &State, location: &str, flash: Flash) -> HttpResponse {
    let value = format!("{}{}", if flash.error { 'e' } else { 'n' }, flash.text);
    let encoded = url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    HttpResponse::SeeOther()
        .cookie(cookie(state, FLASH_COOKIE, encoded))
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The message the last form left, if any. It comes from our own HttpOnly cookie, never from the
/// URL, so a link cannot make the page say something in the site's voice.
pub fn take_flash(req: &HttpRequest) -> Option<Flash> {
    let raw = req.cookie(FLASH_COOKIE)?;
    let value: String = url::form_urlencoded::parse(format!("v={}", raw.value()).as_bytes()).next()?.1.into_owned();
    let mut chars = value.chars();
    let error = match chars.next()? {
        'e' => true,
        'n' => false,
        _ => return None,
    };
    Some(Flash { error, text: chars.as_str().chars().take(1000).collect() })
}

/// The page that showed the message clears it.
pub fn clear_flash(mut response: HttpResponse) -> HttpResponse {
    let _ = response.add_cookie(&removal(FLASH_COOKIE));
    response
}
