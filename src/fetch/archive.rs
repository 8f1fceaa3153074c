//! How archived bodies are stored: gzipped, with what was fetched (final URL, redirects, status,
//! type, size, SHA-256) and what the page says. Evidence links and articles taken in from a URL are
//! archived alike.

use sha2::{Digest, Sha256};

use super::client::Page;
use super::extract::{self, Extracted};
use crate::store::links::NewSnapshot;

/// A fetched page ready to be stored: hashed, its bytes gzipped when its type is archived.
pub fn snapshot(page: &Page, extracted: &Extracted) -> NewSnapshot {
    let content_type = page.content_type.as_deref();
    NewSnapshot {
        url: page.url.to_string(),
        redirects: page.redirects.clone(),
        status: page.status,
        content_type: page.content_type.clone(),
        size: page.body.len(),
        truncated: page.truncated,
        sha256: hex::encode(Sha256::digest(&page.body)),
        title: extracted.title.clone(),
        published: extracted.published.clone(),
        text: extracted.text.clone(),
        body: extract::archived(content_type).then(|| gzip(&page.body)),
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The original bytes of an archived body.
pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}
