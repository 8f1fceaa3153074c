//! Why a claim matches a text, as numbers a desk can read, and the score they make: a logistic model
//! whose weights are fitted on the CheckThat! 2020 train split by `bench/matching/fit.py` and built in
//! from `weights.json`.
//!
//! A feature is named, and a candidate holds only the features it has. With a sentence model loaded,
//! the `embedding` feature (the cosine, -1..1, of the text's and the claim's vectors) joins the
//! lexical ones, weighed by a second set of weights fitted with it: one for the transformer's
//! vectors (`weights_vectors.json`), one for a table's (`weights_table.json`, fitted with the
//! built-in table), whose cosines do not read alike. A candidate whose vector is not made yet goes
//! without it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::Vectors;

/// The lexical features, in the order `fit.py` reads them.
pub const NAMES: [&str; 8] = [
    "bm25",
    "margin",
    "query_coverage",
    "claim_coverage",
    "numbers_shared",
    "numbers_differ",
    "direction_differs",
    "phrases",
];

/// 1 when the text denies what the claim states, or gives as a bound a number the claim states plain
/// (`qualifiers.rs`). It leaves the score as it is and keeps the match from the `same` tier
/// (`Thresholds::tier`): the claim's fact-check answers such a text, so it ranks as high, but the
/// text is not the same claim.
pub const SAYS_OTHERWISE: &str = "says_otherwise";

/// The cosine of the text's sentence vector and the claim's; less the best other candidate's; and
/// as a share of the best candidate's.
pub const EMBEDDING: &str = "embedding";
pub const EMBEDDING_MARGIN: &str = "embedding_margin";
pub const EMBEDDING_TOP: &str = "embedding_top";
/// The features of sentence vectors, in the order `fit.py` reads them after the lexical ones.
pub const VECTOR_NAMES: [&str; 3] = [EMBEDDING, EMBEDDING_MARGIN, EMBEDDING_TOP];

/// One candidate's features by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features(pub BTreeMap<&'static str, f64>);

impl Features {
    pub fn set(&mut self, name: &'static str, value: f64) {
        self.0.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }
}

/// A logistic model over the features.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Weights {
    pub bias: f64,
    pub weights: BTreeMap<String, f64>,
}

impl Weights {
    /// The weights built into the binary: fitted on the lexical features alone, or on them and the
    /// cosine of one kind of sentence vectors.
    pub fn builtin(vectors: Option<Vectors>) -> &'static Weights {
        static LEXICAL: OnceLock<Weights> = OnceLock::new();
        static TABLE: OnceLock<Weights> = OnceLock::new();
        static TRANSFORMER: OnceLock<Weights> = OnceLock::new();
        let (kept, json) = match vectors {
            None => (&LEXICAL, include_str!("weights.json")),
            Some(Vectors::Table) => (&TABLE, include_str!("weights_table.json")),
            Some(Vectors::Transformer) => (&TRANSFORMER, include_str!("weights_vectors.json")),
        };
        kept.get_or_init(|| serde_json::from_str(json).expect("the built-in weights are valid"))
    }

    /// The score of a candidate, 0..=1: the features it has, each by its weight.
    pub fn score(&self, f: &Features) -> f64 {
        (self.exact_score(f) * 1000.0).round() / 1000.0
    }

    /// The score unrounded: what candidates are ordered by (rounded, unlikely ones tie at 0).
    pub fn exact_score(&self, f: &Features) -> f64 {
        let z =
            self.bias + f.0.iter().map(|(name, x)| self.weights.get(*name).copied().unwrap_or(0.0) * x).sum::<f64>();
        let p = 1.0 / (1.0 + (-z).exp());
        let disagrees = ["numbers_differ", "direction_differs"].iter().any(|n| f.get(n).is_some_and(|d| d > 0.0));
        if disagrees { p * DISAGREES } else { p }
    }
}

/// The weights a candidate is scored by: those fitted beside sentence vectors when its cosine is
/// known, else the lexical ones (a claim whose vector is not made yet is scored as without a model,
/// not as one far in meaning). Both are fitted to read as probabilities, so they rank together.
#[derive(Debug, Clone, Copy)]
pub struct Scoring<'a> {
    pub words: &'a Weights,
    pub meaning: &'a Weights,
}

impl Scoring<'static> {
    /// The built-in weights for candidates whose cosines, if any, come from `vectors`.
    pub fn builtin(vectors: Option<Vectors>) -> Scoring<'static> {
        Scoring { words: Weights::builtin(None), meaning: Weights::builtin(vectors) }
    }
}

impl Scoring<'_> {
    pub fn of(&self, f: &Features) -> &Weights {
        if f.get(EMBEDDING).is_some() { self.meaning } else { self.words }
    }
}

/// Counts shared between two sorted, deduplicated lists.
pub fn shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    both(a, b).count()
}

/// The items of two sorted, deduplicated lists found in both, in order.
pub fn both<'a, T: Ord>(a: &'a [T], b: &'a [T]) -> impl Iterator<Item = &'a T> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let item = &a[i];
                    (i, j) = (i + 1, j + 1);
                    return Some(item);
                }
            }
        }
        None
    })
}

/// What a number counts, roughly: numbers of different kinds do not contradict each other (a tweet's
/// date is no answer to a claim's sum of money).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Percentage,
    Year,
    Quantity,
}

pub(super) fn kind(number: &str) -> Kind {
    if number.ends_with('%') {
        return Kind::Percentage;
    }
    match number.parse::<f64>() {
        Ok(v) if v.fract() == 0.0 && (1800.0..=2100.0).contains(&v) => Kind::Year,
        _ => Kind::Quantity,
    }
}

/// The number features of two sorted number lists: shared (0, one 0.5, two or more 1), and whether
/// they disagree: the claim states a number the text lacks where the text states another of the same
/// kind ("Nasdaq 100 fell 3%" is not "Nasdaq 100 fell 1.9%"; "founded in 2015" is not "in 2023").
pub fn numbers(query: &[String], claim: &[String]) -> (f64, f64) {
    let common = shared(query, claim);
    let only = |a: &[String], b: &[String]| {
        a.iter().filter(|n| b.binary_search(n).is_err()).map(|n| kind(n)).collect::<Vec<_>>()
    };
    let (query_only, claim_only) = (only(query, claim), only(claim, query));
    let differ = claim_only.iter().any(|k| query_only.contains(k));
    ((common.min(2) as f64) / 2.0, if differ { 1.0 } else { 0.0 })
}

/// Words that say a figure went up, and that it went down (stemmed when first used).
const UP: &[&str] = &[
    "rise", "rises", "rising", "rose", "risen", "climb", "gain", "increase", "jump", "soar", "surge", "grow", "grew",
    "grown", "rally", "rallied", "boost", "higher", "spike", "rebound",
];
const DOWN: &[&str] = &[
    "fall", "falling", "fell", "fallen", "drop", "decline", "decrease", "lose", "loses", "lost", "lower", "plunge",
    "sink", "sank", "slump", "tumble", "dip", "shrink", "shrank", "slid", "slide", "crash", "plummet",
];

/// Which way a text says a figure moved: 1 up, -1 down, 0 neither or both.
pub fn direction(terms: &[String]) -> i8 {
    static STEMS: OnceLock<(Vec<String>, Vec<String>)> = OnceLock::new();
    let (up, down) = STEMS.get_or_init(|| (super::text::stems(UP), super::text::stems(DOWN)));
    let has = |list: &[String]| terms.iter().any(|t| list.contains(t));
    match (has(up), has(down)) {
        (true, false) => 1,
        (false, true) => -1,
        _ => 0,
    }
}

/// 1 when the text says a figure went one way and the claim the other ("futures rose" is not
/// "futures fell"), given each one's `direction`.
pub fn directions_differ(query: i8, claim: i8) -> f64 {
    if query != 0 && claim != 0 && query != claim { 1.0 } else { 0.0 }
}

/// What a match keeps of its score when its numbers, or the way a figure moved, disagree with the
/// text's: another claim on the same subject, however alike the words (the train split has too few
/// such pairs to teach it).
pub const DISAGREES: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_weights_name_every_feature_and_rank_strong_over_weak() {
        let w = Weights::builtin(None);
        for vectors in [Vectors::Table, Vectors::Transformer] {
            let beside = Weights::builtin(Some(vectors));
            for name in NAMES.into_iter().chain(VECTOR_NAMES) {
                assert!(beside.weights.contains_key(name), "{name} has no weight beside {vectors:?}");
            }
            assert!(beside.weights[EMBEDDING] > 0.0, "closer in meaning scores higher ({vectors:?})");
        }
        for name in NAMES {
            assert!(w.weights.contains_key(name), "{name} has no weight");
        }
        let of = |pairs: &[(&'static str, f64)]| Features(pairs.iter().copied().collect());
        let strong = of(&[("bm25", 1.0), ("margin", 0.6), ("query_coverage", 0.8), ("claim_coverage", 0.9)]);
        let weak = of(&[("bm25", 0.3), ("margin", -0.7), ("query_coverage", 0.1), ("claim_coverage", 0.2)]);
        assert!(w.score(&strong) > w.score(&weak));
        assert!((0.0..=1.0).contains(&w.score(&strong)));
    }

    #[test]
    fn a_feature_without_a_weight_or_a_value_adds_nothing() {
        let w = Weights { bias: 0.0, weights: [("bm25".to_string(), 2.0)].into_iter().collect() };
        let mut f = Features::default();
        assert_eq!(w.score(&f), 0.5);
        f.set(EMBEDDING, 0.9);
        assert_eq!(w.score(&f), 0.5, "no weight for the embedding yet");
        f.set("bm25", 1.0);
        assert!(w.score(&f) > 0.85);
    }

    #[test]
    fn numbers_that_differ_are_told_apart_from_numbers_missing() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(numbers(&s(&["1.9%"]), &s(&["1%"])), (0.0, 1.0));
        assert_eq!(numbers(&s(&[]), &s(&["1%"])), (0.0, 0.0));
        assert_eq!(numbers(&s(&["2023", "5600000"]), &s(&["2023", "5600000"])), (1.0, 0.0));
        assert_eq!(numbers(&s(&["100", "3%"]), &s(&["1.9%", "100"])), (0.5, 1.0));
        assert_eq!(numbers(&s(&["100000000"]), &s(&["5600000"])), (0.0, 1.0));
        assert_eq!(numbers(&s(&["2015"]), &s(&["2023"])), (0.0, 1.0));
        assert_eq!(numbers(&s(&["2019", "5600000"]), &s(&["5600000"])), (0.5, 0.0), "a tweet's extra date");
        assert_eq!(numbers(&s(&["2019"]), &s(&["5600000"])), (0.0, 0.0), "a date is no answer to a sum");
    }

    #[test]
    fn a_figure_that_rose_is_not_one_that_fell() {
        let terms = |t: &str| super::super::text::analyze(t, None).terms;
        let differ = |query: &[String], claim: &[String]| directions_differ(direction(query), direction(claim));
        assert_eq!(differ(&terms("Nasdaq futures rose 2%"), &terms("Nasdaq futures fell 2%")), 1.0);
        assert_eq!(differ(&terms("shares dropped"), &terms("shares fell sharply")), 0.0);
        assert_eq!(differ(&terms("shares dropped"), &terms("shares are traded")), 0.0);
        assert_eq!(differ(&terms("it rose, then fell"), &terms("it fell")), 0.0, "both ways says neither");
    }
}
