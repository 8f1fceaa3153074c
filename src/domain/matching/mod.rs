//! Recognizing a claim that was already checked, whatever words it comes in: text analysis for
//! matching (`text`, `stopwords`), the in-memory index that finds candidates by BM25 (`index`), and
//! the ranking of the few found: duplicates collapsed, explainable features, a score and a tier
//! (`rank`, `features`).

pub mod features;
pub mod index;
pub mod qualifiers;
pub mod rank;
pub mod stopwords;
pub mod text;

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Deserialize;

use super::validation::FieldError;

/// The signals an answer is made of: BM25 candidates, claims with the same text collapsed, each
/// feature the score weighs (`embedding` among them when sentence vectors are made, `vectors`), and
/// what keeps a match from `same` (`says_otherwise`).
pub fn signals(vectors: Option<Vectors>) -> Vec<&'static str> {
    let weights = features::Weights::builtin(vectors);
    let names = features::NAMES.into_iter().chain(features::VECTOR_NAMES.into_iter().filter(|_| vectors.is_some()));
    let weighed = names.filter(|n| weights.weights.get(*n).is_some_and(|w| *w != 0.0));
    let weighed = weighed.filter(|n| *n != "bm25");
    ["bm25", "same_text"].into_iter().chain(weighed).chain([features::SAYS_OTHERWISE]).collect()
}

/// What a claim is found by: its text, claimant, and (`context`) the review's title or rationale, its
/// appearance's title and quote and the wordings of reviews merged into it, read in its language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub text: String,
    pub claimant: Option<String>,
    pub context: Vec<String>,
    pub language: Option<String>,
}

impl Fields {
    /// Every field read for matching, as one text's terms, in field order.
    pub fn analyze(&self) -> text::Analysis {
        self.with_the_rest(self.analyze_text())
    }

    /// The claim's text alone, read in the claim's language.
    pub fn analyze_text(&self) -> text::Analysis {
        text::analyze(&self.text, self.language.as_deref())
    }

    /// The analysis of the claim's text (`analyze_text`) extended with the other fields'.
    pub fn with_the_rest(&self, mut all: text::Analysis) -> text::Analysis {
        for extra in self.claimant.iter().chain(&self.context) {
            all.extend(text::analyze(extra, self.language.as_deref()));
        }
        all
    }

    /// What a sentence vector is made of: the claim, then what it is found by besides its claimant
    /// (on CheckThat! 2020 dev, the claim with its fact-check's title matches tweets better than the
    /// claim alone).
    pub fn sentence(&self) -> String {
        std::iter::once(self.text.as_str())
            .chain(self.context.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(". ")
    }

    /// Changes when any field changes: what says whether a claim must be indexed again.
    pub fn digest(&self) -> u32 {
        let mut h = DefaultHasher::new();
        (&self.text, &self.claimant, &self.context, &self.language).hash(&mut h);
        h.finish() as u32
    }
}

/// How sure a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Safe to treat as the same claim: a score of at least `same`, and the text neither denies what
    /// the claim states nor bounds a number it states (`says_otherwise`).
    Same,
    /// Worth a look: a denial of the claim, a claim on the same subject, or a likely repeat.
    Related,
}

/// The least scores of the two tiers (settings; defaults chosen on the dev split, see the README).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub same: f64,
    pub related: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { same: DEFAULT_SAME, related: DEFAULT_RELATED }
    }
}

pub const DEFAULT_SAME: f64 = 0.6;
pub const DEFAULT_RELATED: f64 = 0.05;

/// What makes the sentence vectors a text's meaning is read by besides its words. Scores made with
/// each have weights of their own (`features::Weights::builtin`) and spread differently (the tiers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vectors {
    /// A static word-piece table distilled from all-MiniLM-L6-v2 (`embed::table`).
    Table,
    /// all-MiniLM-L6-v2 itself.
    Transformer,
}

impl Thresholds {
    /// The defaults for scores made with `vectors` (none: words alone), chosen on dev: with the
    /// transformer, 0.65 is right 95.3% of the time and 0.7 96.6%; with the built-in table, 0.7 is
    /// right 93.6% and 0.8 96.9%. With vectors the second best is rarely above 0.05, so 0.01 shows it.
    pub fn defaults(vectors: Option<Vectors>) -> Thresholds {
        match vectors {
            None => Thresholds::default(),
            Some(Vectors::Transformer) => Thresholds { same: 0.7, related: 0.01 },
            Some(Vectors::Table) => Thresholds { same: 0.8, related: 0.01 },
        }
    }
}

impl Thresholds {
    /// The tier of a match, if its score reaches one; never `same` when the text says otherwise.
    pub fn tier(&self, ranked: &rank::Ranked) -> Option<Tier> {
        let score = ranked.score;
        if score >= self.same && !ranked.says_otherwise() {
            Some(Tier::Same)
        } else if score >= self.related {
            Some(Tier::Related)
        } else {
            None
        }
    }
}

/// A text to match: the body of `POST /v1/match`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    /// A claim, tweet, transcript passage or question, as found.
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
    /// Its language (ISO 639-1), for stemming and stop words; English when not given.
    pub language: Option<String>,
    /// Matches answered at most (1 to 50; default 5).
    #[schema(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

pub const MAX_TEXT: usize = 20_000;
pub const MAX_LIMIT: usize = 50;
pub const DEFAULT_LIMIT: usize = 5;

impl MatchInput {
    /// The limit, once the input is valid.
    pub fn validate(&self) -> Result<usize, Vec<FieldError>> {
        let mut errors = Vec::new();
        let error =
            |field: &str, rule, message: &str| FieldError { field: field.into(), rule, message: message.into() };
        if self.text.trim().is_empty() {
            errors.push(error("text", "required", "text must not be empty"));
        } else if self.text.chars().count() > MAX_TEXT {
            errors.push(error("text", "max_length", "text must be at most 20000 characters"));
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(error("limit", "range", "limit must be between 1 and 50"));
        }
        if self.language.as_ref().is_some_and(|l| l.len() > 35) {
            errors.push(error("language", "max_length", "language must be a language tag"));
        }
        if errors.is_empty() { Ok(limit) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests;
