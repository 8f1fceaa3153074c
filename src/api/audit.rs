//! `/v1/admin/audit`: the tamper-evident record of every write, and its verification.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract;
use crate::domain::access::Action;
use crate::domain::validation::Violations;
use crate::store::audit::{self, Filter};

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

#[utoipa::path(
    get,
    path = "/v1/admin/audit",
    tag = "admin",
    summary = "The audit log",
    params(
        ("actor" = Option<String>, Query, description = "Actor"),
        ("claim_id" = Option<i64>, Query, minimum = 1, description = "Claim"),
        ("action" = Option<String>, Query, description = "Action"),
        ("since" = Option<String>, Query, description = "RFC 3339"),
        ("until" = Option<String>, Query, description = "RFC 3339"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = crate::api::openapi::AuditPage), crate::api::openapi::Problems)
)]
pub async fn list(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadAudit)?;
    let p: AuditParams = extract::parse_query(&req)?;
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
    let before_id = integer("cursor", p.cursor.as_deref());
    let limit = integer("limit", p.limit.as_deref()).unwrap_or(50);
    let mut time = |field: &str, value: Option<&str>| {
        value.and_then(|s| match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.to_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            Err(_) => {
                v.add(field, "rfc3339", format!("{field} must be an RFC 3339 timestamp"));
                None
            }
        })
    };
    let since = time("since", p.since.as_deref());
    let until = time("until", p.until.as_deref());
    if limit > 500 {
        v.add("limit", "range", "limit must be from 1 to 500");
    }
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let filter = Filter { actor: p.actor, claim_id, action: p.action, since, until, before_id };
    let limit = limit as usize;
    let mut items = state.store.reader.read(move |conn| audit::list(conn, &filter, limit)).await?;
    let next_cursor = super::next_page(&mut items, limit, |r| r.id.to_string());
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
}

#[utoipa::path(
    get,
    path = "/v1/admin/audit/verify",
    tag = "admin",
    summary = "Check the audit log's hash chain",
    responses(
        (status = 200, description = "OK", body = crate::store::audit::Verification),
        crate::api::openapi::Problems,
    )
)]
pub async fn verify(caller: Caller, state: State) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadAudit)?;
    let verification = state.store.reader.read(audit::verify).await?;
    Ok(HttpResponse::Ok().json(verification))
}
