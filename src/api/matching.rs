//! `POST /v1/match`: the claims a text repeats or resembles, each with why. The same answer, item for
//! item, is the `similar` list of a new claim and of `GET /v1/claims/{id}/similar`.

use actix_web::HttpResponse;
use serde::Serialize;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use super::problems::Problems;
use crate::domain::matching::{MatchInput, Tier};
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::service::matching::Match;

/// What a text and a claim have in common.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matched {
    /// Shared content words, as the text wrote them (compared by stem, without stop words).
    pub words: Vec<String>,
    /// Shared numbers, as one value each ("$5.6M" and "5.6 million" are both `5600000`; `5.4%`).
    pub numbers: Vec<String>,
    /// Word pairs of the claim that the text has in the same order (stems).
    pub phrases: Vec<String>,
    /// Each feature of the score by name (`bm25` relative to the best candidate, `margin` over the
    /// next, the shares of the text's and the claim's rare words held by the other, numbers shared
    /// and differing, word pairs).
    pub features: std::collections::BTreeMap<String, f64>,
}

/// A claim that a text repeats (`same`) or resembles (`related`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchedClaim {
    pub id: i64,
    pub text: String,
    /// 0..1: how likely the text repeats this claim.
    pub score: f64,
    pub tier: Tier,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Has a verdict: checked already.
    pub already_checked: bool,
    /// The claim in the API.
    pub url: String,
    /// The public fact-check page, once the claim has been published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_url: Option<String>,
    /// Newer claims with the same text (but for case and punctuation), shown as this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_text: Vec<i64>,
    pub matched: Matched,
}

impl From<Match> for MatchedClaim {
    fn from(m: Match) -> MatchedClaim {
        let (r, c) = (m.ranked, m.claim);
        let features = r.features.0.iter().map(|(n, v)| (n.to_string(), (v * 1000.0).round() / 1000.0)).collect();
        MatchedClaim {
            id: c.id,
            text: c.fields.text,
            score: r.score,
            tier: m.tier,
            status: c.status,
            already_checked: c.verdict.is_some(),
            url: format!("/v1/claims/{}", c.id),
            verdict: c.verdict,
            review_url: c.published.then(|| format!("/fact-checks/{}", c.id)),
            same_text: r.duplicates,
            matched: Matched { words: r.words, numbers: r.numbers, phrases: r.phrases, features },
        }
    }
}

/// The least scores of the tiers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TierThresholds {
    pub same: f64,
    pub related: f64,
}

/// The claims a text matches, best first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matches {
    pub items: Vec<MatchedClaim>,
    /// The signals the scores were made of (`embedding` and its two companions unless the server
    /// matches by words alone, `--lexical-only`).
    pub signals: Vec<String>,
    pub thresholds: TierThresholds,
}

/// `POST /v1/match`: have we seen this claim? Creates nothing.
#[utoipa::path(post, path = "/v1/match", tag = "claims", summary = "Find claims already checked that a text repeats",
    request_body = MatchInput,
    responses((status = 200, description = "The matching claims, best first", body = Matches), Problems))]
pub async fn find(Caller(actor): Caller, state: State, body: JsonBody<MatchInput>) -> Result<HttpResponse, ApiError> {
    let found = state.service.match_claims(&actor, body.value).await?;
    let thresholds = state.service.match_thresholds();
    Ok(HttpResponse::Ok().json(Matches {
        items: found.into_iter().map(MatchedClaim::from).collect(),
        signals: crate::domain::matching::signals(state.service.vectors()).into_iter().map(str::to_string).collect(),
        thresholds: TierThresholds { same: thresholds.same, related: thresholds.related },
    }))
}
