//! `/v1/admin/keys`: creating, listing and revoking API keys.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::domain::access::{Action, Role};
use crate::domain::validation::Violations;
use crate::store::keys;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    pub name: String,
    pub role: Role,
    /// RFC 3339; the key stops working then.
    pub expires_at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/admin/keys",
    tag = "admin",
    summary = "Make a key (shown once)",
    request_body = KeyInput,
    responses((status = 201, description = "Created", body = serde_json::Value), crate::api::openapi::Problems)
)]
pub async fn create(caller: Caller, state: State, body: JsonBody<KeyInput>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageKeys)?;
    let input = body.value;
    let mut v = Violations::default();
    let name = v.text("name", &input.name, 100).unwrap_or_default();
    let expires_at = input.expires_at.as_deref().and_then(|e| match chrono::DateTime::parse_from_rfc3339(e) {
        Ok(t) if t > chrono::Utc::now() => Some(t.to_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
        Ok(_) => {
            v.add("expires_at", "future", "expires_at must be in the future");
            None
        }
        Err(_) => {
            v.add("expires_at", "rfc3339", "expires_at must be an RFC 3339 timestamp");
            None
        }
    });
    v.into_result(()).map_err(ApiError::Validation)?;
    let actor = caller.actor();
    let role = input.role;
    let (row, key) =
        state.store.writer.write(move |conn| keys::create(conn, &name, role, expires_at.as_deref(), &actor)).await?;
    let mut body = serde_json::to_value(&row).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["key"] = json!(key);
    body["note"] = json!("The key is shown only now; store it safely.");
    Ok(HttpResponse::Created().insert_header(("location", format!("/v1/admin/keys/{}", row.id))).json(body))
}

#[utoipa::path(
    get,
    path = "/v1/admin/keys",
    tag = "admin",
    summary = "API keys",
    responses((status = 200, description = "OK", body = crate::api::openapi::KeyList), crate::api::openapi::Problems)
)]
pub async fn list(caller: Caller, state: State) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageKeys)?;
    let items = state.store.reader.read(keys::list).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[utoipa::path(
    delete,
    path = "/v1/admin/keys/{id}",
    tag = "admin",
    summary = "Revoke a key",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 200, description = "OK", body = crate::store::keys::KeyRow), crate::api::openapi::Problems)
)]
pub async fn revoke(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageKeys)?;
    let id = super::extract::path_id(&req)?;
    let actor = caller.actor();
    let row =
        state.store.writer.write(move |conn| keys::revoke(conn, &id.to_string(), &actor)).await.map_err(
            |e| match e {
                crate::store::Error::NotFound => ApiError::NotFound(format!("no key {id}")),
                other => other.into(),
            },
        )?;
    state.auth.forget_keys();
    Ok(HttpResponse::Ok().json(row))
}
