use super::features::Weights;
use super::index::{Entry, Index, Meta};
use super::text::{analyze, camel_words};
use super::{Thresholds, Tier};
use crate::domain::workflow::Status;

fn words(text: &str) -> Vec<String> {
    analyze(text, None).words
}

#[test]
fn links_handles_tags_and_emoji_are_read_for_what_they_say() {
    let a = analyze("Massive 🔥 fires! #AustralianFires @CenterForBioDiv https://t.co/x pic.twitter.com/0eJ", None);
    assert_eq!(a.words, ["massiv", "fire", "australian", "fire", "center", "bio", "div"]);
    assert_eq!(a.entities, ["center", "bio", "div"], "a handle names someone");
    assert_eq!(camel_words("DefundTheCBC"), ["Defund", "The", "CBC"]);
    assert_eq!(camel_words("CBCNews"), ["CBC", "News"]);
    assert_eq!(camel_words("real_donald_trump"), ["real", "donald", "trump"]);
    assert_eq!(words("#DefundTheCBChttps://t.co/CsHG8R9cHp"), ["defund", "cbc"]);
}

#[test]
fn an_embedded_tweets_signature_is_not_its_claim() {
    let a = analyze("Bricks of cocaine washed up pic.twitter.com/Ap — NowThis (@nowthisnews) September 10, 2019", None);
    assert_eq!(a.words, ["brick", "cocain", "wash"]);
    assert!(a.numbers.is_empty());
}

#[test]
fn numbers_have_one_spelling_whatever_their_scale_words_and_signs() {
    for text in ["$5.6M", "5.6 million dollars", "5,600,000", "$5.6 mn", "US$5.6m"] {
        assert_eq!(analyze(text, None).numbers, ["5600000"], "{text}");
    }
    for text in ["5.4%", "5.4 percent", "5.4 per cent"] {
        assert_eq!(analyze(text, None).numbers, ["5.4%"], "{text}");
    }
    assert_eq!(analyze("3 billion and 2bn and 1,5", None).numbers, ["1.5", "2000000000", "3000000000"]);
    assert_eq!(analyze("the 1990s, 21st century, 5G and R1", None).numbers, ["1990", "21"]);
    assert_eq!(words("5G and R1"), ["5g", "r1"]);
}

#[test]
fn inflected_words_share_a_stem_and_stop_words_go() {
    assert_eq!(words("The models were training"), words("a model trains"));
    assert_eq!(words("It is what it is"), Vec::<String>::new());
    assert_eq!(analyze("Los modelos", Some("es")).words, analyze("el modelo", Some("es")).words);
}

#[test]
fn names_are_capitalized_words_inside_a_sentence_not_shouting() {
    assert_eq!(analyze("Yesterday Liang Wenfeng founded it.", None).entities, ["liang", "wenfeng"]);
    assert!(analyze("STOP POSING AS MY DAD", None).entities.is_empty());
}

const SEED: &[(&str, &str)] = &[
    ("DeepSeek developed its R1 reasoning model for just $5.6 million.", "DeepSeek"),
    ("DeepSeek's R1 matches or surpasses OpenAI's o1 model on key benchmarks.", "the article"),
    (
        "DeepSeek is a \"CCP state psyop\" aimed at undermining U.S. AI efforts by lowering training costs.",
        "Neal Khosla",
    ),
    (
        "Marc Andreessen called R1 \"one of the most amazing and impressive breakthroughs I've ever seen.\"",
        "the article",
    ),
    ("Nasdaq 100 futures fell 1.9% during Asian trading hours after R1's launch.", "the article"),
    ("S&P 500 futures fell 1% during Asian trading hours after R1's launch.", "the article"),
    ("The Hang Seng Tech Index climbed 2% on optimism about DeepSeek.", "the article"),
    ("Japan's Nikkei 225 futures dropped 0.6%.", "the article"),
    ("Chipmaker Advantest Corp. lost 8.6%.", "the article"),
    ("SoftBank Group Corp. fell by 5.4%.", "the article"),
    (
        "By Sunday afternoon, DeepSeek's AI assistant topped Apple's App Store charts, overtaking ChatGPT.",
        "the article",
    ),
    ("DeepSeek was founded in 2023 by Liang Wenfeng.", "the article"),
    (
        "DeepSeek is funded exclusively by Liang Wenfeng's hedge fund High-Flyer and has no external investors.",
        "the article",
    ),
    ("Yann LeCun credited Meta's PyTorch and Llama as foundational to DeepSeek's innovation.", "the article"),
    ("U.S. export restrictions remain a bottleneck for DeepSeek.", "Liang Wenfeng"),
    ("DeepSeek built R1 without access to U.S.-restricted high-end chips.", "the article"),
];

fn seeded() -> Index {
    let mut index = Index::default();
    for (i, (text, claimant)) in SEED.iter().enumerate() {
        index.upsert(Entry {
            id: i as i64 + 1,
            text: text.to_string(),
            claimant: Some(claimant.to_string()),
            context: Vec::new(),
            language: None,
            meta: Meta { text: text.to_string(), status: Status::Published, verdict: None, published: true },
        });
    }
    index
}

fn best(index: &Index, text: &str) -> Option<(i64, f64)> {
    let found = index.search(text, None, 5, Weights::builtin(), |_, _| true);
    found.first().map(|c| (c.id, c.score))
}

#[test]
fn paraphrases_of_seed_claims_match_them() {
    let index = seeded();
    let related = Thresholds::default().related;
    for (paraphrase, seed) in [
        ("DeepSeek says it built R1 for only $5.6M, a fraction of US spending", 1),
        ("Neal Khosla says DeepSeek is a Chinese state psyop", 3),
        ("DeepSeek built the R1 model for only $5.6 million", 1),
        ("R1 from DeepSeek matches OpenAI's o1 on important benchmarks", 2),
        ("Liang Wenfeng founded DeepSeek in 2023", 12),
        ("Shares of SoftBank Group fell 5.4 percent", 10),
        ("Wow!! #DeepSeek trained R1 on 5,600,000 dollars 🤯 https://t.co/abc — Fan (@aifan) January 27, 2025", 1),
        ("Andreessen: R1 is one of the most amazing breakthroughs he has seen", 4),
    ] {
        let (id, score) = best(&index, paraphrase).expect(paraphrase);
        assert_eq!(id, seed, "{paraphrase}");
        assert!(score >= related, "{paraphrase} scores {score}");
    }
}

#[test]
fn other_claims_on_the_same_subject_do_not_match() {
    let index = seeded();
    let related = Thresholds::default().related;
    for text in [
        "Dow Jones futures fell 0.3% during European trading hours after R1's launch.",
        "DeepSeek developed its R1 reasoning model for $100 million.",
        "Liang Wenfeng founded DeepSeek in 2015",
        "Nasdaq 100 futures fell 3% after the launch",
    ] {
        if let Some((id, score)) = best(&index, text) {
            assert!(score < related, "{text} matches claim {id} with {score}");
        }
    }
}

#[test]
fn answers_explain_what_matched() {
    let index = seeded();
    let found = index.search("DeepSeek says it built R1 for only $5.6M", None, 1, Weights::builtin(), |_, _| true);
    let top = &found[0];
    assert_eq!(top.numbers, ["5600000"]);
    assert!(top.words.contains(&"deepseek".to_string()), "{:?}", top.words);
    assert!(index.search("x", None, 5, Weights::builtin(), |_, _| true).is_empty());
    let kept = index.search("Liang Wenfeng founded DeepSeek in 2023", None, 5, Weights::builtin(), |id, _| id != 12);
    assert!(kept.iter().all(|c| c.id != 12), "what `keep` refuses is not shown");
}

#[test]
fn replacing_and_removing_claims_keeps_the_index_true() {
    let mut index = seeded();
    let meta = Meta { text: "x".into(), status: Status::Submitted, verdict: None, published: false };
    index.upsert(Entry {
        id: 12,
        text: "Hangzhou hosts the headquarters of DeepSeek.".into(),
        claimant: None,
        context: vec!["Where is DeepSeek based?".into()],
        language: None,
        meta,
    });
    assert_ne!(best(&index, "Liang Wenfeng founded DeepSeek in 2023").map(|b| b.0), Some(12));
    assert_eq!(best(&index, "DeepSeek headquarters Hangzhou").map(|b| b.0), Some(12));
    index.remove(12);
    assert_ne!(best(&index, "DeepSeek headquarters Hangzhou").map(|b| b.0), Some(12));
    assert_eq!(index.len(), SEED.len() - 1);
    assert_eq!(Thresholds::default().tier(0.99), Some(Tier::Same));
    assert_eq!(Thresholds::default().tier(0.0), None);
}
