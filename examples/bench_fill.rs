//! Builds a synthetic database for the benchmark: N claims written like the seed claims, a third of them
//! with evidence, some moved through the workflow, all with their history.
//!
//!     cargo run --release --example bench_fill -- DB_PATH CLAIMS

use std::time::{Duration, Instant};

use claimcheck::domain::claim::ClaimInput;
use claimcheck::domain::evidence::{EvidenceInput, Stance};
use claimcheck::domain::verdict::Verdict;
use claimcheck::domain::workflow::Status;
use claimcheck::store::{Actor, Store, StoreConfig, Synchronous, claims, evidence};

const SUBJECTS: &[&str] = &[
    "DeepSeek",
    "OpenAI",
    "Nvidia",
    "SoftBank Group",
    "Advantest",
    "The Hang Seng Tech Index",
    "Nasdaq 100 futures",
    "S&P 500 futures",
    "Meta",
    "High-Flyer",
    "Liang Wenfeng",
    "Marc Andreessen",
    "Neal Khosla",
    "Yann LeCun",
    "Disco Corp",
    "Alibaba",
    "Google",
    "Microsoft",
    "The Nikkei 225",
    "Apple's App Store",
];
const PREDICATES: &[&str] = &[
    "developed a reasoning model for ${n} million",
    "fell {p}% during Asian trading hours",
    "climbed {p}% on optimism about Chinese AI",
    "matches OpenAI's o1 on {k} key benchmarks",
    "topped the App Store charts in {k} countries",
    "was founded in {year} without external investors",
    "trained its model on {n} thousand restricted chips",
    "lost {p}% of its market value in one session",
    "credited PyTorch and Llama for {k} breakthroughs",
    "called the launch a state psyop in {k} posts",
];
const TAGS: &[&str] = &["cost", "benchmarks", "markets", "geopolitics", "chips", "adoption", "open-source", "funding"];
const CLAIMANTS: &[&str] = &["the article", "DeepSeek", "Neal Khosla", "Marc Andreessen", "Yann LeCun", "Reuters"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn claim(rng: &mut Rng, i: u64) -> ClaimInput {
    let predicate = rng
        .pick(PREDICATES)
        .replace("{n}", &format!("{}.{}", rng.next() % 900 + 1, rng.next() % 10))
        .replace("{p}", &format!("{}.{}", rng.next() % 20, rng.next() % 10))
        .replace("{k}", &(rng.next() % 50 + 2).to_string())
        .replace("{year}", &(2015 + rng.next() % 11).to_string());
    ClaimInput {
        text: format!("{} {predicate}, according to filing {i}.", rng.pick(SUBJECTS)),
        claimant: Some(rng.pick(CLAIMANTS).to_owned()),
        appeared_in: None,
        tags: vec![rng.pick(TAGS).to_owned(), rng.pick(TAGS).to_owned()],
        language: Some("en".into()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: bench_fill DB_PATH CLAIMS");
    let total: u64 = args.next().expect("usage: bench_fill DB_PATH CLAIMS").parse()?;
    let path = std::path::PathBuf::from(path);
    let config = StoreConfig {
        audit_key: claimcheck::store::audit_key::AuditKey::load_or_create(&path.with_file_name("audit.key"))?,
        path,
        synchronous: Synchronous::Normal,
        readers: 1,
        quick_read_limit: Duration::ZERO,
        write_queue: 16,
        write_wait: Duration::from_secs(60),
    };
    let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
    let started = Instant::now();
    // Small jobs: a savepoint that spans thousands of statements makes each statement slower.
    let batch = 200;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for start in (0..total).step_by(batch) {
        let inputs: Vec<_> = (start..(start + batch as u64).min(total)).map(|i| (i, claim(&mut rng, i))).collect();
        store
            .writer
            .write(move |conn| {
                let actor = Actor::system("bench");
                for (i, input) in inputs {
                    let Ok(content) = input.validate() else { continue };
                    let id = match claims::insert(conn, &content, None, &actor) {
                        Ok(claim) => claim.id,
                        Err(claimcheck::store::Error::DuplicateClaim(_)) => continue,
                        Err(e) => return Err(e),
                    };
                    if i % 3 == 0 {
                        let stance = if i % 2 == 0 { Stance::Supports } else { Stance::Refutes };
                        let item = EvidenceInput {
                            url: format!("https://source{}.example/story/{i}", i % 97),
                            title: Some(format!("Story {i}")),
                            publisher: None,
                            excerpt: None,
                            stance,
                            reliability: Some(0.7),
                            confidence: Some(0.8),
                            note: None,
                        };
                        let item = item.validate().map_err(claimcheck::store::Error::Invalid)?;
                        evidence::attach(conn, id, &item, None, &actor)?;
                        if i % 6 == 0 {
                            let review = claims::Move::to(Status::InReview);
                            claims::transition(conn, id, &review, None, &actor)?;
                        }
                        if i % 12 == 0 {
                            let verify = claims::Move {
                                verdict: Some(Verdict::MostlyFalse),
                                ..claims::Move::to(Status::Verified)
                            };
                            claims::transition(conn, id, &verify, None, &actor)?;
                        }
                    }
                }
                Ok(())
            })
            .await?;
        if start % 100_000 == 0 {
            eprintln!("{start} claims, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let store2 = store.clone();
    tokio::task::spawn_blocking(move || store2.close()).await?;
    eprintln!("{total} claims in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
