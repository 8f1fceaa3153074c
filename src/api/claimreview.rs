//! `GET /v1/claims/{id}/claimreview` and `GET /v1/claimreview`: fact-checks as schema.org ClaimReview.

use actix_web::{HttpRequest, HttpResponse};

use super::State;
use super::auth::Caller;
use super::claims::{not_found, visible};
use super::error::ApiError;
use super::extract;
use crate::claimreview;
use crate::domain::access::Action;
use crate::domain::workflow::Status;
use crate::store::claims;

/// The feed holds the newest published reviews, up to this many.
const FEED_LIMIT: usize = 1000;

fn json_ld(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/ld+json").body(body.to_string())
}

#[utoipa::path(
    get,
    path = "/v1/claims/{id}/claimreview",
    tag = "claimreview",
    summary = "schema.org ClaimReview of a verified or published claim",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = serde_json::Value, content_type = "application/ld+json"),
        crate::api::openapi::Problems,
    )
)]
pub async fn one(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(&req)?;
    let public = caller.is_public();
    let (claim, verified_at) = state
        .store
        .reader
        .read(move |conn| {
            visible(conn, id, public)?;
            Ok((claims::get(conn, id)?, claims::verified_at(conn, id)?))
        })
        .await
        .map_err(not_found(id))?;
    let reviewed = matches!(claim.status, Status::Verified | Status::Published);
    let review = verified_at
        .filter(|_| reviewed)
        .and_then(|at| claimreview::review(&claim, &at, &state.publisher))
        .ok_or(ApiError::NotReviewed(id))?;
    Ok(json_ld(review))
}

#[utoipa::path(
    get,
    path = "/v1/claimreview",
    tag = "claimreview",
    summary = "A DataFeed of published reviews",
    responses(
        (status = 200, description = "OK", body = serde_json::Value, content_type = "application/ld+json"),
        crate::api::openapi::Problems,
    )
)]
pub async fn feed(caller: Caller, state: State) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let published = state.store.reader.read(|conn| claims::published(conn, FEED_LIMIT)).await?;
    let reviews = published.iter().filter_map(|(claim, at)| claimreview::review(claim, at, &state.publisher)).collect();
    Ok(json_ld(claimreview::feed(reviews, &state.publisher)))
}
