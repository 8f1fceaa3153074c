//! Attacks on the service itself: inputs and connection patterns meant to exhaust its memory, files
//! or metrics, or to break its pages.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};

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
