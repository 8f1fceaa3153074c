//! What an evidence item is and which inputs make a valid one.

use serde::{Deserialize, Serialize};

use super::claim::double_option;
use super::validation::{FieldError, Violations};

/// Unknown sources are neither trusted nor distrusted.
pub const DEFAULT_RELIABILITY: f64 = 0.5;
/// An item attached with a stance is taken to mean it, unless the checker says otherwise.
pub const DEFAULT_CONFIDENCE: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Supports,
    Refutes,
    Context,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Refutes => "refutes",
            Stance::Context => "context",
        }
    }

    pub fn parse(s: &str) -> Option<Stance> {
        [Stance::Supports, Stance::Refutes, Stance::Context].into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    pub url: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub reliability: Option<f64>,
    pub confidence: Option<f64>,
    pub note: Option<String>,
}

/// A validated evidence item, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    pub url: String,
    pub site: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub reliability: f64,
    pub confidence: f64,
    pub note: Option<String>,
}

impl EvidenceInput {
    pub fn validate(&self) -> Result<NewEvidence, Vec<FieldError>> {
        let mut v = Violations::default();
        let url = v.url("url", &self.url);
        let evidence = NewEvidence {
            site: url.as_ref().map(site_of).unwrap_or_default(),
            url: url.map(String::from).unwrap_or_default(),
            title: v.optional_text("title", self.title.as_deref(), 500),
            publisher: v.optional_text("publisher", self.publisher.as_deref(), 200),
            excerpt: v.optional_text("excerpt", self.excerpt.as_deref(), 5000),
            stance: self.stance,
            reliability: v.unit_interval("reliability", self.reliability, DEFAULT_RELIABILITY),
            confidence: v.unit_interval("confidence", self.confidence, DEFAULT_CONFIDENCE),
            note: v.optional_text("note", self.note.as_deref(), 5000),
        };
        v.into_result(evidence)
    }
}

/// The site an item comes from, for counting items of one site as one source: the host without `www.`.
pub fn site_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
}

/// A change to an evidence item: absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidencePatch {
    /// Present only to explain why it cannot change: a different URL is a different item.
    #[serde(default)]
    pub url: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "double_option")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub publisher: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub excerpt: Option<Option<String>>,
    pub stance: Option<Stance>,
    pub reliability: Option<f64>,
    pub confidence: Option<f64>,
    #[serde(default, deserialize_with = "double_option")]
    pub note: Option<Option<String>>,
}

/// The editable part of an evidence item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceFields {
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub reliability: f64,
    pub confidence: f64,
    pub note: Option<String>,
}

impl EvidencePatch {
    /// The fields after the change, or every broken rule.
    pub fn apply(&self, current: &EvidenceFields) -> Result<EvidenceFields, Vec<FieldError>> {
        let mut v = Violations::default();
        if self.url.is_some() {
            v.add("url", "immutable", "url cannot change: retract this item and attach the new URL");
        }
        let mut text = |field: &str, new: &Option<Option<String>>, old: &Option<String>, max| match new {
            None => old.clone(),
            Some(value) => v.optional_text(field, value.as_deref(), max),
        };
        let mut next = EvidenceFields {
            title: text("title", &self.title, &current.title, 500),
            publisher: text("publisher", &self.publisher, &current.publisher, 200),
            excerpt: text("excerpt", &self.excerpt, &current.excerpt, 5000),
            note: text("note", &self.note, &current.note, 5000),
            stance: self.stance.unwrap_or(current.stance),
            reliability: current.reliability,
            confidence: current.confidence,
        };
        next.reliability = v.unit_interval("reliability", self.reliability, current.reliability);
        next.confidence = v.unit_interval("confidence", self.confidence, current.confidence);
        v.into_result(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str) -> EvidenceInput {
        EvidenceInput {
            url: url.into(),
            title: None,
            publisher: None,
            excerpt: None,
            stance: Stance::Supports,
            reliability: None,
            confidence: None,
            note: None,
        }
    }

    #[test]
    fn defaults_and_site() {
        let e = input("https://WWW.Reuters.com/a?b=1").validate().unwrap();
        assert_eq!(e.site, "reuters.com");
        assert_eq!((e.reliability, e.confidence), (DEFAULT_RELIABILITY, DEFAULT_CONFIDENCE));
    }

    #[test]
    fn rejects_bad_urls_and_out_of_range_numbers() {
        for bad in ["ftp://x.org/", "not a url", "mailto:a@b.org", "https://"] {
            let errors = input(bad).validate().unwrap_err();
            assert_eq!(errors[0].field, "url", "{bad}");
        }
        let mut e = input("https://a.org/");
        e.reliability = Some(1.5);
        e.confidence = Some(-0.1);
        let fields: Vec<_> = e.validate().unwrap_err().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["reliability", "confidence"]);
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_nulls() {
        let current = EvidenceFields {
            title: Some("t".into()),
            publisher: Some("p".into()),
            excerpt: None,
            stance: Stance::Refutes,
            reliability: 0.7,
            confidence: 0.4,
            note: None,
        };
        let patch: EvidencePatch = serde_json::from_str(r#"{"title": null, "reliability": 0.9}"#).unwrap();
        let next = patch.apply(&current).unwrap();
        assert_eq!(next.title, None);
        assert_eq!(next.publisher.as_deref(), Some("p"));
        assert_eq!((next.reliability, next.confidence), (0.9, 0.4));
        let moved: EvidencePatch = serde_json::from_str(r#"{"url": "https://b.org"}"#).unwrap();
        assert_eq!(moved.apply(&current).unwrap_err()[0].rule, "immutable");
    }
}
