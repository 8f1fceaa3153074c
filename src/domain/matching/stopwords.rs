//! Words that say nothing about which claim a text repeats: function words of each language (English
//! with its contractions), and the filler of social media posts ("rt", "via", "amp" of an escaped `&`).

const ENGLISH: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "amp",
    "an",
    "and",
    "any",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don",
    "don't",
    "down",
    "during",
    "each",
    "else",
    "few",
    "for",
    "from",
    "further",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "let's",
    "me",
    "more",
    "most",
    "mustn't",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "rt",
    "s",
    "same",
    "shan't",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "via",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "will",
    "with",
    "won't",
    "would",
    "wouldn't",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

const SPANISH: &[&str] = &[
    "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "al", "y", "o", "que", "en", "es", "son",
    "por", "para", "con", "sin", "se", "su", "sus", "lo", "le", "les", "como", "más", "pero", "ha", "han", "fue",
    "ser",
];
const FRENCH: &[&str] = &[
    "le", "la", "les", "un", "une", "des", "de", "du", "et", "ou", "que", "qui", "en", "est", "sont", "par", "pour",
    "avec", "sans", "se", "sa", "son", "ses", "au", "aux", "ce", "cette", "plus", "mais", "il", "elle", "a", "été",
];
const GERMAN: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "und", "oder", "dass", "in", "ist", "sind",
    "von", "für", "mit", "ohne", "sich", "sein", "seine", "zu", "zum", "zur", "auf", "als", "aber", "hat", "wurde",
];

/// The language a text is most likely in, told by its function words (`words` lower-case): Spanish,
/// French or German when at least two of them belong to that language and more than to any other
/// list; else `None`, read as English. Short texts with no such words stay English.
pub fn guess_language<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut counts = [0usize; 4];
    for word in words {
        counts[0] += usize::from(ENGLISH.binary_search(&word).is_ok());
        counts[1] += usize::from(SPANISH.contains(&word));
        counts[2] += usize::from(FRENCH.contains(&word));
        counts[3] += usize::from(GERMAN.contains(&word));
    }
    let (best, &most) = counts.iter().enumerate().skip(1).max_by_key(|&(_, c)| c)?;
    let unique = counts.iter().enumerate().all(|(i, &c)| i == best || c < most);
    (most >= 2 && unique).then(|| ["en", "es", "fr", "de"][best])
}

/// The word (lower-case) is a stop word of the language whose code (`text::language_code`) is `code`;
/// the languages without a list of their own take the English one.
pub fn is_stop(word: &str, code: &str) -> bool {
    match code {
        "es" => SPANISH.contains(&word),
        "fr" => FRENCH.contains(&word),
        "de" => GERMAN.contains(&word),
        _ => ENGLISH.binary_search(&word).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_english_list_is_sorted_for_binary_search() {
        assert!(super::ENGLISH.windows(2).all(|w| w[0] < w[1]));
        assert!(super::is_stop("the", "en") && super::is_stop("don't", "en") && !super::is_stop("us", "en"));
    }

    #[test]
    fn a_text_s_language_is_told_by_its_function_words() {
        let guess = |text: &str| super::guess_language(text.split(' '));
        assert_eq!(guess("el gobierno de españa aprobó la ley sobre los chips"), Some("es"));
        assert_eq!(guess("le gouvernement a dit que la puce est la plus rapide"), Some("fr"));
        assert_eq!(guess("die regierung hat gesagt dass der chip und die software neu sind"), Some("de"));
        assert_eq!(guess("deepseek says it spent only 5.6 million on the model"), None);
        // Too few function words to tell: English, as before.
        assert_eq!(guess("deepseek r1 de"), None);
    }

    #[test]
    fn a_claim_without_a_language_is_stemmed_in_the_one_it_is_written_in() {
        use super::super::text::analyze;
        let terms = |text: &str, language| analyze(text, language).terms;
        // Spanish inflections meet at the Spanish stem whether or not the language is given.
        let given = terms("las exportaciones de chips cayeron en china", Some("es"));
        assert_eq!(terms("las exportaciones de chips cayeron en china", None), given);
        assert!(terms("la exportación de los chips cayó", None).iter().any(|t| given.contains(t)));
        assert!(!given.iter().any(|t| t == "las" || t == "de"), "Spanish stop words are dropped: {given:?}");
    }
}
