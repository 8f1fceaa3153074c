//! One claim: what it says, where the evidence leans and how settled that is (in words), the forms
//! that move it, its evidence with the forms that edit, retract and re-check each item, and its
//! history.

use maud::{Markup, PreEscaped, html};

use super::{Flash, layout, percent, pill, status_pill, status_word, when};
use crate::domain::access::{Action, Actor};
use crate::domain::confidence::Assessment;
use crate::domain::evidence::ReliabilitySource;
use crate::domain::verdict::Verdict;
use crate::service::claims::Dossier;
use crate::store::evidence::EvidenceRow;
use crate::store::merged_reviews::MergedRow;
use crate::store::sources::SourceRow;

/// What the two figures mean, in words: they describe the evidence, not the desk's certainty.
pub fn in_words(support: f64, confidence: f64, counted: usize) -> String {
    if counted == 0 {
        return "No evidence counts yet, so it leans neither way: support is 50% and nothing is settled.".into();
    }
    let lean = if support > 0.55 {
        "leans towards the claim being true"
    } else if support < 0.45 {
        "leans towards the claim being false"
    } else {
        "leans neither way"
    };
    let settled = if confidence < 0.2 {
        "barely settled: one more item could tip it"
    } else if confidence < 0.5 {
        "partly settled: more weighty evidence would firm it up or turn it"
    } else if confidence < 0.8 {
        "fairly settled"
    } else {
        "well settled"
    };
    format!(
        "The evidence {lean} (support {}: 0% would be all refuting, 100% all supporting). How settled that \
         leaning is: {} — {settled}. Both figures describe the evidence weighed so far, not how sure the desk is \
         of the verdict, which is the reviewer's judgement.",
        percent(support),
        percent(confidence)
    )
}

fn confidence_card(b: &Assessment) -> Markup {
    let counted = b.items.iter().filter(|i| i.site_rank > 0).count();
    html! {
        div.card {
            h2 { "Where the evidence leans" }
            p { "Support " strong { (percent(b.support)) } " · confidence " strong { (percent(b.confidence)) } }
            progress max="1" value=(b.support) aria-label="support" { (percent(b.support)) }
            p { (in_words(b.support, b.confidence, counted)) }
            p.muted { (b.explanation) }
        }
    }
}

pub fn claim(actor: &Actor, csrf: &str, dossier: &Dossier, flash: Option<&Flash>) -> Markup {
    let Dossier { detail, history, review, sources, similar, merges } = dossier;
    let c = &detail.claim;
    layout(
        &format!("Claim {}", c.id),
        Some((actor, csrf)),
        html! {
            @if let Some(review) = review {
                // JSON-LD is data, not script; "</" is escaped so the text cannot close the element.
                script type="application/ld+json" { (PreEscaped(crate::claimreview::script_json(review))) }
            }
            @if let Some(flash) = flash {
                p class={ "notice" @if flash.error { " error" } } role=(if flash.error { "alert" } else { "status" }) { (flash.text) }
            }
            div.card {
                p.claim-text { (c.text) }
                p.muted {
                    "Claim " (c.id) " · " (c.claimant.as_deref().unwrap_or("unknown claimant"))
                    @if let Some(a) = &c.appeared_in {
                        @if let Some(t) = &a.title { " · " (t) }
                        @if let Some(u) = &a.url { " · " a href=(u) rel="noopener noreferrer" { "where it appeared" } }
                    }
                    " · submitted " (when(&c.created_at))
                }
                @if let Some(quote) = c.appeared_in.as_ref().and_then(|a| a.quote.as_deref()) { blockquote.muted { "“" (quote) "”" } }
                p {
                    (status_pill(c.status)) " "
                    @if let Some(v) = c.verdict { (pill(v.as_str(), v.label())) " " }
                    @for t in &c.tags { span.pill { (t) } " " }
                }
                p.muted { "Assigned to " (c.assignee.as_deref().unwrap_or("nobody")) " · version " (c.version) }
                @if let Some(rationale) = &c.rationale { p.rationale { strong { "Rationale: " } (rationale) } }
                @if let Some(url) = review.as_ref().filter(|r| r["creativeWorkStatus"] == "Published").and_then(|r| r["url"].as_str()) {
                    p { a href=(url) { "Public fact-check page" } }
                }
                @if actor.require(Action::EditClaims).is_ok() {
                    p { a.button href={ "/admin/claims/" (c.id) "/edit" } { "Edit text, claimant or tags" } }
                }
            }
            div.grid {
                (confidence_card(&detail.confidence_breakdown))
                @if actor.require(Action::Transition).is_ok() && !detail.allowed_transitions.is_empty() {
                    form.card.stack method="post" action={ "/admin/claims/" (c.id) "/transition" } {
                        h2 { "Move" }
                        input type="hidden" name="csrf" value=(csrf);
                        label { "To" select name="to" { @for s in &detail.allowed_transitions { option value=(s.as_str()) { (status_word(*s)) } } } }
                        label { "Verdict (required to verify)" select name="verdict" { option value="" { "—" } @for v in Verdict::ALL { option value=(v.as_str()) { (v.label()) } } } }
                        label { "Rationale for readers (required to verify): why the verdict is what it is" textarea name="rationale" rows="3" {} }
                        label { "Note for the desk" textarea name="note" rows="2" {} }
                        label { "Public note (reopening a published claim: shown as under review again; publishing a changed verdict: the correction's reason)" textarea name="public_note" rows="2" {} }
                        button type="submit" { "Move claim" }
                    }
                }
                @if actor.require(Action::Assign).is_ok() {
                    form.card.stack method="post" action={ "/admin/claims/" (c.id) "/assign" } {
                        h2 { "Assign" }
                        input type="hidden" name="csrf" value=(csrf);
                        label { "Reviewer (empty to unassign)" input name="assignee" value=(c.assignee.as_deref().unwrap_or("")); }
                        button type="submit" { "Assign" }
                    }
                }
            }
            h2 { "Evidence" }
            @if detail.evidence.is_empty() { p.card { "No evidence yet." } }
            @for e in &detail.evidence {
                (evidence_card(actor, csrf, e, &detail.confidence_breakdown, sources.iter().find(|s| s.site == e.site)))
            }
            @if actor.require(Action::AttachEvidence).is_ok() {
                form.card.stack method="post" action={ "/admin/claims/" (c.id) "/evidence" } {
                    h2 { "Attach evidence" }
                    input type="hidden" name="csrf" value=(csrf);
                    label { "URL (required)" input name="url" type="url" required; }
                    div.grid {
                        label { "Stance" select name="stance" { option value="supports" { "supports" } option value="refutes" { "refutes" } option value="context" { "context" } } }
                        label { "Reliability of the source (0–1; blank: the Sources registry's, else 0.5)" input name="reliability" inputmode="decimal" placeholder="registry or 0.5"; }
                        label { "Confidence the item says this (0–1; blank: 0.5)" input name="confidence" inputmode="decimal" placeholder="0.5"; }
                    }
                    label { "Title" input name="title"; }
                    label { "Excerpt: the passage that says it, word for word" textarea name="excerpt" rows="2" {} }
                    label { "Note" input name="note"; }
                    button type="submit" { "Attach" }
                }
            }
            @if !merges.is_empty() { (merged_reviews(actor, csrf, c.id, merges)) }
            @match similar {
                Some(similar) => (super::similar_claims(similar)),
                None => { h2 { "Similar claims" } p.card { "Similar claims could not be looked up just now." } }
            }
            h2 { "History" }
            (super::history::timeline(history))
        },
    )
}

/// Other fact-checkers' reviews an import merged into the claim, each with a form to split it out
/// when it is another claim.
fn merged_reviews(actor: &Actor, csrf: &str, id: i64, merges: &[MergedRow]) -> Markup {
    html! {
        h2 { "Reviews merged into this claim" }
        @for m in merges {
            div.card {
                p { "“" (m.text) "”" }
                p.muted {
                    (pill(m.verdict.as_str(), m.verdict.label())) " · "
                    "review " code { (m.external_id) }
                    " · score " (format!("{:.2}", m.score)) " · merged " (when(&m.merged_at))
                }
                @match &m.split {
                    Some(s) => p.muted { "Split out " (when(&s.at)) " into " a href={ "/admin/claims/" (s.into) } { "claim " (s.into) } },
                    None => @if actor.require(Action::EditClaims).is_ok() {
                        form.stack method="post" action={ "/admin/claims/" (id) "/split" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="review" value=(m.external_id);
                            label { "Why it is another claim" input name="note"; }
                            button type="submit" { "Split out into a claim of its own" }
                        }
                    },
                }
            }
        }
    }
}

/// Where the item's reliability came from, in words.
fn reliability_origin(e: &EvidenceRow) -> &'static str {
    match e.reliability_source {
        ReliabilitySource::Given => "given",
        ReliabilitySource::Source => "the Sources registry's, when attached",
        ReliabilitySource::Default => "default: no source was registered for the site",
    }
}

/// The site's entry in the Sources registry, or a way to make one.
fn source_facts(actor: &Actor, site: &str, source: Option<&SourceRow>) -> Markup {
    html! {
        @if let Some(s) = source {
            a href={ "/admin/sources/" (s.id) } { (s.publisher) } " · reliability " (s.reliability) " · " span.muted { (s.note) }
        } @else {
            "No source registered for " (site)
            @if actor.require(Action::ManageSources).is_ok() {
                " · " a href={ "/admin/sources?site=" (site) "#register" } { "register it" }
            }
        }
    }
}

/// A number's form field: its value when it was given; blank (keeping it) when it is a default.
fn number_field(name: &str, label: &str, value: f64, given: bool) -> Markup {
    html! {
        label {
            @if given { (label) " (0–1)" } @else { (label) " (0–1; blank keeps " (value) ", not given)" }
            input name=(name) inputmode="decimal" value=[given.then_some(value)] placeholder=(value);
        }
    }
}

/// One item: what it is, how it counts, where its link stands, and the forms that change it.
fn evidence_card(actor: &Actor, csrf: &str, e: &EvidenceRow, b: &Assessment, source: Option<&SourceRow>) -> Markup {
    let item = b.items.iter().find(|i| i.evidence_id == e.id);
    html! {
        article.card.evidence id={ "evidence-" (e.id) } {
            h3 {
                a href=(e.url) rel="noopener noreferrer" { (e.title.as_deref().unwrap_or(&e.site)) } " "
                (pill(e.stance.as_str(), e.stance.as_str()))
                @if e.retracted { " " span.pill.retracted { "retracted" } }
            }
            dl.facts {
                dt { "Evidence" } dd { (e.id) " · " (e.site) @if let Some(p) = &e.publisher { " · " (p) } }
                dt { "Source" } dd { (source_facts(actor, &e.site, source)) }
                dt { "Weight" } dd {
                    "reliability " (e.reliability) " (" (reliability_origin(e)) ") × confidence " (e.confidence)
                    @if !e.confidence_given { " (not given)" }
                }
                dt { "Counts" } dd { @if let Some(i) = item { (i.reason) } @else { "not counted (retracted)" } }
                dt { "Link and quote" } dd { (link_state(e)) }
                @if let Some(x) = &e.excerpt { dt { "Excerpt" } dd { "“" (x) "”" } }
                @if let Some(n) = &e.note { dt { "Note" } dd { (n) } }
                @if e.retracted {
                    dt { "Retracted" } dd.retraction {
                        (e.retracted_at.as_deref().map(when).unwrap_or_default())
                        ": " (e.retraction_note.as_deref().unwrap_or("no reason given"))
                    }
                }
            }
            @if !e.retracted && actor.require(Action::EditEvidence).is_ok() {
                details {
                    summary { "Edit, retract or re-check evidence " (e.id) }
                    form.stack method="post" action={ "/admin/evidence/" (e.id) "/edit" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="claim" value=(e.claim_id);
                        input type="hidden" name="version" value=(e.version);
                        div.grid {
                            label { "Stance" select name="stance" {
                                @for s in ["supports", "refutes", "context"] { option value=(s) selected[e.stance.as_str() == s] { (s) } }
                            } }
                            (number_field("reliability", "Reliability", e.reliability, e.reliability_source == ReliabilitySource::Given))
                            (number_field("confidence", "Confidence", e.confidence, e.confidence_given))
                        }
                        label { "Title" input name="title" value=(e.title.as_deref().unwrap_or_default()); }
                        label { "Excerpt" textarea name="excerpt" rows="2" { (e.excerpt.as_deref().unwrap_or_default()) } }
                        label { "Note" input name="note" value=(e.note.as_deref().unwrap_or_default()); }
                        button type="submit" { "Save evidence " (e.id) }
                    }
                    form.stack method="post" action={ "/admin/evidence/" (e.id) "/retract" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="claim" value=(e.claim_id);
                        label { "Why retract it (shown with the item)" input name="note" required; }
                        button.danger type="submit" { "Retract evidence " (e.id) }
                    }
                    form method="post" action={ "/admin/evidence/" (e.id) "/check" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="claim" value=(e.claim_id);
                        button.secondary type="submit" { "Re-check the link now" }
                    }
                }
            }
        }
    }
}

/// Whether the page is still there, whether it still holds the quote, and a way to what it said.
fn link_state(e: &EvidenceRow) -> Markup {
    html! {
        @if let Some(f) = &e.fetch {
            (pill(f.state.as_str(), f.state.as_str()))
            @if let Some(reason) = &f.reason { " " span.muted { (reason) } }
            @if f.cited.is_some() {
                br; a href={ "/admin/evidence/" (e.id) "/snapshot" } { "as cited" }
                @if let Some(current) = &f.current {
                    " · " a href={ "/admin/evidence/" (e.id) "/snapshot?which=current" } { "as of " (current.fetched_at.get(..10).unwrap_or("")) }
                    " · " a href={ "/admin/evidence/" (e.id) "/compare" } { "side by side" }
                }
            }
        } @else { "not checked yet" }
        @if let Some(q) = &e.quote {
            br;
            @if q.found { (pill("supports", "quote found")) }
            @else if q.found_when_cited { (pill("mixed", "quote removed since citing")) }
            @else { (pill("refutes", "quote not on page")) }
            @if let Some(context) = &q.context { br; span.muted { "“" (context) "”" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn the_figures_are_explained_as_the_evidence_leaning_not_certainty() {
        let words = in_words(0.29, 0.43, 2);
        assert!(words.contains("leans towards the claim being false"), "{words}");
        assert!(words.contains("partly settled"), "{words}");
        assert!(words.contains("not how sure the desk is"), "{words}");
    }
}
