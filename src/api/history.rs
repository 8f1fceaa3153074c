//! `GET /v1/claims/{id}/history`: every change to a claim and its evidence, oldest first.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::State;
use super::claims::not_found;
use super::error::ApiError;
use super::extract;
use crate::store::{claims, history};

pub async fn list(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let id = extract::path_id(&req)?;
    let items = state
        .store
        .reader
        .read(move |conn| {
            claims::get(conn, id)?;
            history::for_claim(conn, id)
        })
        .await
        .map_err(not_found(id))?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}
