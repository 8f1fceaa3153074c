//! What the check-worthiness model sees of a sentence: binary features with names, so the trained
//! weights say in words why a sentence scored as it did. Words and word pairs (numbers folded into
//! `#num`, years into `#year`), signs of a checkable statement (figures, money, comparisons, causes,
//! attributions), signs against (questions, short lines, thanks, opinions), a little context (the
//! sentences either side) and, in transcripts, whether the speaker mostly asks questions (a moderator)
//! and how much of the transcript is theirs.

use std::collections::HashMap;

/// One sentence to score, with its speaker when the text is a transcript.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub text: &'a str,
    pub speaker: Option<&'a str>,
}

const COMPARATIVE: &[&str] = &[
    "more",
    "less",
    "fewer",
    "most",
    "least",
    "than",
    "higher",
    "lower",
    "larger",
    "largest",
    "biggest",
    "bigger",
    "highest",
    "lowest",
    "record",
    "double",
    "doubled",
    "tripled",
    "half",
    "increase",
    "increased",
    "decrease",
    "decreased",
    "rose",
    "fell",
    "grew",
    "dropped",
    "worst",
    "best",
    "topped",
    "overtaking",
    "overtook",
    "surpassed",
    "surpasses",
    "outperformed",
    "climbed",
    "plunged",
    "soared",
];
const CAUSAL: &[&str] =
    &["because", "caused", "causes", "cause", "due", "led", "leads", "result", "resulted", "driven", "thanks"];
const FUTURE: &[&str] =
    &["will", "would", "could", "may", "might", "going", "expect", "expects", "predict", "forecast"];
const ATTRIBUTION: &[&str] = &[
    "said",
    "says",
    "say",
    "stated",
    "told",
    "claimed",
    "claims",
    "warned",
    "argued",
    "reported",
    "according",
    "accused",
    "called",
    "announced",
    "noted",
    "insisted",
    "credited",
];
const SCALE: &[&str] = &[
    "million",
    "millions",
    "billion",
    "billions",
    "trillion",
    "trillions",
    "thousand",
    "thousands",
    "hundred",
    "hundreds",
];
const OPINION: &[&str] = &[
    "think",
    "believe",
    "feel",
    "hope",
    "great",
    "terrible",
    "wonderful",
    "love",
    "beautiful",
    "disaster",
    "should",
    "must",
    "incredible",
    "tremendous",
    "horrible",
    "sad",
    "amazing",
];
const POLITENESS: &[&str] = &["thank", "thanks", "applause", "laughter", "welcome", "okay", "ok", "yes", "no", "well"];

/// Lower-case word tokens, numbers folded: a year is `#year`, any other figure `#num`.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | '.' | ',' | '%'))) {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() {
            continue;
        }
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            let digits: String = word.chars().filter(char::is_ascii_digit).collect();
            let year = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20")) && digits == word;
            out.push(if year { "#year" } else { "#num" }.to_string());
        } else {
            let w = word.replace('’', "'").to_lowercase();
            // "tech." and "u.s" alike: dots only inside acronyms.
            out.push(w.trim_end_matches('.').to_string());
        }
    }
    out
}

/// The features of every line, each seeing its neighbours and its speaker's habits.
pub fn features(lines: &[Line]) -> Vec<Vec<String>> {
    let askers = askers(lines);
    let own: Vec<Own> = lines.iter().map(|l| Own::of(l.text)).collect();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut f = own[i].names.clone();
            if let Some(prev) = i.checked_sub(1).map(|p| &own[p]) {
                if prev.question {
                    f.push("ctx:after_question".into());
                }
                if prev.number {
                    f.push("ctx:prev_number".into());
                }
            }
            if own.get(i + 1).is_some_and(|n| n.number) {
                f.push("ctx:next_number".into());
            }
            if let Some(speaker) = line.speaker {
                let changed = i == 0 || lines[i - 1].speaker != Some(speaker);
                if changed {
                    f.push("turn:first".into());
                }
                // A turn's last sentence is where a speaker lands the point, or hands over.
                if lines.get(i + 1).is_none_or(|next| next.speaker != Some(speaker)) {
                    f.push("turn:last".into());
                }
                let habits = askers.get(speaker).copied().unwrap_or_default();
                if habits.asks {
                    f.push("speaker:asks".into());
                }
                f.push(format!("speaker:share:{}", habits.share));
            }
            f
        })
        .collect()
}

/// What a speaker does in the transcript.
#[derive(Debug, Clone, Copy, Default)]
struct Habits {
    /// A fifth of their sentences are questions: moderators and interviewers.
    asks: bool,
    /// How much of the transcript is theirs: candidates speak most.
    share: &'static str,
}

fn askers<'a>(lines: &[Line<'a>]) -> HashMap<&'a str, Habits> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for line in lines {
        if let Some(s) = line.speaker {
            let e = counts.entry(s).or_default();
            e.0 += 1;
            e.1 += usize::from(line.text.trim_end().ends_with('?'));
        }
    }
    let total = lines.len().max(1);
    let share = |n: usize| match n * 100 / total {
        0..=4 => "0-4%",
        5..=14 => "5-14%",
        15..=29 => "15-29%",
        _ => "30%+",
    };
    counts.into_iter().map(|(s, (n, q))| (s, Habits { asks: q * 5 >= n, share: share(n) })).collect()
}

/// A sentence's own features, and what its neighbours look at.
struct Own {
    names: Vec<String>,
    question: bool,
    number: bool,
}

impl Own {
    fn of(text: &str) -> Own {
        let toks = tokens(text);
        let mut f: Vec<String> = Vec::with_capacity(toks.len() * 2 + 12);
        for t in &toks {
            f.push(format!("w:{t}"));
        }
        for pair in toks.windows(2) {
            f.push(format!("b:{}_{}", pair[0], pair[1]));
        }
        let has = |set: &[&str]| toks.iter().any(|t| set.contains(&t.as_str()));
        let number = toks.iter().any(|t| t == "#num") || has(SCALE);
        let question = text.trim_end().trim_end_matches(['"', '”', '’', '\'']).ends_with('?');
        let flags = [
            (number, "has:number"),
            (text.contains('%') || has(&["percent", "percentage"]), "has:percent"),
            (text.contains(['$', '€', '£']) || has(&["dollars", "dollar", "euros", "pounds"]), "has:money"),
            (toks.iter().any(|t| t == "#year"), "has:year"),
            (has(COMPARATIVE), "has:comparison"),
            (has(CAUSAL), "has:cause"),
            (has(FUTURE), "has:future"),
            (has(ATTRIBUTION), "has:attribution"),
            (text.contains(['“', '”', '"']), "has:quotation"),
            (question, "is:question"),
            (text.trim_end().ends_with('!'), "is:exclamation"),
            (toks.first().is_some_and(|t| POLITENESS.contains(&t.as_str())), "starts:courtesy"),
            (has(&["i", "me", "my"]), "has:first_person"),
            (has(&["you", "your"]), "has:second_person"),
            (toks.iter().any(|t| t.len() > 4 && t.ends_with("ed")) || has(&["was", "were", "had", "did"]), "has:past"),
            (has(OPINION), "has:opinion"),
        ];
        f.extend(flags.iter().filter(|(on, _)| *on).map(|(_, name)| name.to_string()));
        f.push(format!("len:{}", length_bucket(toks.len())));
        f.push(format!("names:{}", names_bucket(text)));
        Own { names: f, question, number }
    }
}

fn length_bucket(words: usize) -> &'static str {
    match words {
        0..=4 => "0-4",
        5..=9 => "5-9",
        10..=19 => "10-19",
        20..=34 => "20-34",
        _ => "35+",
    }
}

/// How many capitalised words follow the first: names of people, places, bodies.
fn names_bucket(text: &str) -> &'static str {
    let n = text.split_whitespace().skip(1).filter(|w| w.chars().next().is_some_and(char::is_uppercase)).count();
    match n {
        0 => "0",
        1 => "1",
        2..=3 => "2-3",
        _ => "4+",
    }
}

/// A feature's name in words, for the reasons shown beside a score.
pub fn describe(feature: &str) -> String {
    if let Some(w) = feature.strip_prefix("w:") {
        return if w.starts_with('#') { shown(w).to_string() } else { format!("the word “{w}”") };
    }
    if let Some(b) = feature.strip_prefix("b:") {
        return format!("the words “{}”", b.split('_').map(shown).collect::<Vec<_>>().join(" "));
    }
    if let Some(l) = feature.strip_prefix("len:") {
        return format!("its length ({l} words)");
    }
    if let Some(n) = feature.strip_prefix("names:") {
        return format!("names in it ({n})");
    }
    match feature {
        "has:number" => "it states a figure",
        "has:percent" => "it states a percentage",
        "has:money" => "it states an amount of money",
        "has:year" => "it names a year",
        "has:comparison" => "it compares or states a change",
        "has:cause" => "it states a cause",
        "has:future" => "it looks ahead",
        "has:attribution" => "it reports what someone said",
        "has:quotation" => "it quotes someone",
        "is:question" => "it is a question",
        "is:exclamation" => "it is an exclamation",
        "starts:courtesy" => "it opens with a courtesy or filler",
        "has:first_person" => "the speaker talks of themself",
        "has:second_person" => "it addresses someone",
        "has:past" => "it tells of something done",
        "has:opinion" => "it voices an opinion or a wish",
        "ctx:after_question" => "it answers a question",
        "ctx:prev_number" => "the sentence before states a figure",
        "ctx:next_number" => "the sentence after states a figure",
        "turn:first" => "it opens a speaker's turn",
        "turn:last" => "it ends a speaker's turn",
        "speaker:share:0-4%" => "its speaker says little",
        "speaker:share:30%+" => "its speaker says most",
        "speaker:asks" => "its speaker mostly asks questions",
        other => other,
    }
    .to_string()
}

fn shown(token: &str) -> &str {
    match token {
        "#num" => "a number",
        "#year" => "a year",
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_years_are_folded() {
        assert_eq!(
            tokens("In 2016, R1 cost $5.6 million (1.9%)."),
            ["in", "#year", "r1", "cost", "#num", "million", "#num"]
        );
        assert_eq!(tokens("DeepSeek’s U.S. rivals"), ["deepseek's", "u.s", "rivals"]);
    }

    #[test]
    fn a_figure_and_a_question_are_seen() {
        let lines = [
            Line { text: "How much did it cost?", speaker: Some("HOLT") },
            Line { text: "It cost $5.6 million, 40% less than in 2016.", speaker: Some("TRUMP") },
        ];
        let f = features(&lines);
        assert!(f[0].contains(&"is:question".to_string()) && f[0].contains(&"speaker:asks".to_string()));
        for name in ["has:number", "has:money", "has:percent", "has:year", "has:comparison", "ctx:after_question"] {
            assert!(f[1].contains(&name.to_string()), "{name}");
        }
        assert!(!f[1].contains(&"speaker:asks".to_string()));
    }

    #[test]
    fn features_read_in_words() {
        assert_eq!(describe("w:#num"), "a number");
        assert_eq!(describe("w:tax"), "the word “tax”");
        assert_eq!(describe("b:tax_cuts"), "the words “tax cuts”");
        assert_eq!(describe("is:question"), "it is a question");
    }
}
