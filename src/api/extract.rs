//! Request parsing that reports every problem as an `ApiError` naming the field and the rule:
//! JSON bodies, query strings, path ids and the conditional-request headers.

use actix_web::dev::Payload;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, http::header};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::validation::FieldError;
use crate::domain::version::Expected;

pub const MAX_BODY: usize = 256 * 1024;
/// An oversized body is still read (and dropped) up to this size, so that the client, which is likely
/// still sending, gets to read the 413 instead of a reset connection.
const MAX_DRAIN: usize = 4 * 1024 * 1024;

/// A JSON request body, parsed, with its raw bytes (for idempotency fingerprints).
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T> JsonBody<T> {
    /// What identifies this request for an idempotency key: method, path and body.
    pub fn fingerprint(&self, req: &HttpRequest) -> Vec<Vec<u8>> {
        vec![req.method().as_str().as_bytes().to_vec(), req.path().as_bytes().to_vec(), self.raw.to_vec()]
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, MAX_BODY);
        Box::pin(async move {
            let raw = body.await?;
            let value = parse_json(&raw)?;
            Ok(JsonBody { value, raw })
        })
    }
}

/// The largest body `POST /v1/articles` takes: its text limit (1,000,000 bytes) with room for JSON
/// escapes and metadata.
pub const MAX_ARTICLE_BODY: usize = 2 * 1024 * 1024;

/// A JSON body like `JsonBody`, up to `MAX_ARTICLE_BODY`: articles and transcripts are long.
pub struct LargeJsonBody<T> {
    pub value: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for LargeJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, MAX_ARTICLE_BODY);
        Box::pin(async move { Ok(LargeJsonBody { value: parse_json(&body.await?)? }) })
    }
}

/// Reads a JSON body of at most `limit` bytes. A larger one is still read, up to `MAX_DRAIN`, and
/// dropped, so that the client gets to read the 413.
pub(super) fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> LocalBoxFuture<'static, Result<Bytes, ApiError>> {
    let media = check_media_type(req);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    let drain = limit.max(MAX_DRAIN);
    Box::pin(async move {
        media?;
        if declared.is_some_and(|n| n > drain) {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        // Sized once from Content-Length: growing by doubling would hold up to twice the body.
        let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
        let mut seen = 0;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::MalformedJson(format!("the body could not be read: {e}")))?;
            seen += chunk.len();
            if seen > drain {
                break;
            }
            if seen <= limit {
                body.extend_from_slice(&chunk);
            }
        }
        if seen > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        Ok(body.freeze())
    })
}

fn check_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let given = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = given.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let json = essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json {
        Ok(())
    } else if given.is_empty() {
        Err(ApiError::UnsupportedMediaType("the body must be sent with Content-Type: application/json".into()))
    } else {
        Err(ApiError::UnsupportedMediaType(format!("the body must be application/json, not {given}")))
    }
}

/// Parses JSON, turning serde's errors into field errors: `missing field`, `unknown field`, wrong type.
/// Every body this API takes is a JSON object; serde alone would also take an array for a struct.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    if raw.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        serde_json::from_slice::<serde::de::IgnoredAny>(raw).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
        return Err(ApiError::Validation(vec![FieldError {
            field: "body".into(),
            rule: "type",
            message: "the body must be a JSON object".into(),
        }]));
    }
    let mut de = serde_json::Deserializer::from_slice(raw);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::Validation(vec![field_error(&path, &strip_position(&inner))])
            }
            _ => ApiError::MalformedJson(inner.to_string()),
        }
    })?;
    de.end().map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    Ok(value)
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// One serde data error as a field error. serde reports a missing or unknown field at its parent's
/// path, with the field's name in backticks in the message.
fn field_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    let named = |prefix: &str| {
        message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(|name| join(parent, name))
    };
    let (field, rule) = if let Some(f) = named("missing field `") {
        (f, "required")
    } else if let Some(f) = named("unknown field `") {
        (f, "unknown-field")
    } else if message.starts_with("unknown variant") {
        (parent.to_owned(), "one-of")
    } else if message.starts_with("invalid type") {
        (parent.to_owned(), "type")
    } else {
        (parent.to_owned(), "value")
    };
    let field = if field.is_empty() { "body".to_owned() } else { field };
    FieldError { field, rule, message: message.to_owned() }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == name || parent.ends_with(&format!(".{name}")) {
        if parent.is_empty() { name.to_owned() } else { parent.to_owned() }
    } else {
        format!("{parent}.{name}")
    }
}

/// Parses a query string into `T`, whose fields are all optional strings; unknown parameters are refused.
pub fn parse_query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(req.query_string().as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let mut error = field_error(&path, &message);
        if error.rule == "unknown-field" {
            error.rule = "unknown-parameter";
        }
        ApiError::InvalidParameter(vec![error])
    })
}

/// A resource id from the path (`{id}`): a positive integer.
#[derive(Debug, Clone, Copy, utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct Id(
    /// The id.
    #[param(minimum = 1)]
    pub i64,
);

impl FromRequest for Id {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Id, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(path_id(req).map(Id))
    }
}

pub fn path_id(req: &HttpRequest) -> Result<i64, ApiError> {
    let raw = req.match_info().get("id").unwrap_or_default();
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::InvalidParameter(vec![FieldError {
            field: "id".into(),
            rule: "positive-integer",
            message: format!("id must be a positive integer, not {raw:?}"),
        }])
    })
}

/// The headers as the API document states them, for `params(...)` of the operations that read them
/// (`if_match`, `idempotency_key` below). utoipa takes only literals in these attributes, so each rule
/// is written once, here, through a macro. An optional header is a `String` that is not required, not
/// an `Option`, which would document it as nullable: a header is absent or a string.
macro_rules! header_params {
    ($($(#[$doc:meta])* $name:ident: $ty:ty, $header:literal, ($($rule:tt)*);)*) => {$(
        #[derive(utoipa::IntoParams)]
        #[into_params(names($header), parameter_in = Header)]
        #[allow(dead_code)] // documentation only: the handlers read the header with the functions below
        pub struct $name($(#[$doc])* #[param($($rule)*)] $ty);
    )*};
}

macro_rules! etag_rule {
    ($($name:ident: $ty:ty, ($($more:tt)*);)*) => {
        header_params! {$(
            /// Only while what the request changes still has this ETag, as last read (for evidence
            /// attached, the claim's): `*` or a list of entity tags.
            $name: $ty, "If-Match", (pattern = r#"^(\*|(W/)?"[^"]*"(, *(W/)?"[^"]*")*)$"# $($more)*);
        )*}
    };
}

etag_rule! {
    IfMatch: String, ();
    IfMatchOptional: String, (, required = false);
}

header_params! {
    /// Makes a retry safe: 1 to 255 visible ASCII characters.
    IdempotencyKey: String, "Idempotency-Key", (required = false, min_length = 1, max_length = 255, pattern = "^[!-~]+$");
}

/// `If-Match`, if sent: `*` or a list of entity tags. A tag that is not one of ours names no
/// version, so it matches nothing.
pub fn if_match(req: &HttpRequest) -> Result<Option<Expected>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| header_error("If-Match", "etag", "If-Match must be ASCII"))?.trim();
    if value == "*" {
        return Ok(Some(Expected::Any));
    }
    let tags: Vec<&str> = value.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
    if tags.is_empty() {
        return Err(header_error("If-Match", "etag", "If-Match must be * or a list of ETags"));
    }
    // Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    let versions =
        tags.iter().filter(|t| !t.starts_with("W/")).filter_map(|t| t.trim_matches('"').parse::<i64>().ok()).collect();
    Ok(Some(Expected::OneOf(versions)))
}

/// `If-Match`, which this request must carry.
pub fn required_if_match(req: &HttpRequest) -> Result<Expected, ApiError> {
    if_match(req)?.ok_or(ApiError::PreconditionRequired)
}

/// True when `If-None-Match` names `etag` (or is `*`): the client's copy is current.
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*"))
}

/// `Idempotency-Key`, if sent: 1 to 255 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(header_error("Idempotency-Key", "token", "Idempotency-Key must be 1 to 255 visible ASCII characters")),
    }
}

fn header_error(field: &str, rule: &'static str, message: &str) -> ApiError {
    ApiError::InvalidParameter(vec![FieldError { field: field.into(), rule, message: message.into() }])
}
