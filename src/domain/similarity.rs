//! How alike two claims are in words: the same claim re-submitted in other words should score high,
//! another claim about the same subject low.
//!
//! Each text becomes a set of content words: normalized (see `normalize`), without function words and
//! single letters, a plural `s` taken off, currency and percent signs taken off numbers. The score is
//! the Dice coefficient of the two sets, `2·|A∩B| / (|A| + |B|)`, halved when both texts state numbers
//! and share none of them ("fell 1.9%" and "fell 1%" are different claims however alike the words).
//! Pairs scoring at least `THRESHOLD` are similar.

use std::collections::BTreeSet;

use super::normalize::normalize_text;

/// The least score at which two claims are reported as similar.
pub const THRESHOLD: f64 = 0.5;
/// What a pair whose numbers all differ keeps of its score.
pub const NUMBERS_DIFFER: f64 = 0.5;

const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "also", "an", "and", "are", "as", "at", "be", "been", "before", "but", "by", "can", "did",
    "do", "does", "during", "for", "from", "had", "has", "have", "he", "her", "his", "i", "in", "into", "is", "it",
    "its", "just", "more", "most", "no", "of", "on", "only", "or", "our", "over", "said", "says", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "under", "up", "very",
    "was", "we", "were", "what", "when", "which", "who", "will", "with", "would", "you",
];

/// Words that say little about what a claim is about ("the", "was", "by", ...).
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word)
}

/// The content words of a text, as compared.
pub fn terms(text: &str) -> BTreeSet<String> {
    normalize_text(text)
        .split(' ')
        .map(|t| t.trim_start_matches(['$', '€', '£', '¥', '₹', '₩', '₽']).trim_end_matches('%'))
        .filter(|t| t.chars().count() > 1 || t.chars().all(|c| c.is_ascii_digit()))
        .filter(|t| !t.is_empty() && !FUNCTION_WORDS.contains(t))
        .map(singular)
        .collect()
}

fn singular(word: &str) -> String {
    let plural = word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.starts_with(char::is_numeric);
    if plural { word[..word.len() - 1].to_owned() } else { word.to_owned() }
}

fn is_number(term: &str) -> bool {
    term.starts_with(|c: char| c.is_ascii_digit())
}

/// The similarity of two term sets, 0..=1.
pub fn score(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    let dice = 2.0 * shared as f64 / (a.len() + b.len()) as f64;
    let numbers = |s: &BTreeSet<String>| s.iter().filter(|t| is_number(t)).cloned().collect::<BTreeSet<_>>();
    let (na, nb) = (numbers(a), numbers(b));
    let factor = if !na.is_empty() && !nb.is_empty() && na.is_disjoint(&nb) { NUMBERS_DIFFER } else { 1.0 };
    (dice * factor * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &str, b: &str) -> f64 {
        score(&terms(a), &terms(b))
    }

    #[test]
    fn paraphrases_of_seed_claims_are_similar() {
        for (seed, paraphrase) in [
            (
                "DeepSeek developed its R1 reasoning model for just $5.6 million.",
                "DeepSeek built the R1 model for only $5.6 million",
            ),
            (
                "DeepSeek's R1 matches or surpasses OpenAI's o1 model on key benchmarks.",
                "R1 from DeepSeek matches OpenAI's o1 on important benchmarks",
            ),
            ("DeepSeek was founded in 2023 by Liang Wenfeng.", "Liang Wenfeng founded DeepSeek in 2023"),
            ("SoftBank Group Corp. fell by 5.4%.", "Shares of SoftBank Group fell 5.4 percent"),
        ] {
            let score = s(seed, paraphrase);
            assert!(score >= THRESHOLD, "{paraphrase:?} scores {score} against {seed:?}");
        }
    }

    #[test]
    fn other_claims_on_the_same_subject_are_not() {
        for (a, b) in [
            (
                "Nasdaq 100 futures fell 1.9% during Asian trading hours after R1's launch.",
                "S&P 500 futures fell 1% during Asian trading hours after R1's launch.",
            ),
            (
                "DeepSeek was founded in 2023 by Liang Wenfeng.",
                "DeepSeek is funded exclusively by Liang Wenfeng's hedge fund High-Flyer and has no external investors.",
            ),
            (
                "DeepSeek developed its R1 reasoning model for just $5.6 million.",
                "DeepSeek built R1 without access to U.S.-restricted high-end chips.",
            ),
            ("Chipmaker Advantest Corp. lost 8.6%.", "SoftBank Group Corp. fell by 5.4%."),
        ] {
            let score = s(a, b);
            assert!(score < THRESHOLD, "{a:?} and {b:?} score {score}");
        }
    }

    #[test]
    fn terms_drop_function_words_signs_and_plurals() {
        let t = terms("The $5.6 million costs of DeepSeek's models rose 3%");
        assert_eq!(t, ["3", "5.6", "cost", "deepseek", "million", "model", "rose"].map(String::from).into());
        assert_eq!(s("", "anything"), 0.0);
        assert_eq!(s("same words here", "Same words, here!"), 1.0);
    }
}
