use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn a_request_id_sent_by_the_client_is_echoed() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/v1/claims/999")).header("x-request-id", "trace-42").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-42");
}

#[tokio::test]
async fn verdicts_and_workflow_are_published() {
    let app = spawn_app().await;
    let verdicts: Value = app.get("/v1/verdicts").await.json().await.unwrap();
    let names: Vec<&str> =
        verdicts["items"].as_array().unwrap().iter().map(|v| v["verdict"].as_str().unwrap()).collect();
    assert_eq!(names, ["true", "mostly_true", "mixed", "mostly_false", "false", "misleading", "unsupported"]);
    for v in verdicts["items"].as_array().unwrap() {
        assert!(!v["definition"].as_str().unwrap().is_empty());
    }
    let workflow: Value = app.get("/v1/workflow").await.json().await.unwrap();
    assert_eq!(workflow["transitions"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_the_writers_groups() {
    let app = spawn_app().await;
    let id = app.create_claim("Metrics claim: the Hang Seng Tech Index climbed 2%.").await["id"].as_i64().unwrap();
    for _ in 0..3 {
        app.claim(id).await;
    }
    app.get("/v1/claims/999999").await;
    // Labels are kept by the shape of the path: numbers are one shape, anything else its own.
    app.get("/v1/no-such/12").await;
    app.get("/v1/no-such/13").await;
    app.get("/docs/none.js").await;
    app.get("/docs/other.js").await;
    app.get(&format!("/v1/claims/{}", "9".repeat(300))).await;
    let text = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"route="(unmatched)",status="404"} 2"#), "{text}");
    assert!(text.contains(r#"route="/docs/{file}",status="404"} 2"#), "{text}");
    assert!(
        text.contains(r#"claimcheck_http_requests_total{method="GET",route="/v1/claims/{id}",status="200"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/v1/claims/{id}",status="404"} 1"#));
    assert!(text.contains(r#"route="/v1/claims/{id}",status="400"} 1"#), "{text}");
    assert!(text.contains(r#"claimcheck_http_request_duration_seconds_bucket{method="POST",route="/v1/claims""#));
    assert!(
        text.contains("claimcheck_claim_cache_hits_total 2") && text.contains("claimcheck_claim_cache_misses_total 2"),
        "{text}"
    );
    let groups = text.lines().find(|l| l.starts_with("claimcheck_writer_group_size_count")).unwrap();
    assert!(groups.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() >= 1);
    assert!(text.contains("claimcheck_writer_queue_depth 0"));
}
