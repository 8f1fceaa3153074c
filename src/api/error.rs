//! The one error type of the HTTP layer. Every failure maps to a problem type (`problems`), hence a
//! status and an RFC 9457 `application/problem+json` body; server faults are logged in full and
//! answered without their internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

use super::problems::{self, Problem, ProblemType};
use crate::domain::validation::FieldError;
use crate::domain::workflow::{Status, TransitionError};
use crate::service;
use crate::store;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ErrorKind), derive(strum::EnumIter))]
pub enum ApiError {
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid request parameters: {}", describe(.0))]
    InvalidParameter(Vec<FieldError>),
    #[error("the request body breaks {} rule(s): {}", .0.len(), describe(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The limit, in bytes, when it is known.
    #[error("the body is larger than {}", match .0 { 0 => "the server takes".to_owned(), n => format!("{n} bytes") })]
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
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0} connections are open from this address, as many as one address may have")]
    TooManyConnections(usize),
    #[error("the server holds {0} connections, as many as it may; retry shortly")]
    ServerFull(usize),
    #[error("a claim with the same text exists: {0}")]
    DuplicateClaim(i64),
    #[error("this URL is already attached to the claim as evidence {0}")]
    DuplicateEvidence(i64),
    #[error("this site is registered already, as source {0}")]
    DuplicateSource(i64),
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

/// Each broken rule in a few words, so that a message shown alone (the admin page's) names them.
fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

impl ErrorKind {
    /// The problem type of each kind of error.
    pub fn slug(self) -> &'static str {
        use ErrorKind::*;
        match self {
            MalformedJson => "malformed-json",
            InvalidParameter => "invalid-parameter",
            Validation => "validation",
            BadRequest => "bad-request",
            UnsupportedMediaType => "unsupported-media-type",
            PayloadTooLarge => "payload-too-large",
            BodyTimeout => "request-timeout",
            Unauthorized => "unauthorized",
            Forbidden => "forbidden",
            TooManyRequests => "too-many-requests",
            NotFound => "not-found",
            MethodNotAllowed => "method-not-allowed",
            RequestTimeout => "request-timeout",
            TooManyConnections => "too-many-connections",
            ServerFull => "server-full",
            DuplicateClaim => "duplicate-claim",
            DuplicateEvidence => "duplicate-evidence",
            DuplicateSource => "duplicate-source",
            InvalidTransition => "invalid-transition",
            EvidenceRequired => "evidence-required",
            NotReviewed => "not-reviewed",
            EvidenceRetracted => "evidence-retracted",
            PreconditionRequired => "precondition-required",
            PreconditionFailed => "precondition-failed",
            IdempotencyMismatch => "idempotency-key-reused",
            Busy => "busy",
            StorageFull => "storage-full",
            Unavailable => "unavailable",
            Internal => "internal",
        }
    }

    pub fn problem(self) -> &'static ProblemType {
        // Every slug is in the table: a unit test walks every kind.
        problems::find(self.slug()).unwrap_or(&problems::PROBLEM_TYPES[0])
    }
}

impl ApiError {
    pub fn problem(&self) -> &'static ProblemType {
        ErrorKind::from(self).problem()
    }

    /// Members added to the problem object beyond the standard ones.
    fn extensions(&self) -> Map<String, Value> {
        let mut ext = Map::new();
        match self {
            ApiError::BodyTimeout(_) => {
                let error = FieldError { field: "body".into(), rule: "body-timeout", message: self.to_string() };
                ext.insert("errors".into(), json!([error]));
            }
            ApiError::TooManyConnections(_) | ApiError::ServerFull(_) => {
                let rule = if matches!(self, ApiError::ServerFull(_)) {
                    "max-connections"
                } else {
                    "max-connections-per-address"
                };
                let error = FieldError { field: "connection".into(), rule, message: self.to_string() };
                ext.insert("errors".into(), json!([error]));
            }
            ApiError::DuplicateClaim(id) | ApiError::DuplicateEvidence(id) | ApiError::DuplicateSource(id) => {
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
        let problem = self.problem();
        let detail = if problem.status >= 500 {
            // The cause goes to the log, never to the client.
            match self {
                ApiError::Internal(_) => "The server could not complete the request; it has been logged.".to_owned(),
                other => other.to_string(),
            }
        } else {
            self.to_string()
        };
        let body = Problem {
            kind: problems::type_uri(problem.slug),
            title: problem.title.to_owned(),
            status: problem.status,
            detail: Some(detail),
            instance: instance.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
            errors: match self {
                ApiError::InvalidParameter(errors) | ApiError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
            extensions: self.extensions(),
        };
        serde_json::to_value(body).unwrap_or_default()
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

impl ApiError {
    /// A body rule broken by input that came in the query string instead.
    pub fn as_parameter_error(self) -> ApiError {
        match self {
            ApiError::Validation(errors) => ApiError::InvalidParameter(errors),
            other => other,
        }
    }

    /// The error for a status that no handler produced (an unknown route, a wrong method, an
    /// extractor's refusal).
    pub fn for_status(status: StatusCode, detail: String) -> ApiError {
        match status {
            StatusCode::NOT_FOUND => ApiError::NotFound(detail),
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(detail),
            StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout(detail),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(0),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail),
            s if s.is_server_error() => ApiError::Internal(detail),
            _ => ApiError::BadRequest(detail),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The plain rendering; `api::middleware` replaces the body with one naming the request.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Busy | ApiError::Unavailable | ApiError::ServerFull(_) | ApiError::TooManyConnections(_) => {
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
            S::DuplicateSource(id) => ApiError::DuplicateSource(id),
            S::Stale { current } => ApiError::PreconditionFailed(super::etag(current)),
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

impl From<service::Error> for ApiError {
    fn from(e: service::Error) -> ApiError {
        use service::Error as E;
        match e {
            E::Missing { kind, id } => ApiError::NotFound(format!("no {kind} {id}")),
            E::Absent(detail) => ApiError::NotFound(detail),
            E::NeedsKey => ApiError::Unauthorized { detail: "this needs an API key".into(), presented: false },
            E::Forbidden(role) => ApiError::Forbidden(format!("a {} key may not do this", role.as_str())),
            E::Invalid(errors) => ApiError::Validation(errors),
            E::NotReviewed(id) => ApiError::NotReviewed(id),
            E::TooLarge(limit) => ApiError::PayloadTooLarge(limit),
            E::Store(e) => e.into(),
        }
    }
}

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
    fn every_kind_of_error_has_a_problem_type_and_every_type_is_used() {
        use strum::IntoEnumIterator;
        let slugs: Vec<&str> = ErrorKind::iter().map(ErrorKind::slug).collect();
        for slug in &slugs {
            assert!(problems::find(slug).is_some(), "{slug} is not in the table");
        }
        for problem in problems::PROBLEM_TYPES {
            assert!(slugs.contains(&problem.slug), "{} is never produced", problem.slug);
        }
    }
}
