//! The append-only record of every change. Rows are written in the same transaction as the change
//! they describe; triggers in the schema refuse UPDATE and DELETE.

use rusqlite::{Connection, params};
use serde_json::{Map, Value, json};

use super::{Actor, Result, webhooks};
use crate::domain::webhook;

/// One change, as it is recorded.
pub struct Entry<'a> {
    pub claim_id: i64,
    pub evidence_id: Option<i64>,
    pub action: &'static str,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub claim_id: i64,
    pub evidence_id: Option<i64>,
    pub action: String,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub note: Option<String>,
    pub actor: String,
    /// The key the actor used; `null` for the service itself.
    pub actor_key_id: Option<i64>,
    pub actor_role: Option<String>,
    pub at: String,
}

/// Records a change in the claim's history and in the audit log.
pub fn record(conn: &Connection, entry: Entry<'_>, actor: &Actor, at: &str) -> Result<()> {
    // Serialized once, for both: this runs on the writer thread for every write.
    let from = entry.from.map(|v| v.to_string());
    let to = entry.to.map(|v| v.to_string());
    conn.prepare_cached(
        "INSERT INTO history (claim_id, evidence_id, action, from_value, to_value, note, actor, actor_role, at,
                              actor_key_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        entry.claim_id,
        entry.evidence_id,
        entry.action,
        from,
        to,
        entry.note,
        actor.name(),
        actor.role_name(),
        at,
        actor.key_id(),
    ])?;
    let history_id = conn.last_insert_rowid();
    // The audit row names the history row and holds what it says, so the chain covers the history.
    let detail = format!(
        r#"{{"history_id":{history_id},"evidence_id":{},"from":{},"to":{},"note":{}}}"#,
        serde_json::to_string(&entry.evidence_id)?,
        from.as_deref().unwrap_or("null"),
        to.as_deref().unwrap_or("null"),
        serde_json::to_string(&entry.note)?,
    );
    super::audit::append(conn, actor, entry.action, Some(entry.claim_id), &detail, at)?;
    if webhook::is_event(entry.action) {
        let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
        let data = || {
            json!({
                "claim_id": entry.claim_id,
                "evidence_id": entry.evidence_id,
                "history_id": history_id,
                "from": parse(&from),
                "to": parse(&to),
                "note": entry.note,
                "actor": actor.name(),
                "actor_key_id": actor.key_id(),
                "actor_role": actor.role_name(),
            })
        };
        webhooks::emit(conn, entry.action, entry.claim_id, data, at)?;
    }
    Ok(())
}

/// Which of a claim's history rows to read, oldest first.
pub struct Slice<'a> {
    /// Rows with a greater id than this (0: from the first).
    pub after: i64,
    pub limit: usize,
    /// Only rows of these actions; `None`: every action.
    pub actions: Option<&'a [&'a str]>,
}

impl Slice<'_> {
    pub const ALL: Slice<'static> = Slice { after: 0, limit: usize::MAX, actions: None };
}

pub fn for_claim(conn: &Connection, claim_id: i64, slice: &Slice) -> Result<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, claim_id, evidence_id, action, from_value, to_value, note, actor, actor_role, at, actor_key_id
         FROM history
         WHERE claim_id = ?1 AND id > ?2 AND (?3 IS NULL OR action IN (SELECT value FROM json_each(?3)))
         ORDER BY id LIMIT ?4",
    )?;
    let actions = slice.actions.map(|a| Value::from(a.to_vec()).to_string());
    let limit = i64::try_from(slice.limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![claim_id, slice.after, actions, limit], |r| {
        let json = |i: usize| -> rusqlite::Result<Option<Value>> {
            Ok(r.get::<_, Option<String>>(i)?.and_then(|s| serde_json::from_str(&s).ok()))
        };
        Ok(HistoryRow {
            id: r.get(0)?,
            claim_id: r.get(1)?,
            evidence_id: r.get(2)?,
            action: r.get(3)?,
            from: json(4)?,
            to: json(5)?,
            note: r.get(6)?,
            actor: r.get(7)?,
            actor_role: r.get(8)?,
            at: r.get(9)?,
            actor_key_id: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The fields that differ between two JSON objects: `(before, after)`, each holding only those fields.
pub fn changed_fields(before: &Value, after: &Value) -> Option<(Value, Value)> {
    let empty = Map::new();
    let (b, a) = (before.as_object().unwrap_or(&empty), after.as_object().unwrap_or(&empty));
    let mut from = Map::new();
    let mut to = Map::new();
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        let (old, new) = (b.get(key).unwrap_or(&Value::Null), a.get(key).unwrap_or(&Value::Null));
        if old != new {
            from.insert(key.clone(), old.clone());
            to.insert(key.clone(), new.clone());
        }
    }
    (!from.is_empty()).then_some((Value::Object(from), Value::Object(to)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_keeps_only_differences() {
        let (from, to) = changed_fields(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3, "c": 4})).unwrap();
        assert_eq!(from, json!({"b": 2, "c": null}));
        assert_eq!(to, json!({"b": 3, "c": 4}));
        assert!(changed_fields(&json!({"a": 1}), &json!({"a": 1})).is_none());
    }
}
