//! The claims file format: TOML, one file per source. See `claims/README.md`.

use serde::Deserialize;

use crate::domain::claim::{Appearance, ClaimContent, ClaimInput};
use crate::domain::validation::FieldError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsFile {
    pub source: Source,
    #[serde(default)]
    pub claims: Vec<FileClaim>,
}

/// Where the claims of a file appeared.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Stable identifier of the source; with each claim's `key` it identifies an imported claim.
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileClaim {
    pub key: String,
    pub text: String,
    pub claimant: Option<String>,
    /// The sentence of the source that makes the claim.
    pub quote: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Overrides the source's language.
    pub language: Option<String>,
}

pub struct ParsedClaim {
    pub external_id: String,
    pub content: Result<ClaimContent, Vec<FieldError>>,
}

impl ClaimsFile {
    pub fn parse(text: &str) -> Result<ClaimsFile, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn claims(&self) -> impl Iterator<Item = ParsedClaim> + '_ {
        self.claims.iter().map(|c| {
            let input = ClaimInput {
                text: c.text.clone(),
                claimant: c.claimant.clone(),
                appeared_in: Some(Appearance {
                    url: self.source.url.clone(),
                    title: self.source.title.clone(),
                    published_at: self.source.published_at.clone(),
                    quote: c.quote.clone(),
                    ..Appearance::default()
                }),
                tags: c.tags.clone(),
                language: c.language.clone().or_else(|| self.source.language.clone()),
            };
            ParsedClaim { external_id: format!("{}/{}", self.source.id, c.key), content: input.validate() }
        })
    }
}
