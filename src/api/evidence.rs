//! `/v1/claims/{id}/evidence` and `/v1/evidence/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, Id, JsonBody};
use super::problems::Problems;
use super::{Saved, State, json_with_etag, send};
use crate::domain::evidence::{EvidenceInput, EvidencePatch};
use crate::service::once::Once;
use crate::store::evidence::EvidenceRow;

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
    responses((status = 201, description = "Created", body = crate::store::evidence::EvidenceRow), Problems)
)]
pub async fn attach(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(claim_id): Id,
    body: JsonBody<EvidenceInput>,
) -> Result<HttpResponse, ApiError> {
    let expected = extract::if_match(&req)?;
    let once =
        extract::idempotency_key(&req)?.map(|key| Once { key, request: body.fingerprint(&req), render: created });
    send(state.service.attach_evidence(&actor, claim_id, &body.value, expected, once).await?, created)
}

fn created(row: &EvidenceRow) -> Result<String, serde_json::Error> {
    Saved::created(format!("/v1/evidence/{}", row.id), row.version, row)
}

/// A claim's evidence.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EvidenceList {
    pub items: Vec<EvidenceRow>,
}

#[utoipa::path(
    get,
    path = "/v1/claims/{id}/evidence",
    tag = "evidence",
    summary = "A claim's evidence",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 200, description = "OK", body = EvidenceList), Problems)
)]
pub async fn list(Caller(actor): Caller, state: State, Id(claim_id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.claim_evidence(&actor, claim_id).await?;
    Ok(HttpResponse::Ok().json(EvidenceList { items }))
}

#[utoipa::path(
    get,
    path = "/v1/evidence/{id}",
    tag = "evidence",
    summary = "An evidence item",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 200, description = "OK", body = crate::store::evidence::EvidenceRow), Problems)
)]
pub async fn get(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let row = state.service.evidence(&actor, id).await?;
    json_with_etag(StatusCode::OK, row.version, &row)
}

#[utoipa::path(
    patch,
    path = "/v1/evidence/{id}",
    tag = "evidence",
    summary = "Edit an evidence item",
    params(("id" = i64, Path, description = "The id")),
    request_body = crate::domain::evidence::EvidencePatch,
    responses((status = 200, description = "OK", body = crate::store::evidence::EvidenceRow), Problems)
)]
pub async fn update(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<EvidencePatch>,
) -> Result<HttpResponse, ApiError> {
    let row = state.service.edit_evidence(&actor, id, body.value, extract::if_match(&req)?).await?;
    json_with_etag(StatusCode::OK, row.version, &row)
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
    responses((status = 200, description = "OK", body = crate::store::evidence::EvidenceRow), Problems)
)]
pub async fn retract(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let params: RetractParams = extract::parse_query(&req)?;
    let retracted = state.service.retract_evidence(&actor, id, params.note.as_deref(), extract::if_match(&req)?).await;
    // The note comes in the query string: a broken rule there is a bad parameter.
    let row = retracted.map_err(|e| ApiError::from(e).as_parameter_error())?;
    json_with_etag(StatusCode::OK, row.version, &row)
}
