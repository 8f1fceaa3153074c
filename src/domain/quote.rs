//! Does a page say what the fact-check quotes? Both sides are compared after the differences that
//! copying a quote introduces are taken out: HTML entities, Unicode compatibility forms (NFKC), case,
//! runs of whitespace, typographic quotes and dashes, soft hyphens and zero-width characters. Quote
//! marks and punctuation around the excerpt are dropped, and an ellipsis (`...`, `…`, `[...]`) stands
//! for omitted words: the parts must appear in order.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Characters of page text shown on each side of a found quote.
const CONTEXT_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteMatch {
    pub found: bool,
    /// The quote with the text around it, as the page has it; only when found.
    pub context: Option<String>,
}

/// Looks for `excerpt` in `text`; `None` when the excerpt has nothing to look for.
pub fn find(excerpt: &str, text: &str) -> Option<QuoteMatch> {
    let parts = parts(excerpt);
    if parts.is_empty() {
        return None;
    }
    let text = html_escape::decode_html_entities(text);
    let haystack = Folded::new(&text);
    let mut from = 0;
    let mut span: Option<(usize, usize)> = None;
    for part in &parts {
        let Some(at) = haystack.folded[from..].find(part.as_str()) else {
            return Some(QuoteMatch { found: false, context: None });
        };
        let (start, end) = (from + at, from + at + part.len());
        span = Some((span.map_or(start, |(s, _)| s), end));
        from = end;
    }
    let (start, end) = span?;
    let context = context(&text, haystack.original(start), haystack.original_end(end));
    Some(QuoteMatch { found: true, context: Some(context) })
}

/// The excerpt's parts between ellipses, folded, without surrounding punctuation.
fn parts(excerpt: &str) -> Vec<String> {
    let excerpt =
        html_escape::decode_html_entities(excerpt).replace("[...]", "…").replace("[…]", "…").replace("...", "…");
    excerpt
        .split('…')
        .map(|part| Folded::new(part).folded.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|part| !part.is_empty())
        .collect()
}

/// Text folded for comparison, remembering where each folded character came from.
struct Folded {
    folded: String,
    /// (byte offset in `folded`, byte offset of the source character in the original), ascending.
    origin: Vec<(usize, usize)>,
    original_len: usize,
}

impl Folded {
    fn new(original: &str) -> Folded {
        let mut folded = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        for (at, c) in original.char_indices() {
            for d in std::iter::once(c).nfkc() {
                let Some(d) = fold(d) else { continue };
                if d == ' ' && (folded.is_empty() || folded.ends_with(' ')) {
                    continue;
                }
                for lower in d.to_lowercase() {
                    origin.push((folded.len(), at));
                    folded.push(lower);
                }
            }
        }
        Folded { folded, origin, original_len: original.len() }
    }

    /// Where the folded byte `at` came from in the original.
    fn original(&self, at: usize) -> usize {
        match self.origin.binary_search_by_key(&at, |(folded, _)| *folded) {
            Ok(i) => self.origin[i].1,
            Err(i) => self.origin.get(i).map_or(self.original_len, |(_, original)| *original),
        }
    }

    /// Where the original text ends for a folded span ending (exclusively) at `end`.
    fn original_end(&self, end: usize) -> usize {
        let i = self.origin.partition_point(|(folded, _)| *folded < end);
        self.origin.get(i).map_or(self.original_len, |(_, original)| *original)
    }
}

/// One character as compared, or `None` for characters that do not count.
fn fold(c: char) -> Option<char> {
    Some(match c {
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        c if c.is_whitespace() => ' ',
        c => c,
    })
}

fn context(text: &str, start: usize, end: usize) -> String {
    let before: String = {
        let mut chars: Vec<char> = text[..start].chars().rev().take(CONTEXT_CHARS).collect();
        chars.reverse();
        chars.into_iter().collect()
    };
    let after: String = text[end..].chars().take(CONTEXT_CHARS).collect();
    let lead = if before.len() < start { "…" } else { "" };
    let tail = if end + after.len() < text.len() { "…" } else { "" };
    let joined = format!("{lead}{before}{}{after}{tail}", &text[start..end]);
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(excerpt: &str, text: &str) -> bool {
        find(excerpt, text).is_some_and(|m| m.found)
    }

    #[test]
    fn finds_the_quote_despite_copying_differences() {
        let page = "DeepSeek said the final run cost \u{201C}$5.6\u{00A0}million\u{201D} \u{2014} excluding research.";
        assert!(found("the final run cost \"$5.6 million\" - excluding research", page));
        assert!(found("\"THE FINAL RUN   COST\"", page));
        assert!(found("cost &ldquo;$5.6 million&rdquo; &mdash; excluding", page));
        assert!(found("DeepSeek said the final run cost “$5.6 million”.", page));
    }

    #[test]
    fn entities_on_the_page_side_and_invisible_characters_do_not_matter() {
        assert!(found("AT&T said it's fine", "AT&amp;T said it&#8217;s fine"));
        assert!(found("unprecedented", "unpre\u{00AD}ce\u{200B}dented"));
        assert!(found("ﬁne", "fine"));
    }

    #[test]
    fn an_ellipsis_stands_for_omitted_words_in_order() {
        let page = "The model was trained on 2,048 H800 GPUs over about two months at a cost of $5.6 million.";
        assert!(found("trained on 2,048 H800 GPUs ... a cost of $5.6 million", page));
        assert!(found("trained on 2,048 H800 GPUs […] $5.6 million", page));
        assert!(!found("a cost of $5.6 million … trained on 2,048 H800 GPUs", page));
    }

    #[test]
    fn a_quote_that_is_not_there_is_not_found() {
        let m = find("cost $6 million", "the run cost $5.6 million").unwrap();
        assert_eq!(m, QuoteMatch { found: false, context: None });
        assert_eq!(find(" ... ", "anything"), None);
    }

    #[test]
    fn the_context_shows_the_quote_as_the_page_has_it() {
        let page = format!("{} Nvidia lost “$589 billion” in a day. {}", "x ".repeat(100), "y ".repeat(100));
        let context = find("nvidia lost \"$589 billion\"", &page).unwrap().context.unwrap();
        assert!(context.contains("Nvidia lost “$589 billion”"), "{context}");
        assert!(context.starts_with('…') && context.ends_with('…'));
        assert!(context.chars().count() < 2 * CONTEXT_CHARS + 40);
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in ["", "İ", "ß", "ǅ", "\u{0130}\u{0307}", "ﬃ x", "a\u{0301}"] {
            for excerpt in ["i", "ss", "x", "a", "İ"] {
                let _ = find(excerpt, text);
            }
        }
    }
}
