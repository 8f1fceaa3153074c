//! `POST /v1/import`: ClaimReview JSON-LD from other fact-checkers (one review, an array, or a
//! DataFeed), imported idempotently.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use super::State;
use super::auth::Caller;
use super::document::JsonDocument;
use super::error::ApiError;
use super::extract;
use super::problems::Problems;
use crate::domain::validation::Violations;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportParams {
    merge: Option<String>,
}

#[utoipa::path(post, path = "/v1/import", tag = "claimreview", summary = "Import ClaimReview JSON-LD",
    params(
        ("merge" = Option<bool>, Query,
            description = "Merge a review that repeats a claim already held into it (the default); \
                false makes each new review a claim of its own"),
    ),
    request_body = serde_json::Value,
    responses((status = 200, description = "OK", body = crate::domain::import::Summary), Problems))]
pub async fn import(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    body: JsonDocument,
) -> Result<HttpResponse, ApiError> {
    let params: ImportParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let merge = v.flag("merge", params.merge.as_deref(), true);
    let merge = v.into_result(merge).map_err(ApiError::InvalidParameter)?;
    let summary = state.service.import_reviews(&actor, "body", &body.value, merge, &|_, _| {}).await?;
    Ok(HttpResponse::Ok().json(summary))
}
