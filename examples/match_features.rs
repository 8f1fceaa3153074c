//! Offline, in process: indexes the CheckThat! 2020 Task 2 verified claims (claim, and the fact-check's
//! title as its context) with the matching engine's own index and ranking, matches each tweet of a
//! split, prints MAP@5, P@1 and recall@5 to stderr, and writes every candidate's features as CSV to
//! stdout (label 1 for the claim the tweet repeats) for `bench/matching/fit.py`.
//!
//!     cargo run --release --example match_features -- DATASET_DIR SPLIT [bm25|score] > features.csv
//!
//! `bm25` keeps the index's order, `score` orders by the fitted score; the engine's own choice
//! (`rank::BY_SCORE`) when neither is given. The figures through
//! the HTTP API come from `bench/matching/run.py`; this is the quick loop for fitting and trying.

use std::collections::HashMap;

use claimcheck::domain::matching::Fields;
use claimcheck::domain::matching::features::{NAMES, Weights};
use claimcheck::domain::matching::index::{Doc, Filter, Index, term_hash};
use claimcheck::domain::matching::rank::{Analyzed, BY_SCORE, Found, rank};
use claimcheck::domain::matching::text::analyze;

/// Candidates read from the index per tweet (as the server does).
const CANDIDATES: usize = 20;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, split) = (std::path::PathBuf::from(&args[1]), args[2].clone());
    let by_score = args.get(3).map_or(BY_SCORE, |a| a == "score");
    let tsv = |path: std::path::PathBuf| csv::ReaderBuilder::new().delimiter(b'\t').flexible(true).from_path(path);
    let mut index = Index::default();
    let mut ids = HashMap::new();
    let mut claims: Vec<Fields> = Vec::new();
    for row in tsv(dir.join("verified_claims.docs.tsv"))?.records() {
        let row = row?;
        let id = claims.len() as i64 + 1;
        ids.insert(row[0].to_owned(), id);
        let fields = Fields {
            text: row[1].to_owned(),
            context: vec![row.get(2).unwrap_or_default().to_owned()],
            ..Fields::default()
        };
        let terms = fields.analyze().terms;
        index.upsert(Doc { id, terms: &terms, published: true, digest: fields.digest() });
        claims.push(fields);
    }
    let mut relevant = HashMap::new();
    for line in std::fs::read_to_string(dir.join(&split).join("tweet-vclaim-pairs.qrels"))?.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        relevant.insert(f[0].to_owned(), ids[f[2]]);
    }
    println!("tweet,label,{}", NAMES.join(","));
    let idf = |t: &str| index.idf(term_hash(t));
    let (mut map, mut p1, mut r5, mut n) = (0.0, 0.0, 0.0, 0.0);
    for row in tsv(dir.join(&split).join("tweets.queries.tsv"))?.records() {
        let row = row?;
        let Some(&want) = relevant.get(&row[0]) else { continue };
        let query = analyze(&row[1], None);
        let top = index.top(&query.terms, CANDIDATES, &Filter::default());
        let analyzed: Vec<Analyzed> = top.iter().map(|&(id, _)| Analyzed::of(&claims[id as usize - 1])).collect();
        let found: Vec<Found> =
            top.iter().zip(&analyzed).map(|(&(id, bm25), analyzed)| Found { id, bm25, analyzed }).collect();
        let ranked = rank(&query, &found, &idf, Weights::builtin(), by_score);
        for r in &ranked {
            let v: Vec<String> =
                NAMES.iter().map(|name| format!("{:.4}", r.features.get(name).unwrap_or(0.0))).collect();
            let label = r.id == want || r.duplicates.contains(&want);
            println!("{},{},{}", &row[0], label as u8, v.join(","));
        }
        n += 1.0;
        if let Some(rank) = ranked.iter().take(5).position(|c| c.id == want) {
            map += 1.0 / (rank + 1) as f64;
            r5 += 1.0;
            p1 += (rank == 0) as u8 as f64;
        }
    }
    eprintln!("{split}: MAP@5 {:.3}  P@1 {:.3}  recall@5 {:.3}  ({n} tweets)", map / n, p1 / n, r5 / n);
    Ok(())
}
