//! `/v1/admin/webhooks`: subscriptions, and each one's delivery log.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{self, Id, JsonBody};
use super::problems::Problems;
use super::{Page, State};
use crate::domain::validation::Violations;
use crate::domain::webhook::EVENTS;
use crate::service::webhooks::WebhookInput;
use crate::store::webhooks::{AttemptRow, DeliveryRow, WebhookRow};

/// A webhook subscription.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    /// The start of the secret, to tell secrets apart; the whole secret is shown once, on creation.
    pub secret_hint: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<WebhookRow> for Webhook {
    fn from(w: WebhookRow) -> Webhook {
        let WebhookRow { id, url, events, description, active, disabled_reason, secret_hint, created_at, updated_at } =
            w;
        Webhook { id, url, events, description, active, disabled_reason, secret_hint, created_at, updated_at }
    }
}

/// One event sent to one subscription, with every attempt.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub event: String,
    pub claim_id: Option<i64>,
    pub state: String,
    pub attempts: i64,
    pub due_at: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub finished_at: Option<String>,
    pub created_at: String,
    pub log: Vec<Attempt>,
}

/// One try at delivering.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl From<DeliveryRow> for Delivery {
    fn from(d: DeliveryRow) -> Delivery {
        let attempt =
            |a: AttemptRow| Attempt { at: a.at, status: a.status, error: a.error, duration_ms: a.duration_ms };
        Delivery {
            id: d.id,
            message_id: d.message_id,
            event: d.event,
            claim_id: d.claim_id,
            state: d.state,
            attempts: d.attempts,
            due_at: d.due_at,
            last_status: d.last_status,
            last_error: d.last_error,
            finished_at: d.finished_at,
            created_at: d.created_at,
            log: d.log.into_iter().map(attempt).collect(),
        }
    }
}

/// A subscription just made, with its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub row: Webhook,
    /// Shown only now: verify each delivery's `webhook-signature` with it.
    pub secret: String,
    pub note: &'static str,
}

#[utoipa::path(post, path = "/v1/admin/webhooks", tag = "admin", summary = "Subscribe (the secret is shown once)",
    request_body = WebhookInput, responses((status = 201, description = "Created", body = WebhookCreated), Problems))]
pub async fn create(
    Caller(actor): Caller,
    state: State,
    body: JsonBody<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let (row, secret) = state.service.subscribe(&actor, &body.value).await?;
    let location = format!("/v1/admin/webhooks/{}", row.id);
    let note = "The secret is shown only now: verify each delivery's webhook-signature with it.";
    Ok(HttpResponse::Created().insert_header(("location", location)).json(WebhookCreated {
        row: row.into(),
        secret,
        note,
    }))
}

/// The subscriptions, and the events one can ask for.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    pub events: Vec<&'static str>,
}

#[utoipa::path(get, path = "/v1/admin/webhooks", tag = "admin", summary = "Webhook subscriptions",
    responses((status = 200, description = "OK", body = WebhookList), Problems))]
pub async fn list(Caller(actor): Caller, state: State) -> Result<HttpResponse, ApiError> {
    let items = state.service.webhooks(&actor).await?.into_iter().map(Webhook::from).collect();
    Ok(HttpResponse::Ok().json(WebhookList { items, events: EVENTS.to_vec() }))
}

#[utoipa::path(get, path = "/v1/admin/webhooks/{id}", tag = "admin", summary = "A subscription", params(Id),
    responses((status = 200, description = "OK", body = Webhook), Problems))]
pub async fn get(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Webhook::from(state.service.webhook(&actor, id).await?)))
}

/// Switches the subscription off: nothing more is sent to it; its delivery log stays readable.
#[utoipa::path(delete, path = "/v1/admin/webhooks/{id}", tag = "admin", summary = "Switch a subscription off",
    params(Id), responses((status = 200, description = "OK", body = Webhook), Problems))]
pub async fn delete(Caller(actor): Caller, state: State, Id(id): Id) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Webhook::from(state.service.unsubscribe(&actor, id).await?)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The subscription's deliveries, newest first, each with every attempt.
#[utoipa::path(get, path = "/v1/admin/webhooks/{id}/deliveries", tag = "admin",
    summary = "A subscription's delivery log",
    params(
        Id,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Page size"),
        ("cursor" = Option<String>, Query, pattern = "^[1-9][0-9]*$", description = "From next_cursor"),
    ),
    responses((status = 200, description = "OK", body = Page<Delivery>), Problems))]
pub async fn deliveries(
    Caller(actor): Caller,
    state: State,
    req: HttpRequest,
    Id(id): Id,
) -> Result<HttpResponse, ApiError> {
    let (before, limit) = log_request(extract::parse_query(&req)?)?;
    let rows = state.service.deliveries(&actor, id, before, limit).await?;
    Ok(HttpResponse::Ok().json(Page::of(rows, limit, |d| d.id.to_string(), Delivery::from)))
}

fn log_request(p: LogParams) -> Result<(i64, usize), ApiError> {
    let mut v = Violations::default();
    let limit = v.limit(p.limit.as_deref(), 50, 200);
    let before = v.row_cursor(p.cursor.as_deref()).unwrap_or(i64::MAX);
    v.into_result((before, limit)).map_err(ApiError::InvalidParameter)
}
