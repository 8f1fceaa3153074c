//! Articles: taken in, split, scored and explained; a candidate accepted as a claim, once; bad input
//! refused clearly; the seed article's candidates hold the seed claims.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_fields, problem, spawn_app, spawn_seeded_app};

const TEXT: &str = "Thank you all for coming. Exports fell 12% in 2019, according to the Census Bureau. \
    Dr. Smith said the plan would cost $5.6 million. What do you think? I love this city.";

async fn submit(app: &TestApp, body: &Value) -> Value {
    let response = app.post("/v1/articles", body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/v1/articles/"));
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_article_is_split_scored_and_explained() {
    let app = spawn_app().await;
    let article = submit(
        &app,
        &json!({"text": TEXT, "title": "Trade", "url": "https://news.example.com/trade",
        "published_at": "2026-01-27"}),
    )
    .await;
    assert_eq!(article["sentence_count"], 5);
    assert_eq!((article["format"].as_str(), article["english"].as_bool()), (Some("text"), Some(true)));
    assert!(article["note"].is_null());
    let candidates = article["candidates"].as_array().unwrap();
    let scores: Vec<f64> = candidates.iter().map(|c| c["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {scores:?}");
    let census = candidates.iter().find(|c| c["position"] == 2).unwrap();
    assert_eq!(census["claimant"], "the Census Bureau");
    assert_eq!(census["kind"], "quote_or_attribution");
    assert!(!census["raised_by"].as_array().unwrap().is_empty());
    let question = candidates.iter().find(|c| c["position"] == 4).unwrap();
    assert!(question["score"].as_f64() < census["score"].as_f64());
    assert!(question["lowered_by"].as_array().unwrap().iter().any(|r| r["feature"] == "is:question"));

    let id = article["id"].as_i64().unwrap();
    let again: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    assert_eq!(again["candidates"], article["candidates"]);
    let listed: Value = app.get("/v1/articles?limit=1").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["items"][0]["actor"], "test-admin");
    problem(app.get("/v1/articles/999").await, 404).await;
}

#[tokio::test]
async fn a_candidate_accepted_becomes_a_claim_once() {
    let app = spawn_app().await;
    let article = submit(
        &app,
        &json!({"text": TEXT, "title": "Trade", "url": "https://news.example.com/trade",
        "published_at": "2026-01-27"}),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let response = app.post(&format!("/v1/articles/{id}/candidates/2/accept"), &json!({"tags": ["trade"]})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let claim: Value = response.json().await.unwrap();
    assert_eq!(claim["claimant"], "the Census Bureau");
    assert_eq!(claim["tags"], json!(["trade"]));
    let appeared = &claim["appeared_in"];
    assert_eq!(appeared["url"], "https://news.example.com/trade");
    assert_eq!((appeared["title"].as_str(), appeared["published_at"].as_str()), (Some("Trade"), Some("2026-01-27")));
    assert_eq!((appeared["article_id"].as_i64(), appeared["position"].as_i64()), (Some(id), Some(2)));
    assert_eq!(appeared["quote"], "Exports fell 12% in 2019, according to the Census Bureau.");

    let twice = problem(app.post(&format!("/v1/articles/{id}/candidates/2/accept"), &json!({})).await, 409).await;
    assert_eq!(twice["duplicate_of"], claim["id"]);
    let edited = app
        .post(
            &format!("/v1/articles/{id}/candidates/3/accept"),
            &json!({"text": "The plan costs $5.6 million.", "claimant": "John Smith"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::CREATED);
    let page: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    let taken: Vec<i64> = page["claims"].as_array().unwrap().iter().map(|c| c["position"].as_i64().unwrap()).collect();
    assert_eq!(taken, [2, 3]);
    problem(app.post(&format!("/v1/articles/{id}/candidates/99/accept"), &json!({})).await, 404).await;
    problem(app.post(&format!("/v1/articles/{id}/candidates/0/accept"), &json!({})).await, 400).await;
}

#[tokio::test]
async fn transcripts_keep_their_speakers() {
    let app = spawn_app().await;
    let lines =
        submit(&app, &json!({"text": "HOLT: Good evening.\nTRUMP: We lost 70,000 factories. It is a disgrace."})).await;
    assert_eq!((lines["format"].as_str(), lines["sentence_count"].as_i64()), (Some("transcript"), Some(3)));
    let factories = lines["candidates"].as_array().unwrap().iter().find(|c| c["position"] == 2).unwrap();
    assert_eq!(factories["speaker"], "TRUMP");
    let given =
        submit(&app, &json!({"sentences": [{"speaker": "CLINTON", "text": "I voted against it in 2002."}]})).await;
    let id = given["id"].as_i64().unwrap();
    let claim: Value =
        app.post(&format!("/v1/articles/{id}/candidates/1/accept"), &json!({})).await.json().await.unwrap();
    assert_eq!(claim["claimant"], "CLINTON", "the speaker is the claimant when the sentence names no other");
}

#[tokio::test]
async fn bad_input_is_refused_clearly() {
    let app = spawn_app().await;
    let empty = problem(app.post("/v1/articles", &json!({"text": "   "})).await, 422).await;
    assert_eq!(error_fields(&empty), ["text"]);
    let both = problem(app.post("/v1/articles", &json!({"text": "a", "html": "<p>b</p>"})).await, 422).await;
    assert_eq!(both["errors"][0]["rule"], "one-of");
    let binary = problem(app.post("/v1/articles", &json!({"text": "PK\u{3}\u{4}\u{0}\u{0}binary"})).await, 422).await;
    assert_eq!(error_fields(&binary), ["text"]);
    let large = "A sentence of words. ".repeat(60_000);
    problem(app.post("/v1/articles", &json!({"text": large})).await, 413).await;
    problem(app.post_raw("/v1/articles", "application/json", vec![0xff, 0xfe, 0x00]).await, 400).await;
    let date =
        problem(app.post("/v1/articles", &json!({"text": "It rained.", "published_at": "soon"})).await, 422).await;
    assert_eq!(error_fields(&date), ["published_at"]);
}

#[tokio::test]
async fn other_languages_are_stored_with_a_note() {
    let app = spawn_app().await;
    let text = "Die Exporte sind im Jahr 2019 um zwölf Prozent gesunken. Das sagte das Statistische Bundesamt am Montag in Wiesbaden.";
    let article = submit(&app, &json!({"text": text})).await;
    assert_eq!((article["english"].as_bool(), article["sentence_count"].as_i64()), (Some(false), Some(2)));
    assert!(article["note"].as_str().unwrap().contains("English"));
}

#[tokio::test]
async fn html_is_read_as_text() {
    let app = spawn_app().await;
    let html = "<html><head><title>T</title><script>var x = 1;</script></head><body><p>Exports fell 12% in 2019.</p><p>Thanks.</p></body></html>";
    let article = submit(&app, &json!({"html": html})).await;
    assert_eq!((article["format"].as_str(), article["sentence_count"].as_i64()), (Some("html"), Some(2)));
}

#[tokio::test]
async fn the_seed_article_holds_the_seed_claims_among_its_best_candidates() {
    let app = spawn_seeded_app().await;
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let article: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    let claims: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    let mut quotes: Vec<&str> =
        claims["items"].as_array().unwrap().iter().filter_map(|c| c["appeared_in"]["quote"].as_str()).collect();
    quotes.sort();
    quotes.dedup();
    let top: Vec<&str> =
        article["candidates"].as_array().unwrap().iter().take(20).map(|c| c["text"].as_str().unwrap()).collect();
    let found = quotes.iter().filter(|q| top.contains(q)).count();
    assert!(found * 10 >= quotes.len() * 9, "{found} of {} quoted sentences in the top 20", quotes.len());
    for claim in claims["items"].as_array().unwrap() {
        assert_eq!(claim["appeared_in"]["article_id"], id, "seed claims point to the seed article: {claim}");
    }
    let candidates = article["candidates"].as_array().unwrap();
    let cost = candidates.iter().find(|c| c["text"].as_str().unwrap().contains("$5.6 million—")).unwrap();
    assert!(cost["claim_id"].is_i64(), "the sentence names the seed claim quoting it");
    // Registered claims that say much the same are shown beside the candidates they match.
    let matched = candidates.iter().flat_map(|c| c["matches"].as_array().unwrap()).next().expect("a match");
    assert_eq!(matched["url"], format!("/v1/claims/{}", matched["id"]));
    assert_eq!(matched["already_checked"], false, "no seed claim has a verdict");

    let app = app.restart().await;
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "taken in once");
}
