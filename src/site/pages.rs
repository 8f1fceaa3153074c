//! The public pages' HTML: one readable column, landmarks and headings in order, the claim in its own
//! language, no script (the JSON-LD is data) and nothing from another server.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::claimreview::Publisher;
use crate::domain::evidence::Stance;
use crate::domain::linkcheck::LinkState;
use crate::domain::publication::day;
use crate::service::publications::{CitedCopy, Listing, PublicFactCheck};
use crate::store::evidence::EvidenceRow;

/// What goes into a page's head beside the title.
#[derive(Default)]
struct Head<'a> {
    description: Option<&'a str>,
    canonical: Option<String>,
    json_ld: Option<&'a serde_json::Value>,
}

fn layout(title: &str, head: Head<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                @if let Some(description) = head.description { meta name="description" content=(description); }
                @if let Some(canonical) = &head.canonical { link rel="canonical" href=(canonical); }
                link rel="stylesheet" href="/fact-checks/site.css";
                link rel="alternate" type="application/atom+xml" title="Fact-checks" href="/fact-checks/feed.atom";
                @if let Some(review) = head.json_ld {
                    script type="application/ld+json" { (PreEscaped(script_safe(&review.to_string()))) }
                }
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header { div.wrap { a href="/fact-checks" { "Fact-checks" } } }
                main id="main" { (body) }
                footer { div.wrap {
                    p { a href="/fact-checks" { "All fact-checks" } " · " a href="/fact-checks/feed.atom" { "Atom feed" } }
                } }
            }
        }
    }
}

/// JSON that cannot end the script element it sits in or open a comment: `<`, `>` and `&` only occur
/// in JSON strings, where their \u escapes mean the same.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn time(at: &str) -> Markup {
    html! { time datetime=(at) { (day(at)) } }
}

fn stance(stance: Stance) -> &'static str {
    match stance {
        Stance::Supports => "Supports the claim",
        Stance::Refutes => "Refutes the claim",
        Stance::Context => "Gives context",
    }
}

/// Paragraphs of a text written with blank lines between them.
fn paragraphs(text: &str) -> Markup {
    html! { @for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) { p { (p) } } }
}

pub fn fact_check(publisher: &Publisher, found: &PublicFactCheck) -> Markup {
    let p = &found.check.publication;
    let c = &p.content;
    let title = format!("Fact-check: {}", c.text);
    let definition = p.verdict.definition();
    let head = Head {
        description: Some(definition),
        canonical: Some(publisher.page_url(p.claim_id)),
        json_ld: Some(&found.review),
    };
    layout(
        &title,
        head,
        html! {
            article {
                @if let Some(notice) = &p.notice {
                    aside.notice role="status" { strong { "Under review again. " } (notice) }
                }
                p.kicker { "Fact-check by " (publisher.name) }
                h1 { "Claim: " q lang=[c.language.as_deref()] { (c.text) } }
                p.byline {
                    "Said by " strong { (c.claimant.as_deref().unwrap_or("an unknown source")) }
                    @if let Some(a) = &c.appeared_in {
                        @if a.url.is_some() || a.title.is_some() {
                            " in "
                            @match (&a.url, &a.title) {
                                (Some(url), title) => a href=(url) rel="nofollow noopener" { (title.as_deref().unwrap_or(url)) },
                                (None, Some(title)) => cite { (title) },
                                (None, None) => {},
                            }
                        }
                        @if let Some(at) = &a.published_at { " on " (time(at)) }
                    }
                    "."
                }
                @if let Some(quote) = c.appeared_in.as_ref().and_then(|a| a.quote.as_deref()) {
                    blockquote lang=[c.language.as_deref()] { p { (quote) } }
                }
                section aria-labelledby="rating" {
                    h2 id="rating" { "Our rating" }
                    p class={ "verdict " (p.verdict.as_str()) } { (p.verdict.label()) }
                    p { (definition) }
                }
                @if let Some(rationale) = &p.rationale {
                    section aria-labelledby="why" {
                        h2 id="why" { "Why" }
                        (paragraphs(rationale))
                    }
                }
                section aria-labelledby="sources" {
                    h2 id="sources" { "Sources" }
                    @if found.check.evidence.is_empty() { p.muted { "No sources are listed." } }
                    ol.sources { @for e in &found.check.evidence { li { (source(p.claim_id, e)) } } }
                }
                @if !found.check.corrections.is_empty() {
                    section.corrections aria-labelledby="corrections" {
                        h2 id="corrections" { "Corrections" }
                        ul { @for correction in &found.check.corrections { li { (correction.note) } } }
                    }
                }
                p.dates {
                    "Published " (time(&p.first_published_at))
                    @if p.revision > 1 { ". Updated " (time(&p.published_at)) }
                    "."
                }
                @if !c.tags.is_empty() { p.muted { "Topics: " (c.tags.join(", ")) } }
            }
        },
    )
}

fn source(claim_id: i64, e: &EvidenceRow) -> Markup {
    let cited = e.fetch.as_ref().and_then(|f| f.cited.as_ref());
    let gone = e.fetch.as_ref().is_some_and(|f| f.state == LinkState::Gone);
    let name = e.title.as_deref().or(cited.and_then(|c| c.title.as_deref())).unwrap_or(&e.url);
    html! {
        a href=(e.url) rel="nofollow noopener" { (name) }
        br;
        span.muted { (e.publisher.as_deref().unwrap_or(&e.site)) " · " (stance(e.stance)) }
        @if e.retracted { br; span.muted { "This source was withdrawn after publication." } }
        @if let Some(copy) = cited {
            br;
            a href={ "/fact-checks/" (claim_id) "/sources/" (e.id) } { "Archived copy, as cited (" (day(&copy.fetched_at)) ")" }
            @if gone { span.muted { " · the original page is gone" } }
        }
    }
}

pub fn cited_copy(publisher: &Publisher, copy: &CitedCopy) -> Markup {
    let (p, e, s) = (&copy.publication, &copy.item, &copy.snapshot);
    let name = e.title.as_deref().or(s.meta.title.as_deref()).unwrap_or(&e.url);
    layout(
        &format!("Archived copy: {name}"),
        Head { canonical: Some(publisher.source_url(p.claim_id, e.id)), ..Head::default() },
        html! {
            p.kicker { "Archived copy" }
            h1 { (name) }
            p.muted {
                "The text of " a href=(e.url) rel="nofollow noopener" { (e.url) } " as it was on " (time(&s.meta.fetched_at))
                ", when it was cited in the fact-check of "
                a href={ "/fact-checks/" (p.claim_id) } { "“" (p.content.text) "”" } ". The page may have changed or gone since."
            }
            @match &s.text {
                Some(text) => div.archived { (text) },
                None => p { "This copy is a " (s.meta.content_type.as_deref().unwrap_or("file")) " with no text to show." },
            }
        },
    )
}

pub fn index(publisher: &Publisher, q: Option<&str>, page: usize, listing: &Listing) -> Markup {
    let link = |page: usize| -> String {
        let mut query = vec![("page", page.to_string())];
        if let Some(q) = q {
            query.insert(0, ("q", q.to_owned()));
        }
        format!("/fact-checks?{}", serde_urlencoded::to_string(query).unwrap_or_default())
    };
    let title = match q {
        Some(q) => format!("Fact-checks matching “{q}”"),
        None => format!("Fact-checks by {}", publisher.name),
    };
    let head = Head { canonical: q.is_none().then(|| publisher.index_url()), ..Head::default() };
    layout(
        &title,
        head,
        html! {
            h1 { (title) }
            form.search method="get" action="/fact-checks" role="search" {
                label for="q" { "Search the fact-checks" }
                input id="q" type="search" name="q" value=[q] maxlength="200";
                button type="submit" { "Search" }
            }
            @if listing.items.is_empty() {
                p { @if q.is_some() { "No published fact-check matches that search." } @else { "Nothing is published yet." } }
            }
            ul.checks {
                @for p in &listing.items {
                    li {
                        span class={ "pill " (p.verdict.as_str()) } { (p.verdict.label()) } ": "
                        a href={ "/fact-checks/" (p.claim_id) } lang=[p.content.language.as_deref()] { (p.content.text) }
                        br;
                        span.muted {
                            @if let Some(claimant) = &p.content.claimant { (claimant) " · " }
                            (time(&p.published_at))
                            @if p.notice.is_some() { " · under review again" }
                        }
                    }
                }
            }
            nav.pages aria-label="Pages" {
                span { @if page > 1 { a href=(link(page - 1)) rel="prev" { "← Newer" } } }
                span { @if listing.more { a href=(link(page + 1)) rel="next" { "Older →" } } }
            }
        },
    )
}

pub fn failure(title: &str, text: &str) -> Markup {
    layout(
        title,
        Head::default(),
        html! { h1 { (title) } p { (text) } p { a href="/fact-checks" { "See all fact-checks" } } },
    )
}
