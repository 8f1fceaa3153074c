//! The HTTP API: routing, and one module per resource. Handlers parse and check the request, hand the
//! work to the store, and render the result.

pub mod audit;
pub mod auth;
pub mod cache;
pub mod claimreview;
pub mod claims;
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
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod reference;
pub mod review;
pub mod transitions;
pub mod webhooks;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::store::Store;
use crate::store::idempotency::Saved;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub claims_cache: std::sync::Arc<cache::ClaimCache>,
    pub auth: auth::Auth,
    pub publisher: crate::claimreview::Publisher,
    pub metrics: metrics::Metrics,
    /// Tells the link watch that a link is due now.
    pub link_wake: crate::fetch::watch::Wake,
    /// Which URLs the service may send requests to (evidence and webhooks).
    pub guard: crate::fetch::guard::GuardConfig,
    /// How foreign ClaimReview ratings map to verdicts.
    pub ratings: crate::claimreview::read::RatingMap,
    /// Words too common to find similar claims by, as learnt.
    pub common_words: std::sync::Arc<crate::store::similar::CommonWords>,
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
                .service(web::resource("/claims/{id}/assign").post(review::assign))
                .service(web::resource("/claims/{id}/claimreview").get(claimreview::one))
                .route("/claims/{id}/similar", web::get().to(claims::similar))
                .route("/claimreview", web::get().to(claimreview::feed))
                .route("/import", web::post().to(import::import))
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

/// Cuts a list read with one item more than `limit` down to `limit`; returns the cursor of the next
/// page (the last item kept), or `None` when this page is the last.
pub fn next_page<T>(items: &mut Vec<T>, limit: usize, cursor: impl Fn(&T) -> String) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(cursor)
}

/// A JSON response with the resource's ETag.
pub fn json_with_etag(
    status: actix_web::http::StatusCode,
    etag: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").insert_header((header::ETAG, etag)).body(body)
}

/// Sends a response saved for replay (see `store::idempotency`).
pub fn saved_response(saved: Saved, replayed: bool) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(saved.status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.content_type("application/json");
    if let Some(location) = saved.location {
        response.insert_header((header::LOCATION, location));
    }
    if let Some(etag) = saved.etag {
        response.insert_header((header::ETAG, etag));
    }
    if replayed {
        response.insert_header(("idempotent-replayed", "true"));
    }
    response.body(saved.body)
}
