//! Bad input: a clear problem+json naming the field and the rule, and nothing written.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_fields, problem, spawn_app};

/// Every table a write touches, counted.
fn counts(app: &TestApp) -> Vec<i64> {
    ["claims", "evidence", "history", "claim_tags", "idempotency_keys"].iter().map(|t| app.count(t)).collect()
}

#[tokio::test]
async fn invalid_claims_are_refused_with_the_field_and_rule() {
    let app = spawn_app().await;
    let before = counts(&app);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "text", "required"),
        (json!({"text": 5}), "text", "type"),
        (json!({"text": ""}), "text", "not-empty"),
        (json!({"text": "   "}), "text", "not-empty"),
        (json!({"text": "x".repeat(2001)}), "text", "max-length"),
        (json!({"text": "ok", "colour": "red"}), "colour", "unknown-field"),
        (json!({"text": "ok", "status": "verified"}), "status", "unknown-field"),
        (json!({"text": "ok", "tags": "cost"}), "tags", "type"),
        (json!({"text": "ok", "tags": ["no spaces"]}), "tags[0]", "tag"),
        (json!({"text": "ok", "appeared_in": {"url": "not a url"}}), "appeared_in.url", "url"),
        (json!({"text": "ok", "appeared_in": {"url": "ftp://example.org/x"}}), "appeared_in.url", "url"),
        (json!({"text": "ok", "appeared_in": {"published_at": "last week"}}), "appeared_in.published_at", "date"),
        (json!({"text": "ok", "appeared_in": {"author": "x"}}), "appeared_in.author", "unknown-field"),
        (json!({"text": "ok", "language": "english please"}), "language", "bcp47"),
        (json!([1, 2]), "body", "type"),
        (json!("text"), "body", "type"),
    ];
    for (body, field, rule) in cases {
        let p = problem(app.post_claim(&body).await, 422).await;
        assert_eq!(p["type"], "/problems/validation");
        assert_eq!(error_fields(&p), [field], "{body}");
        assert_eq!(p["errors"][0]["rule"], rule, "{body}");
        assert!(p["errors"][0]["message"].is_string());
    }
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn several_broken_rules_are_reported_together() {
    let app = spawn_app().await;
    let body = json!({"text": "", "language": "??", "appeared_in": {"url": "x"}});
    let p = problem(app.post_claim(&body).await, 422).await;
    assert_eq!(error_fields(&p), ["text", "appeared_in.url", "language"]);
}

#[tokio::test]
async fn invalid_evidence_is_refused_with_the_field_and_rule() {
    let app = spawn_app().await;
    let claim = app.create_claim("R1 matches o1 on key benchmarks.").await;
    let id = claim["id"].as_i64().unwrap();
    let before = counts(&app);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"stance": "supports"}), "url", "required"),
        (json!({"url": "https://a.org"}), "stance", "required"),
        (json!({"url": "https://a.org", "stance": "agrees"}), "stance", "one-of"),
        (json!({"url": "notaurl", "stance": "supports"}), "url", "url"),
        (json!({"url": "javascript:alert(1)", "stance": "supports"}), "url", "url"),
        (json!({"url": "https://a.org", "stance": "supports", "reliability": 1.2}), "reliability", "range"),
        (json!({"url": "https://a.org", "stance": "supports", "confidence": -0.5}), "confidence", "range"),
        (json!({"url": "https://a.org", "stance": "supports", "confidence": "high"}), "confidence", "type"),
        (json!({"url": "https://a.org", "stance": "supports", "id": 3}), "id", "unknown-field"),
    ];
    for (body, field, rule) in cases {
        let p = problem(app.attach(id, &body).await, 422).await;
        assert_eq!(error_fields(&p), [field], "{body}");
        assert_eq!(p["errors"][0]["rule"], rule, "{body}");
    }
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn unknown_status_or_verdict_in_a_transition_is_refused() {
    let app = spawn_app().await;
    let claim = app.create_claim("SoftBank Group fell by 5.4%.").await;
    let id = claim["id"].as_i64().unwrap();
    let before = counts(&app);
    let p = problem(app.transition(id, &json!({"to": "done"})).await, 422).await;
    assert_eq!((error_fields(&p), p["errors"][0]["rule"].as_str()), (vec!["to".to_owned()], Some("one-of")));
    let p = problem(app.transition(id, &json!({"to": "in_review", "verdict": "pants_on_fire"})).await, 422).await;
    assert_eq!(error_fields(&p), ["verdict"]);
    let p = problem(app.get("/v1/claims?status=done").await, 400).await;
    assert_eq!(error_fields(&p), ["status"]);
    let p = problem(app.get("/v1/claims?verdict=maybe").await, 400).await;
    assert_eq!(error_fields(&p), ["verdict"]);
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn malformed_json_oversized_bodies_and_wrong_content_types() {
    let app = spawn_app().await;
    let before = counts(&app);
    for raw in ["{\"text\": ", "{text: 1}", "", "{\"text\": \"a\"} trailing", "\u{0}"] {
        let p = problem(app.post_raw("/v1/claims", "application/json", raw.to_owned()).await, 400).await;
        assert_eq!(p["type"], "/problems/malformed-json", "{raw:?}");
    }
    let big = json!({ "text": "x".repeat(300 * 1024) }).to_string();
    let p = problem(app.post_raw("/v1/claims", "application/json", big).await, 413).await;
    assert_eq!(p["type"], "/problems/payload-too-large");
    // A body that lies about its size by streaming: chunked, no Content-Length.
    let chunks: Vec<Result<String, std::io::Error>> = (0..300).map(|_| Ok("x".repeat(1024))).collect();
    let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    problem(app.post_raw("/v1/claims", "application/json", stream).await, 413).await;

    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let p = problem(app.post_raw("/v1/claims", content_type, "{\"text\": \"a\"}").await, 415).await;
        assert!(p["detail"].as_str().unwrap().contains("application/json"));
    }
    let missing = app.client.post(app.url("/v1/claims")).body("{\"text\": \"a\"}").send().await.unwrap();
    problem(missing, 415).await;
    // A charset parameter is fine.
    let ok = app.post_raw("/v1/claims", "application/json; charset=utf-8", "{\"text\": \"Advantest fell 8.6%\"}").await;
    assert_eq!(ok.status(), 201);
    assert_eq!(counts(&app)[0], before[0] + 1);
}

#[tokio::test]
async fn unknown_routes_methods_and_parameters_get_problem_json() {
    let app = spawn_app().await;
    let p = problem(app.get("/v2/nothing").await, 404).await;
    assert_eq!(p["type"], "/problems/not-found");
    let p = problem(app.client.put(app.url("/v1/claims")).send().await.unwrap(), 405).await;
    assert_eq!(p["type"], "/problems/method-not-allowed");
    let p = problem(app.get("/v1/claims?colour=red").await, 400).await;
    assert_eq!(error_fields(&p), ["colour"]);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("sort=text", "sort"),
        ("created_after=yesterday", "created_after"),
        ("cursor=zzz", "cursor"),
        ("q=%20%21", "q"),
        ("sort=relevance", "sort"),
    ] {
        let p = problem(app.get(&format!("/v1/claims?{query}")).await, 400).await;
        assert_eq!(error_fields(&p), [field], "{query}");
    }
    let p = problem(app.client.get(app.url("/v1/claims/1")).header("if-match", "").send().await.unwrap(), 404).await;
    assert!(p["request_id"].is_string());
}

#[tokio::test]
async fn every_problem_type_is_described() {
    let app = spawn_app().await;
    let p = problem(app.post_claim(&json!({})).await, 422).await;
    let described: Value = app.get(p["type"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(described["status"], 422);
    problem(app.get("/problems/nonsense").await, 404).await;
}
