//! `/v1/admin/keys`: creating, listing and revoking API keys.

use actix_web::HttpResponse;
use serde::Serialize;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::{Id, JsonBody};
use super::problems::Problems;
use crate::domain::access::Role;
use crate::service::keys::KeyInput;
use crate::store::keys::KeyRow;

/// An API key, never with its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Key {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The visible start of the key, by which it is found.
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<KeyRow> for Key {
    fn from(k: KeyRow) -> Key {
        let KeyRow { id, name, role, prefix, created_at, expires_at, revoked_at } = k;
        Key { id, name, role, prefix, created_at, expires_at, revoked_at }
    }
}

/// A key just made, with its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyCreated {
    #[serde(flatten)]
    pub row: Key,
    /// The key itself: shown only now.
    pub key: String,
    pub note: &'static str,
}

#[utoipa::path(post, path = "/v1/admin/keys", tag = "admin", summary = "Make a key (shown once)",
    request_body = KeyInput, responses((status = 201, description = "Created", body = KeyCreated), Problems))]
pub async fn create(Caller(actor): Caller, state: State, body: JsonBody<KeyInput>) -> Result<HttpResponse, ApiError> {
    let (row, key) = state.service.create_key(&actor, &body.value).await?;
    let location = format!("/v1/admin/keys/{}", row.id);
    let note = "The key is shown only now; store it safely.";
    Ok(HttpResponse::Created().insert_header(("location", location)).json(KeyCreated { row: row.into(), key, note }))
}

/// The keys.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub items: Vec<Key>,
}

#[utoipa::path(get, path = "/v1/admin/keys", tag = "admin", summary = "API keys",
    responses((status = 200, description = "OK", body = KeyList), Problems))]
pub async fn list(Caller(actor): Caller, state: State) -> Result<HttpResponse, ApiError> {
    let items = state.service.keys(&actor).await?.into_iter().map(Key::from).collect();
    Ok(HttpResponse::Ok().json(KeyList { items }))
}

#[utoipa::path(delete, path = "/v1/admin/keys/{id}", tag = "admin", summary = "Revoke a key", params(Id),
    responses((status = 200, description = "OK", body = Key), Problems))]
pub async fn revoke(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Key::from(state.service.revoke_key(&actor, &id.to_string()).await?)))
}
