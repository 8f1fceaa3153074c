use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};

const STATUSES: [&str; 5] = ["submitted", "in_review", "verified", "published", "rejected"];
const LEGAL: [(&str, &str); 7] = [
    ("submitted", "in_review"),
    ("submitted", "rejected"),
    ("in_review", "verified"),
    ("in_review", "rejected"),
    ("verified", "published"),
    ("verified", "in_review"),
    ("published", "in_review"),
];

/// A claim with evidence, brought to `status` by legal moves.
async fn claim_in(app: &TestApp, status: &str, n: usize) -> i64 {
    let id = app.create_claim(&format!("Workflow claim {status} {n}")).await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://evidence.example/x", "supports").await;
    let path: &[&str] = match status {
        "submitted" => &[],
        "in_review" => &["in_review"],
        "verified" => &["in_review", "verified"],
        "published" => &["in_review", "verified", "published"],
        _ => &["rejected"],
    };
    for to in path {
        let body = if *to == "verified" {
            json!({"to": to, "verdict": "mostly_true", "rationale": "What the record shows."})
        } else {
            json!({"to": to})
        };
        assert_eq!(app.transition(id, &body).await.status(), StatusCode::OK);
    }
    id
}

#[tokio::test]
async fn every_move_is_legal_exactly_when_the_workflow_says_so() {
    let app = spawn_app().await;
    let mut n = 0;
    for from in STATUSES {
        for to in STATUSES {
            n += 1;
            let id = claim_in(&app, from, n).await;
            let body = if to == "verified" {
                json!({"to": to, "verdict": "false", "rationale": "What the record shows."})
            } else {
                json!({"to": to})
            };
            let response = app.transition(id, &body).await;
            if LEGAL.contains(&(from, to)) {
                assert_eq!(response.status(), StatusCode::OK, "{from} -> {to}");
                let claim: Value = response.json().await.unwrap();
                assert_eq!(claim["status"], to);
            } else {
                let p = problem(response, 409).await;
                assert_eq!(p["type"], "/problems/invalid-transition", "{from} -> {to}");
                let allowed: Vec<&str> = LEGAL.iter().filter(|(f, _)| *f == from).map(|(_, t)| *t).collect();
                assert_eq!(p["allowed"], json!(allowed), "{from} -> {to}");
                assert_eq!(app.claim(id).await["status"], from);
            }
        }
    }
}

#[tokio::test]
async fn verifying_needs_a_verdict_and_live_evidence() {
    let app = spawn_app().await;
    let id = app.create_claim("DeepSeek was founded in 2023.").await["id"].as_i64().unwrap();
    app.transition(id, &json!({"to": "in_review"})).await;

    let p = problem(
        app.transition(id, &json!({"to": "verified", "verdict": "true", "rationale": "What the record shows."})).await,
        409,
    )
    .await;
    assert_eq!(p["type"], "/problems/evidence-required");
    let item = app.attach_ok(id, "https://registry.example/deepseek", "supports").await;
    let p =
        problem(app.transition(id, &json!({"to": "verified", "rationale": "What the record shows."})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "verdict");

    // Retracted evidence does not count.
    app.client.delete(app.url(&format!("/v1/evidence/{}", item["id"]))).send().await.unwrap();
    problem(
        app.transition(id, &json!({"to": "verified", "verdict": "true", "rationale": "What the record shows."})).await,
        409,
    )
    .await;
    app.attach_ok(id, "https://registry.example/other", "supports").await;

    let verified: Value = app
        .transition(
            id,
            &json!({"to": "verified", "verdict": "true", "note": "registry", "rationale": "What the record shows."}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((verified["status"].as_str(), verified["verdict"].as_str()), (Some("verified"), Some("true")));
    assert_eq!(verified["allowed_transitions"], json!(["published", "in_review"]));

    // A verdict is set only on entering verified, and kept through publish and reopen.
    let p = problem(app.transition(id, &json!({"to": "published", "verdict": "false"})).await, 422).await;
    assert_eq!(p["errors"][0]["rule"], "not-allowed");
    app.transition(id, &json!({"to": "published"})).await;
    let reopened: Value =
        app.transition(id, &json!({"to": "in_review", "note": "new data"})).await.json().await.unwrap();
    assert_eq!((reopened["status"].as_str(), reopened["verdict"].as_str()), (Some("in_review"), Some("true")));
}

#[tokio::test]
async fn transitions_honour_if_match_when_sent() {
    let app = spawn_app().await;
    let id = app.create_claim("SoftBank fell 5.4% on Monday.").await["id"].as_i64().unwrap();
    let stale = app
        .client
        .post(app.url(&format!("/v1/claims/{id}/transitions")))
        .header("if-match", "\"9\"")
        .json(&json!({"to": "in_review"}))
        .send()
        .await
        .unwrap();
    problem(stale, 412).await;
    problem(app.transition(999, &json!({"to": "in_review"})).await, 404).await;
}
