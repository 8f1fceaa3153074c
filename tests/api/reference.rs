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
