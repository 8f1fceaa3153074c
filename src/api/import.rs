//! `POST /v1/import`: ClaimReview JSON-LD from other fact-checkers (one review, an array, or a
//! DataFeed), imported idempotently.

use actix_web::HttpResponse;

use super::State;
use super::auth::Caller;
use super::document::JsonDocument;
use super::error::ApiError;
use crate::domain::access::Action;
use crate::import::claimreview;

#[utoipa::path(
    post,
    path = "/v1/import",
    tag = "claimreview",
    summary = "Import ClaimReview JSON-LD",
    request_body = serde_json::Value,
    responses((status = 200, description = "OK", body = crate::import::Summary), crate::api::openapi::Problems)
)]
pub async fn import(caller: Caller, state: State, body: JsonDocument) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Import)?;
    let actor = caller.actor();
    let summary =
        claimreview::import(&state.store, "body", &body.value, &state.ratings, &actor, None).await.map_err(|e| {
            match e.downcast::<crate::store::Error>() {
                Ok(store) => store.into(),
                Err(e) => ApiError::Validation(vec![crate::domain::validation::FieldError {
                    field: "body".into(),
                    rule: "claimreview",
                    message: e.to_string(),
                }]),
            }
        })?;
    state.link_wake.wake();
    Ok(HttpResponse::Ok().json(summary))
}
