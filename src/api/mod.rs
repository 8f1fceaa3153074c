//! The HTTP API: routing, and one module per resource. A handler reads its input, calls one service
//! function, and renders the answer; the request and response types of the contract live here.

pub mod articles;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod claimreview;
pub mod claims;
pub mod client;
pub mod connections;
pub mod document;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod health;
pub mod history;
pub mod import;
pub mod keys;
pub mod links;
pub mod matching;
pub mod merges;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod problems;
pub mod reference;
pub mod review;
pub mod sources;
pub mod transitions;
pub mod webhooks;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::service::Service;
use crate::service::once::Answer;

/// What every handler can reach.
pub struct AppState {
    pub service: Service,
    pub claims_cache: std::sync::Arc<cache::ClaimCache>,
    /// Claims rendered as list items (`GET /v1/claims`), kept fresh the same way.
    pub list_items: std::sync::Arc<cache::ClaimCache>,
    pub auth: auth::Auth,
    pub metrics: metrics::Metrics,
    /// The route patterns that label each request's metrics and log line.
    pub routes: middleware::Routes,
    /// Import documents that may be in memory at once.
    pub documents: document::Documents,
    /// How long a request's body may take to arrive.
    pub body_timeout: std::time::Duration,
}

pub type State = web::Data<AppState>;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/problems/{slug}", web::get().to(reference::problem))
        .route("/openapi.json", web::get().to(openapi::document))
        .route("/docs", web::get().to(openapi::docs))
        .route("/docs/{file}", web::get().to(openapi::docs_asset))
        .service(
            web::scope("/v1")
                .service(web::resource("/claims").get(claims::list).post(claims::create))
                .service(web::resource("/claims/{id}").get(claims::get).patch(claims::update))
                .service(web::resource("/claims/{id}/evidence").get(evidence::list).post(evidence::attach))
                .service(web::resource("/claims/{id}/transitions").post(transitions::create))
                .service(web::resource("/claims/{id}/history").get(history::list))
                .service(web::resource("/claims/{id}/merges").get(merges::list))
                .service(web::resource("/claims/{id}/merges/split").post(merges::split))
                .service(web::resource("/claims/{id}/assign").post(review::assign))
                .service(web::resource("/claims/{id}/claimreview").get(claimreview::one))
                .route("/claims/{id}/similar", web::get().to(claims::similar))
                .route("/claimreview", web::get().to(claimreview::feed))
                .route("/import", web::post().to(import::import))
                .route("/match", web::post().to(matching::find))
                .route("/evidence", web::get().to(links::attention))
                .route("/evidence/{id}/snapshot", web::get().to(links::snapshot))
                .route("/evidence/{id}/snapshot/original", web::get().to(links::original))
                .route("/evidence/{id}/check", web::post().to(links::check))
                .service(
                    web::resource("/evidence/{id}")
                        .get(evidence::get)
                        .patch(evidence::update)
                        .delete(evidence::retract),
                )
                .service(web::resource("/articles").get(articles::list).post(articles::create))
                .route("/articles/{id}", web::get().to(articles::get))
                .route("/articles/{id}/candidates/{n}/accept", web::post().to(articles::accept))
                .service(web::resource("/sources").get(sources::list).post(sources::create))
                .service(web::resource("/sources/{id}").get(sources::get).patch(sources::update))
                .route("/verdicts", web::get().to(reference::verdicts))
                .route("/workflow", web::get().to(reference::workflow))
                .service(web::resource("/admin/keys").get(keys::list).post(keys::create))
                .service(web::resource("/admin/keys/{id}").delete(keys::revoke))
                .service(web::resource("/admin/webhooks").get(webhooks::list).post(webhooks::create))
                .service(web::resource("/admin/webhooks/{id}").get(webhooks::get).delete(webhooks::delete))
                .route("/admin/webhooks/{id}/deliveries", web::get().to(webhooks::deliveries))
                .route("/admin/audit", web::get().to(audit::list))
                .route("/admin/audit/verify", web::get().to(audit::verify))
                .route("/admin/queue", web::get().to(review::queue))
                .route("/admin/stats", web::get().to(review::stats)),
        );
}

/// A page of a list, and where the next one starts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `rows` read with one more than `limit` (the sign that a next page exists), each
    /// shown as `show` shows it; the next page starts after the last row kept.
    pub fn of<R>(mut rows: Vec<R>, limit: usize, cursor: impl Fn(&R) -> String, show: impl FnMut(R) -> T) -> Page<T> {
        let next_cursor = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last().map(cursor)
        });
        Page { items: rows.into_iter().map(show).collect(), next_cursor: next_cursor.flatten() }
    }
}

/// The entity tag of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A JSON response with the resource's ETag.
pub fn json_with_etag(status: StatusCode, version: i64, body: impl Serialize) -> Result<HttpResponse, error::ApiError> {
    let body = serde_json::to_string(&body).map_err(|e| error::ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((header::ETAG, etag(version)))
        .body(body))
}

/// An answer as first sent, saved under an idempotency key to be sent again to a retry.
#[derive(Serialize, Deserialize)]
pub struct Saved {
    pub status: u16,
    pub location: Option<String>,
    pub version: Option<i64>,
    pub body: String,
}

impl Saved {
    pub fn created(location: String, version: i64, body: &impl Serialize) -> Result<String, serde_json::Error> {
        let body = serde_json::to_string(body)?;
        serde_json::to_string(&Saved { status: 201, location: Some(location), version: Some(version), body })
    }

    fn send(self, replayed: bool) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = HttpResponse::build(status);
        response.content_type("application/json");
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if let Some(version) = self.version {
            response.insert_header((header::ETAG, etag(version)));
        }
        if replayed {
            response.insert_header(("idempotent-replayed", "true"));
        }
        response.body(self.body)
    }
}

/// Sends the answer of an idempotent use case: the saved one when there is one (first time or
/// replay), else `render`'s.
pub fn send<T>(
    answer: Answer<T>,
    render: fn(&T) -> Result<String, serde_json::Error>,
) -> Result<HttpResponse, error::ApiError> {
    let (saved, replayed) = match answer {
        Answer::Done(_, Some(saved)) => (saved, false),
        Answer::Done(value, None) => (render(&value).map_err(|e| error::ApiError::Internal(e.to_string()))?, false),
        Answer::Replayed(saved) => (saved, true),
    };
    let saved: Saved = serde_json::from_str(&saved).map_err(|e| error::ApiError::Internal(e.to_string()))?;
    Ok(saved.send(replayed))
}
