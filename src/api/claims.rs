//! `/v1/claims` and `/v1/claims/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::cache::Rendered;
use super::error::ApiError;
use super::evidence::Evidence;
use super::extract::{self, Id, IdempotencyKey, IfMatch, JsonBody};
use super::problems::Problems;
use super::{Saved, State, json_with_etag, send};
use crate::domain::claim::Appearance;
use crate::domain::claim::{ClaimInput, ClaimPatch};
use crate::domain::confidence::Assessment;
use crate::domain::search::Query;
use crate::domain::validation::Violations;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::service::claims::{Listed, Submitted};
use crate::service::once::Once;
use crate::store;
use crate::store::claims::ClaimRow;
use crate::store::listing::{self, Cursor, Filter, Sort};

/// A claim, as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Claim {
    pub id: i64,
    pub text: String,
    pub claimant: Option<String>,
    pub appeared_in: Option<Appearance>,
    pub tags: Vec<String>,
    pub language: Option<String>,
    pub status: Status,
    pub verdict: Option<Verdict>,
    /// How the evidence leans, from 0 (refutes) to 1 (supports).
    pub support: f64,
    /// How settled that lean is, from 0 to 1.
    pub confidence: f64,
    pub evidence_count: i64,
    /// The reviewer working on it.
    pub assignee: Option<String>,
    /// Why the verdict is what it is, for readers: given with the verdict, shown as the review's text.
    pub rationale: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ClaimRow> for Claim {
    fn from(r: ClaimRow) -> Claim {
        Claim {
            id: r.id,
            text: r.text,
            claimant: r.claimant,
            appeared_in: r.appeared_in,
            tags: r.tags,
            language: r.language,
            status: r.status,
            verdict: r.verdict,
            support: r.support,
            confidence: r.confidence,
            evidence_count: r.evidence_count,
            assignee: r.assignee,
            rationale: r.rationale,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A claim with everything that explains where it stands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimDetail {
    #[serde(flatten)]
    pub claim: Claim,
    pub allowed_transitions: Vec<Status>,
    pub confidence_breakdown: Assessment,
    pub evidence: Vec<Evidence>,
}

impl From<store::claims::ClaimDetail> for ClaimDetail {
    fn from(d: store::claims::ClaimDetail) -> ClaimDetail {
        ClaimDetail {
            claim: d.claim.into(),
            allowed_transitions: d.allowed_transitions,
            confidence_breakdown: d.confidence_breakdown,
            evidence: d.evidence.into_iter().map(Evidence::from).collect(),
        }
    }
}

pub use super::matching::MatchedClaim as SimilarClaim;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// A new claim, with the claims it resembles.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimCreated {
    #[schema(inline)]
    #[serde(flatten)]
    pub claim: ClaimDetail,
    pub similar: Vec<SimilarClaim>,
}

#[utoipa::path(post, path = "/v1/claims", tag = "claims", summary = "Submit a claim",
    params(IdempotencyKey),
    request_body = crate::domain::claim::ClaimInput,
    responses((status = 201, description = "Created, with similar claims", body = ClaimCreated), Problems))]
pub async fn create(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    body: JsonBody<ClaimInput>,
) -> Result<HttpResponse, ApiError> {
    let once =
        extract::idempotency_key(&req)?.map(|key| Once { key, request: body.fingerprint(&req), render: created });
    let answer = state.service.submit_claim(&actor, &body.value, once).await?;
    send(answer, created)
}

fn created(s: &Submitted) -> Result<String, serde_json::Error> {
    let body = ClaimCreated {
        claim: s.detail.clone().into(),
        similar: s.similar.iter().cloned().map(SimilarClaim::from).collect(),
    };
    Saved::created(format!("/v1/claims/{}", s.detail.claim.id), s.detail.claim.version, &body)
}

/// Claims that say much the same as one claim.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SimilarList {
    pub items: Vec<SimilarClaim>,
    /// The least score shown.
    pub threshold: f64,
}

/// `GET /v1/claims/{id}/similar`: claims that say much the same in other words.
#[utoipa::path(get, path = "/v1/claims/{id}/similar", tag = "claims", summary = "Claims that say much the same",
    params(Id), responses((status = 200, description = "OK", body = SimilarList), Problems))]
pub async fn similar(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.similar_claims(&actor, id).await?.into_iter().map(SimilarClaim::from).collect();
    Ok(HttpResponse::Ok().json(SimilarList { items, threshold: state.service.match_thresholds().related }))
}

#[utoipa::path(get, path = "/v1/claims/{id}", tag = "claims",
    summary = "A claim with its evidence and confidence breakdown", params(Id),
    responses(
        (status = 200, description = "OK", body = ClaimDetail),
        (status = 304, description = "Not modified"),
        Problems,
    ))]
pub async fn get(Caller(actor): Caller, state: State, req: HttpRequest, Id(id): Id) -> Result<HttpResponse, ApiError> {
    // The cache holds the desk's view; readers without a key get theirs made afresh.
    let rendered = match state.claims_cache.get(id).filter(|_| !actor.is_public()) {
        Some(hit) => {
            state.metrics.cache_hits.inc();
            hit
        }
        None => render(&state, &actor, id).await?,
    };
    if !rendered.status.visible_to(&actor) {
        return Err(ApiError::NotFound(format!("no claim {id}")));
    }
    if extract::not_modified(&req, &rendered.etag) {
        return Ok(HttpResponse::NotModified().insert_header(("etag", rendered.etag)).finish());
    }
    Ok(HttpResponse::Ok().content_type("application/json").insert_header(("etag", rendered.etag)).body(rendered.body))
}

/// Reads and renders a claim that is not in the cache, and caches it.
async fn render(state: &State, actor: &crate::domain::access::Actor, id: i64) -> Result<Rendered, ApiError> {
    state.metrics.cache_misses.inc();
    let ticket = state.claims_cache.ticket(id);
    let detail = ClaimDetail::from(state.service.claim(actor, id).await?);
    let body = serde_json::to_vec(&detail).map_err(|e| ApiError::Internal(e.to_string()))?;
    let rendered = Rendered { etag: super::etag(detail.claim.version), body: body.into(), status: detail.claim.status };
    if !actor.is_public() {
        state.claims_cache.insert(id, ticket, rendered.clone());
    }
    Ok(rendered)
}

#[utoipa::path(patch, path = "/v1/claims/{id}", tag = "claims", summary = "Edit a claim's content",
    params(Id, IfMatch),
    request_body = crate::domain::claim::ClaimPatch,
    responses((status = 200, description = "OK", body = ClaimDetail), Problems))]
pub async fn update(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<ClaimPatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = extract::required_if_match(&req)?;
    claim_response(state.service.edit_claim(&actor, id, body.value, expected).await?)
}

/// A claim as the answer to a change: its detail, with its new ETag.
pub fn claim_response(detail: store::claims::ClaimDetail) -> Result<HttpResponse, ApiError> {
    json_with_etag(StatusCode::OK, detail.claim.version, ClaimDetail::from(detail))
}

/// The query of a claim listing, as sent; the admin page's list reads the same fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub status: Option<String>,
    pub verdict: Option<String>,
    pub tag: Option<String>,
    pub claimant: Option<String>,
    pub assignee: Option<String>,
    pub q: Option<String>,
    pub created_after: Option<String>,
    pub created_before: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub count: Option<String>,
}

#[utoipa::path(get, path = "/v1/claims", tag = "claims", summary = "List and search claims",
    params(
        ("status" = Option<crate::domain::workflow::Status>, Query, description = "Only claims in this status"),
        ("verdict" = Option<crate::domain::verdict::Verdict>, Query, description = "Only claims with this verdict"),
        ("tag" = Option<String>, Query, description = "Only claims with this tag"),
        ("claimant" = Option<String>, Query, description = "Only claims by this claimant"),
        ("assignee" = Option<String>, Query, description = "Only claims assigned to this reviewer; `none` for unassigned ones"),
        ("q" = Option<String>, Query, min_length = 1, description = "Words to search for, every one required; ranked by relevance"),
        ("created_after" = Option<String>, Query, format = DateTime, description = "RFC 3339"),
        ("created_before" = Option<String>, Query, format = DateTime, description = "RFC 3339"),
        ("sort" = Option<String>, Query, pattern = "^(-?(created|updated|confidence)|relevance)$", description = "created, -created, updated, -updated, confidence, -confidence, relevance (with q)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "From next_cursor"),
        ("count" = Option<bool>, Query, description = "Add the total"),
    ),
    responses((status = 200, description = "OK", body = ClaimPage), Problems))]
pub async fn list(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let request = list_request(extract::parse_query(&req)?)?;
    // Searches rank what they read; readers without a key get their lists made afresh, as their claims.
    if actor.is_public() || request.filter.search.is_some() {
        let page = state.service.list_claims(&actor, request).await?;
        let next_cursor = page.next.as_ref().map(encode_cursor);
        let items = page.items.into_iter().map(Claim::from).collect();
        return Ok(HttpResponse::Ok().json(ClaimPage { items, next_cursor, total: page.total }));
    }
    // The desk's lists: each claim is rendered once as a list item and kept until it changes, as `get`
    // keeps claims. An item is the claim as last written, which a write racing the list may have moved on
    // from what the list's walk saw an instant before.
    // The tickets are taken before the read, whose walk fixes what it sees of the database: one taken
    // after a change the walk does not see would let the claim as it was fill the cache.
    let cache = state.list_items.clone();
    let tickets = cache.tickets();
    let kept = move |id| cache.get(id).map(|kept| kept.body).ok_or_else(|| tickets.of(id));
    let (listed, walked) = state.service.list_claims_kept(&actor, request, kept).await?;
    let mut items = Vec::with_capacity(listed.len());
    for item in listed {
        items.push(match item {
            Listed::Kept(body) => body,
            Listed::Read(claim, ticket) => {
                let (id, status, version) = (claim.id, claim.status, claim.version);
                let body: Bytes =
                    serde_json::to_vec(&Claim::from(*claim)).map_err(|e| ApiError::Internal(e.to_string()))?.into();
                let rendered = Rendered { etag: super::etag(version), body: body.clone(), status };
                state.list_items.insert(id, ticket, rendered);
                body
            }
        });
    }
    let next_cursor = walked.next.as_ref().map(encode_cursor);
    Ok(HttpResponse::Ok().content_type("application/json").body(page_body(&items, next_cursor, walked.total)))
}

/// A page as `ClaimPage` serializes it, from its items rendered already.
fn page_body(items: &[Bytes], next_cursor: Option<String>, total: Option<i64>) -> Vec<u8> {
    let mut body = Vec::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 64);
    body.extend_from_slice(b"{\"items\":[");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.extend_from_slice(b"],\"next_cursor\":");
    body.extend_from_slice(&serde_json::to_vec(&next_cursor).unwrap_or_else(|_| b"null".to_vec()));
    if let Some(total) = total {
        body.extend_from_slice(format!(",\"total\":{total}").as_bytes());
    }
    body.push(b'}');
    body
}

/// A page of claims.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimPage {
    pub items: Vec<Claim>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
    /// With `count=true`: how many claims match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

pub fn list_request(p: ListParams) -> Result<listing::Request, ApiError> {
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
    let count = v.flag("count", p.count.as_deref(), false);

    let search = p.q.as_deref().map(|q| {
        let query = Query::parse(q);
        if query.words.is_empty() {
            v.add("q", "has-words", "q must contain at least one letter or digit");
        }
        query
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
    let created_after = v.time("created_after", p.created_after.as_deref());
    let created_before = v.time("created_before", p.created_before.as_deref());
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
        assignee: p.assignee.map(|a| a.trim().to_owned()),
        search: search.filter(|q| !q.words.is_empty()),
        created_after,
        created_before,
    };
    let request = listing::Request { filter, sort, limit, cursor, count };
    v.into_result(request).map_err(ApiError::InvalidParameter)
}

pub fn encode_cursor(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(raw: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: i64, text: &str) -> Claim {
        Claim {
            id,
            text: text.into(),
            claimant: Some("Reuters".into()),
            appeared_in: None,
            tags: vec!["markets".into()],
            language: None,
            status: Status::InReview,
            verdict: None,
            support: 0.5,
            confidence: 0.25,
            evidence_count: 1,
            assignee: None,
            rationale: None,
            version: 3,
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            updated_at: "2026-01-02T00:00:00.000000Z".into(),
        }
    }

    #[test]
    fn a_page_of_rendered_items_is_the_page_serialized() {
        for (texts, next, total) in [
            (vec!["One \"quoted\"", "Two\nlines"], Some("eyJzb3J0Ijoi".to_owned()), Some(7)),
            (vec!["Only"], None, None),
            (vec![], None, Some(0)),
        ] {
            let claims: Vec<Claim> = texts.iter().enumerate().map(|(i, t)| claim(i as i64, t)).collect();
            let rendered: Vec<Bytes> = claims.iter().map(|c| serde_json::to_vec(c).unwrap().into()).collect();
            let page = ClaimPage { items: claims, next_cursor: next.clone(), total };
            assert_eq!(page_body(&rendered, next, total), serde_json::to_vec(&page).unwrap());
        }
    }
}
