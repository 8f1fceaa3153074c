//! Splitting a text into sentences. A line break always ends a sentence (headings, list items and
//! paragraphs stand alone); inside a line a sentence ends at `.`, `!`, `?` or an ellipsis followed by
//! closing quotes or brackets, a space and a capital, a digit or an opening quote. A full stop does not
//! end one after a known abbreviation ("Dr.", "Corp.", "e.g."), an initial ("J. Smith"), or inside a
//! number ("$5.6 million"); an ellipsis followed by a small letter goes on ("and... then").

/// Titles and abbreviations a full stop follows without ending the sentence, lower case, no dot.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "rev", "col", "lt", "capt",
    "sgt", "pres", "corp", "inc", "ltd", "co", "bros", "dept", "univ", "assn", "no", "nos", "vol", "vs", "fig",
    "approx", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e",
    "cf", "al", "ave", "blvd", "ft", "op", "pp",
];

/// Words that begin a sentence often enough that, after an acronym such as "U.S.", they mean the
/// acronym ended the sentence ("... in the U.S. The rest ...").
const STARTERS: &[&str] = &[
    "the", "this", "that", "these", "those", "it", "he", "she", "we", "they", "i", "but", "and", "in", "a", "an",
    "there", "however", "so", "yet", "its", "his", "her", "our", "their", "if", "when", "while", "as",
];

const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];
const OPENERS: &[char] = &['"', '\'', '“', '‘', '(', '[', '«', '¿', '¡'];

/// Sentences of `text`, trimmed, empty ones left out, in order.
pub fn sentences(text: &str) -> Vec<String> {
    text.lines().flat_map(split_line).collect()
}

fn split_line(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !matches!(c, '.' | '!' | '?' | '…') {
            i += 1;
            continue;
        }
        // Take the whole run of terminal marks ("?!", "...") and the quotes or brackets closing after it.
        let mut end = i;
        while end + 1 < chars.len() && matches!(chars[end + 1], '.' | '!' | '?' | '…') {
            end += 1;
        }
        let ellipsis = c == '…' || end > i;
        while end + 1 < chars.len() && CLOSERS.contains(&chars[end + 1]) {
            end += 1;
        }
        if ends_sentence(&chars, start, i, end, ellipsis) {
            push(&mut out, &chars[start..=end]);
            start = end + 1;
        }
        i = end + 1;
    }
    push(&mut out, &chars[start.min(chars.len())..]);
    out
}

fn push(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    // A list item's marker is not part of its sentence.
    let s = s.trim();
    let s = s.strip_prefix(['-', '•', '*', '–']).filter(|rest| rest.starts_with(' ')).unwrap_or(s).trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

/// Whether the marks at `mark..=end` end the sentence begun at `start`.
fn ends_sentence(chars: &[char], start: usize, mark: usize, end: usize, ellipsis: bool) -> bool {
    let after = &chars[end + 1..];
    let Some(gap) = after.iter().position(|c| !c.is_whitespace()) else { return true };
    if gap == 0 {
        // "potential.- The index": a list dash run on after the full stop starts a new item.
        let dash = after[0] == '-' && after.get(1).is_some_and(|c| c.is_whitespace());
        // Otherwise "5.6", "example.com", "U.S." inside a word: no space, no boundary.
        return dash;
    }
    let next_word: String = after[gap..].iter().take_while(|c| !c.is_whitespace()).collect();
    let first = after[gap];
    let opens = first.is_uppercase() || first.is_numeric() || OPENERS.contains(&first) || first == '-';
    if !opens {
        return false;
    }
    if ellipsis || chars[mark] != '.' {
        return true;
    }
    let word = word_before(chars, start, mark);
    let lower = word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return false;
    }
    // An initial: one capital letter ("J. Smith").
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return false;
    }
    // An acronym with dots ("U.S.", "a.m."): a boundary only before a usual first word.
    if word.contains('.') {
        let next = next_word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        return STARTERS.contains(&next.as_str());
    }
    true
}

/// The word just before the full stop at `mark`, with inner dots ("U.S", "e.g").
fn word_before(chars: &[char], start: usize, mark: usize) -> String {
    let mut b = mark;
    while b > start && (chars[b - 1].is_alphanumeric() || chars[b - 1] == '.') {
        b -= 1;
    }
    chars[b..mark].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::sentences;

    #[test]
    fn plain_sentences_split() {
        assert_eq!(
            sentences("It rained. We stayed in! Did you? Yes."),
            ["It rained.", "We stayed in!", "Did you?", "Yes."]
        );
    }

    #[test]
    fn decimals_and_money_stay_whole() {
        let s = sentences("R1 cost $5.6 million. Nasdaq fell 1.9% and 1%, respectively. It was 3.14.");
        assert_eq!(s, ["R1 cost $5.6 million.", "Nasdaq fell 1.9% and 1%, respectively.", "It was 3.14."]);
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        let s = sentences("Dr. Smith met J. R. Jones of Advantest Corp. on Monday. Then e.g. tea. Mr. Lee left.");
        assert_eq!(s, ["Dr. Smith met J. R. Jones of Advantest Corp. on Monday.", "Then e.g. tea.", "Mr. Lee left."]);
    }

    #[test]
    fn acronyms_end_a_sentence_only_before_a_usual_first_word() {
        let s = sentences("Chips made in the U.S. Government rules apply. It grew in the U.S. The end.");
        assert_eq!(s, ["Chips made in the U.S. Government rules apply.", "It grew in the U.S.", "The end."]);
        assert_eq!(sentences("U.S. tech giants spend."), ["U.S. tech giants spend."]);
    }

    #[test]
    fn quotations_keep_their_closing_marks() {
        let s = sentences("He said, “It is done.” Then he left. “Is it?” she asked. 'No!' He ran.");
        assert_eq!(s, ["He said, “It is done.”", "Then he left.", "“Is it?” she asked.", "'No!'", "He ran."]);
    }

    #[test]
    fn ellipses_split_only_before_a_capital() {
        let s = sentences("We waited... and waited… Then it came. Well … Nothing.");
        assert_eq!(s, ["We waited... and waited…", "Then it came.", "Well …", "Nothing."]);
    }

    #[test]
    fn lines_are_boundaries_and_blank_lines_vanish() {
        let s = sentences("Cost and Performance\n\nR1 is cheap.  \n- Skepticism:\nIt is not");
        assert_eq!(s, ["Cost and Performance", "R1 is cheap.", "Skepticism:", "It is not"]);
        let s = sentences("Markets rallied.- The index climbed 2%. - Criticism:\n- Nikkei fell.");
        assert_eq!(s, ["Markets rallied.", "The index climbed 2%.", "Criticism:", "Nikkei fell."]);
    }

    #[test]
    fn other_scripts_are_split_too() {
        assert_eq!(sentences("Es regnet. Wir bleiben drinnen."), ["Es regnet.", "Wir bleiben drinnen."]);
        assert!(sentences("").is_empty());
    }
}
