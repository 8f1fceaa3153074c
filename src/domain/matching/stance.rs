//! What a text says of what it states, which its terms do not show: whether it denies it, and which
//! of its numbers it gives as a bound. "DeepSeek did not build R1 for $5.6 million" and "R1 cost far
//! more than $5.6 million" share every term of "DeepSeek developed its R1 for just $5.6 million" and
//! say something else. Stop words drop "not" and "more than", so they are read here, before they go.

use super::index::term_hash;

/// Words that deny what a sentence says, in the languages matching stems. French "ne ... pas" counts
/// once, by its "pas".
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nobody", "nothing", "neither", "nor", "none", "cannot", // en
    "nunca", "jamás", "tampoco", // es
    "pas", "jamais", // fr
    "nicht", "kein", "keine", "keinen", "keiner", "nie", // de
    "non", // it, fr
    "não", // pt
    "niet", "geen", "nooit", // nl
];

/// How many terms after a negation it denies: "did not develop its R1" denies developing R1, and
/// "no" in another sentence of a long tweet denies nothing the claim says.
const SCOPE: u8 = 3;

/// Words that turn the negation just before them into an affirmation: "not only", "no doubt".
const AFFIRMING: &[&str] = &["only", "just", "merely", "doubt", "wonder", "question"];

/// Words that make the number after them a bound: at least it (1) or at most it (-1). Approximations
/// ("about", "nearly") are not bounds: "about $5.6M" says the same as "$5.6M".
const AT_LEAST: &[&str] = &["more", "over", "above", "exceeding", "beyond", "least", "upwards"];
const AT_MOST: &[&str] = &["less", "fewer", "under", "below", "most"];

/// Words that may stand between a bound and its number ("more than", "upwards of").
const BETWEEN: &[&str] = &["than", "of"];

/// How a text qualifies what it states, read word by word beside its terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stance {
    /// The terms (by `term_hash`) a negation denies.
    denied: Vec<u64>,
    /// Every number (canonical, as `Analysis::numbers`) with its bound: 1 at least, -1 at most, 0 none.
    numbers: Vec<(String, i8)>,
    /// How many of the next terms the last negation denies.
    scope: u8,
    /// Whether the word just read is a negation (its own term, when it has one, denies nothing).
    negation: bool,
    /// The bound the words just read put on a number that follows.
    pending: i8,
}

impl Stance {
    /// Reads a word, lower-cased, before stop words are dropped.
    pub fn word(&mut self, lower: &str) {
        let after_negation = self.negation;
        self.negation = NEGATIONS.contains(&lower) || lower.ends_with("n't");
        if self.negation {
            self.scope = SCOPE;
        } else if after_negation && AFFIRMING.contains(&lower) {
            self.scope = 0;
        }
        if AT_LEAST.contains(&lower) {
            self.pending = 1;
        } else if AT_MOST.contains(&lower) {
            self.pending = -1;
        } else if !BETWEEN.contains(&lower) {
            self.pending = 0;
        }
    }

    /// Reads a number (canonical), before its term.
    pub fn number(&mut self, canonical: &str) {
        self.negation = false;
        self.numbers.push((canonical.to_owned(), std::mem::take(&mut self.pending)));
    }

    /// Reads the end of a clause.
    pub fn stop(&mut self) {
        (self.scope, self.negation, self.pending) = (0, false, 0);
    }

    /// Reads a term the text keeps (of the word or number just read).
    pub fn term(&mut self, term: &str) {
        if self.scope > 0 && !self.negation {
            self.scope -= 1;
            self.denied.push(term_hash(term));
        }
    }

    /// Appends another text's stance (a claim's fields read as one text).
    pub fn extend(&mut self, other: Stance) {
        self.denied.extend(other.denied);
        self.numbers.extend(other.numbers);
        self.stop();
    }

    /// The bound a number is given, the first time it is bounded; `None` when the text lacks it.
    fn bound(&self, number: &str) -> Option<i8> {
        let mut given = self.numbers.iter().filter(|(n, _)| n == number).map(|(_, b)| *b);
        let first = given.next()?;
        Some(given.fold(first, |b, next| if b == 0 { next } else { b }))
    }

    /// Whether two texts say something else of what they share, given each one's distinct terms
    /// (`term_hashes`): one denies something they both state and the other denies nothing of it, or a
    /// number both state is a bound in one and not in the other ("more than $5.6M" is not "$5.6M",
    /// nor "less than $5.6M"). Two denials of the same thing agree, whatever each one's reach.
    pub fn differs(&self, terms: &[u64], other: &Stance, other_terms: &[u64]) -> bool {
        let denies_shared = |a: &Stance, b_terms: &[u64]| a.denied.iter().any(|t| b_terms.binary_search(t).is_ok());
        denies_shared(self, other_terms) != denies_shared(other, terms)
            || self.numbers.iter().any(|(n, _)| other.bound(n).is_some_and(|b| self.bound(n) != Some(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::term_hashes;
    use super::super::text::analyze;

    fn differ(a: &str, b: &str) -> bool {
        let (a, b) = (analyze(a, None), analyze(b, None));
        a.stance.differs(&term_hashes(&a.terms), &b.stance, &term_hashes(&b.terms))
    }

    #[test]
    fn a_denial_or_a_bound_is_not_the_claim_it_repeats() {
        let claim = "DeepSeek developed its R1 reasoning model for just $5.6 million.";
        assert!(differ("DeepSeek did not develop R1 for $5.6 million", claim));
        assert!(differ("DeepSeek's R1 cost way more than $5.6M to build", claim));
        assert!(differ("R1 was trained for less than 5.6 million dollars", claim));
        assert!(differ("It is not true that DeepSeek developed R1 for $5.6M", claim));
        assert!(!differ("DeepSeek says it built R1 for only $5.6M", claim));
        assert!(!differ("DeepSeek built R1 for about $5.6 million, over a few months", claim));
        assert!(!differ("No kidding: DeepSeek developed R1 for just $5.6M. Nobody saw it coming", claim));
        assert!(differ("No, it isn't the case that DeepSeek built R1 for $5.6M", "DeepSeek built R1 for $5.6M"));
        assert!(!differ("Not only did DeepSeek develop R1 for $5.6M, it matched o1", claim));
        assert!(!differ("No doubt DeepSeek developed R1 for just $5.6 million", claim));
        assert!(!differ("DeepSeek has no outside investors", "DeepSeek has no external investors"));
        assert!(!differ("No, DeepSeek did not develop R1 for $5.6M", "DeepSeek did not develop its R1 for $5.6M"));
        assert!(differ("DeepSeek has external investors", "DeepSeek has no external investors"));
        assert!(differ("Over 500 people died", "500 people died"));
        assert!(!differ("More than 500 people died", "over 500 people died"));
        assert!(!differ("more than 20 claims, 500 people died", "500 people died"), "the bound is another number's");
        let quoted = r#"Graham said "attempted rape is not a crime" and that Kavanaugh "respected" his victim"#;
        assert!(!differ("Graham: Attempted rape not a crime. Kavanaugh respected his victim", quoted));
        assert!(differ("DeepSeek n'a pas dépensé 5,6 millions", "DeepSeek a dépensé 5,6 millions"));
    }
}
