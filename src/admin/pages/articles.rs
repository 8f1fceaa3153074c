//! Articles: the list, with the form to take one in (pasted text or a URL); and one article, its
//! sentences in reading order, each shaded by how worth checking it is, with why, the forms that
//! accept it as a claim, the claims taken from it and the registered claims it repeats.

use std::collections::HashMap;

use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, field_errors, inline_errors, layout, match_words, percent, pill, status_pill, when};
use crate::domain::access::{Action, Actor};
use crate::domain::validation::FieldError;
use crate::service::articles::{ArticleView, Match};
use crate::store::articles::{ArticleRow, SentenceRow};
use crate::store::claims::ClaimRow;

/// Sentences shown on one page of an article: a long transcript is read a page at a time.
pub const SENTENCES_PER_PAGE: usize = 200;

/// The form to take an article in, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ArticleForm {
    pub csrf: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
}

/// A page of the list of articles, with the link to the next one.
pub struct ArticleList<'a> {
    pub items: &'a [ArticleRow],
    pub next: Option<String>,
    pub first: bool,
}

pub fn list(
    actor: &Actor,
    csrf: &str,
    articles: &ArticleList<'_>,
    form: &ArticleForm,
    errors: &[FieldError],
    refusal: Option<&str>,
) -> Markup {
    layout(
        "Articles",
        Some((actor, csrf)),
        html! {
            h1 { "Articles" }
            p.muted { "Paste an article or a transcript, or give its URL: it is split into sentences and each is scored for how worth checking it is." }
            @if actor.require(Action::SubmitArticles).is_ok() {
                @if let Some(refusal) = refusal { p.notice.error role="alert" { (refusal) } }
                @if !errors.is_empty() { (field_errors(errors)) }
                form.card.stack method="post" action="/admin/articles" {
                    h2 { "Take in an article" }
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Text: an article, or a transcript as SPEAKER: text lines"
                        textarea name="text" rows="6" { (form.text) } (inline_errors(errors, "text")) }
                    label { "URL: where it is published; given without text, the page is fetched and read"
                        input name="url" type="url" value=(form.url); (inline_errors(errors, "url")) }
                    label { "Title (optional: a fetched page's own is used otherwise)"
                        input name="title" value=(form.title); (inline_errors(errors, "title")) }
                    button type="submit" { "Find the claims" }
                }
            }
            h2 { "Taken in" }
            @if articles.items.is_empty() { p.card { "No article yet." } }
            @else {
                table.cards {
                    thead { tr { th { "Article" } th { "Sentences" } th { "Published" } th { "Taken in" } } }
                    tbody {
                        @for a in articles.items {
                            tr {
                                td data-label="Article" {
                                    a href={ "/admin/articles/" (a.id) } { (a.title.as_deref().unwrap_or("Untitled")) }
                                    br; span.muted { "#" (a.id) @if let Some(p) = &a.publisher { " · " (p) } " · " (a.format) }
                                }
                                td data-label="Sentences" { (a.sentence_count) }
                                td data-label="Published" { (a.published_at.as_deref().unwrap_or("—")) }
                                td.muted data-label="Taken in" { (when(&a.created_at)) " by " (a.actor) }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label="Pages" {
                @if articles.first { a href="/admin/articles" { "← Newest" } }
                @if let Some(next) = &articles.next { a href=(next) { "Older →" } }
            }
        },
    )
}

/// The shading of a score: five bands, from barely worth a look to most worth checking.
pub fn band(score: f64) -> usize {
    ((score * 5.0).floor() as usize).min(4)
}

const BANDS: [&str; 5] = ["under 20%", "20–40%", "40–60%", "60–80%", "80% and more"];

/// One article with its sentences from `from` (a page of them), and what the desk did with them.
pub fn article(actor: &Actor, csrf: &str, view: &ArticleView, from: usize, flash: Option<&Flash>) -> Markup {
    let a = &view.article;
    let title = a.title.clone().unwrap_or_else(|| format!("Article {}", a.id));
    let taken: HashMap<i64, &ClaimRow> = view.taken.iter().map(|(p, c)| (*p, c)).collect();
    let shown: Vec<&SentenceRow> = view.sentences.iter().skip(from).take(SENTENCES_PER_PAGE).collect();
    let may_accept = actor.require(Action::AcceptCandidates).is_ok() && actor.require(Action::CreateClaims).is_ok();
    let page_link = |start: usize| format!("/admin/articles/{}?from={}", a.id, start + 1);
    layout(
        &title,
        Some((actor, csrf)),
        html! {
            p { a href="/admin/articles" { "← articles" } }
            @if let Some(flash) = flash {
                p class={ "notice" @if flash.error { " error" } } role=(if flash.error { "alert" } else { "status" }) { (flash.text) }
            }
            h1 { (title) }
            div.card { (facts(a)) }
            @if !a.english {
                p.notice.error { (crate::api::articles::ENGLISH_ONLY) }
            }
            h2 { "Claims taken from it" }
            @if view.taken.is_empty() { p.card { "None yet: accept a sentence below to register it as a claim." } }
            @else {
                ul.card.taken {
                    @for (position, c) in &view.taken {
                        li {
                            a href={ "/admin/claims/" (c.id) } { "Claim " (c.id) } ": " (c.text) " "
                            (status_pill(c.status))
                            @if let Some(v) = c.verdict { " " (pill(v.as_str(), v.label())) }
                            " " a.muted href={ "#s-" (position) } { "sentence " (position) }
                        }
                    }
                }
            }
            h2 { "Said before" }
            (said_before(view))
            h2 { "Sentences" }
            p.muted {
                "In reading order, each shaded by its check-worthiness score: "
                @for (k, words) in BANDS.iter().enumerate() { span class={ "legend band-" (k) } { (words) } " " }
                " Open “Why” under a sentence for what raised and lowered its score."
            }
            @if view.sentences.len() > SENTENCES_PER_PAGE {
                p.muted { "Sentences " (from + 1) " to " (from + shown.len()) " of " (view.sentences.len()) "." }
            }
            ol.sentences start=(from + 1) {
                @for s in &shown {
                    (sentence(csrf, a.id, s, taken.get(&s.position).copied(), view.matches.get(&s.position), may_accept))
                }
            }
            @if view.sentences.len() > SENTENCES_PER_PAGE {
                nav.pager aria-label="Sentences" {
                    @if from > 0 { a href=(page_link(from.saturating_sub(SENTENCES_PER_PAGE))) { "← Earlier sentences" } }
                    @if from + SENTENCES_PER_PAGE < view.sentences.len() { a href=(page_link(from + SENTENCES_PER_PAGE)) { "Later sentences →" } }
                }
            }
        },
    )
}

/// Where the article is from and how it came.
fn facts(a: &ArticleRow) -> Markup {
    html! {
        dl.facts {
            @if let Some(url) = &a.url { dt { "URL" } dd { a href=(url) rel="noopener noreferrer" { (url) } } }
            @if let Some(p) = &a.publisher { dt { "Publisher" } dd { (p) } }
            dt { "Published" } dd { (a.published_at.as_deref().unwrap_or("not stated")) }
            dt { "Sentences" } dd { (a.sentence_count) " · " (a.format) @if let Some(l) = &a.language { " · " (l) } }
            dt { "Taken in" } dd { (when(&a.created_at)) " by " (a.actor) }
            @if let Some(f) = &a.snapshot {
                dt { "Fetched" } dd {
                    (when(&f.fetched_at)) ": HTTP " (f.status) " · " (f.content_type.as_deref().unwrap_or("no type"))
                    " · " (f.size) " bytes" @if f.truncated { " (cut at the size limit)" }
                    @if f.archived { " · archived" }
                    @if !f.redirects.is_empty() { br; "Redirected to " (f.final_url) }
                    br; span.muted { "SHA-256 " (f.sha256) }
                }
            }
        }
    }
}

/// The registered claims the best candidates say much the same as: checked ones with their verdict.
fn said_before(view: &ArticleView) -> Markup {
    // A sentence matching the claim taken from it says nothing new.
    let taken: HashMap<i64, i64> = view.taken.iter().map(|(p, c)| (*p, c.id)).collect();
    let mut found: Vec<(i64, &Match)> = view
        .matches
        .iter()
        .flat_map(|(position, ms)| ms.iter().map(move |m| (*position, m)))
        .filter(|(position, m)| taken.get(position) != Some(&m.claim.id))
        .collect();
    found.sort_by_key(|(position, m)| (m.claim.verdict.is_none(), *position, m.claim.id));
    html! {
        @if found.is_empty() { p.card { "None of the best candidates says much the same as a registered claim." } }
        @else {
            ul.card.said-before {
                @for (position, m) in found {
                    li {
                        a href={ "#s-" (position) } { "Sentence " (position) } " says much the same as "
                        a href={ "/admin/claims/" (m.claim.id) } { "claim " (m.claim.id) } ": " (m.claim.fields.text) " "
                        @match m.claim.verdict {
                            Some(v) => { "— already checked: " (pill(v.as_str(), v.label())) " " }
                            None => { "— not checked yet " }
                        }
                        (status_pill(m.claim.status))
                        " " span.muted { (match_words(m)) }
                    }
                }
            }
        }
    }
}

/// One sentence: its score as shade and as text, why, what it repeats, and accepting it.
fn sentence(
    csrf: &str,
    article: i64,
    s: &SentenceRow,
    claim: Option<&ClaimRow>,
    matches: Option<&Vec<Match>>,
    may_accept: bool,
) -> Markup {
    let reasons = |key: &str| -> Vec<(String, f64)> {
        s.reasons[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| Some((r["text"].as_str()?.to_owned(), r["weight"].as_f64()?)))
            .collect()
    };
    let (raised, lowered) = (reasons("raised"), reasons("lowered"));
    let hover: Vec<String> =
        raised.iter().map(|(t, _)| format!("+ {t}")).chain(lowered.iter().map(|(t, _)| format!("− {t}"))).collect();
    let action = format!("/admin/articles/{article}/candidates/{}/accept", s.position);
    html! {
        li class={ "sentence band-" (band(s.score)) } id={ "s-" (s.position) } {
            p.sentence-text {
                span.score title=(hover.join("\n")) { (percent(s.score)) }
                " "
                @if let Some(speaker) = &s.speaker { strong { (speaker) ": " } }
                (s.text)
            }
            p.muted.sentence-facts {
                (s.kind.replace('_', " "))
                @if let Some(who) = &s.claimant { " · claimant: " (who) }
            }
            details.reasons {
                summary { "Why " (percent(s.score)) }
                @if raised.is_empty() && lowered.is_empty() { p.muted { "Nothing in it moved the score much." } }
                ul {
                    @for (text, weight) in &raised { li { span.up { "raised" } " by " (text) " " span.muted { (format!("(+{weight:.2})")) } } }
                    @for (text, weight) in &lowered { li { span.down { "lowered" } " by " (text) " " span.muted { (format!("({weight:.2})")) } } }
                }
            }
            @for m in matches.into_iter().flatten().filter(|m| Some(m.claim.id) != claim.map(|c| c.id)) {
                p.match-note {
                    "Says much the same as " a href={ "/admin/claims/" (m.claim.id) } { "claim " (m.claim.id) } " "
                    @if let Some(v) = m.claim.verdict { (pill(v.as_str(), v.label())) " " }
                    (status_pill(m.claim.status))
                }
            }
            @if let Some(c) = claim {
                p.taken-note {
                    "Taken as " a href={ "/admin/claims/" (c.id) } { "claim " (c.id) } " " (status_pill(c.status))
                    @if let Some(v) = c.verdict { " " (pill(v.as_str(), v.label())) }
                }
            } @else if may_accept {
                div.accept {
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "Accept sentence " (s.position) }
                    }
                    details.edit-accept {
                        summary { "Edit and accept" }
                        form.stack method="post" action=(action) {
                            input type="hidden" name="csrf" value=(csrf);
                            label { "Claim, word for word" textarea name="text" rows="3" required { (s.text) } }
                            label { "Claimant" input name="claimant" value=(s.claimant.as_deref().or(s.speaker.as_deref()).unwrap_or_default()); }
                            label { "Tags, separated by commas" input name="tags"; }
                            button type="submit" { "Accept as edited" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::band;

    #[test]
    fn scores_fall_in_five_bands() {
        assert_eq!([0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0].map(band), [0, 0, 1, 2, 3, 4, 4]);
    }
}
