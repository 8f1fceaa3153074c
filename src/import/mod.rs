//! Reading what `claimcheck import` and the seed bring in: claims files (TOML) and ClaimReview JSON-LD.
//! The writing is the service's (`service::imports`).

mod claims_file;

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

pub use claims_file::{ClaimsFile, ParsedClaim};

use crate::domain::access::Actor;
pub use crate::domain::import::{Rejection, Summary};
use crate::service::Service;

/// The seed claims, built into the binary so a fresh install has them wherever it runs.
static SEED_DIR: Dir = include_dir!("$CARGO_MANIFEST_DIR/claims");

/// Files `import` reads: claims files (TOML) and ClaimReview JSON-LD.
const EXTENSIONS: [&str; 3] = ["toml", "json", "jsonld"];

/// The files at `path`: the file itself, or every importable file in the folder, in name order.
pub fn files_at(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e)))
            .collect();
        files.sort();
        Ok(files)
    } else {
        Ok(vec![path.to_owned()])
    }
}

/// Imports every file at `path`: claims files by the TOML format, `.json` and `.jsonld` files as
/// ClaimReview, merging the reviews that repeat a claim already held if `merge`. Shows a progress bar
/// when stderr is a terminal.
pub async fn import_path(service: &Service, path: &Path, actor: &Actor, merge: bool) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    for file in files_at(path)? {
        let text = std::fs::read_to_string(&file)?;
        let name = file.display().to_string();
        if file.extension().is_some_and(|e| e == "toml") {
            summary.absorb(import_text(service, &name, &text, actor).await?);
            continue;
        }
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{name} is not JSON: {e}"))?;
        let bar = crate::progress::bar(&name);
        let progress = |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        };
        summary.absorb(service.import_reviews(actor, &name, &document, merge, &progress).await?);
        bar.finish_and_clear();
    }
    Ok(summary)
}

/// Imports the seed claims built into the binary.
pub async fn import_seed(service: &Service) -> anyhow::Result<Summary> {
    let mut files: Vec<_> = SEED_DIR.files().filter(|f| f.path().extension().is_some_and(|e| e == "toml")).collect();
    files.sort_by_key(|f| f.path());
    let mut summary = Summary::default();
    for file in files {
        let text = file.contents_utf8().unwrap_or_default();
        let name = format!("claims/{}", file.path().display());
        summary.absorb(import_text(service, &name, text, &Actor::system("seed")).await?);
    }
    Ok(summary)
}

/// Takes in the source text kept beside each seed claims file (`deepseek-r1.txt` beside
/// `deepseek-r1.toml`) as an article, once, and points the claims quoting it at its sentences.
pub async fn seed_articles(service: &Service) -> anyhow::Result<usize> {
    let mut taken = 0;
    for file in SEED_DIR.files().filter(|f| f.path().extension().is_some_and(|e| e == "toml")) {
        let Some(text) = SEED_DIR.get_file(file.path().with_extension("txt")).and_then(|f| f.contents_utf8()) else {
            continue;
        };
        let claims = ClaimsFile::parse(file.contents_utf8().unwrap_or_default())?;
        let input = crate::domain::article::ArticleInput {
            text: Some(text.to_string()),
            title: claims.source.title.clone(),
            url: claims.source.url.clone(),
            published_at: claims.source.published_at.clone(),
            language: claims.source.language.clone(),
            ..Default::default()
        };
        let content = crate::service::articles::validate(&input)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.path().display()))?;
        taken += usize::from(service.seed_article(&claims.source.id, content).await?.is_some());
    }
    Ok(taken)
}

/// Imports one claims file's text, in one transaction.
pub async fn import_text(service: &Service, name: &str, text: &str, actor: &Actor) -> anyhow::Result<Summary> {
    let file = ClaimsFile::parse(text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut summary = Summary::default();
    let mut valid = Vec::new();
    for claim in file.claims() {
        match claim.content {
            Ok(content) => valid.push((claim.external_id, content)),
            Err(errors) => summary.rejected.push(Rejection {
                source: format!("{name}: {}", claim.external_id),
                position: None,
                reason: errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "),
            }),
        }
    }
    (summary.created, summary.skipped) = service.import_claims(actor, valid).await?;
    Ok(summary)
}
