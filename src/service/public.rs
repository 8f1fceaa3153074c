//! What an anonymous reader (under `--public-read`) sees of a published claim: the claim, its verdict,
//! its sources and its dates, and the story of its check; not the desk's internal notes, who on the
//! desk did what, or who it is assigned to.

use serde_json::Value;

use crate::store::claims::ClaimDetail;
use crate::store::evidence::EvidenceRow;
use crate::store::history::HistoryRow;

/// Changes a reader may follow.
pub(super) const PUBLIC_ACTIONS: [&str; 5] =
    ["claim.created", "claim.updated", "claim.transitioned", "evidence.added", "evidence.retracted"];

/// Who did it, as readers are told.
pub const DESK: &str = "the desk";

pub fn detail(mut detail: ClaimDetail) -> ClaimDetail {
    detail.claim.assignee = None;
    detail.evidence = detail.evidence.into_iter().map(evidence).collect();
    detail
}

pub fn evidence(mut item: EvidenceRow) -> EvidenceRow {
    item.note = None;
    item.retraction_note = None;
    item
}

pub fn history(rows: Vec<HistoryRow>) -> Vec<HistoryRow> {
    rows.into_iter()
        .filter(|h| PUBLIC_ACTIONS.contains(&h.action.as_str()))
        .map(|mut h| {
            h.actor = DESK.to_owned();
            h.actor_key_id = None;
            h.actor_role = None;
            h.note = None;
            h.from = h.from.map(without_notes);
            h.to = h.to.map(without_notes);
            h
        })
        .collect()
}

/// The value with every `note` and `assignee` member taken out, at any depth.
fn without_notes(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "note" && k != "assignee")
                .map(|(k, v)| (k, without_notes(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_notes).collect()),
        other => other,
    }
}
