//! `/v1/admin/webhooks`: subscriptions, and each one's delivery log.

use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, JsonBody};
use crate::domain::access::Action;
use crate::domain::validation::Violations;
use crate::domain::webhook::{self, EVENTS};
use crate::fetch::guard;
use crate::store::Error;
use crate::store::webhooks::{self, NewWebhook};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// A `whsec_` secret of the subscriber's own; one is made when absent.
    pub secret: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/admin/webhooks",
    tag = "admin",
    summary = "Subscribe (the secret is shown once)",
    request_body = WebhookInput,
    responses((status = 201, description = "Created", body = serde_json::Value), crate::api::openapi::Problems)
)]
pub async fn create(caller: Caller, state: State, body: JsonBody<WebhookInput>) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageWebhooks)?;
    let input = body.value;
    let mut v = Violations::default();
    let url = v.url("url", &input.url);
    if let Some(Err(refusal)) = url.as_ref().map(|u| guard::check_url(u, &state.guard)) {
        v.add("url", "address-guard", format!("url is refused by the address guard: {refusal}"));
    }
    if input.events.is_empty() {
        v.add("events", "not-empty", "events must name at least one event");
    }
    for (i, event) in input.events.iter().enumerate() {
        if !webhook::is_event(event) {
            v.add(format!("events[{i}]"), "one-of", format!("events must be among {}", EVENTS.join(", ")));
        }
    }
    let description = v.optional_text("description", input.description.as_deref(), 500);
    if input.secret.as_deref().is_some_and(|s| webhook::secret_key(s).is_none()) {
        v.add("secret", "whsec", "secret must be whsec_ followed by 24 to 64 bytes in base64");
    }
    v.into_result(()).map_err(ApiError::Validation)?;
    let mut events = input.events;
    events.sort();
    events.dedup();
    let secret = input.secret.unwrap_or_else(webhook::new_secret);
    let hook =
        NewWebhook { url: url.map(String::from).unwrap_or_default(), events, description, secret: secret.clone() };
    let actor = caller.actor();
    let row = state.store.writer.write(move |conn| webhooks::create(conn, &hook, &actor)).await?;
    let mut body = serde_json::to_value(&row).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["secret"] = json!(secret);
    body["note"] = json!("The secret is shown only now: verify each delivery's webhook-signature with it.");
    Ok(HttpResponse::Created().insert_header(("location", format!("/v1/admin/webhooks/{}", row.id))).json(body))
}

#[utoipa::path(
    get,
    path = "/v1/admin/webhooks",
    tag = "admin",
    summary = "Webhook subscriptions",
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::WebhookList),
        crate::api::openapi::Problems,
    )
)]
pub async fn list(caller: Caller, state: State) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageWebhooks)?;
    let items = state.store.reader.read(webhooks::list).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items, "events": EVENTS })))
}

#[utoipa::path(
    get,
    path = "/v1/admin/webhooks/{id}",
    tag = "admin",
    summary = "A subscription",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::store::webhooks::WebhookRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn get(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageWebhooks)?;
    let id = extract::path_id(&req)?;
    let row = state.store.reader.read(move |conn| webhooks::get(conn, id)).await.map_err(missing(id))?;
    Ok(HttpResponse::Ok().json(row))
}

/// Switches the subscription off: nothing more is sent to it; its delivery log stays readable.
#[utoipa::path(
    delete,
    path = "/v1/admin/webhooks/{id}",
    tag = "admin",
    summary = "Switch a subscription off",
    params(("id" = i64, Path, description = "The id")),
    responses(
        (status = 200, description = "OK", body = crate::store::webhooks::WebhookRow),
        crate::api::openapi::Problems,
    )
)]
pub async fn delete(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageWebhooks)?;
    let id = extract::path_id(&req)?;
    let actor = caller.actor();
    let reason = format!("deleted by {}", actor.name);
    let row = state
        .store
        .writer
        .write(move |conn| webhooks::disable(conn, id, &reason, &actor))
        .await
        .map_err(missing(id))?;
    Ok(HttpResponse::Ok().json(row))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The subscription's deliveries, newest first, each with every attempt.
#[utoipa::path(
    get,
    path = "/v1/admin/webhooks/{id}/deliveries",
    tag = "admin",
    summary = "A subscription's delivery log",
    params(
        ("id" = i64, Path, description = "The id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, description = "From next_cursor"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::api::openapi::DeliveryPage),
        crate::api::openapi::Problems,
    )
)]
pub async fn deliveries(caller: Caller, state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    caller.require(Action::ManageWebhooks)?;
    let id = extract::path_id(&req)?;
    let p: LogParams = extract::parse_query(&req)?;
    let mut v = Violations::default();
    let limit = v.limit(p.limit.as_deref(), 50, 200);
    let before = match p.cursor.as_deref().map(str::parse::<i64>) {
        None => i64::MAX,
        Some(Ok(n)) if n > 0 => n,
        _ => {
            v.add("cursor", "cursor", "cursor is not one this server issued");
            0
        }
    };
    v.into_result(()).map_err(ApiError::InvalidParameter)?;
    let mut items = state
        .store
        .reader
        .read(move |conn| webhooks::deliveries(conn, id, before, limit + 1))
        .await
        .map_err(missing(id))?;
    let next_cursor = super::next_page(&mut items, limit, |d| d.id.to_string());
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
}

fn missing(id: i64) -> impl Fn(Error) -> ApiError {
    super::error::missing("webhook", id)
}
