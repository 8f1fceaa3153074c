//! Offline, in process: indexes the CheckThat! 2020 Task 2 verified claims (claim, and the fact-check's
//! title as its context) with the matching engine's own index and ranking, matches each tweet of a
//! split, prints MAP@5, P@1 and recall@5 to stderr, and writes every candidate's features as CSV to
//! stdout (label 1 for the claim the tweet repeats) for `bench/matching/fit.py`.
//!
//!     cargo run --release --example match_features -- DATASET_DIR SPLIT [bm25|score] [MODEL_DIR] > features.csv
//!
//! `bm25` keeps the index's order, `score` orders by the fitted score; the engine's own choice
//! (`rank::BY_SCORE`) when neither is given. With a sentence model's folder (`models/derive.py`, or a
//! static table's, `bench/matching/static_vectors.py`), the cosine is a feature and, with the
//! transformer, the candidates are widened by meaning, as in the server (a table's vectors re-rank
//! BM25's 20 best only); the transformer's vectors of the claims are kept in MODEL_DIR for the next
//! run, named by the model's fingerprint. A query's vector is moved by the built-in query adapter; on
//! train, when `bench/matching/adapter.py` has left them in MODEL_DIR, by the one of its five adapters
//! fitted without the tweet instead; likewise, when `bench/matching/tune_table.py` has left its five
//! folds in MODEL_DIR (`fold0` to `fold4`), by the table tuned without the tweet. The figures through
//! the HTTP API come from `bench/matching/run.py`; this is the quick loop for fitting and trying.

use std::collections::HashMap;

use claimcheck::domain::matching::features::{NAMES, Scoring, VECTOR_NAMES};
use claimcheck::domain::matching::index::{Doc, Filter, Index, term_hash};
use claimcheck::domain::matching::rank::{Analyzed, BY_SCORE, Found, POOL, rank, widen};
use claimcheck::domain::matching::text::analyze;
use claimcheck::domain::matching::{Fields, Vectors};
use claimcheck::embed::{Adapter, Embedder, cosine, from_bytes, to_bytes};

/// As `bench/matching/adapter.py` splits train's tweets.
const FOLDS: usize = 5;

/// Candidates read from the index per tweet (as the server does).
const CANDIDATES: usize = 20;

/// Every claim's vector; the transformer's are made once and kept beside the model (a table makes
/// them again in a second, as the server does).
fn claim_vectors(model: &Embedder, dir: &std::path::Path, claims: &[Fields]) -> anyhow::Result<Vec<Vec<f32>>> {
    if model.vectors() == Vectors::Table {
        return claims.iter().map(|c| model.vector(&c.sentence())).collect();
    }
    // Named by the model and its fingerprint: other weights make their vectors again.
    let kept = dir.join(format!("checkthat.{}.vectors", model.name.replace('/', "-")));
    if let Ok(bytes) = std::fs::read(&kept) {
        let vectors: Vec<Vec<f32>> = bytes.chunks(claimcheck::embed::DIMENSIONS * 2).filter_map(from_bytes).collect();
        if vectors.len() == claims.len() {
            return Ok(vectors);
        }
    }
    let vectors = claims.iter().map(|c| model.vector(&c.sentence())).collect::<anyhow::Result<Vec<_>>>()?;
    std::fs::write(&kept, vectors.iter().flat_map(|v| to_bytes(v)).collect::<Vec<u8>>())?;
    Ok(vectors)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, split) = (std::path::PathBuf::from(&args[1]), args[2].clone());
    let by_score = args.get(3).map_or(BY_SCORE, |a| a == "score");
    let model_dir = args.get(4).map(std::path::PathBuf::from);
    let model = model_dir.as_deref().map(Embedder::load).transpose()?;
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
    // For train, the query adapter fitted without the tweet (`bench/matching/adapter.py`), if at hand.
    let folds: Vec<Adapter> = match (&model_dir, split.as_str()) {
        (Some(dir), "train") => (0..FOLDS)
            .map_while(|k| Adapter::from_bytes(&std::fs::read(dir.join(format!("adapter.fold{k}.bin"))).ok()?))
            .collect(),
        _ => Vec::new(),
    };
    let folds = if folds.len() == FOLDS { folds } else { Vec::new() };
    let vectors = match (&model, &model_dir) {
        (Some(model), Some(dir)) => Some(claim_vectors(model, dir, &claims)?),
        _ => None,
    };
    // For train, the tuned table fitted without the tweet (`bench/matching/tune_table.py`), if at hand:
    // each with its own vectors of the claims, since tuning moves the claims' rows too. Some folds
    // but not all is an error: train's features would come from a table that saw the tweets.
    let table_folds: Vec<(Embedder, Vec<Vec<f32>>)> = match (&model_dir, split.as_str()) {
        (Some(dir), "train") if dir.join("fold0").exists() => (0..FOLDS)
            .map(|k| {
                let fold = dir.join(format!("fold{k}"));
                let model = Embedder::load(&fold)?;
                let vectors = claim_vectors(&model, &fold, &claims)?;
                Ok((model, vectors))
            })
            .collect::<anyhow::Result<_>>()?,
        _ => Vec::new(),
    };
    let names: Vec<&str> = NAMES.into_iter().chain(VECTOR_NAMES.into_iter().filter(|_| vectors.is_some())).collect();
    println!("tweet,label,{}", names.join(","));
    let idf = |t: u64| index.idf(t);
    let (mut map, mut p1, mut r5, mut n) = (0.0, 0.0, 0.0, 0.0);
    // MAP@5 when only matches scoring at least each of these are shown (the `related` tier).
    let shown_from = [0.001, 0.005, 0.01, 0.02, 0.03, 0.05];
    let mut map_shown = [0.0; 6];
    for row in tsv(dir.join(&split).join("tweets.queries.tsv"))?.records() {
        let row = row?;
        let Some(&want) = relevant.get(&row[0]) else { continue };
        let query = analyze(&row[1], None);
        // As the server: words no claim holds are split where two that claims hold make them.
        let query = query.split_unknown(|t| index.df(term_hash(t))).unwrap_or(query);
        let space = match table_folds.get(n as usize % FOLDS) {
            Some((model, vectors)) => (Some(model), Some(vectors)),
            None => (model.as_ref(), vectors.as_ref()),
        };
        let (top, cosine) = match space {
            (Some(model), Some(vectors)) => {
                // As the server: a table has no stored vectors to widen BM25's 20 by.
                let pool = index.top(
                    &query.terms,
                    if model.vectors() == Vectors::Table { CANDIDATES } else { POOL },
                    &Filter::default(),
                );
                let text = match folds.get(n as usize % FOLDS) {
                    Some(fold) => fold.apply(&model.vector(&row[1])?),
                    None => model.query_vector(&row[1])?,
                };
                let cosine: HashMap<i64, f64> =
                    pool.iter().map(|&(id, _)| (id, cosine(&text, &vectors[id as usize - 1]))).collect();
                (widen(&pool, &|id| cosine.get(&id).copied(), CANDIDATES), cosine)
            }
            _ => (index.top(&query.terms, CANDIDATES, &Filter::default()), HashMap::new()),
        };
        let analyzed: Vec<Analyzed> = top.iter().map(|&(id, _)| Analyzed::of(&claims[id as usize - 1])).collect();
        let found: Vec<Found> = top
            .iter()
            .zip(&analyzed)
            .map(|(&(id, bm25), analyzed)| Found { id, bm25, analyzed, cosine: cosine.get(&id).copied() })
            .collect();
        let ranked = rank(&query, &found, &idf, Scoring::builtin(space.0.map(|m| m.vectors())), by_score);
        for r in &ranked {
            let v: Vec<String> =
                names.iter().map(|name| format!("{:.4}", r.features.get(name).unwrap_or(0.0))).collect();
            let label = r.id == want || r.duplicates.contains(&want);
            println!("{},{},{}", &row[0], label as u8, v.join(","));
        }
        n += 1.0;
        for (least, total) in shown_from.iter().zip(&mut map_shown) {
            let shown = ranked.iter().filter(|c| c.score >= *least).take(5);
            if let Some(rank) = shown.clone().position(|c| c.id == want) {
                *total += 1.0 / (rank + 1) as f64;
            }
        }
        if let Some(rank) = ranked.iter().take(5).position(|c| c.id == want) {
            map += 1.0 / (rank + 1) as f64;
            r5 += 1.0;
            p1 += (rank == 0) as u8 as f64;
        }
    }
    eprintln!("{split}: MAP@5 {:.3}  P@1 {:.3}  recall@5 {:.3}  ({n} tweets)", map / n, p1 / n, r5 / n);
    let by_least: Vec<String> = shown_from.iter().zip(map_shown).map(|(l, m)| format!("{l}: {:.3}", m / n)).collect();
    eprintln!("{split}: MAP@5 of the matches shown, by the least score shown: {}", by_least.join(", "));
    Ok(())
}
