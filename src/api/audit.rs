//! `/v1/admin/audit`: the tamper-evident record of every write, and its verification.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract;
use super::problems::Problems;
use super::{Page, State};
use crate::domain::validation::{FieldError, Violations};
use crate::service::audit::parse_head;
use crate::store::audit::{self, AuditRow, Filter};

/// One row of the audit log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub actor_key_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub claim_id: Option<i64>,
    pub detail: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> AuditEntry {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            actor_key_id: r.actor_key_id,
            actor_role: r.actor_role,
            action: r.action,
            claim_id: r.claim_id,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// The result of walking the chain.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub rows: i64,
    /// The first row whose link or hash does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<audit::Verification> for Verification {
    fn from(v: audit::Verification) -> Verification {
        Verification { ok: v.ok, rows: v.rows, first_broken: v.first_broken, reason: v.reason }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    actor: Option<String>,
    claim_id: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", summary = "The audit log",
    params(
        ("actor" = Option<String>, Query, description = "Actor"),
        ("claim_id" = Option<i64>, Query, minimum = 1, description = "Claim"),
        ("action" = Option<String>, Query, description = "Action"),
        ("since" = Option<String>, Query, format = DateTime, description = "RFC 3339"),
        ("until" = Option<String>, Query, format = DateTime, description = "RFC 3339"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, pattern = "^[1-9][0-9]*$", description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<AuditEntry>), Problems))]
pub async fn list(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (filter, limit) = audit_request(extract::parse_query(&req)?)?;
    let rows = state.service.audit_log(&actor, filter, limit).await?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |r| r.id.to_string(), AuditEntry::from)))
}

fn audit_request(p: AuditParams) -> Result<(Filter, usize), ApiError> {
    let mut v = Violations::default();
    let mut integer = |field: &str, value: Option<&str>| {
        value.and_then(|s| match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                v.add(field, "positive-integer", format!("{field} must be a positive integer"));
                None
            }
        })
    };
    let claim_id = integer("claim_id", p.claim_id.as_deref());
    let before_id = v.row_cursor(p.cursor.as_deref());
    let limit = v.limit(p.limit.as_deref(), 50, 200);
    let since = v.time("since", p.since.as_deref());
    let until = v.time("until", p.until.as_deref());
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let filter = Filter { actor: p.actor, claim_id, action: p.action, since, until, before_id };
    Ok((filter, limit))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyParams {
    since: Option<String>,
}

#[utoipa::path(get, path = "/v1/admin/audit/verify", tag = "admin", summary = "Check the audit log's chain and the history",
    params(("since" = Option<String>, Query, pattern = "^[1-9][0-9]*:[0-9a-fA-F]{64}$", description = "A witnessed head, ROW:HASH, that must still be in the chain")),
    responses((status = 200, description = "OK", body = Verification), Problems))]
pub async fn verify(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let params: VerifyParams = extract::parse_query(&req)?;
    let witnessed = match params.since.as_deref() {
        None => None,
        Some(text) => Some(parse_head(text).ok_or_else(|| {
            let message = "since must be a head as `claimcheck audit head` prints it: ROW:HASH";
            ApiError::InvalidParameter(vec![FieldError {
                field: "since".into(),
                rule: "head",
                message: message.into(),
            }])
        })?),
    };
    Ok(HttpResponse::Ok().json(Verification::from(state.service.verify_audit(&actor, witnessed).await?)))
}
