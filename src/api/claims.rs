//! `/v1/claims` and `/v1/claims/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::Caller;
use super::cache::Rendered;
use super::error::ApiError;
use super::extract::{self, JsonBody};
use super::{State, json_with_etag, saved_response};
use crate::domain::access::Action;
use crate::domain::claim::{ClaimInput, ClaimPatch};
use crate::domain::relevance;
use crate::domain::similarity::THRESHOLD;
use crate::domain::validation::Violations;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::store::claims;
use crate::store::claims::ClaimDetail;
use crate::store::idempotency::{self, Key, Saved};
use crate::store::listing::{self, Cursor, Filter, Sort};
use crate::store::similar::{self, Similar};

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[utoipa::path(
    post,
    path = "/v1/claims",
    tag = "claims",
    summary = "Submit a claim",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = crate::domain::claim::ClaimInput,
    responses(
        (status = 201, description = "Created, with similar claims", body = crate::api::openapi::ClaimCreated),
        crate::api::openapi::Problems,
    )
)]
pub async fn create(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<ClaimInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::CreateClaims)?;
    let content = body.value.validate().map_err(ApiError::Validation)?;
    let key = extract::idempotency_key(&req)?.map(|k| Key::new(&k, "POST", req.path(), &body.raw));
    let actor = caller.actor();
    let (text, common) = (content.text.clone(), state.common_words.clone());
    let lookup = state.store.reader.read(move |conn| similar::similar(conn, &text, None, false, &common));
    let Some(key) = key else {
        // The lookup runs beside the write: the writer thread, which every write waits for, does no
        // searching, and the request waits for the slower of the two, not both.
        let write = state.store.writer.write(move |conn| claims::insert(conn, &content, None, &actor));
        let (similar, claim) = tokio::join!(lookup, write);
        let claim = claim?;
        let mut similar = similar.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "similar claims could not be looked up");
            Vec::new()
        });
        similar.retain(|s| s.id != claim.id);
        // Serialized here rather than on the writer thread.
        return Ok(saved_response(created_response(&ClaimDetail::new_claim(claim), &similar)?, false));
    };
    // The saved response must hold the similar claims, so with an Idempotency-Key they come first.
    let similar = lookup.await?;
    let created = state
        .store
        .writer
        .write(move |conn| {
            if let Some(saved) = idempotency::replay(conn, &key)? {
                return Ok(Created::Replayed(saved));
            }
            let claim = claims::insert(conn, &content, None, &actor)?;
            let saved = created_response(&ClaimDetail::new_claim(claim), &similar)?;
            idempotency::save(conn, &key, &saved)?;
            Ok(Created::Saved(saved))
        })
        .await?;
    Ok(match created {
        Created::Saved(saved) => saved_response(saved, false),
        Created::Replayed(saved) => saved_response(saved, true),
    })
}

/// A claim made under an Idempotency-Key: its response, saved with it, or replayed.
enum Created {
    Saved(Saved),
    Replayed(Saved),
}

/// A new claim, with the claims it resembles.
#[derive(Serialize)]
struct CreatedBody<'a> {
    #[serde(flatten)]
    detail: &'a ClaimDetail,
    similar: &'a [Similar],
}

fn created_response(detail: &ClaimDetail, similar: &[Similar]) -> Result<Saved, crate::store::Error> {
    Ok(Saved {
        status: 201,
        location: Some(format!("/v1/claims/{}", detail.claim.id)),
        etag: Some(detail.claim.etag()),
        body: serde_json::to_string(&CreatedBody { detail, similar })?,
    })
}

/// `GET /v1/claims/{id}/similar`: claims that say much the same in other words.
#[utoipa::path(
    get,
    path = "/v1/claims/{id}/similar",
    tag = "claims",
    summary = "Claims that say much the same",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::SimilarList),
        crate::api::openapi::Problems,
    )
)]
pub async fn similar(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(&req)?;
    let (public, common) = (caller.is_public(), state.common_words.clone());
    let items = state
        .store
        .reader
        .read(move |conn| {
            visible(conn, id, public)?;
            let claim = claims::get(conn, id)?;
            similar::similar(conn, &claim.text, Some(id), public, &common)
        })
        .await
        .map_err(not_found(id))?;
    Ok(HttpResponse::Ok().json(json!({ "items": items, "threshold": THRESHOLD })))
}

#[utoipa::path(
    get,
    path = "/v1/claims/{id}",
    tag = "claims",
    summary = "A claim with its evidence and confidence breakdown",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::store::claims::ClaimDetail),
        (status = 304, description = "Not modified"),
        crate::api::openapi::Problems,
    )
)]
pub async fn get(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let id = extract::path_id(&req)?;
    let rendered = match state.claims_cache.get(id) {
        Some(hit) => {
            state.metrics.cache_hits.inc();
            hit
        }
        None => {
            state.metrics.cache_misses.inc();
            let ticket = state.claims_cache.ticket(id);
            let detail = state.store.reader.read(move |conn| claims::detail(conn, id)).await.map_err(not_found(id))?;
            let body = serde_json::to_vec(&detail).map_err(|e| ApiError::Internal(e.to_string()))?;
            let published = detail.claim.status == Status::Published;
            let rendered = Rendered { etag: detail.claim.etag(), body: body.into(), published };
            state.claims_cache.insert(id, ticket, rendered.clone());
            rendered
        }
    };
    if caller.is_public() && !rendered.published {
        return Err(ApiError::NotFound(format!("no claim {id}")));
    }
    if extract::not_modified(&req, &rendered.etag) {
        return Ok(HttpResponse::NotModified().insert_header(("etag", rendered.etag)).finish());
    }
    Ok(json_with_etag(StatusCode::OK, &rendered.etag, rendered.body))
}

#[utoipa::path(
    patch,
    path = "/v1/claims/{id}",
    tag = "claims",
    summary = "Edit a claim's content",
    params(("id" = i64, Path, description = "The id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = crate::domain::claim::ClaimPatch,
    responses(
        (status = 200, description = "OK", body = crate::store::claims::ClaimDetail),
        crate::api::openapi::Problems,
    )
)]
pub async fn update(
    caller: Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<ClaimPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Action::EditClaims)?;
    let id = extract::path_id(&req)?;
    let precondition = extract::required_if_match(&req)?;
    let patch = body.value;
    let actor = caller.actor();
    let detail = state
        .store
        .writer
        .write(move |conn| {
            claims::update(conn, id, &patch, &precondition, &actor)?;
            claims::detail(conn, id)
        })
        .await
        .map_err(not_found(id))?;
    claim_response(&detail)
}

/// A claim as the answer to a change: its detail, with its new ETag.
pub fn claim_response(detail: &ClaimDetail) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(detail).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json_with_etag(StatusCode::OK, &detail.claim.etag(), body))
}

/// Anonymous readers may see a claim's parts only once it is published.
pub fn visible(conn: &rusqlite::Connection, claim_id: i64, public: bool) -> Result<(), crate::store::Error> {
    let claim = claims::get(conn, claim_id)?;
    if public && claim.status != Status::Published {
        return Err(crate::store::Error::NotFound);
    }
    Ok(())
}

/// Maps the store's bare `NotFound` to a message naming the claim.
pub fn not_found(id: i64) -> impl Fn(crate::store::Error) -> ApiError {
    super::error::missing("claim", id)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    verdict: Option<String>,
    tag: Option<String>,
    claimant: Option<String>,
    q: Option<String>,
    created_after: Option<String>,
    created_before: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    count: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/claims",
    tag = "claims",
    summary = "List and search claims",
    params(
        ("status" = Option<crate::domain::workflow::Status>, Query, description = "Only claims in this status"),
        ("verdict" = Option<crate::domain::verdict::Verdict>, Query, description = "Only claims with this verdict"),
        ("tag" = Option<String>, Query, description = "Only claims with this tag"),
        ("claimant" = Option<String>, Query, description = "Only claims by this claimant"),
        ("q" = Option<String>, Query, description = "Full-text search"),
        ("created_after" = Option<String>, Query, description = "RFC 3339"),
        ("created_before" = Option<String>, Query, description = "RFC 3339"),
        ("sort" = Option<String>, Query, description = "created, -created, updated, -updated, confidence, -confidence, relevance"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size"),
        ("cursor" = Option<String>, Query, description = "From next_cursor"),
        ("count" = Option<bool>, Query, description = "Add the total"),
    ),
    responses((status = 200, description = "OK", body = crate::api::openapi::ClaimPage), crate::api::openapi::Problems)
)]
pub async fn list(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ReadClaims)?;
    let params: ListParams = extract::parse_query(&req)?;
    let mut request = list_request(params)?;
    if caller.is_public() {
        // Anonymous readers see published claims only: asking for another status finds nothing.
        if request.filter.status.is_some_and(|s| s != Status::Published) {
            return Ok(HttpResponse::Ok().json(json!({"items": [], "next_cursor": null})));
        }
        request.filter.status = Some(Status::Published);
    }
    let page = state.store.reader.read(move |conn| listing::list(conn, &request)).await?;
    let mut body = json!({
        "items": page.items,
        "next_cursor": page.next.as_ref().map(encode_cursor),
    });
    if let Some(total) = page.total {
        body["total"] = json!(total);
    }
    Ok(HttpResponse::Ok().json(body))
}

fn list_request(p: ListParams) -> Result<listing::Request, ApiError> {
    let mut v = Violations::default();
    let mut one_of = |field: &str, value: Option<&str>, names: &[&str]| -> Option<String> {
        let value = value?;
        if names.contains(&value) {
            Some(value.to_owned())
        } else {
            v.add(field, "one-of", format!("{field} must be one of: {}", names.join(", ")));
            None
        }
    };
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let verdicts: Vec<&str> = Verdict::ALL.iter().map(|s| s.as_str()).collect();
    let status = one_of("status", p.status.as_deref(), &statuses).and_then(|s| Status::parse(&s));
    let verdict = one_of("verdict", p.verdict.as_deref(), &verdicts).and_then(|s| Verdict::parse(&s));
    let sort_name = one_of("sort", p.sort.as_deref(), &Sort::NAMES);
    let count = one_of("count", p.count.as_deref(), &["true", "false"]).is_some_and(|c| c == "true");

    let search = p.q.as_deref().map(|q| {
        let words = relevance::query_words(q);
        if words.is_empty() {
            v.add("q", "has-words", "q must contain at least one letter or digit");
        }
        words
    });
    let sort = match sort_name.and_then(|s| Sort::parse(&s)) {
        Some(Sort::Relevance) if search.is_none() => {
            v.add("sort", "needs-q", "sort=relevance needs a search (q)");
            Sort::Relevance
        }
        Some(sort) => sort,
        None if search.is_some() => Sort::Relevance,
        None => Sort::Created { descending: true },
    };
    let limit = v.limit(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT);
    let mut time = |field: &str, value: Option<&str>| {
        let value = value?;
        match chrono::DateTime::parse_from_rfc3339(value) {
            Ok(t) => Some(t.to_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            Err(_) => {
                v.add(field, "rfc3339", format!("{field} must be an RFC 3339 timestamp"));
                None
            }
        }
    };
    let created_after = time("created_after", p.created_after.as_deref());
    let created_before = time("created_before", p.created_before.as_deref());
    let cursor = p.cursor.as_deref().and_then(|c| match decode_cursor(c) {
        Some(cursor) if cursor.sort != sort.name() => {
            v.add("cursor", "same-sort", "cursor belongs to another sort order");
            None
        }
        Some(cursor) if cursor.fits(sort) => Some(cursor),
        _ => {
            v.add("cursor", "cursor", "cursor is not one this server issued");
            None
        }
    });
    let filter = Filter {
        status,
        verdict,
        tag: p.tag.map(|t| t.trim().to_lowercase()),
        claimant: p.claimant.map(|c| c.trim().to_owned()),
        search: search.filter(|w| !w.is_empty()),
        created_after,
        created_before,
    };
    let request = listing::Request { filter, sort, limit, cursor, count };
    v.into_result(request).map_err(ApiError::InvalidParameter)
}

fn encode_cursor(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(raw: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}
