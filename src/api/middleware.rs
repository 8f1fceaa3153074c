//! Wraps every request: gives it a request id (echoed as `X-Request-Id`), gives its body a deadline,
//! turns every error response into problem+json naming that id, and logs one line per request with
//! its route template.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::error::{ApiError, PROBLEM_JSON};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let started = Instant::now();
    let method = req.method().clone();
    let body_timeout = req.app_data::<actix_web::web::Data<super::AppState>>().map(|state| state.body_timeout);
    let late = Rc::new(Cell::new(false));
    if let Some(timeout) = body_timeout {
        let payload = req.take_payload();
        req.set_payload(with_deadline(payload, started + timeout, late.clone()));
    }

    let mut response = next.call(req).await?.map_into_boxed_body();
    if let Some(timeout) = body_timeout.filter(|_| late.get()) {
        response = response.into_response(HttpResponse::from_error(ApiError::BodyTimeout(timeout)));
        // The client may still be sending the body; nothing more is read on this connection.
        response.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    let mut response = as_problem(response, &request_id);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }

    let status = response.status().as_u16();
    let state = response.request().app_data::<actix_web::web::Data<super::AppState>>();
    let route = match state {
        Some(state) => state.routes.of(response.request()),
        None => pattern(response.request()),
    };
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state.metrics.observe(method.as_str(), &route, status, elapsed);
    }
    let latency_ms = elapsed * 1000.0;
    let route = &*route;
    if route == "/healthz" || route == "/readyz" {
        tracing::debug!(%method, route, status, latency_ms, request_id, "request");
    } else {
        tracing::info!(%method, route, status, latency_ms, request_id, "request");
    }
    Ok(response)
}

/// The route patterns of the paths served, by their shape (each segment of digits alone made `0`, so
/// `/v1/claims/7` and `/v1/claims/8` share one entry). actix finds a request's pattern by routing it
/// again, a regex for each route with a parameter on the way: that was 7% of the CPU of a GET of a
/// claim answered from the cache. Other parameters (a slug, a file name) are kept per path; past
/// `KEPT` shapes, the least asked for go, and a path whose shape is longer than `LONGEST` is routed
/// again rather than kept.
pub struct Routes(moka::sync::Cache<String, Arc<str>>);

impl Routes {
    const KEPT: u64 = 1_024;
    const LONGEST: usize = 200;

    pub fn new() -> Routes {
        Routes(moka::sync::Cache::new(Self::KEPT))
    }

    /// The pattern `request` was routed by, or `(unmatched)`. The shape of a path is made on the
    /// stack: a label is wanted on every request, and a cached one should cost no allocation.
    pub fn of(&self, request: &HttpRequest) -> Arc<str> {
        let mut buffer = [0u8; Self::LONGEST];
        let Some(shape) = shape(request.path(), &mut buffer) else { return pattern(request) };
        if let Some(known) = self.0.get(shape) {
            return known;
        }
        let found = pattern(request);
        self.0.insert(shape.to_owned(), found.clone());
        found
    }
}

impl Default for Routes {
    fn default() -> Routes {
        Routes::new()
    }
}

fn pattern(request: &HttpRequest) -> Arc<str> {
    request.match_pattern().map_or_else(|| "(unmatched)".into(), Into::into)
}

/// `path` with every segment of digits alone as `0`, written into `buffer`; `None` when it does not fit.
fn shape<'a>(path: &str, buffer: &'a mut [u8]) -> Option<&'a str> {
    let mut len = 0;
    for (i, segment) in path.split('/').enumerate() {
        let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        let slash = if i == 0 { "" } else { "/" };
        for part in [slash, if digits { "0" } else { segment }] {
            buffer.get_mut(len..len + part.len())?.copy_from_slice(part.as_bytes());
            len += part.len();
        }
    }
    std::str::from_utf8(&buffer[..len]).ok()
}

/// A request body that fails once `deadline` has passed, marking `late`: without it, a client that
/// declares a body and never sends it holds the connection, and its file, for as long as it likes
/// (actix times out slow headers only).
fn with_deadline(payload: Payload, deadline: Instant, late: Rc<Cell<bool>>) -> Payload {
    let timer = Box::pin(tokio::time::sleep_until(deadline.into()));
    let stream = futures_util::stream::unfold(Some((payload, timer, late)), |state| async move {
        let (mut payload, mut timer, late) = state?;
        tokio::select! {
            chunk = payload.next() => chunk.map(|chunk| (chunk, Some((payload, timer, late)))),
            () = &mut timer => {
                late.set(true);
                let error = std::io::Error::new(std::io::ErrorKind::TimedOut, "the body did not arrive in time");
                Some((Err(PayloadError::Io(error)), None))
            }
        }
    });
    Payload::Stream { payload: Box::pin(stream) }
}

/// Error responses get a problem+json body that names the request; others pass through.
fn as_problem<B: MessageBody + 'static>(response: ServiceResponse<B>, request_id: &str) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response.map_into_boxed_body();
    }
    let instance = response.request().path().to_owned();
    let body = match response.response().error() {
        Some(e) => match e.as_error::<ApiError>() {
            Some(api) => {
                api.log(request_id);
                api.body(Some(request_id), Some(&instance))
            }
            None => {
                let detail = if status.is_server_error() {
                    "The server could not complete the request.".into()
                } else {
                    e.to_string()
                };
                if status.is_server_error() {
                    tracing::error!(error = %e, request_id, "request failed");
                }
                ApiError::for_status(status, detail).body(Some(request_id), Some(&instance))
            }
        },
        // Problems already, and the admin page's error pages, go out as they are.
        None if is_problem(&response) || is_html(&response) => return response.map_into_boxed_body(),
        None => {
            let detail = match status.as_u16() {
                404 => format!("nothing at {instance}"),
                405 => format!("{instance} does not support {}", response.request().method()),
                _ => status.canonical_reason().unwrap_or("error").to_owned(),
            };
            ApiError::for_status(status, detail).body(Some(request_id), Some(&instance))
        }
    };
    let mut body = body;
    // Statuses no handler chose (431, 414...) keep their own number in the body.
    body["status"] = status.as_u16().into();
    response.map_body(|head, _| {
        head.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        BoxBody::new(body.to_string())
    })
}

fn is_problem<B>(response: &ServiceResponse<B>) -> bool {
    response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
}

fn is_html<B>(response: &ServiceResponse<B>) -> bool {
    response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

#[cfg(test)]
mod tests {
    use super::Routes;

    #[test]
    fn paths_that_differ_only_in_numbers_share_a_shape() {
        let shape = |path: &str| super::shape(path, &mut [0u8; Routes::LONGEST]).map(str::to_owned);
        assert_eq!(shape("/v1/claims/7"), shape("/v1/claims/123"));
        assert_eq!(shape("/v1/articles/3/candidates/12/accept").unwrap(), "/v1/articles/0/candidates/0/accept");
        assert_ne!(shape("/v1/claims/7"), shape("/v1/claims/7x"));
        assert_eq!(shape("/admin/claims/new").unwrap(), "/admin/claims/new");
        assert_eq!(shape("/v1/claims/").unwrap(), "/v1/claims/");
        assert_eq!(shape("/v1/é/9").unwrap(), "/v1/é/0");
        assert_eq!(shape(&format!("/v1/claims/{}", "1".repeat(300))).unwrap(), "/v1/claims/0", "digits shrink");
        assert_eq!(shape(&format!("/v1/{}", "x".repeat(300))), None, "too long to label by shape");
    }
}
