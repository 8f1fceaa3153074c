//! What an evidence item is and which inputs make a valid one.

use serde::{Deserialize, Serialize};

use super::claim::double_option;
use super::validation::{FieldError, Violations};

/// A site with no source registered is neither trusted nor distrusted.
pub const DEFAULT_RELIABILITY: f64 = 0.5;
/// An item whose confidence nobody weighed counts half: an item weighed with care (0.8 × 0.5, say)
/// must not be outweighed by one attached with no numbers at all.
pub const DEFAULT_CONFIDENCE: f64 = 0.5;
const _: () = assert!(DEFAULT_RELIABILITY * DEFAULT_CONFIDENCE < 0.8 * 0.5);

/// Where an item's reliability came from: given with the item, the Sources registry's figure for its
/// site, or the default for a site nobody registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilitySource {
    Given,
    Source,
    Default,
}

impl ReliabilitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReliabilitySource::Given => "given",
            ReliabilitySource::Source => "source",
            ReliabilitySource::Default => "default",
        }
    }

    pub fn parse(s: &str) -> Option<ReliabilitySource> {
        [ReliabilitySource::Given, ReliabilitySource::Source, ReliabilitySource::Default]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// An item's reliability: the one given, else the one registered for its site, else the default.
pub fn reliability_of(given: Option<f64>, registered: Option<f64>) -> (f64, ReliabilitySource) {
    match (given, registered) {
        (Some(r), _) => (r, ReliabilitySource::Given),
        (None, Some(r)) => (r, ReliabilitySource::Source),
        (None, None) => (DEFAULT_RELIABILITY, ReliabilitySource::Default),
    }
}

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

/// A validated evidence item, ready to store once its reliability is settled (`reliability_of`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    pub url: String,
    pub site: String,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    /// As given; `None` takes the Sources registry's figure for the site, else the default.
    pub reliability: Option<f64>,
    pub confidence: f64,
    pub confidence_given: bool,
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
            reliability: self.reliability.map(|r| v.unit_interval("reliability", Some(r), DEFAULT_RELIABILITY)),
            confidence: v.unit_interval("confidence", self.confidence, DEFAULT_CONFIDENCE),
            confidence_given: self.confidence.is_some(),
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
    pub reliability_source: ReliabilitySource,
    pub confidence: f64,
    pub confidence_given: bool,
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
            reliability_source: current.reliability_source,
            confidence: current.confidence,
            confidence_given: current.confidence_given,
        };
        // A number set here is the editor's own, whatever it was before.
        next.reliability = v.unit_interval("reliability", self.reliability, current.reliability);
        next.confidence = v.unit_interval("confidence", self.confidence, current.confidence);
        if self.reliability.is_some() {
            next.reliability_source = ReliabilitySource::Given;
        }
        next.confidence_given |= self.confidence.is_some();
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
        assert_eq!((e.reliability, e.confidence, e.confidence_given), (None, DEFAULT_CONFIDENCE, false));
    }

    #[test]
    fn reliability_is_given_else_registered_else_the_default() {
        assert_eq!(reliability_of(Some(0.2), Some(0.9)), (0.2, ReliabilitySource::Given));
        assert_eq!(reliability_of(None, Some(0.9)), (0.9, ReliabilitySource::Source));
        assert_eq!(reliability_of(None, None), (DEFAULT_RELIABILITY, ReliabilitySource::Default));
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
            reliability_source: ReliabilitySource::Default,
            confidence: 0.4,
            confidence_given: false,
            note: None,
        };
        let patch: EvidencePatch = serde_json::from_str(r#"{"title": null, "reliability": 0.9}"#).unwrap();
        let next = patch.apply(&current).unwrap();
        assert_eq!(next.title, None);
        assert_eq!(next.publisher.as_deref(), Some("p"));
        assert_eq!((next.reliability, next.confidence), (0.9, 0.4));
        assert_eq!((next.reliability_source, next.confidence_given), (ReliabilitySource::Given, false));
        let moved: EvidencePatch = serde_json::from_str(r#"{"url": "https://b.org"}"#).unwrap();
        assert_eq!(moved.apply(&current).unwrap_err()[0].rule, "immutable");
    }
}
