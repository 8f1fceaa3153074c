//! The rating scale. Ordered from most to least accurate for the scale-bearing verdicts; `misleading`
//! and `unsupported` sit beside the scale rather than on it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    True,
    MostlyTrue,
    Mixed,
    MostlyFalse,
    False,
    Misleading,
    Unsupported,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::True,
        Verdict::MostlyTrue,
        Verdict::Mixed,
        Verdict::MostlyFalse,
        Verdict::False,
        Verdict::Misleading,
        Verdict::Unsupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::True => "true",
            Verdict::MostlyTrue => "mostly_true",
            Verdict::Mixed => "mixed",
            Verdict::MostlyFalse => "mostly_false",
            Verdict::False => "false",
            Verdict::Misleading => "misleading",
            Verdict::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::True => "True",
            Verdict::MostlyTrue => "Mostly true",
            Verdict::Mixed => "Mixed",
            Verdict::MostlyFalse => "Mostly false",
            Verdict::False => "False",
            Verdict::Misleading => "Misleading",
            Verdict::Unsupported => "Unsupported",
        }
    }

    /// The verdict on a 1 (worst) to 5 (best) scale of accuracy, for schema.org `Rating` in ClaimReview.
    /// `misleading` and `unsupported` sit beside the scale; they are rated 2, below `mixed`, because a
    /// reader should not take either claim as reliable.
    pub fn rating(self) -> u8 {
        match self {
            Verdict::True => 5,
            Verdict::MostlyTrue => 4,
            Verdict::Mixed => 3,
            Verdict::MostlyFalse | Verdict::Misleading | Verdict::Unsupported => 2,
            Verdict::False => 1,
        }
    }

    pub fn definition(self) -> &'static str {
        match self {
            Verdict::True => "The claim is accurate and nothing significant is missing.",
            Verdict::MostlyTrue => "The claim is accurate but needs clarification or additional context.",
            Verdict::Mixed => "The claim has significant accurate and inaccurate parts.",
            Verdict::MostlyFalse => "The claim holds an element of truth but ignores facts that change its meaning.",
            Verdict::False => "The claim is inaccurate.",
            Verdict::Misleading => {
                "The claim's facts may be accurate, but they are presented to give a false impression."
            }
            Verdict::Unsupported => "No evidence available supports or refutes the claim; its maker has not shown it.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_round_trips_through_its_name() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            assert!(!v.definition().is_empty());
        }
        assert_eq!(Verdict::parse("pants_on_fire"), None);
    }
}
