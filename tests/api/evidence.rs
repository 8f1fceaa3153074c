use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[tokio::test]
async fn attaching_evidence_rescores_the_claim_and_explains_why() {
    let app = spawn_app().await;
    let claim = app.create_claim("DeepSeek developed R1 for $5.6 million.").await;
    let id = claim["id"].as_i64().unwrap();
    let response = app
        .attach(
            id,
            &json!({
                "url": "https://www.reuters.com/tech/deepseek-cost",
                "title": "What DeepSeek's $5.6m covers",
                "publisher": "Reuters",
                "excerpt": "the figure covers only the final training run",
                "stance": "refutes",
                "reliability": 0.9,
                "confidence": 0.8,
                "note": "Excludes research and hardware."
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let item: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/v1/evidence/{}", item["id"]));
    assert_eq!(item["site"], "reuters.com");
    assert_eq!(item["retracted"], false);

    let claim = app.claim(id).await;
    assert_eq!(claim["evidence_count"], 1);
    assert_eq!(claim["version"], 2);
    // One refuting item of weight 0.72: support = (0 + 0.5) / 1.72, confidence = 0.72 / 1.72.
    assert!((f(&claim["support"]) - 0.5 / 1.72).abs() < 1e-6);
    assert!((f(&claim["confidence"]) - 0.72 / 1.72).abs() < 1e-6);
    let breakdown = &claim["confidence_breakdown"];
    assert_eq!(breakdown["refuting_weight"], 0.72);
    assert_eq!(breakdown["items"][0]["evidence_id"], item["id"]);
    assert!((f(&breakdown["items"][0]["contribution"]) + 0.72).abs() < 1e-9);
    assert_eq!(claim["evidence"][0]["url"], "https://www.reuters.com/tech/deepseek-cost");
}

#[tokio::test]
async fn confidence_properties_hold_over_http() {
    let app = spawn_app().await;
    let id = app.create_claim("R1 matches or surpasses o1 on key benchmarks.").await["id"].as_i64().unwrap();
    let score = |c: &Value| (f(&c["support"]), f(&c["confidence"]));

    // Context counts zero.
    app.attach_ok(id, "https://a.org/background", "context").await;
    assert_eq!(score(&app.claim(id).await), (0.5, 0.0));

    // Support leans with the stance; more independent evidence settles it further.
    app.attach_ok(id, "https://a.org/benchmarks", "supports").await;
    let (s1, c1) = score(&app.claim(id).await);
    assert!(s1 > 0.5);
    app.attach_ok(id, "https://b.org/benchmarks", "supports").await;
    let (s2, c2) = score(&app.claim(id).await);
    assert!(s2 > s1 && c2 > c1);

    // A second item from the same site counts less than one from a new site.
    let other = app.create_claim("R1 is open source.").await["id"].as_i64().unwrap();
    app.attach_ok(other, "https://a.org/1", "supports").await;
    app.attach_ok(other, "https://a.org/2", "supports").await;
    let (_, same_site) = score(&app.claim(other).await);
    assert!(same_site < c2, "same-site {same_site} vs independent {c2}");
    let breakdown = app.claim(other).await["confidence_breakdown"].clone();
    let factors: Vec<f64> = breakdown["items"].as_array().unwrap().iter().map(|i| f(&i["site_factor"])).collect();
    assert_eq!(factors, [1.0, 0.5]);

    // Conflicting evidence unsettles.
    app.attach_ok(id, "https://c.org/refutation", "refutes").await;
    let (_, c3) = score(&app.claim(id).await);
    assert!(c3 < c2);
}

#[tokio::test]
async fn evidence_can_be_read_edited_and_retracted_but_not_lost() {
    let app = spawn_app().await;
    let id = app.create_claim("Hang Seng Tech climbed 2%.").await["id"].as_i64().unwrap();
    let item = app.attach_ok(id, "https://markets.example/hsi", "supports").await;
    let path = format!("/v1/evidence/{}", item["id"]);

    let fetched = app.get(&path).await;
    assert_eq!(fetched.headers()["etag"], "\"1\"");
    let edited = app.patch(&path, None, &json!({"stance": "refutes", "reliability": 0.3, "title": "HSI"})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!((edited["stance"].as_str(), edited["reliability"].as_f64()), (Some("refutes"), Some(0.3)));
    assert!(f(&app.claim(id).await["support"]) < 0.5);
    problem(app.patch(&path, Some("\"1\""), &json!({"note": "x"})).await, 412).await;
    let p = problem(app.patch(&path, None, &json!({"url": "https://other.example"})).await, 422).await;
    assert_eq!(p["errors"][0]["rule"], "immutable");

    let retracted = app.client.delete(app.url(&format!("{path}?note=wrong%20index"))).send().await.unwrap();
    assert_eq!(retracted.status(), StatusCode::OK);
    let retracted: Value = retracted.json().await.unwrap();
    assert_eq!(retracted["retracted"], true);
    assert_eq!(retracted["retraction_note"], "wrong index");
    // Retracting again changes nothing; editing a retracted item is refused.
    let again: Value = app.client.delete(app.url(&path)).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["version"], retracted["version"]);
    problem(app.patch(&path, None, &json!({"note": "x"})).await, 409).await;

    let claim = app.claim(id).await;
    assert_eq!(claim["evidence_count"], 0);
    assert_eq!((f(&claim["support"]), f(&claim["confidence"])), (0.5, 0.0));
    assert_eq!(claim["evidence"][0]["retracted"], true, "retracted items stay visible");
    assert_eq!(app.count("evidence"), 1);
    let listed: Value = app.get(&format!("/v1/claims/{id}/evidence")).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_url_twice_on_a_claim_is_a_duplicate_until_retracted() {
    let app = spawn_app().await;
    let id = app.create_claim("Nikkei 225 futures dropped 0.6%.").await["id"].as_i64().unwrap();
    let first = app.attach_ok(id, "https://n.example/a", "supports").await;
    let p = problem(app.attach(id, &json!({"url": "https://n.example/a", "stance": "refutes"})).await, 409).await;
    assert_eq!(p["duplicate_of"], first["id"]);
    app.client.delete(app.url(&format!("/v1/evidence/{}", first["id"]))).send().await.unwrap();
    app.attach_ok(id, "https://n.example/a", "refutes").await;
    problem(app.attach(999, &json!({"url": "https://n.example/a", "stance": "refutes"})).await, 404).await;
    problem(app.get("/v1/evidence/999").await, 404).await;
    problem(app.client.delete(app.url("/v1/evidence/999")).send().await.unwrap(), 404).await;
}

/// The worked example in the README, on the seed claim about the $5.6 million cost.
#[tokio::test]
async fn the_readme_worked_example_holds() {
    let app = crate::helpers::spawn_seeded_app().await;
    let found: Value = app.get("/v1/claims?q=5.6%20million&claimant=the%20article").await.json().await.unwrap();
    let id = found["items"][0]["id"].as_i64().unwrap();
    for body in [
        json!({"url": "https://arxiv.org/abs/2412.19437", "stance": "supports", "reliability": 0.7, "confidence": 0.6}),
        json!({"url": "https://www.wire.example/deepseek-cost-explained", "stance": "refutes", "reliability": 0.9, "confidence": 0.8}),
        json!({"url": "https://wire.example/analysis/gpu-fleet", "stance": "refutes", "reliability": 0.9, "confidence": 0.5}),
    ] {
        assert_eq!(app.attach(id, &body).await.status(), StatusCode::CREATED);
    }
    let claim = app.claim(id).await;
    let b = &claim["confidence_breakdown"];
    assert_eq!((b["supporting_weight"].as_f64(), b["refuting_weight"].as_f64()), (Some(0.42), Some(0.945)));
    assert_eq!((claim["support"].as_f64(), claim["confidence"].as_f64()), (Some(0.389006), Some(0.221987)));
    assert_eq!(b["items"][2]["site_factor"], 0.5);
    assert!(b["explanation"].as_str().unwrap().contains("leans false"));
}
