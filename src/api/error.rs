//! The one error type of the HTTP layer. Every failure maps to a status, a stable problem type and an
//! RFC 9457 `application/problem+json` body; server faults are logged in full and answered without
//! their internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

use crate::domain::validation::FieldError;
use crate::domain::workflow::{Status, TransitionError};
use crate::store;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Maps the store's bare `NotFound` to a message naming what was looked for ("no evidence 7").
pub fn missing(what: &'static str, id: i64) -> impl Fn(store::Error) -> ApiError {
    move |e| match e {
        store::Error::NotFound => ApiError::NotFound(format!("no {what} {id}")),
        other => other.into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid request parameters")]
    InvalidParameter(Vec<FieldError>),
    #[error("the request body breaks {} rule(s)", .0.len())]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the body did not arrive in full within {} s", .0.as_secs_f64())]
    BodyTimeout(std::time::Duration),
    #[error("{detail}")]
    Unauthorized { detail: String, presented: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{reason}; retry in {seconds} s")]
    TooManyRequests { reason: &'static str, seconds: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("a claim with the same text exists: {0}")]
    DuplicateClaim(i64),
    #[error("this URL is already attached to the claim as evidence {0}")]
    DuplicateEvidence(i64),
    #[error("cannot move from {} to {}", .from.as_str(), .to.as_str())]
    InvalidTransition { from: Status, to: Status, allowed: Vec<Status> },
    #[error("a claim can be verified only with at least one evidence item that is not retracted")]
    EvidenceRequired,
    #[error("claim {0} has no verdict to publish yet: ClaimReview needs a verified or published claim")]
    NotReviewed(i64),
    #[error("evidence {0} is retracted and cannot change")]
    EvidenceRetracted(i64),
    #[error("this request must carry If-Match with the resource's current ETag")]
    PreconditionRequired,
    #[error("the resource has changed since you read it; its ETag is now {0}")]
    PreconditionFailed(String),
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyMismatch,
    #[error("the server is busy; retry shortly")]
    Busy,
    #[error("the database's storage is full")]
    StorageFull,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status, the stable problem slug and the problem's title.
    fn code(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON"),
            InvalidParameter(_) => (StatusCode::BAD_REQUEST, "invalid-parameter", "Invalid request parameter"),
            Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request body"),
            UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type")
            }
            PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large"),
            BodyTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request-timeout", "Request body too slow"),
            Unauthorized { .. } => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            DuplicateClaim(_) => (StatusCode::CONFLICT, "duplicate-claim", "Duplicate claim"),
            DuplicateEvidence(_) => (StatusCode::CONFLICT, "duplicate-evidence", "Duplicate evidence"),
            InvalidTransition { .. } => (StatusCode::CONFLICT, "invalid-transition", "Invalid workflow transition"),
            EvidenceRequired => (StatusCode::CONFLICT, "evidence-required", "Evidence required"),
            EvidenceRetracted(_) => (StatusCode::CONFLICT, "evidence-retracted", "Evidence retracted"),
            NotReviewed(_) => (StatusCode::CONFLICT, "not-reviewed", "Not reviewed yet"),
            PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition-required", "Precondition required")
            }
            PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition-failed", "Precondition failed"),
            IdempotencyMismatch => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused", "Idempotency key reused")
            }
            Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy", "Service busy"),
            StorageFull => (StatusCode::INSUFFICIENT_STORAGE, "storage-full", "Storage full"),
            Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error"),
        }
    }

    /// Members added to the problem object beyond the standard ones.
    fn extensions(&self) -> Map<String, Value> {
        let mut ext = Map::new();
        match self {
            ApiError::InvalidParameter(errors) | ApiError::Validation(errors) => {
                ext.insert("errors".into(), json!(errors));
            }
            ApiError::BodyTimeout(_) => {
                let error = FieldError { field: "body".into(), rule: "body-timeout", message: self.to_string() };
                ext.insert("errors".into(), json!([error]));
            }
            ApiError::DuplicateClaim(id) | ApiError::DuplicateEvidence(id) => {
                ext.insert("duplicate_of".into(), json!(id));
            }
            ApiError::InvalidTransition { from, to, allowed } => {
                ext.insert("from".into(), json!(from));
                ext.insert("to".into(), json!(to));
                ext.insert("allowed".into(), json!(allowed));
            }
            ApiError::PreconditionFailed(etag) => {
                ext.insert("current_etag".into(), json!(etag));
            }
            _ => {}
        }
        ext
    }

    /// The problem+json body; `request_id` and `instance` come from the request when known.
    pub fn body(&self, request_id: Option<&str>, instance: Option<&str>) -> Value {
        let (status, slug, title) = self.code();
        let detail = if status.is_server_error() {
            // The cause goes to the log, never to the client.
            match self {
                ApiError::Internal(_) => "The server could not complete the request; it has been logged.".to_owned(),
                other => other.to_string(),
            }
        } else {
            self.to_string()
        };
        let mut body = Map::new();
        body.insert("type".into(), json!(problem_type(slug)));
        body.insert("title".into(), json!(title));
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(detail));
        if let Some(instance) = instance {
            body.insert("instance".into(), json!(instance));
        }
        if let Some(id) = request_id {
            body.insert("request_id".into(), json!(id));
        }
        body.extend(self.extensions());
        Value::Object(body)
    }

    /// Logs the error where it belongs: server faults in full at error level, turned-away load at debug
    /// (it can come by the thousand), client mistakes at debug.
    pub fn log(&self, request_id: &str) {
        if matches!(self, ApiError::Busy) {
            tracing::debug!(request_id, "write queue full: refused with 503");
        } else if self.status_code().is_server_error() {
            tracing::error!(error = %self, request_id, "request failed");
        } else {
            tracing::debug!(error = %self, request_id, "request refused");
        }
    }
}

/// Problem types are URI references resolved against the server; `GET /problems/{slug}` describes each.
pub fn problem_type(slug: &str) -> String {
    format!("/problems/{slug}")
}

/// A problem body for a status that no handler produced (unknown route, wrong method).
pub fn bare_problem(status: StatusCode, detail: &str, request_id: Option<&str>, instance: Option<&str>) -> Value {
    let slug = match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    };
    let mut body = json!({
        "type": problem_type(slug),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let Some(instance) = instance {
        body["instance"] = json!(instance);
    }
    if let Some(id) = request_id {
        body["request_id"] = json!(id);
    }
    body
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().0
    }

    /// The plain rendering; `api::middleware` replaces the body with one naming the request.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Busy | ApiError::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            ApiError::TooManyRequests { seconds, .. } => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            ApiError::Unauthorized { presented, .. } => {
                let challenge = if *presented {
                    r#"Bearer realm="claimcheck", error="invalid_token""#
                } else {
                    r#"Bearer realm="claimcheck""#
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            _ => {}
        }
        response.body(self.body(None, None).to_string())
    }
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> ApiError {
        use store::Error as S;
        match e {
            S::NotFound => ApiError::NotFound("no such resource".into()),
            S::DuplicateClaim(id) => ApiError::DuplicateClaim(id),
            S::DuplicateEvidence(id) => ApiError::DuplicateEvidence(id),
            S::Stale { current } => ApiError::PreconditionFailed(current),
            S::Transition(TransitionError::Illegal { from, to, allowed }) => {
                ApiError::InvalidTransition { from, to, allowed }
            }
            S::Transition(TransitionError::EvidenceRequired) => ApiError::EvidenceRequired,
            S::Transition(TransitionError::VerdictRequired) => ApiError::Validation(vec![FieldError {
                field: "verdict".into(),
                rule: "required",
                message: "verdict is required to move a claim to verified".into(),
            }]),
            S::Transition(TransitionError::VerdictNotAllowed { to }) => ApiError::Validation(vec![FieldError {
                field: "verdict".into(),
                rule: "not-allowed",
                message: format!("a verdict is set only when moving to verified, not to {}", to.as_str()),
            }]),
            S::Invalid(errors) => ApiError::Validation(errors),
            S::Retracted(id) => ApiError::EvidenceRetracted(id),
            S::IdempotencyMismatch => ApiError::IdempotencyMismatch,
            S::Busy | S::Retry => ApiError::Busy,
            S::Full => ApiError::StorageFull,
            S::Unavailable => ApiError::Unavailable,
            S::Internal(msg) => ApiError::Internal(msg),
        }
    }
}

/// The problem types, for `GET /problems/{slug}` and the README.
pub const PROBLEM_TYPES: &[(&str, u16, &str)] = &[
    ("malformed-json", 400, "The body is not well-formed JSON."),
    ("invalid-parameter", 400, "A path, query or header parameter is invalid; `errors` names each."),
    ("bad-request", 400, "The request cannot be understood."),
    ("unauthorized", 401, "No API key, or an unknown, revoked or expired one (`WWW-Authenticate` says which)."),
    ("forbidden", 403, "The key's role does not allow this."),
    ("not-found", 404, "No resource at this address."),
    ("method-not-allowed", 405, "The resource does not support this method."),
    ("duplicate-claim", 409, "A claim with the same normalized text exists; `duplicate_of` is its id."),
    ("duplicate-evidence", 409, "The URL is already attached to this claim; `duplicate_of` is the item."),
    ("invalid-transition", 409, "The workflow does not allow this move; `allowed` lists the next states."),
    ("evidence-required", 409, "A claim needs live evidence before it can be verified."),
    ("evidence-retracted", 409, "A retracted evidence item cannot change."),
    ("not-reviewed", 409, "ClaimReview exists only for verified or published claims."),
    ("request-timeout", 408, "The body did not arrive in full in time (--body-timeout); the connection is closed."),
    ("precondition-failed", 412, "If-Match does not match the current ETag; `current_etag` gives it."),
    ("payload-too-large", 413, "The body is over 256 KiB."),
    ("unsupported-media-type", 415, "The body must be JSON (application/json)."),
    ("validation", 422, "The body breaks rules; `errors` lists each as {field, rule, message}."),
    ("idempotency-key-reused", 422, "The Idempotency-Key was used before with a different request."),
    ("precondition-required", 428, "This change needs If-Match with the current ETag."),
    (
        "too-many-requests",
        429,
        "Too many requests from this key, or failed sign-ins from this address; see Retry-After.",
    ),
    (
        "too-many-connections",
        429,
        "Too many connections are open from this address (--max-connections-per-address); this one is closed.",
    ),
    ("internal", 500, "The server failed; the request id identifies it in the log."),
    ("busy", 503, "Too many writes are queued; retry after Retry-After seconds."),
    ("unavailable", 503, "The database is not available."),
    ("server-full", 503, "The server holds as many connections as it may (--max-connections); this one is closed."),
    ("storage-full", 507, "The database's disk is full; reads still work."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_500_never_carries_its_cause() {
        let body =
            ApiError::Internal("disk I/O error at /var/lib/secret.db".into()).body(Some("r1"), Some("/v1/claims"));
        assert_eq!(body["status"], 500);
        assert_eq!(body["request_id"], "r1");
        assert!(!body.to_string().contains("secret"), "{body}");
    }

    #[test]
    fn every_problem_type_is_listed() {
        let listed: Vec<&str> = PROBLEM_TYPES.iter().map(|(slug, _, _)| *slug).collect();
        let errors = [
            ApiError::MalformedJson(String::new()),
            ApiError::InvalidParameter(vec![]),
            ApiError::Validation(vec![]),
            ApiError::UnsupportedMediaType(String::new()),
            ApiError::PayloadTooLarge(0),
            ApiError::BodyTimeout(std::time::Duration::from_secs(1)),
            ApiError::Unauthorized { detail: String::new(), presented: false },
            ApiError::Forbidden(String::new()),
            ApiError::TooManyRequests { reason: "", seconds: 1 },
            ApiError::NotFound(String::new()),
            ApiError::DuplicateClaim(1),
            ApiError::DuplicateEvidence(1),
            ApiError::EvidenceRequired,
            ApiError::EvidenceRetracted(1),
            ApiError::NotReviewed(1),
            ApiError::PreconditionRequired,
            ApiError::PreconditionFailed(String::new()),
            ApiError::IdempotencyMismatch,
            ApiError::Busy,
            ApiError::StorageFull,
            ApiError::Unavailable,
            ApiError::Internal(String::new()),
        ];
        for e in errors {
            let (status, slug, _) = e.code();
            let (_, listed_status, _) = PROBLEM_TYPES.iter().find(|(s, _, _)| *s == slug).unwrap();
            assert_eq!(status.as_u16(), *listed_status, "{slug}");
            assert!(listed.contains(&slug));
        }
    }
}
