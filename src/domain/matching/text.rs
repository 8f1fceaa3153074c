//! Text as the matching engine reads it. Tweets and transcripts carry links, @handles, #CamelCaseTags,
//! emoji and quoting; numbers come as "$5.6M", "5.6 million" or "5,600,000"; words come inflected. An
//! `Analysis` keeps what identifies a claim: stemmed content words in order, numbers as one canonical
//! value each, and the names (capitalized words, handles) that say who or what it is about.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

use super::stopwords;

/// What matching keeps of a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Stemmed content words, in text order (repeats kept: they count in BM25).
    pub words: Vec<String>,
    /// The surface form each stem was first seen as, for explanations.
    pub surface: Vec<(String, String)>,
    /// Numbers as canonical values: "5600000", "5.4%".
    pub numbers: Vec<String>,
    /// Stems of names: capitalized words inside a sentence, and @handles.
    pub entities: Vec<String>,
}

impl Analysis {
    /// The terms an index holds for this text: the words, and each number as `#value`.
    pub fn terms(&self) -> impl Iterator<Item = String> + '_ {
        self.words.iter().cloned().chain(self.numbers.iter().map(|n| format!("#{n}")))
    }

    /// Adjacent word pairs, the phrases compared.
    pub fn phrases(&self) -> Vec<String> {
        self.words.windows(2).map(|w| format!("{} {}", w[0], w[1])).collect()
    }

    /// How the text wrote a stem, or the stem itself.
    pub fn surface_of<'a>(&'a self, stem: &'a str) -> &'a str {
        self.surface.iter().find(|(s, _)| s == stem).map_or(stem, |(_, w)| w)
    }
}

/// The stemmer of a language (ISO 639-1 code or English name); English when unknown or not given.
fn stemmer(language: Option<&str>) -> &'static Stemmer {
    macro_rules! cached {
        ($alg:expr) => {{
            static S: OnceLock<Stemmer> = OnceLock::new();
            S.get_or_init(|| Stemmer::create($alg))
        }};
    }
    let code = language.map(|l| l.trim().to_ascii_lowercase());
    match code.as_deref().map(|l| l.split(['-', '_']).next().unwrap_or(l)) {
        Some("es" | "spanish") => cached!(Algorithm::Spanish),
        Some("fr" | "french") => cached!(Algorithm::French),
        Some("de" | "german") => cached!(Algorithm::German),
        Some("it" | "italian") => cached!(Algorithm::Italian),
        Some("pt" | "portuguese") => cached!(Algorithm::Portuguese),
        Some("nl" | "dutch") => cached!(Algorithm::Dutch),
        Some("ru" | "russian") => cached!(Algorithm::Russian),
        _ => cached!(Algorithm::English),
    }
}

/// One piece of text before stemming.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A word, and whether it names something (capitalized inside a sentence, or a handle).
    Word(String, bool),
    Number(f64),
    Percentage(f64),
    Percent,
    /// The end of a sentence: the next word's capital says nothing.
    Stop,
}

/// Reads `text` for matching, with the stemmer and stop words of `language`.
pub fn analyze(text: &str, language: Option<&str>) -> Analysis {
    let text: String = text.nfkc().collect();
    let text = without_signature(&text);
    let shouting = shouting(text);
    let pieces = numbers_scaled(pieces(text, shouting));
    let stemmer = stemmer(language);
    let mut analysis = Analysis::default();
    for piece in pieces {
        match piece {
            Piece::Word(word, name) => {
                let lower = word.to_lowercase();
                if stopwords::is_stop(&lower, language) || lower.chars().count() < 2 {
                    continue;
                }
                let stem = stemmer.stem(&lower).into_owned();
                if !analysis.surface.iter().any(|(s, _)| *s == stem) {
                    analysis.surface.push((stem.clone(), lower));
                }
                if name && !analysis.entities.contains(&stem) {
                    analysis.entities.push(stem.clone());
                }
                analysis.words.push(stem);
            }
            Piece::Number(n) => analysis.numbers.push(canonical(n, false)),
            Piece::Percentage(n) => analysis.numbers.push(canonical(n, true)),
            Piece::Percent | Piece::Stop => {}
        }
    }
    analysis.numbers.sort();
    analysis.numbers.dedup();
    analysis
}

/// An embedded tweet ends "— Name (@handle) Month D, YYYY": who posted it and when, not the claim.
fn without_signature(text: &str) -> &str {
    match text.rfind(" — ") {
        Some(at) if text[at..].contains("(@") => &text[..at],
        _ => text,
    }
}

/// Text mostly in capitals: capitals then mark no names.
fn shouting(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphabetic());
    let (upper, all) = letters.fold((0, 0), |(u, a), c| (u + c.is_uppercase() as usize, a + 1));
    all > 0 && upper * 2 > all
}

fn is_link(chunk: &str) -> bool {
    let lower = chunk.to_ascii_lowercase();
    ["http://", "https://", "www.", "pic.twitter.com", "t.co/"].iter().any(|p| lower.starts_with(p))
}

/// Splits the text into words, numbers and signs, dropping links and emoji.
fn pieces(text: &str, shouting: bool) -> Vec<Piece> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        // A link glued to the word before it ("#DefundTheCBChttps://t.co/x") is cut off there.
        let chunk =
            match chunk.find("http://").or_else(|| chunk.find("https://")).or_else(|| chunk.find("pic.twitter.com")) {
                Some(at) => &chunk[..at],
                None => chunk,
            };
        if chunk.is_empty() || is_link(chunk) {
            continue;
        }
        let trimmed = chunk.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '#' && c != '$');
        if let Some(handle) = trimmed.strip_prefix('@') {
            out.extend(camel_words(handle).into_iter().map(|w| Piece::Word(w, true)));
            out.push(Piece::Stop);
            continue;
        }
        if let Some(tag) = trimmed.strip_prefix('#') {
            out.extend(camel_words(tag).into_iter().map(|w| Piece::Word(w, false)));
            continue;
        }
        scan(chunk, shouting, &mut out);
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
                    || (c.is_ascii_digit() != p.is_ascii_digit() && c.is_alphabetic() && p.is_ascii_digit())
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

/// Scans one whitespace-free chunk of ordinary text.
fn scan(chunk: &str, shouting: bool, out: &mut Vec<Piece>) {
    let chars: Vec<char> = chunk.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], ',' | '.') && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())))
            {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let suffix_end = (i..chars.len()).find(|&j| !chars[j].is_alphabetic()).unwrap_or(chars.len());
            let suffix: String = chars[i..suffix_end].iter().collect::<String>().to_lowercase();
            let Some(mut value) = parse_number(&digits) else { continue };
            if let Some(scale) = scale(&suffix) {
                value *= scale;
                i = suffix_end;
            } else if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th" | "s") {
                i = suffix_end; // "1st", "1990s"
            } else if !suffix.is_empty() {
                // "5G", "3D": a word that starts with a digit.
                let word: String = chars[start..suffix_end].iter().collect();
                out.push(Piece::Word(word, false));
                i = suffix_end;
                continue;
            }
            out.push(Piece::Number(value));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // "DeepSeek's" is DeepSeek.
            if i + 1 < chars.len() && matches!(chars[i], '\'' | '’') && matches!(chars[i + 1], 's' | 'S') {
                i += 2;
            }
            let after_stop = matches!(out.last(), None | Some(Piece::Stop));
            let name = !shouting && !after_stop && word.chars().next().is_some_and(char::is_uppercase);
            out.push(Piece::Word(word, name));
        } else {
            match c {
                '%' => out.push(Piece::Percent),
                '.' | '!' | '?' | ':' | '"' | '“' | '”' | '—' => out.push(Piece::Stop),
                _ => {}
            }
            i += 1;
        }
    }
    if chunk.ends_with(['.', '!', '?', ':']) && out.last() != Some(&Piece::Stop) {
        out.push(Piece::Stop);
    }
}

/// "5,600,000", "5.6", "1,5" (a decimal comma) as a value.
fn parse_number(digits: &str) -> Option<f64> {
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

/// The multiplier a scale word or suffix stands for.
fn scale(word: &str) -> Option<f64> {
    Some(match word {
        "k" | "thousand" => 1e3,
        "m" | "mn" | "mio" | "million" | "millions" => 1e6,
        "b" | "bn" | "billion" | "billions" => 1e9,
        "t" | "tn" | "trillion" | "trillions" => 1e12,
        _ => return None,
    })
}

/// Joins a number to the scale word or percent sign that follows it: "5.6 million" is 5,600,000, and
/// "5.4%", "5.4 percent" and "5.4 per cent" are the percentage 5.4.
fn numbers_scaled(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut iter = pieces.into_iter().peekable();
    while let Some(piece) = iter.next() {
        let Piece::Number(mut value) = piece else {
            out.push(piece);
            continue;
        };
        if let Some(Piece::Word(w, _)) = iter.peek() {
            if let Some(s) = scale(&w.to_lowercase()).filter(|_| w.len() > 1) {
                value *= s;
                iter.next();
            }
        }
        let percent = match iter.peek() {
            Some(Piece::Percent) => true,
            Some(Piece::Word(w, _)) if w.eq_ignore_ascii_case("percent") || w.eq_ignore_ascii_case("pct") => true,
            Some(Piece::Word(w, _)) if w.eq_ignore_ascii_case("per") => {
                iter.next();
                matches!(iter.peek(), Some(Piece::Word(c, _)) if c.eq_ignore_ascii_case("cent"))
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
