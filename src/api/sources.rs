//! `/v1/sources`: the Sources registry, the desk's reliability for each site. Operation ids are named
//! in full: a plain `list` or `create` would share its id with another resource's handler.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, Id, IfMatch, JsonBody};
use super::problems::Problems;
use super::{Page, State, json_with_etag};
use crate::domain::source::{SourceInput, SourcePatch};
use crate::domain::validation::Violations;
use crate::service::sources::SourceQuery;
use crate::store::sources::SourceRow;

/// A registered source.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Source {
    pub id: i64,
    /// The host, lower case, without `www.`: as evidence's `site`.
    pub site: String,
    pub publisher: String,
    /// What evidence from the site attached without a reliability takes.
    pub reliability: f64,
    /// Why the desk gives it this reliability.
    pub note: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SourceRow> for Source {
    fn from(s: SourceRow) -> Source {
        let SourceRow { id, site, publisher, reliability, note, version, created_at, updated_at } = s;
        Source { id, site, publisher, reliability, note, version, created_at, updated_at }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    site: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/sources", tag = "sources", operation_id = "list_sources",
    summary = "Registered sources, by site",
    params(
        ("site" = Option<String>, Query, description = "Only this site's source: a host name or a URL on it"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<Source>), Problems))]
pub async fn list(Caller(actor): Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p: ListParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let limit = v.limit(p.limit.as_deref(), 50, 100);
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let query = SourceQuery { site: p.site, after: p.cursor.unwrap_or_default(), limit };
    // The site comes in the query string: a broken rule there is a bad parameter.
    let rows = state.service.sources(&actor, query).await.map_err(|e| ApiError::from(e).as_parameter_error())?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |s| s.site.clone(), Source::from)))
}

#[utoipa::path(get, path = "/v1/sources/{id}", tag = "sources", operation_id = "get_source",
    summary = "A registered source", params(Id),
    responses((status = 200, description = "OK", body = Source), Problems))]
pub async fn get(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    let row = state.service.source(&actor, id).await?;
    json_with_etag(StatusCode::OK, row.version, Source::from(row))
}

#[utoipa::path(post, path = "/v1/sources", tag = "sources", operation_id = "register_source",
    summary = "Register a source",
    description = "A site registered already is 409 with `duplicate_of`. Evidence from the site attached after, without a reliability, takes this one.",
    request_body = SourceInput,
    responses((status = 201, description = "Registered", body = Source), Problems))]
pub async fn create(
    Caller(actor): Caller,
    state: State,
    body: JsonBody<SourceInput>,
) -> Result<HttpResponse, ApiError> {
    let row = state.service.register_source(&actor, &body.value).await?;
    let mut response = json_with_etag(StatusCode::CREATED, row.version, Source::from(row.clone()))?;
    if let Ok(location) = format!("/v1/sources/{}", row.id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(patch, path = "/v1/sources/{id}", tag = "sources", operation_id = "update_source",
    summary = "Change a source's publisher, reliability or note",
    description = "Evidence attached before keeps the reliability it was weighed with.",
    params(Id, IfMatch),
    request_body = SourcePatch,
    responses((status = 200, description = "OK", body = Source), Problems))]
pub async fn update(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
    body: JsonBody<SourcePatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = extract::required_if_match(&req)?;
    let row = state.service.edit_source(&actor, id, body.value, expected).await?;
    json_with_etag(StatusCode::OK, row.version, Source::from(row))
}
