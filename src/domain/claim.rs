//! What a claim is and which inputs make a valid one.

use serde::{Deserialize, Deserializer, Serialize};

use super::normalize::normalize_text;
use super::validation::{FieldError, Violations};

pub const MAX_TEXT: usize = 2000;
pub const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 40;

/// Where a claim was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appearance {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An RFC 3339 timestamp or a plain `YYYY-MM-DD` date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// The passage in which the claim was made, word for word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// The article taken in (`/v1/articles/{id}`) the claim was accepted from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_id: Option<i64>,
    /// The quoted sentence's place in that article, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub position: Option<u32>,
}

/// A claim as submitted: the body of `POST /v1/claims` and one entry of an import file.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    #[schema(max_length = 200)]
    pub claimant: Option<String>,
    pub appeared_in: Option<Appearance>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub language: Option<String>,
}

/// The editable content of a claim, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimContent {
    pub text: String,
    pub claimant: Option<String>,
    pub appeared_in: Option<Appearance>,
    pub tags: Vec<String>,
    pub language: Option<String>,
}

impl ClaimContent {
    pub fn normalized(&self) -> String {
        normalize_text(&self.text)
    }
}

impl ClaimInput {
    pub fn validate(&self) -> Result<ClaimContent, Vec<FieldError>> {
        let mut v = Violations::default();
        let content = ClaimContent {
            text: claim_text(&mut v, &self.text),
            claimant: v.optional_text("claimant", self.claimant.as_deref(), 200),
            appeared_in: self.appeared_in.as_ref().and_then(|a| appearance(&mut v, a)),
            tags: tags(&mut v, &self.tags),
            language: language(&mut v, self.language.as_deref()),
        };
        v.into_result(content)
    }
}

/// A change to a claim: absent fields stay, `null` clears an optional one, `tags` replaces the list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimPatch {
    pub text: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub claimant: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub appeared_in: Option<Option<Appearance>>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub language: Option<Option<String>>,
}

impl ClaimPatch {
    pub fn apply(&self, current: &ClaimContent) -> Result<ClaimContent, Vec<FieldError>> {
        let mut v = Violations::default();
        let next = ClaimContent {
            text: match &self.text {
                Some(text) => claim_text(&mut v, text),
                None => current.text.clone(),
            },
            claimant: match &self.claimant {
                Some(c) => v.optional_text("claimant", c.as_deref(), 200),
                None => current.claimant.clone(),
            },
            appeared_in: match &self.appeared_in {
                Some(a) => a.as_ref().and_then(|a| appearance(&mut v, a)),
                None => current.appeared_in.clone(),
            },
            tags: match &self.tags {
                Some(t) => tags(&mut v, t),
                None => current.tags.clone(),
            },
            language: match &self.language {
                Some(l) => language(&mut v, l.as_deref()),
                None => current.language.clone(),
            },
        };
        v.into_result(next)
    }
}

fn claim_text(v: &mut Violations, text: &str) -> String {
    let text = v.text("text", text, MAX_TEXT).unwrap_or_default();
    if !text.is_empty() && normalize_text(&text).is_empty() {
        v.add("text", "has-words", "text must contain at least one letter or digit");
    }
    text
}

fn appearance(v: &mut Violations, a: &Appearance) -> Option<Appearance> {
    let checked = Appearance {
        url: a.url.as_deref().and_then(|u| v.url("appeared_in.url", u)).map(String::from),
        title: v.optional_text("appeared_in.title", a.title.as_deref(), 500),
        published_at: a.published_at.as_deref().and_then(|p| published_at(v, p)),
        quote: v.optional_text("appeared_in.quote", a.quote.as_deref(), 5000),
        article_id: a.article_id,
        position: a.position,
    };
    (checked != Appearance::default()).then_some(checked)
}

fn published_at(v: &mut Violations, value: &str) -> Option<String> {
    published_at_field(v, "appeared_in.published_at", value)
}

/// An RFC 3339 timestamp (kept in UTC) or a plain `YYYY-MM-DD` date.
pub fn published_at_field(v: &mut Violations, field: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some(t.to_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }
    if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() && value.len() == 10 {
        return Some(value.to_owned());
    }
    v.add(field, "date", format!("{field} must be an RFC 3339 timestamp or a YYYY-MM-DD date"));
    None
}

/// Tags are lower-case slugs, deduplicated, in the order given.
fn tags(v: &mut Violations, tags: &[String]) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        v.add("tags", "max-items", format!("at most {MAX_TAGS} tags"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.trim().to_lowercase();
        let valid = !tag.is_empty()
            && tag.chars().count() <= MAX_TAG
            && tag.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !valid {
            v.add(format!("tags[{i}]"), "tag", format!("a tag is 1 to {MAX_TAG} letters, digits, '-' or '_'"));
        } else if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// A BCP 47 language tag in its common shape: `en`, `pt-BR`, `zh-Hant-TW`.
pub fn language_tag(v: &mut Violations, value: Option<&str>) -> Option<String> {
    language(v, value)
}

fn language(v: &mut Violations, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|l| !l.is_empty())?;
    let mut parts = value.split('-');
    let primary = parts.next().unwrap_or_default();
    let valid = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && value.len() <= 35;
    if valid {
        Some(value.to_owned())
    } else {
        v.add("language", "bcp47", "language must be a BCP 47 tag such as \"en\" or \"pt-BR\"");
        None
    }
}

/// Lets a PATCH tell an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> ClaimInput {
        ClaimInput { text: text.into(), claimant: None, appeared_in: None, tags: vec![], language: None }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(input("  R1 cost $5.6M ").validate().unwrap().text, "R1 cost $5.6M");
        assert_eq!(fields(input("   ").validate().unwrap_err()), ["text"]);
        assert_eq!(fields(input("?!").validate().unwrap_err()), ["text"]);
        assert!(input(&"x".repeat(MAX_TEXT)).validate().is_ok());
        assert_eq!(input(&"é".repeat(MAX_TEXT + 1)).validate().unwrap_err()[0].rule, "max-length");
    }

    #[test]
    fn tags_are_slugs_lowercased_and_deduplicated() {
        let mut c = input("x");
        c.tags = vec!["Cost".into(), "cost".into(), "markets".into()];
        assert_eq!(c.validate().unwrap().tags, ["cost", "markets"]);
        c.tags = vec!["ok".into(), "not ok".into()];
        assert_eq!(fields(c.validate().unwrap_err()), ["tags[1]"]);
    }

    #[test]
    fn appearance_and_language_are_checked() {
        let mut c = input("x");
        c.appeared_in = Some(Appearance {
            url: Some("javascript:alert(1)".into()),
            published_at: Some("yesterday".into()),
            ..Default::default()
        });
        c.language = Some("english!".into());
        assert_eq!(fields(c.validate().unwrap_err()), ["appeared_in.url", "appeared_in.published_at", "language"]);
        c.appeared_in = Some(Appearance { published_at: Some("2025-01-27".into()), ..Default::default() });
        c.language = Some("zh-Hant-TW".into());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn patch_changes_only_what_it_names() {
        let current = input("Original").validate().unwrap();
        let patch: ClaimPatch = serde_json::from_str(r#"{"claimant": "DeepSeek", "tags": ["cost"]}"#).unwrap();
        let next = patch.apply(&current).unwrap();
        assert_eq!(next.text, "Original");
        assert_eq!(next.claimant.as_deref(), Some("DeepSeek"));
        let clear: ClaimPatch = serde_json::from_str(r#"{"claimant": null}"#).unwrap();
        assert_eq!(clear.apply(&next).unwrap().claimant, None);
    }
}
