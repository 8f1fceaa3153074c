//! The problem types: one table, from which the status of every error, the `/problems/{type}` pages
//! and the error responses of the OpenAPI document are all made.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// An RFC 9457 problem: every 4xx and 5xx answer has this body, as `application/problem+json`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `GET` it for a description.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every broken rule, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<crate::domain::validation::FieldError>>,
    /// Members of some problem types: `duplicate_of`, `allowed`, `from`, `to`, `current_etag`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// One kind of problem, as clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemType {
    /// Stable; the `type` URI is `/problems/{slug}`.
    pub slug: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub description: &'static str,
}

const fn p(slug: &'static str, status: u16, title: &'static str, description: &'static str) -> ProblemType {
    ProblemType { slug, status, title, description }
}

#[rustfmt::skip]
pub const PROBLEM_TYPES: &[ProblemType] = &[
    p("malformed-json", 400, "Malformed JSON", "The body is not well-formed JSON."),
    p("invalid-parameter", 400, "Invalid request parameter", "A path, query or header parameter is invalid; `errors` names each."),
    p("bad-request", 400, "Bad request", "The request cannot be understood."),
    p("unauthorized", 401, "Unauthorized", "No API key, or an unknown, revoked or expired one (`WWW-Authenticate` says which)."),
    p("forbidden", 403, "Forbidden", "The key's role does not allow this."),
    p("not-found", 404, "Not found", "No resource at this address."),
    p("method-not-allowed", 405, "Method not allowed", "The resource does not support this method."),
    p("request-timeout", 408, "Request timeout", "The request, its headers or its body (--body-timeout), did not arrive in time; the connection is closed."),
    p("duplicate-claim", 409, "Duplicate claim", "A claim with the same normalized text exists; `duplicate_of` is its id."),
    p("duplicate-evidence", 409, "Duplicate evidence", "The URL is already attached to this claim; `duplicate_of` is the item."),
    p("duplicate-source", 409, "Duplicate source", "A source is registered for this site already; `duplicate_of` is its id."),
    p("invalid-transition", 409, "Invalid workflow transition", "The workflow does not allow this move; `allowed` lists the next states."),
    p("evidence-required", 409, "Evidence required", "A claim needs live evidence before it can be verified."),
    p("evidence-retracted", 409, "Evidence retracted", "A retracted evidence item cannot change."),
    p("not-reviewed", 409, "Not reviewed yet", "ClaimReview exists only for verified or published claims."),
    p("precondition-failed", 412, "Precondition failed", "If-Match does not match the current ETag; `current_etag` gives it."),
    p("payload-too-large", 413, "Request body too large", "The body is over 256 KiB."),
    p("unsupported-media-type", 415, "Unsupported media type", "The body must be JSON (application/json)."),
    p("validation", 422, "Invalid request body", "The body breaks rules; `errors` lists each as {field, rule, message}."),
    p("idempotency-key-reused", 422, "Idempotency key reused", "The Idempotency-Key was used before with a different request."),
    p("precondition-required", 428, "Precondition required", "This change needs If-Match with the current ETag."),
    p("too-many-requests", 429, "Too many requests", "Too many requests from this key, or failed sign-ins from this address; see Retry-After."),
    p("too-many-connections", 429, "Too many connections", "Too many connections are open from this address (--max-connections-per-address); this one is closed."),
    p("internal", 500, "Internal server error", "The server failed; the request id identifies it in the log."),
    p("busy", 503, "Service busy", "Too many writes are queued; retry after Retry-After seconds."),
    p("unavailable", 503, "Service unavailable", "The database is not available."),
    p("server-full", 503, "Server full", "The server holds as many connections as it may (--max-connections); this one is closed."),
    p("storage-full", 507, "Storage full", "The database's disk is full; reads still work."),
];

/// The problem type with this slug.
pub fn find(slug: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|p| p.slug == slug)
}

/// Problem types are URI references resolved against the server; `GET /problems/{slug}` describes each.
pub fn type_uri(slug: &str) -> String {
    format!("/problems/{slug}")
}

/// Every problem an endpoint can answer with, for the OpenAPI document: one response per status,
/// naming the problem types that share it.
pub struct Problems;

impl utoipa::IntoResponses for Problems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        for problem in PROBLEM_TYPES {
            by_status.entry(problem.status).or_default().push(problem.title);
        }
        by_status
            .into_iter()
            .map(|(status, titles)| {
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                let response = ResponseBuilder::new()
                    .description(titles.join("; "))
                    .content("application/problem+json", content)
                    .build();
                (status.to_string(), RefOr::T(response))
            })
            .collect()
    }
}
