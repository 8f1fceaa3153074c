//! `POST /v1/claims/{id}/transitions`: moving a claim through the workflow.

use actix_web::{HttpRequest, HttpResponse};

use super::State;
use super::auth::Caller;
use super::claims::claim_response;
use super::error::ApiError;
use super::extract::{self, Id, IfMatchOptional, JsonBody};
use super::problems::Problems;
use crate::domain::workflow::TransitionInput;

#[utoipa::path(post, path = "/v1/claims/{id}/transitions", tag = "claims",
    summary = "Move a claim through the workflow", params(Id, IfMatchOptional), request_body = TransitionInput,
    responses((status = 200, description = "OK", body = super::claims::ClaimDetail), Problems))]
pub async fn create(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let detail = state.service.transition(&actor, id, body.value, extract::if_match(&req)?).await?;
    claim_response(detail)
}
