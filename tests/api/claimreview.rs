//! ClaimReview JSON-LD for verified and published claims.

use serde_json::{Value, json};

use crate::helpers::{problem, spawn_seeded_app};

async fn verify(app: &crate::helpers::TestApp, id: i64, verdict: &str) {
    app.attach_ok(id, &format!("https://review.example/{id}"), "refutes").await;
    app.transition(id, &json!({"to": "in_review"})).await;
    let response =
        app.transition(id, &json!({"to": "verified", "verdict": verdict, "rationale": "What the record shows."})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_verified_seed_claim_has_a_complete_claimreview() {
    let app = spawn_seeded_app().await;
    let p = problem(app.get("/v1/claims/3/claimreview").await, 409).await;
    assert_eq!(p["type"], "/problems/not-reviewed");

    verify(&app, 3, "unsupported").await;
    let response = app.get("/v1/claims/3/claimreview").await;
    assert_eq!(response.headers()["content-type"], "application/ld+json");
    let review: Value = response.json().await.unwrap();
    assert_eq!(review["@context"], "https://schema.org");
    assert_eq!(review["@type"], "ClaimReview");
    assert!(review["claimReviewed"].as_str().unwrap().contains("CCP state psyop"));
    assert_eq!(review["itemReviewed"]["@type"], "Claim");
    assert_eq!(review["itemReviewed"]["author"], json!({"@type": "Person", "name": "Neal Khosla"}));
    assert!(review["itemReviewed"]["firstAppearance"]["headline"].is_string());
    assert_eq!(review["itemReviewed"]["appearance"][0], review["itemReviewed"]["firstAppearance"]);
    assert_eq!(review["author"], json!({"@type": "Organization", "name": "Test Desk", "url": "https://desk.example"}));
    assert_eq!(review["datePublished"].as_str().unwrap().len(), 10);
    assert!(review["url"].as_str().unwrap().ends_with("/fact-checks/3"), "the public page, once published");
    let rating = &review["reviewRating"];
    assert_eq!((rating["bestRating"].as_i64(), rating["worstRating"].as_i64()), (Some(5), Some(1)));
    assert_eq!((rating["ratingValue"].as_i64(), rating["alternateName"].as_str()), (Some(2), Some("Unsupported")));
}

#[tokio::test]
async fn the_feed_holds_published_reviews_only() {
    let app = spawn_seeded_app().await;
    verify(&app, 1, "misleading").await;
    verify(&app, 2, "mostly_true").await;
    assert_eq!(app.transition(2, &json!({"to": "published"})).await.status(), 200);
    let feed: Value = app.get("/v1/claimreview").await.json().await.unwrap();
    assert_eq!(feed["@type"], "DataFeed");
    let elements = feed["dataFeedElement"].as_array().unwrap();
    assert_eq!(elements.len(), 1);
    assert_eq!(elements[0]["reviewRating"]["alternateName"], "Mostly true");
    assert!(elements[0].get("@context").is_none());
}
