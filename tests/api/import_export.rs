//! ClaimReview in (`POST /v1/import`, `claimcheck import`) and everything out (`claimcheck export`).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_seeded_app};

fn review(url: Option<&str>, text: &str, rating: Value) -> Value {
    let mut review = json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": text,
        "author": {"@type": "Organization", "name": "Other Desk"},
        "datePublished": "2025-01-30",
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Some Poster"},
            "firstAppearance": {"@type": "CreativeWork", "url": "https://social.example.org/p/1", "headline": "A post"}},
        "reviewRating": rating,
    });
    if let Some(url) = url {
        review["url"] = json!(url);
    }
    review
}

fn feed(first_rating: &str) -> Value {
    json!({"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [
        {"@type": "DataFeedItem", "item": [review(Some("https://fc.example.org/a"), "DeepSeek's app has one billion users", json!({"@type": "Rating", "alternateName": first_rating}))]},
        review(Some("https://fc.example.org/b"), "DeepSeek's R1 was trained on 50,000 H100 chips", json!({"ratingValue": 4, "bestRating": 5, "worstRating": 1})),
        review(Some("https://fc.example.org/c"), "DeepSeek is based in Shanghai", json!({"alternateName": "Wobbly"})),
        review(None, "DeepSeek has 10,000 employees", json!({"alternateName": "False"})),
    ]})
}

async fn import(app: &TestApp, document: &Value) -> Value {
    let response = app.post_raw("/v1/import", "application/ld+json", document.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn find(app: &TestApp, text: &str) -> Value {
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    let id = listed["items"].as_array().unwrap().iter().find(|c| c["text"] == text).unwrap()["id"].as_i64().unwrap();
    app.claim(id).await
}

#[tokio::test]
async fn a_claimreview_feed_imports_cleanly_and_idempotently() {
    let app = spawn_app().await;
    let summary = import(&app, &feed("Pants on Fire!")).await;
    assert_eq!((summary["created"].as_u64(), summary["skipped"].as_u64()), (Some(2), Some(0)), "{summary}");
    let reasons: Vec<&str> =
        summary["rejected"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("maps to no verdict")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("url is missing")), "{reasons:?}");

    let users = find(&app, "DeepSeek's app has one billion users").await;
    assert_eq!((users["status"].as_str(), users["verdict"].as_str()), (Some("verified"), Some("false")));
    assert_eq!(users["claimant"], "Some Poster");
    assert_eq!(users["evidence"][0]["url"], "https://fc.example.org/a");
    assert_eq!(users["evidence"][0]["stance"], "refutes");
    let chips = find(&app, "DeepSeek's R1 was trained on 50,000 H100 chips").await;
    assert_eq!(chips["verdict"], "mostly_true", "4 on a 1–5 scale");

    let again = import(&app, &feed("Pants on Fire!")).await;
    assert_eq!((again["created"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(2)), "{again}");
    let changed = import(&app, &feed("True")).await;
    assert_eq!((changed["updated"].as_u64(), changed["skipped"].as_u64()), (Some(1), Some(1)), "{changed}");
    assert_eq!(find(&app, "DeepSeek's app has one billion users").await["verdict"], "true");

    // Out again as ClaimReview, with Google's required fields.
    let ours: Value = app.get(&format!("/v1/claims/{}/claimreview", users["id"])).await.json().await.unwrap();
    for field in ["claimReviewed", "author", "datePublished", "url", "reviewRating", "itemReviewed"] {
        assert!(!ours[field].is_null(), "{field} missing: {ours}");
    }
    assert_eq!(ours["reviewRating"]["ratingValue"], 5);
}

#[tokio::test]
async fn import_refuses_what_is_not_claimreview_with_a_problem() {
    let app = spawn_app().await;
    let response = app.post_raw("/v1/import", "application/json", r#"{"@type": "Article"}"#).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "body");
    assert_eq!(app.post_raw("/v1/import", "application/json", "[1,").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.post_raw("/v1/import", "text/csv", "a,b").await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

fn cli(args: &[&str], db: &std::path::Path) -> (String, String) {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[tokio::test]
async fn the_command_line_imports_a_feed_and_exports_everything() {
    let app = spawn_seeded_app().await;
    let db = app.db_path();
    let file = app.dir.path().join("feed.jsonld");
    std::fs::write(&file, feed("False").to_string()).unwrap();
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 2, updated 0, skipped 0, rejected 2"), "{printed}");
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 0, updated 0, skipped 2, rejected 2"), "{printed}");

    let (lines, summary) = cli(&["export", "--format", "jsonl"], &db);
    assert_eq!(lines.lines().count(), 24, "22 seed claims and 2 imported");
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(first["evidence"].is_array() && first["confidence_breakdown"].is_object());
    assert!(summary.contains("exported 24 claims with 2 evidence items"), "{summary}");

    let (csv, _) = cli(&["export", "--format", "csv"], &db);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rows.headers().unwrap().get(1), Some("text"));
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 24);
    assert!(rows.iter().any(|r| r.get(12) == Some("refutes https://fc.example.org/a")));

    let out = app.dir.path().join("reviews.json");
    cli(&["export", "--format", "claimreview", "--out", out.to_str().unwrap()], &db);
    let reviews: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(reviews["@type"], "DataFeed");
}
