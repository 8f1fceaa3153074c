//! Ranking search results. The search index finds the newest matching claims; this orders them by
//! BM25's term-frequency saturation and length normalization, so a claim that is about the words
//! comes before one that merely mentions them. Every candidate contains every word (searches are AND),
//! so inverse document frequency would weigh all candidates alike and is left out.

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The words of a text as the search index sees them: lower-case runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The words of a search, as `q` gives them: compatibility forms folded, at most 32.
pub fn query_words(q: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    words(&q.nfkc().collect::<String>()).take(32).collect()
}

/// Orders `(id, text)` candidates best first (ties: newest, that is highest id, first). The last query
/// word also matches as a prefix, as it does in the index.
pub fn rank(query: &[String], candidates: &[(i64, String)]) -> Vec<i64> {
    let docs: Vec<(i64, Vec<String>)> = candidates.iter().map(|(id, text)| (*id, words(text).collect())).collect();
    let average = docs.iter().map(|(_, w)| w.len()).sum::<usize>() as f64 / docs.len().max(1) as f64;
    let last = query.len().saturating_sub(1);
    let mut scored: Vec<(f64, i64)> = docs
        .iter()
        .map(|(id, doc)| {
            let norm = K1 * (1.0 - B + B * doc.len() as f64 / average.max(1.0));
            let score = query
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let prefix = i == last && q.chars().count() >= 3;
                    let tf = doc.iter().filter(|w| *w == q || (prefix && w.starts_with(q.as_str()))).count() as f64;
                    tf * (K1 + 1.0) / (tf + norm)
                })
                .sum();
            (score, *id)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn repeated_words_and_short_texts_rank_higher() {
        let candidates = vec![
            (1, "Nvidia fell, and Nvidia fell again: Nvidia".to_owned()),
            (2, "Nvidia fell during a long session in which many other things also happened to other firms".to_owned()),
            (3, "Nvidia fell".to_owned()),
        ];
        let ranked = rank(&q(&["nvidia", "fell"]), &candidates);
        assert_eq!(ranked[2], 2, "the long text that only mentions the words is last: {ranked:?}");
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_and_ties_go_to_the_newest() {
        let candidates = vec![(7, "Training costs".to_owned()), (9, "Training cost".to_owned())];
        assert_eq!(rank(&q(&["training", "cos"]), &candidates), [9, 7]);
        assert!(rank(&q(&["x"]), &[]).is_empty());
    }
}
