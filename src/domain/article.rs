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
/// lines), `html` or `sentences`; or a `url` alone, whose page is fetched and read.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub text: Option<String>,
    pub html: Option<String>,
    pub sentences: Option<Vec<SpokenSentence>>,
    /// The page's title when the page is fetched: given, it overrides the page's.
    pub title: Option<String>,
    /// Where the article is published. Given alone (without `text`, `html` or `sentences`), the page
    /// is fetched through the address guard, archived, and its title, publisher, publication date
    /// and readable text are read from it.
    pub url: Option<String>,
    /// An RFC 3339 timestamp or a plain `YYYY-MM-DD` date; given, it overrides the fetched page's.
    pub published_at: Option<String>,
    /// Who publishes it; given, it overrides the fetched page's (`og:site_name`, JSON-LD
    /// `publisher`, else the host).
    pub publisher: Option<String>,
    /// A BCP 47 tag; scores are meaningful for English only.
    pub language: Option<String>,
}

/// What a fetched page says, to take an article in from: its readable text and what it states of
/// itself.
#[derive(Debug, Clone, Default)]
pub struct PageText {
    pub text: String,
    /// HTML, rather than plain text (which may be a `SPEAKER: text` transcript).
    pub html: bool,
    pub title: Option<String>,
    /// As the page states it; kept only when it reads as a date.
    pub published: Option<String>,
    pub publisher: Option<String>,
}

/// Longest title and publisher kept.
const MAX_TITLE: usize = 500;
const MAX_PUBLISHER: usize = 200;

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
    pub publisher: Option<String>,
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
            v.add("text", "one-of", "give exactly one of text, html or sentences, or a url alone to fetch the page");
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
        let content = self.described(&mut v, format, text, passages);
        v.into_result(content).map_err(Refused::Invalid)
    }

    /// The URL whose page is to be fetched: `url` given without `text`, `html` or `sentences`.
    pub fn to_fetch(&self) -> Option<&str> {
        let bodiless = self.text.is_none() && self.html.is_none() && self.sentences.is_none();
        self.url.as_deref().filter(|_| bodiless)
    }

    /// Checks what comes with a URL to fetch, before anything is fetched: the URL's form, the title,
    /// date, publisher and language.
    pub fn check_before_fetch(&self) -> Result<url::Url, Vec<FieldError>> {
        let mut v = Violations::default();
        let content = self.described(&mut v, Format::Text, String::new(), Vec::new());
        v.into_result(())?;
        content.url.and_then(|u| url::Url::parse(&u).ok()).ok_or_else(Vec::new)
    }

    /// The article a fetched page holds: its text, and its title, date and publisher where the input
    /// gives none. The page's faults are the `url`'s: the client named the page.
    pub fn validate_page(&self, page: PageText) -> Result<ArticleContent, Refused> {
        let mut v = Violations::default();
        let url = self.url.as_deref().unwrap_or_default();
        if page.text.len() > MAX_TEXT_BYTES {
            let message = format!(
                "the page at {url} holds more than {MAX_TEXT_BYTES} bytes of text: send the part to check as text"
            );
            v.add("url", "max-size", message);
        } else if page.text.trim().is_empty() {
            v.add("url", "not-empty", format!("the page at {url} has no readable text"));
        } else if binary(&page.text) {
            v.add("url", "text", format!("the page at {url} holds control characters: binary data, not text"));
        }
        let (format, passages) = match page.html {
            true => (Format::Html, vec![(None, page.text.clone())]),
            false => match intake::transcript(&page.text) {
                Some(passages) => (Format::Transcript, passages),
                None => (Format::Text, vec![(None, page.text.clone())]),
            },
        };
        let mut content = self.described(&mut v, format, page.text, passages);
        let shortened = |s: String, max: usize| -> String { s.chars().take(max).collect() };
        content.title = content.title.or(page.title.map(|t| shortened(t, MAX_TITLE)));
        content.published_at = content.published_at.or(page.published.as_deref().and_then(page_date));
        content.publisher = content.publisher.or(page.publisher.map(|p| shortened(p, MAX_PUBLISHER)));
        v.into_result(content).map_err(Refused::Invalid)
    }

    /// The article's description as given, checked, around its text.
    fn described(
        &self,
        v: &mut Violations,
        format: Format,
        text: String,
        passages: Vec<(Option<String>, String)>,
    ) -> ArticleContent {
        ArticleContent {
            title: v.optional_text("title", self.title.as_deref(), MAX_TITLE),
            url: self.url.as_deref().and_then(|u| v.url("url", u)).map(String::from),
            published_at: self
                .published_at
                .as_deref()
                .and_then(|p| super::claim::published_at_field(v, "published_at", p)),
            publisher: v.optional_text("publisher", self.publisher.as_deref(), MAX_PUBLISHER),
            language: super::claim::language_tag(v, self.language.as_deref()),
            format,
            text,
            passages,
        }
    }
}

/// A publication date as a page states it, in the form the API stores: a full timestamp, or the
/// day it begins with; anything else is not kept (it is the page's, not the client's, to get right).
fn page_date(stated: &str) -> Option<String> {
    let mut ignored = Violations::default();
    super::claim::published_at_field(&mut ignored, "published_at", stated)
        .or_else(|| super::claim::published_at_field(&mut ignored, "published_at", stated.get(..10)?))
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
    fn a_url_alone_is_fetched_and_the_page_fills_what_is_not_given() {
        let input = ArticleInput { url: Some("https://news.example.org/r1".into()), ..ArticleInput::default() };
        assert_eq!(input.to_fetch(), Some("https://news.example.org/r1"));
        assert!(input.check_before_fetch().is_ok());
        let page = PageText {
            text: "R1 cost $5.6 million.".into(),
            html: true,
            title: Some("What R1 cost".into()),
            published: Some("2025-01-27 08:00:00 UTC".into()),
            publisher: Some("Example News".into()),
        };
        let content = input.validate_page(page.clone()).unwrap();
        assert_eq!(content.format, Format::Html);
        assert_eq!(content.title.as_deref(), Some("What R1 cost"));
        assert_eq!(content.published_at.as_deref(), Some("2025-01-27"));
        assert_eq!(content.publisher.as_deref(), Some("Example News"));
        let given =
            ArticleInput { title: Some("Our title".into()), published_at: Some("2025-02-01".into()), ..input.clone() };
        let content = given.validate_page(page.clone()).unwrap();
        assert_eq!(
            (content.title.as_deref(), content.published_at.as_deref()),
            (Some("Our title"), Some("2025-02-01"))
        );
        let empty = input.validate_page(PageText { text: " \n".into(), ..page }).unwrap_err();
        assert!(matches!(empty, Refused::Invalid(e) if e[0].field == "url" && e[0].rule == "not-empty"));
        let with_text = ArticleInput { text: Some("x".into()), ..input };
        assert_eq!(with_text.to_fetch(), None, "with a body, the url only says where it is published");
        let bad = ArticleInput { url: Some("ftp://x.org/".into()), ..ArticleInput::default() };
        assert_eq!(bad.check_before_fetch().unwrap_err()[0].field, "url");
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
