//! What sort of claim a sentence makes, so a desk knows what checking it takes: a quote needs its
//! source, a figure its data, a prediction can only be flagged. One kind per sentence, the first that
//! applies in the order below.

use serde::Serialize;
use strum::{AsRefStr, EnumString};

use super::features::tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, AsRefStr, EnumString, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClaimKind {
    QuoteOrAttribution,
    Quantity,
    Comparison,
    Cause,
    Prediction,
    PersonalExperience,
    Other,
}

const COMPARISON: &[&str] = &[
    "than",
    "more",
    "less",
    "fewer",
    "most",
    "least",
    "largest",
    "biggest",
    "highest",
    "lowest",
    "best",
    "worst",
    "record",
    "rival",
    "surpasses",
    "outperforms",
    "compared",
    "double",
    "half",
];
const CAUSE: &[&str] =
    &["because", "caused", "causes", "due", "led", "result", "resulted", "driven", "thanks", "therefore"];
const PREDICTION: &[&str] =
    &["will", "could", "may", "might", "going", "expect", "expects", "forecast", "predict", "predicts"];

/// The kind of claim in `sentence`; `attributed` when a claimant was found in it.
pub fn kind(sentence: &str, attributed: bool) -> ClaimKind {
    let toks = tokens(sentence);
    let has = |set: &[&str]| toks.iter().any(|t| set.contains(&t.as_str()));
    let quoted = sentence.contains(['“', '”', '"']);
    if attributed || quoted {
        ClaimKind::QuoteOrAttribution
    } else if toks.iter().any(|t| t == "#num")
        || sentence.contains('%')
        || has(&["million", "billion", "trillion", "percent"])
    {
        ClaimKind::Quantity
    } else if has(COMPARISON) || toks.iter().any(|t| t.len() > 5 && t.ends_with("est")) {
        ClaimKind::Comparison
    } else if has(CAUSE) {
        ClaimKind::Cause
    } else if has(PREDICTION) {
        ClaimKind::Prediction
    } else if has(&["i", "my", "me"]) {
        ClaimKind::PersonalExperience
    } else {
        ClaimKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::{ClaimKind::*, kind};

    #[test]
    fn kinds_in_order() {
        assert_eq!(kind("Khosla accused DeepSeek of lying.", true), QuoteOrAttribution);
        assert_eq!(kind("The Hang Seng Tech Index climbed 2%.", false), Quantity);
        assert_eq!(kind("R1 matches or surpasses its rival in key benchmarks.", false), Comparison);
        assert_eq!(kind("Prices rose because of the sanctions.", false), Cause);
        assert_eq!(kind("R1 could disrupt the reliance of companies on chips.", false), Prediction);
        assert_eq!(kind("I grew up in a mill town.", false), PersonalExperience);
        assert_eq!(kind("The sky is blue.", false), Other);
    }
}
