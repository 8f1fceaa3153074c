//! schema.org ClaimReview JSON-LD, as Google's fact-check markup guidance describes it: what was
//! claimed, by whom and where, the verdict on a scale whose direction is stated (`bestRating` 5,
//! `worstRating` 1; see `Verdict::rating`) with the verdict's name as `alternateName`, the reasoning as
//! `reviewBody`, and the public fact-check page as `url`.
//!
//! Beyond Google's fields, a review carries what another desk needs to take it over whole (`read.rs`
//! reads it back): `creativeWorkStatus` (`Published`, or `Draft` for a verified claim not yet
//! published), `keywords` (the tags) and `citation` (the evidence, with `archivedAt` the archived copy
//! and our extension members `claimcheck:stance`, `claimcheck:reliability` and `claimcheck:confidence`).

pub mod read;

use serde_json::{Value, json};

use crate::store::evidence::EvidenceRow;
use crate::store::publications::Reviewable;

/// Who publishes the reviews, from configuration.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    pub url: Option<String>,
    /// The publisher's logo, an image URL.
    pub logo: Option<String>,
    /// Where this service is reached from outside; review URLs start with it.
    pub base_url: String,
}

impl Publisher {
    /// The public page of the fact-check of claim `id`.
    pub fn page_url(&self, id: i64) -> String {
        format!("{}/fact-checks/{id}", self.base())
    }

    /// The public page of the archived copy, as cited, of evidence `evidence` of claim `id`.
    pub fn source_url(&self, id: i64, evidence: i64) -> String {
        format!("{}/fact-checks/{id}/sources/{evidence}", self.base())
    }

    /// The index of published fact-checks.
    pub fn index_url(&self) -> String {
        format!("{}/fact-checks", self.base())
    }

    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The publisher as `author`: an Organization with its name, site and logo.
    pub fn organization(&self) -> Value {
        let mut author = json!({"@type": "Organization", "name": self.name});
        if let Some(url) = &self.url {
            author["url"] = json!(url);
        }
        if let Some(logo) = &self.logo {
            author["logo"] = json!({"@type": "ImageObject", "url": logo});
        }
        author
    }
}

pub const BEST: u8 = 5;
pub const WORST: u8 = 1;

/// Our extension members on a `citation`, read back on import.
pub const STANCE: &str = "claimcheck:stance";
pub const RELIABILITY: &str = "claimcheck:reliability";
pub const CONFIDENCE: &str = "claimcheck:confidence";

/// A claimant named like a person ("Neal Khosla") is a Person; anything else ("DeepSeek", "the
/// article") an Organization.
fn claimant(name: &str) -> Value {
    let words: Vec<&str> = name.split_whitespace().collect();
    let person =
        (2..=4).contains(&words.len()) && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase));
    json!({"@type": if person { "Person" } else { "Organization" }, "name": name})
}

/// A timestamp to the second, in UTC ("2026-01-27T09:30:00Z").
fn to_second(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => t.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Err(_) => at.to_owned(),
    }
}

/// The ClaimReview of a verified claim or a published revision.
pub fn review(r: &Reviewable, publisher: &Publisher) -> Value {
    let c = &r.content;
    let mut item = json!({"@type": "Claim"});
    if let Some(name) = &c.claimant {
        item["author"] = claimant(name);
    }
    if let Some(appeared) = &c.appeared_in {
        let mut work = json!({"@type": "CreativeWork"});
        if let Some(url) = &appeared.url {
            work["url"] = json!(url);
        }
        if let Some(title) = &appeared.title {
            work["headline"] = json!(title);
        }
        if let Some(date) = &appeared.published_at {
            work["datePublished"] = json!(date);
            item["datePublished"] = json!(date);
        }
        item["appearance"] = json!([work.clone()]);
        item["firstAppearance"] = work;
    }
    let mut review = json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": publisher.page_url(r.claim_id),
        "claimReviewed": c.text,
        "itemReviewed": item,
        "author": publisher.organization(),
        "datePublished": r.date_published.get(..10).unwrap_or(&r.date_published),
        "dateModified": to_second(&r.date_modified),
        "creativeWorkStatus": if r.published { "Published" } else { "Draft" },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": r.verdict.rating(),
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": r.verdict.label(),
        },
    });
    if let Some(body) = &r.rationale {
        review["reviewBody"] = json!(body);
    }
    if let Some(language) = &c.language {
        review["inLanguage"] = json!(language);
        review["itemReviewed"]["inLanguage"] = json!(language);
    }
    if !c.tags.is_empty() {
        review["keywords"] = json!(c.tags.join(", "));
    }
    let citations: Vec<Value> = r.evidence.iter().map(|e| citation(e, r, publisher)).collect();
    if !citations.is_empty() {
        review["citation"] = json!(citations);
    }
    review
}

/// An evidence item as a `citation`.
fn citation(e: &EvidenceRow, r: &Reviewable, publisher: &Publisher) -> Value {
    let mut work = json!({"@type": "CreativeWork", "url": e.url});
    if let Some(title) = &e.title {
        work["name"] = json!(title);
    }
    if let Some(by) = &e.publisher {
        work["publisher"] = json!({"@type": "Organization", "name": by});
    }
    if let Some(excerpt) = &e.excerpt {
        work["abstract"] = json!(excerpt);
    }
    let archived = e.fetch.as_ref().is_some_and(|f| f.cited.is_some());
    if r.published && archived {
        work["archivedAt"] = json!(publisher.source_url(r.claim_id, e.id));
    }
    work[STANCE] = json!(e.stance.as_str());
    work[RELIABILITY] = json!(e.reliability);
    work[CONFIDENCE] = json!(e.confidence);
    work
}

/// JSON for a `<script>` element of an HTML page. `<`, `>` and `&` can only occur inside JSON
/// strings, where `\u003c` means the same; escaped, no text can close the element, open an HTML
/// comment (`<!--` puts the parser in a state where `</script>` no longer ends it) or start a
/// character reference. U+2028 and U+2029 end lines in older JavaScript parsers.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A DataFeed of reviews.
pub fn feed(reviews: Vec<Value>, publisher: &Publisher) -> Value {
    let elements: Vec<Value> = reviews
        .into_iter()
        .map(|mut r| {
            if let Some(object) = r.as_object_mut() {
                object.remove("@context");
            }
            r
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": format!("{} fact-checks", publisher.name),
        "dataFeedElement": elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimants_named_like_people_are_people() {
        assert_eq!(claimant("Neal Khosla")["@type"], "Person");
        assert_eq!(claimant("DeepSeek")["@type"], "Organization");
        assert_eq!(claimant("the article")["@type"], "Organization");
    }

    #[test]
    fn script_json_cannot_close_or_comment_out_its_element() {
        let value = json!({
            "claimReviewed": "a <!--<script> b </script> c ]]> d &amp; e \u{2028} f \u{2029} \\u003c",
            "<key>": ["</SCRIPT>", "-->"],
        });
        let text = script_json(&value);
        for needle in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!text.contains(needle), "{needle:?} in {text}");
        }
        assert!(text.contains("\\u003c!--\\u003cscript\\u003e"), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn the_scale_runs_from_false_to_true() {
        use crate::domain::verdict::Verdict;
        assert_eq!(Verdict::True.rating(), BEST);
        assert_eq!(Verdict::False.rating(), WORST);
        for v in Verdict::ALL {
            assert!((WORST..=BEST).contains(&v.rating()));
        }
    }
}
