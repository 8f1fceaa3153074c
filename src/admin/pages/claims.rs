//! Every claim: the searchable list, the form to submit one (and what it resembles), and the form to
//! edit one, with what changed when someone else saved first.

use maud::{Markup, html};
use serde::Deserialize;

use super::{field_errors, inline_errors, layout, similar_claims, status_word};
use crate::api::claims::ListParams;
use crate::domain::access::Actor;
use crate::domain::validation::FieldError;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;
use crate::service::matching::Match;
use crate::store::claims::ClaimRow;
use crate::store::listing::Page;

/// A page of the list, or the rules its filters break, with the links to the pages around it.
pub struct Listing<'a> {
    /// The filters as typed, to fill the form again.
    pub typed: &'a ListParams,
    pub page: Result<&'a Page, &'a [FieldError]>,
    pub next: Option<String>,
    pub first: Option<String>,
}

const SORTS: [(&str, &str); 7] = [
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("-updated", "Recently changed"),
    ("updated", "Least recently changed"),
    ("-confidence", "Most settled evidence"),
    ("confidence", "Least settled evidence"),
    ("relevance", "Best match (with a search)"),
];

pub fn list(actor: &Actor, csrf: &str, listing: &Listing<'_>) -> Markup {
    let p = listing.typed;
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    layout(
        "Claims",
        Some((actor, csrf)),
        html! {
            h1 { "Claims" }
            form.card.filters method="get" action="/admin/claims" role="search" {
                label.wide { "Search the text and claimant" input type="search" name="q" value=(typed(&p.q)); }
                label { "Status" select name="status" {
                    option value="" { "any" }
                    @for s in Status::ALL { option value=(s.as_str()) selected[p.status.as_deref() == Some(s.as_str())] { (status_word(s)) } }
                } }
                label { "Verdict" select name="verdict" {
                    option value="" { "any" }
                    @for v in Verdict::ALL { option value=(v.as_str()) selected[p.verdict.as_deref() == Some(v.as_str())] { (v.label()) } }
                } }
                label { "Tag" input name="tag" value=(typed(&p.tag)); }
                label { "Assignee (none: unassigned)" input name="assignee" value=(typed(&p.assignee)); }
                label { "Claimant" input name="claimant" value=(typed(&p.claimant)); }
                label { "Submitted from" input type="date" name="created_after" value=(typed(&p.created_after)); }
                label { "Submitted until (inclusive)" input type="date" name="created_before" value=(typed(&p.created_before)); }
                label { "Sort" select name="sort" {
                    option value="" { "Newest first, or best match with a search" }
                    @for (name, words) in SORTS { option value=(name) selected[p.sort.as_deref() == Some(name)] { (words) } }
                } }
                div.actions { button type="submit" { "Show claims" } a href="/admin/claims" { "Clear filters" } }
            }
            @match &listing.page {
                Err(errors) => {
                    p.notice.error role="alert" { "The filters could not be applied:" }
                    (field_errors(errors))
                }
                Ok(page) => {
                    p.muted { @if let Some(total) = page.total { (total) " matching claim" @if total != 1 { "s" } "." } }
                    @if page.items.is_empty() { p.card { "No claim matches." } }
                    @else { (super::queue::claim_table(&page.items)) }
                    nav.pager aria-label="Pages" {
                        @if let Some(first) = &listing.first { a href=(first) { "← First page" } }
                        @if let Some(next) = &listing.next { a href=(next) { "Next page →" } }
                    }
                }
            }
        },
    )
}

/// The fields of the submit and edit forms, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ClaimForm {
    pub csrf: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub claimant: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    /// The version the edit form was read at, and what it showed then: a conflict is explained
    /// against them.
    pub version: Option<i64>,
    pub seen_text: Option<String>,
    pub seen_claimant: Option<String>,
    pub seen_tags: Option<String>,
}

fn claim_fields(form: &ClaimForm, errors: &[FieldError], with_source: bool) -> Markup {
    html! {
        label { "Claim, word for word (required)" textarea name="text" rows="3" required { (form.text) } (inline_errors(errors, "text")) }
        label { "Claimant: who said it" input name="claimant" value=(form.claimant); (inline_errors(errors, "claimant")) }
        label { "Tags, separated by commas" input name="tags" value=(form.tags) placeholder="cost, r1"; (inline_errors(errors, "tags")) }
        @if with_source {
            label { "Where it appeared: URL" input name="url" type="url" value=(form.url); (inline_errors(errors, "appeared_in.url")) }
            label { "Where it appeared: page title" input name="title" value=(form.title); (inline_errors(errors, "appeared_in.title")) }
        }
    }
}

pub fn new_claim(
    actor: &Actor,
    csrf: &str,
    form: &ClaimForm,
    errors: &[FieldError],
    refusal: Option<&str>,
    duplicate: Option<i64>,
) -> Markup {
    layout(
        "Submit a claim",
        Some((actor, csrf)),
        html! {
            h1 { "Submit a claim" }
            @if let Some(refusal) = refusal { p.notice.error role="alert" { (refusal) } }
            @if let Some(id) = duplicate { p { a href={ "/admin/claims/" (id) } { "Open claim " (id) } } }
            @if !errors.is_empty() { (field_errors(errors)) }
            form.card.stack method="post" action="/admin/claims" {
                input type="hidden" name="csrf" value=(csrf);
                (claim_fields(form, errors, true))
                button type="submit" { "Submit claim" }
            }
        },
    )
}

/// A claim just submitted, with the claims it resembles.
pub fn submitted(actor: &Actor, csrf: &str, claim: &ClaimRow, similar: &[Match]) -> Markup {
    layout(
        "Claim submitted",
        Some((actor, csrf)),
        html! {
            p.notice role="status" { "Claim " (claim.id) " submitted." }
            div.card {
                p.claim-text { (claim.text) }
                p { a.button href={ "/admin/claims/" (claim.id) } { "Open claim " (claim.id) } }
            }
            (similar_claims(similar))
        },
    )
}

/// Another save came first: what it changed, against what the form showed.
pub struct EditConflict {
    /// The version the form was read at.
    pub seen_version: i64,
    pub current: ClaimRow,
    /// Field, what the form showed, what it is now.
    pub changes: Vec<(&'static str, String, String)>,
}

pub fn edit(
    actor: &Actor,
    csrf: &str,
    id: i64,
    form: &ClaimForm,
    errors: &[FieldError],
    conflict: Option<&EditConflict>,
) -> Markup {
    layout(
        &format!("Edit claim {id}"),
        Some((actor, csrf)),
        html! {
            p { a href={ "/admin/claims/" (id) } { "← claim " (id) } }
            h1 { "Edit claim " (id) }
            @if let Some(conflict) = conflict {
                div.notice.error role="alert" {
                    p { strong { "Not saved: someone changed this claim after you opened the form" }
                        " (it was version " (conflict.seen_version) ", it is now version " (conflict.current.version) ")."
                        " Saving would have overwritten a change you had not seen." }
                    @if conflict.changes.is_empty() {
                        p { "Its text, claimant and tags are as you saw them; what changed is elsewhere (its status, evidence or link checks)." }
                    } @else {
                        p { "What changed:" }
                        ul { @for (field, from, to) in &conflict.changes { li { strong { (field) } ": “" (from) "” → “" (to) "”" } } }
                    }
                    p { "Your edits are kept below. Check them against the change and save again." }
                }
            }
            @if !errors.is_empty() { (field_errors(errors)) }
            form.card.stack method="post" action={ "/admin/claims/" (id) "/edit" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="version" value=(form.version.unwrap_or_default());
                input type="hidden" name="seen_text" value=(form.seen_text.as_deref().unwrap_or_default());
                input type="hidden" name="seen_claimant" value=(form.seen_claimant.as_deref().unwrap_or_default());
                input type="hidden" name="seen_tags" value=(form.seen_tags.as_deref().unwrap_or_default());
                (claim_fields(form, errors, false))
                button type="submit" { "Save changes" }
            }
        },
    )
}
