//! ClaimReview out and in again: an export imported into a fresh database keeps the fact-check; rejected
//! reviews are named by position; the CSV export is safe to open in a spreadsheet.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, cli, spawn_app};
use crate::publishing::{RATIONALE, publish_fact_check};

async fn import(app: &TestApp, document: &str) -> Value {
    let response = app.post_raw("/v1/import", "application/ld+json", document.to_owned()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Claims by text.
async fn by_text(app: &TestApp) -> std::collections::HashMap<String, Value> {
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    let mut claims = std::collections::HashMap::new();
    for c in listed["items"].as_array().unwrap() {
        claims.insert(c["text"].as_str().unwrap().to_owned(), app.claim(c["id"].as_i64().unwrap()).await);
    }
    claims
}

#[tokio::test]
async fn an_export_imported_into_a_fresh_database_keeps_the_fact_checks_field_by_field() {
    let source = spawn_app().await;
    let published = publish_fact_check(&source, "R1 cost $5.6 million to train", "misleading").await;
    source
        .attach(
            published,
            &json!({"url": "https://news.example/r1-costs", "stance": "context", "reliability": 0.6,
            "confidence": 0.7, "title": "What R1 really cost", "publisher": "News Example"}),
        )
        .await;
    let verified = source
        .post_claim(&json!({"text": "DeepSeek has 10,000 employees", "claimant": "a forum post",
            "language": "pt-BR", "tags": ["staff"]}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    source.attach_ok(verified, "https://registry.example/deepseek", "refutes").await;
    source.transition(verified, &json!({"to": "in_review"})).await;
    source
        .transition(verified, &json!({"to": "verified", "verdict": "false", "rationale": "The registry lists 160."}))
        .await;
    source.create_claim("A claim never reviewed").await;

    let out = source.dir.path().join("reviews.jsonld");
    let (_, summary) = cli(&["export", "--format", "claimreview", "--out", out.to_str().unwrap()], &source.db_path());
    // The published revision cites the one item it was published with; the verified claim its one.
    assert!(summary.contains("exported 2 claims with 2 evidence items; 1 without a verdict left out"), "{summary}");
    let document = std::fs::read_to_string(&out).unwrap();

    let target = spawn_app().await;
    let imported = import(&target, &document).await;
    assert_eq!((imported["created"].as_u64(), imported["rejected"].as_array().map(Vec::len)), (Some(2), Some(0)));
    let before = by_text(&source).await;
    let after = by_text(&target).await;
    for text in ["R1 cost $5.6 million to train", "DeepSeek has 10,000 employees"] {
        let (was, now) = (&before[text], &after[text]);
        for field in ["text", "status", "verdict", "rationale", "claimant", "language", "tags"] {
            assert_eq!(now[field], was[field], "{text}: {field}");
        }
        for field in ["url", "title", "published_at"] {
            assert_eq!(now["appeared_in"][field], was["appeared_in"][field], "{text}: appeared_in.{field}");
        }
    }
    let (was, now) = (&before["R1 cost $5.6 million to train"], &after["R1 cost $5.6 million to train"]);
    assert_eq!(now["status"], "published");
    assert_eq!(now["rationale"], RATIONALE);
    // The published revision cited one item (the second came after publication).
    assert_eq!(now["evidence"].as_array().unwrap().len(), 1);
    for field in ["url", "title", "publisher", "excerpt", "stance", "reliability", "confidence"] {
        assert_eq!(now["evidence"][0][field], was["evidence"][0][field], "evidence.{field}");
    }
    assert_eq!(after["DeepSeek has 10,000 employees"]["status"], "verified");
    assert_eq!(after["DeepSeek has 10,000 employees"]["evidence"][0]["url"], "https://registry.example/deepseek");
    // And its page is public in the new database too.
    let id = now["id"].as_i64().unwrap();
    assert_eq!(reqwest::get(target.url(&format!("/fact-checks/{id}"))).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn rejected_reviews_are_named_by_their_position() {
    let app = spawn_app().await;
    let good = json!({"@type": "ClaimReview", "claimReviewed": "A fine claim", "url": "https://fc.example.org/1",
        "reviewRating": {"alternateName": "False"}});
    let unrated = json!({"@type": "ClaimReview", "claimReviewed": "An odd claim", "url": "https://fc.example.org/2",
        "reviewRating": {"alternateName": "Wobbly"}});
    let no_url = json!({"@type": "ClaimReview", "claimReviewed": "A claim without a home",
        "reviewRating": {"alternateName": "True"}});
    let feed = json!({"@type": "DataFeed", "dataFeedElement": [good, {"@type": "DataFeedItem", "item": unrated.clone()},
        {"@type": "Thing"}, no_url]});
    let summary = import(&app, &feed.to_string()).await;
    let positions: Vec<(&str, &str)> = summary["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap(), r["position"].as_str().unwrap()))
        .collect();
    assert_eq!(positions, [("body", "dataFeedElement[1].item"), ("body", "dataFeedElement[3]")]);
    let graph = json!({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, unrated]});
    let summary = import(&app, &graph.to_string()).await;
    assert_eq!(summary["rejected"][0]["position"], "@graph[1]");
}

#[tokio::test]
async fn the_csv_export_cannot_run_in_a_spreadsheet_and_counts_what_it_wrote() {
    let app = spawn_app().await;
    let formula = "=HYPERLINK(\"https://evil.example\",\"click\") says the claim";
    let id = app.create_claim(formula).await["id"].as_i64().unwrap();
    app.attach(id, &json!({"url": "https://a.example/1", "stance": "supports", "title": "@SUM(A1:A9)"})).await;
    let gone = app.attach_ok(id, "https://a.example/2", "refutes").await;
    app.client.delete(app.url(&format!("/v1/evidence/{}", gone["id"]))).send().await.unwrap();
    app.post(&format!("/v1/claims/{id}/assign"), &json!({"assignee": "-rita"})).await;
    app.transition(id, &json!({"to": "in_review"})).await;
    app.transition(id, &json!({"to": "verified", "verdict": "false", "rationale": "+1 for the record"})).await;

    let (csv, summary) = cli(&["export", "--format", "csv"], &app.db_path());
    assert!(summary.contains("exported 1 claims with 1 evidence items"), "counts the live item written: {summary}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row.get(headers.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(cell("text"), format!("'{formula}"));
    assert_eq!(cell("rationale"), "'+1 for the record");
    assert_eq!(cell("assignee"), "'-rita");
    assert_eq!(cell("evidence_titles"), "'@SUM(A1:A9)");
    assert_eq!(cell("evidence"), "supports https://a.example/1");
    assert_eq!(cell("evidence_count"), "1");
    for cell in row.iter() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    }
}
