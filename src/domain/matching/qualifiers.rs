//! What a text says of what it states, which its terms do not show: whether it denies it, and which
//! of its numbers it gives as a bound. "DeepSeek did not develop R1 for $5.6 million" holds every term
//! of "DeepSeek developed its R1 for just $5.6 million" and says otherwise; so does "DeepSeek developed
//! R1 for more than $5.6 million". Stop words drop "not" and "more than", so they are read here,
//! before they go.

use super::features::{Kind, kind};
use super::index::term_hash;

/// Words that deny what a sentence says, by language (`text::language_code`). French "ne ... pas"
/// counts once, by its "pas"; English also by "n't" and its spellings without the apostrophe.
fn negations(language: &str) -> &'static [&'static str] {
    match language {
        "es" => &["no", "nunca", "jamás", "tampoco", "ni", "nadie", "nada"],
        "fr" => &["pas", "jamais", "non", "aucun", "aucune", "rien", "ni"],
        "de" => &["nicht", "kein", "keine", "keinen", "keiner", "keines", "keinem", "nie", "niemals", "nichts"],
        "it" => &["non", "mai", "nessuno", "niente", "nulla", "né"],
        "pt" => &["não", "nunca", "jamais", "nem", "nenhum", "nenhuma", "ninguém"],
        "nl" => &["niet", "geen", "nooit", "niets", "niemand"],
        "ru" => &["не", "нет", "никогда", "ни", "ничего", "никто"],
        _ => &[
            "not", "no", "never", "nobody", "nothing", "neither", "nor", "none", "cannot", "aint", "arent", "cant",
            "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent", "isnt", "shouldnt", "wasnt", "werent",
            "wont", "wouldnt",
        ],
    }
}

/// How many terms after a negation it denies: "did not develop its R1" denies developing. On the
/// CheckThat! 2020 train tweets, a reach of three terms took 47 right matches out of `same`, of which
/// 13 deny the claim; a reach of one took 20, of which 9 do: a negation further from a shared word is
/// more often rhetoric or an aside than a denial of the claim.
const SCOPE: u8 = 1;

/// English words that a negation reaches through to the statement after them: "it is not true that
/// DeepSeek developed R1" denies DeepSeek developing R1.
const TRUTH: &[&str] = &["true", "case", "correct", "accurate", "so"];

/// English words that turn the negation just before them into an affirmation: "not only", "no doubt",
/// "don't forget", "can't wait".
const AFFIRMING: &[&str] = &["only", "just", "merely", "doubt", "wonder", "question", "forget", "wait"];

/// English words that make the number after them a bound: at least it (1) or at most it (-1).
/// Approximations ("about", "nearly") are not bounds: "about $5.6M" says the same as "$5.6M".
const AT_LEAST: &[&str] = &["more", "over", "above", "exceeding", "beyond", "least", "upwards"];
const AT_MOST: &[&str] = &["less", "fewer", "under", "below", "most"];

/// Words that may stand between a bound and its number ("more than", "upwards of").
const BETWEEN: &[&str] = &["than", "of"];

/// How a text qualifies what it states, read word by word beside its terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Qualifiers {
    /// The language's code (`text::language_code`); empty reads as English.
    language: &'static str,
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

impl Qualifiers {
    pub fn new(language: &'static str) -> Qualifiers {
        Qualifiers { language, ..Qualifiers::default() }
    }

    fn english(&self) -> bool {
        matches!(self.language, "" | "en")
    }

    /// Reads a word, lower-cased, before stop words are dropped.
    pub fn word(&mut self, lower: &str) {
        let after_negation = self.negation;
        let english = self.english();
        self.negation = negations(self.language).contains(&lower) || (english && lower.ends_with("n't"));
        if self.negation {
            self.scope = SCOPE;
        } else if after_negation && english && AFFIRMING.contains(&lower) {
            self.scope = 0;
        } else if self.scope > 0 && english && TRUTH.contains(&lower) {
            // Read as part of the negation: its own term denies nothing, and the reach goes on.
            self.negation = true;
        }
        self.pending = match lower {
            _ if !english => 0,
            w if AT_LEAST.contains(&w) => 1,
            w if AT_MOST.contains(&w) => -1,
            w if BETWEEN.contains(&w) => self.pending,
            _ => 0,
        };
    }

    /// Reads a number (canonical), before its term. A year is no bound: "over 2020" is a span.
    pub fn number(&mut self, canonical: &str) {
        self.negation = false;
        let bound = std::mem::take(&mut self.pending);
        let bound = if kind(canonical) == Kind::Year { 0 } else { bound };
        self.numbers.push((canonical.to_owned(), bound));
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

    /// Reads `term` as the two terms it was split into (`Analysis::split_unknown`): a denied word's
    /// halves are denied, since a claim may hold them where none held the word.
    pub fn split(&mut self, term: &str, halves: [&str; 2]) {
        if self.denied.contains(&term_hash(term)) {
            self.denied.extend(halves.map(term_hash));
        }
    }

    /// Whether the text denies anything at all, shared with another text or not.
    pub fn denies_anything(&self) -> bool {
        !self.denied.is_empty()
    }

    /// The bound a number is given, the first time it is bounded; `None` when the text lacks it.
    fn bound(&self, number: &str) -> Option<i8> {
        let mut given = self.numbers.iter().filter(|(n, _)| n == number).map(|(_, b)| *b);
        let first = given.next()?;
        Some(given.fold(first, |b, next| if b == 0 { next } else { b }))
    }

    /// Whether two texts say otherwise of what they share, given each one's distinct terms
    /// (`term_hashes`): one denies something they both state and the other denies nothing they both
    /// state, or a number both state is a bound in one and not in the other ("more than $5.6M" is not
    /// "$5.6M", nor "less than $5.6M"). Two texts that both deny something they share agree, whatever
    /// each denies: compared term by term, the train tweets gave 4 more right matches out of `same` and
    /// no more denials (word order moves a negation: "I really don't care" against "I don't really
    /// care"); "paid taxes but never met Putin" against "did not pay taxes and never met Putin" is
    /// missed for it.
    pub fn differs(&self, terms: &[u64], other: &Qualifiers, other_terms: &[u64]) -> bool {
        let denies_shared = |a: &Qualifiers, b_terms: &[u64]| a.denied.iter().any(|t| b_terms.binary_search(t).is_ok());
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
        a.qualifiers.differs(&term_hashes(&a.terms), &b.qualifiers, &term_hashes(&b.terms))
    }

    #[test]
    fn a_denial_or_a_bound_is_not_the_claim_it_repeats() {
        let claim = "DeepSeek developed its R1 reasoning model for just $5.6 million.";
        assert!(differ("DeepSeek did not develop R1 for $5.6 million", claim));
        assert!(differ("DeepSeek didnt develop R1 for $5.6 million", claim));
        assert!(differ("DeepSeek's R1 cost way more than $5.6M to build", claim));
        assert!(differ("R1 was trained for less than 5.6 million dollars", claim));
        assert!(differ("It is not true that DeepSeek developed R1 for $5.6M", claim));
        assert!(!differ("DeepSeek says it built R1 for only $5.6M", claim));
        assert!(!differ("DeepSeek built R1 for about $5.6 million, over a few months", claim));
        assert!(!differ("No kidding: DeepSeek developed R1 for just $5.6M. Nobody saw it coming", claim));
        assert!(!differ("Not only did DeepSeek develop R1 for $5.6M, it matched o1", claim));
        assert!(!differ("No doubt DeepSeek developed R1 for just $5.6 million", claim));
        assert!(!differ("Don't forget DeepSeek developed R1 for just $5.6 million", claim));
        assert!(differ("No, it isn't the case that DeepSeek built R1 for $5.6M", "DeepSeek built R1 for $5.6M"));
        assert!(!differ("DeepSeek has no outside investors", "DeepSeek has no external investors"));
        assert!(!differ("No, DeepSeek did not develop R1 for $5.6M", "DeepSeek did not develop its R1 for $5.6M"));
        assert!(differ("DeepSeek has external investors", "DeepSeek has no external investors"));
        assert!(differ("Over 500 people died", "500 people died"));
        assert!(!differ("More than 500 people died", "over 500 people died"));
        assert!(!differ("more than 20 claims, 500 people died", "500 people died"), "the bound is another number's");
        assert!(!differ("Over 2020, unemployment rose", "Unemployment rose in 2020"), "a year is no bound");
        let quoted = r#"Graham said "attempted rape is not a crime" and that Kavanaugh "respected" his victim"#;
        assert!(!differ("Graham: Attempted rape not a crime. Kavanaugh respected his victim", quoted));
    }

    #[test]
    fn a_negation_reaches_the_next_term_within_its_clause() {
        let claim = "Trump paid the wall with Mexican money";
        assert!(differ("Trump never paid the wall", claim));
        assert!(!differ("Nobody expected, at all, anything. Trump paid the wall with Mexican money", claim));
        assert!(!differ("Not a big surprise Trump paid the wall with Mexican money", claim), "beyond its reach");
        assert!(!differ("I will never forget\nTrump paid the wall with Mexican money", claim), "a new line");
        assert!(!differ("I never forget — Trump (@realDonaldTrump) paid the wall", claim), "a dash");
        assert!(
            differ("Never has Mr. Trump funded the wall", "Mr. Trump funds the wall"),
            "a title's dot ends nothing"
        );
        assert!(differ("Never did the U.S. fund the wall", "The U.S. funds the wall"), "nor an initial's");
    }

    #[test]
    fn negations_and_bounds_are_read_in_the_text_s_language() {
        let differ_in = |language: &str, a: &str, b: &str| {
            let (a, b) = (analyze(a, Some(language)), analyze(b, Some(language)));
            a.qualifiers.differs(&term_hashes(&a.terms), &b.qualifiers, &term_hashes(&b.terms))
        };
        assert!(differ_in("fr", "DeepSeek n'a pas dépensé 5,6 millions", "DeepSeek a dépensé 5,6 millions"));
        assert!(differ_in("es", "DeepSeek no gastó 5,6 millones", "DeepSeek gastó 5,6 millones"));
        assert!(
            !differ_in("pt", "A DeepSeek investiu no Brasil 5 milhões", "A DeepSeek investiu 5 milhões"),
            "no: in the"
        );
        assert!(!differ_in("nl", "DeepSeek gaf over de helft uit", "DeepSeek gaf de helft uit"), "over: about");
        assert!(differ_in("pt", "A DeepSeek não investiu 5 milhões", "A DeepSeek investiu 5 milhões"));
    }
}
