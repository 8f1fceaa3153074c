//! How far the evidence leans true (`support`) and how settled that is (`confidence`).
//!
//! Each live evidence item weighs `reliability × confidence`, times `QUOTE_MISSING` when its excerpt
//! was found neither on the page as archived when it was cited nor on the page as it is now. Items from the same site that agree are
//! not independent, so among the items of one site and one stance they are ranked by weight and the k-th (from 0) counts `SITE_DECAY^k`
//! of its weight. Supporting items add to S⁺, refuting items to S⁻; context items count zero.
//! A number nobody gave is a default (`evidence::DEFAULT_CONFIDENCE`, the Sources registry's reliability
//! for the site or `DEFAULT_RELIABILITY`), low enough that an item attached with no numbers weighs less
//! than one weighed with care; each item's reason says which numbers were defaults.
//! With one unit of `DOUBT` standing for the evidence nobody has found yet:
//!
//! ```text
//! support    = (S⁺ + DOUBT/2) / (S⁺ + S⁻ + DOUBT)      0.5 when there is no evidence
//! confidence = |S⁺ − S⁻|      / (S⁺ + S⁻ + DOUBT)      0 when there is none or it cancels out
//! ```

use std::collections::HashMap;

use serde::Serialize;

use super::evidence::{ReliabilitySource, Stance};

pub const SITE_DECAY: f64 = 0.5;
pub const DOUBT: f64 = 1.0;
/// What an item whose quoted excerpt its own page does not contain still counts for.
pub const QUOTE_MISSING: f64 = 0.5;

/// What the formula needs to know of one evidence item.
#[derive(Debug, Clone)]
pub struct Item {
    pub evidence_id: i64,
    pub site: String,
    pub stance: Stance,
    pub reliability: f64,
    pub reliability_source: ReliabilitySource,
    pub confidence: f64,
    pub confidence_given: bool,
    /// The page was fetched and does not say what the excerpt quotes (and never did).
    pub quote_missing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemWeight {
    pub evidence_id: i64,
    pub site: String,
    pub stance: Stance,
    /// `reliability × confidence`, halved when the quote is missing.
    pub weight: f64,
    /// Where the reliability came from: given, the Sources registry, or the default.
    pub reliability_source: ReliabilitySource,
    /// Whether the confidence was given; else it is the default.
    pub confidence_given: bool,
    /// 1 for the heaviest item of its site with its stance, 2 for the next, ...; 0 for context items.
    pub site_rank: u32,
    /// `SITE_DECAY^(site_rank − 1)`, or 0 for context items.
    pub site_factor: f64,
    /// What the item adds to S⁺ (positive) or S⁻ (negative).
    pub contribution: f64,
    /// Why the item counts as it does, in words.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub support: f64,
    pub confidence: f64,
    pub supporting_weight: f64,
    pub refuting_weight: f64,
    pub doubt: f64,
    pub site_decay: f64,
    /// The result in words.
    pub explanation: String,
    pub items: Vec<ItemWeight>,
}

pub fn assess(items: &[Item]) -> Assessment {
    // Items that agree and come from one site repeat one source; an item from that site that says the
    // opposite is a source of its own, so the discount is kept within a site *and* a stance.
    let mut by_site: HashMap<(&str, Stance), Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if item.stance != Stance::Context {
            by_site.entry((item.site.as_str(), item.stance)).or_default().push(i);
        }
    }
    let weight = |i: usize| {
        let quote = if items[i].quote_missing { QUOTE_MISSING } else { 1.0 };
        items[i].reliability * items[i].confidence * quote
    };
    let mut rank = vec![0u32; items.len()];
    for members in by_site.values_mut() {
        // Heaviest first; ties go to the older item so the result never depends on input order.
        members.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)).then(items[a].evidence_id.cmp(&items[b].evidence_id)));
        for (k, &i) in members.iter().enumerate() {
            rank[i] = k as u32 + 1;
        }
    }

    let (mut plus, mut minus) = (0.0, 0.0);
    let weights = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let site_factor = if rank[i] == 0 { 0.0 } else { SITE_DECAY.powi(rank[i] as i32 - 1) };
            let effective = weight(i) * site_factor;
            let contribution = match item.stance {
                Stance::Supports => effective,
                Stance::Refutes => -effective,
                Stance::Context => 0.0,
            };
            if contribution > 0.0 {
                plus += contribution;
            } else {
                minus -= contribution;
            }
            ItemWeight {
                evidence_id: item.evidence_id,
                site: item.site.clone(),
                stance: item.stance,
                weight: round(weight(i)),
                reliability_source: item.reliability_source,
                confidence_given: item.confidence_given,
                site_rank: rank[i],
                site_factor,
                contribution: round(contribution),
                reason: reason(item, weight(i), rank[i], site_factor),
            }
        })
        .collect();

    let total = plus + minus + DOUBT;
    let (support, confidence) = (round((plus + DOUBT / 2.0) / total), round((plus - minus).abs() / total));
    Assessment {
        explanation: explain(items.len(), plus, minus, support, confidence),
        support,
        confidence,
        supporting_weight: round(plus),
        refuting_weight: round(minus),
        doubt: DOUBT,
        site_decay: SITE_DECAY,
        items: weights,
    }
}

fn reason(item: &Item, weight: f64, rank: u32, factor: f64) -> String {
    let quote = if item.quote_missing {
        format!(" × {QUOTE_MISSING} (the quoted excerpt is not on the page)")
    } else {
        String::new()
    };
    let reliability = match item.reliability_source {
        ReliabilitySource::Given => String::new(),
        ReliabilitySource::Source => format!(" (registered for {})", item.site),
        ReliabilitySource::Default => format!(" (no source registered for {})", item.site),
    };
    let confidence = if item.confidence_given { "" } else { " (not given)" };
    let base = format!(
        "reliability {}{reliability} × confidence {}{confidence}{quote} = {}",
        item.reliability,
        item.confidence,
        round(weight)
    );
    match (item.stance, rank) {
        (Stance::Context, _) => "context: counts zero".to_owned(),
        (_, 1) => format!("{base}, the strongest {} item from {}: counts in full", item.stance.as_str(), item.site),
        (_, _) => format!(
            "{base}, {} item {rank} from {}: counts ×{factor} because it repeats its site",
            item.stance.as_str(),
            item.site
        ),
    }
}

fn explain(count: usize, plus: f64, minus: f64, support: f64, confidence: f64) -> String {
    if plus + minus == 0.0 {
        let context = if count == 0 { "No evidence counts yet" } else { "Only context evidence so far" };
        return format!("{context}: support is neutral (0.5) and confidence 0.");
    }
    let lean = if support > 0.5 {
        "leans true"
    } else if support < 0.5 {
        "leans false"
    } else {
        "is evenly split"
    };
    format!(
        "Supporting weight {} against refuting weight {}: the evidence {lean} (support {support:.2}). \
         Confidence {confidence:.2} = |{} − {}| / ({} + {} + {DOUBT} for evidence not yet found).",
        round(plus),
        round(minus),
        round(plus),
        round(minus),
        round(plus),
        round(minus),
    )
}

/// Six decimals: enough to explain, and stable across platforms when printed.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, site: &str, stance: Stance, reliability: f64, confidence: f64) -> Item {
        Item {
            evidence_id: id,
            site: site.into(),
            stance,
            reliability,
            reliability_source: ReliabilitySource::Given,
            confidence,
            confidence_given: true,
            quote_missing: false,
        }
    }

    /// An item attached with no numbers, as `attach` stores it.
    fn defaulted(id: i64, site: &str, stance: Stance, registered: Option<f64>) -> Item {
        let (reliability, reliability_source) = crate::domain::evidence::reliability_of(None, registered);
        Item {
            reliability,
            reliability_source,
            confidence: crate::domain::evidence::DEFAULT_CONFIDENCE,
            confidence_given: false,
            ..item(id, site, stance, 0.0, 0.0)
        }
    }

    #[test]
    fn an_item_with_no_numbers_weighs_less_than_a_weighed_one() {
        let a =
            assess(&[defaulted(1, "example.com", Stance::Supports, None), item(2, "b.org", Stance::Refutes, 0.8, 0.5)]);
        assert_eq!((a.items[0].weight, a.items[1].weight), (0.25, 0.4));
        assert!(a.support < 0.5, "the weighed refutation outweighs the unweighed support");
    }

    #[test]
    fn the_reason_says_which_numbers_were_defaults() {
        let a = assess(&[
            defaulted(1, "example.com", Stance::Supports, None),
            defaulted(2, "reuters.com", Stance::Supports, Some(0.9)),
            item(3, "b.org", Stance::Supports, 0.8, 0.5),
        ]);
        assert!(
            a.items[0].reason.starts_with(
                "reliability 0.5 (no source registered for example.com) × confidence 0.5 (not given) = 0.25"
            ),
            "{}",
            a.items[0].reason
        );
        assert!(
            a.items[1].reason.starts_with("reliability 0.9 (registered for reuters.com) × confidence 0.5 (not given)")
        );
        assert!(a.items[2].reason.starts_with("reliability 0.8 × confidence 0.5 = 0.4"), "{}", a.items[2].reason);
        assert_eq!(a.items[1].reliability_source, ReliabilitySource::Source);
        assert!(!a.items[1].confidence_given && a.items[2].confidence_given);
    }

    #[test]
    fn a_missing_quote_halves_the_item_and_says_so() {
        let quoted = item(1, "a.org", Stance::Supports, 0.8, 1.0);
        let missing = Item { quote_missing: true, ..quoted.clone() };
        let (a, b) = (assess(&[quoted]), assess(&[missing]));
        assert_eq!(b.supporting_weight, a.supporting_weight * QUOTE_MISSING);
        assert!(b.items[0].reason.contains("quoted excerpt is not on the page"), "{}", b.items[0].reason);
        assert!(b.confidence < a.confidence);
    }

    #[test]
    fn no_evidence_is_undecided() {
        let a = assess(&[]);
        assert_eq!((a.support, a.confidence), (0.5, 0.0));
    }

    #[test]
    fn support_leans_with_the_stance() {
        let up = assess(&[item(1, "a.org", Stance::Supports, 0.9, 1.0)]);
        let down = assess(&[item(1, "a.org", Stance::Refutes, 0.9, 1.0)]);
        assert!(up.support > 0.5 && down.support < 0.5);
        assert_eq!(up.confidence, down.confidence);
        assert!((up.support - (0.9 + 0.5) / 1.9).abs() < 1e-6);
    }

    #[test]
    fn context_counts_zero() {
        let a = assess(&[item(1, "a.org", Stance::Context, 1.0, 1.0)]);
        assert_eq!((a.support, a.confidence), (0.5, 0.0));
        assert_eq!(a.items[0].contribution, 0.0);
    }

    #[test]
    fn same_site_items_count_with_diminishing_weight() {
        let one_site =
            assess(&[item(1, "a.org", Stance::Supports, 1.0, 1.0), item(2, "a.org", Stance::Supports, 1.0, 1.0)]);
        let two_sites =
            assess(&[item(1, "a.org", Stance::Supports, 1.0, 1.0), item(2, "b.org", Stance::Supports, 1.0, 1.0)]);
        assert_eq!(one_site.supporting_weight, 1.5);
        assert_eq!(two_sites.supporting_weight, 2.0);
        assert!(one_site.confidence < two_sites.confidence);
    }

    #[test]
    fn a_refuting_item_is_not_discounted_for_a_supporting_one_from_its_site() {
        let a = assess(&[item(1, "a.org", Stance::Supports, 0.9, 1.0), item(2, "a.org", Stance::Refutes, 0.5, 1.0)]);
        assert_eq!((a.supporting_weight, a.refuting_weight), (0.9, 0.5));
        assert_eq!(a.items[1].site_rank, 1, "first of its site among refuting items");
    }

    #[test]
    fn more_agreeing_evidence_is_more_settled_and_conflict_unsettles() {
        let one = assess(&[item(1, "a.org", Stance::Refutes, 0.8, 1.0)]);
        let two = assess(&[item(1, "a.org", Stance::Refutes, 0.8, 1.0), item(2, "b.org", Stance::Refutes, 0.8, 1.0)]);
        let split =
            assess(&[item(1, "a.org", Stance::Refutes, 0.8, 1.0), item(2, "b.org", Stance::Supports, 0.8, 1.0)]);
        assert!(two.confidence > one.confidence);
        assert_eq!(split.confidence, 0.0);
        assert_eq!(split.support, 0.5);
    }

    #[test]
    fn result_does_not_depend_on_order_and_stays_in_range() {
        let items = vec![
            item(1, "a.org", Stance::Supports, 0.3, 0.9),
            item(2, "a.org", Stance::Refutes, 0.7, 0.6),
            item(3, "b.org", Stance::Supports, 1.0, 1.0),
            item(4, "a.org", Stance::Supports, 0.7, 0.6),
        ];
        let mut reversed = items.clone();
        reversed.reverse();
        let (a, b) = (assess(&items), assess(&reversed));
        assert_eq!((a.support, a.confidence), (b.support, b.confidence));
        assert!((0.0..=1.0).contains(&a.support) && (0.0..=1.0).contains(&a.confidence));
    }
}
