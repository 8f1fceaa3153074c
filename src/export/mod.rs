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
    /// One row per claim; evidence as URLs with their stances.
    Csv,
    /// A schema.org DataFeed of the reviews of verified and published claims.
    Claimreview,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub claims: usize,
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
        for (detail, verified_at) in &page {
            match &mut sink {
                Sink::Lines(out) => {
                    writeln!(out, "{}", serde_json::to_string(&api::claims::ClaimDetail::from(detail.clone()))?)?
                }
                Sink::Csv(writer) => writer.write_record(csv_row(detail))?,
                Sink::Feed(_, reviews) => {
                    let review =
                        verified_at.as_deref().and_then(|at| claimreview::review(&detail.claim, at, publisher));
                    match review {
                        Some(review) => reviews.push(review),
                        None => {
                            summary.skipped += 1;
                            continue;
                        }
                    }
                }
            }
            summary.claims += 1;
            summary.evidence += detail.evidence.len();
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

const CSV_HEADER: [&str; 13] = [
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
];

fn csv_row(d: &ClaimDetail) -> Vec<String> {
    let c = &d.claim;
    let evidence: Vec<String> =
        d.evidence.iter().filter(|e| !e.retracted).map(|e| format!("{} {}", e.stance.as_str(), e.url)).collect();
    vec![
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
        evidence.len().to_string(),
        evidence.join("\n"),
    ]
}
