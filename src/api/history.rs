//! `GET /v1/claims/{id}/history`: every change to a claim and its evidence, oldest first.

use actix_web::HttpResponse;
use serde::Serialize;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::Id;
use super::problems::Problems;
use crate::store::history::HistoryRow;

/// One change to a claim or its evidence.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    pub claim_id: i64,
    pub evidence_id: Option<i64>,
    pub action: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    pub note: Option<String>,
    pub actor: String,
    /// The key the actor used; `null` for the service itself.
    pub actor_key_id: Option<i64>,
    pub actor_role: Option<String>,
    pub at: String,
}

impl From<HistoryRow> for HistoryEntry {
    fn from(h: HistoryRow) -> HistoryEntry {
        HistoryEntry {
            id: h.id,
            claim_id: h.claim_id,
            evidence_id: h.evidence_id,
            action: h.action,
            from: h.from,
            to: h.to,
            note: h.note,
            actor: h.actor,
            actor_key_id: h.actor_key_id,
            actor_role: h.actor_role,
            at: h.at,
        }
    }
}

/// A claim's history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryEntry>,
}

#[utoipa::path(get, path = "/v1/claims/{id}/history", tag = "claims", summary = "Every change to a claim",
    params(super::extract::Id), responses((status = 200, description = "OK", body = HistoryList), Problems))]
pub async fn list(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.history(&actor, id).await?.into_iter().map(HistoryEntry::from).collect();
    Ok(HttpResponse::Ok().json(HistoryList { items }))
}
