//! Evidence links: `GET /v1/evidence?state=...` (what needs attention), the archived snapshots at
//! `/v1/evidence/{id}/snapshot[/original]`, and `POST /v1/evidence/{id}/check`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::claims::visible;
use super::error::ApiError;
use super::evidence::missing;
use super::extract;
use crate::domain::access::Action;
use crate::domain::linkcheck::LinkState;
use crate::domain::validation::{FieldError, Violations};
use crate::fetch::archive::gunzip;
use crate::store::links::{self, Which};
use crate::store::{Error, evidence, now};

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
#[utoipa::path(
    get,
    path = "/v1/evidence",
    tag = "evidence",
    summary = "Evidence whose link needs attention",
    params(
        ("state" = Option<String>, Query, description = "pending, live, changed, gone, blocked, failed; comma-separated"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, description = "From next_cursor"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::EvidencePage),
        crate::api::openapi::Problems,
    )
)]
pub async fn attention(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadQueue)?;
    let p: AttentionParams = extract::parse_query(&req)?;
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
    let after = match p.cursor.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(id)) if id >= 0 => id,
        _ => {
            v.add("cursor", "cursor", "cursor is not one this server issued");
            0
        }
    };
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let mut items = state
        .store
        .reader
        .read(move |conn| {
            let ids = links::in_states(conn, &states, after, limit + 1)?;
            ids.into_iter().map(|id| evidence::get(conn, id)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let next_cursor = super::next_page(&mut items, limit, |e| e.id.to_string());
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
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

/// Reads a snapshot of an item the caller may see; 404 with the link's state when there is none yet.
async fn load(
    caller: &Caller,
    state: &State,
    req: &HttpRequest,
    with_body: bool,
) -> Result<(i64, Which, links::Snapshot, Option<links::Checks>), ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(req)?;
    let which = which(req)?;
    let public = caller.is_public();
    let found = state
        .store
        .reader
        .read(move |conn| {
            let item = evidence::get(conn, id)?;
            visible(conn, item.claim_id, public)?;
            let snapshot = links::snapshot(conn, id, which, with_body)?;
            Ok((item, snapshot, links::bookkeeping(conn, id)?))
        })
        .await
        .map_err(missing(id))?;
    match found {
        (_, Some(snapshot), checks) => Ok((id, which, snapshot, checks)),
        (item, None, _) => {
            let link = item.fetch.map_or("not checked", |f| f.state.as_str());
            Err(ApiError::NotFound(format!("evidence {id} has no snapshot yet: its link is {link}")))
        }
    }
}

/// The archived snapshot as JSON: what was fetched, and the readable text.
#[utoipa::path(
    get,
    path = "/v1/evidence/{id}/snapshot",
    tag = "evidence",
    summary = "The archived page's text and description",
    params(
        ("id" = i64, Path, description = "The id"),
        ("which" = Option<String>, Query, description = "cited (default) or current"),
    ),
    responses((status = 200, description = "OK", body = serde_json::Value), crate::api::openapi::Problems)
)]
pub async fn snapshot(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (id, which, snapshot, checks) = load(&caller, &state, &req, false).await?;
    let original =
        snapshot.meta.archived.then(|| format!("/v1/evidence/{id}/snapshot/original?which={}", which.as_str()));
    Ok(HttpResponse::Ok().json(json!({
        "evidence_id": id,
        "which": which.as_str(),
        "snapshot": snapshot.meta,
        "text": snapshot.text,
        "original": original,
        "checks": checks,
    })))
}

/// The original bytes, only ever as a download in a sandbox: an archived page must not run as a page
/// of ours.
#[utoipa::path(
    get,
    path = "/v1/evidence/{id}/snapshot/original",
    tag = "evidence",
    summary = "The archived bytes, as a download",
    params(
        ("id" = i64, Path, description = "The id"),
        ("which" = Option<String>, Query, description = "cited (default) or current"),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<u8>, content_type = "application/octet-stream"),
        crate::api::openapi::Problems,
    )
)]
pub async fn original(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (id, which, snapshot, _) = load(&caller, &state, &req, true).await?;
    let Some(gzipped) = snapshot.body else {
        let kind = snapshot.meta.content_type.as_deref().unwrap_or("no content type");
        return Err(ApiError::NotFound(format!("the original bytes of this snapshot are not archived ({kind})")));
    };
    let bytes = tokio::task::spawn_blocking(move || gunzip(&gzipped))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("archived body of evidence {id}: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(snapshot.meta.content_type.as_deref().unwrap_or("application/octet-stream"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"evidence-{id}-{}-{}.bin\"", which.as_str(), &snapshot.meta.sha256[..12]),
        ))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-transform"))
        .body(bytes))
}

/// Checks the link again as soon as a fetch slot is free.
#[utoipa::path(
    post,
    path = "/v1/evidence/{id}/check",
    tag = "evidence",
    summary = "Check the link again now",
    params(("id" = i64, Path, description = "The id")),
    responses((status = 202, description = "Accepted", body = serde_json::Value), crate::api::openapi::Problems)
)]
pub async fn check(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::EditEvidence)?;
    let id = extract::path_id(&req)?;
    let at = now();
    let due = at.clone();
    state
        .store
        .writer
        .write(move |conn| {
            let item = evidence::get(conn, id)?;
            if item.retracted {
                return Err(Error::Retracted(id));
            }
            links::check_now(conn, id, &at)?;
            Ok(())
        })
        .await
        .map_err(missing(id))?;
    state.link_wake.wake();
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(json!({ "evidence_id": id, "due_at": due })))
}
