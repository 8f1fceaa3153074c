//! `/v1/claims/{id}/evidence` and `/v1/evidence/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, Id, IdempotencyKey, IfMatchOptional, JsonBody};
use super::problems::Problems;
use super::{Saved, State, json_with_etag, send};
use crate::domain::evidence::{EvidenceInput, EvidencePatch, ReliabilitySource, Stance};
use crate::domain::linkcheck::LinkState;
use crate::service::once::Once;
use crate::store::evidence::EvidenceRow;
use crate::store::links;

/// An evidence item, as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub claim_id: i64,
    pub url: String,
    pub site: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub reliability: f64,
    /// `given` with the item, `source`: the Sources registry's figure for its site, or `default` (0.5)
    /// for a site nobody registered.
    pub reliability_source: ReliabilitySource,
    pub confidence: f64,
    /// Whether the confidence was given; else it is the default, 0.5.
    pub confidence_given: bool,
    pub note: Option<String>,
    pub retracted: bool,
    pub retracted_at: Option<String>,
    pub retraction_note: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Where the link stands: fetched, archived, still there, changed or gone.
    pub fetch: Option<Fetch>,
    /// Whether the page holds the excerpt; `null` until it is fetched, or without an excerpt.
    pub quote: Option<Quote>,
}

impl From<EvidenceRow> for Evidence {
    fn from(r: EvidenceRow) -> Evidence {
        Evidence {
            id: r.id,
            claim_id: r.claim_id,
            url: r.url,
            site: r.site,
            title: r.title,
            publisher: r.publisher,
            excerpt: r.excerpt,
            stance: r.stance,
            reliability: r.reliability,
            reliability_source: r.reliability_source,
            confidence: r.confidence,
            confidence_given: r.confidence_given,
            note: r.note,
            retracted: r.retracted,
            retracted_at: r.retracted_at,
            retraction_note: r.retraction_note,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            fetch: r.fetch.map(Fetch::from),
            quote: r.quote.map(|q| Quote { found: q.found, context: q.context, found_when_cited: q.found_when_cited }),
        }
    }
}

/// Where an evidence link stands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Fetch {
    pub state: LinkState,
    pub reason: Option<String>,
    pub since: String,
    /// The page when the item was cited: kept for good.
    pub cited: Option<Snapshot>,
    /// The page as it is now, when it differs from the cited one.
    pub current: Option<Snapshot>,
}

impl From<links::Fetch> for Fetch {
    fn from(f: links::Fetch) -> Fetch {
        let (cited, current) = (f.cited.map(Snapshot::from), f.current.map(Snapshot::from));
        Fetch { state: f.state, reason: f.reason, since: f.since, cited, current }
    }
}

/// Whether the page holds the item's excerpt.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Quote {
    /// On the page as last fetched.
    pub found: bool,
    pub context: Option<String>,
    /// On the page as it was when the item was cited.
    pub found_when_cited: bool,
}

/// An archived page's description, without its text and bytes.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub id: i64,
    pub fetched_at: String,
    pub final_url: String,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub size: i64,
    pub truncated: bool,
    pub sha256: String,
    pub title: Option<String>,
    pub published: Option<String>,
    /// The original bytes are kept (text, HTML, JSON and PDF are; other types are not).
    pub archived: bool,
}

impl From<links::SnapshotMeta> for Snapshot {
    fn from(m: links::SnapshotMeta) -> Snapshot {
        Snapshot {
            id: m.id,
            fetched_at: m.fetched_at,
            final_url: m.final_url,
            redirects: m.redirects,
            status: m.status,
            content_type: m.content_type,
            size: m.size,
            truncated: m.truncated,
            sha256: m.sha256,
            title: m.title,
            published: m.published,
            archived: m.archived,
        }
    }
}

#[utoipa::path(post, path = "/v1/claims/{id}/evidence", tag = "evidence",
    summary = "Attach evidence (fetched in the background)",
    params(Id, IfMatchOptional, IdempotencyKey),
    request_body = crate::domain::evidence::EvidenceInput,
    responses((status = 201, description = "Created", body = Evidence), Problems))]
pub async fn attach(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(claim_id): Id,
    body: JsonBody<EvidenceInput>,
) -> Result<HttpResponse, ApiError> {
    let expected = extract::if_match(&req)?;
    let once =
        extract::idempotency_key(&req)?.map(|key| Once { key, request: body.fingerprint(&req), render: created });
    send(state.service.attach_evidence(&actor, claim_id, &body.value, expected, once).await?, created)
}

fn created(row: &EvidenceRow) -> Result<String, serde_json::Error> {
    Saved::created(format!("/v1/evidence/{}", row.id), row.version, &Evidence::from(row.clone()))
}

/// A claim's evidence.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EvidenceList {
    pub items: Vec<Evidence>,
}

#[utoipa::path(get, path = "/v1/claims/{id}/evidence", tag = "evidence", summary = "A claim's evidence", params(Id),
    responses((status = 200, description = "OK", body = EvidenceList), Problems))]
pub async fn list(Caller(actor): Caller, state: State, Id(claim_id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.claim_evidence(&actor, claim_id).await?.into_iter().map(Evidence::from).collect();
    Ok(HttpResponse::Ok().json(EvidenceList { items }))
}

#[utoipa::path(get, path = "/v1/evidence/{id}", tag = "evidence", summary = "An evidence item", params(Id),
    responses((status = 200, description = "OK", body = Evidence), Problems))]
pub async fn get(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let row = state.service.evidence(&actor, id).await?;
    json_with_etag(StatusCode::OK, row.version, Evidence::from(row))
}

#[utoipa::path(patch, path = "/v1/evidence/{id}", tag = "evidence", summary = "Edit an evidence item", params(Id, IfMatchOptional),
    request_body = crate::domain::evidence::EvidencePatch,
    responses((status = 200, description = "OK", body = Evidence), Problems))]
pub async fn update(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<EvidencePatch>,
) -> Result<HttpResponse, ApiError> {
    let row = state.service.edit_evidence(&actor, id, body.value, extract::if_match(&req)?).await?;
    json_with_etag(StatusCode::OK, row.version, Evidence::from(row))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetractParams {
    note: Option<String>,
}

/// Retracts the item: it stays, with its history, but no longer counts.
#[utoipa::path(delete, path = "/v1/evidence/{id}", tag = "evidence",
    summary = "Retract an evidence item (it stays, no longer counting)",
    params(Id, IfMatchOptional, ("note" = Option<String>, Query, description = "Why")),
    responses((status = 200, description = "OK", body = Evidence), Problems))]
pub async fn retract(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let params: RetractParams = extract::parse_query(&req)?;
    let retracted = state.service.retract_evidence(&actor, id, params.note.as_deref(), extract::if_match(&req)?).await;
    // The note comes in the query string: a broken rule there is a bad parameter.
    let row = retracted.map_err(|e| ApiError::from(e).as_parameter_error())?;
    json_with_etag(StatusCode::OK, row.version, Evidence::from(row))
}
