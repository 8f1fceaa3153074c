//! Reading ClaimReview JSON-LD from other fact-checkers: one review, an array of them, a `DataFeed`
//! or an `@graph`. Foreign ratings become our verdicts through `RatingMap`: by `alternateName` first,
//! else by where `ratingValue` falls between `worstRating` and `bestRating`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::claim::{Appearance, ClaimInput};
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
}

/// Every ClaimReview in a document, or why the document holds none.
pub fn reviews(document: &Value, ratings: &RatingMap) -> Result<Vec<Result<ForeignReview, String>>, String> {
    let mut found = Vec::new();
    collect(document, 0, &mut found);
    if found.is_empty() {
        return Err("no ClaimReview found: expected a ClaimReview, an array of them, or a DataFeed".into());
    }
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(i, r)| read(r, ratings).map_err(|e| format!("review {}: {e}", i + 1)))
        .collect())
}

fn is_type(value: &Value, name: &str) -> bool {
    match value.get("@type") {
        Some(Value::String(t)) => t == name || t.ends_with(&format!("/{name}")),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(name)),
        _ => false,
    }
}

fn collect<'a>(value: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
    if depth > 6 {
        return;
    }
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, depth + 1, out)),
        Value::Object(_) if is_type(value, "ClaimReview") => out.push(value),
        Value::Object(map) => {
            for key in ["dataFeedElement", "item", "@graph", "itemListElement"] {
                if let Some(inner) = map.get(key) {
                    collect(inner, depth + 1, out);
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
    let claim = ClaimInput {
        text: claim_text,
        claimant: text(item.get("author")),
        appeared_in,
        tags: vec!["imported".into()],
        language: text(review.get("inLanguage")),
    };
    Ok(ForeignReview { external_id, claim, verdict, url, publisher })
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
            let review = found[0].as_ref().unwrap();
            assert_eq!(
                (review.external_id.as_str(), review.verdict.clone()),
                ("claimreview:https://fc.example.org/1", Ok(Verdict::False))
            );
        }
        assert!(reviews(&json!({"@type": "Article"}), &RatingMap::default()).is_err());
        let missing = reviews(&json!({"@type": "ClaimReview"}), &RatingMap::default()).unwrap();
        assert_eq!(missing[0].as_ref().unwrap_err(), "review 1: claimReviewed is missing");
    }
}
