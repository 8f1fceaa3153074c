//! What reviewers work from: `/v1/admin/queue`, `/v1/admin/stats`, and `POST /v1/claims/{id}/assign`.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::claims::{claim_response, not_found};
use super::error::ApiError;
use super::extract::{self, JsonBody};
use crate::domain::access::Action;
use crate::domain::validation::{FieldError, Violations};
use crate::domain::workflow::Status;
use crate::store::claims;
use crate::store::review::{self, QueueFilter};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueParams {
    /// A reviewer's name, or `none` for claims nobody has taken.
    assignee: Option<String>,
    tag: Option<String>,
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/admin/queue",
    tag = "review",
    summary = "Claims waiting for action",
    params(
        ("assignee" = Option<String>, Query, description = "A reviewer, or none"),
        ("tag" = Option<String>, Query, description = "Tag"),
        ("status" = Option<String>, Query, description = "submitted or in_review"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = serde_json::Value), crate::api::openapi::Problems)
)]
pub async fn queue(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadQueue)?;
    let p: QueueParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let status = p.status.as_deref().and_then(|s| match Status::parse(s) {
        Some(st @ (Status::Submitted | Status::InReview)) => Some(st),
        _ => {
            v.add("status", "one-of", "status must be submitted or in_review");
            None
        }
    });
    let limit = v.limit(p.limit.as_deref(), 50, 200);
    let after = p.cursor.as_deref().and_then(|c| match c.rsplit_once('~') {
        Some((created, id)) if id.parse::<i64>().is_ok() => Some((created.to_owned(), id.parse().unwrap_or(0))),
        _ => {
            v.add("cursor", "cursor", "cursor is not one this server issued");
            None
        }
    });
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let unassigned = p.assignee.as_deref() == Some("none");
    let filter = QueueFilter {
        assignee: p.assignee.filter(|a| a != "none"),
        unassigned,
        tag: p.tag.map(|t| t.trim().to_lowercase()),
        status,
        after,
    };
    let mut items = state.store.reader.read(move |conn| review::queue(conn, &filter, limit)).await?;
    let next_cursor = super::next_page(&mut items, limit, |c| format!("{}~{}", c.created_at, c.id));
    let now = chrono::Utc::now();
    let items: Vec<_> = items
        .into_iter()
        .map(|c| {
            let age_hours = chrono::DateTime::parse_from_rfc3339(&c.created_at)
                .map(|t| (now - t.to_utc()).num_minutes() as f64 / 60.0)
                .unwrap_or(0.0);
            let mut item = serde_json::to_value(&c).unwrap_or_default();
            item["age_hours"] = json!((age_hours * 10.0).round() / 10.0);
            item
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsParams {
    days: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/admin/stats",
    tag = "review",
    summary = "Counts and throughput",
    params(("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Days of history")),
    responses((status = 200, description = "OK", body = crate::store::review::Stats), crate::api::openapi::Problems)
)]
pub async fn stats(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadQueue)?;
    let p: StatsParams = extract::parse_query(&req)?;
    let days = match p.days.as_deref().map(str::parse::<u32>) {
        None => 30,
        Some(Ok(n)) if (1..=366).contains(&n) => n,
        _ => {
            return Err(ApiError::InvalidParameter(vec![FieldError {
                field: "days".into(),
                rule: "range",
                message: "days must be an integer from 1 to 366".into(),
            }]));
        }
    };
    let today = chrono::Utc::now().date_naive();
    let stats = state.store.reader.read(move |conn| review::stats(conn, days, today)).await?;
    Ok(HttpResponse::Ok().json(stats))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The reviewer's name; `null` takes the claim back.
    pub assignee: Option<String>,
    pub note: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/claims/{id}/assign",
    tag = "review",
    summary = "Give a claim to a reviewer",
    params(("id" = i64, Path, description = "The id")),
    request_body = AssignInput,
    responses(
        (status = 200, description = "OK", body = crate::store::claims::ClaimDetail),
        crate::api::openapi::Problems,
    )
)]
pub async fn assign(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<AssignInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::Assign)?;
    let id = extract::path_id(&req)?;
    let mut v = Violations::default();
    let assignee = v.optional_text("assignee", body.value.assignee.as_deref(), 100);
    let note = v.optional_text("note", body.value.note.as_deref(), 5000);
    v.into_result(()).map_err(ApiError::Validation)?;
    let actor = caller.actor();
    let detail = state
        .store
        .writer
        .write(move |conn| {
            claims::assign(conn, id, assignee.as_deref(), note.as_deref(), &actor)?;
            claims::detail(conn, id)
        })
        .await
        .map_err(not_found(id))?;
    claim_response(&detail)
}
