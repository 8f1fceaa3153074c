//! `/v1/claims/{id}/evidence` and `/v1/evidence/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::Caller;
use super::claims::{not_found, visible};
use super::error::ApiError;
use super::extract::{self, JsonBody};
use super::{State, json_with_etag, saved_response};
use crate::domain::access::Action;
use crate::domain::evidence::{EvidenceInput, EvidencePatch};
use crate::domain::validation::Violations;
use crate::store::Error;
use crate::store::evidence::{self, EvidenceRow};
use crate::store::idempotency::{self, Key, Saved};

#[utoipa::path(
    post,
    path = "/v1/claims/{id}/evidence",
    tag = "evidence",
    summary = "Attach evidence (fetched in the background)",
    params(
        ("id" = i64, Path, description = "The id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe"),
    ),
    request_body = crate::domain::evidence::EvidenceInput,
    responses(
        (status = 201, description = "Created", body = crate::store::evidence::EvidenceRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn attach(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<EvidenceInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::AttachEvidence)?;
    let claim_id = extract::path_id(&req)?;
    let item = body.value.validate().map_err(ApiError::Validation)?;
    let precondition = extract::if_match(&req)?;
    let key = extract::idempotency_key(&req)?.map(|k| Key::new(&k, "POST", req.path(), &body.raw));
    let actor = caller.actor();
    let (saved, replayed) = state
        .store
        .writer
        .write(move |conn| {
            if let Some(saved) = key.as_ref().map(|k| idempotency::replay(conn, k)).transpose()?.flatten() {
                return Ok((saved, true));
            }
            let row = evidence::attach(conn, claim_id, &item, precondition.as_ref(), &actor)?;
            let saved = Saved {
                status: 201,
                location: Some(format!("/v1/evidence/{}", row.id)),
                etag: Some(row.etag()),
                body: serde_json::to_string(&row)?,
            };
            if let Some(key) = &key {
                idempotency::save(conn, key, &saved)?;
            }
            Ok((saved, false))
        })
        .await
        .map_err(not_found(claim_id))?;
    if !replayed {
        state.link_wake.wake();
    }
    Ok(saved_response(saved, replayed))
}

#[utoipa::path(
    get,
    path = "/v1/claims/{id}/evidence",
    tag = "evidence",
    summary = "A claim's evidence",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::EvidenceList),
        crate::api::openapi::Problems,
    )
)]
pub async fn list(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let claim_id = extract::path_id(&req)?;
    let public = caller.is_public();
    let items = state
        .store
        .reader
        .read(move |conn| {
            visible(conn, claim_id, public)?;
            evidence::for_claim(conn, claim_id)
        })
        .await
        .map_err(not_found(claim_id))?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[utoipa::path(
    get,
    path = "/v1/evidence/{id}",
    tag = "evidence",
    summary = "An evidence item",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::store::evidence::EvidenceRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn get(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(&req)?;
    let public = caller.is_public();
    let row = state
        .store
        .reader
        .read(move |conn| {
            let row = evidence::get(conn, id)?;
            visible(conn, row.claim_id, public)?;
            Ok(row)
        })
        .await
        .map_err(missing(id))?;
    respond(&row)
}

#[utoipa::path(
    patch,
    path = "/v1/evidence/{id}",
    tag = "evidence",
    summary = "Edit an evidence item",
    params(("id" = i64, Path, description = "The id")),
    request_body = crate::domain::evidence::EvidencePatch,
    responses(
        (status = 200, description = "OK", body = crate::store::evidence::EvidenceRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn update(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<EvidencePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::EditEvidence)?;
    let id = extract::path_id(&req)?;
    let precondition = extract::if_match(&req)?;
    let patch = body.value;
    let actor = caller.actor();
    let row = state
        .store
        .writer
        .write(move |conn| evidence::update(conn, id, &patch, precondition.as_ref(), &actor))
        .await
        .map_err(missing(id))?;
    respond(&row)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetractParams {
    note: Option<String>,
}

/// Retracts the item: it stays, with its history, but no longer counts.
#[utoipa::path(
    delete,
    path = "/v1/evidence/{id}",
    tag = "evidence",
    summary = "Retract an evidence item (it stays, no longer counting)",
    params(("id" = i64, Path, description = "The id"), ("note" = Option<String>, Query, description = "Why")),
    responses(
        (status = 200, description = "OK", body = crate::store::evidence::EvidenceRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn retract(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::EditEvidence)?;
    let id = extract::path_id(&req)?;
    let params: RetractParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let note = v.optional_text("note", params.note.as_deref(), 5000);
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let precondition = extract::if_match(&req)?;
    let actor = caller.actor();
    let row = state
        .store
        .writer
        .write(move |conn| evidence::retract(conn, id, note.as_deref(), precondition.as_ref(), &actor))
        .await
        .map_err(missing(id))?;
    respond(&row)
}

fn respond(row: &EvidenceRow) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json_with_etag(StatusCode::OK, &row.etag(), body))
}

/// Maps the store's bare `NotFound` to a message naming the evidence item.
pub(super) fn missing(id: i64) -> impl Fn(Error) -> ApiError {
    super::error::missing("evidence", id)
}
