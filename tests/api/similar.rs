//! Similar claims: paraphrases of the seed claims come back with scores; other claims do not.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_seeded_app;

async fn seed_id(app: &crate::helpers::TestApp, text: &str) -> i64 {
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    listed["items"].as_array().unwrap().iter().find(|c| c["text"] == text).unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn paraphrases_of_seed_claims_are_reported_with_scores() {
    let app = spawn_seeded_app().await;
    for (seed, paraphrase) in [
        (
            "DeepSeek developed its R1 reasoning model for just $5.6 million.",
            "DeepSeek built the R1 model for only $5.6 million",
        ),
        (
            "DeepSeek's R1 matches or surpasses OpenAI's o1 model on key benchmarks.",
            "R1 from DeepSeek matches OpenAI's o1 on important benchmarks",
        ),
        ("DeepSeek was founded in 2023 by Liang Wenfeng.", "Liang Wenfeng founded DeepSeek in 2023"),
        ("SoftBank Group Corp. fell by 5.4%.", "Shares of SoftBank Group fell 5.4 percent"),
    ] {
        let id = seed_id(&app, seed).await;
        let response = app.post_claim(&json!({ "text": paraphrase })).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{paraphrase}");
        let created: Value = response.json().await.unwrap();
        let similar = created["similar"].as_array().unwrap();
        assert_eq!(similar[0]["id"], id, "{paraphrase}: {similar:?}");
        assert!(similar[0]["score"].as_f64().unwrap() >= 0.6);
        assert!(["same", "related"].contains(&similar[0]["tier"].as_str().unwrap()));

        let new_id = created["id"].as_i64().unwrap();
        let listed: Value = app.get(&format!("/v1/claims/{new_id}/similar")).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], id);
        assert_eq!(listed["threshold"], 0.6);
        let back: Value = app.get(&format!("/v1/claims/{id}/similar")).await.json().await.unwrap();
        assert!(back["items"].as_array().unwrap().iter().any(|c| c["id"] == new_id), "similarity goes both ways");
    }
}

#[tokio::test]
async fn other_claims_on_the_same_subject_are_not_similar() {
    let app = spawn_seeded_app().await;
    let created: Value = app
        .post_claim(&json!({"text": "Dow Jones futures fell 0.3% during European trading hours after R1's launch."}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["similar"], json!([]), "different index, different numbers: {created}");
    let duplicate = app.post_claim(&json!({"text": "deepseek was founded in 2023 by LIANG WENFENG"})).await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT, "exact duplicates are still refused");
    let missing = app.get("/v1/claims/99999/similar").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn match_finds_the_claim_a_text_repeats_and_creates_nothing() {
    let app = spawn_seeded_app().await;
    let before: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    for (text, seed) in [
        (
            "DeepSeek says it built R1 for only $5.6M, a fraction of US spending",
            "DeepSeek developed its R1 reasoning model for just $5.6 million.",
        ),
        (
            "Neal Khosla says DeepSeek is a Chinese state psyop",
            "DeepSeek is a \"CCP state psyop\" aimed at undermining U.S. AI efforts by lowering training costs.",
        ),
    ] {
        let id = seed_id(&app, seed).await;
        let response = app.post("/v1/match", &json!({ "text": text, "limit": 3 })).await;
        assert_eq!(response.status(), StatusCode::OK, "{text}");
        let found: Value = response.json().await.unwrap();
        let top = &found["items"][0];
        assert_eq!(top["id"], id, "{text}: {found}");
        assert!(top["score"].as_f64().unwrap() >= found["thresholds"]["related"].as_f64().unwrap());
        assert!(top["status"].is_string());
        assert!(top["matched"]["words"].as_array().unwrap().iter().any(|w| w == "deepseek"), "{top}");
        assert!(found["signals"].as_array().unwrap().iter().any(|s| s == "bm25"));
    }
    let found: Value = app.post("/v1/match", &json!({"text": "R1 cost $5,600,000"})).await.json().await.unwrap();
    assert_eq!(found["items"][0]["matched"]["numbers"], json!(["5600000"]), "{found}");
    let different: Value = app
        .post(
            "/v1/match",
            &json!({"text": "Dow Jones futures fell 0.3% during European trading hours after R1's launch."}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(different["items"], json!([]), "{different}");
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    assert_eq!(listed["items"], before["items"], "matching creates nothing");
    let empty = app.post("/v1/match", &json!({"text": " "})).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
