use super::features::{Features, SAYS_OTHERWISE, Scoring};
use super::index::{Among, Doc, Filter, Index};
use super::rank::{Analyzed, Found, Ranked, rank, widen};
use super::text::{analyze, camel_words, collapse_key, language_code};
use super::{Fields, Thresholds, Tier};

fn terms(text: &str) -> Vec<String> {
    analyze(text, None).terms
}

#[test]
fn links_handles_tags_and_emoji_are_read_for_what_they_say() {
    let a = analyze("Massive 🔥 fires! #AustralianFires @CenterForBioDiv https://t.co/x pic.twitter.com/0eJ", None);
    assert_eq!(a.terms, ["massiv", "fire", "australian", "fire", "center", "bio", "div"]);
    assert_eq!(camel_words("DefundTheCBC"), ["Defund", "The", "CBC"]);
    assert_eq!(camel_words("CBCNews"), ["CBC", "News"]);
    assert_eq!(camel_words("real_donald_trump"), ["real", "donald", "trump"]);
    assert_eq!(terms("#DefundTheCBChttps://t.co/CsHG8R9cHp"), ["defund", "cbc"]);
    assert_eq!(terms("(via @Real_Donald_Trump)"), ["real", "donald", "trump"]);
}

#[test]
fn a_word_no_claim_holds_is_read_as_the_two_words_claims_hold() {
    let df = |known: &'static [(&'static str, u32)]| {
        move |term: &str| known.iter().find(|(t, _)| *t == term).map_or(0, |(_, n)| *n)
    };
    // "cornf lakes" has the more common half, and the larger sum; "corn flakes" the more common rarer
    // half, which is what tells words from fragments.
    let known = df(&[("corn", 4), ("flake", 2), ("invent", 9), ("cornf", 9), ("lake", 1)]);
    let split = analyze("Why were cornflakes invented? #CORNFLAKES", None).split_unknown(known).unwrap();
    assert_eq!(split.terms, ["corn", "flake", "invent", "corn", "flake"]);
    assert_eq!(split.surface_of("flake"), "flakes", "the words shown are as written");
    let with = |known| analyze("@nealkhosla", None).split_unknown(known).map(|a| a.terms);
    assert_eq!(with(df(&[("neal", 1), ("khosla", 1)])), Some(vec!["neal".to_owned(), "khosla".to_owned()]));
    assert_eq!(with(df(&[("neal", 1)])), None, "both halves must be words claims hold");
    assert_eq!(with(df(&[("nealkhosla", 1), ("neal", 1), ("khosla", 1)])), None, "a word claims hold stays");
    let none = |text: &str, known| analyze(text, None).split_unknown(known);
    assert_eq!(none("theseflakes", df(&[("flake", 2), ("these", 9)])), None, "a stop word is no half");
    assert_eq!(none("usaid", df(&[("usa", 2), ("id", 9)])), None, "halves of fewer than four letters");
    assert_eq!(none("cornfläkes", df(&[("corn", 4), ("fläke", 2)])), None, "ASCII letters only");
    // Each try stems both halves: a long word would cost the square of its length.
    let long = "corn".repeat(500);
    let any_but_whole = |term: &str| u32::from(term.len() < 1_900);
    assert_eq!(analyze(&long, None).split_unknown(any_but_whole), None, "a word longer than two of a tag");

    // A denied word's halves are denied: the claim that holds them is not the same claim.
    let claim = analyze("Corn flakes in a bowl", None);
    let denial = analyze("These are not cornflakes", None).split_unknown(df(&[("corn", 4), ("flake", 2)])).unwrap();
    let hashes = |a: &super::text::Analysis| super::index::term_hashes(&a.terms);
    assert!(denial.qualifiers.differs(&hashes(&denial), &claim.qualifiers, &hashes(&claim)));
}

#[test]
fn an_embedded_tweets_signature_is_read_too() {
    let a = analyze("Bricks of cocaine washed up pic.twitter.com/Ap — NowThis (@nowthisnews) September 10, 2019", None);
    assert_eq!(a.terms, ["brick", "cocain", "wash", "nowthi", "nowthisnew", "septemb", "#10", "#2019"]);
}

#[test]
fn numbers_have_one_spelling_whatever_their_scale_words_and_signs() {
    for text in ["$5.6M", "5.6 million dollars", "5,600,000", "$5.6 mn", "US$5.6m", "5.6 Million", "5600k"] {
        assert_eq!(analyze(text, None).numbers(), ["5600000"], "{text}");
    }
    for text in ["5.4%", "5.4 percent", "5.4 per cent", "5.4 pct"] {
        assert_eq!(analyze(text, None).numbers(), ["5.4%"], "{text}");
    }
    assert_eq!(analyze("3 billion and 2bn and 1,5", None).numbers(), ["1.5", "2000000000", "3000000000"]);
    assert_eq!(analyze("$1.2 trillion, 40k jobs", None).numbers(), ["1200000000000", "40000"]);
    for (text, language) in
        [("5,6 millones", "es"), ("5,6 millions", "fr"), ("5,6 Millionen", "de"), ("5,6 milhões", "pt")]
    {
        assert_eq!(analyze(text, Some(language)).numbers(), ["5600000"], "{text}");
    }
    assert_eq!(analyze("2,5 Milliarden", Some("de")).numbers(), ["2500000000"]);
    // A thousand millions is "mil millones"; outside English a "billion" is a million millions.
    for (text, language) in
        [("5 mil millones", "es"), ("5 mil milhões", "pt"), ("5 milliards", "fr"), ("5 billion", "en")]
    {
        assert_eq!(analyze(text, Some(language)).numbers(), ["5000000000"], "{text}");
    }
    for (text, language) in [("1 billion", "fr"), ("1 Billion", "de"), ("1 billón", "es")] {
        assert_eq!(analyze(text, Some(language)).numbers(), ["1000000000000"], "{text}");
    }
    assert_eq!(analyze("20 mil personas", Some("es")).numbers(), ["20000"]);
    assert_eq!(analyze("the 1990s, 21st century, 5G and R1", None).numbers(), ["1990", "21"]);
    assert_eq!(terms("5G and R1"), ["5g", "r1"]);
    assert_eq!(terms("5 m away"), ["#5", "away"], "a lone letter is no scale");
    assert_eq!(terms("12 per day"), ["#12", "per", "day"]);
    assert_eq!(terms("It cost 2,000."), ["cost", "#2000"]);
}

#[test]
fn inflected_words_share_a_stem_and_stop_words_go() {
    assert_eq!(terms("The models were training"), terms("a model trains"));
    assert_eq!(terms("It is what it is, isn't it?"), Vec::<String>::new());
    assert_eq!(terms("DeepSeek's R1"), ["deepseek", "r1"]);
    assert_eq!(terms("US spending"), ["us", "spend"], "US is the country, not a stop word");
    assert_eq!(analyze("Los modelos", Some("es")).terms, analyze("el modelo", Some("es")).terms);
}

#[test]
fn a_language_given_by_name_or_region_takes_its_own_stop_words() {
    for (given, text, bare) in [
        ("Spanish", "el gobierno de la ciudad", "gobierno ciudad"),
        ("german", "die Regierung und der Chip", "Regierung Chip"),
        ("fr-CA", "le gouvernement et la puce", "gouvernement puce"),
    ] {
        let code = language_code(Some(given));
        assert_eq!(analyze(text, Some(given)).terms, analyze(bare, Some(code)).terms, "{given}");
    }
}

#[test]
fn claims_differing_in_case_and_punctuation_only_share_a_key() {
    assert_eq!(collapse_key("Obama: 'I was born in Kenya!'"), collapse_key("obama  I WAS born in kenya"));
    assert_ne!(collapse_key("Obama was born in Kenya"), collapse_key("Obama was born in Hawaii"));
}

fn index_of(claims: &[Fields]) -> Index {
    let mut index = Index::default();
    for (i, c) in claims.iter().enumerate() {
        let terms = c.analyze().terms;
        index.upsert(Doc { id: i as i64 + 1, terms: &terms, published: true, digest: c.digest() });
    }
    index
}

/// The seed claims, indexed as the server indexes them: text, claimant, the article's title and the
/// quoted sentence.
fn seed() -> Vec<Fields> {
    let file: toml::Value = toml::from_str(include_str!("../../../claims/deepseek-r1.toml")).unwrap();
    let title = file["source"]["title"].as_str().unwrap().to_string();
    file["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Fields {
            text: c["text"].as_str().unwrap().into(),
            claimant: c.get("claimant").and_then(|v| v.as_str()).map(Into::into),
            context: [Some(title.clone()), c.get("quote").and_then(|v| v.as_str()).map(Into::into)]
                .into_iter()
                .flatten()
                .collect(),
            language: Some("en".into()),
        })
        .collect()
}

fn find(index: &Index, claims: &[Fields], text: &str, filter: Filter) -> Vec<Ranked> {
    let query = analyze(text, None);
    let top = index.top(&query.terms, 20, &filter);
    let analyzed: Vec<Analyzed> = top.iter().map(|&(id, _)| Analyzed::of(&claims[id as usize - 1])).collect();
    let found: Vec<Found> =
        top.iter().zip(&analyzed).map(|(&(id, bm25), analyzed)| Found { id, bm25, analyzed, cosine: None }).collect();
    let idf = |t: u64| index.idf(t);
    rank(&query, &found, &idf, Scoring::builtin(None), super::rank::BY_SCORE)
}

fn seed_id(claims: &[Fields], starts: &str) -> i64 {
    claims.iter().position(|c| c.text.starts_with(starts)).expect(starts) as i64 + 1
}

#[test]
fn paraphrases_of_seed_claims_match_them() {
    let claims = seed();
    let index = index_of(&claims);
    let related = Thresholds::default().related;
    for (paraphrase, seed) in [
        ("DeepSeek says it built R1 for only $5.6M, a fraction of US spending", "DeepSeek developed its R1"),
        ("Neal Khosla says DeepSeek is a Chinese state psyop", "DeepSeek is a \"CCP state psyop\""),
        ("DeepSeek built the R1 model for only $5.6 million", "DeepSeek developed its R1"),
        ("R1 from DeepSeek matches OpenAI's o1 on important benchmarks", "DeepSeek's R1 matches"),
        ("Liang Wenfeng founded DeepSeek in 2023", "DeepSeek was founded in 2023"),
        ("Shares of SoftBank Group fell 5.4 percent", "SoftBank Group Corp. fell"),
        ("DeepSeek desarrolló R1 por solo 5,6 millones de dólares", "DeepSeek developed its R1"),
        (
            "Wow!! #DeepSeek trained R1 on 5,600,000 dollars 🤯 https://t.co/abc — Fan (@aifan) January 27, 2025",
            "DeepSeek developed its R1",
        ),
    ] {
        let found = find(&index, &claims, paraphrase, Filter::default());
        let top = found.first().expect(paraphrase);
        assert_eq!(top.id, seed_id(&claims, seed), "{paraphrase}: {found:?}");
        assert!(top.score >= related, "{paraphrase} scores {}", top.score);
    }
}

#[test]
fn other_claims_on_the_same_subject_are_not_the_same() {
    let claims = seed();
    let index = index_of(&claims);
    for text in [
        "Dow Jones futures fell 0.3% during European trading hours after R1's launch.",
        "DeepSeek developed its R1 reasoning model for $100 million.",
        "Liang Wenfeng founded DeepSeek in 2015",
        "Nasdaq 100 futures fell 3% after the launch",
    ] {
        for r in find(&index, &claims, text, Filter::default()) {
            let tier = Thresholds::default().tier(&r);
            assert_ne!(tier, Some(Tier::Same), "{text} is claim {} ({}, {:?})", r.id, r.score, r.features);
        }
    }
    // Denials and bounds: the claim they deny comes first, and says otherwise.
    for (text, seed) in [
        ("DeepSeek's R1 cost way more than $5.6 million to develop", "DeepSeek developed its R1"),
        ("DeepSeek did not develop its R1 reasoning model for $5.6 million", "DeepSeek developed its R1"),
        ("DeepSeek's R1 doesn't match OpenAI's o1 on key benchmarks", "DeepSeek's R1 matches"),
        ("DeepSeek is not a CCP state psyop", "DeepSeek is a \"CCP state psyop\""),
        ("DeepSeek has external investors besides High-Flyer", "DeepSeek is funded exclusively"),
    ] {
        let found = find(&index, &claims, text, Filter::default());
        let top = found.first().expect(text);
        assert_eq!(top.id, seed_id(&claims, seed), "{text}: {found:?}");
        assert!(top.says_otherwise(), "{text}: {:?}", top.features);
        assert_eq!(Thresholds::default().tier(top), Some(Tier::Related), "{text}");
    }
}

#[test]
fn answers_explain_what_matched() {
    let claims = seed();
    let index = index_of(&claims);
    let found = find(&index, &claims, "DeepSeek says it built R1 for only $5.6M", Filter::default());
    let top = &found[0];
    assert_eq!(top.numbers, ["5600000"]);
    assert!(top.words.contains(&"deepseek".to_string()), "{:?}", top.words);
    assert!(top.features.get("bm25").is_some() && top.features.get("claim_coverage").is_some());
    assert!(find(&index, &claims, "the", Filter::default()).is_empty());
    let founded = seed_id(&claims, "DeepSeek was founded in 2023");
    let except = Filter { except: Some(founded), ..Filter::default() };
    assert!(find(&index, &claims, "Liang Wenfeng founded DeepSeek in 2023", except).iter().all(|c| c.id != founded));
}

#[test]
fn claims_with_the_same_text_are_one_shown_as_the_oldest() {
    let claims = vec![
        Fields { text: "Obama was born in Kenya.".into(), context: vec!["Birthplace".into()], ..Fields::default() },
        Fields { text: "Vaccines cause autism.".into(), ..Fields::default() },
        Fields {
            text: "Obama was born in KENYA!".into(),
            context: vec!["Was Barack Obama born in Kenya, as the viral post says?".into()],
            ..Fields::default()
        },
    ];
    let index = index_of(&claims);
    let found = find(&index, &claims, "Barack Obama was born in Kenya, viral post says", Filter::default());
    assert_eq!(found[0].id, 1, "the oldest, at the place of the best: {found:?}");
    assert_eq!(found[0].duplicates, [3]);
    assert!(found.iter().all(|r| r.id != 3));
}

#[test]
fn replacing_and_removing_claims_keeps_the_index_true() {
    let mut claims = seed();
    let mut index = index_of(&claims);
    let founded = seed_id(&claims, "DeepSeek was founded in 2023");
    let moved = Fields { text: "Hangzhou hosts the headquarters of DeepSeek.".into(), ..Fields::default() };
    let terms = moved.analyze().terms;
    index.upsert(Doc { id: founded, terms: &terms, published: false, digest: moved.digest() });
    claims[founded as usize - 1] = moved;
    assert_ne!(find(&index, &claims, "Liang Wenfeng founded DeepSeek in 2023", Filter::default())[0].id, founded);
    assert_eq!(find(&index, &claims, "DeepSeek headquarters Hangzhou", Filter::default())[0].id, founded);
    let public = Filter { published_only: true, ..Filter::default() };
    assert!(find(&index, &claims, "DeepSeek headquarters Hangzhou", public).iter().all(|r| r.id != founded));
    index.remove(founded);
    assert!(find(&index, &claims, "DeepSeek headquarters Hangzhou", Filter::default()).iter().all(|r| r.id != founded));
    assert_eq!(index.len(), claims.len() - 1);
    assert_eq!(index.dead(), 2);
    let scored = |score: f64, says_otherwise: f64| {
        let features = Features([(SAYS_OTHERWISE, says_otherwise)].into_iter().collect());
        Thresholds::default().tier(&Ranked { score, features, ..Ranked::default() })
    };
    assert_eq!((scored(0.99, 0.0), scored(0.99, 1.0), scored(0.0, 0.0)), (Some(Tier::Same), Some(Tier::Related), None));
}

/// A small generator, so the index is checked on many claims without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn the_pruned_lookup_ranks_exactly_as_scoring_every_claim() {
    // Words drawn from a skewed vocabulary: a few in most claims (read only for claims already found,
    // through their skip entries), many rare.
    let mut rng = Rng(7);
    let word = |rng: &mut Rng| {
        let r = rng.below(1000);
        let w = if r < 500 {
            rng.below(5)
        } else if r < 800 {
            rng.below(100)
        } else {
            rng.below(5000)
        };
        format!("w{w}")
    };
    let docs: Vec<Vec<String>> = (0..3000).map(|_| (0..3 + rng.below(15)).map(|_| word(&mut rng)).collect()).collect();
    let mut index = Index::default();
    for (i, d) in docs.iter().enumerate() {
        index.upsert(Doc { id: i as i64 + 1, terms: d, published: i % 3 != 0, digest: i as u32 });
    }
    // Some claims replaced, so dead postings are passed over too.
    for i in (0..3000).step_by(17) {
        let d: Vec<String> = (0..5).map(|_| word(&mut rng)).collect();
        index.upsert(Doc { id: i as i64 + 1, terms: &d, published: true, digest: u32::MAX });
    }
    for q in 0..200 {
        let query: Vec<String> = (0..1 + rng.below(12)).map(|_| word(&mut rng)).collect();
        let filter = Filter { published_only: q % 2 == 0, except: Some(5), ..Filter::default() };
        let fast = index.top(&query, 10, &filter);
        let mut all = index.top(&query, 100_000, &filter);
        all.truncate(10);
        assert_eq!(fast, all, "{query:?}");
    }
}

#[test]
fn looking_up_many_claims_that_score_alike_passes_over_their_blocks_to_the_oldest() {
    // More claims alike than a lookup may visit one by one: the oldest three, indexed again after
    // all the others, are only reached by passing over the blocks of those that merely tie.
    let words = |extra: &str| ["deepseek", "cost", extra].map(String::from).to_vec();
    let mut index = Index::default();
    for id in 1..=30_000 {
        index.upsert(Doc { id, terms: &words(&format!("n{}", id % 5)), published: true, digest: 0 });
    }
    for id in 1..=3 {
        index.upsert(Doc { id, terms: &words(&format!("n{}", id % 5)), published: true, digest: 1 });
    }
    let all = Filter::default();
    let top = index.top(&words("train"), 3, &all);
    assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(top.windows(2).all(|p| p[0].1 == p[1].1), "{top:?}");
    // A claim better than all of them, anywhere, still comes first.
    index.upsert(Doc { id: 30_001, terms: &words("train"), published: true, digest: 0 });
    let top = index.top(&words("train"), 3, &all);
    assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), [30_001, 1, 2]);
}

/// A collection for the search tests: claim `i + 1` holds `docs[i]` (`None`: removed), published when
/// `published[i]`.
struct Collection {
    index: Index,
    docs: Vec<Option<Vec<String>>>,
    published: Vec<bool>,
}

impl Collection {
    fn new(docs: Vec<Vec<String>>, rng: &mut Rng) -> Collection {
        let mut index = Index::default();
        let published: Vec<bool> = docs.iter().map(|_| rng.below(3) != 0).collect();
        for (i, d) in docs.iter().enumerate() {
            index.upsert(Doc { id: i as i64 + 1, terms: d, published: published[i], digest: i as u32 });
        }
        Collection { index, docs: docs.into_iter().map(Some).collect(), published }
    }

    /// Claims replaced (indexed again in new places, so places no longer follow ids) and removed.
    fn churn(&mut self, rng: &mut Rng, word: impl Fn(&mut Rng) -> String) {
        for i in 0..self.docs.len() {
            match rng.below(20) {
                0 => {
                    let d: Vec<String> = (0..2 + rng.below(8)).map(|_| word(rng)).collect();
                    self.index.upsert(Doc { id: i as i64 + 1, terms: &d, published: self.published[i], digest: !0 });
                    self.docs[i] = Some(d);
                }
                1 => {
                    self.index.remove(i as i64 + 1);
                    self.docs[i] = None;
                }
                _ => {}
            }
        }
    }

    /// The ids of the claims holding every query term, found claim by claim.
    fn holding(&self, query: &[String], published_only: bool, among: Option<&[i64]>) -> Vec<i64> {
        (0..self.docs.len())
            .filter(|&i| !published_only || self.published[i])
            .filter(|&i| self.docs[i].as_ref().is_some_and(|d| query.iter().all(|q| d.contains(q))))
            .map(|i| i as i64 + 1)
            .filter(|id| among.is_none_or(|a| a.contains(id)))
            .collect()
    }

    /// Checks a query every way: the pruned search against scoring every claim that holds the terms,
    /// of them all and among every third claim, and the pruned lookup against scoring every claim that
    /// holds any.
    fn check(&self, query: &[String], published_only: bool) {
        let filter = Filter { published_only, ..Filter::default() };
        let thirds: Vec<i64> = (1..=self.docs.len() as i64).filter(|id| id % 3 == 1).collect();
        let among: Among = thirds.iter().copied().collect();
        for (within, some) in [(None, None), (Some(&thirds[..]), Some(&among))] {
            let holding = self.holding(query, published_only, within);
            let all = self.index.search(query, 1_000_000, &filter, some);
            let mut found: Vec<i64> = all.iter().map(|a| a.0).collect();
            found.sort_unstable();
            assert_eq!(found, holding, "{query:?}");
            assert_eq!(self.index.count(query, &filter, some), holding.len(), "{query:?}");
            for pair in all.windows(2) {
                assert!(
                    pair[0].1 > pair[1].1 || (pair[0].1 == pair[1].1 && pair[0].0 < pair[1].0),
                    "{query:?}: {all:?}"
                );
            }
            let ids: Vec<i64> = all.iter().map(|a| a.0).collect();
            assert_eq!(self.index.rank(query, &holding), ids, "{query:?}");
            for k in [1, 3, 10, 50] {
                let pruned = self.index.search(query, k, &filter, some);
                assert_eq!(pruned, all[..k.min(all.len())], "{query:?}, k = {k}");
            }
        }
        // The lookup of claims holding any of the words, pruned against not.
        let any = self.index.top(query, 1_000_000, &filter);
        for k in [1, 3, 10, 50] {
            assert_eq!(self.index.top(query, k, &filter), any[..k.min(any.len())], "{query:?}, k = {k}");
        }
    }
}

#[test]
fn searching_every_term_prunes_without_changing_the_answer() {
    let mut rng = Rng(11);
    // A skewed vocabulary: a few words in most claims, many rare; words repeat within a claim.
    let word = |rng: &mut Rng| {
        let r = rng.below(1000);
        let w = if r < 400 {
            rng.below(4)
        } else if r < 800 {
            4 + rng.below(60)
        } else {
            64 + rng.below(3000)
        };
        format!("w{w}")
    };
    for size in [40, 700, 6000] {
        let docs: Vec<Vec<String>> = (0..size)
            .map(|i| {
                let mut d: Vec<String> = (0..2 + rng.below(14)).map(|_| word(&mut rng)).collect();
                if i % 97 == 0 {
                    d.extend(std::iter::repeat_n("w1".to_string(), 300)); // a count past what a block bound holds
                }
                d
            })
            .collect();
        let mut collection = Collection::new(docs, &mut rng);
        for round in 0..2 {
            for q in 0..150 {
                let query: Vec<String> = (0..1 + rng.below(3)).map(|_| word(&mut rng)).collect();
                collection.check(&query, q % 3 == 0);
            }
            collection.check(&["w0".into(), "w0".into(), "w1".into()], false);
            collection.check(&["w2".into(), "nowhere".into()], false);
            if round == 0 {
                collection.churn(&mut rng, word);
            }
        }
    }
}

#[test]
fn searching_many_claims_that_score_alike_answers_the_oldest() {
    // Claims of one length with one count each: every claim holding the words ties, and the oldest
    // win, also those indexed again in the newest places.
    let mut rng = Rng(5);
    let docs: Vec<Vec<String>> =
        (0..3000).map(|i| ["common".to_string(), format!("f{}", i % 3), format!("g{}", i % 7)].to_vec()).collect();
    let mut collection = Collection::new(docs, &mut rng);
    for id in [1, 2, 40, 900] {
        let d = collection.docs[id - 1].clone().unwrap();
        collection.index.upsert(Doc { id: id as i64, terms: &d, published: true, digest: !0 });
        collection.published[id - 1] = true;
    }
    collection.index.remove(5);
    collection.docs[4] = None;
    for query in [&["common"][..], &["common", "f1"], &["g3", "f2"], &["f0", "g0", "common"]] {
        let query: Vec<String> = query.iter().map(|w| w.to_string()).collect();
        collection.check(&query, false);
        collection.check(&query, true);
    }
    let top = collection.index.search(&["common".into()], 3, &Filter::default(), None);
    assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn searching_claims_written_from_templates_prunes_without_changing_the_answer() {
    // Like claims written from a few sentence patterns: subjects and claimants of one to three words,
    // some the same words (a subject named twice), so many claims score alike and counts of two
    // cluster in a few patterns.
    let mut rng = Rng(23);
    let names: Vec<Vec<String>> =
        (0..12).map(|i| (0..1 + i % 3).map(|j| format!("n{}", (i + j) % 9)).collect()).collect();
    let patterns: Vec<Vec<String>> =
        (0..8).map(|p| (0..3 + p % 4).map(|j| format!("p{}", (p * 3 + j) % 14)).collect()).collect();
    let docs: Vec<Vec<String>> = (0..4000)
        .map(|_| {
            let mut d = names[rng.below(12) as usize].clone();
            d.extend(patterns[rng.below(8) as usize].iter().cloned());
            d.extend(names[rng.below(12) as usize].iter().cloned());
            d.push(format!("u{}", rng.below(2000)));
            d
        })
        .collect();
    let mut collection = Collection::new(docs, &mut rng);
    let word = |rng: &mut Rng| match rng.below(3) {
        0 => format!("n{}", rng.below(9)),
        1 => format!("p{}", rng.below(14)),
        _ => format!("u{}", rng.below(2000)),
    };
    for round in 0..2 {
        for q in 0..150 {
            let query: Vec<String> = (0..1 + rng.below(3)).map(|_| word(&mut rng)).collect();
            collection.check(&query, q % 4 == 0);
        }
        if round == 0 {
            collection.churn(&mut rng, word);
        }
    }
}

#[test]
fn a_search_with_a_word_no_claim_holds_finds_nothing_and_the_index_says_so() {
    let claims = seed();
    let index = index_of(&claims);
    let all = Filter::default();
    assert!(index.knows("deepseek") && !index.knows("zeppelin"));
    assert!(index.search(&terms("DeepSeek zeppelins"), 10, &all, None).is_empty());
    assert_eq!(index.count(&terms("DeepSeek zeppelins"), &all, None), 0);
    assert!(index.search(&[], 10, &all, None).is_empty());
    let psyop = index.search(&terms("psyop"), 10, &all, None);
    assert!(!psyop.is_empty() && psyop.len() == index.count(&terms("psyop"), &all, None));
    // Ranking candidates found elsewhere uses the words the index knows, and keeps unknown claims last.
    let ids: Vec<i64> = psyop.iter().rev().map(|p| p.0).chain([9999]).collect();
    let ranked = index.rank(&terms("psyop zeppelins"), &ids);
    assert_eq!(ranked[..psyop.len()], psyop.iter().map(|p| p.0).collect::<Vec<_>>()[..]);
    assert_eq!(ranked.last(), Some(&9999));
}

#[test]
fn widening_keeps_bm25s_best_and_adds_the_closest_in_bm25s_order() {
    let pool: Vec<(i64, f64)> = (1..=6).map(|id| (id, 10.0 - id as f64)).collect();
    let cosine = |id: i64| match id {
        5 => Some(0.9),
        2 => Some(0.8),
        6 => Some(0.7),
        3 => None, // no vector made yet
        _ => Some(0.1),
    };
    assert_eq!(widen(&pool, &cosine, 2), vec![(1, 9.0), (2, 8.0), (5, 5.0)], "2 is among both");
    assert_eq!(widen(&pool, &|_| None, 2), vec![(1, 9.0), (2, 8.0)], "without vectors, BM25's best");
    assert_eq!(widen(&pool[..1], &cosine, 2), vec![(1, 9.0)]);
}

#[test]
fn a_candidate_without_a_vector_is_scored_by_the_lexical_weights() {
    let scoring = Scoring::builtin(Some(super::Vectors::Table));
    let mut features = super::features::Features::default();
    features.set("bm25", 1.0);
    assert!(std::ptr::eq(scoring.of(&features), scoring.words));
    features.set(super::features::EMBEDDING, 0.8);
    assert!(std::ptr::eq(scoring.of(&features), scoring.meaning));
}
