//! Text as the matching engine reads it. Tweets and transcripts carry links, @handles, #CamelCaseTags,
//! emoji and quoting; numbers come as "$5.6M", "5.6 million" or "5,600,000"; words come inflected. An
//! `Analysis` keeps the terms a claim is found by: stemmed content words and numbers (one canonical
//! value each, `#5600000`, `#5.4%`), in text order with repeats, and how the text wrote each.
//!
//! A tweet is read whole, its closing "— Name (@handle) Date" included: who posted a claim is often
//! who the claim is about, and on the CheckThat! 2020 tweets keeping it ranks better than cutting it.

use std::borrow::Cow;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use super::qualifiers::Qualifiers;
use super::stopwords;

/// What matching keeps of a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Terms in text order, repeats kept (they count in BM25): stems, and numbers as `#value`.
    pub terms: Vec<String>,
    /// How the text wrote each term, beside it, for explanations.
    surface: Vec<String>,
    /// Whether it denies what it states, and which numbers it gives as bounds.
    pub qualifiers: Qualifiers,
    /// The language it was read in (`language_code`), whose stemmer reads the halves of a split word.
    code: &'static str,
}

impl Analysis {
    /// The numbers among the terms, canonical (`5600000`, `5.4%`), sorted and deduplicated.
    pub fn numbers(&self) -> Vec<String> {
        let mut numbers: Vec<String> = self.terms.iter().filter_map(|t| number_of(t)).map(str::to_owned).collect();
        numbers.sort();
        numbers.dedup();
        numbers
    }

    /// Adjacent word pairs ("stem stem"), the phrases compared.
    pub fn phrases(&self) -> Vec<String> {
        self.terms
            .windows(2)
            .filter(|w| number_of(&w[0]).is_none() && number_of(&w[1]).is_none())
            .map(|w| format!("{} {}", w[0], w[1]))
            .collect()
    }

    /// How the text first wrote a term, or the term itself.
    pub fn surface_of<'a>(&'a self, term: &'a str) -> &'a str {
        self.terms.iter().position(|t| t == term).map_or(term, |i| &self.surface[i])
    }

    /// Appends another text's terms (a claim's fields read as one text). The qualifiers stay the first
    /// text's: what a claim states is its text, and a review's title ("No, DeepSeek did not...") would
    /// deny it.
    pub fn extend(&mut self, other: Analysis) {
        self.terms.extend(other.terms);
        self.surface.extend(other.surface);
    }

    fn push(&mut self, term: String, surface: String) {
        self.terms.push(term);
        self.surface.push(surface);
    }

    /// The text with each word that no claim holds split in two words that claims do, where one split
    /// does: a tag written in one case ("#fyrefestival", "@nealkhosla") or words run together
    /// ("cornflakes") then find the claims that write them apart. `df` says how many claims hold a
    /// term. A denied word's halves are denied. `None` when no word splits, the common case, which
    /// then copies nothing.
    pub fn split_unknown(&self, df: impl Fn(&str) -> u32) -> Option<Analysis> {
        let stemmer = stemmer(self.code);
        // The word's letters first: asking `df` hashes the term, and most terms are words claims hold.
        let splits: Vec<(usize, [(String, &str); 2])> = (0..self.terms.len())
            .filter(|&i| splittable(&self.surface[i]) && df(&self.terms[i]) == 0)
            .filter_map(|i| Some((i, best_split(&self.surface[i], stemmer, self.code, &df)?)))
            .collect();
        if splits.is_empty() {
            return None;
        }
        let mut out = Analysis { qualifiers: self.qualifiers.clone(), code: self.code, ..Analysis::default() };
        let mut splits = splits.into_iter().peekable();
        for (i, (term, surface)) in self.terms.iter().zip(&self.surface).enumerate() {
            let Some((_, halves)) = splits.next_if(|(at, _)| *at == i) else {
                out.push(term.clone(), surface.clone());
                continue;
            };
            out.qualifiers.split(term, [&halves[0].0, &halves[1].0]);
            halves.into_iter().for_each(|(half, word)| out.push(half, word.to_owned()));
        }
        Some(out)
    }
}

/// The fewest letters of each half of a split word: halves of three ("man field", "sou der") split
/// names that no claim holds into words that many do, and gained nothing on the CheckThat! tweets.
const SPLIT_LEAST: usize = 4;
/// The most letters of a word that is tried: two words of a tag. Each try stems both halves, so a
/// word costs the square of its length, and a text may be one 20,000-letter word.
const SPLIT_MOST: usize = 30;

/// Whether a word is tried: ASCII letters only, since the split is at a byte (and a number's
/// surface is its digits), and between two halves' and two tag words' length.
fn splittable(word: &str) -> bool {
    (2 * SPLIT_LEAST..=SPLIT_MOST).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphabetic())
}

/// The two words, stemmed and as written, that `word` (`splittable`) is made of, when both are terms
/// claims hold: of several, the split whose rarer half is in the most claims, which is a split into
/// two real words rather than into fragments that happen to occur ("corn flakes", not "cornf lakes").
fn best_split<'a>(
    word: &'a str,
    stemmer: &Stemmer,
    code: &str,
    df: &impl Fn(&str) -> u32,
) -> Option<[(String, &'a str); 2]> {
    (SPLIT_LEAST..=word.len() - SPLIT_LEAST)
        .map(|at| word.split_at(at))
        .filter(|(a, b)| !stopwords::is_stop(a, code) && !stopwords::is_stop(b, code))
        .filter_map(|(a, b)| {
            let halves = [(stemmer.stem(a).into_owned(), a), (stemmer.stem(b).into_owned(), b)];
            let rarer = df(&halves[0].0).min(df(&halves[1].0));
            (rarer > 0).then_some((rarer, halves))
        })
        .max_by_key(|(rarer, _)| *rarer)
        .map(|(_, halves)| halves)
}

/// The value of a number term (`#5600000` is `5600000`); `None` for a word.
pub fn number_of(term: &str) -> Option<&str> {
    term.strip_prefix('#')
}

/// The ISO 639-1 code of a language given by code ("pt-BR") or English name; "en" when unknown or not
/// given.
pub fn language_code(language: Option<&str>) -> &'static str {
    let code = language.map(|l| l.trim().to_ascii_lowercase());
    match code.as_deref().map(|l| l.split(['-', '_']).next().unwrap_or(l)) {
        Some("es" | "spanish") => "es",
        Some("fr" | "french") => "fr",
        Some("de" | "german") => "de",
        Some("it" | "italian") => "it",
        Some("pt" | "portuguese") => "pt",
        Some("nl" | "dutch") => "nl",
        Some("ru" | "russian") => "ru",
        _ => "en",
    }
}

/// The stemmer of the language whose code (`language_code`) is `code`.
fn stemmer(code: &str) -> &'static Stemmer {
    macro_rules! cached {
        ($alg:expr) => {{
            static S: OnceLock<Stemmer> = OnceLock::new();
            S.get_or_init(|| Stemmer::create($alg))
        }};
    }
    match code {
        "es" => cached!(Algorithm::Spanish),
        "fr" => cached!(Algorithm::French),
        "de" => cached!(Algorithm::German),
        "it" => cached!(Algorithm::Italian),
        "pt" => cached!(Algorithm::Portuguese),
        "nl" => cached!(Algorithm::Dutch),
        "ru" => cached!(Algorithm::Russian),
        _ => cached!(Algorithm::English),
    }
}

/// English words as the English stemmer leaves them.
pub fn stems(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| stemmer("en").stem(w).into_owned()).collect()
}

/// One piece of text before stemming.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Word(String),
    Number(f64),
    Percentage(f64),
    Percent,
    /// The end of a line, a dash standing alone, or punctuation that ends a clause or a quotation: where
    /// a negation's or a bound's reach stops.
    Break,
}

/// Reads `text` for matching, with the stemmer and stop words of `language`, or of the language its
/// function words show when none is given (`stopwords::guess_language`).
pub fn analyze(text: &str, language: Option<&str>) -> Analysis {
    // ASCII is its own NFKC form: most texts skip the normalizer.
    let text: Cow<str> = if text.is_ascii() { Cow::Borrowed(text) } else { Cow::Owned(text.nfkc().collect()) };
    let pieces = pieces(&text);
    let language = language.or_else(|| {
        let words: Vec<String> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Word(w) => Some(w.to_lowercase()),
                _ => None,
            })
            .collect();
        stopwords::guess_language(words.iter().map(String::as_str))
    });
    // Read once for the whole text: the scale words, the stop words, the stemmer and the qualifiers
    // all follow it.
    let code = language_code(language);
    let pieces = numbers_scaled(pieces, code);
    let stemmer = stemmer(code);
    let mut analysis = Analysis { qualifiers: Qualifiers::new(code), code, ..Analysis::default() };
    for piece in pieces {
        match piece {
            Piece::Word(word) => {
                let lower =
                    if word.is_ascii() { word.to_ascii_lowercase() } else { word.to_lowercase().replace('’', "'") };
                analysis.qualifiers.word(&lower);
                if stopwords::is_stop(&lower, code) {
                    continue;
                }
                // "DeepSeek's" is DeepSeek; "o'clock" is left at "o", and then dropped.
                let whole = lower.len();
                let lower = lower.split('\'').next().unwrap_or_default();
                if lower.chars().count() < 2 || (lower.len() < whole && stopwords::is_stop(lower, code)) {
                    continue;
                }
                let stem = stemmer.stem(lower).into_owned();
                analysis.qualifiers.term(&stem);
                analysis.push(stem, lower.to_owned());
            }
            Piece::Number(n) | Piece::Percentage(n) => {
                let value = canonical(n, matches!(piece, Piece::Percentage(_)));
                let term = format!("#{value}");
                analysis.qualifiers.number(&value);
                analysis.qualifiers.term(&term);
                analysis.push(term, value);
            }
            Piece::Percent => {}
            Piece::Break => analysis.qualifiers.stop(),
        }
    }
    analysis
}

fn is_link(chunk: &str) -> bool {
    let lower = chunk.to_ascii_lowercase();
    ["http://", "https://", "www.", "pic.twitter.com", "t.co/"].iter().any(|p| lower.starts_with(p))
}

/// Splits the text into words, numbers and signs, dropping links and emoji. A line ends a clause, and
/// so does a dash standing alone.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let chunks = text.lines().flat_map(|line| line.split_whitespace().chain(["\n"]));
    for chunk in chunks {
        if chunk == "\n" || chunk.chars().all(|c| c == '-') {
            out.push(Piece::Break);
            continue;
        }
        // A link glued to the word before it ("#DefundTheCBChttps://t.co/x") is cut off there.
        let glued = if chunk.bytes().any(|b| b == b':' || b == b'.') {
            let lower = chunk.to_ascii_lowercase();
            ["http://", "https://", "pic.twitter.com"].iter().filter_map(|p| lower.find(p)).min()
        } else {
            None
        };
        let chunk = &chunk[..glued.unwrap_or(chunk.len())];
        if chunk.is_empty() || is_link(chunk) {
            continue;
        }
        scan(chunk, &mut out);
    }
    out
}

/// The words of a handle or tag: "RealDonaldTrump" and "real_donald_trump" are "real donald trump";
/// "CBCNews" is "CBC News".
pub fn camel_words(tag: &str) -> Vec<String> {
    let chars: Vec<char> = tag.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if p.is_alphanumeric() => {
                (c.is_uppercase() && p.is_lowercase())
                    || (c.is_uppercase() && p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            }
            _ => false,
        };
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Scans one whitespace-free chunk of ordinary text; a `#tag` or `@handle` in it is read as words.
fn scan(chunk: &str, out: &mut Vec<Piece>) {
    let chars: Vec<char> = chunk.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '#' | '@') && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric() || *n == '_') {
            let start = i + 1;
            i = start;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let tag: String = chars[start..i].iter().collect();
            for word in camel_words(&tag) {
                scan_plain(&word, out);
            }
        } else if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || (matches!(chars[i], ',' | '.' | '\'' | '’')
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
                        && (chars[i - 1].is_ascii_digit() || !matches!(chars[i], ',' | '.'))))
            {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            scan_plain(&run, out);
        } else {
            if c == '%' {
                out.push(Piece::Percent);
            } else if c == '.' && abbreviated(&chars[..i]) {
                // "U.S." and "Mr." end no clause.
            } else if matches!(c, '.' | ',' | ':' | ';' | '!' | '?' | '…' | '—' | '–' | '。' | '¿' | '¡')
                || matches!(c, '"' | '“' | '”' | '«' | '»' | '„' | '(' | ')')
            {
                out.push(Piece::Break);
            }
            i += 1;
        }
    }
}

/// Whether the word that ends `before` (a dot follows) is an initial or a title: "U.S.", "Mr.".
fn abbreviated(before: &[char]) -> bool {
    const TITLES: &[&str] =
        &["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "corp", "inc", "co", "ltd", "gov", "sen"];
    let start = before.iter().rposition(|c| !c.is_alphanumeric()).map_or(0, |p| p + 1);
    let word: String = before[start..].iter().collect::<String>().to_lowercase();
    (word.chars().count() == 1 && word.chars().all(char::is_alphabetic)) || TITLES.contains(&word.as_str())
}

/// A run of letters and digits (with the apostrophes, decimal points and thousands commas inside it):
/// a number with its scale suffix ("5.6M", "1990s", "21st"), a word ("R1", "5G", "DeepSeek's").
fn scan_plain(run: &str, out: &mut Vec<Piece>) {
    let chars: Vec<char> = run.chars().collect();
    if !chars[0].is_ascii_digit() {
        out.push(Piece::Word(run.to_owned()));
        return;
    }
    let end = chars.iter().position(|c| !(c.is_ascii_digit() || matches!(c, ',' | '.'))).unwrap_or(chars.len());
    let digits: String = chars[..end].iter().collect();
    let suffix: String = chars[end..].iter().collect::<String>().to_lowercase();
    let Some(mut value) = parse_number(&digits) else { return };
    // A suffix ("5.6M", "2bn") reads the same in every language.
    if let Some(scale) = scale(&suffix, "en") {
        value *= scale;
    } else if !suffix.is_empty() && !matches!(suffix.as_str(), "st" | "nd" | "rd" | "th" | "s") {
        // "5G", "3D": a word that starts with a digit.
        out.push(Piece::Word(run.to_owned()));
        return;
    }
    out.push(Piece::Number(value));
}

/// "5,600,000", "5.6", "1,5" (a decimal comma) as a value.
fn parse_number(digits: &str) -> Option<f64> {
    let digits = digits.trim_end_matches([',', '.']);
    let groups: Vec<&str> = digits.split(',').collect();
    let thousands = groups.len() > 1 && groups[1..].iter().all(|g| g.split('.').next().is_some_and(|h| h.len() == 3));
    let plain = if thousands { digits.replace(',', "") } else { digits.replacen(',', ".", 1).replace(',', "") };
    let mut parts = plain.splitn(3, '.');
    let whole = parts.next()?;
    let value = match parts.next() {
        Some(frac) => format!("{whole}.{frac}"),
        None => whole.to_owned(),
    };
    value.parse().ok()
}

/// The multiplier a scale word or suffix stands for, in the language whose code is `code`
/// (`language_code`): "5,6 millones" and "5.6 million" are one number. Outside English, "billion" is
/// the long scale's (a million millions: French "billion", German "Billion", Spanish "billón"), and a
/// thousand millions is a "milliard" or, in Spanish and Portuguese, "mil millones".
fn scale(word: &str, code: &str) -> Option<f64> {
    let long = code != "en";
    Some(match word {
        "k" | "thousand" => 1e3,
        "m" | "mn" | "mio" | "million" | "millions" => 1e6,
        "millón" | "millones" | "millionen" | "milione" | "milioni" | "milhão" | "milhões" | "miljoen" => 1e6,
        "billion" | "billions" if long => 1e12,
        "b" | "bn" | "billion" | "billions" => 1e9,
        "mrd" | "milliard" | "milliards" | "milliarde" | "milliarden" | "miliardo" | "miliardi" | "miljard" => 1e9,
        "bilhão" | "bilhões" => 1e9,
        "billón" | "billones" | "billionen" | "bilione" | "bilioni" | "biljoen" => 1e12,
        "t" | "tn" | "trillion" | "trillions" => 1e12,
        _ => return None,
    })
}

/// Spanish and Portuguese "mil": a thousand, or with "millones" a thousand millions.
fn thousand(word: &str, code: &str) -> bool {
    matches!(code, "es" | "pt") && word == "mil"
}

/// Joins a number to the scale word or percent sign that follows it: "5.6 million" is 5,600,000, and
/// "5.4%", "5.4 percent" and "5.4 per cent" are the percentage 5.4.
fn numbers_scaled(pieces: Vec<Piece>, code: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut iter = pieces.into_iter().peekable();
    while let Some(piece) = iter.next() {
        let Piece::Number(mut value) = piece else {
            out.push(piece);
            continue;
        };
        if matches!(iter.peek(), Some(Piece::Word(w)) if thousand(&w.to_lowercase(), code)) {
            value *= 1e3;
            iter.next();
        }
        if let Some(Piece::Word(w)) = iter.peek() {
            // A lone letter after a space is no scale: "5 m" may be metres.
            if let Some(s) = scale(&w.to_lowercase(), code).filter(|_| w.len() > 1) {
                value *= s;
                iter.next();
            }
        }
        let percent = match iter.peek() {
            Some(Piece::Percent) => true,
            Some(Piece::Word(w)) if w.eq_ignore_ascii_case("percent") || w.eq_ignore_ascii_case("pct") => true,
            Some(Piece::Word(w)) if w.eq_ignore_ascii_case("per") => {
                iter.next();
                if matches!(iter.peek(), Some(Piece::Word(c)) if c.eq_ignore_ascii_case("cent")) {
                    true
                } else {
                    out.push(Piece::Number(value));
                    out.push(Piece::Word("per".into()));
                    continue;
                }
            }
            _ => false,
        };
        if percent {
            iter.next();
            // Percentages are kept apart from counts: the word "percent" is no content either.
            out.push(Piece::Percentage(value));
            continue;
        }
        out.push(Piece::Number(value));
    }
    out
}

/// One spelling per value: "5600000", "5.6", "0.25".
pub fn canonical(value: f64, percent: bool) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    let text = format!("{rounded}");
    if percent { format!("{text}%") } else { text }
}

/// The key under which claims that differ only in case, spacing and punctuation are one claim for
/// ranking: lower-cased, every run of characters other than letters, digits and `_` one space.
pub fn collapse_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            if gap && !key.is_empty() {
                key.push(' ');
            }
            gap = false;
            key.push(c);
        } else {
            gap = true;
        }
    }
    key
}
