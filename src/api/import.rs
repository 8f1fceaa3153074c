//! `POST /v1/import`: ClaimReview JSON-LD from other fact-checkers (one review, an array, or a
//! DataFeed), imported idempotently.

use actix_web::HttpResponse;

use super::State;
use super::auth::Caller;
use super::document::JsonDocument;
use super::error::ApiError;
use super::problems::Problems;

#[utoipa::path(post, path = "/v1/import", tag = "claimreview", summary = "Import ClaimReview JSON-LD",
    request_body = serde_json::Value,
    responses((status = 200, description = "OK", body = crate::domain::import::Summary), Problems))]
pub async fn import(Caller(actor): Caller, state: State, body: JsonDocument) -> Result<HttpResponse, ApiError> {
    let summary = state.service.import_reviews(&actor, "body", &body.value, &|_, _| {}).await?;
    Ok(HttpResponse::Ok().json(summary))
}
