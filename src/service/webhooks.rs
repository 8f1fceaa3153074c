//! Webhook subscriptions and their delivery log.

use super::error::missing;
use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::validation::Violations;
use crate::domain::webhook::{self, EVENTS};
use crate::fetch::guard;
use crate::store::webhooks::{self, DeliveryRow, NewWebhook, WebhookRow};

/// A subscription to make.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    #[schema(pattern = "^https?://")]
    pub url: String,
    /// The events to deliver, one or more of `claim.created`, `claim.transitioned`, `evidence.added`
    /// and `evidence.checked`.
    #[schema(min_items = 1)]
    pub events: Vec<String>,
    pub description: Option<String>,
    /// A `whsec_` secret of the subscriber's own; one is made when absent.
    pub secret: Option<String>,
}

impl Service {
    /// Subscribes; returns the subscription with its secret, which is shown only this once.
    pub async fn subscribe(&self, actor: &Actor, input: &WebhookInput) -> Result<(WebhookRow, String)> {
        require(actor, Action::ManageWebhooks)?;
        let mut v = Violations::default();
        let url = v.url("url", &input.url);
        if let Some(Err(refusal)) = url.as_ref().map(|u| guard::check_url(u, &self.guard)) {
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
        v.into_result(())?;
        let mut events = input.events.clone();
        events.sort();
        events.dedup();
        let secret = input.secret.clone().unwrap_or_else(webhook::new_secret);
        let url = url.map(String::from).unwrap_or_default();
        let hook = NewWebhook { url, events, description, secret: secret.clone() };
        let actor = actor.clone();
        let row = self.store.writer.write(move |conn| webhooks::create(conn, &hook, &actor)).await?;
        Ok((row, secret))
    }

    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookRow>> {
        require(actor, Action::ManageWebhooks)?;
        Ok(self.store.reader.read(webhooks::list).await?)
    }

    pub async fn webhook(&self, actor: &Actor, id: i64) -> Result<WebhookRow> {
        require(actor, Action::ManageWebhooks)?;
        self.store.reader.read(move |conn| webhooks::get(conn, id)).await.map_err(missing("webhook", id))
    }

    /// Switches a subscription off: nothing more is sent to it; its delivery log stays readable.
    pub async fn unsubscribe(&self, actor: &Actor, id: i64) -> Result<WebhookRow> {
        require(actor, Action::ManageWebhooks)?;
        let actor = actor.clone();
        let reason = format!("deleted by {}", actor.name());
        let write = move |conn: &_| webhooks::disable(conn, id, &reason, &actor);
        self.store.writer.write(write).await.map_err(missing("webhook", id))
    }

    /// A subscription's deliveries with ids below `before`, newest first; `limit + 1` of them.
    pub async fn deliveries(&self, actor: &Actor, id: i64, before: i64, limit: usize) -> Result<Vec<DeliveryRow>> {
        require(actor, Action::ManageWebhooks)?;
        let read = move |conn: &_| webhooks::deliveries(conn, id, before, limit + 1);
        self.store.reader.read(read).await.map_err(missing("webhook", id))
    }
}
