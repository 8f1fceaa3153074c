//! Attacks on the service itself: inputs and connection patterns meant to exhaust its memory, files
//! or metrics, or to break its pages.

use std::collections::BTreeSet;

use rand::Rng;
use reqwest::Method;

use crate::helpers::spawn_app;

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
