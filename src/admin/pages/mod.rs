//! The admin page's HTML, one file per page. No JavaScript and nothing from outside the server: it
//! works on a closed network. Tables carry a `data-label` on each cell so that on a phone each row
//! becomes a card with every field named, instead of columns cut off at the edge.

mod articles;
mod claim;
mod claims;
mod history;
mod queue;
mod snapshot;
mod sources;
mod stats;

pub use articles::{ArticleForm, ArticleList, SENTENCES_PER_PAGE, article, list as articles};
pub use claim::claim;
pub use claims::{ClaimForm, EditConflict, Listing, edit, list, new_claim, submitted};
pub use queue::queue;
pub use snapshot::{compare, snapshot};
pub use sources::{Registry, SourceForm, list as sources, source};
pub use stats::stats;

use maud::{DOCTYPE, Markup, html};

use crate::domain::access::Actor;
use crate::domain::matching::Tier;
use crate::domain::validation::FieldError;
use crate::domain::workflow::Status;
use crate::service::matching::Match;

/// A message a form left for the page it returns to: an error, or a notice.
pub struct Flash {
    pub error: bool,
    pub text: String,
}

fn layout(title: &str, who: Option<(&Actor, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · claimcheck" }
                link rel="stylesheet" href="/admin/style.css";
            }
            body {
                header {
                    a.brand href="/admin" { "claimcheck" }
                    @if let Some((actor, csrf)) = who {
                        nav aria-label="Desk" {
                            a href="/admin" { "Queue" }
                            a href="/admin/claims" { "Claims" }
                            a href="/admin/claims/new" { "Submit" }
                            a href="/admin/sources" { "Sources" }
                            a href="/admin/articles" { "Articles" }
                            a href="/admin/stats" { "Stats" }
                        }
                        span.who { (actor.name()) " · " (actor.role_name().unwrap_or_default()) }
                        form method="post" action="/admin/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

pub fn login(error: Option<&str>, csrf: &str) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            @if let Some(error) = error { p.notice.error role="alert" { (error) } }
            form.card.stack method="post" action="/admin/login" {
                input type="hidden" name="csrf" value=(csrf);
                label { "API key" input type="password" name="key" autocomplete="off" required; }
                button type="submit" { "Sign in" }
                p.muted { "Ask an admin for a key, or create the first one with " code { "claimcheck keys create --role admin --name YOU" } "." }
            }
        },
    )
}

fn pill(class: &str, text: &str) -> Markup {
    html! { span class={ "pill " (class) } { (text) } }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// How sure a match is, in words, with its score: a text that denies the claim is said to.
fn match_words(m: &Match) -> String {
    let tier = match m.tier {
        Tier::Same => "the same claim",
        Tier::Related if m.ranked.says_otherwise() => "says otherwise",
        Tier::Related => "related",
    };
    format!("{tier}, score {}", percent(m.ranked.score))
}

/// The claims a claim resembles, as the desk checks whether it repeats one: each one's status and,
/// once checked, its verdict.
fn similar_claims(similar: &[Match]) -> Markup {
    html! {
        h2 { "Similar claims" }
        @if similar.is_empty() { p.card { "No claim already here says much the same." } }
        @else {
            p.muted { "Claims already here that say much the same in other words: check whether this one repeats one of them." }
            ul.card.similar {
                @for s in similar {
                    li {
                        a href={ "/admin/claims/" (s.claim.id) } { (s.claim.fields.text) } " " (status_pill(s.claim.status)) " "
                        @if let Some(v) = s.claim.verdict { "already checked: " (pill(v.as_str(), v.label())) " " }
                        span.muted { (match_words(s)) }
                    }
                }
            }
        }
    }
}

/// A status as a reader says it: "in review", not `in_review`.
fn status_word(status: Status) -> String {
    status.as_str().replace('_', " ")
}

fn status_pill(status: Status) -> Markup {
    pill(status.as_str(), &status_word(status))
}

/// A stored timestamp to the minute, as the desk reads it (UTC).
fn when(at: &str) -> String {
    format!("{} UTC", at.get(..16).unwrap_or(at).replace('T', " "))
}

/// Hours in the unit that reads best: minutes under an hour, days past two.
pub fn duration(hours: f64) -> String {
    let minutes = hours * 60.0;
    if minutes < 1.0 {
        "under a minute".to_owned()
    } else if minutes < 60.0 {
        format!("{:.0} min", minutes)
    } else if hours < 48.0 {
        format!("{hours:.1} h")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

/// Each broken rule, naming its field and the rule.
fn field_errors(errors: &[FieldError]) -> Markup {
    html! {
        ul.errors {
            @for e in errors { li { strong { (e.field) } ": " (e.message) " " span.muted { "(rule: " (e.rule) ")" } } }
        }
    }
}

/// The broken rules of one field, shown beside it.
fn inline_errors(errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field || e.field.starts_with(&format!("{field}["))) {
            span.field-error role="alert" { (e.message) " (rule: " (e.rule) ")" }
        }
    }
}

/// A page saying why a request failed.
pub fn failure(
    who: Option<(&Actor, &str)>,
    status: actix_web::http::StatusCode,
    detail: &str,
    errors: &[FieldError],
) -> Markup {
    let title = match status.as_u16() {
        404 => "Not found",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    layout(
        title,
        who,
        html! {
            h1 { (title) }
            p.notice.error role="alert" { (detail) }
            @if !errors.is_empty() { (field_errors(errors)) }
            p { a href="/admin" { "Back to the queue" } " · " a href="/admin/claims" { "All claims" } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_in_sensible_units() {
        assert_eq!(duration(0.001), "under a minute");
        assert_eq!(duration(0.25), "15 min");
        assert_eq!(duration(5.0), "5.0 h");
        assert_eq!(duration(72.0), "3.0 days");
    }
}
