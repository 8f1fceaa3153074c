//! The admin page's HTML. No JavaScript and nothing from outside the server: it works on a closed network.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::domain::access::{Action, Actor};
use crate::domain::verdict::Verdict;
use crate::service::claims::Dossier;
use crate::store::claims::ClaimRow;
use crate::store::evidence::EvidenceRow;
use crate::store::links::Snapshot;
use crate::store::review::Stats;

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
                    a href="/admin" { "claimcheck" }
                    @if let Some((actor, csrf)) = who {
                        a href="/admin" { "Queue" }
                        a href="/admin/stats" { "Stats" }
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
            @if let Some(error) = error { p.notice.error { (error) } }
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

pub fn queue(actor: &Actor, csrf: &str, items: &[ClaimRow]) -> Markup {
    layout(
        "Queue",
        Some((actor, csrf)),
        html! {
            h1 { "Waiting for review" }
            @if items.is_empty() { p.card { "Nothing is waiting." } }
            @else {
                table {
                    thead { tr { th { "Claim" } th { "Status" } th { "Evidence" } th { "Confidence" } th { "Assignee" } th { "Submitted" } } }
                    tbody {
                        @for c in items {
                            tr {
                                td { a href={ "/admin/claims/" (c.id) } { (c.text) } br; span.muted { (c.claimant.as_deref().unwrap_or("unknown claimant")) } }
                                td { (pill(c.status.as_str(), c.status.as_str())) }
                                td { (c.evidence_count) }
                                td { (percent(c.confidence)) }
                                td { (c.assignee.as_deref().unwrap_or("—")) }
                                td.muted { (c.created_at.get(..16).unwrap_or(&c.created_at).replace('T', " ")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn claim(actor: &Actor, csrf: &str, dossier: &Dossier, flash: Option<&Flash>) -> Markup {
    let Dossier { detail, history, review } = dossier;
    let c = &detail.claim;
    let b = &detail.confidence_breakdown;
    layout(
        &format!("Claim {}", c.id),
        Some((actor, csrf)),
        html! {
            @if let Some(review) = review {
            // JSON-LD is data, not script; "</" is escaped so the text cannot close the element.
            script type="application/ld+json" { (PreEscaped(crate::claimreview::script_json(review))) }
        }
        @if let Some(flash) = flash {
                p class={ "notice" @if flash.error { " error" } } { (flash.text) }
            }
            div.card {
                p.claim-text { (c.text) }
                p.muted {
                    (c.claimant.as_deref().unwrap_or("unknown claimant"))
                    @if let Some(a) = &c.appeared_in { @if let Some(t) = &a.title { " · " (t) } }
                }
                @if let Some(quote) = c.appeared_in.as_ref().and_then(|a| a.quote.as_deref()) { blockquote.muted { "“" (quote) "”" } }
                p {
                    (pill(c.status.as_str(), c.status.as_str())) " "
                    @if let Some(v) = c.verdict { (pill(v.as_str(), v.label())) " " }
                    @for t in &c.tags { span.pill { (t) } " " }
                    span.muted { "Assigned to " (c.assignee.as_deref().unwrap_or("nobody")) " · version " (c.version) }
                }
                @if let Some(rationale) = &c.rationale { p { strong { "Rationale: " } (rationale) } }
                @if let Some(url) = review.as_ref().filter(|r| r["creativeWorkStatus"] == "Published").and_then(|r| r["url"].as_str()) {
                    p { a href=(url) { "Public fact-check page" } }
                }
            }
            div.grid {
                div.card {
                    h2 { "Confidence" }
                    p { "Support " strong { (percent(b.support)) } " · confidence " strong { (percent(b.confidence)) } }
                    progress max="1" value=(b.support) title="support" { (percent(b.support)) }
                    p.muted { (b.explanation) }
                }
                @if actor.require(Action::Transition).is_ok() {
                    form.card.stack method="post" action={ "/admin/claims/" (c.id) "/transition" } {
                        h2 { "Move" }
                        input type="hidden" name="csrf" value=(csrf);
                        label { "To" select name="to" { @for s in &detail.allowed_transitions { option value=(s.as_str()) { (s.as_str()) } } } }
                        label { "Verdict (when verifying)" select name="verdict" { option value="" { "—" } @for v in Verdict::ALL { option value=(v.as_str()) { (v.label()) } } } }
                        label { "Rationale for readers (when verifying)" textarea name="rationale" rows="3" {} }
                        label { "Note" textarea name="note" rows="2" {} }
                        label { "Public note (reopening a published claim: shown as under review again; publishing a changed verdict: the correction's reason)" textarea name="public_note" rows="2" {} }
                        button type="submit" { "Move claim" }
                    }
                }
                @if actor.require(Action::Assign).is_ok() {
                    form.card.stack method="post" action={ "/admin/claims/" (c.id) "/assign" } {
                        h2 { "Assign" }
                        input type="hidden" name="csrf" value=(csrf);
                        label { "Reviewer" input name="assignee" value=(c.assignee.as_deref().unwrap_or("")) placeholder="name; empty to unassign"; }
                        button type="submit" { "Assign" }
                    }
                }
            }
            h2 { "Evidence" }
            @if detail.evidence.is_empty() { p.card { "No evidence yet." } }
            @else {
                table {
                    thead { tr { th { "Source" } th { "Stance" } th { "Weight" } th { "Counts" } th { "Link and quote" } th { "Note" } } }
                    tbody {
                        @for e in &detail.evidence {
                            @let item = b.items.iter().find(|i| i.evidence_id == e.id);
                            tr {
                                td { a href=(e.url) rel="noopener noreferrer" { (e.title.as_deref().unwrap_or(&e.site)) } br; span.muted { (e.site) } }
                                td { (pill(e.stance.as_str(), e.stance.as_str())) @if e.retracted { " " span.pill { "retracted" } } }
                                td { (format!("{:.2} × {:.2}", e.reliability, e.confidence)) }
                                td.muted { @if let Some(i) = item { (i.reason) } @else { "not counted" } }
                                td { (link_state(e)) }
                                td.muted { (e.note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            @if actor.require(Action::AttachEvidence).is_ok() {
                form.card.stack method="post" action={ "/admin/claims/" (c.id) "/evidence" } {
                    h2 { "Attach evidence" }
                    input type="hidden" name="csrf" value=(csrf);
                    label { "URL" input name="url" type="url" required; }
                    div.grid {
                        label { "Stance" select name="stance" { option value="supports" { "supports" } option value="refutes" { "refutes" } option value="context" { "context" } } }
                        label { "Reliability (0–1)" input name="reliability" inputmode="decimal" placeholder="0.5"; }
                        label { "Confidence (0–1)" input name="confidence" inputmode="decimal" placeholder="1.0"; }
                    }
                    label { "Title" input name="title"; }
                    label { "Excerpt" textarea name="excerpt" rows="2" {} }
                    label { "Note" input name="note"; }
                    button type="submit" { "Attach" }
                }
            }
            h2 { "History" }
            table id="history" {
                thead { tr { th { "When" } th { "What" } th { "Who" } th { "Change" } th { "Note" } } }
                tbody {
                    @for h in history.iter().rev() {
                        tr {
                            td.muted { (h.at.get(..19).unwrap_or(&h.at).replace('T', " ")) }
                            td { (h.action) }
                            td { (h.actor) @if let Some(r) = &h.actor_role { span.muted { " · " (r) } } }
                            td.muted { @if let Some(to) = &h.to { (to.to_string().chars().take(160).collect::<String>()) } }
                            td { (h.note.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        },
    )
}

/// A bar chart as inline SVG.
fn bars(values: &[(String, i64)], width: u32, height: u32) -> Markup {
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let step = f64::from(width) / values.len().max(1) as f64;
    let label_height = 16.0;
    let chart = f64::from(height) - label_height;
    html! {
        svg viewBox={ "0 0 " (width) " " (height) } width="100%" role="img" {
            @for (i, (label, value)) in values.iter().enumerate() {
                @let h = chart * (*value as f64) / max;
                @let x = i as f64 * step;
                rect x=(format!("{:.1}", x + step * 0.15)) y=(format!("{:.1}", chart - h)) width=(format!("{:.1}", step * 0.7)) height=(format!("{:.1}", h)) fill="#1f5fbf" {
                    title { (label) ": " (value) }
                }
                @if values.len() <= 8 {
                    text x=(format!("{:.1}", x + step / 2.0)) y=(height - 3) font-size="11" text-anchor="middle" fill="#5b6572" { (label) " " (value) }
                }
            }
        }
    }
}

pub fn stats(actor: &Actor, csrf: &str, stats: &Stats) -> Markup {
    let statuses: Vec<(String, i64)> =
        stats.by_status.iter().map(|c| (c.key.clone().unwrap_or_default(), c.count)).collect();
    let verdicts: Vec<(String, i64)> =
        stats.by_verdict.iter().map(|c| (c.key.clone().unwrap_or_default(), c.count)).collect();
    let created: Vec<(String, i64)> = stats.per_day.iter().map(|d| (d.day.clone(), d.created)).collect();
    let verified: Vec<(String, i64)> = stats.per_day.iter().map(|d| (d.day.clone(), d.verified)).collect();
    layout(
        "Stats",
        Some((actor, csrf)),
        html! {
            h1 { "Stats" }
            p { (stats.claims) " claims · median time to verified: "
                @match stats.median_hours_to_verified { Some(h) => { (format!("{h:.1} h")) } None => { "none verified yet" } } }
            div.grid {
                div.card { h2 { "By status" } (bars(&statuses, 480, 180)) }
                div.card { h2 { "By verdict" } (bars(&verdicts, 480, 180)) }
            }
            div.card { h2 { "Claims submitted per day (30 days)" } (bars(&created, 900, 160)) }
            div.card { h2 { "Claims verified per day (30 days)" } (bars(&verified, 900, 160)) }
        },
    )
}

/// Whether the page is still there, whether it still holds the quote, and a way to what it said.
fn link_state(e: &EvidenceRow) -> Markup {
    html! {
        @if let Some(f) = &e.fetch {
            (pill(f.state.as_str(), f.state.as_str()))
            @if let Some(reason) = &f.reason { br; span.muted { (reason) } }
            @if f.cited.is_some() {
                br; a href={ "/admin/evidence/" (e.id) "/snapshot" } { "as cited" }
                @if let Some(current) = &f.current {
                    " · " a href={ "/admin/evidence/" (e.id) "/snapshot?which=current" } { "as of " (current.fetched_at.get(..10).unwrap_or("")) }
                }
            }
        }
        @if let Some(q) = &e.quote {
            br;
            @if q.found { (pill("supports", "quote found")) }
            @else if q.found_when_cited { (pill("mixed", "quote removed since citing")) }
            @else { (pill("refutes", "quote not on page")) }
            @if let Some(context) = &q.context { br; span.muted { "“" (context) "”" } }
        }
    }
}

/// An archived page's text: never the page itself, so nothing in it runs here.
pub fn snapshot(actor: &Actor, csrf: &str, evidence: &EvidenceRow, which: &str, s: &Snapshot) -> Markup {
    let m = &s.meta;
    layout(
        "Snapshot",
        Some((actor, csrf)),
        html! {
            p { a href={ "/admin/claims/" (evidence.claim_id) } { "← claim " (evidence.claim_id) } }
            h1 { (m.title.as_deref().unwrap_or(&evidence.url)) }
            dl.card {
                dt { "Snapshot" } dd { (which) ", fetched " (m.fetched_at) }
                dt { "URL" } dd { (m.final_url) }
                @if !m.redirects.is_empty() { dt { "Redirected from" } dd { (m.redirects.join(" → ")) } }
                dt { "Answer" } dd { "HTTP " (m.status) " · " (m.content_type.as_deref().unwrap_or("no type")) " · " (m.size) " bytes" @if m.truncated { " (cut at the size cap)" } }
                dt { "SHA-256" } dd { code { (m.sha256) } }
                @if let Some(p) = &m.published { dt { "Published" } dd { (p) } }
            }
            @match &s.text {
                Some(text) => pre.snapshot { (text) },
                None => p.card { "No text was extracted from this content type." },
            }
        },
    )
}

/// A page saying why a request failed.
pub fn failure(who: Option<(&Actor, &str)>, status: actix_web::http::StatusCode, detail: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    layout(
        title,
        who,
        html! {
            h1 { (title) }
            p.notice.error { (detail) }
            p { a href="/admin" { "Back to the queue" } }
        },
    )
}
