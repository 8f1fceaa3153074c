//! Webhook subscriptions, the outbox and the delivery log. `emit` runs inside the transaction of the
//! change it reports (from `history::record`), so an event exists exactly when its change committed.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use super::{Actor, Error, Result, audit, now};
use crate::domain::webhook::Next;

#[derive(Debug, Clone)]
pub struct WebhookRow {
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

const COLUMNS: &str = "id, url, events, description, active, disabled_reason, secret, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<WebhookRow> {
    let events: String = r.get(2)?;
    let secret: String = r.get(6)?;
    Ok(WebhookRow {
        id: r.get(0)?,
        url: r.get(1)?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        description: r.get(3)?,
        active: r.get(4)?,
        disabled_reason: r.get(5)?,
        secret_hint: format!("{}…", secret.chars().take(10).collect::<String>()),
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// A subscription as given: checked by the API.
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
}

pub fn create(conn: &Connection, hook: &NewWebhook, actor: &Actor) -> Result<WebhookRow> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO webhooks (url, events, secret, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![hook.url, serde_json::to_string(&hook.events)?, hook.secret, hook.description, at])?;
    let id = conn.last_insert_rowid();
    let detail = json!({"webhook_id": id, "url": hook.url, "events": hook.events});
    audit::append(conn, actor, "webhook.created", None, &detail.to_string(), &at)?;
    get(conn, id)
}

pub fn get(conn: &Connection, id: i64) -> Result<WebhookRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound)
}

pub fn list(conn: &Connection) -> Result<Vec<WebhookRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Switches a subscription off and cancels what it has not been sent yet; its log stays.
pub fn disable(conn: &Connection, id: i64, reason: &str, actor: &Actor) -> Result<WebhookRow> {
    let current = get(conn, id)?;
    if !current.active {
        return Ok(current);
    }
    let at = now();
    conn.prepare_cached("UPDATE webhooks SET active = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, reason, at])?;
    conn.prepare_cached(
        "UPDATE deliveries SET state = 'cancelled', finished_at = ?2 WHERE webhook_id = ?1 AND state = 'pending'",
    )?
    .execute(params![id, at])?;
    let detail = json!({"webhook_id": id, "reason": reason});
    audit::append(conn, actor, "webhook.disabled", None, &detail.to_string(), &at)?;
    get(conn, id)
}

/// Puts an event in the outbox with a delivery for every active subscription that wants it. Writes
/// nothing when none does.
pub fn emit(conn: &Connection, kind: &str, claim_id: i64, data: impl FnOnce() -> Value, at: &str) -> Result<()> {
    let wanted: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM webhooks w, json_each(w.events) e WHERE w.active AND e.value = ?1)",
        )?
        .query_row([kind], |r| r.get(0))?;
    if !wanted {
        return Ok(());
    }
    let message_id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let payload = json!({ "type": kind, "timestamp": at, "data": data() }).to_string();
    conn.prepare_cached(
        "INSERT INTO outbox (message_id, type, claim_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![message_id, kind, claim_id, payload, at])?;
    let event = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO deliveries (webhook_id, event_id, claim_id, due_at, created_at)
         SELECT w.id, ?1, ?2, ?3, ?3 FROM webhooks w
         WHERE w.active AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?4)",
    )?
    .execute(params![event, claim_id, at, kind])?;
    Ok(())
}

/// A delivery ready to be attempted.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery_id: i64,
    pub attempts: u32,
    pub message_id: String,
    pub payload: String,
    pub event_at: String,
    pub url: String,
    pub secret: String,
}

/// Deliveries due by `at`: for each subscription and claim only the oldest pending one, so that a
/// receiver gets a claim's events in the order they were committed.
pub fn due(conn: &Connection, at: &str, limit: usize) -> Result<Vec<Job>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.attempts, o.message_id, o.payload, o.created_at, w.url, w.secret
         FROM deliveries d JOIN outbox o ON o.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state = 'pending' AND d.due_at <= ?1 AND w.active
           AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.webhook_id = d.webhook_id AND e.claim_id IS d.claim_id
                           AND e.state = 'pending' AND e.event_id < d.event_id)
         ORDER BY d.event_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![at, limit as i64], |r| {
        Ok(Job {
            delivery_id: r.get(0)?,
            attempts: r.get(1)?,
            message_id: r.get(2)?,
            payload: r.get(3)?,
            event_at: r.get(4)?,
            url: r.get(5)?,
            secret: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the next pending delivery falls due.
pub fn next_due(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT min(due_at) FROM deliveries WHERE state = 'pending'")?
        .query_row([], |r| r.get(0))
        .optional()?
        .flatten())
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub next: Next,
}

pub fn record_attempt(conn: &Connection, delivery_id: i64, attempt: &Attempt, at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO delivery_attempts (delivery_id, at, status, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![delivery_id, at, attempt.status, attempt.error, attempt.duration_ms])?;
    let (state, due) = match attempt.next {
        Next::Delivered => ("delivered", None),
        Next::Retry(wait) => ("pending", Some(super::after(at, wait))),
        Next::GiveUp => ("failed", None),
        Next::Disable => ("cancelled", None),
    };
    conn.prepare_cached(
        "UPDATE deliveries SET state = ?2, attempts = attempts + 1, due_at = coalesce(?3, due_at), last_status = ?4,
             last_error = ?5, finished_at = CASE WHEN ?3 IS NULL THEN ?6 END
         WHERE id = ?1",
    )?
    .execute(params![delivery_id, state, due, attempt.status, attempt.error, at])?;
    if attempt.next == Next::Disable {
        let webhook: i64 = conn
            .prepare_cached("SELECT webhook_id FROM deliveries WHERE id = ?1")?
            .query_row([delivery_id], |r| r.get(0))?;
        disable(conn, webhook, "the receiver answered 410 Gone", &Actor::system("webhooks"))?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
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
    pub log: Vec<AttemptRow>,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A subscription's deliveries, newest first, before the delivery id `before`, with every attempt.
pub fn deliveries(conn: &Connection, webhook_id: i64, before: i64, limit: usize) -> Result<Vec<DeliveryRow>> {
    get(conn, webhook_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, o.message_id, o.type, d.claim_id, d.state, d.attempts, d.due_at, d.last_status, d.last_error,
                d.finished_at, d.created_at
         FROM deliveries d JOIN outbox o ON o.id = d.event_id
         WHERE d.webhook_id = ?1 AND d.id < ?2 ORDER BY d.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![webhook_id, before, limit as i64], |r| {
        let state: String = r.get(4)?;
        Ok(DeliveryRow {
            id: r.get(0)?,
            message_id: r.get(1)?,
            event: r.get(2)?,
            claim_id: r.get(3)?,
            due_at: if state == "pending" { r.get(6)? } else { None },
            state,
            attempts: r.get(5)?,
            last_status: r.get(7)?,
            last_error: r.get(8)?,
            finished_at: r.get(9)?,
            created_at: r.get(10)?,
            log: Vec::new(),
        })
    })?;
    let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut log = conn.prepare_cached(
        "SELECT at, status, error, duration_ms FROM delivery_attempts WHERE delivery_id = ?1 ORDER BY id",
    )?;
    for row in &mut rows {
        row.log = log
            .query_map([row.id], |r| {
                Ok(AttemptRow { at: r.get(0)?, status: r.get(1)?, error: r.get(2)?, duration_ms: r.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(rows)
}
