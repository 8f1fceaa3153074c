//! `/v1/admin/keys`: creating, listing and revoking API keys.

use actix_web::HttpResponse;
use serde::Serialize;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::{Id, JsonBody};
use super::problems::Problems;
use crate::service::keys::KeyInput;
use crate::store::keys::KeyRow;

/// A key just made, with its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyCreated {
    #[serde(flatten)]
    pub row: KeyRow,
    /// The key itself: shown only now.
    pub key: String,
    pub note: &'static str,
}

#[utoipa::path(
    post,
    path = "/v1/admin/keys",
    tag = "admin",
    summary = "Make a key (shown once)",
    request_body = KeyInput,
    responses((status = 201, description = "Created", body = KeyCreated), Problems)
)]
pub async fn create(Caller(actor): Caller, state: State, body: JsonBody<KeyInput>) -> Result<HttpResponse, ApiError> {
    let (row, key) = state.service.create_key(&actor, &body.value).await?;
    let location = format!("/v1/admin/keys/{}", row.id);
    let note = "The key is shown only now; store it safely.";
    Ok(HttpResponse::Created().insert_header(("location", location)).json(KeyCreated { row, key, note }))
}

/// The keys.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyRow>,
}

#[utoipa::path(
    get,
    path = "/v1/admin/keys",
    tag = "admin",
    summary = "API keys",
    responses((status = 200, description = "OK", body = KeyList), Problems)
)]
pub async fn list(Caller(actor): Caller, state: State) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(KeyList { items: state.service.keys(&actor).await? }))
}

#[utoipa::path(
    delete,
    path = "/v1/admin/keys/{id}",
    tag = "admin",
    summary = "Revoke a key",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 200, description = "OK", body = crate::store::keys::KeyRow), Problems)
)]
pub async fn revoke(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.service.revoke_key(&actor, &id.to_string()).await?))
}
