//! Reading ClaimReview JSON-LD from other fact-checkers: one review, an array of them, a `DataFeed`
//! or an `@graph`. Foreign ratings become our verdicts through `RatingMap`: by `alternateName` first,
//! else by where `ratingValue` falls between `worstRating` and `bestRating`. What our own export adds
//! (`creativeWorkStatus`, `keywords`, `citation` with our extension members; see the module above) is
//! read back, so an export imported elsewhere keeps its status, tags and evidence.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::claim::{Appearance, ClaimInput};
use crate::domain::evidence::Stance;
use crate::domain::verdict::Verdict;

/// `alternateName` (lower-case) → verdict, for the names fact-checkers commonly use.
const NAMES: &[(&str, Verdict)] = &[
    ("true", Verdict::True),
    ("correct", Verdict::True),
    ("accurate", Verdict::True),
    ("mostly true", Verdict::MostlyTrue),
    ("mostly correct", Verdict::MostlyTrue),
    ("half true", Verdict::Mixed),
    ("half-true", Verdict::Mixed),
    ("mixed", Verdict::Mixed),
    ("mixture", Verdict::Mixed),
    ("partly true", Verdict::Mixed),
    ("partly false", Verdict::MostlyFalse),
    ("mostly false", Verdict::MostlyFalse),
    ("false", Verdict::False),
    ("incorrect", Verdict::False),
    ("fake", Verdict::False),
    ("pants on fire", Verdict::False),
    ("pants on fire!", Verdict::False),
    ("misleading", Verdict::Misleading),
    ("missing context", Verdict::Misleading),
    ("out of context", Verdict::Misleading),
    ("unproven", Verdict::Unsupported),
    ("unsupported", Verdict::Unsupported),
    ("unverified", Verdict::Unsupported),
    ("no evidence", Verdict::Unsupported),
];

/// How foreign ratings map to verdicts. The built-in names can be extended or overridden from a TOML
/// file: `[alternate_names]` then `"pants on fire" = "false"` and so on.
#[derive(Debug, Clone)]
pub struct RatingMap {
    names: HashMap<String, Verdict>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingFile {
    #[serde(default)]
    alternate_names: HashMap<String, Verdict>,
}

impl Default for RatingMap {
    fn default() -> RatingMap {
        RatingMap { names: NAMES.iter().map(|(name, verdict)| ((*name).to_owned(), *verdict)).collect() }
    }
}

impl RatingMap {
    /// The built-in table with the file's names added over it.
    pub fn with_file(text: &str) -> Result<RatingMap, toml::de::Error> {
        let file: RatingFile = toml::from_str(text)?;
        let mut map = RatingMap::default();
        map.names.extend(file.alternate_names.into_iter().map(|(name, verdict)| (name.trim().to_lowercase(), verdict)));
        Ok(map)
    }

    /// The verdict for a `reviewRating`, if it can be told.
    pub fn verdict(&self, rating: &Value) -> Option<Verdict> {
        if let Some(name) = rating.get("alternateName").and_then(Value::as_str) {
            let name = name.trim().trim_end_matches('.').to_lowercase();
            if let Some(verdict) = self.names.get(&name) {
                return Some(*verdict);
            }
        }
        let number = |key: &str| match rating.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        let (value, best, worst) = (number("ratingValue")?, number("bestRating")?, number("worstRating")?);
        if best == worst || !(worst.min(best)..=worst.max(best)).contains(&value) {
            return None;
        }
        // 0 at the worst end of the scale, 1 at the best, whichever way round the scale is written.
        let position = (value - worst) / (best - worst);
        Some(
            [Verdict::False, Verdict::MostlyFalse, Verdict::Mixed, Verdict::MostlyTrue, Verdict::True]
                [(position * 4.0).round() as usize],
        )
    }
}

/// One foreign review, read.
#[derive(Debug, Clone)]
pub struct ForeignReview {
    /// Identifies the review across imports: its URL, else a hash of what it reviews and who says so.
    pub external_id: String,
    pub claim: ClaimInput,
    pub verdict: Result<Verdict, String>,
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// `reviewBody`: the reasoning behind the verdict.
    pub rationale: Option<String>,
    /// `creativeWorkStatus` says it is published (our export's drafts are verified claims).
    pub published: bool,
    /// The sources the review cites.
    pub citations: Vec<Citation>,
}

/// A source a review cites (`citation`), with our extension members when it comes from our export.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub url: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Option<Stance>,
    pub reliability: Option<f64>,
    pub confidence: Option<f64>,
}

/// One review found in a document, with where it is: `dataFeedElement[3]`, `@graph[1]`, `[0]`, or
/// the empty string for the document itself.
#[derive(Debug, Clone)]
pub struct Found<T> {
    pub position: String,
    pub review: T,
}

/// Every ClaimReview in a document, each with its position, or why the document holds none.
pub fn reviews(document: &Value, ratings: &RatingMap) -> Result<Vec<Found<Result<ForeignReview, String>>>, String> {
    let mut found = Vec::new();
    collect(document, String::new(), 0, &mut found);
    if found.is_empty() {
        return Err("no ClaimReview found: expected a ClaimReview, an array of them, or a DataFeed".into());
    }
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(i, (position, r))| Found {
            review: read(r, ratings).map_err(|e| format!("review {}: {e}", i + 1)),
            position,
        })
        .collect())
}

fn is_type(value: &Value, name: &str) -> bool {
    match value.get("@type") {
        Some(Value::String(t)) => t == name || t.ends_with(&format!("/{name}")),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(name)),
        _ => false,
    }
}

fn collect<'a>(value: &'a Value, at: String, depth: usize, out: &mut Vec<(String, &'a Value)>) {
    if depth > 6 {
        return;
    }
    match value {
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| collect(v, format!("{at}[{i}]"), depth + 1, out))
        }
        Value::Object(_) if is_type(value, "ClaimReview") => out.push((at, value)),
        Value::Object(map) => {
            for key in ["dataFeedElement", "item", "@graph", "itemListElement"] {
                if let Some(inner) = map.get(key) {
                    let at = if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") };
                    collect(inner, at, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Object(map) => text(map.get("name")),
        Value::Array(items) => text(items.first()),
        _ => None,
    }
}

fn read(review: &Value, ratings: &RatingMap) -> Result<ForeignReview, String> {
    let claim_text = text(review.get("claimReviewed")).ok_or("claimReviewed is missing")?;
    let item = review.get("itemReviewed").cloned().unwrap_or(Value::Null);
    let appearance = item
        .get("firstAppearance")
        .or_else(|| item.get("appearance").and_then(|a| a.as_array()?.first()).or(item.get("appearance")));
    let appeared_in = appearance.map(|a| Appearance {
        url: text(a.get("url")),
        title: text(a.get("headline")).or_else(|| text(a.get("name"))),
        published_at: text(a.get("datePublished")),
        ..Appearance::default()
    });
    let url = text(review.get("url"));
    let publisher = text(review.get("author"));
    let external_id = match &url {
        Some(url) => format!("claimreview:{url}"),
        None => {
            let who = format!("{}\u{0}{}", claim_text, publisher.as_deref().unwrap_or(""));
            format!("claimreview:sha256:{}", hex::encode(Sha256::digest(who.as_bytes())))
        }
    };
    let verdict = match review.get("reviewRating") {
        Some(rating) => ratings
            .verdict(rating)
            .ok_or_else(|| format!("the rating {} maps to no verdict (add its alternateName to --rating-map)", rating)),
        None => Err("reviewRating is missing".into()),
    };
    let tags = keywords(review.get("keywords"));
    let claim = ClaimInput {
        text: claim_text,
        claimant: text(item.get("author")),
        appeared_in,
        tags: if tags.is_empty() { vec!["imported".into()] } else { tags },
        language: text(review.get("inLanguage")),
    };
    let published = review.get("creativeWorkStatus").and_then(Value::as_str).is_some_and(|s| s == "Published");
    let citations = match review.get("citation") {
        Some(Value::Array(items)) => items.iter().filter_map(citation).collect(),
        Some(one) => citation(one).into_iter().collect(),
        None => Vec::new(),
    };
    Ok(ForeignReview {
        external_id,
        claim,
        verdict,
        url,
        publisher,
        // A review without a body keeps its headline: it is what readers find the fact-check by.
        rationale: text(review.get("reviewBody")).or_else(|| text(review.get("headline"))),
        published,
        citations,
    })
}

/// `keywords`, as one comma-separated text or a list of them.
fn keywords(value: Option<&Value>) -> Vec<String> {
    let words = match value {
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        _ => Vec::new(),
    };
    words.into_iter().map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect()
}

/// A cited source: a URL (or an object with one) and what is said of it.
fn citation(value: &Value) -> Option<Citation> {
    if let Value::String(url) = value {
        return Some(Citation {
            url: url.trim().to_owned(),
            title: None,
            publisher: None,
            excerpt: None,
            stance: None,
            reliability: None,
            confidence: None,
        });
    }
    let number = |key: &str| value.get(key).and_then(Value::as_f64);
    Some(Citation {
        url: text(value.get("url"))?,
        title: text(value.get("name")).or_else(|| text(value.get("headline"))),
        publisher: text(value.get("publisher")),
        excerpt: text(value.get("abstract")),
        stance: value.get(super::STANCE).and_then(Value::as_str).and_then(Stance::parse),
        reliability: number(super::RELIABILITY),
        confidence: number(super::CONFIDENCE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rating(value: Value) -> Option<Verdict> {
        RatingMap::default().verdict(&value)
    }

    #[test]
    fn names_come_first_then_the_position_on_the_scale() {
        assert_eq!(rating(json!({"alternateName": "Pants on Fire!"})), Some(Verdict::False));
        assert_eq!(
            rating(json!({"alternateName": "Half True", "ratingValue": 1, "bestRating": 5, "worstRating": 1})),
            Some(Verdict::Mixed)
        );
        assert_eq!(
            rating(json!({"alternateName": "Wobbly", "ratingValue": 5, "bestRating": 5, "worstRating": 1})),
            Some(Verdict::True)
        );
        assert_eq!(
            rating(json!({"ratingValue": "2", "bestRating": "5", "worstRating": "1"})),
            Some(Verdict::MostlyFalse)
        );
        // A scale written the other way round: 1 is best.
        assert_eq!(rating(json!({"ratingValue": 1, "bestRating": 1, "worstRating": 7})), Some(Verdict::True));
        assert_eq!(rating(json!({"ratingValue": 9, "bestRating": 5, "worstRating": 1})), None);
        assert_eq!(rating(json!({"alternateName": "Wobbly"})), None);
        let map = RatingMap::with_file("[alternate_names]\n\"Wobbly\" = \"misleading\"\n").unwrap();
        assert_eq!(map.verdict(&json!({"alternateName": "wobbly"})), Some(Verdict::Misleading));
    }

    #[test]
    fn reviews_are_found_in_every_wrapping() {
        let one = json!({"@type": "ClaimReview", "claimReviewed": "X", "url": "https://fc.example.org/1",
            "reviewRating": {"alternateName": "False"}});
        for document in [
            one.clone(),
            json!([one.clone()]),
            json!({"@type": "DataFeed", "dataFeedElement": [{"@type": "DataFeedItem", "item": [one.clone()]}]}),
            json!({"@context": "https://schema.org", "@graph": [one.clone()]}),
        ] {
            let found = reviews(&document, &RatingMap::default()).unwrap();
            assert_eq!(found.len(), 1, "{document}");
            let review = found[0].review.as_ref().unwrap();
            assert_eq!(
                (review.external_id.as_str(), review.verdict.clone()),
                ("claimreview:https://fc.example.org/1", Ok(Verdict::False))
            );
        }
        assert!(reviews(&json!({"@type": "Article"}), &RatingMap::default()).is_err());
        let missing = reviews(&json!({"@type": "ClaimReview"}), &RatingMap::default()).unwrap();
        assert_eq!(missing[0].review.as_ref().unwrap_err(), "review 1: claimReviewed is missing");
    }

    #[test]
    fn each_review_is_found_with_its_position() {
        let one = json!({"@type": "ClaimReview", "claimReviewed": "X"});
        let positions = |document: Value| -> Vec<String> {
            reviews(&document, &RatingMap::default()).unwrap().into_iter().map(|f| f.position).collect()
        };
        assert_eq!(positions(one.clone()), [""]);
        assert_eq!(positions(json!([{}, one.clone()])), ["[1]"]);
        assert_eq!(positions(json!({"@graph": [{}, one.clone()]})), ["@graph[1]"]);
        assert_eq!(
            positions(json!({"dataFeedElement": [one.clone(), {"item": one.clone()}, {"item": [one.clone()]}]})),
            ["dataFeedElement[0]", "dataFeedElement[1].item", "dataFeedElement[2].item[0]"]
        );
    }
}
