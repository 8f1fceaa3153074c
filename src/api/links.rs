//! Evidence links: `GET /v1/evidence?state=...` (what needs attention), the archived snapshots at
//! `/v1/evidence/{id}/snapshot[/original]`, and `POST /v1/evidence/{id}/check`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::evidence::{Evidence, Snapshot};
use super::extract::{self, Id};
use super::problems::Problems;
use super::{Page, State};
use crate::domain::linkcheck::LinkState;
use crate::domain::validation::{FieldError, Violations};
use crate::store::links::{self, Which};

/// What `GET /v1/evidence` lists when no `state` is given: every link that is not as it was cited.
const ATTENTION: [LinkState; 4] = [LinkState::Gone, LinkState::Changed, LinkState::Blocked, LinkState::Failed];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttentionParams {
    state: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Evidence whose links are in the given states (`gone`, `changed`, ... comma- or `|`-separated).
#[utoipa::path(get, path = "/v1/evidence", tag = "evidence", summary = "Evidence whose link needs attention",
    params(
        ("state" = Option<String>, Query, pattern = "^(pending|live|changed|gone|blocked|failed)([,|](pending|live|changed|gone|blocked|failed))*$", description = "pending, live, changed, gone, blocked, failed; comma- or |-separated"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, pattern = "^[1-9][0-9]*$", description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<Evidence>), Problems))]
pub async fn attention(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (states, after, limit) = attention_request(extract::parse_query(&req)?)?;
    let rows = state.service.links_in_states(&actor, states, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |e| e.id.to_string(), Evidence::from)))
}

fn attention_request(p: AttentionParams) -> Result<(Vec<LinkState>, i64, usize), ApiError> {
    let mut v = Violations::default();
    let states: Vec<LinkState> = match p.state.as_deref() {
        None => ATTENTION.to_vec(),
        Some(list) => list
            .split([',', '|'])
            .filter_map(|s| {
                let parsed = LinkState::parse(s.trim());
                if parsed.is_none() {
                    v.add("state", "one-of", "state must be pending, live, changed, gone, blocked or failed");
                }
                parsed
            })
            .collect(),
    };
    let limit = v.limit(p.limit.as_deref(), 50, 200);
    let after = v.row_cursor(p.cursor.as_deref()).unwrap_or(0);
    v.into_result((states, after, limit)).map_err(ApiError::InvalidParameter)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotParams {
    which: Option<String>,
}

fn which(req: &HttpRequest) -> Result<Which, ApiError> {
    let p: SnapshotParams = extract::parse_query(req)?;
    match p.which.as_deref() {
        None => Ok(Which::Cited),
        Some(given) => Which::parse(given).ok_or_else(|| {
            ApiError::InvalidParameter(vec![FieldError {
                field: "which".into(),
                rule: "one-of",
                message: "which must be cited (the page when it was cited) or current".into(),
            }])
        }),
    }
}

/// The archived snapshot as JSON: what was fetched, and the readable text.
#[utoipa::path(get, path = "/v1/evidence/{id}/snapshot", tag = "evidence",
    summary = "The archived page's text and description",
    params(Id, ("which" = Option<String>, Query, pattern = "^(cited|current)$", description = "cited (default) or current")),
    responses((status = 200, description = "OK", body = SnapshotBody), Problems))]
pub async fn snapshot(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let which = which(&req)?;
    let found = state.service.snapshot(&actor, id, which, false).await?;
    Ok(HttpResponse::Ok().json(SnapshotBody::new(id, which, found)))
}

/// An archived snapshot: what was fetched, and the readable text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SnapshotBody {
    pub evidence_id: i64,
    /// `cited` or `current`.
    pub which: &'static str,
    pub snapshot: Snapshot,
    pub text: Option<String>,
    /// Where the archived bytes are, when they are archived.
    pub original: Option<String>,
    pub checks: Option<Checks>,
}

impl SnapshotBody {
    fn new(id: i64, which: Which, found: crate::service::evidence::Archived) -> SnapshotBody {
        let snapshot = Snapshot::from(found.snapshot.meta);
        let original =
            snapshot.archived.then(|| format!("/v1/evidence/{id}/snapshot/original?which={}", which.as_str()));
        let (text, checks) = (found.snapshot.text, found.checks.map(Checks::from));
        SnapshotBody { evidence_id: id, which: which.as_str(), snapshot, text, original, checks }
    }
}

/// The original bytes, only ever as a download in a sandbox: an archived page must not run as a page
/// of ours.
#[utoipa::path(get, path = "/v1/evidence/{id}/snapshot/original", tag = "evidence",
    summary = "The archived bytes, as a download",
    params(Id, ("which" = Option<String>, Query, pattern = "^(cited|current)$", description = "cited (default) or current")),
    responses((status = 200, description = "OK", body = Vec<u8>, content_type = "application/octet-stream"), Problems))]
pub async fn original(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let which = which(&req)?;
    let original = state.service.original(&actor, id, which).await?;
    Ok(download(id, which, original))
}

/// The original bytes, only ever as an opaque download in a sandbox: an archived page must not run as a
/// page of ours, nor be sniffed into one. Its type as fetched is in the snapshot's description.
fn download(id: i64, which: Which, original: crate::service::evidence::Original) -> HttpResponse {
    let digest = original.sha256.get(..12).unwrap_or_default();
    let name = format!("attachment; filename=\"evidence-{id}-{}-{digest}.bin\"", which.as_str());
    HttpResponse::Ok()
        // Never the remote server's type: a browser would render what it names.
        .content_type("application/octet-stream")
        .insert_header((header::CONTENT_DISPOSITION, name))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-transform"))
        .body(original.bytes)
}

/// Checks the link again as soon as a fetch slot is free.
#[utoipa::path(post, path = "/v1/evidence/{id}/check", tag = "evidence", summary = "Check the link again now",
    params(Id), responses((status = 202, description = "Accepted", body = CheckQueued), Problems))]
pub async fn check(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let due_at = state.service.check_link(&actor, id).await?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(CheckQueued { evidence_id: id, due_at }))
}

/// How often a link was checked, how often in vain, and when it is checked next.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Checks {
    pub checks: i64,
    pub failures: i64,
    pub checked_at: Option<String>,
    pub due_at: Option<String>,
}

impl From<links::Checks> for Checks {
    fn from(c: links::Checks) -> Checks {
        Checks { checks: c.checks, failures: c.failures, checked_at: c.checked_at, due_at: c.due_at }
    }
}

/// A check asked for: when it is due.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckQueued {
    pub evidence_id: i64,
    pub due_at: String,
}
