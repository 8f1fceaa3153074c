//! `claimcheck export`: every claim with its evidence, as JSON lines or CSV, or the verified and
//! published ones as a ClaimReview `DataFeed`. Reads in pages through the read-only connections, so an
//! export of a busy database does not stop the server writing.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;

use crate::api;
use crate::claimreview;
use crate::domain::access::Actor;
use crate::service::Service;
use crate::store::claims::ClaimDetail;

/// Claims read per query.
const PAGE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line: the claim as `GET /v1/claims/{id}` shows it, evidence included.
    Jsonl,
    /// One row per claim; evidence as URLs with their stances, and their titles; cells a spreadsheet
    /// would run as formulas are made inert.
    Csv,
    /// A schema.org DataFeed of the reviews of verified and published claims.
    Claimreview,
}

/// What an export wrote.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub claims: usize,
    /// Evidence items written: all of them in JSON lines, the live ones in CSV, the cited ones in a feed.
    pub evidence: usize,
    /// Claims left out of a ClaimReview feed because they have no verdict yet.
    pub skipped: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exported {} claims with {} evidence items", self.claims, self.evidence)?;
        if self.skipped > 0 {
            write!(f, "; {} without a verdict left out", self.skipped)?;
        }
        Ok(())
    }
}

/// Where the claims go, by format.
enum Sink<'a> {
    Lines(&'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Feed(&'a mut dyn Write, Vec<serde_json::Value>),
}

/// Writes every claim to `out`; `progress` is told how far it got.
pub async fn export(
    service: &Service,
    format: Format,
    out: &mut dyn Write,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<Summary> {
    let (actor, publisher) = (Actor::system("export"), &service.publisher);
    progress.set_length(service.count_claims().await? as u64);
    let mut sink = match format {
        Format::Jsonl => Sink::Lines(out),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_HEADER)?;
            Sink::Csv(Box::new(writer))
        }
        Format::Claimreview => Sink::Feed(out, Vec::new()),
    };
    let mut summary = Summary::default();
    let mut after = 0;
    loop {
        let page = service.claims_after(&actor, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0.claim.id;
        for (detail, reviewable) in &page {
            let written = match &mut sink {
                Sink::Lines(out) => {
                    writeln!(out, "{}", serde_json::to_string(&api::claims::ClaimDetail::from(detail.clone()))?)?;
                    detail.evidence.len()
                }
                Sink::Csv(writer) => {
                    let (row, cited) = csv_row(detail);
                    writer.write_record(row)?;
                    cited
                }
                Sink::Feed(_, reviews) => match reviewable {
                    Some(r) => {
                        reviews.push(claimreview::review(r, publisher));
                        r.evidence.len()
                    }
                    None => {
                        summary.skipped += 1;
                        continue;
                    }
                },
            };
            summary.claims += 1;
            summary.evidence += written;
        }
        progress.inc(page.len() as u64);
    }
    match sink {
        Sink::Lines(out) => out.flush()?,
        Sink::Csv(mut writer) => writer.flush()?,
        Sink::Feed(out, reviews) => {
            serde_json::to_writer_pretty(&mut *out, &claimreview::feed(reviews, publisher))?;
            writeln!(out)?;
            out.flush()?;
        }
    }
    Ok(summary)
}

const CSV_HEADER: [&str; 16] = [
    "id",
    "text",
    "claimant",
    "status",
    "verdict",
    "support",
    "confidence",
    "tags",
    "appeared_url",
    "created_at",
    "updated_at",
    "evidence_count",
    "evidence",
    "rationale",
    "assignee",
    "evidence_titles",
];

/// A claim's row, with every cell made safe to open in a spreadsheet, and how many evidence items
/// it lists (the live ones).
fn csv_row(d: &ClaimDetail) -> (Vec<String>, usize) {
    let c = &d.claim;
    let live: Vec<_> = d.evidence.iter().filter(|e| !e.retracted).collect();
    let evidence: Vec<String> = live.iter().map(|e| format!("{} {}", e.stance.as_str(), e.url)).collect();
    let titles: Vec<&str> = live.iter().map(|e| e.title.as_deref().unwrap_or(&e.site)).collect();
    let row = vec![
        c.id.to_string(),
        c.text.clone(),
        c.claimant.clone().unwrap_or_default(),
        c.status.as_str().to_owned(),
        c.verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
        c.support.to_string(),
        c.confidence.to_string(),
        c.tags.join(";"),
        c.appeared_in.as_ref().and_then(|a| a.url.clone()).unwrap_or_default(),
        c.created_at.clone(),
        c.updated_at.clone(),
        live.len().to_string(),
        evidence.join("\n"),
        c.rationale.clone().unwrap_or_default(),
        c.assignee.clone().unwrap_or_default(),
        titles.join("\n"),
    ];
    (row.into_iter().map(|cell| inert(&cell)).collect(), live.len())
}

/// A cell a spreadsheet will show rather than run: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (a formula, or what some spreadsheets read as one) gets a leading apostrophe, as
/// OWASP's advice on CSV injection has it. Numbers stay numbers: only a negative number starts with
/// `-`, and support and confidence never are.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn cells_a_spreadsheet_would_run_are_made_inert() {
        for cell in ["=HYPERLINK(\"https://x.example\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(cell), format!("'{cell}"));
        }
        assert_eq!(inert("R1 cost $5.6M"), "R1 cost $5.6M");
        assert_eq!(inert(""), "");
    }
}
