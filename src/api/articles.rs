//! `/v1/articles`: articles and transcripts taken in, their sentences ranked as candidate claims,
//! and accepting a candidate as a claim.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::claims::ClaimDetail;
use super::error::ApiError;
use super::extract::{self, Id, LargeJsonBody};
use super::matching::MatchedClaim;
use super::problems::Problems;
use super::{Page, State, json_with_etag};
use crate::domain::article::{AcceptInput, ArticleInput};
use crate::domain::validation::{FieldError, Violations};
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::service::articles::{ArticleView, Match};
use crate::store::articles::{ArticleRow, PageSnapshot, SentenceRow};

/// Said of an article whose text is not English: the model was trained on English transcripts.
pub const ENGLISH_ONLY: &str =
    "Scores are meaningful for English text only: this text was split and stored, but its scores do not rank it.";

/// An article taken in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Article {
    pub id: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
    /// Who publishes it: as given, else (for a page fetched) `og:site_name`, the JSON-LD
    /// `publisher`'s name, or the host.
    pub publisher: Option<String>,
    pub language: Option<String>,
    /// Whether the text reads as English, the only language the scores are meaningful for.
    pub english: bool,
    /// `text`, `html` or `transcript`.
    pub format: String,
    pub sentence_count: i64,
    /// Who took it in.
    pub actor: String,
    pub created_at: String,
    /// The page it was fetched from and archived, when it was taken in by its URL.
    pub fetched: Option<FetchedPage>,
}

/// The page an article was fetched from, as archived.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FetchedPage {
    pub fetched_at: String,
    /// After redirects.
    pub final_url: String,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    /// Bytes read (at most `--fetch-max-bytes`).
    pub size: i64,
    /// The page went on past `--fetch-max-bytes`; the rest was not read.
    pub truncated: bool,
    pub sha256: String,
    /// The original bytes are kept.
    pub archived: bool,
}

impl From<PageSnapshot> for FetchedPage {
    fn from(p: PageSnapshot) -> FetchedPage {
        FetchedPage {
            fetched_at: p.fetched_at,
            final_url: p.final_url,
            redirects: p.redirects,
            status: p.status,
            content_type: p.content_type,
            size: p.size,
            truncated: p.truncated,
            sha256: p.sha256,
            archived: p.archived,
        }
    }
}

impl From<ArticleRow> for Article {
    fn from(a: ArticleRow) -> Article {
        Article {
            id: a.id,
            title: a.title,
            url: a.url,
            published_at: a.published_at,
            publisher: a.publisher,
            language: a.language,
            english: a.english,
            format: a.format,
            sentence_count: a.sentence_count,
            actor: a.actor,
            created_at: a.created_at,
            fetched: a.snapshot.map(FetchedPage::from),
        }
    }
}

/// A feature that moved a sentence's score, in words.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub feature: String,
    pub text: String,
    /// Its push on the score before the logistic function.
    pub weight: f64,
}

/// One sentence as a candidate claim.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// Its place in the article, from 1: the `{n}` to accept it by.
    pub position: i64,
    pub speaker: Option<String>,
    pub text: String,
    /// Check-worthiness, 0 to 1.
    pub score: f64,
    /// `quote_or_attribution`, `quantity`, `comparison`, `cause`, `prediction`, `personal_experience` or `other`.
    pub kind: String,
    /// Who the sentence says made the claim.
    pub claimant: Option<String>,
    pub raised_by: Vec<Reason>,
    pub lowered_by: Vec<Reason>,
    /// The claim accepted from this sentence.
    pub claim_id: Option<i64>,
    /// Registered claims it says much the same as (looked up for the best candidates only).
    pub matches: Vec<MatchedClaim>,
}

/// A claim taken from the article.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TakenClaim {
    pub position: i64,
    pub id: i64,
    pub text: String,
    pub status: Status,
    pub verdict: Option<Verdict>,
}

/// An article with its candidates, best first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleDetail {
    #[serde(flatten)]
    pub article: Article,
    /// Why the scores should not be trusted, when they should not.
    pub note: Option<String>,
    pub candidates: Vec<Candidate>,
    pub claims: Vec<TakenClaim>,
}

impl From<ArticleView> for ArticleDetail {
    fn from(mut v: ArticleView) -> ArticleDetail {
        let mut sentences = v.sentences;
        sentences.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.position.cmp(&b.position)));
        let candidates = sentences.into_iter().map(|s| candidate(s, &mut v.matches)).collect();
        let claims = v
            .taken
            .into_iter()
            .map(|(position, c)| TakenClaim { position, id: c.id, text: c.text, status: c.status, verdict: c.verdict })
            .collect();
        ArticleDetail {
            note: (!v.article.english).then(|| ENGLISH_ONLY.to_string()),
            article: v.article.into(),
            candidates,
            claims,
        }
    }
}

fn candidate(s: SentenceRow, matches: &mut std::collections::HashMap<i64, Vec<Match>>) -> Candidate {
    let reasons = |key: &str| -> Vec<Reason> { serde_json::from_value(s.reasons[key].clone()).unwrap_or_default() };
    Candidate {
        raised_by: reasons("raised"),
        lowered_by: reasons("lowered"),
        matches: matches.remove(&s.position).unwrap_or_default().into_iter().map(MatchedClaim::from).collect(),
        position: s.position,
        speaker: s.speaker,
        text: s.text,
        score: s.score,
        kind: s.kind,
        claimant: s.claimant,
        claim_id: s.claim_id,
    }
}

#[utoipa::path(post, path = "/v1/articles", tag = "articles", summary = "Take in an article or transcript",
    description = "Exactly one of `text` (prose, or `SPEAKER: text` lines), `html` or `sentences`; at most 1,000,000 bytes of text (else 413). Or `url` alone: the page is fetched through the address guard (as evidence is), archived, and its title, publisher, publication date and readable text are read from it (a `title`, `published_at` or `publisher` given overrides the page's); a URL the guard refuses, a page that cannot be fetched (unknown host, no answer, not 2xx) or is not HTML or text is 422 naming `url` and the rule (`address-guard`, `reachable`, `content-type`, `not-empty`, `fetching-off`). Answers the article with every sentence scored, best first.",
    request_body = ArticleInput,
    responses((status = 201, description = "Taken in", body = ArticleDetail), Problems))]
pub async fn create(
    Caller(actor): Caller,
    state: State,
    body: LargeJsonBody<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let view = state.service.submit_article(&actor, body.value).await?;
    let id = view.article.id;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("location", format!("/v1/articles/{id}")))
        .json(ArticleDetail::from(view)))
}

#[utoipa::path(get, path = "/v1/articles/{id}", tag = "articles", summary = "An article with its candidates ranked",
    params(Id), responses((status = 200, description = "OK", body = ArticleDetail), Problems))]
pub async fn get(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ArticleDetail::from(state.service.article(&actor, id).await?)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/articles", tag = "articles", summary = "Articles taken in, newest first",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size"),
        ("cursor" = Option<String>, Query, pattern = "^[1-9][0-9]*$", description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<Article>), Problems))]
pub async fn list(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p: ListParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let limit = v.limit(p.limit.as_deref(), 20, 100);
    let before = v.row_cursor(p.cursor.as_deref()).unwrap_or(i64::MAX);
    let (before, limit) = v.into_result((before, limit)).map_err(ApiError::InvalidParameter)?;
    let rows = state.service.list_articles(&actor, limit, before).await?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |a| a.id.to_string(), Article::from)))
}

#[utoipa::path(post, path = "/v1/articles/{id}/candidates/{n}/accept", tag = "articles",
    summary = "Register a candidate as a claim",
    description = "The claim's `appeared_in` names the article (URL, title, date, `article_id`), the sentence as `quote` and its `position`. The sentence accepted before is 409 with `duplicate_of`.",
    params(Id, ("n" = i64, Path, minimum = 1, description = "The sentence's position")),
    request_body(content = Option<AcceptInput>, description = "Optional edits: text, claimant, tags"),
    responses((status = 201, description = "Registered", body = ClaimDetail), Problems))]
pub async fn accept(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: actix_web::web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let n = position(&req)?;
    // A bodyless accept takes the sentence as it is.
    let edit: AcceptInput =
        if body.iter().all(u8::is_ascii_whitespace) { AcceptInput::default() } else { extract::parse_json(&body)? };
    let detail = state.service.accept_candidate(&actor, id, n, edit).await?;
    let mut response = json_with_etag(StatusCode::CREATED, detail.claim.version, ClaimDetail::from(detail.clone()))?;
    if let Ok(location) = format!("/v1/claims/{}", detail.claim.id).parse() {
        response.headers_mut().insert(actix_web::http::header::LOCATION, location);
    }
    Ok(response)
}

fn position(req: &HttpRequest) -> Result<i64, ApiError> {
    let raw = req.match_info().get("n").unwrap_or_default();
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::InvalidParameter(vec![FieldError {
            field: "n".into(),
            rule: "positive-integer",
            message: format!("n must be a positive integer, not {raw:?}"),
        }])
    })
}
