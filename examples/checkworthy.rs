//! The check-worthiness model, offline: train it, measure it, time it.
//!
//! ```sh
//! cargo run --release --example checkworthy -- train   # rewrites src/domain/intake/checkworthy.model
//! cargo run --release --example checkworthy -- bench   # MAP leave-one-transcript-out, seed coverage, speed
//! cargo run --release --example checkworthy -- speed   # the speed alone
//! ```
//!
//! Reads the CLEF CheckThat! 2019 task 1 training transcripts (`--data`, by default
//! `../shared/datasets/checkthat2019-task1/training`). Training is deterministic: the same data
//! gives the same file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use claimcheck::domain::intake;
use claimcheck::domain::intake::claimant::claimant;
use claimcheck::domain::intake::features::{Line, features};
use claimcheck::domain::intake::learn::{Options, Sample, average_precision, train};

const DEFAULT_DATA: &str = "../shared/datasets/checkthat2019-task1/training";
const MODEL_FILE: &str = "src/domain/intake/checkworthy.model";

struct Transcript {
    name: String,
    speakers: Vec<String>,
    texts: Vec<String>,
    worthy: Vec<bool>,
    dropped: Vec<String>,
}

impl Transcript {
    fn samples(&self) -> Vec<Sample> {
        let lines: Vec<Line> =
            self.texts.iter().zip(&self.speakers).map(|(t, s)| Line { text: t, speaker: Some(s) }).collect();
        let keep = |f: &String| !self.dropped.iter().any(|d| f.starts_with(d.as_str()));
        let rows = features(&lines).into_iter().map(|f| f.into_iter().filter(keep).collect::<Vec<_>>());
        rows.zip(&self.worthy).map(|(features, &worthy)| Sample { features, worthy }).collect()
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = args.iter().position(|a| a == "--data").and_then(|i| args.get(i + 1)).map_or(DEFAULT_DATA, |s| s);
    let mut transcripts = read(Path::new(data))?;
    // `--drop PREFIX` leaves a family of features out, to see what it is worth.
    let dropped: Vec<String> = args.windows(2).filter(|w| w[0] == "--drop").map(|w| w[1].clone()).collect();
    for t in &mut transcripts {
        t.dropped = dropped.clone();
    }
    let options = options(&args)?;
    match args.first().map(String::as_str) {
        Some("train") => {
            let all: Vec<Sample> = transcripts.iter().flat_map(Transcript::samples).collect();
            let model = train(&all, &options);
            let header = format!(
                "Check-worthiness: logistic regression over src/domain/intake/features.rs.\n\
                 Made by `cargo run --release --example checkworthy -- train` from the {} CLEF CheckThat! 2019\n\
                 task 1 training transcripts ({} sentences); options {options:?}.",
                transcripts.len(),
                all.len()
            );
            std::fs::write(MODEL_FILE, model.write(&header))?;
            println!("wrote {MODEL_FILE}: {} weights", model.weights.len());
        }
        Some("dump") => {
            // One sentence a line: transcript, label, features; for trying other learners.
            for (k, t) in transcripts.iter().enumerate() {
                for s in t.samples() {
                    println!("{k}\t{}\t{}", u8::from(s.worthy), s.features.join(" "));
                }
            }
        }
        Some("seed") => seed_coverage()?,
        Some("speed") => speed(&transcripts),
        Some("map") => println!("{:.4} {options:?}", loto(&transcripts, &options, false)),
        Some("bench") => {
            loto(&transcripts, &options, true);
            seed_coverage()?;
            speed(&transcripts);
        }
        _ => anyhow::bail!("usage: checkworthy train|bench|map|seed|speed|dump [--data DIR] [--set name=value ...]"),
    }
    Ok(())
}

/// Leave one transcript out: train on the others, rank it, report its average precision.
fn loto(transcripts: &[Transcript], options: &Options, table: bool) -> f64 {
    if table {
        println!("| Transcript | Sentences | Check-worthy | AP |\n| --- | ---: | ---: | ---: |");
    }
    let samples: Vec<Vec<Sample>> = transcripts.iter().map(Transcript::samples).collect();
    let mut aps = Vec::new();
    for (k, t) in transcripts.iter().enumerate() {
        let rest: Vec<&Sample> = samples.iter().enumerate().filter(|(j, _)| *j != k).flat_map(|(_, s)| s).collect();
        let rest: Vec<Sample> =
            rest.into_iter().map(|s| Sample { features: s.features.clone(), worthy: s.worthy }).collect();
        let model = train(&rest, options);
        // Scored as the service scores a transcript (reported speech gets no push in one).
        let scores: Vec<f64> = samples[k]
            .iter()
            .zip(&t.texts)
            .map(|(s, text)| intake::margin(&model, &s.features, claimant(text).as_deref(), true))
            .collect();
        if let Some(ap) = average_precision(&scores, &t.worthy) {
            let positives = t.worthy.iter().filter(|w| **w).count();
            if table {
                println!("| {} | {} | {} | {:.4} |", t.name, t.texts.len(), positives, ap);
            }
            aps.push(ap);
        }
    }
    let map = aps.iter().sum::<f64>() / aps.len() as f64;
    if table {
        println!("| **MAP** ({} transcripts) | | | **{map:.4}** |\n", aps.len());
    }
    map
}

/// The training options, with `--set name=value` overrides for trying others.
fn options(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options::default();
    for pair in args.windows(2).filter(|w| w[0] == "--set").map(|w| &w[1]) {
        let (name, value) = pair.split_once('=').ok_or_else(|| anyhow::anyhow!("--set name=value"))?;
        match name {
            "min_count" => o.min_count = value.parse()?,
            "c" => o.c = value.parse()?,
            "iterations" => o.iterations = value.parse()?,
            "rate" => o.rate = value.parse()?,
            "balance" => o.balance = value.parse()?,
            _ => anyhow::bail!("no option {name}"),
        }
    }
    Ok(o)
}

/// How many of the seed claims' quoted sentences rank in the seed article's top 20.
fn seed_coverage() -> anyhow::Result<()> {
    let article = std::fs::read_to_string("claims/deepseek-r1.txt")?;
    let seed: toml::Value = toml::from_str(&std::fs::read_to_string("claims/deepseek-r1.toml")?)?;
    let mut quotes: Vec<String> = seed["claims"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("quote").and_then(|q| q.as_str()).map(str::to_string))
        .collect();
    quotes.sort();
    quotes.dedup();
    let sentences = intake::split(&[(None, article)]);
    let assessed = intake::assess(&sentences);
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    order.sort_by(|&a, &b| assessed[b].score.total_cmp(&assessed[a].score));
    let top: Vec<&str> = order.iter().take(20).map(|&i| sentences[i].text.as_str()).collect();
    let missed: Vec<&String> = quotes.iter().filter(|q| !top.iter().any(|s| s.contains(q.as_str()))).collect();
    let found = quotes.len() - missed.len();
    println!(
        "Seed article: {} sentences; {found} of {} distinct quoted sentences in the top 20 ({:.0}%).",
        sentences.len(),
        quotes.len(),
        100.0 * found as f64 / quotes.len().max(1) as f64
    );
    if std::env::var_os("VERBOSE").is_some() {
        for (r, &i) in order.iter().enumerate() {
            let a = &assessed[i];
            println!(
                "{:>3} {:.3} {:?} {}",
                r + 1,
                a.score,
                a.claimant,
                sentences[i].text.chars().take(90).collect::<String>()
            );
        }
    }
    for q in missed {
        let rank = order.iter().position(|&i| sentences[i].text == *q).map_or(0, |r| r + 1);
        println!("  not in the top 20 (rank {rank}): {q}");
    }
    Ok(())
}

/// Splitting and scoring a 10,000-sentence transcript, on this thread (one core).
fn speed(transcripts: &[Transcript]) {
    let mut text = String::new();
    'fill: for t in transcripts.iter().cycle() {
        for (speaker, line) in t.speakers.iter().zip(&t.texts) {
            text.push_str(&format!("{speaker}: {line}\n"));
            if text.lines().count() >= 10_000 {
                break 'fill;
            }
        }
    }
    let started = Instant::now();
    let passages = intake::transcript(&text).unwrap_or_default();
    let sentences = intake::split(&passages);
    let assessed = intake::assess(&sentences);
    let took = started.elapsed();
    println!(
        "Speed: {} lines, {} sentences split and scored in {:.0} ms on one core ({} bytes of model).",
        text.lines().count(),
        assessed.len(),
        took.as_secs_f64() * 1000.0,
        std::fs::metadata(MODEL_FILE).map(|m| m.len()).unwrap_or(0)
    );
}

fn read(dir: &Path) -> anyhow::Result<Vec<Transcript>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let mut t =
            Transcript { name, speakers: Vec::new(), texts: Vec::new(), worthy: Vec::new(), dropped: Vec::new() };
        for line in std::fs::read_to_string(&path)?.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 4 {
                continue;
            }
            t.speakers.push(cols[1].to_string());
            t.texts.push(cols[2].to_string());
            // One row in the data is labelled "01": a 1 with a stray zero.
            t.worthy.push(cols[3].trim().trim_start_matches('0') == "1");
        }
        out.push(t);
    }
    anyhow::ensure!(!out.is_empty(), "no transcripts in {}", dir.display());
    Ok(out)
}
