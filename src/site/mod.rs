//! The public fact-check pages under `/fact-checks`: every published fact-check at a stable address
//! (`/fact-checks/{id}`), the index of them (paged and searchable), an Atom feed, and the archived copies
//! of the sources they cite. No key is needed, whatever `--public-read` says: they show only what was
//! published, as last published. Plain HTML with no script and nothing from another server; every
//! answer carries an ETag and Cache-Control, so a CDN can carry a page that many people read at once.
//! Anonymous reads are limited per address like the API's (behind a CDN, name it in
//! `--trusted-proxies`). Like the API, each handler reads its input, calls one service function and
//! renders the answer.

mod atom;
mod pages;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::State;
use crate::api::error::ApiError;
use crate::domain::access::Actor;
use crate::domain::search;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/fact-checks")
            .route("", web::get().to(index))
            .route("/", web::get().to(index))
            .route("/site.css", web::get().to(style))
            .route("/feed.atom", web::get().to(feed))
            .route("/{id}", web::get().to(fact_check))
            .route("/{id}/sources/{evidence}", web::get().to(source))
            .default_service(web::to(|| async { failure(ApiError::NotFound("nothing here".into())) })),
    );
}

/// How long browsers and CDNs may keep a page before asking again (with its ETag).
const CACHE: &str = "public, max-age=300";
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

/// An answer that can be cached: its ETag is a hash of the body, so a reader (or a CDN) that has it
/// gets 304 and nothing else.
fn cached(req: &HttpRequest, content_type: &str, body: String) -> HttpResponse {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(body.as_bytes())[..16]));
    let unchanged = crate::api::extract::not_modified(req, &etag);
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"));
    if unchanged {
        return response.finish();
    }
    response.content_type(content_type).body(body)
}

fn html(req: &HttpRequest, markup: maud::Markup) -> HttpResponse {
    cached(req, "text/html; charset=utf-8", markup.into_string())
}

/// A failure as a page of its own: readers get HTML, never problem+json.
fn failure(e: ApiError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(&e);
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8").insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    let (title, text) = match &e {
        ApiError::TooManyRequests { seconds, .. } => {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            ("Too many requests", format!("Please wait {seconds} seconds and try again."))
        }
        _ if status == StatusCode::NOT_FOUND => {
            response.insert_header((header::CACHE_CONTROL, "public, max-age=60"));
            ("Not found", "There is no published fact-check here.".to_owned())
        }
        _ if status.is_server_error() => {
            tracing::error!(error = %e, "public page failed");
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            ("Something went wrong", "The server could not complete the request.".to_owned())
        }
        _ => {
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            ("That did not work", e.to_string())
        }
    };
    response.body(pages::failure(title, &text).into_string())
}

/// The reader, within the anonymous rate.
fn reader(state: &State, req: &HttpRequest) -> Result<Actor, HttpResponse> {
    state.auth.reader(req).map_err(failure)
}

/// A path id: a positive integer, or there is nothing at that address.
fn id(value: &str) -> Result<i64, HttpResponse> {
    value.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| failure(ApiError::NotFound("no such page".into())))
}

async fn style(req: HttpRequest) -> HttpResponse {
    cached(&req, "text/css; charset=utf-8", include_str!("style.css").to_owned())
}

async fn fact_check(state: State, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (reader, id) = match (reader(&state, &req), id(&path)) {
        (Ok(reader), Ok(id)) => (reader, id),
        (Err(refused), _) | (_, Err(refused)) => return refused,
    };
    match state.service.fact_check(&reader, id).await {
        Ok(found) => html(&req, pages::fact_check(&state.service.publisher, &found)),
        Err(e) => failure(e.into()),
    }
}

async fn source(state: State, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (reader, id, evidence) = match (reader(&state, &req), id(&path.0), id(&path.1)) {
        (Ok(reader), Ok(id), Ok(evidence)) => (reader, id, evidence),
        (Err(refused), _, _) | (_, Err(refused), _) | (_, _, Err(refused)) => return refused,
    };
    match state.service.cited_copy(&reader, id, evidence).await {
        Ok(copy) => html(&req, pages::cited_copy(&state.service.publisher, &copy)),
        Err(e) => failure(e.into()),
    }
}

#[derive(Deserialize)]
struct IndexQuery {
    q: Option<String>,
    page: Option<String>,
}

/// Longest search, in characters.
const QUERY_MAX: usize = 200;

/// The search words (none for no search) and the page number, or why they make no sense.
fn index_query(query: &str) -> Result<(Option<String>, usize), ApiError> {
    let bad = |what: &str| ApiError::BadRequest(what.to_owned());
    let query: IndexQuery = serde_urlencoded::from_str(query).map_err(|_| bad("That search could not be read."))?;
    let q = query.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > QUERY_MAX) {
        return Err(bad(&format!("A search is at most {QUERY_MAX} characters.")));
    }
    let page = match query.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p.parse().ok().filter(|p| *p >= 1).ok_or_else(|| bad("The page number must be 1 or more."))?,
    };
    Ok((q, page))
}

async fn index(state: State, req: HttpRequest) -> HttpResponse {
    let reader = match reader(&state, &req) {
        Ok(reader) => reader,
        Err(refused) => return refused,
    };
    let (q, page) = match index_query(req.query_string()) {
        Ok(parsed) => parsed,
        Err(e) => return failure(e),
    };
    let words = q.as_deref().map(search::query_words).filter(|w| !w.is_empty());
    match state.service.fact_checks(&reader, words, page).await {
        Ok(listing) => html(&req, pages::index(&state.service.publisher, q.as_deref(), page, &listing)),
        Err(e) => failure(e.into()),
    }
}

async fn feed(state: State, req: HttpRequest) -> HttpResponse {
    let reader = match reader(&state, &req) {
        Ok(reader) => reader,
        Err(refused) => return refused,
    };
    match state.service.fact_check_feed(&reader).await {
        Ok(items) => cached(&req, "application/atom+xml; charset=utf-8", atom::feed(&state.service.publisher, &items)),
        Err(e) => failure(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_queries_are_read_or_refused() {
        assert_eq!(index_query("").unwrap(), (None, 1));
        assert_eq!(index_query("q=+deepseek+&page=3").unwrap(), (Some("deepseek".into()), 3));
        assert_eq!(index_query("q=&page=").unwrap(), (None, 1));
        for bad in ["page=0", "page=-1", "page=x", "page=99999999999999999999999"] {
            assert!(index_query(bad).is_err(), "{bad}");
        }
        assert!(index_query(&format!("q={}", "a".repeat(QUERY_MAX + 1))).is_err());
    }
}
