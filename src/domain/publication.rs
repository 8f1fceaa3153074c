//! What readers are told when a fact-check is published again: a changed verdict is a correction, and
//! says so with its date and reason (as the IFCN code of principles asks of its signatories).

use super::verdict::Verdict;

/// The correction note of a publication that changes the verdict from `before` to `after`, made on
/// `at` (an RFC 3339 timestamp); `None` when the verdict is unchanged or there was no publication before.
pub fn correction(at: &str, before: Option<Verdict>, after: Verdict, reason: Option<&str>) -> Option<String> {
    let before = before.filter(|b| *b != after)?;
    let mut note = format!("Updated on {}: rating changed from {} to {}", day(at), before.label(), after.label());
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => {
            note.push_str(" because ");
            note.push_str(reason.trim_end_matches('.'));
            note.push('.');
        }
        None => note.push('.'),
    }
    Some(note)
}

/// A timestamp's day in words, "27 January 2026"; the text as it is when it is not a timestamp.
pub fn day(at: &str) -> String {
    let date = at.get(..10).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date {
        Some(date) => date.format("%-d %B %Y").to_string(),
        None => at.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_verdict_is_a_dated_correction() {
        let at = "2026-01-27T09:30:00.000000Z";
        assert_eq!(
            correction(at, Some(Verdict::False), Verdict::Misleading, Some("a fuller transcript appeared.")).as_deref(),
            Some(
                "Updated on 27 January 2026: rating changed from False to Misleading because a fuller transcript appeared."
            )
        );
        assert_eq!(
            correction(at, Some(Verdict::True), Verdict::Mixed, None).as_deref(),
            Some("Updated on 27 January 2026: rating changed from True to Mixed.")
        );
        assert_eq!(correction(at, Some(Verdict::False), Verdict::False, Some("typo")), None);
        assert_eq!(correction(at, None, Verdict::False, None), None);
    }

    #[test]
    fn days_are_written_out() {
        assert_eq!(day("2025-03-05T00:00:00Z"), "5 March 2025");
        assert_eq!(day("2025-03-05"), "5 March 2025");
        assert_eq!(day("soon"), "soon");
    }
}
