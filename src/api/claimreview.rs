//! `GET /v1/claims/{id}/claimreview` and `GET /v1/claimreview`: fact-checks as schema.org ClaimReview.

use actix_web::HttpResponse;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::Id;
use super::problems::Problems;

fn json_ld(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/ld+json").body(body.to_string())
}

#[utoipa::path(get, path = "/v1/claims/{id}/claimreview", tag = "claimreview",
    summary = "schema.org ClaimReview of a verified or published claim", params(Id),
    responses(
        (status = 200, description = "OK", body = serde_json::Value, content_type = "application/ld+json"),
        Problems,
    ))]
pub async fn one(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(json_ld(state.service.claim_review(&actor, id).await?))
}

#[utoipa::path(get, path = "/v1/claimreview", tag = "claimreview", summary = "A DataFeed of published reviews",
    responses(
        (status = 200, description = "OK", body = serde_json::Value, content_type = "application/ld+json"),
        Problems,
    ))]
pub async fn feed(Caller(actor): Caller, state: State) -> Result<HttpResponse, ApiError> {
    Ok(json_ld(state.service.review_feed(&actor).await?))
}
