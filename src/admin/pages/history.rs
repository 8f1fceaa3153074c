//! A claim's history as a timeline a reviewer reads: who, when, what changed from what to what, and the
//! note in full. The history rows keep their changes as JSON (for the API and the audit log); this
//! turns each into lines of "field: before → after".

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::when;
use crate::domain::verdict::Verdict;
use crate::store::history::HistoryRow;

/// What an action did, in words.
fn action_words(row: &HistoryRow) -> String {
    let item = row.evidence_id.map(|id| format!(" {id}")).unwrap_or_default();
    match row.action.as_str() {
        "claim.created" => "Submitted the claim".into(),
        "claim.updated" => "Edited the claim".into(),
        "claim.assigned" => "Changed the assignee".into(),
        "claim.transitioned" => "Moved the claim".into(),
        "claim.rescored" => "Confidence recomputed".into(),
        "claim.merged" => "Took in another fact-checker's review of this claim".into(),
        "claim.split" => "Split a merged review out into a claim of its own".into(),
        "evidence.added" => format!("Attached evidence{item}"),
        "evidence.updated" => format!("Edited evidence{item}"),
        "evidence.retracted" => format!("Retracted evidence{item}"),
        "evidence.checked" => format!("Checked the link of evidence{item}"),
        other => other.replace(['.', '_'], " "),
    }
}

/// A value as a reader says it.
fn words(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(s) => s.replace('_', " "),
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", k.replace('_', " "), words(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
    }
}

/// One level of fields, with the nested `fields` of an evidence change brought up beside the rest.
fn flat(value: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(Value::Object(map)) = value {
        for (k, v) in map {
            match (k.as_str(), v) {
                ("fields", Value::Object(inner)) => out.extend(inner.clone()),
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    } else if let Some(v) = value {
        out.insert("value".into(), v.clone());
    }
    out
}

/// Field, before (none for a new record), after: only what changed.
pub(super) fn changes(row: &HistoryRow) -> Vec<(String, Option<String>, String)> {
    let (from, to) = (flat(row.from.as_ref()), flat(row.to.as_ref()));
    let created = row.from.is_none();
    let mut keys: Vec<&String> = to.keys().collect();
    keys.extend(from.keys().filter(|k| !to.contains_key(*k)));
    keys.into_iter()
        .filter_map(|k| {
            let (before, after) = (from.get(k).unwrap_or(&Value::Null), to.get(k).unwrap_or(&Value::Null));
            if before == after || (created && after.is_null()) {
                return None;
            }
            let name = k.replace('_', " ");
            let said = |v: &Value| match (k.as_str(), v.as_str().and_then(Verdict::parse)) {
                ("verdict", Some(verdict)) => verdict.label().to_owned(),
                _ => words(v),
            };
            Some((name, (!created).then(|| said(before)), said(after)))
        })
        .collect()
}

pub fn timeline(history: &[HistoryRow]) -> Markup {
    html! {
        ol.timeline id="history" {
            @for h in history.iter().rev() {
                li {
                    p.event {
                        strong { (action_words(h)) }
                        " by " (h.actor) @if let Some(r) = &h.actor_role { " (" (r) ")" }
                        br; span.muted { time datetime=(h.at) { (when(&h.at)) } " · " code { (h.action) } }
                    }
                    @let changed = changes(h);
                    @if !changed.is_empty() {
                        ul.changes {
                            @for (field, before, after) in &changed {
                                li {
                                    strong { (field) } ": "
                                    @if let Some(before) = before { del { (before) } " → " }
                                    ins { (after) }
                                }
                            }
                        }
                    }
                    @if let Some(note) = &h.note { blockquote.note { (note) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(action: &str, from: Option<Value>, to: Option<Value>) -> HistoryRow {
        HistoryRow {
            id: 1,
            claim_id: 1,
            evidence_id: None,
            action: action.into(),
            from,
            to,
            note: None,
            actor: "Rita".into(),
            actor_key_id: None,
            actor_role: None,
            at: "2026-01-27T10:00:00.000000Z".into(),
        }
    }

    #[test]
    fn a_move_reads_as_what_changed_from_what_to_what() {
        let moved = row(
            "claim.transitioned",
            Some(json!({"status": "in_review", "verdict": null})),
            Some(json!({"status": "verified", "verdict": "mostly_false", "rationale": "Only the last run."})),
        );
        assert_eq!(
            changes(&moved),
            vec![
                ("rationale".into(), Some("none".into()), "Only the last run.".into()),
                ("status".into(), Some("in review".into()), "verified".into()),
                ("verdict".into(), Some("none".into()), "Mostly false".into()),
            ]
        );
    }

    #[test]
    fn a_new_record_lists_what_it_was_made_with() {
        let created =
            row("claim.created", None, Some(json!({"text": "R1 cost $5.6M", "claimant": null, "tags": ["cost"]})));
        assert_eq!(
            changes(&created),
            vec![("tags".into(), None, "cost".into()), ("text".into(), None, "R1 cost $5.6M".into())]
        );
    }
}
