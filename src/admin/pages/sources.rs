//! The Sources registry: every registered site with the reliability the desk gives it, a form to
//! register one, and each source's page with its edit form and its changes.

use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, field_errors, inline_errors, layout, when};
use crate::domain::access::{Action, Actor};
use crate::domain::validation::FieldError;
use crate::store::sources::{SourceChange, SourceRow};

/// The fields of the register and edit forms, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SourceForm {
    pub csrf: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub reliability: String,
    #[serde(default)]
    pub note: String,
    /// The version the edit form was read at.
    pub version: Option<i64>,
}

impl SourceForm {
    /// The form for a source as it stands.
    pub fn of(s: &SourceRow) -> SourceForm {
        SourceForm {
            csrf: String::new(),
            site: s.site.clone(),
            publisher: s.publisher.clone(),
            reliability: s.reliability.to_string(),
            note: s.note.clone(),
            version: Some(s.version),
        }
    }
}

/// What the list page shows: a page of sources, the register form as typed, and what went wrong.
pub struct Registry<'a> {
    pub items: &'a [SourceRow],
    pub next: Option<String>,
    pub form: &'a SourceForm,
    pub errors: &'a [FieldError],
    pub notice: Option<&'a Flash>,
    /// A source the form's site is registered as already.
    pub duplicate: Option<i64>,
}

fn notice(flash: Option<&Flash>) -> Markup {
    html! {
        @if let Some(flash) = flash {
            p class={ "notice" @if flash.error { " error" } } role=(if flash.error { "alert" } else { "status" }) { (flash.text) }
        }
    }
}

fn fields(form: &SourceForm, errors: &[FieldError]) -> Markup {
    html! {
        div.grid {
            label { "Publisher (required)" input name="publisher" value=(form.publisher) required; (inline_errors(errors, "publisher")) }
            label {
                "Reliability, 0 to 1 (required): evidence from the site attached without one takes it"
                input name="reliability" inputmode="decimal" value=(form.reliability) required;
                (inline_errors(errors, "reliability"))
            }
        }
        label { "Why this reliability (required)" textarea name="note" rows="2" required { (form.note) } (inline_errors(errors, "note")) }
    }
}

pub fn list(actor: &Actor, csrf: &str, r: &Registry<'_>) -> Markup {
    layout(
        "Sources",
        Some((actor, csrf)),
        html! {
            h1 { "Sources" }
            (notice(r.notice))
            p.muted {
                "The reliability the desk gives each site. Evidence attached without a reliability takes its site's; "
                "from a site not listed here it counts 0.5. Changing a source leaves evidence attached before as it was weighed."
            }
            @if r.items.is_empty() { p.card { "No source is registered yet." } }
            @else {
                table.cards {
                    thead { tr { th { "Site" } th { "Publisher" } th { "Reliability" } th { "Why" } th { "Changed" } } }
                    tbody {
                        @for s in r.items {
                            tr {
                                td data-label="Site" { a href={ "/admin/sources/" (s.id) } { (s.site) } }
                                td data-label="Publisher" { (s.publisher) }
                                td data-label="Reliability" { (s.reliability) }
                                td data-label="Why" { (s.note) }
                                td.muted data-label="Changed" { (when(&s.updated_at)) }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &r.next { nav.pager aria-label="Pages" { a href=(next) { "Next page →" } } }
            @if actor.require(Action::ManageSources).is_ok() {
                form.card.stack #register method="post" action="/admin/sources" {
                    h2 { "Register a source" }
                    @if let Some(id) = r.duplicate { p { a href={ "/admin/sources/" (id) } { "Open source " (id) } } }
                    @if !r.errors.is_empty() { (field_errors(r.errors)) }
                    input type="hidden" name="csrf" value=(csrf);
                    label {
                        "Site: a host name such as reuters.com, or a URL on it (required)"
                        input name="site" value=(r.form.site) required;
                        (inline_errors(r.errors, "site"))
                    }
                    (fields(r.form, r.errors))
                    button type="submit" { "Register source" }
                }
            }
        },
    )
}

/// One source, its edit form (for reviewers) and its changes.
pub fn source(
    actor: &Actor,
    csrf: &str,
    s: &SourceRow,
    changes: &[SourceChange],
    form: &SourceForm,
    errors: &[FieldError],
    flash: Option<&Flash>,
) -> Markup {
    layout(
        &format!("Source {}", s.site),
        Some((actor, csrf)),
        html! {
            p { a href="/admin/sources" { "← all sources" } }
            h1 { (s.site) }
            (notice(flash))
            dl.card.facts {
                dt { "Publisher" } dd { (s.publisher) }
                dt { "Reliability" } dd { (s.reliability) }
                dt { "Why" } dd { (s.note) }
                dt { "Source" } dd { (s.id) " · version " (s.version) " · registered " (when(&s.created_at)) }
            }
            @if actor.require(Action::ManageSources).is_ok() {
                form.card.stack method="post" action={ "/admin/sources/" (s.id) } {
                    h2 { "Edit" }
                    @if !errors.is_empty() { (field_errors(errors)) }
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="version" value=(form.version.unwrap_or(s.version));
                    (fields(form, errors))
                    button type="submit" { "Save source" }
                }
            }
            h2 { "Changes" }
            ol.timeline {
                @for c in changes {
                    li {
                        p.event { strong { (change_words(&c.action)) } " by " (c.actor) " · " span.muted { (when(&c.at)) } }
                        ul.changes {
                            @for (field, before, after) in change_lines(c) {
                                li { (field) ": " @if let Some(b) = before { del { (b) } " → " } ins { (after) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn change_words(action: &str) -> &str {
    match action {
        "source.created" => "Registered",
        "source.updated" => "Changed",
        other => other,
    }
}

/// Field, before (none for a new source), after.
fn change_lines(c: &SourceChange) -> Vec<(String, Option<String>, String)> {
    let said = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let fields = |v: Option<&serde_json::Value>| {
        let v = v.cloned().unwrap_or_default();
        v.get("fields").cloned().unwrap_or(v)
    };
    let (from, to) = (fields(c.from.as_ref()), fields(c.to.as_ref()));
    let Some(to) = to.as_object() else { return Vec::new() };
    to.iter().map(|(k, after)| (k.clone(), from.get(k).map(said), said(after))).collect()
}
