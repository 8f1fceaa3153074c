//! `POST /v1/claims/{id}/transitions`: moving a claim through the workflow.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use super::State;
use super::auth::Caller;
use super::claims::{claim_response, not_found};
use super::error::ApiError;
use super::extract::{self, JsonBody};
use crate::domain::access::Action;
use crate::domain::validation::Violations;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::claims;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: Status,
    pub verdict: Option<Verdict>,
    pub note: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/claims/{id}/transitions",
    tag = "claims",
    summary = "Move a claim through the workflow",
    params(("id" = i64, Path, description = "The id")),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "OK", body = crate::store::claims::ClaimDetail),
        crate::api::openapi::Problems,
    )
)]
pub async fn create(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Transition)?;
    let id = extract::path_id(&req)?;
    let precondition = extract::if_match(&req)?;
    let input = body.value;
    let mut v = Violations::default();
    let note = v.optional_text("note", input.note.as_deref(), 5000);
    v.into_result(()).map_err(ApiError::Validation)?;
    let actor = caller.actor();
    let detail = state
        .store
        .writer
        .write(move |conn| {
            let requested = claims::Move { to: input.to, verdict: input.verdict, note: note.as_deref() };
            claims::transition(conn, id, &requested, precondition.as_ref(), &actor)?;
            claims::detail(conn, id)
        })
        .await
        .map_err(not_found(id))?;
    claim_response(&detail)
}
