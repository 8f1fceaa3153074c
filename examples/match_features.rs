//! Offline: indexes the CheckThat! 2020 Task 2 claims with the matching engine's own index and, for
//! each tweet of a split, writes the features of its candidates (label 1 for the claim it repeats) as
//! CSV, and prints MAP@5, P@1 and recall@5 with the built-in weights. `bench/matching/fit.py` fits the
//! weights from the train split's features.
//!
//! cargo run --release --example match_features -- DATASET_DIR SPLIT > features.csv

use std::collections::HashMap;

use claimcheck::domain::matching::features::{NAMES, Weights};
use claimcheck::domain::matching::index::{Entry, Index, Meta};
use claimcheck::domain::workflow::Status;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, split) = (std::path::PathBuf::from(&args[1]), args[2].clone());
    let tsv = |path: std::path::PathBuf| csv::ReaderBuilder::new().delimiter(b'\t').flexible(true).from_path(path);
    let mut index = Index::default();
    let mut ids = HashMap::new();
    for row in tsv(dir.join("verified_claims.docs.tsv"))?.records() {
        let row = row?;
        let id = ids.len() as i64 + 1;
        ids.insert(row[0].to_owned(), id);
        let meta = Meta { text: row[1].to_owned(), status: Status::Published, verdict: None, published: true };
        let context = vec![row.get(2).unwrap_or_default().to_owned()];
        index.upsert(Entry { id, text: row[1].to_owned(), claimant: None, context, language: None, meta });
    }
    let mut relevant = HashMap::new();
    for line in std::fs::read_to_string(dir.join(&split).join("tweet-vclaim-pairs.qrels"))?.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        relevant.insert(f[0].to_owned(), ids[f[2]]);
    }
    println!("tweet,label,{}", NAMES.join(","));
    let (mut map, mut p1, mut r5, mut n) = (0.0, 0.0, 0.0, 0.0);
    for row in tsv(dir.join(&split).join("tweets.queries.tsv"))?.records() {
        let row = row?;
        let Some(&want) = relevant.get(&row[0]) else { continue };
        let found = index.search(&row[1], None, 40, Weights::builtin(), |_, _| true);
        for c in &found {
            let v: Vec<String> = c.features.vector().iter().map(|x| format!("{x:.4}")).collect();
            println!("{},{},{}", &row[0], (c.id == want) as u8, v.join(","));
        }
        n += 1.0;
        if let Some(rank) = found.iter().take(5).position(|c| c.id == want) {
            map += 1.0 / (rank + 1) as f64;
            r5 += 1.0;
            p1 += (rank == 0) as u8 as f64;
        }
    }
    eprintln!("{split}: MAP@5 {:.3}  P@1 {:.3}  recall@5 {:.3}  ({n} tweets)", map / n, p1 / n, r5 / n);
    Ok(())
}
