//! `GET /v1/claims/{id}/history`: every change to a claim and its evidence, oldest first.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, Id};
use super::problems::Problems;
use super::{Page, State};
use crate::domain::validation::Violations;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// A claim's history, oldest first, a page at a time. Readers without a key see the public changes
/// only (created, edited, moved in the workflow, evidence added or retracted), without notes or names.
#[utoipa::path(get, path = "/v1/claims/{id}/history", tag = "claims", summary = "Every change to a claim",
    params(
        Id,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size"),
        ("cursor" = Option<String>, Query, pattern = "^[1-9][0-9]*$", description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<HistoryEntry>), Problems))]
pub async fn list(Caller(actor): Caller, state: State, Id(id): Id, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p: HistoryParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let limit = v.limit(p.limit.as_deref(), 100, 500);
    let after = v.row_cursor(p.cursor.as_deref()).unwrap_or(0);
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let rows = state.service.history(&actor, id, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |h| h.id.to_string(), HistoryEntry::from)))
}
