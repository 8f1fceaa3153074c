//! What reviewers work from: `/v1/admin/queue`, `/v1/admin/stats`, and `POST /v1/claims/{id}/assign`.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::claims::Claim;
use super::claims::claim_response;
use super::error::ApiError;
use super::extract::{self, Id, JsonBody};
use super::problems::Problems;
use super::{Page, State};
use crate::domain::validation::{FieldError, Violations};
use crate::domain::workflow::{AssignInput, Status};
use crate::store::claims::ClaimRow;
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

#[utoipa::path(get, path = "/v1/admin/queue", tag = "review", summary = "Claims waiting for action",
    params(
        ("assignee" = Option<String>, Query, description = "A reviewer, or none"),
        ("tag" = Option<String>, Query, description = "Tag"),
        ("status" = Option<String>, Query, pattern = "^(submitted|in_review)$", description = "submitted or in_review"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<QueueItem>), Problems))]
pub async fn queue(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (filter, limit) = queue_request(extract::parse_query(&req)?)?;
    let rows = state.service.queue(&actor, filter, limit).await?;
    let now = chrono::Utc::now();
    let show = |claim: ClaimRow| QueueItem { age_hours: age_hours(&claim, now), claim: claim.into() };
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |c| format!("{}~{}", c.created_at, c.id), show)))
}

/// A claim waiting for action, with how long it has waited.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    #[serde(flatten)]
    pub claim: Claim,
    /// Hours since it was submitted, to a tenth.
    pub age_hours: f64,
}

fn age_hours(claim: &ClaimRow, now: chrono::DateTime<chrono::Utc>) -> f64 {
    let hours = chrono::DateTime::parse_from_rfc3339(&claim.created_at)
        .map(|t| (now - t.to_utc()).num_minutes() as f64 / 60.0)
        .unwrap_or(0.0);
    (hours * 10.0).round() / 10.0
}

fn queue_request(p: QueueParams) -> Result<(QueueFilter, usize), ApiError> {
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
    Ok((filter, limit))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsParams {
    days: Option<String>,
}

#[utoipa::path(get, path = "/v1/admin/stats", tag = "review", summary = "Counts and throughput",
    params(("days" = Option<u32>, Query, minimum = 1, maximum = 366, description = "Days of history")),
    responses((status = 200, description = "OK", body = Stats), Problems))]
pub async fn stats(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let days = days(extract::parse_query(&req)?)?;
    Ok(HttpResponse::Ok().json(Stats::from(state.service.stats(&actor, days).await?)))
}

/// The desk's figures.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub claims: i64,
    pub by_status: Vec<Count>,
    pub by_verdict: Vec<Count>,
    /// The last `days` days, oldest first, including days with nothing.
    pub per_day: Vec<Day>,
    /// Median time from submission to first verification, over claims verified so far.
    pub median_hours_to_verified: Option<f64>,
    pub evidence_by_stance: Vec<Count>,
    pub evidence_retracted: i64,
    /// Claims per assignee (`key` null: unassigned), most first.
    pub by_assignee: Vec<Count>,
    /// Links of live evidence by the state of their last check.
    pub links_by_state: Vec<Count>,
}

/// How many have this value.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: Option<String>,
    pub count: i64,
}

/// One day's claims submitted and verified.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Day {
    pub day: String,
    pub created: i64,
    pub verified: i64,
}

impl From<review::Stats> for Stats {
    fn from(s: review::Stats) -> Stats {
        let counts = |v: Vec<review::Count>| v.into_iter().map(|c| Count { key: c.key, count: c.count }).collect();
        Stats {
            claims: s.claims,
            by_status: counts(s.by_status),
            by_verdict: counts(s.by_verdict),
            per_day: s
                .per_day
                .into_iter()
                .map(|d| Day { day: d.day, created: d.created, verified: d.verified })
                .collect(),
            median_hours_to_verified: s.median_hours_to_verified,
            evidence_by_stance: counts(s.evidence_by_stance),
            evidence_retracted: s.evidence_retracted,
            by_assignee: counts(s.by_assignee),
            links_by_state: counts(s.links_by_state),
        }
    }
}

fn days(p: StatsParams) -> Result<u32, ApiError> {
    Ok(match p.days.as_deref().map(str::parse::<u32>) {
        None => 30,
        Some(Ok(n)) if (1..=366).contains(&n) => n,
        _ => {
            return Err(ApiError::InvalidParameter(vec![FieldError {
                field: "days".into(),
                rule: "range",
                message: "days must be an integer from 1 to 366".into(),
            }]));
        }
    })
}

#[utoipa::path(post, path = "/v1/claims/{id}/assign", tag = "review", summary = "Give a claim to a reviewer",
    params(Id), request_body = AssignInput,
    responses((status = 200, description = "OK", body = super::claims::ClaimDetail), Problems))]
pub async fn assign(
    Caller(actor): Caller,
    state: State,
    Id(id): Id,
    body: JsonBody<AssignInput>,
) -> Result<HttpResponse, ApiError> {
    claim_response(state.service.assign(&actor, id, body.value).await?)
}
