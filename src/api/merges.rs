//! `GET /v1/claims/{id}/merges`: the other fact-checkers' reviews an import merged into a claim, and
//! `POST /v1/claims/{id}/merges/split`: one of them taken back out, into a claim of its own.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::Caller;
use super::claims::ClaimDetail;
use super::error::ApiError;
use super::extract::{self, Id, IdempotencyKey, JsonBody};
use super::problems::Problems;
use super::{Saved, State, send};
use crate::domain::import::{SplitInput, rounded_score};
use crate::domain::verdict::Verdict;
use crate::service::once::Once;
use crate::store;
use crate::store::merged_reviews::MergedRow;

/// A review merged into the claim.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Merge {
    /// The review's identifier (its URL): the key a split names it by.
    pub review: String,
    /// The claim as the review words it: one more wording the claim is found by, until split out.
    pub text: String,
    /// The review's rating, as a verdict. The claim's own verdict stays the desk's.
    pub verdict: Verdict,
    /// The match's score when it was merged.
    pub score: f64,
    pub merged_at: String,
    /// The evidence items the merge attached to the claim.
    pub attached_evidence: Vec<i64>,
    /// Items the claim already cited that the review cites too.
    pub held_evidence: Vec<i64>,
    /// The claim the review was split out into; `null` while it is merged.
    pub split_into: Option<i64>,
    pub split_at: Option<String>,
}

impl From<MergedRow> for Merge {
    fn from(m: MergedRow) -> Merge {
        let (split_into, split_at) = m.split.map(|s| (s.into, s.at)).unzip();
        Merge {
            review: m.external_id,
            text: m.text,
            verdict: m.verdict,
            score: rounded_score(m.score),
            merged_at: m.merged_at,
            attached_evidence: m.attached,
            held_evidence: m.held,
            split_into,
            split_at,
        }
    }
}

/// The reviews merged into a claim.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MergedList {
    pub items: Vec<Merge>,
}

#[utoipa::path(get, path = "/v1/claims/{id}/merges", tag = "claims",
    summary = "Other fact-checkers' reviews an import merged into the claim", params(Id),
    responses((status = 200, description = "OK", body = MergedList), Problems))]
pub async fn list(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let items = state.service.merges(&actor, id).await?.into_iter().map(Merge::from).collect();
    Ok(HttpResponse::Ok().json(MergedList { items }))
}

/// The review becomes a claim of its own, as an import without merging makes one: its wording, the
/// review itself and every item it cites (what the merge attached stops counting on this claim), and
/// its rating as the verdict, verified when any of those items is live. The claim it was merged into keeps a
/// `claim.split` entry in its history.
#[utoipa::path(post, path = "/v1/claims/{id}/merges/split", tag = "claims",
    summary = "Split a merged review out into a claim of its own", params(Id, IdempotencyKey),
    request_body = SplitInput,
    responses((status = 201, description = "The claim the review became", body = ClaimDetail), Problems))]
pub async fn split(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<SplitInput>,
) -> Result<HttpResponse, ApiError> {
    let once =
        extract::idempotency_key(&req)?.map(|key| Once { key, request: body.fingerprint(&req), render: created });
    send(state.service.split_merge(&actor, id, &body.value, once).await?, created)
}

fn created(detail: &store::claims::ClaimDetail) -> Result<String, serde_json::Error> {
    let claim = &detail.claim;
    Saved::created(format!("/v1/claims/{}", claim.id), claim.version, &ClaimDetail::from(detail.clone()))
}
