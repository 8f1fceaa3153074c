//! `GET /v1/claims/{id}/history`: every change to a claim and its evidence, oldest first.

use actix_web::HttpResponse;
use serde::Serialize;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::Id;
use crate::store::history::HistoryRow;

/// A claim's history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryRow>,
}

#[utoipa::path(
    get,
    path = "/v1/claims/{id}/history",
    tag = "claims",
    summary = "Every change to a claim",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 200, description = "OK", body = HistoryList), super::problems::Problems)
)]
pub async fn list(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.history(&actor, id).await?;
    Ok(HttpResponse::Ok().json(HistoryList { items }))
}
