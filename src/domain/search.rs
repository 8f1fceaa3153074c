//! A search as typed, read twice: as words, the way the full-text index (FTS5) knows them, and as
//! terms, the way the matching index knows them (`matching::text::analyze`: stemmed, stop words
//! dropped, numbers given one spelling). Claims are searched by terms; the words are for a search the
//! matching index cannot answer (see `service::search`).

use unicode_normalization::UnicodeNormalization;

use super::matching::text;

/// Words, and terms, a search takes at most.
pub const MAX_WORDS: usize = 32;

/// The words of a text as the full-text index sees them: lower-case runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The words of a search, as `q` gives them: compatibility forms folded, at most `MAX_WORDS`.
pub fn query_words(q: &str) -> Vec<String> {
    words(&q.nfkc().collect::<String>()).take(MAX_WORDS).collect()
}

/// A search: every word (or term) is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// As the full-text index reads them.
    pub words: Vec<String>,
    /// As the matching index reads them (in English): none when every word is a stop word.
    pub terms: Vec<String>,
    /// As typed.
    text: String,
}

impl Query {
    pub fn parse(q: &str) -> Query {
        let mut terms = text::analyze(q, None).terms;
        terms.truncate(MAX_WORDS);
        Query { words: query_words(q), terms, text: q.to_owned() }
    }

    /// The search with each word that no claim holds read as two words that claims do, as a lookup
    /// reads it (`Analysis::split_unknown`): "cornflakes" searches "corn flakes". `df` says how many
    /// claims hold a term. `None` when no word splits.
    pub fn split_unknown(&self, df: impl Fn(&str) -> u32) -> Option<Query> {
        let mut terms = text::analyze(&self.text, None).split_unknown(df)?.terms;
        terms.truncate(MAX_WORDS);
        Some(Query { terms, ..self.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_read_as_words_and_as_terms() {
        let q = Query::parse("The DeepSeek models' $5.6 million «cost»");
        assert_eq!(q.words, ["the", "deepseek", "models", "5", "6", "million", "cost"]);
        assert_eq!(q.terms, ["deepseek", "model", "#5600000", "cost"]);
        assert!(Query::parse("it is what it is").terms.is_empty());
        assert_eq!(query_words(&"word ".repeat(100)).len(), MAX_WORDS);
    }

    #[test]
    fn a_word_no_claim_holds_is_searched_as_the_two_that_claims_do() {
        let known = |t: &str| u32::from(["corn", "flake", "sanatorium"].contains(&t));
        let q = Query::parse("cornflakes sanatorium");
        let split = q.split_unknown(known).unwrap();
        assert_eq!(split.terms, ["corn", "flake", "sanatorium"]);
        assert_eq!(split.words, q.words, "the words as typed stay for the full-text index");
        assert_eq!(Query::parse("corn flakes").split_unknown(known), None);
    }
}
