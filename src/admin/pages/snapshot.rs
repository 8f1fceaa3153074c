//! Archived pages: one snapshot's text, or the page as cited and as it is now side by side, with the
//! quoted excerpt marked where it is found. Only the extracted text is shown, never the page itself,
//! so nothing in it runs here.

use maud::{Markup, html};

use super::{layout, when};
use crate::domain::access::Actor;
use crate::service::evidence::Compared;
use crate::store::evidence::EvidenceRow;
use crate::store::links::Snapshot;

fn facts(which: &str, s: &Snapshot) -> Markup {
    let m = &s.meta;
    html! {
        dl.card.facts {
            dt { "Snapshot" } dd { (which) ", fetched " (when(&m.fetched_at)) }
            dt { "URL" } dd { (m.final_url) }
            @if !m.redirects.is_empty() { dt { "Redirected from" } dd { (m.redirects.join(" → ")) } }
            dt { "Answer" } dd { "HTTP " (m.status) " · " (m.content_type.as_deref().unwrap_or("no type")) " · " (m.size) " bytes" @if m.truncated { " (cut at the size cap)" } }
            dt { "SHA-256" } dd { code { (m.sha256) } }
            @if let Some(p) = &m.published { dt { "Published" } dd { (p) } }
        }
    }
}

/// The text with the first occurrence of the quote marked (ignoring ASCII case).
fn marked(text: &str, quote: Option<&str>) -> Markup {
    let quote = quote.map(str::trim).filter(|q| !q.is_empty());
    // ASCII lower-casing keeps every byte offset, so a match found in the copy cuts the original.
    let found =
        quote.and_then(|q| text.to_ascii_lowercase().find(&q.to_ascii_lowercase()).map(|at| (at, at + q.len())));
    html! {
        @match found {
            Some((start, end)) if text.is_char_boundary(start) && text.is_char_boundary(end) => {
                pre.snapshot { (text[..start]) mark { (text[start..end]) } (text[end..]) }
            }
            _ => {
                @if quote.is_some() { p.muted { "The quoted excerpt is not in this text." } }
                pre.snapshot { (text) }
            }
        }
    }
}

fn body(s: &Snapshot, quote: Option<&str>) -> Markup {
    html! {
        @match &s.text {
            Some(text) => (marked(text, quote)),
            None => p.card { "No text was extracted from this content type." },
        }
    }
}

pub fn snapshot(actor: &Actor, csrf: &str, evidence: &EvidenceRow, which: &str, s: &Snapshot) -> Markup {
    layout(
        "Snapshot",
        Some((actor, csrf)),
        html! {
            p { a href={ "/admin/claims/" (evidence.claim_id) "#evidence-" (evidence.id) } { "← claim " (evidence.claim_id) } }
            h1 { (s.meta.title.as_deref().unwrap_or(&evidence.url)) }
            (facts(which, s))
            (body(s, evidence.excerpt.as_deref()))
        },
    )
}

pub fn compare(actor: &Actor, csrf: &str, c: &Compared) -> Markup {
    let e = &c.item;
    let quote = e.excerpt.as_deref();
    layout(
        "Cited and current",
        Some((actor, csrf)),
        html! {
            p { a href={ "/admin/claims/" (e.claim_id) "#evidence-" (e.id) } { "← claim " (e.claim_id) } }
            h1 { "Evidence " (e.id) ": as cited and as it is now" }
            @if let Some(q) = quote { p { "Quoted excerpt, marked where found: " mark { (q) } } }
            div.side-by-side {
                section {
                    h2 { "As cited" }
                    @match &c.cited { Some(s) => { (facts("as cited", s)) (body(s, quote)) } None => p.card { "Not fetched yet." } }
                }
                section {
                    h2 { "As it is now" }
                    @match &c.current { Some(s) => { (facts("as it is now", s)) (body(s, quote)) } None => p.card { "Not fetched yet." } }
                }
            }
        },
    )
}
