//! The normalized form of a claim's text, used to recognise the same claim written twice.
//!
//! Two texts are the same claim when they differ only in case, whitespace, punctuation or Unicode
//! compatibility forms (NFKC). Punctuation separates words rather than vanishing, so "open-source"
//! equals "open source". Numbers keep what changes their value: a decimal point or comma between digits
//! ("5.6" is not "56"), a sign before a digit, and percent and currency signs ("$5.6" is not "€5.6").

use unicode_normalization::UnicodeNormalization;

const KEPT_SYMBOLS: &[char] = &['%', '$', '€', '£', '¥', '₹', '₩', '₽'];

pub fn normalize_text(text: &str) -> String {
    let chars: Vec<char> = text.nfkc().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(chars.len());
    let mut pending_space = false;
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let digit_before = prev.is_some_and(|p| p.is_numeric());
        let digit_after = next.is_some_and(|n| n.is_numeric());
        let keep = c.is_alphanumeric()
            || KEPT_SYMBOLS.contains(&c)
            || (matches!(c, '.' | ',') && digit_before && digit_after)
            || (matches!(c, '-' | '+' | '−') && digit_after && !prev.is_some_and(|p| p.is_alphanumeric()));
        if !keep {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(if c == '−' { '-' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_text as n;

    #[test]
    fn case_whitespace_and_punctuation_do_not_matter() {
        assert_eq!(n("  DeepSeek's R1   cost $5.6 million! "), n("deepseek’s r1 cost $5.6 MILLION"));
        assert_eq!(n("open-source tools"), n("open source tools"));
        assert_eq!(n("“CCP state psyop”"), "ccp state psyop");
    }

    #[test]
    fn compatibility_forms_are_folded() {
        assert_eq!(n("ＤｅｅｐＳｅｅｋ ﬁrm"), "deepseek firm");
        assert_eq!(n("Cafe\u{301}"), n("Café"));
    }

    #[test]
    fn numbers_keep_their_value() {
        assert_ne!(n("$5.6 million"), n("$56 million"));
        assert_ne!(n("fell 1.9%"), n("fell 19%"));
        assert_ne!(n("$5.6 million"), n("€5.6 million"));
        assert_ne!(n("moved -0.6%"), n("moved 0.6%"));
        assert_eq!(n("S&P 500 futures fell 1%."), "s p 500 futures fell 1%");
        assert_eq!(n("Nikkei 225-futures"), "nikkei 225 futures");
    }

    #[test]
    fn empty_and_punctuation_only_texts_normalize_to_empty() {
        assert_eq!(n(""), "");
        assert_eq!(n(" ... !!! "), "");
    }
}
