//! Why a claim matches a text, as numbers a desk can read: how well BM25 ranks it, how much of each
//! side's rare words the other holds, shared numbers (and numbers that disagree), names, the claimant,
//! and word pairs in the same order. The score is a logistic model over these features; its weights
//! are fitted on the train split by `bench/matching/fit.py` and built in from `weights.json`.

use std::sync::OnceLock;

/// The features, in the order of `NAMES` and of the fitted weights.
pub const NAMES: [&str; 9] = [
    "bm25",
    "query_coverage",
    "claim_coverage",
    "rarest_shared",
    "numbers_shared",
    "numbers_differ",
    "entities",
    "claimant",
    "phrases",
];

/// One candidate's features, each in 0..=1.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Features {
    /// BM25 over the best candidate's BM25 for the same text.
    pub bm25: f64,
    /// Of the text's words (weighted by rarity), the share the claim holds.
    pub query_coverage: f64,
    /// Of the claim's words (weighted by rarity), the share the text holds.
    pub claim_coverage: f64,
    /// The rarity of the rarest shared word, over the rarity of a word found once.
    pub rarest_shared: f64,
    /// Shared numbers: 0, one (0.5), two or more (1).
    pub numbers_shared: f64,
    /// 1 when each states a number the other lacks: "fell 1.9%" is not "fell 1%".
    pub numbers_differ: f64,
    /// Of the claim's names, the share the text mentions.
    pub entities: f64,
    /// 1 when the text names the claim's claimant.
    pub claimant: f64,
    /// Of the claim's word pairs, the share the text has in the same order.
    pub phrases: f64,
}

impl Features {
    pub fn vector(&self) -> [f64; 9] {
        [
            self.bm25,
            self.query_coverage,
            self.claim_coverage,
            self.rarest_shared,
            self.numbers_shared,
            self.numbers_differ,
            self.entities,
            self.claimant,
            self.phrases,
        ]
    }
}

/// What a candidate whose numbers all differ from the text's keeps of its score.
pub const NUMBERS_DIFFER: f64 = 0.5;

/// A logistic model over the features.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Weights {
    pub bias: f64,
    pub weights: std::collections::BTreeMap<String, f64>,
}

impl Weights {
    /// The weights built into the binary.
    pub fn builtin() -> &'static Weights {
        static W: OnceLock<Weights> = OnceLock::new();
        W.get_or_init(|| serde_json::from_str(include_str!("weights.json")).expect("weights.json is valid"))
    }

    fn weight(&self, name: &str) -> f64 {
        self.weights.get(name).copied().unwrap_or(0.0)
    }

    /// The score of a candidate, 0..=1.
    pub fn score(&self, f: &Features) -> f64 {
        let z = self.bias + NAMES.iter().zip(f.vector()).map(|(n, x)| self.weight(n) * x).sum::<f64>();
        let p = 1.0 / (1.0 + (-z).exp());
        // A rule over the model: numbers that all disagree make another claim on the same subject
        // ("fell 1.9%" is not "fell 1%"), however alike the words; the train split has too few such
        // pairs to teach it.
        let p = if f.numbers_differ > 0.0 { p * NUMBERS_DIFFER } else { p };
        (p * 1000.0).round() / 1000.0
    }
}

/// Counts shared between two sorted, deduplicated lists.
pub fn shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The number features of two sorted number lists.
pub fn numbers(query: &[String], claim: &[String]) -> (f64, f64) {
    let common = shared(query, claim);
    // Each states a number the other lacks: "Nasdaq 100 fell 3%" is not "Nasdaq 100 fell 1.9%".
    let differ = common < query.len() && common < claim.len();
    ((common.min(2) as f64) / 2.0, if differ { 1.0 } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_weights_name_every_feature() {
        let w = Weights::builtin();
        for name in NAMES {
            assert!(w.weights.contains_key(name), "{name} has no weight");
        }
        let strong = Features {
            bm25: 1.0,
            query_coverage: 0.8,
            claim_coverage: 0.9,
            rarest_shared: 0.9,
            phrases: 0.7,
            ..Default::default()
        };
        let weak =
            Features { bm25: 0.3, query_coverage: 0.1, claim_coverage: 0.2, rarest_shared: 0.3, ..Default::default() };
        assert!(w.score(&strong) > w.score(&weak));
        assert!((0.0..=1.0).contains(&w.score(&strong)));
    }

    #[test]
    fn numbers_that_differ_are_told_apart_from_numbers_missing() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(numbers(&s(&["1.9%"]), &s(&["1%"])), (0.0, 1.0));
        assert_eq!(numbers(&s(&[]), &s(&["1%"])), (0.0, 0.0));
        assert_eq!(numbers(&s(&["2023", "5600000"]), &s(&["2023", "5600000"])), (1.0, 0.0));
        assert_eq!(numbers(&s(&["100", "3%"]), &s(&["1.9%", "100"])), (0.5, 1.0));
        assert_eq!(
            numbers(&s(&["2019", "5600000"]), &s(&["5600000"])),
            (0.5, 0.0),
            "a tweet's extra date is no conflict"
        );
    }
}
