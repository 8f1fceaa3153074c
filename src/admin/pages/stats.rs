//! The desk's figures: every chart names its axes and shows its values, in words a desk reads.

use maud::{Markup, html};

use super::{duration, layout};
use crate::domain::access::Actor;
use crate::domain::verdict::Verdict;
use crate::store::review::{Count, Stats};

/// Counts as labelled horizontal bars, each with its value: readable at any width, no axis to guess.
fn bars(caption: &str, rows: &[(String, i64)]) -> Markup {
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    html! {
        figure.bars {
            figcaption { (caption) }
            @if rows.is_empty() { p.muted { "None yet." } }
            table.plain {
                thead { tr { th scope="col" { "Label" } th scope="col" { "Count" } } }
                tbody {
                    @for (label, value) in rows {
                        tr {
                            th scope="row" { (label) }
                            td {
                                // A progress bar needs no inline style, which the page's policy refuses.
                                progress max=(max) value=(value) aria-hidden="true" {}
                                span.value { (value) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A column per day, with the count axis (0 to the highest) and the first, middle and last dates.
fn days(caption: &str, values: &[(String, i64)]) -> Markup {
    let (width, height, left, bottom) = (720.0, 180.0, 34.0, 22.0);
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let chart = height - bottom - 8.0;
    let step = (width - left) / values.len().max(1) as f64;
    let total: i64 = values.iter().map(|(_, v)| v).sum();
    let ticks: Vec<usize> = match values.len() {
        0 => vec![],
        n => vec![0, n / 2, n - 1],
    };
    html! {
        figure {
            figcaption { (caption) " — " (total) " in all" }
            svg viewBox={ "0 0 " (width) " " (height) } width="100%" role="img" aria-label=(caption) {
                line x1=(left) y1="8" x2=(left) y2=(8.0 + chart) stroke="#5b6572" {}
                line x1=(left) y1=(8.0 + chart) x2=(width) y2=(8.0 + chart) stroke="#5b6572" {}
                text x=(left - 4.0) y="16" font-size="12" text-anchor="end" fill="#5b6572" { (max) }
                text x=(left - 4.0) y=(8.0 + chart) font-size="12" text-anchor="end" fill="#5b6572" { "0" }
                @for (i, (day, value)) in values.iter().enumerate() {
                    @let h = chart * (*value as f64) / max as f64;
                    @let x = left + i as f64 * step;
                    rect x=(format!("{:.1}", x + step * 0.15)) y=(format!("{:.1}", 8.0 + chart - h)) width=(format!("{:.1}", step * 0.7)) height=(format!("{:.1}", h)) fill="#1f5fbf" {
                        title { (day) ": " (value) }
                    }
                    @if *value > 0 {
                        text x=(format!("{:.1}", x + step / 2.0)) y=(format!("{:.1}", 8.0 + chart - h - 3.0)) font-size="11" text-anchor="middle" fill="#1d232b" { (value) }
                    }
                    @if ticks.contains(&i) {
                        text x=(format!("{:.1}", x + step / 2.0)) y=(height - 4.0) font-size="12" text-anchor="middle" fill="#5b6572" { (day.get(5..).unwrap_or(day)) }
                    }
                }
            }
            p.muted { "Claims per day (vertical) by date (horizontal, month-day, UTC)." }
        }
    }
}

fn rows(counts: &[Count], name: impl Fn(Option<&str>) -> String) -> Vec<(String, i64)> {
    counts.iter().map(|c| (name(c.key.as_deref()), c.count)).collect()
}

pub fn stats(actor: &Actor, csrf: &str, stats: &Stats) -> Markup {
    let words = |k: Option<&str>| k.unwrap_or("none").replace('_', " ");
    let statuses = rows(&stats.by_status, words);
    let verdicts = rows(&stats.by_verdict, |k| {
        k.and_then(Verdict::parse).map_or_else(|| k.unwrap_or("none").to_owned(), |v| v.label().to_owned())
    });
    let reviewers = rows(&stats.by_assignee, |k| k.unwrap_or("unassigned").to_owned());
    let links = rows(&stats.links_by_state, words);
    let attention: i64 = stats
        .links_by_state
        .iter()
        .filter(|c| matches!(c.key.as_deref(), Some("gone" | "changed" | "blocked" | "failed")))
        .map(|c| c.count)
        .sum();
    let stances = rows(&stats.evidence_by_stance, words);
    let created: Vec<(String, i64)> = stats.per_day.iter().map(|d| (d.day.clone(), d.created)).collect();
    let verified: Vec<(String, i64)> = stats.per_day.iter().map(|d| (d.day.clone(), d.verified)).collect();
    layout(
        "Stats",
        Some((actor, csrf)),
        html! {
            h1 { "Stats" }
            dl.card.facts {
                dt { "Claims" } dd { (stats.claims) }
                dt { "Median time from submission to verified" }
                dd { @match stats.median_hours_to_verified { Some(h) => { (duration(h)) } None => { "none verified yet" } } }
                dt { "Links needing attention (gone, changed, blocked or failed)" }
                dd { (attention) }
                dt { "Evidence retracted" } dd { (stats.evidence_retracted) }
            }
            div.grid {
                div.card { (bars("Claims by status", &statuses)) }
                div.card { (bars("Claims by verdict", &verdicts)) }
                div.card { (bars("Claims per reviewer (assignee)", &reviewers)) }
                div.card { (bars("Links of live evidence by state", &links)) }
                div.card { (bars("Live evidence by stance", &stances)) }
            }
            div.card { (days("Claims submitted per day, last 30 days", &created)) }
            div.card { (days("Claims verified per day, last 30 days", &verified)) }
        },
    )
}
