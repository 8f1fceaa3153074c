//! From a text to the claims worth checking in it: split into sentences, score each for
//! check-worthiness with the built-in model, say why, name its kind and its claimant. Pure: the
//! service stores the result and looks up claims already registered.

pub mod claimant;
pub mod features;
pub mod kind;
pub mod learn;
pub mod model;
pub mod segment;

use features::Line;
pub use kind::ClaimKind;
use model::{Model, Reason};

/// One sentence of an article or transcript, numbered from 1 in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub position: usize,
    pub speaker: Option<String>,
    pub text: String,
}

/// A sentence as a candidate claim.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub score: f64,
    pub kind: ClaimKind,
    pub claimant: Option<String>,
    pub raised: Vec<Reason>,
    pub lowered: Vec<Reason>,
}

/// Splits each passage (with its speaker, in a transcript) into numbered sentences.
pub fn split(passages: &[(Option<String>, String)]) -> Vec<Sentence> {
    passages
        .iter()
        .flat_map(|(speaker, text)| segment::sentences(text).into_iter().map(move |s| (speaker.clone(), s)))
        .enumerate()
        .map(|(i, (speaker, text))| Sentence { position: i + 1, speaker, text })
        .collect()
}

/// The push on the score of a sentence that reports what someone said. Reported speech is how an
/// article carries most of its claims ("X said", "according to X"), but in the transcripts the model
/// learnt from, speakers speak for themselves: it could not learn this, so it is a fixed, stated push.
pub const ATTRIBUTED: f64 = 1.0;

/// The model's margin for a sentence with these features, plus the push for reported speech in
/// written text (not in a transcript, whose speakers speak for themselves).
pub fn margin(model: &Model, features: &[String], claimant: Option<&str>, spoken: bool) -> f64 {
    model.margin(features) + if claimant.is_some() && !spoken { ATTRIBUTED } else { 0.0 }
}

/// Scores every sentence with the built-in model.
pub fn assess(sentences: &[Sentence]) -> Vec<Assessment> {
    let model = Model::builtin();
    let lines: Vec<Line> = sentences.iter().map(|s| Line { text: &s.text, speaker: s.speaker.as_deref() }).collect();
    features::features(&lines)
        .iter()
        .zip(sentences)
        .map(|(f, s)| {
            let claimant = claimant::claimant(&s.text);
            let (mut raised, lowered) = model.reasons(f);
            let spoken = s.speaker.is_some();
            if let Some(who) = claimant.as_ref().filter(|_| !spoken) {
                let text = format!("it reports what {who} said");
                raised.insert(0, Reason { feature: "attribution".into(), text, weight: ATTRIBUTED });
            }
            let score = 1.0 / (1.0 + (-margin(model, f, claimant.as_deref(), spoken)).exp());
            Assessment { score, kind: kind::kind(&s.text, claimant.is_some()), claimant, raised, lowered }
        })
        .collect()
}

/// Reads `SPEAKER: text` lines as a transcript when most non-blank lines are written so; a line
/// without a speaker continues the turn before it.
pub fn transcript(text: &str) -> Option<Vec<(Option<String>, String)>> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let labelled = lines.iter().filter(|l| speaker_of(l).is_some()).count();
    if labelled < 2 || labelled * 2 < lines.len() {
        return None;
    }
    let mut turns: Vec<(Option<String>, String)> = Vec::new();
    for line in lines {
        match speaker_of(line) {
            Some((speaker, said)) => turns.push((Some(speaker.to_string()), said.to_string())),
            None => match turns.last_mut() {
                Some(last) => last.1.push_str(&format!("\n{line}")),
                None => turns.push((None, line.to_string())),
            },
        }
    }
    Some(turns)
}

/// "CLINTON: text" or "Jane Doe: text": a short name of capitalised words before the colon.
fn speaker_of(line: &str) -> Option<(&str, &str)> {
    let (name, said) = line.split_once(':')?;
    let words: Vec<&str> = name.split_whitespace().collect();
    let named = (1..=4).contains(&words.len())
        && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-'));
    named.then(|| (name.trim(), said.trim())).filter(|(_, s)| !s.is_empty())
}

/// Function words common in English text: a text with almost none of them is in another language,
/// and the model, trained on English, does not score it meaningfully.
const ENGLISH: &[&str] =
    &["the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "are", "with", "on", "this"];

pub fn looks_english(text: &str) -> bool {
    let words: Vec<String> = text.split_whitespace().take(2000).map(str::to_lowercase).collect();
    if words.len() < 8 {
        return true;
    }
    let common = words.iter().filter(|w| ENGLISH.contains(&w.trim_matches(|c: char| !c.is_alphabetic()))).count();
    common * 100 >= words.len() * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcripts_are_read_by_speaker() {
        let t = transcript("HOLT: Good evening. Welcome.\nTRUMP: We lost 70,000 factories.\nAnd more.\n").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1], (Some("TRUMP".into()), "We lost 70,000 factories.\nAnd more.".into()));
        let s = split(&t);
        assert_eq!(s.len(), 4);
        assert_eq!((s[2].position, s[2].speaker.as_deref()), (3, Some("TRUMP")));
        assert!(transcript("Note: this is prose.\nIt has one colon only.\nAnd more lines.").is_none());
    }

    #[test]
    fn a_checkable_sentence_outranks_small_talk() {
        let s = split(&[(None, "Thank you all. Exports fell 12% in 2019, according to the Census Bureau.".into())]);
        let a = assess(&s);
        assert!(a[1].score > a[0].score);
        assert_eq!(a[1].claimant.as_deref(), Some("the Census Bureau"));
        assert_eq!(a[1].kind, ClaimKind::QuoteOrAttribution);
        assert!(!a[1].raised.is_empty());
    }

    #[test]
    fn english_is_recognised() {
        assert!(looks_english("The model was trained on the transcripts of debates and it is small."));
        assert!(!looks_english("Das Modell wurde auf Abschriften von Debatten trainiert und ist sehr klein."));
    }
}
