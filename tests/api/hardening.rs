//! Attacks on the service itself: inputs and connection patterns meant to exhaust its memory, files
//! or metrics, or to break its pages.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimcheck::domain::access::Role;
use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin::sign_in;
use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let mut rng = rand::rng();
    for _ in 0..200 {
        let name: String = (0..12).map(|_| rng.random_range(b'A'..=b'Z') as char).collect();
        let method = Method::from_bytes(name.as_bytes()).unwrap();
        let response = app.client.request(method, app.url("/v1/claims")).send().await.unwrap();
        assert!(response.status().is_client_error(), "{name}: {}", response.status());
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    let methods: BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("claimcheck_http_request"))
        .filter_map(|l| l.split("method=\"").nth(1)?.split('"').next())
        .collect();
    assert!(methods.len() <= 8, "{methods:?}");
    assert!(methods.contains("OTHER"), "{methods:?}");
    assert!(text.len() < 64 * 1024, "{} bytes of metrics", text.len());
}

#[tokio::test]
async fn forged_search_cursors_with_out_of_range_numbers_are_refused() {
    let app = spawn_app().await;
    app.create_claim("x marks the spot on the Nikkei chart").await;
    let forged = [
        ("relevance", json!({"sort": "relevance", "offset": 1u64 << 63})),
        ("relevance", json!({"sort": "relevance", "offset": u64::MAX})),
        ("relevance", json!({"sort": "relevance", "after": ["x", 1], "offset": 1u64 << 63})),
        ("-created", json!({"sort": "-created", "offset": 1u64 << 63})),
        ("created", json!({"sort": "created", "offset": u64::MAX})),
    ];
    for (sort, cursor) in forged {
        let raw = URL_SAFE_NO_PAD.encode(cursor.to_string());
        let p = problem(app.get(&format!("/v1/claims?q=x&sort={sort}&cursor={raw}")).await, 400).await;
        assert_eq!(p["errors"][0]["field"], "cursor", "{cursor}");
        assert_eq!(p["errors"][0]["rule"], "cursor", "{cursor}");
    }
    // A cursor the server issued still works.
    for i in 0..3 {
        app.create_claim(&format!("x number {i} of the cursor check")).await;
    }
    let first: Value = app.get("/v1/claims?q=x&limit=2").await.json().await.unwrap();
    let next = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/v1/claims?q=x&limit=2&cursor={next}")).await;
    assert_eq!(second.status(), 200);
}

#[tokio::test]
async fn claim_text_cannot_break_out_of_the_json_ld_on_the_admin_page() {
    let app = spawn_app().await;
    let text = "Markets fell 8% <!--<script> and then </script><p>rose</p> again";
    let id = app.create_claim(text).await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://evidence.example/markets", "supports").await;
    assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), 200);
    assert_eq!(app.transition(id, &json!({"to": "verified", "verdict": "mostly_true"})).await.status(), 200);

    let (browser, _) = sign_in(&app, Role::Reviewer).await;
    let page = browser.get(app.url(&format!("/admin/claims/{id}"))).send().await.unwrap().text().await.unwrap();
    let start = page.find("<script type=\"application/ld+json\">").expect("the page embeds JSON-LD");
    let script = &page[start..];
    let script = &script[..script.find("</script>").unwrap()];
    assert!(!script.contains("<!--") && !script[1..].contains('<'), "{script}");

    // Parsed as a browser would: the rest of the page is still markup, not script text.
    let document = scraper::Html::parse_document(&page);
    let headings = scraper::Selector::parse("h2").unwrap();
    let headings: Vec<String> = document.select(&headings).map(|h| h.text().collect()).collect();
    assert!(headings.iter().any(|h| h == "History"), "{headings:?}");
    let json_ld = scraper::Selector::parse("script[type=\"application/ld+json\"]").unwrap();
    let embedded: String = document.select(&json_ld).next().unwrap().text().collect();
    let review: Value = serde_json::from_str(&embedded).unwrap();
    assert_eq!(review["claimReviewed"], text);
}

#[tokio::test]
async fn an_import_of_millions_of_values_is_refused_before_it_is_built() {
    let app = spawn_app().await;
    let mut zeros = String::with_capacity(4_000_002);
    zeros.push('[');
    zeros.push_str(&"0,".repeat(1_999_999));
    zeros.push_str("0]");
    let p = problem(app.post_raw("/v1/import", "application/json", zeros).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "body");
    assert_eq!(p["errors"][0]["rule"], "max-values");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("values"), "{p}");
    assert_eq!(app.get("/healthz").await.status(), 200);
}
