//! The queue: claims waiting for action, oldest first.

use maud::{Markup, html};

use super::{layout, percent, status_pill, when};
use crate::domain::access::Actor;
use crate::store::claims::ClaimRow;

pub fn queue(actor: &Actor, csrf: &str, items: &[ClaimRow]) -> Markup {
    layout(
        "Queue",
        Some((actor, csrf)),
        html! {
            h1 { "Waiting for review" }
            p.muted { "Submitted and in-review claims, oldest first. " a href="/admin/claims" { "Search every claim" } "." }
            @if items.is_empty() { p.card { "Nothing is waiting." } }
            @else { (claim_table(items)) }
        },
    )
}

/// Claims as a table at desk width and as cards on a phone, each field named.
pub(super) fn claim_table(items: &[ClaimRow]) -> Markup {
    html! {
        table.cards {
            thead { tr { th { "Claim" } th { "Status" } th { "Evidence" } th { "Support · confidence" } th { "Assignee" } th { "Submitted" } } }
            tbody {
                @for c in items {
                    tr {
                        td data-label="Claim" { a href={ "/admin/claims/" (c.id) } { (c.text) } br; span.muted { "#" (c.id) " · " (c.claimant.as_deref().unwrap_or("unknown claimant")) } }
                        td data-label="Status" {
                            (status_pill(c.status))
                            @if let Some(v) = c.verdict { " " (super::pill(v.as_str(), v.label())) }
                        }
                        td data-label="Evidence" { (c.evidence_count) }
                        td data-label="Support · confidence" { (percent(c.support)) " · " (percent(c.confidence)) }
                        td data-label="Assignee" { (c.assignee.as_deref().unwrap_or("nobody")) }
                        td.muted data-label="Submitted" { (when(&c.created_at)) }
                    }
                }
            }
        }
    }
}
