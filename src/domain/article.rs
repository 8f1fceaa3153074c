//! What an article or transcript taken in is, and which inputs make a valid one.

use serde::Deserialize;

use super::intake;
use super::validation::{FieldError, Violations};

/// The longest text taken in, in bytes: about a 150,000-word transcript.
pub const MAX_TEXT_BYTES: usize = 1_000_000;
/// Sentences given one by one, at most.
pub const MAX_SENTENCES: usize = 20_000;

/// One sentence of a transcript given sentence by sentence.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpokenSentence {
    pub speaker: Option<String>,
    pub text: String,
}

/// An article or transcript to find claims in: exactly one of `text` (plain, or `SPEAKER: text`
/// lines), `html` or `sentences`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub text: Option<String>,
    pub html: Option<String>,
    pub sentences: Option<Vec<SpokenSentence>>,
    pub title: Option<String>,
    /// Where the article is published (not fetched).
    pub url: Option<String>,
    /// An RFC 3339 timestamp or a plain `YYYY-MM-DD` date.
    pub published_at: Option<String>,
    /// A BCP 47 tag; scores are meaningful for English only.
    pub language: Option<String>,
}

/// How the text came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Transcript,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Transcript => "transcript",
        }
    }
}

/// An article's metadata and passages (with their speakers), validated; HTML already made text.
#[derive(Debug, Clone)]
pub struct ArticleContent {
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub language: Option<String>,
    pub format: Format,
    pub text: String,
    pub passages: Vec<(Option<String>, String)>,
}

/// Why an input cannot be taken in at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    Invalid(Vec<FieldError>),
    /// Larger than the stated limit, in bytes.
    TooLarge(usize),
}

impl ArticleInput {
    /// Validates the input; `html_text` turns HTML into its readable text (the fetcher's extractor).
    pub fn validate(&self, html_text: impl Fn(&str) -> String) -> Result<ArticleContent, Refused> {
        let size = self.text.as_ref().map_or(0, String::len)
            + self.html.as_ref().map_or(0, String::len)
            + self.sentences.iter().flatten().map(|s| s.text.len()).sum::<usize>();
        if size > MAX_TEXT_BYTES || self.sentences.as_ref().is_some_and(|s| s.len() > MAX_SENTENCES) {
            return Err(Refused::TooLarge(MAX_TEXT_BYTES));
        }
        let mut v = Violations::default();
        let given = [self.text.is_some(), self.html.is_some(), self.sentences.is_some()].iter().filter(|g| **g).count();
        if given != 1 {
            v.add("text", "one-of", "give exactly one of text, html or sentences");
        }
        let (format, text, passages) = if let Some(html) = &self.html {
            let text = html_text(html);
            (Format::Html, text.clone(), vec![(None, text)])
        } else if let Some(sentences) = &self.sentences {
            let passages: Vec<(Option<String>, String)> = sentences
                .iter()
                .map(|s| {
                    (s.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from), s.text.clone())
                })
                .collect();
            let text = passages
                .iter()
                .map(|(who, said)| who.as_ref().map_or(said.clone(), |w| format!("{w}: {said}")))
                .collect::<Vec<_>>()
                .join("\n");
            (Format::Transcript, text, passages)
        } else {
            let text = self.text.clone().unwrap_or_default();
            match intake::transcript(&text) {
                Some(passages) => (Format::Transcript, text, passages),
                None => (Format::Text, text.clone(), vec![(None, text)]),
            }
        };
        if given == 1 && text.trim().is_empty() {
            v.add(format_field(format, self), "not-empty", "the article has no text");
        } else if binary(&text) {
            v.add(format_field(format, self), "text", "the text holds control characters: binary data, not text");
        }
        let content = ArticleContent {
            title: v.optional_text("title", self.title.as_deref(), 500),
            url: self.url.as_deref().and_then(|u| v.url("url", u)).map(String::from),
            published_at: self
                .published_at
                .as_deref()
                .and_then(|p| super::claim::published_at_field(&mut v, "published_at", p)),
            language: super::claim::language_tag(&mut v, self.language.as_deref()),
            format,
            text,
            passages,
        };
        v.into_result(content).map_err(Refused::Invalid)
    }
}

fn format_field(format: Format, input: &ArticleInput) -> &'static str {
    match format {
        Format::Html => "html",
        Format::Transcript if input.sentences.is_some() => "sentences",
        _ => "text",
    }
}

/// Text with NUL or other control characters (but tabs and line breaks) is a binary body sent as text.
fn binary(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// What the desk may change when it accepts a candidate.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The claim's text; the sentence when absent.
    pub text: Option<String>,
    /// Who made it; the sentence's claimant or speaker when absent.
    pub claimant: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> ArticleInput {
        ArticleInput { text: Some(text.into()), ..ArticleInput::default() }
    }

    #[test]
    fn one_body_is_given_and_it_has_text() {
        let strip = |h: &str| h.replace("<p>", "").replace("</p>", "\n");
        assert_eq!(plain("R1 cost $5.6 million.").validate(strip).unwrap().format, Format::Text);
        let none = ArticleInput::default().validate(strip).unwrap_err();
        assert!(matches!(none, Refused::Invalid(e) if e[0].rule == "one-of"));
        let blank = plain("  \n ").validate(strip).unwrap_err();
        assert!(matches!(blank, Refused::Invalid(e) if e[0].rule == "not-empty"));
        let binary = plain("PK\u{3}\u{4}\u{0}\u{0}").validate(strip).unwrap_err();
        assert!(matches!(binary, Refused::Invalid(e) if e[0].field == "text"));
        let html = ArticleInput { html: Some("<p>One.</p><p>Two.</p>".into()), ..ArticleInput::default() };
        assert_eq!(html.validate(strip).unwrap().text, "One.\nTwo.\n");
    }

    #[test]
    fn size_is_bounded() {
        let big = plain(&"a".repeat(MAX_TEXT_BYTES + 1)).validate(|h| h.to_string()).unwrap_err();
        assert_eq!(big, Refused::TooLarge(MAX_TEXT_BYTES));
    }

    #[test]
    fn transcripts_come_as_lines_or_sentences() {
        let lines = plain("HOLT: Welcome.\nTRUMP: We lost jobs.").validate(|h| h.to_string()).unwrap();
        assert_eq!(lines.format, Format::Transcript);
        let given = ArticleInput {
            sentences: Some(vec![SpokenSentence { speaker: Some("CLINTON".into()), text: "I did.".into() }]),
            ..ArticleInput::default()
        };
        let content = given.validate(|h| h.to_string()).unwrap();
        assert_eq!(content.passages, [(Some("CLINTON".to_string()), "I did.".to_string())]);
        assert_eq!(content.text, "CLINTON: I did.");
    }
}
