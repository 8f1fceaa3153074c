//! The matching engine over HTTP: `POST /v1/match` and the `similar` lists find the claim a text
//! repeats, say why, tell `same` from `related`, and stay true to the database across edits, restarts
//! and a kill -9.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ServerProcess, TestApp, cli, post_json, spawn_app, spawn_app_with, spawn_seeded_app, spawn_seeded_app_with,
};

async fn seed_id(app: &TestApp, text: &str) -> i64 {
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    listed["items"].as_array().unwrap().iter().find(|c| c["text"] == text).unwrap()["id"].as_i64().unwrap()
}

async fn matches(app: &TestApp, text: &str) -> Value {
    let response = app.post("/v1/match", &json!({ "text": text })).await;
    assert_eq!(response.status(), StatusCode::OK, "{text}");
    response.json().await.unwrap()
}

const COST: &str = "DeepSeek developed its R1 reasoning model for just $5.6 million.";
const PSYOP: &str =
    "DeepSeek is a \"CCP state psyop\" aimed at undermining U.S. AI efforts by lowering training costs.";

#[tokio::test]
async fn paraphrases_of_seed_claims_are_reported_with_scores() {
    let app = spawn_seeded_app().await;
    for (seed, paraphrase) in [
        (COST, "DeepSeek built the R1 model for only $5.6 million"),
        (
            "DeepSeek's R1 matches or surpasses OpenAI's o1 model on key benchmarks.",
            "R1 from DeepSeek matches OpenAI's o1 on important benchmarks",
        ),
        ("DeepSeek was founded in 2023 by Liang Wenfeng.", "Liang Wenfeng founded DeepSeek in 2023"),
        ("SoftBank Group Corp. fell by 5.4%.", "Shares of SoftBank Group fell 5.4 percent"),
    ] {
        let id = seed_id(&app, seed).await;
        let response = app.post_claim(&json!({ "text": paraphrase })).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{paraphrase}");
        let created: Value = response.json().await.unwrap();
        let similar = created["similar"].as_array().unwrap();
        assert!(!similar.is_empty(), "{paraphrase}: {created}");
        assert_eq!(similar[0]["id"], id, "{paraphrase}: {similar:?}");
        assert!(["same", "related"].contains(&similar[0]["tier"].as_str().unwrap()));

        let new_id = created["id"].as_i64().unwrap();
        let listed: Value = app.get(&format!("/v1/claims/{new_id}/similar")).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], id);
        let found = matches(&app, paraphrase).await;
        assert_eq!(listed["threshold"], found["thresholds"]["related"], "the least score shown");
        let back: Value = app.get(&format!("/v1/claims/{id}/similar")).await.json().await.unwrap();
        assert!(back["items"].as_array().unwrap().iter().any(|c| c["id"] == new_id), "similarity goes both ways");
        assert!(back["items"].as_array().unwrap().iter().all(|c| c["id"] != id), "a claim is not its own match");
    }
}

#[tokio::test]
async fn match_finds_the_claim_a_text_repeats_says_why_and_creates_nothing() {
    // By words alone: what is tested is how words, numbers and phrases explain a match.
    let app = spawn_seeded_app_with(|c| c.matching.lexical_only = true).await;
    let before: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    for (text, seed) in [
        ("DeepSeek says it built R1 for only $5.6M, a fraction of US spending", COST),
        ("Neal Khosla says DeepSeek is a Chinese state psyop", PSYOP),
    ] {
        let id = seed_id(&app, seed).await;
        let response = app.post("/v1/match", &json!({ "text": text, "limit": 3 })).await;
        assert_eq!(response.status(), StatusCode::OK, "{text}");
        let found: Value = response.json().await.unwrap();
        assert!(found["items"].as_array().unwrap().len() <= 3);
        let top = &found["items"][0];
        assert_eq!(top["id"], id, "{text}: {found}");
        let score = top["score"].as_f64().unwrap();
        assert!((found["thresholds"]["related"].as_f64().unwrap()..=1.0).contains(&score), "{top}");
        assert_eq!(top["status"], "submitted");
        assert_eq!(top["url"], format!("/v1/claims/{id}"));
        assert!(top.get("review_url").is_none() && top.get("verdict").is_none(), "not checked yet: {top}");
        assert!(top["matched"]["words"].as_array().unwrap().iter().any(|w| w == "deepseek"), "{top}");
        assert!(top["matched"]["features"]["bm25"].is_f64());
        let signals: Vec<&str> = found["signals"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert!(signals.contains(&"bm25") && !signals.contains(&"embedding"), "{signals:?}");
    }
    let found = matches(&app, "R1 cost $5,600,000").await;
    assert_eq!(found["items"][0]["matched"]["numbers"], json!(["5600000"]), "{found}");
    let found = matches(&app, "DeepSeek R1 model developed for just 5.6 million dollars").await;
    let cost = seed_id(&app, COST).await;
    assert_eq!((found["items"][0]["id"].as_i64(), found["items"][0]["tier"].as_str()), (Some(cost), Some("same")));
    let listed: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    assert_eq!(listed["items"], before["items"], "matching creates nothing");
    for (body, field) in [
        (json!({"text": " "}), "text"),
        (json!({"text": "x", "limit": 0}), "limit"),
        (json!({"text": "x", "limit": 51}), "limit"),
        (json!({"text": "x".repeat(20_001)}), "text"),
        (json!({"text": "x", "extra": 1}), "body"),
    ] {
        let response = app.post("/v1/match", &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem.to_string().contains(field), "{problem}");
    }
}

#[tokio::test]
async fn a_tag_in_lower_case_finds_the_claim_that_writes_its_words_apart() {
    let app = spawn_app().await;
    let text = "Corn flakes were first made to curb appetites in a sanatorium.";
    let created: Value = app.post_claim(&json!({ "text": text })).await.json().await.unwrap();
    let found = matches(&app, "The real story behind #cornflakes").await;
    assert_eq!(found["items"][0]["id"], created["id"], "{found}");
    let words = &found["items"][0]["matched"]["words"];
    assert!(words.as_array().unwrap().iter().any(|w| w == "flakes"), "shown as written: {found}");
}

#[tokio::test]
async fn claims_on_the_same_subject_that_say_something_else_are_not_the_same() {
    let app = spawn_seeded_app().await;
    // A denial is answered by the claim it denies, ranked first, and said to be another claim.
    let denial = "No, DeepSeek did not develop R1 for just $5.6 million";
    let found = matches(&app, denial).await;
    let top = &found["items"][0];
    assert_eq!(top["id"], seed_id(&app, COST).await, "{found}");
    let stance = top["matched"]["features"]["says_otherwise"].as_f64();
    assert_eq!((top["tier"].as_str(), stance), (Some("related"), Some(1.0)), "{found}");
    for text in [
        "Dow Jones futures fell 0.3% during European trading hours after R1's launch.",
        "DeepSeek developed its R1 reasoning model for $100 million.",
        "DeepSeek was founded in 2015 by Liang Wenfeng.",
        "Nasdaq 100 futures rose 1.9% during Asian trading hours after R1's launch.",
        "DeepSeek's R1 reasoning model cost way more than $5.6 million to develop.",
        "DeepSeek did not develop its R1 reasoning model for $5.6 million.",
        "DeepSeek is not a CCP state psyop aimed at undermining U.S. AI efforts.",
    ] {
        let created: Value = app.post_claim(&json!({ "text": text })).await.json().await.unwrap();
        for similar in created["similar"].as_array().unwrap() {
            assert_ne!(similar["tier"], "same", "{text}: {similar}");
        }
    }
    // ... and a denial of the same is the same claim.
    let found = matches(&app, denial).await;
    let top = &found["items"][0];
    assert_eq!(top["text"], "DeepSeek did not develop its R1 reasoning model for $5.6 million.", "{found}");
    let stance = top["matched"]["features"]["says_otherwise"].as_f64();
    assert_eq!((top["tier"].as_str(), stance), (Some("same"), Some(0.0)), "{found}");
    // The desk reads it on the denial's page.
    let (client, _) = crate::admin::sign_in(&app, Role::Reviewer).await;
    let page = client.get(app.url(&format!("/admin/claims/{}", top["id"]))).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("says otherwise, score"), "the seed claim it denies: {page}");
    let duplicate = app.post_claim(&json!({"text": "deepseek was founded in 2023 by LIANG WENFENG"})).await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT, "exact duplicates are still refused");
    let missing = app.get("/v1/claims/99999/similar").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_published_match_carries_its_verdict_and_review_and_readers_see_only_published_ones() {
    let app = spawn_app_with(|c| c.public_read = true).await;
    let review = json!({
        "@context": "https://schema.org", "@type": "ClaimReview",
        "url": "https://fc.example.org/users", "headline": "Does DeepSeek's app have a billion users?",
        "claimReviewed": "DeepSeek's app has one billion users",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "creativeWorkStatus": "Published",
    });
    let response = app.post_raw("/v1/import", "application/ld+json", review.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let draft = app.create_claim("DeepSeek's app reached one billion downloads in a week").await;

    let found = matches(&app, "Wow, a BILLION people use the DeepSeek app now?").await;
    let top = &found["items"][0];
    assert_eq!((top["status"].as_str(), top["verdict"].as_str()), (Some("published"), Some("false")), "{found}");
    assert_eq!(top["already_checked"], true);
    assert_eq!(top["review_url"], format!("/fact-checks/{}", top["id"]));
    let downloads = "DeepSeek's app got a billion downloads in one week, one billion users soon";
    assert_eq!(matches(&app, downloads).await["items"][0]["id"], draft["id"]);

    let reader = reqwest::Client::new();
    let (status, found) = post_json(&reader, &app.url("/v1/match"), &json!({ "text": downloads })).await.unwrap();
    assert_eq!(status, 200);
    let items = found["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|m| m["status"] == "published"), "{found}");
}

#[tokio::test]
async fn edits_are_matched_as_they_now_read_and_a_restart_rebuilds_the_index_from_the_database() {
    let app = spawn_app().await;
    let first = app.create_claim("Hangzhou hosts the headquarters of DeepSeek.").await;
    let id = first["id"].as_i64().unwrap();
    app.create_claim("Nvidia lost 600 billion dollars of market value in one day.").await;
    assert_eq!(matches(&app, "DeepSeek is headquartered in Hangzhou").await["items"][0]["id"], id);

    let etag = app.get(&format!("/v1/claims/{id}")).await.headers()["etag"].to_str().unwrap().to_owned();
    let edited = json!({"text": "Liang Wenfeng studied at Zhejiang University."});
    assert_eq!(app.patch(&format!("/v1/claims/{id}"), Some(&etag), &edited).await.status(), StatusCode::OK);
    let found = matches(&app, "DeepSeek is headquartered in Hangzhou").await;
    assert!(found["items"].as_array().unwrap().iter().all(|m| m["id"] != id), "the old text is gone: {found}");
    // Explained by the words it now holds, not by an analysis of its old text.
    let found = matches(&app, "Where did Liang Wenfeng study? Zhejiang University").await;
    assert_eq!(found["items"][0]["id"], id);
    let words = found["items"][0]["matched"]["words"].as_array().unwrap();
    assert!(words.contains(&json!("zhejiang")), "{found}");

    let app = app.restart().await;
    let found = matches(&app, "Nvidia's market value fell by $600bn in a day").await;
    assert_eq!(found["items"][0]["id"], id + 1, "{found}");
    assert_eq!(found["items"][0]["matched"]["numbers"], json!(["600000000000"]));
    assert_eq!(matches(&app, "Liang Wenfeng, Zhejiang University alumnus").await["items"][0]["id"], id);
}

/// The metrics' count of changed claims the matching index has yet to read.
async fn changes_pending(app: &TestApp) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    let line = text.lines().find(|l| l.starts_with("claimcheck_matching_changes_pending ")).expect("the gauge");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_index_reads_changed_claims_soon_after_without_waiting_for_a_lookup() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(app.create_claim(&format!("DeepSeek claim number {n} about R1's training cost.")).await["id"].clone());
    }
    // Status changes: no lookup follows them, yet the index reads them again (a lookup would
    // otherwise wait for all of them, and every lookup behind it).
    for id in &ids {
        let id = id.as_i64().unwrap();
        assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), StatusCode::OK);
    }
    let mut pending = changes_pending(&app).await;
    for _ in 0..200 {
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        pending = changes_pending(&app).await;
    }
    assert_eq!(pending, 0, "the index still has changed claims to read");
    let found = matches(&app, "DeepSeek claim number 7 about R1's training cost").await;
    assert_eq!(found["items"][0]["id"], ids[7]);
    assert_eq!(found["items"][0]["status"], "in_review", "{found}");
}

#[tokio::test]
async fn claims_imported_by_the_command_line_beside_the_server_are_matched() {
    let app = spawn_app().await;
    app.create_claim("Hangzhou hosts the headquarters of DeepSeek.").await;
    assert!(matches(&app, "DeepSeek's app has one billion users").await["items"][0]["id"] != json!(2));
    let file = app.dir.path().join("feed.jsonld");
    let review = json!({
        "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://fc.example.org/users",
        "claimReviewed": "DeepSeek's app has one billion users",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    });
    std::fs::write(&file, review.to_string()).unwrap();
    cli(&["import", file.to_str().unwrap()], &app.db_path());
    let found = matches(&app, "Does DeepSeek's app really have a billion users?").await;
    assert_eq!(found["items"][0]["text"], "DeepSeek's app has one billion users", "{found}");
    assert_eq!(found["items"][0]["verdict"], "false");

    // A review the command line merges into a claim the server holds: its wording is found too.
    let chips = app.create_claim("DeepSeek trained its R1 reasoning model on 2,048 Nvidia H800 chips").await;
    assert!(matches(&app, "Zhejiang").await["items"].as_array().unwrap().is_empty());
    let review = json!({
        "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://fc.example.org/chips",
        "claimReviewed": "DeepSeek trained its R1 reasoning model in Zhejiang on 2,048 Nvidia H800 chips",
        "reviewRating": {"@type": "Rating", "alternateName": "True"},
    });
    std::fs::write(&file, review.to_string()).unwrap();
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &app.db_path());
    assert!(printed.contains("merged 1"), "{printed}");
    assert_eq!(matches(&app, "Zhejiang").await["items"][0]["id"], chips["id"]);
}

#[tokio::test]
async fn a_claim_the_command_line_changes_beside_the_server_is_served_as_it_now_is() {
    let app = spawn_app().await;
    let file = app.dir.path().join("feed.jsonld");
    let rated = |rating: &str| {
        json!({
            "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://fc.example.org/staff",
            "claimReviewed": "DeepSeek employs fewer than 200 people",
            "reviewRating": {"@type": "Rating", "alternateName": rating},
        })
    };
    std::fs::write(&file, rated("False").to_string()).unwrap();
    cli(&["import", file.to_str().unwrap()], &app.db_path());
    let id = matches(&app, "How many people does DeepSeek employ?").await["items"][0]["id"].as_i64().unwrap();
    assert_eq!(app.claim(id).await["verdict"], "false", "read once: kept rendered");

    std::fs::write(&file, rated("True").to_string()).unwrap();
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &app.db_path());
    assert!(printed.contains("updated 1"), "{printed}");
    // Other processes' changes are read every `store::follow::EVERY`; this waits for that, not for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (claim, found) = (app.claim(id).await, matches(&app, "How many people does DeepSeek employ?").await);
        if claim["verdict"] == "true" && found["items"][0]["verdict"] == "true" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the server still serves {claim} and matches {found}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Writes claims until the server goes away, counting those acknowledged.
async fn write_until_gone(server: String, http: reqwest::Client, client: usize, acked: Arc<AtomicUsize>) {
    for n in 0.. {
        let text = format!("Writer {client} reports shipment {n} of zebra-striped gadgets to port {}", n * 7 + client);
        let Ok((201, _)) = post_json(&http, &format!("{server}/v1/claims"), &json!({ "text": text })).await else {
            return;
        };
        acked.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_kill_9_mid_writes_the_index_catches_up_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    let server = ServerProcess::start(&db, &[]);
    let acked = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|client| {
            tokio::spawn(write_until_gone(server.address.clone(), server.client.clone(), client, acked.clone()))
        })
        .collect();
    // Killed while the writers are still writing, once enough is acknowledged to check.
    while acked.load(Ordering::SeqCst) < 60 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill9();
    for w in writers {
        w.await.unwrap();
    }

    let server = ServerProcess::start(&db, &[]);
    let listed: Value =
        server.client.get(server.url("/v1/claims?limit=100&count=true")).send().await.unwrap().json().await.unwrap();
    let stored = listed["total"].as_u64().unwrap() as usize;
    assert!(stored >= acked.load(Ordering::SeqCst), "every acknowledged claim is stored");
    for claim in listed["items"].as_array().unwrap().iter().take(20) {
        let text = claim["text"].as_str().unwrap();
        let (status, found) =
            post_json(&server.client, &server.url("/v1/match"), &json!({ "text": text })).await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(found["items"][0]["id"], claim["id"], "{text}: {found}");
    }
    // And what is written after the restart is found too.
    let text = "A late shipment of zebra-striped gadgets reached port 4242";
    let (status, created) =
        post_json(&server.client, &server.url("/v1/claims"), &json!({ "text": text })).await.unwrap();
    assert_eq!(status, 201);
    let (_, found) = post_json(&server.client, &server.url("/v1/match"), &json!({ "text": text })).await.unwrap();
    assert_eq!(found["items"][0]["id"], created["id"]);
}
