//! Who a sentence says made the claim: "according to X", "X said", "X accused Y of", "..., said X".
//! Names are the run of capitalised words next to the verb, with a leading title ("Curai CEO",
//! "Journalist") left off; pronouns and lower-case subjects name nobody.

const VERBS: &[&str] = &[
    "said",
    "says",
    "stated",
    "states",
    "told",
    "claimed",
    "claims",
    "warned",
    "warns",
    "argued",
    "argues",
    "reported",
    "reports",
    "accused",
    "accuses",
    "called",
    "calls",
    "announced",
    "announces",
    "noted",
    "insisted",
    "credited",
    "credits",
    "tweeted",
    "wrote",
    "added",
    "estimated",
    "estimates",
    "predicted",
    "predicts",
    "believes",
    "suggested",
];
const PRONOUNS: &[&str] =
    &["he", "she", "they", "it", "we", "i", "you", "this", "that", "who", "which", "some", "others"];
/// Words before a name that say what the person is, not who.
const TITLES: &[&str] = &[
    "ceo",
    "cto",
    "cfo",
    "coo",
    "chairman",
    "chair",
    "founder",
    "journalist",
    "analyst",
    "economist",
    "investor",
    "renowned",
    "capitalist",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "professor",
    "reporter",
    "columnist",
];

/// The claimant a sentence names, if any.
pub fn claimant(sentence: &str) -> Option<String> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    // "according to X": the capitalised run after it.
    if let Some(i) =
        (0..words.len().saturating_sub(1)).find(|&i| bare(words[i]) == "according" && bare(words[i + 1]) == "to")
    {
        if let Some(name) = name_after(&words[i + 2..]) {
            return Some(name);
        }
    }
    for (i, w) in words.iter().enumerate() {
        if !VERBS.contains(&bare(w).as_str()) {
            continue;
        }
        // Skip adverbs between the subject and the verb ("Liang Wenfeng, recently stated").
        let mut end = i;
        while end > 0 && bare(words[end - 1]).ends_with("ly") && !starts_upper(words[end - 1]) {
            end -= 1;
        }
        if let Some(name) = name_before(&words[..end]) {
            return Some(name);
        }
        // Inverted: "“...,” said Jane Doe."
        if let Some(name) = name_after(&words[i + 1..]).filter(|_| i > 0 && ends_quote(words[i - 1])) {
            return Some(name);
        }
    }
    None
}

fn starts_upper(word: &str) -> bool {
    word.trim_start_matches(|c: char| !c.is_alphanumeric()).chars().next().is_some_and(char::is_uppercase)
}

fn ends_quote(word: &str) -> bool {
    word.ends_with(['”', '"', '\''])
}

fn clean(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
}

/// The capitalised run ending just before the verb.
fn name_before(words: &[&str]) -> Option<String> {
    let mut run: Vec<&str> = Vec::new();
    for (k, w) in words.iter().enumerate().rev() {
        let last = k + 1 == words.len();
        // A comma ends the run unless it closes the name itself ("Liang Wenfeng, recently stated").
        if !starts_upper(w) || (!last && w.ends_with(',')) {
            break;
        }
        run.push(clean(w));
    }
    run.reverse();
    finish(run)
}

/// The capitalised run at the start of `words`.
fn name_after(words: &[&str]) -> Option<String> {
    let mut run = Vec::new();
    for (k, w) in words.iter().enumerate() {
        // "according to the Census Bureau": the article goes with the name.
        let article = k == 0 && *w == "the" && words.get(1).is_some_and(|n| starts_upper(n));
        if !starts_upper(w) && !article {
            break;
        }
        run.push(clean(w));
        if w.ends_with([',', '.', ';', ':']) && !w.ends_with("Corp.") {
            break;
        }
    }
    finish(run)
}

fn finish(mut run: Vec<&str>) -> Option<String> {
    // Titles before the name go: "Curai CEO Neal Khosla" is Neal Khosla.
    if let Some(t) = run.iter().rposition(|w| TITLES.contains(&w.to_lowercase().as_str())) {
        if t + 1 < run.len() {
            run.drain(..=t);
        }
    }
    if run.len() == 1 && PRONOUNS.contains(&run[0].to_lowercase().as_str()) {
        return None;
    }
    // A full stop after the name ends the sentence, not the name, unless it closes "Corp." or "Jr.".
    if let Some(last) = run.last_mut() {
        if !matches!(*last, "Corp." | "Inc." | "Co." | "Ltd." | "Jr." | "Sr.") {
            *last = last.trim_end_matches('.');
        }
    }
    let name = run.join(" ");
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::claimant;

    #[test]
    fn names_the_one_who_said_it() {
        let cases = [
            (
                "According to MIT Technology Review, such sanctions have driven companies.",
                Some("MIT Technology Review"),
            ),
            (
                "Curai CEO Neal Khosla accused DeepSeek of being a “CCP state psyop,” suggesting it.",
                Some("Neal Khosla"),
            ),
            (
                "Journalist Holger Zschaepitz warned that DeepSeek’s breakthrough could shake confidence.",
                Some("Holger Zschaepitz"),
            ),
            (
                "DeepSeek’s founder, Liang Wenfeng, recently stated that these restrictions remain.",
                Some("Liang Wenfeng"),
            ),
            (
                "Renowned venture capitalist Marc Andreessen called R1 “one of the most amazing”.",
                Some("Marc Andreessen"),
            ),
            ("“We will win,” said Jane Doe, smiling.", Some("Jane Doe")),
            ("He said the plan would work.", None),
            ("Exports fell, according to the Census Bureau.", Some("the Census Bureau")),
            ("Nasdaq 100 futures fell 1.9%.", None),
        ];
        for (sentence, expected) in cases {
            assert_eq!(claimant(sentence).as_deref(), expected, "{sentence}");
        }
    }
}
