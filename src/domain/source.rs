//! The Sources registry's rules: which site a source is, and what makes a valid one. The desk gives each
//! site a reliability once; evidence from the site attached without one takes it.

use serde::{Deserialize, Serialize};

use super::evidence::site_of;
use super::validation::{FieldError, Violations};

pub const PUBLISHER_MAX: usize = 200;
pub const NOTE_MAX: usize = 2000;
/// The longest host name DNS allows.
const SITE_MAX: usize = 253;

/// A source to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    /// The site: a host name (`reuters.com`; case and a leading `www.` do not matter) or a URL on it.
    pub site: String,
    /// Who publishes it, as readers know them.
    pub publisher: String,
    /// How far the desk trusts what the site publishes, 0 to 1: evidence from it attached without a
    /// reliability takes this one.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub reliability: f64,
    /// Why the desk gives it this reliability.
    pub note: String,
}

/// A change to a source: absent fields stay. The site cannot change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcePatch {
    /// Present only to explain why it cannot change: another site is another source.
    #[serde(default)]
    pub site: Option<serde_json::Value>,
    pub publisher: Option<String>,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub reliability: Option<f64>,
    pub note: Option<String>,
}

/// The editable part of a source, as its history records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFields {
    pub publisher: String,
    pub reliability: f64,
    pub note: String,
}

/// A validated source, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSource {
    pub site: String,
    pub fields: SourceFields,
}

impl SourceInput {
    pub fn validate(&self) -> Result<NewSource, Vec<FieldError>> {
        let mut v = Violations::default();
        let site = site(&mut v, "site", &self.site);
        let fields = SourceFields {
            publisher: v.name("publisher", &self.publisher, PUBLISHER_MAX).unwrap_or_default(),
            reliability: v.unit_interval("reliability", Some(self.reliability), 0.0),
            note: v.text("note", &self.note, NOTE_MAX).unwrap_or_default(),
        };
        v.into_result(NewSource { site: site.unwrap_or_default(), fields })
    }
}

impl SourcePatch {
    /// The fields after the change, or every broken rule.
    pub fn apply(&self, current: &SourceFields) -> Result<SourceFields, Vec<FieldError>> {
        let mut v = Violations::default();
        if self.site.is_some() {
            v.add("site", "immutable", "site cannot change: register the other site as a source of its own");
        }
        let publisher = match &self.publisher {
            None => Some(current.publisher.clone()),
            Some(p) => v.name("publisher", p, PUBLISHER_MAX),
        };
        let note = match &self.note {
            None => Some(current.note.clone()),
            Some(n) => v.text("note", n, NOTE_MAX),
        };
        let reliability = v.unit_interval("reliability", self.reliability, current.reliability);
        v.into_result(SourceFields {
            publisher: publisher.unwrap_or_default(),
            reliability,
            note: note.unwrap_or_default(),
        })
    }
}

/// The site named by a host name or a URL, normalized as evidence's `site` is (`site_of`), so that
/// the registry and the evidence meet on the same string.
pub fn site(v: &mut Violations, field: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        v.add(field, "not-empty", format!("{field} must not be empty"));
        return None;
    }
    let refuse = |v: &mut Violations| {
        v.add(field, "host", format!("{field} must be a host name such as reuters.com, or an http(s) URL on it"));
        None
    };
    // The URL parser drops tabs and newlines; a name holding them is not a host name.
    if value.len() > 2048 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return refuse(v);
    }
    let candidate = if value.contains("://") { value.to_owned() } else { format!("http://{value}") };
    let site = match url::Url::parse(&candidate) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => site_of(&u),
        _ => return refuse(v),
    };
    if site.is_empty() || site.starts_with('.') {
        return refuse(v);
    }
    if site.len() > SITE_MAX {
        v.add(field, "max-length", format!("{field} must be a host name of at most {SITE_MAX} characters"));
        return None;
    }
    Some(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_of_text(text: &str) -> Result<String, Vec<FieldError>> {
        let mut v = Violations::default();
        let found = site(&mut v, "site", text);
        v.into_result(found.unwrap_or_default())
    }

    #[test]
    fn a_site_is_normalized_as_evidence_sites_are() {
        for given in ["reuters.com", "WWW.Reuters.com", " www.reuters.com ", "https://www.reuters.com/world/x?y=1"] {
            assert_eq!(site_of_text(given).unwrap(), "reuters.com", "{given}");
        }
        let url = url::Url::parse("https://www.Reuters.com:8443/a").unwrap();
        assert_eq!(site_of_text("www.Reuters.com:8443").unwrap(), site_of(&url));
    }

    #[test]
    fn a_site_that_is_no_host_is_refused_with_its_rule() {
        for (given, rule) in [
            ("", "not-empty"),
            ("   ", "not-empty"),
            ("reu ters.com", "host"),
            ("reu\nters.com", "host"),
            ("ftp://reuters.com", "host"),
            ("www.", "host"),
            ("http://", "host"),
        ] {
            let errors = site_of_text(given).unwrap_err();
            assert_eq!((errors[0].field.as_str(), errors[0].rule), ("site", rule), "{given:?}");
        }
        let long = format!("{}.com", "a".repeat(300));
        assert_eq!(site_of_text(&long).unwrap_err()[0].rule, "max-length");
    }

    #[test]
    fn every_rule_of_a_source_is_named() {
        let input =
            SourceInput { site: "x.org".into(), publisher: " ".into(), reliability: 1.5, note: "n".repeat(2001) };
        let errors = input.validate().unwrap_err();
        let named: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(named, [("publisher", "not-empty"), ("reliability", "range"), ("note", "max-length")]);
    }

    #[test]
    fn a_patch_keeps_absent_fields_and_the_site() {
        let current = SourceFields { publisher: "Reuters".into(), reliability: 0.9, note: "wire".into() };
        let patch: SourcePatch = serde_json::from_str(r#"{"reliability": 0.8}"#).unwrap();
        assert_eq!(patch.apply(&current).unwrap(), SourceFields { reliability: 0.8, ..current.clone() });
        let moved: SourcePatch = serde_json::from_str(r#"{"site": "b.org"}"#).unwrap();
        assert_eq!(moved.apply(&current).unwrap_err()[0].rule, "immutable");
    }
}
