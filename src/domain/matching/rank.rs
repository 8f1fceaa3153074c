//! From the index's best candidates to the answer: claims whose text is the same but for case,
//! spacing and punctuation are one claim, shown as the oldest (the first fact-check registered is the
//! one to point to) at the place of the best of them; each is then explained and scored.

use std::collections::HashMap;

use super::Fields;
use super::features::{self, Features, Scoring};
use super::index::{distinct, term_hash, term_hashes};
use super::qualifiers::Qualifiers;
use super::text::{Analysis, collapse_key, number_of};
use crate::domain::normalize::normalize_text;

/// The answer is ordered by the fitted score rather than by BM25: on the CheckThat! 2020 dev tweets,
/// with the weights fitted on train, MAP@5 0.826 against 0.815 (see bench/results.md).
pub const BY_SCORE: bool = true;

/// A candidate from the index, with what it is found by (read from the database), analyzed.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    pub id: i64,
    pub bm25: f64,
    pub analyzed: &'a Analyzed,
    /// The cosine of the text's sentence vector and the claim's, when both are known.
    pub cosine: Option<f64>,
}

/// Candidates the index answers when sentence vectors are known: those closest in meaning among them
/// join the best by BM25. On the CheckThat! 2020 dev tweets, the claim a tweet repeats is among
/// BM25's best 200 for 97.5% of them, and among its best 20 for about 92%.
pub const POOL: usize = 200;

/// The candidates ranked: the first `n` of `pool` (best BM25 first), and the `n` of it closest by
/// `cosine`, in BM25's order.
pub fn widen(pool: &[(i64, f64)], cosine: &dyn Fn(i64) -> Option<f64>, n: usize) -> Vec<(i64, f64)> {
    let mut by_meaning: Vec<(f64, usize)> =
        pool.iter().enumerate().filter_map(|(i, (id, _))| Some((cosine(*id)?, i))).collect();
    by_meaning.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let closest = by_meaning.into_iter().take(n).map(|(_, i)| i).filter(|i| *i >= n);
    let mut kept: Vec<usize> = (0..pool.len().min(n)).chain(closest).collect();
    kept.sort_unstable();
    kept.into_iter().map(|i| pool[i]).collect()
}

/// What ranking reads of a claim's fields. Made once per version of them: a caller may keep it for
/// the claims that come up again and again (analysis is most of a lookup's work), and so it holds
/// what each lookup would otherwise work out again for every candidate.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// The text as duplicates are told apart (`collapse_key`).
    key: String,
    /// Every field's terms in order (the words a match shows), and each one's hash.
    terms: Vec<String>,
    hashes: Vec<u64>,
    /// The distinct terms of the claim's text alone, by hash (as the index knows them), sorted.
    claim_terms: Vec<u64>,
    /// The same of every field.
    all_terms: Vec<u64>,
    /// The distinct word pairs of the claim's text, sorted.
    phrases: Vec<String>,
    /// Every field's numbers, canonical, sorted.
    numbers: Vec<String>,
    /// Which way the claim's text says a figure moved (`features::direction`).
    direction: i8,
    /// Whether the claim's text denies what it states, and which of its numbers are bounds.
    qualifiers: Qualifiers,
    /// The claim's text as duplicates are found on submission (`normalize_text`).
    normalized: String,
}

impl Analyzed {
    pub fn of(fields: &Fields) -> Analyzed {
        // What is read of the claim's text alone is taken before the other fields extend it.
        let claim = fields.analyze_text();
        let mut phrases = claim.phrases();
        phrases.sort();
        phrases.dedup();
        let (claim_terms, direction) = (term_hashes(&claim.terms), features::direction(&claim.terms));
        // Extending keeps the text's qualifiers: the other fields' are never read.
        let all = fields.with_the_rest(claim);
        let hashes: Vec<u64> = all.terms.iter().map(|t| term_hash(t)).collect();
        Analyzed {
            key: collapse_key(&fields.text),
            claim_terms,
            all_terms: distinct(hashes.clone()),
            hashes,
            phrases,
            numbers: all.numbers(),
            direction,
            qualifiers: all.qualifiers,
            terms: all.terms,
            normalized: normalize_text(&fields.text),
        }
    }

    /// The claim's text, normalized as a submission's duplicates are found.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A claim that matches, with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranked {
    /// The claim shown: the oldest of those with the same text.
    pub id: i64,
    /// 0..1: how likely the text repeats this claim.
    pub score: f64,
    pub features: Features,
    /// Shared words as the text wrote them, shared numbers (canonical), shared word pairs.
    pub words: Vec<String>,
    pub numbers: Vec<String>,
    pub phrases: Vec<String>,
    /// The other claims with the same text, collapsed into this one.
    pub duplicates: Vec<i64>,
}

impl Ranked {
    /// Whether the text denies what the claim states, or bounds a number of it: another claim that
    /// the claim's fact-check answers.
    pub fn says_otherwise(&self) -> bool {
        self.features.get(features::SAYS_OTHERWISE).is_some_and(|d| d > 0.0)
    }
}

/// Ranks the candidates (`found`, best BM25 first): duplicates collapsed, each scored by `scoring`;
/// `idf` says how rare a term is in the index, given its hash (`term_hash`). The order stays BM25's
/// unless `by_score`.
pub fn rank(
    query: &Analysis,
    found: &[Found<'_>],
    idf: &dyn Fn(u64) -> f64,
    scoring: Scoring<'_>,
    by_score: bool,
) -> Vec<Ranked> {
    // Groups in the order of their best member; each group's members.
    let mut groups: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (i, f) in found.iter().enumerate() {
        let g = *by_key.entry(f.analyzed.key.as_str()).or_insert_with(|| {
            groups.push((i, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(f.id);
    }
    let query_terms = term_hashes(&query.terms);
    let query_idf: f64 = query_terms.iter().map(|&t| idf(t)).sum::<f64>().max(f64::EPSILON);
    let query_numbers = query.numbers();
    let query_direction = features::direction(&query.terms);
    let query_phrases: HashMap<String, String> = query
        .phrases()
        .into_iter()
        .map(|p| {
            let shown = p.split(' ').map(|w| query.surface_of(w)).collect::<Vec<_>>().join(" ");
            (p, shown)
        })
        .collect();
    let top = found.first().map_or(0.0, |f| f.bm25).max(f64::EPSILON);
    let best_other = |g: usize, of: &dyn Fn(&Found) -> f64| {
        groups.iter().enumerate().filter(|&(h, _)| h != g).map(|(_, (i, _))| of(&found[*i])).fold(0.0, f64::max)
    };
    let closest = found.iter().filter_map(|f| f.cosine).fold(0.0, f64::max).max(f64::EPSILON);
    let mut ranked: Vec<(f64, f64, Ranked)> = groups
        .iter()
        .enumerate()
        .map(|(g, (best, members))| {
            let f = &found[*best];
            let a = f.analyzed;
            let shared_idf = |terms: &[u64]| features::both(terms, &query_terms).map(|&t| idf(t)).sum::<f64>();
            let claim_idf: f64 = a.claim_terms.iter().map(|&t| idf(t)).sum::<f64>().max(f64::EPSILON);
            let (numbers_shared, numbers_differ) = features::numbers(&query_numbers, &a.numbers);
            let mut phrases: Vec<String> = a.phrases.iter().filter_map(|p| query_phrases.get(p)).cloned().collect();
            phrases.sort();
            let other = best_other(g, &|f| f.bm25);
            let mut features = Features::default();
            features.set("bm25", f.bm25 / top);
            features.set("margin", (f.bm25 - other) / f.bm25.max(other).max(f64::EPSILON));
            features.set("query_coverage", (shared_idf(&a.all_terms) / query_idf).min(1.0));
            features.set("claim_coverage", (shared_idf(&a.claim_terms) / claim_idf).min(1.0));
            features.set("numbers_shared", numbers_shared);
            features.set("numbers_differ", numbers_differ);
            features.set("direction_differs", features::directions_differ(query_direction, a.direction));
            features.set(
                features::SAYS_OTHERWISE,
                if query.qualifiers.differs(&query_terms, &a.qualifiers, &a.claim_terms) { 1.0 } else { 0.0 },
            );
            if let Some(cosine) = f.cosine {
                // As BM25 is read beside the best and the next best, so is closeness in meaning.
                features.set(features::EMBEDDING, cosine);
                features.set(features::EMBEDDING_MARGIN, cosine - best_other(g, &|f| f.cosine.unwrap_or(0.0)));
                features.set(features::EMBEDDING_TOP, cosine / closest);
            }
            features
                .set("phrases", if a.phrases.is_empty() { 0.0 } else { phrases.len() as f64 / a.phrases.len() as f64 });
            let mut words: Vec<String> = Vec::new();
            let mut shared_numbers: Vec<String> = Vec::new();
            let shared = a.terms.iter().zip(&a.hashes).filter(|(_, h)| query_terms.binary_search(h).is_ok());
            for (t, _) in shared {
                match number_of(t) {
                    Some(n) if !shared_numbers.iter().any(|s| s == n) => shared_numbers.push(n.to_owned()),
                    None => {
                        let shown = query.surface_of(t).to_owned();
                        if !words.contains(&shown) {
                            words.push(shown);
                        }
                    }
                    _ => {}
                }
            }
            let id = *members.iter().min().unwrap_or(&f.id);
            let duplicates = members.iter().copied().filter(|&m| m != id).collect();
            let weights = scoring.of(&features);
            let (score, order) = (weights.score(&features), weights.exact_score(&features));
            let item = Ranked { id, score, features, words, numbers: shared_numbers, phrases, duplicates };
            (order, f.bm25, item)
        })
        .collect();
    if by_score {
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.id.cmp(&b.2.id)));
    }
    ranked.into_iter().map(|(_, _, r)| r).collect()
}
