use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{error_fields, problem, spawn_app};

#[tokio::test]
async fn create_returns_the_claim_with_location_and_etag() {
    let app = spawn_app().await;
    let response = app
        .post_claim(&json!({
            "text": "DeepSeek developed R1 for $5.6 million.",
            "claimant": "DeepSeek",
            "appeared_in": {"url": "https://example.org/a", "title": "A", "published_at": "2025-01-27", "quote": "just $5.6 million"},
            "tags": ["Cost", "r1"],
            "language": "en"
        }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let claim: serde_json::Value = response.json().await.unwrap();
    let id = claim["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/claims/{id}"));
    assert_eq!(etag, "\"1\"");
    assert_eq!(claim["status"], "submitted");
    assert_eq!(claim["verdict"], serde_json::Value::Null);
    assert_eq!(claim["tags"], json!(["cost", "r1"]));
    assert_eq!(claim["appeared_in"]["published_at"], "2025-01-27");
    assert_eq!(claim["support"], 0.5);
    assert_eq!(claim["confidence"], 0.0);
    assert_eq!(claim["allowed_transitions"], json!(["in_review", "rejected"]));
    assert_eq!(claim["evidence"], json!([]));

    let fetched = app.get(&location).await;
    assert_eq!(fetched.headers()["etag"].to_str().unwrap(), etag);
    let fetched: serde_json::Value = fetched.json().await.unwrap();
    assert_eq!(fetched["text"], "DeepSeek developed R1 for $5.6 million.");
}

#[tokio::test]
async fn the_same_claim_in_other_words_of_case_space_and_punctuation_is_a_duplicate() {
    let app = spawn_app().await;
    let first = app.create_claim("DeepSeek’s R1 cost $5.6 million to develop.").await;
    for variant in [
        "deepseek's r1 cost $5.6 MILLION to develop",
        "  DeepSeek's  R1 cost $5.6 million to develop!!",
        "ＤｅｅｐＳｅｅｋ's R1 cost $5.6 million to develop",
    ] {
        let body = problem(app.post_claim(&json!({ "text": variant })).await, 409).await;
        assert_eq!(body["duplicate_of"], first["id"], "{variant}");
        assert_eq!(body["type"], "/problems/duplicate-claim");
    }
    // A different number is a different claim.
    app.create_claim("DeepSeek's R1 cost $56 million to develop.").await;
    assert_eq!(app.count("claims"), 2);
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response_and_refuses_another_body() {
    let app = spawn_app().await;
    let send = |text: &'static str| {
        app.client.post(app.url("/v1/claims")).header("idempotency-key", "key-1").json(&json!({ "text": text })).send()
    };
    let first = send("Nikkei 225 futures dropped 0.6%.").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body: serde_json::Value = first.json().await.unwrap();
    let again = send("Nikkei 225 futures dropped 0.6%.").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first_body);
    assert_eq!(app.count("claims"), 1);

    let other = problem(send("SoftBank fell 5.4%.").await.unwrap(), 422).await;
    assert_eq!(other["type"], "/problems/idempotency-key-reused");
    assert_eq!(app.count("claims"), 1);
}

#[tokio::test]
async fn patch_needs_a_current_etag() {
    let app = spawn_app().await;
    let claim = app.create_claim("Advantest lost 8.6%.").await;
    let path = format!("/v1/claims/{}", claim["id"]);

    problem(app.patch(&path, None, &json!({"claimant": "the article"})).await, 428).await;
    let stale = problem(app.patch(&path, Some("\"7\""), &json!({"claimant": "x"})).await, 412).await;
    assert_eq!(stale["current_etag"], "\"1\"");

    let response = app.patch(&path, Some("\"1\""), &json!({"claimant": "the article", "tags": ["markets"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: serde_json::Value = response.json().await.unwrap();
    assert_eq!(updated["claimant"], "the article");
    assert_eq!(updated["tags"], json!(["markets"]));
    assert_eq!(updated["version"], 2);

    // The old ETag no longer works; null clears an optional field.
    problem(app.patch(&path, Some("\"1\""), &json!({"claimant": null})).await, 412).await;
    let cleared: serde_json::Value =
        app.patch(&path, Some("\"2\""), &json!({"claimant": null})).await.json().await.unwrap();
    assert_eq!(cleared["claimant"], serde_json::Value::Null);
    // `*` matches whatever is current.
    assert_eq!(app.patch(&path, Some("*"), &json!({"language": "en"})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn patch_refuses_protected_fields_and_duplicate_text() {
    let app = spawn_app().await;
    let a = app.create_claim("Hang Seng Tech climbed 2%.").await;
    app.create_claim("Nasdaq 100 futures fell 1.9%.").await;
    let path = format!("/v1/claims/{}", a["id"]);
    for field in ["status", "verdict", "id", "version", "created_at", "support", "confidence"] {
        let body = problem(app.patch(&path, Some("*"), &json!({ field: "verified" })).await, 422).await;
        assert_eq!(error_fields(&body), [field]);
    }
    let duplicate =
        problem(app.patch(&path, Some("*"), &json!({"text": "nasdaq 100 futures fell 1.9%"})).await, 409).await;
    assert!(duplicate["duplicate_of"].is_i64());
    let claim = app.claim(a["id"].as_i64().unwrap()).await;
    assert_eq!((claim["status"].as_str(), claim["version"].as_i64()), (Some("submitted"), Some(1)));
}

#[tokio::test]
async fn conditional_get_answers_not_modified() {
    let app = spawn_app().await;
    let claim = app.create_claim("SoftBank fell 5.4%.").await;
    let response = app
        .client
        .get(app.url(&format!("/v1/claims/{}", claim["id"])))
        .header("if-none-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn missing_claims_are_404_and_bad_ids_400() {
    let app = spawn_app().await;
    problem(app.get("/v1/claims/999").await, 404).await;
    let bad = problem(app.get("/v1/claims/abc").await, 400).await;
    assert_eq!(error_fields(&bad), ["id"]);
    problem(app.get("/v1/claims/0").await, 400).await;
    problem(app.get("/v1/claims/999/history").await, 404).await;
    problem(app.get("/v1/claims/999/evidence").await, 404).await;
    problem(app.patch("/v1/claims/999", Some("*"), &json!({"text": "x"})).await, 404).await;
}

/// Reads straight after a write, and reads racing writes, never see an older version.
#[tokio::test]
async fn reads_never_see_an_older_version_than_the_last_acknowledged_write() {
    let app = spawn_app().await;
    let id = app.create_claim("Nasdaq 100 futures fell during Asian trading.").await["id"].as_i64().unwrap();
    let path = format!("/v1/claims/{id}");
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url(&path));
            tokio::spawn(async move {
                for _ in 0..100 {
                    client.get(&url).send().await.unwrap();
                }
            })
        })
        .collect();
    for n in 0..40 {
        let response = app.patch(&path, Some("*"), &json!({"tags": [format!("round-{n}")]})).await;
        let written = response.json::<serde_json::Value>().await.unwrap()["version"].as_i64().unwrap();
        let read = app.claim(id).await;
        assert_eq!(read["version"].as_i64().unwrap(), written);
        assert_eq!(read["tags"], json!([format!("round-{n}")]));
        if n % 10 == 0 {
            app.attach_ok(id, &format!("https://race.example/{n}"), "supports").await;
            assert_eq!(app.claim(id).await["evidence_count"].as_i64().unwrap(), n / 10 + 1);
        }
    }
    for r in readers {
        r.await.unwrap();
    }
}
