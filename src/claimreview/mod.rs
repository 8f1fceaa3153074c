//! schema.org ClaimReview JSON-LD, as Google's fact-check markup guidance describes it: what was
//! claimed, by whom and where, and the verdict on a scale whose direction is stated (`bestRating` 5,
//! `worstRating` 1; see `Verdict::rating`) with the verdict's name as `alternateName`.

pub mod read;

use serde_json::{Value, json};

use crate::store::claims::ClaimRow;

/// Who publishes the reviews, from configuration.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    pub url: Option<String>,
    /// Where this service is reached from outside; review URLs start with it.
    pub base_url: String,
}

pub const BEST: u8 = 5;
pub const WORST: u8 = 1;

/// A claimant named like a person ("Neal Khosla") is a Person; anything else ("DeepSeek", "the
/// article") an Organization.
fn claimant(name: &str) -> Value {
    let words: Vec<&str> = name.split_whitespace().collect();
    let person =
        (2..=4).contains(&words.len()) && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase));
    json!({"@type": if person { "Person" } else { "Organization" }, "name": name})
}

/// The ClaimReview of a claim with a verdict; `reviewed_at` is when it was last verified.
pub fn review(claim: &ClaimRow, reviewed_at: &str, publisher: &Publisher) -> Option<Value> {
    let verdict = claim.verdict?;
    let mut item = json!({"@type": "Claim"});
    if let Some(name) = &claim.claimant {
        item["author"] = claimant(name);
    }
    if let Some(appeared) = &claim.appeared_in {
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
    let mut author = json!({"@type": "Organization", "name": publisher.name});
    if let Some(url) = &publisher.url {
        author["url"] = json!(url);
    }
    Some(json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": format!("{}/v1/claims/{}/claimreview", publisher.base_url.trim_end_matches('/'), claim.id),
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "author": author,
        "datePublished": reviewed_at.get(..10).unwrap_or(reviewed_at),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": verdict.rating(),
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": verdict.label(),
        },
    }))
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
