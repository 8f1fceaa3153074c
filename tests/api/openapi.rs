//! The OpenAPI document and the interactive docs.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

/// Every route the server has, as the document must list it.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/problems/{slug}"),
    ("get", "/v1/verdicts"),
    ("get", "/v1/workflow"),
    ("get", "/v1/claims"),
    ("post", "/v1/claims"),
    ("get", "/v1/claims/{id}"),
    ("patch", "/v1/claims/{id}"),
    ("get", "/v1/claims/{id}/similar"),
    ("post", "/v1/match"),
    ("get", "/v1/claims/{id}/evidence"),
    ("post", "/v1/claims/{id}/evidence"),
    ("post", "/v1/claims/{id}/transitions"),
    ("get", "/v1/claims/{id}/history"),
    ("get", "/v1/claims/{id}/merges"),
    ("post", "/v1/claims/{id}/merges/split"),
    ("post", "/v1/claims/{id}/assign"),
    ("get", "/v1/claims/{id}/claimreview"),
    ("get", "/v1/claimreview"),
    ("post", "/v1/import"),
    ("get", "/v1/evidence"),
    ("get", "/v1/evidence/{id}"),
    ("patch", "/v1/evidence/{id}"),
    ("delete", "/v1/evidence/{id}"),
    ("get", "/v1/evidence/{id}/snapshot"),
    ("get", "/v1/evidence/{id}/snapshot/original"),
    ("post", "/v1/evidence/{id}/check"),
    ("get", "/v1/admin/queue"),
    ("get", "/v1/admin/stats"),
    ("get", "/v1/admin/keys"),
    ("post", "/v1/admin/keys"),
    ("delete", "/v1/admin/keys/{id}"),
    ("get", "/v1/admin/audit"),
    ("get", "/v1/admin/audit/verify"),
    ("get", "/v1/admin/webhooks"),
    ("post", "/v1/admin/webhooks"),
    ("get", "/v1/admin/webhooks/{id}"),
    ("delete", "/v1/admin/webhooks/{id}"),
    ("get", "/v1/admin/webhooks/{id}/deliveries"),
    ("get", "/v1/articles"),
    ("post", "/v1/articles"),
    ("get", "/v1/articles/{id}"),
    ("post", "/v1/articles/{id}/candidates/{n}/accept"),
    ("get", "/v1/sources"),
    ("post", "/v1/sources"),
    ("get", "/v1/sources/{id}"),
    ("patch", "/v1/sources/{id}"),
];

#[tokio::test]
async fn the_document_describes_every_endpoint_and_its_problems() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/openapi.json")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, ROUTES.len(), "the document lists a route this test does not know");
    for (method, path) in ROUTES {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path} has no success response");
        // A client generated from the document sends only ids the server accepts.
        for id in
            operation["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path" && p["name"] == "id")
        {
            assert_eq!(id["schema"]["minimum"], 1, "{method} {path}: its id's least value is not documented");
        }
        if !path.starts_with("/healthz") && *path != "/metrics" {
            assert!(
                responses["404"]["content"]["application/problem+json"].is_object(),
                "{method} {path} does not document its problems"
            );
        }
    }
    let events = doc["components"]["schemas"]["WebhookInput"]["properties"]["events"]["description"].as_str().unwrap();
    for event in claimcheck::domain::webhook::EVENTS {
        assert!(events.contains(event), "the webhook events' description leaves out {event}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["key"].is_object());
}

#[tokio::test]
async fn the_docs_work_on_a_closed_network() {
    let app = spawn_app().await;
    let page = reqwest::get(app.url("/docs")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("/docs/swagger-ui-bundle.js"));
    assert!(!html.contains("https://") && !html.contains("http://"), "nothing from outside: {html}");
    for (asset, least) in
        [("/docs/swagger-ui-bundle.js", 1_000_000), ("/docs/swagger-ui.css", 10_000), ("/docs/init.js", 20)]
    {
        let response = reqwest::get(app.url(asset)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(response.bytes().await.unwrap().len() >= least, "{asset}");
    }
    assert_eq!(reqwest::get(app.url("/docs/nothing.js")).await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// Where the document gives a parameter's pattern, it says what the server takes: each value here
/// matches it and is answered, each refused one does not match it.
#[tokio::test]
async fn documented_parameter_patterns_agree_with_the_server() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/openapi.json")).await.unwrap().json().await.unwrap();
    let claim = app.create_claim("The documented patterns hold").await["id"].as_i64().unwrap();
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "/v1/claims",
            "sort",
            &["created", "-updated", "confidence", "-confidence"],
            &["newest", "--created", "created,updated"],
        ),
        ("/v1/admin/queue", "status", &["submitted", "in_review"], &["verified", "submitted,in_review"]),
        (
            "/v1/evidence",
            "state",
            &["live", "gone,failed", "pending,changed,blocked", "live|gone"],
            &["dead", "live,", "live,,gone"],
        ),
        ("/v1/admin/audit", "cursor", &["1", "42"], &["0", "-1", "x", "01", "%2B1"]),
        ("/v1/claims/{id}/history", "cursor", &["1", "42"], &["0", "-1", "x", "01", "%2B1"]),
        ("/v1/evidence", "cursor", &["1", "42"], &["0", "-1", "x", "01", "%2B1"]),
        ("/v1/articles", "cursor", &["1", "42"], &["0", "-1", "x", "01", "%2B1"]),
        ("/v1/admin/webhooks/{id}/deliveries", "cursor", &["1", "42"], &["0", "-1", "x", "01", "%2B1"]),
        ("/v1/evidence/{id}/snapshot", "which", &["cited", "current"], &["latest", "Cited"]),
    ];
    for (path, name, taken, refused) in cases {
        let parameter = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == *name)
            .unwrap_or_else(|| panic!("{path} documents no {name}"));
        let pattern = regex::Regex::new(parameter["schema"]["pattern"].as_str().unwrap()).unwrap();
        // `{id}` names no evidence: the snapshot's route reads its parameters before it answers 404.
        let url = |value: &str| app.url(&format!("{}?{name}={value}", path.replace("{id}", &claim.to_string())));
        for value in *taken {
            assert!(pattern.is_match(value), "{path} {name}: the pattern refuses {value:?}");
            let status = app.client.get(url(value)).send().await.unwrap().status();
            assert!(status != StatusCode::BAD_REQUEST, "{path} {name}={value:?}: the server refuses it");
        }
        for value in *refused {
            assert!(!pattern.is_match(value), "{path} {name}: the pattern takes {value:?}");
            let status = app.client.get(url(value)).send().await.unwrap().status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {name}={value:?}");
        }
    }
}

/// The header rules the document states: a value within a header's pattern and lengths is not
/// refused as malformed, and one the server refuses as malformed is outside them. The operations
/// that document a header (`If-Match` on the PATCHes of claims and sources, `Idempotency-Key` on the
/// POSTs of claims and evidence) document it alike.
#[tokio::test]
async fn documented_header_patterns_agree_with_the_server() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/openapi.json")).await.unwrap().json().await.unwrap();
    let claim = app.create_claim("The documented headers hold").await["id"].as_i64().unwrap();
    let header = |method: &str, path: &str, name: &str| -> Value {
        let parameters = doc["paths"][path][method]["parameters"].as_array().unwrap();
        let found = parameters.iter().find(|p| p["name"] == name && p["in"] == "header");
        found.unwrap_or_else(|| panic!("{method} {path} documents no {name} header")).clone()
    };
    let schema = |method: &str, path: &str, name: &str| header(method, path, name)["schema"].clone();
    let idempotency = schema("post", "/v1/claims", "Idempotency-Key");
    assert_eq!(idempotency, schema("post", "/v1/claims/{id}/evidence", "Idempotency-Key"));
    // Every operation that reads If-Match documents it alike; the PATCHes of content refuse to go without.
    let if_match = schema("patch", "/v1/claims/{id}", "If-Match");
    let reading_if_match = [
        ("patch", "/v1/claims/{id}", true),
        ("patch", "/v1/sources/{id}", true),
        ("post", "/v1/claims/{id}/evidence", false),
        ("patch", "/v1/evidence/{id}", false),
        ("delete", "/v1/evidence/{id}", false),
        ("post", "/v1/claims/{id}/transitions", false),
    ];
    for (method, path, required) in reading_if_match {
        let documented = header(method, path, "If-Match");
        assert_eq!(documented["schema"], if_match, "{method} {path}: If-Match");
        assert_eq!(documented["required"].as_bool().unwrap_or(false), required, "{method} {path}: If-Match required");
    }
    let within = |schema: &Value, value: &str| {
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        let least = schema["minLength"].as_u64().unwrap_or(0) as usize;
        let most = schema["maxLength"].as_u64().map_or(usize::MAX, |n| n as usize);
        pattern.is_match(value) && (least..=most).contains(&value.len())
    };

    let long = "k".repeat(256);
    let keys: &[(&str, bool)] =
        &[("a", true), ("retry-7f3c:2", true), (&long[..255], true), ("two words", false), (&long, false)];
    for (n, (key, taken)) in keys.iter().enumerate() {
        assert_eq!(within(&idempotency, key), *taken, "Idempotency-Key {key:?}: the document");
        let body = serde_json::json!({"text": format!("A claim sent once with key number {n}")});
        let request = app.client.post(app.url("/v1/claims")).header("idempotency-key", *key).json(&body);
        let status = request.send().await.unwrap().status();
        assert_eq!(status == StatusCode::BAD_REQUEST, !taken, "Idempotency-Key {key:?}: the server answers {status}");
    }

    let tags: &[(&str, bool)] =
        &[("*", true), ("\"1\"", true), ("W/\"1\"", true), ("\"1\", \"2\"", true), (",", false), ("", false)];
    for (tag, taken) in tags {
        assert_eq!(within(&if_match, tag), *taken, "If-Match {tag:?}: the document");
        let body = serde_json::json!({"claimant": "A reader"});
        let status = app.patch(&format!("/v1/claims/{claim}"), Some(tag), &body).await.status();
        assert_eq!(status == StatusCode::BAD_REQUEST, !taken, "If-Match {tag:?}: the server answers {status}");
        // Where it is optional, the server reads a tag by the same rule.
        let body = serde_json::json!({"to": "in_review"});
        let request = app.client.post(app.url(&format!("/v1/claims/{claim}/transitions"))).header("if-match", *tag);
        let status = request.json(&body).send().await.unwrap().status();
        assert_eq!(
            status == StatusCode::BAD_REQUEST,
            !taken,
            "If-Match {tag:?} on a transition: the server answers {status}"
        );
    }
}
