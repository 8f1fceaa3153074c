//! `GET /v1/claims/{id}/history`: every change to a claim and its evidence, oldest first.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::claims::{not_found, visible};
use super::error::ApiError;
use super::extract;
use crate::domain::access::Action;
use crate::store::history;

#[utoipa::path(
    get,
    path = "/v1/claims/{id}/history",
    tag = "claims",
    summary = "Every change to a claim",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::HistoryList),
        crate::api::openapi::Problems,
    )
)]
pub async fn list(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(&req)?;
    let public = caller.is_public();
    let items = state
        .store
        .reader
        .read(move |conn| {
            visible(conn, id, public)?;
            history::for_claim(conn, id)
        })
        .await
        .map_err(not_found(id))?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}
