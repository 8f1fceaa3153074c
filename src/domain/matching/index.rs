//! The matching index: an in-memory inverted index over what a fact-check is found by (the claim, its
//! claimant, the review's title or rationale, the quoted sentence of its appearance). It is a copy: the
//! database is the source of truth, and the index is built from it at start and caught up with it
//! after each commit (see `service::matching`), so a crash loses nothing the database kept.
//!
//! A text finds its candidates by BM25 over an OR of its terms. Rare terms are read in full; a term in
//! more than `COMMON_SHARE` of the claims only adds to candidates already found (looked up by binary
//! search in its postings), so a long tweet full of common words costs little more than its rare
//! words. The best `CANDIDATES` are then scored by the explainable features of `features`.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use super::features::{self, Features, Weights};
use super::text::{Analysis, analyze};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A term in more than this share of the claims finds no new candidates.
const COMMON_SHARE: f64 = 0.02;
/// Candidates scored by features.
pub const CANDIDATES: usize = 40;

/// What the index keeps of a claim to show it, beside what it matches by.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub text: String,
    pub status: crate::domain::workflow::Status,
    pub verdict: Option<crate::domain::verdict::Verdict>,
    /// It has been published: it has a public review page.
    pub published: bool,
}

/// A claim as indexed.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub text: String,
    pub claimant: Option<String>,
    /// The review's title or rationale, and the appearance's title and quote.
    pub context: Vec<String>,
    pub language: Option<String>,
    pub meta: Meta,
}

struct Doc {
    id: i64,
    digest: u64,
    terms: Vec<(u32, u16)>,
    len: u32,
    /// Sorted term ids of its words (numbers apart).
    words: Vec<u32>,
    numbers: Vec<String>,
    entities: Vec<String>,
    phrases: Vec<u64>,
    claimant: Vec<String>,
    meta: Meta,
}

/// One candidate, scored and explained.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub score: f64,
    pub features: Features,
    /// Shared words, as the text wrote them; shared numbers; shared word pairs.
    pub words: Vec<String>,
    pub numbers: Vec<String>,
    pub phrases: Vec<String>,
    pub meta: Meta,
}

#[derive(Default)]
pub struct Index {
    vocab: HashMap<String, u32>,
    /// Each term id's term.
    names: Vec<String>,
    df: Vec<u32>,
    postings: Vec<Vec<(u32, u16)>>,
    docs: Vec<Option<Doc>>,
    slots: HashMap<i64, u32>,
    total_len: u64,
    dead: usize,
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn idf(n: f64, df: f64) -> f64 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

impl Index {
    /// Claims indexed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn term(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.vocab.get(t) {
            return id;
        }
        let id = self.df.len() as u32;
        self.vocab.insert(t.to_owned(), id);
        self.names.push(t.to_owned());
        self.df.push(0);
        self.postings.push(Vec::new());
        id
    }

    /// Adds or replaces a claim. A change to what it shows only (status, verdict) keeps its postings.
    pub fn upsert(&mut self, entry: Entry) {
        let source =
            format!("{}\u{1}{:?}\u{1}{:?}\u{1}{:?}", entry.text, entry.claimant, entry.context, entry.language);
        let digest = hash(&source);
        if let Some(&slot) = self.slots.get(&entry.id) {
            if let Some(doc) = self.docs[slot as usize].as_mut().filter(|d| d.digest == digest) {
                doc.meta = entry.meta;
                return;
            }
            self.remove(entry.id);
        }
        let lang = entry.language.as_deref();
        let claim = analyze(&entry.text, lang);
        let claimant = entry.claimant.as_deref().map(|c| analyze(c, lang)).unwrap_or_default();
        let mut all = claim.clone();
        for extra in
            std::iter::once(&claimant).chain(entry.context.iter().map(|c| analyze(c, lang)).collect::<Vec<_>>().iter())
        {
            all.words.extend(extra.words.iter().cloned());
            all.numbers.extend(extra.numbers.iter().cloned());
            all.entities.extend(extra.entities.iter().cloned());
        }
        all.numbers.sort();
        all.numbers.dedup();
        let mut counts: HashMap<u32, u16> = HashMap::new();
        let terms: Vec<String> = all.terms().collect();
        for t in &terms {
            let id = self.term(t);
            *counts.entry(id).or_default() += 1;
        }
        let slot = self.docs.len() as u32;
        let mut terms: Vec<(u32, u16)> = counts.into_iter().collect();
        terms.sort_unstable();
        for &(t, tf) in &terms {
            self.df[t as usize] += 1;
            self.postings[t as usize].push((slot, tf));
        }
        let mut words: Vec<u32> = all.words.iter().filter_map(|w| self.vocab.get(w).copied()).collect();
        words.sort_unstable();
        words.dedup();
        let mut phrases: Vec<u64> = claim.phrases().iter().map(|p| hash(p)).collect();
        phrases.sort_unstable();
        phrases.dedup();
        let mut entities = all.entities;
        entities.sort();
        entities.dedup();
        let len = terms.iter().map(|&(_, tf)| tf as u32).sum();
        self.total_len += len as u64;
        self.docs.push(Some(Doc {
            id: entry.id,
            digest,
            terms,
            len,
            words,
            numbers: all.numbers,
            entities,
            phrases,
            claimant: claimant.words,
            meta: entry.meta,
        }));
        self.slots.insert(entry.id, slot);
    }

    /// Takes a claim out (its postings stay, dead, until enough are dead to compact).
    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slots.remove(&id) else { return };
        if let Some(doc) = self.docs[slot as usize].take() {
            for (t, _) in doc.terms {
                self.df[t as usize] -= 1;
            }
            self.total_len -= doc.len as u64;
            self.dead += 1;
        }
        if self.dead > 4096 && self.dead > self.slots.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let docs = &self.docs;
        for list in &mut self.postings {
            list.retain(|(slot, _)| docs[*slot as usize].is_some());
        }
        self.dead = 0;
    }

    /// The claims `text` most likely repeats, best first, at most `limit`; `keep` says which may be
    /// shown (`except`: the claim itself; published only, for anonymous readers).
    pub fn search(
        &self,
        text: &str,
        language: Option<&str>,
        limit: usize,
        weights: &Weights,
        keep: impl Fn(i64, &Meta) -> bool,
    ) -> Vec<Candidate> {
        let query = analyze(text, language);
        let n = self.slots.len() as f64;
        if n == 0.0 {
            return Vec::new();
        }
        let average = self.total_len as f64 / n;
        let mut known: Vec<(u32, f64)> = query
            .terms()
            .filter_map(|t| self.vocab.get(&t).copied())
            .collect::<HashSet<u32>>()
            .into_iter()
            .filter(|&t| self.df[t as usize] > 0)
            .map(|t| (t, idf(n, self.df[t as usize] as f64)))
            .collect();
        known.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let common = ((n * COMMON_SHARE) as u32).max(1000);
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for &(t, w) in &known {
            let list = &self.postings[t as usize];
            let bm25 = |slot: u32, tf: u16| {
                let doc = self.docs[slot as usize].as_ref()?;
                let norm = K1 * (1.0 - B + B * doc.len as f64 / average);
                Some(w * tf as f64 * (K1 + 1.0) / (tf as f64 + norm))
            };
            if self.df[t as usize] <= common || scores.is_empty() {
                for &(slot, tf) in list {
                    if let Some(s) = bm25(slot, tf) {
                        *scores.entry(slot).or_default() += s;
                    }
                }
            } else {
                for (slot, score) in scores.iter_mut() {
                    if let Ok(at) = list.binary_search_by_key(slot, |&(s, _)| s) {
                        *score += bm25(*slot, list[at].1).unwrap_or(0.0);
                    }
                }
            }
        }
        let mut ranked: Vec<(f64, u32)> = scores
            .into_iter()
            .filter(|&(slot, _)| self.docs[slot as usize].as_ref().is_some_and(|d| keep(d.id, &d.meta)))
            .map(|(slot, s)| (s, slot))
            .collect();
        let by_score = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable_by(CANDIDATES - 1, by_score);
            ranked.truncate(CANDIDATES);
        }
        ranked.sort_by(by_score);
        let top = ranked.first().map_or(1.0, |r| r.0.max(f64::EPSILON));
        let idf_of: HashMap<u32, f64> = known.iter().copied().collect();
        let query_idf: f64 = known.iter().map(|(_, w)| w).sum::<f64>().max(f64::EPSILON);
        let query_words: HashSet<&str> = query.words.iter().map(String::as_str).collect();
        let mut query_numbers = query.numbers.clone();
        query_numbers.sort();
        let mut query_phrases: HashMap<u64, String> = HashMap::new();
        for p in query.phrases() {
            query_phrases.entry(hash(&p)).or_insert(p);
        }
        let rare_max = idf(n, 1.0);
        let mut found: Vec<Candidate> = ranked
            .into_iter()
            .filter_map(|(bm25, slot)| {
                let doc = self.docs[slot as usize].as_ref()?;
                let doc_idf = |t: u32| idf(n, self.df[t as usize].max(1) as f64);
                let shared: Vec<u32> = doc.terms.iter().map(|&(t, _)| t).filter(|t| idf_of.contains_key(t)).collect();
                let shared_idf: f64 = shared.iter().map(|t| idf_of[t]).sum();
                let claim_idf: f64 = doc.terms.iter().map(|&(t, _)| doc_idf(t)).sum::<f64>().max(f64::EPSILON);
                let rarest = shared.iter().map(|t| idf_of[t]).fold(0.0, f64::max);
                let (numbers_shared, numbers_differ) = features::numbers(&query_numbers, &doc.numbers);
                let entities = if doc.entities.is_empty() {
                    0.0
                } else {
                    doc.entities.iter().filter(|e| query_words.contains(e.as_str())).count() as f64
                        / doc.entities.len() as f64
                };
                let claimant =
                    !doc.claimant.is_empty() && doc.claimant.iter().all(|w| query_words.contains(w.as_str()));
                let phrase_hits: Vec<&String> = doc.phrases.iter().filter_map(|p| query_phrases.get(p)).collect();
                let f = Features {
                    bm25: bm25 / top,
                    query_coverage: (shared_idf / query_idf).min(1.0),
                    claim_coverage: (shared_idf / claim_idf).min(1.0),
                    rarest_shared: (rarest / rare_max).min(1.0),
                    numbers_shared,
                    numbers_differ,
                    entities,
                    claimant: if claimant { 1.0 } else { 0.0 },
                    phrases: if doc.phrases.is_empty() {
                        0.0
                    } else {
                        phrase_hits.len() as f64 / doc.phrases.len() as f64
                    },
                };
                let mut words = Vec::new();
                let mut numbers = Vec::new();
                for t in &shared {
                    let name = self.names[*t as usize].as_str();
                    match name.strip_prefix('#') {
                        Some(number) => numbers.push(number.to_owned()),
                        None if doc.words.binary_search(t).is_ok() => words.push(query.surface_of(name).to_owned()),
                        None => {}
                    }
                }
                let phrases = phrase_hits
                    .iter()
                    .map(|p| p.split(' ').map(|w| query.surface_of(w)).collect::<Vec<_>>().join(" "))
                    .collect();
                Some(Candidate {
                    id: doc.id,
                    score: weights.score(&f),
                    features: f,
                    words,
                    numbers,
                    phrases,
                    meta: doc.meta.clone(),
                })
            })
            .collect();
        found.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then(b.features.bm25.total_cmp(&a.features.bm25)).then(b.id.cmp(&a.id))
        });
        found.truncate(limit);
        found
    }

    /// The analysis a query gets, for explanations and tests.
    pub fn analyze(text: &str, language: Option<&str>) -> Analysis {
        analyze(text, language)
    }
}
