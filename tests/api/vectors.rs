//! Matching with sentence vectors. With the transformer (`--model`), claims' vectors are made in the
//! background and kept, remade when a claim's fields change; with a static table of word-piece
//! vectors (the built-in one, or a folder's), a candidate's is made when a lookup reads it. Either
//! way a lookup weighs the cosine beside the words. The folders' models here have MiniLM's shapes
//! but random weights and a small vocabulary, made by the test: what is tested is the path from claim
//! to vector to score. The built-in table's judgement is tested on the seed claims, and measured on
//! CheckThat! in bench/matching.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use serde_json::{Value, json};

use crate::helpers::*;

/// A model folder as `models/derive.py` makes it, with random weights.
fn random_model(dir: &Path) {
    let mut weights: HashMap<String, Tensor> = HashMap::new();
    let mut put = |name: &str, shape: &[usize], ones: bool| {
        let t = if ones {
            Tensor::ones(shape, DType::F32, &Device::Cpu)
        } else {
            Tensor::randn(0f32, 0.05, shape, &Device::Cpu)
        };
        weights.insert(name.to_string(), t.unwrap().to_dtype(DType::F16).unwrap());
    };
    put("embeddings.word_embeddings.weight", &[30522, 384], false);
    put("embeddings.position_embeddings.weight", &[512, 384], false);
    put("embeddings.token_type_embeddings.weight", &[2, 384], false);
    put("embeddings.LayerNorm.weight", &[384], true);
    put("embeddings.LayerNorm.bias", &[384], false);
    for l in 0..6 {
        let p = format!("encoder.layer.{l}.");
        for (name, out, inp) in [
            ("attention.self.query", 384, 384),
            ("attention.self.key", 384, 384),
            ("attention.self.value", 384, 384),
            ("attention.output.dense", 384, 384),
            ("intermediate.dense", 1536, 384),
            ("output.dense", 384, 1536),
        ] {
            put(&format!("{p}{name}.weight"), &[out, inp], false);
            put(&format!("{p}{name}.bias"), &[out], false);
        }
        for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
            put(&format!("{p}{norm}.weight"), &[384], true);
            put(&format!("{p}{norm}.bias"), &[384], false);
        }
    }
    candle_core::safetensors::save(&weights, dir.join("model.safetensors")).unwrap();
    tokenizer(dir);
}

/// A static table's folder as `bench/matching/static_vectors.py` makes it, with random rows: each
/// a scale, then 384 signed bytes.
fn random_table(dir: &Path) {
    let rows = Tensor::randn(0f32, 40.0, &[30522 * 384], &Device::Cpu).unwrap().to_vec1::<f32>().unwrap();
    let bytes: Vec<u8> = rows
        .chunks_exact(384)
        .flat_map(|row| 1.0f32.to_le_bytes().into_iter().chain(row.iter().map(|x| x.clamp(-127.0, 127.0) as i8 as u8)))
        .collect();
    std::fs::write(dir.join("table.i8"), bytes).unwrap();
    tokenizer(dir);
}

/// A word-piece tokenizer of a few words.
fn tokenizer(dir: &Path) {
    let words = "the a of in deepseek r1 built trained for only million dollars chips nvidia shares fell market psyop state \
                 chinese says model 5 6 openai o1 cost";
    let mut vocab: serde_json::Map<String, Value> = serde_json::Map::new();
    for (i, w) in
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "$", ".", ","].into_iter().chain(words.split_whitespace()).enumerate()
    {
        vocab.insert(w.to_string(), json!(i));
    }
    let tokenizer = json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": { "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                        "strip_accents": null, "lowercase": true },
        "pre_tokenizer": { "type": "BertPreTokenizer" },
        "post_processor": { "type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2] },
        "decoder": null,
        "model": { "type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": 100, "vocab": vocab },
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
}

async fn pending(app: &TestApp) -> Option<i64> {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix("claimcheck_sentence_vectors_pending ")).map(|n| n.parse().unwrap())
}

async fn all_made(app: &TestApp) {
    for _ in 0..600 {
        if pending(app).await == Some(0) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("vectors still pending: {:?}", pending(app).await);
}

/// A server on the model folder `make` writes (kept while the first value lives), with two claims:
/// the first is about R1's cost.
async fn two_claims_with(make: fn(&Path)) -> (tempfile::TempDir, TestApp, Value) {
    let model = tempfile::tempdir().unwrap();
    make(model.path());
    let dir = model.path().to_path_buf();
    let app = spawn_app_with(move |c| c.matching.model = Some(dir)).await;
    let first = app.create_claim("DeepSeek built R1 for only 5.6 million dollars").await;
    app.create_claim("Nvidia shares fell as the market took in DeepSeek").await;
    (model, app, first)
}

/// Replaces claim `id`'s text.
async fn edit_text(app: &TestApp, id: i64, text: &str) {
    let etag = format!("\"{}\"", app.claim(id).await["version"]);
    let edited = app.patch(&format!("/v1/claims/{id}"), Some(&etag), &json!({ "text": text })).await;
    assert_eq!(edited.status(), 200, "{}", edited.text().await.unwrap());
}

async fn match_text(app: &TestApp, text: &str) -> Value {
    app.post("/v1/match", &json!({ "text": text })).await.json().await.unwrap()
}

#[tokio::test]
async fn claims_get_vectors_in_the_background_and_matches_weigh_their_cosine() {
    let (_model, app, first) = two_claims_with(random_model).await;
    all_made(&app).await;
    assert_eq!(app.count("claim_vectors"), 2);

    let response = app.post("/v1/match", &json!({ "text": "DeepSeek built R1 for only $5.6 million" })).await;
    assert_eq!(response.status(), 200);
    let found: Value = response.json().await.unwrap();
    let signals: Vec<&str> = found["signals"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(signals.contains(&"embedding"), "{signals:?}");
    let top = &found["items"][0];
    assert_eq!(top["id"], first["id"], "{found}");
    let id = first["id"].as_i64().unwrap();
    let cosine = top["matched"]["features"]["embedding"].as_f64().expect("the cosine is among the features");
    assert!(cosine > 0.5, "nearly the same words are close: {cosine}");

    // An article's candidates are looked up too, their vectors made before the read.
    let text = "Officials spoke on Monday. DeepSeek built R1 for only $5.6 million, the company said.";
    let article = app.post("/v1/articles", &json!({ "text": text })).await;
    assert_eq!(article.status(), 201);
    let article: Value = article.json().await.unwrap();
    let matched: Vec<&Value> =
        article["candidates"].as_array().unwrap().iter().flat_map(|c| c["matches"].as_array().unwrap()).collect();
    assert!(matched.iter().any(|m| m["id"] == first["id"]), "{article}");

    // An edit makes the claim's vector again, for its new fields; until then the claim is scored
    // by its words alone.
    edit_text(&app, id, "DeepSeek trained R1 on Nvidia chips").await;
    let mut cosine = None;
    for _ in 0..600 {
        let found = match_text(&app, "DeepSeek trained R1 on Nvidia chips").await;
        assert_eq!(found["items"][0]["id"], id, "{found}");
        cosine = found["items"][0]["matched"]["features"]["embedding"].as_f64();
        if cosine.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(cosine.is_some_and(|c| c > 0.99), "the vector is of the new text: {cosine:?}");
    assert_eq!(app.count("claim_vectors"), 2, "one vector per claim, replaced");
}

#[tokio::test]
async fn a_table_folder_stands_in_for_the_built_in_one_and_its_vectors_are_made_when_read() {
    let (_table, app, first) = two_claims_with(random_table).await;
    let found = match_text(&app, "DeepSeek built R1 for only $5.6 million").await;
    assert_eq!(found["items"][0]["id"], first["id"], "{found}");
    let cosine = found["items"][0]["matched"]["features"]["embedding"].as_f64().expect("the cosine is a feature");
    assert!(cosine > 0.9, "the same word pieces but the dollar sign: {cosine}");
    assert_eq!(found["thresholds"], json!({ "same": 0.8, "related": 0.01 }), "{found}");
    assert_eq!(app.count("claim_vectors"), 0, "a table's vectors are not kept");
    assert_eq!(pending(&app).await, Some(0));

    // An edited claim is read again, and its vector made of its new text.
    let id = first["id"].as_i64().unwrap();
    edit_text(&app, id, "DeepSeek trained R1 on Nvidia chips").await;
    let found = match_text(&app, "DeepSeek trained R1 on Nvidia chips").await;
    assert_eq!(found["items"][0]["id"], id, "{found}");
    let cosine = found["items"][0]["matched"]["features"]["embedding"].as_f64();
    assert!(cosine.is_some_and(|c| c > 0.99), "the vector is of the new text: {cosine:?}");
}

#[tokio::test]
async fn the_built_in_table_finds_seed_claims_by_meaning() {
    let app = spawn_seeded_app().await;
    let found = match_text(&app, BY_MEANING[0].0).await;
    assert!(found["signals"].to_string().contains("embedding"), "{found}");
    assert_eq!(found["thresholds"], json!({ "same": 0.8, "related": 0.01 }), "{found}");
    for (text, seed) in &BY_MEANING[..2] {
        let top = top_match(&app, text).await;
        assert_eq!(top["text"], *seed, "{text}: {top}");
        // The table's cosines run lower than the transformer's: 0.37 for the chatbot's.
        let cosine = top["matched"]["features"]["embedding"].as_f64().unwrap();
        assert!(cosine > 0.3, "{text}: {top}");
    }
    // "Neal Khosla says DeepSeek is a Chinese state psyop": the table puts first the claim that
    // Khosla's claim was flagged (nearly the same words, and closer in meaning by its vectors); the
    // psyop claim itself comes next.
    let (text, seed) = BY_MEANING[2];
    let found = match_text(&app, text).await;
    let shown: Vec<&Value> = found["items"].as_array().unwrap().iter().take(2).map(|m| &m["text"]).collect();
    assert!(shown.contains(&&json!(seed)), "{text}: {found}");
    assert_eq!(app.count("claim_vectors"), 0);
}

#[tokio::test]
async fn lexical_only_matching_says_it_used_words_alone() {
    let app = spawn_app_with(|c| c.matching.lexical_only = true).await;
    app.create_claim("DeepSeek built R1 for only 5.6 million dollars").await;
    let found: Value = app.post("/v1/match", &json!({ "text": "DeepSeek R1 cost $5.6M" })).await.json().await.unwrap();
    let signals = found["signals"].to_string();
    assert!(!signals.contains("embedding"), "{signals}");
    assert!(found["items"][0]["matched"]["features"].get("embedding").is_none());
    assert!(pending(&app).await.is_none(), "no vectors are made");
}

/// The folder `.ci/model.sh` derives from PyPI's wheel.
fn real_model() -> std::path::PathBuf {
    std::env::var_os("CLAIMCHECK_TEST_MODEL")
        .expect("CLAIMCHECK_TEST_MODEL names the model's folder (.ci/model.sh)")
        .into()
}

#[test]
#[ignore = "needs the model from PyPI: .ci/model.sh"]
fn real_model_vectors_are_the_reference_implementations() {
    let model = claimcheck::embed::Embedder::load(&real_model()).unwrap();
    let cost = model.vector("DeepSeek built R1 for only $5.6 million").unwrap();
    // From sentence-transformers' own computation (a numpy forward pass of the same weights in
    // full floats, bench/matching/sentence_vectors.py); half-float weights move them by about 1e-3.
    for (got, want) in cost.iter().zip([-0.0817, 0.00461, -0.00256, 0.02082]) {
        assert!((got - want).abs() < 3e-3, "{got} against {want}");
    }
    let cosine = |text: &str| claimcheck::embed::cosine(&cost, &model.vector(text).unwrap());
    assert!((cosine("DeepSeek says it built R1 for only $5.6M, a fraction of US spending") - 0.8192).abs() < 0.01);
    assert!((cosine("Neal Khosla says DeepSeek is a Chinese state psyop") - 0.3119).abs() < 0.01);
    assert!((cosine("Nvidia shares fell 17% on Monday") - 0.1452).abs() < 0.01);
    // The query adapter was fitted for exactly these weights (`bench/matching/adapter.py`): it moves a
    // query, and keeps it a unit vector.
    let query = model.query_vector("DeepSeek built R1 for only $5.6 million").unwrap();
    assert!(claimcheck::embed::cosine(&query, &cost) < 0.99);
    assert!((claimcheck::embed::cosine(&query, &query) - 1.0).abs() < 1e-4);
}

/// Texts that repeat a seed claim in other words, and that claim. (Candidates still come from shared
/// words: a text sharing none with a claim is not matched to it, model or not.)
const BY_MEANING: [(&str, &str); 3] = [
    (
        "Training the Chinese reasoning model cost a mere 5.6 million dollars",
        "DeepSeek developed its R1 reasoning model for just $5.6 million.",
    ),
    (
        "The Chinese chatbot became the most downloaded iPhone app, beating OpenAI's assistant",
        "By Sunday afternoon, DeepSeek's AI assistant topped Apple's App Store charts, overtaking ChatGPT.",
    ),
    (
        "Neal Khosla says DeepSeek is a Chinese state psyop",
        "DeepSeek is a \"CCP state psyop\" aimed at undermining U.S. AI efforts by lowering training costs.",
    ),
];

async fn top_match(app: &TestApp, text: &str) -> Value {
    match_text(app, text).await["items"][0].clone()
}

#[tokio::test]
#[ignore = "needs the model from PyPI: .ci/model.sh"]
async fn real_model_finds_seed_claims_by_meaning() {
    let dir = real_model();
    let app = spawn_seeded_app_with(move |c| c.matching.model = Some(dir)).await;
    all_made(&app).await;
    for (text, seed) in BY_MEANING {
        let top = top_match(&app, text).await;
        assert_eq!(top["text"], seed, "{text}: {top}");
        assert!(top["matched"]["features"]["embedding"].as_f64().unwrap() > 0.4, "{top}");
    }
}
