//! ClaimReview in (`POST /v1/import`, `claimcheck import`) and everything out (`claimcheck export`).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, cli, spawn_app, spawn_seeded_app};

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
async fn a_review_that_repeats_a_claim_we_hold_is_merged_into_it_once() {
    let app = spawn_seeded_app().await;
    let cost = find(&app, "DeepSeek developed its R1 reasoning model for just $5.6 million.").await;
    let rating = |name: &str| json!({"@type": "Rating", "alternateName": name});
    let document = json!([
        review(
            Some("https://fc.example.org/cost"),
            "DeepSeek developed its R1 reasoning model in Hangzhou for only $5.6M",
            rating("Misleading")
        ),
        review(
            Some("https://fc.example.org/paraphrase"),
            "DeepSeek built the R1 model for only $5.6 million",
            rating("False")
        ),
        review(
            Some("https://fc.example.org/denial"),
            "DeepSeek did not develop its R1 reasoning model for $5.6 million",
            rating("False")
        ),
        review(Some("https://fc.example.org/2015"), "DeepSeek was founded in 2015 by Liang Wenfeng", rating("False")),
    ]);
    let summary = import(&app, &document).await;
    let counts = |s: &Value| ["created", "merged", "skipped"].map(|k| s[k].as_u64().unwrap());
    assert_eq!(
        counts(&summary),
        [3, 1, 0],
        "a paraphrase, a denial and another year stay claims of their own: {summary}"
    );
    let merge = &summary["merges"][0];
    assert_eq!(
        (&merge["source"], &merge["position"], &merge["claim_id"]),
        (&json!("claimreview:https://fc.example.org/cost"), &json!("[0]"), &cost["id"])
    );
    assert!(merge["score"].as_f64().unwrap() >= 0.8, "{merge}");

    let merged = app.claim(cost["id"].as_i64().unwrap()).await;
    assert_eq!(
        (&merged["status"], &merged["verdict"]),
        (&cost["status"], &cost["verdict"]),
        "the verdict stays the desk's"
    );
    let evidence = merged["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), cost["evidence"].as_array().unwrap().len() + 1, "{merged}");
    let review_item = evidence.iter().find(|e| e["url"] == "https://fc.example.org/cost").unwrap();
    assert_eq!(review_item["stance"], "context", "misleading leans neither way");
    let history = app.history(cost["id"].as_i64().unwrap()).await;
    let entry = history.iter().find(|h| h["action"] == "claim.merged").unwrap();
    assert_eq!(entry["to"]["verdict"], "misleading");
    assert_eq!(entry["to"]["review"], "claimreview:https://fc.example.org/cost");

    // Its wording is now one the claim is found by.
    let found: Value = app.post("/v1/match", &json!({"text": "In Hangzhou"})).await.json().await.unwrap();
    assert_eq!(found["items"][0]["id"], cost["id"], "{found}");

    let again = import(&app, &document).await;
    assert_eq!(counts(&again), [0, 0, 4], "{again}");
    assert_eq!(app.claim(cost["id"].as_i64().unwrap()).await["evidence"], merged["evidence"]);

    let response = app
        .post_raw(
            "/v1/import?merge=false",
            "application/ld+json",
            json!([review(
                Some("https://fc.example.org/cost-2"),
                "DeepSeek developed its R1 reasoning model in Shenzhen for only $5.6M",
                rating("False")
            ),])
            .to_string(),
        )
        .await;
    let kept: Value = response.json().await.unwrap();
    assert_eq!(counts(&kept), [1, 0, 0], "merge=false keeps each review a claim: {kept}");
    let response = app.post_raw("/v1/import?merge=maybe", "application/ld+json", "[]").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("merge"), Some("one-of")),
        "{problem}"
    );
}

#[tokio::test]
async fn a_merged_review_split_out_becomes_a_claim_of_its_own_citing_what_it_brought() {
    let app = spawn_seeded_app().await;
    let id =
        find(&app, "DeepSeek developed its R1 reasoning model for just $5.6 million.").await["id"].as_i64().unwrap();
    let paper = "https://arxiv.org/abs/2501.12948";
    let attached = app.post(&format!("/v1/claims/{id}/evidence"), &json!({"url": paper, "stance": "context"})).await;
    assert_eq!(attached.status(), StatusCode::CREATED);
    let cost = app.claim(id).await;
    let mut hangzhou = review(
        Some("https://fc.example.org/hangzhou"),
        "DeepSeek developed its R1 reasoning model in Hangzhou for only $5.6M",
        json!({"alternateName": "False"}),
    );
    hangzhou["reviewBody"] = json!("R1 was not developed in Hangzhou.");
    let where_built = "https://news.example.org/where-r1-was-built";
    // It cites its own URL too, as some reviews do: one item per URL.
    hangzhou["citation"] =
        json!([{"@type": "CreativeWork", "url": where_built}, paper, "https://fc.example.org/hangzhou"]);
    assert_eq!(import(&app, &json!([hangzhou])).await["merged"], 1);
    let merges: Value = app.get(&format!("/v1/claims/{id}/merges")).await.json().await.unwrap();
    let merged = merges["items"][0].clone();
    assert_eq!(
        (&merged["review"], &merged["verdict"]),
        (&json!("claimreview:https://fc.example.org/hangzhou"), &json!("false"))
    );
    let count = |key: &str| merged[key].as_array().unwrap().len();
    assert_eq!(
        (count("attached_evidence"), count("held_evidence"), &merged["split_into"]),
        (2, 1, &Value::Null),
        "{merged}"
    );
    // The desk takes one of the merge's items out before it finds the merge wrong.
    let cited =
        app.claim(id).await["evidence"].as_array().unwrap().iter().find(|e| e["url"] == where_built).unwrap()["id"]
            .clone();
    let retracted = app
        .client
        .delete(app.url(&format!("/v1/evidence/{cited}?note=says%20nothing%20of%20cost")))
        .send()
        .await
        .unwrap();
    assert_eq!(retracted.status(), StatusCode::OK);

    let path = format!("/v1/claims/{id}/merges/split");
    let split =
        async |review: &Value| app.post(&path, &json!({"review": review, "note": "Hangzhou is another claim"})).await;
    let body = json!({"review": merged["review"], "note": "Hangzhou is another claim"});
    let keyed =
        async || app.client.post(app.url(&path)).header("idempotency-key", "split-1").json(&body).send().await.unwrap();
    let response = keyed().await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let own: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/v1/claims/{}", own["id"]));
    let retried = keyed().await;
    assert_eq!(
        (retried.status(), &retried.headers()["idempotent-replayed"]),
        (StatusCode::CREATED, &"true".parse().unwrap())
    );
    assert_eq!(retried.json::<Value>().await.unwrap(), own, "a retry gets the first answer");
    assert_eq!(
        (&own["text"], &own["status"], &own["verdict"], &own["rationale"], &own["claimant"]),
        (
            &json!("DeepSeek developed its R1 reasoning model in Hangzhou for only $5.6M"),
            &json!("verified"),
            &json!("false"),
            &json!("R1 was not developed in Hangzhou."),
            &json!("Some Poster")
        ),
        "as an import without merging makes it: {own}"
    );
    let urls = |claim: &Value, retracted: bool| -> Vec<String> {
        let items = claim["evidence"].as_array().unwrap().iter().filter(|e| e["retracted"] == retracted);
        let mut urls: Vec<String> = items.map(|e| e["url"].as_str().unwrap().to_owned()).collect();
        urls.sort();
        urls
    };
    assert_eq!(urls(&own, false), [paper, "https://fc.example.org/hangzhou"], "everything the review cites: {own}");
    assert_eq!(urls(&own, true), [where_built], "cited as the desk left it");
    let held = app.claim(id).await;
    assert_eq!(
        urls(&held, true),
        ["https://fc.example.org/hangzhou", where_built],
        "what the merge attached stops counting on the claim it was merged into"
    );
    assert_eq!(urls(&held, false), [paper]);
    assert_eq!((&held["status"], &held["verdict"]), (&cost["status"], &cost["verdict"]));
    let history = app.history(id).await;
    let entry = history.iter().find(|h| h["action"] == "claim.split").unwrap();
    assert_eq!((&entry["to"]["claim_id"], &entry["note"]), (&own["id"], &json!("Hangzhou is another claim")));
    let merges: Value = app.get(&format!("/v1/claims/{id}/merges")).await.json().await.unwrap();
    assert_eq!(merges["items"][0]["split_into"], own["id"], "the merge stays on record: {merges}");

    // Its wording finds the claim it became, and no longer the one it was merged into.
    let found: Value = app.post("/v1/match", &json!({"text": "In Hangzhou"})).await.json().await.unwrap();
    let ids: Vec<&Value> = found["items"].as_array().unwrap().iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, [&own["id"]], "{found}");
    // The review is now that claim's: importing it again changes nothing.
    let again = import(&app, &json!([hangzhou])).await;
    assert_eq!((&again["skipped"], &again["merged"], &again["created"]), (&json!(1), &json!(0), &json!(0)), "{again}");

    for review in [&merged["review"], &json!("claimreview:https://elsewhere.example"), &json!(" ")] {
        let response = split(review).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        let rule = if review == " " { "not-empty" } else { "merged" };
        assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["rule"]), (&json!("review"), &json!(rule)));
    }
    let anonymous = reqwest::get(app.url(&format!("/v1/claims/{id}/merges"))).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "the desk's record");
}

#[tokio::test]
async fn a_review_merged_for_its_same_text_cannot_be_split_out_as_that_text_is_one_claim() {
    let app = spawn_seeded_app().await;
    let cost = find(&app, "DeepSeek developed its R1 reasoning model for just $5.6 million.").await;
    let same = review(
        Some("https://fc.example.org/same"),
        "DeepSeek developed its R1 reasoning model for just $5.6 million",
        json!({"alternateName": "False"}),
    );
    assert_eq!(import(&app, &json!([same])).await["merged"], 1);
    let merged = app.claim(cost["id"].as_i64().unwrap()).await;
    let path = format!("/v1/claims/{}/merges/split", cost["id"]);
    let response = app.post(&path, &json!({"review": "claimreview:https://fc.example.org/same"})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.claim(cost["id"].as_i64().unwrap()).await, merged, "nothing was written");
    let merges: Value = app.get(&format!("/v1/claims/{}/merges", cost["id"])).await.json().await.unwrap();
    assert_eq!(merges["items"][0]["split_into"], Value::Null, "{merges}");
}

#[tokio::test]
async fn a_review_worded_as_one_the_same_document_holds_is_merged_and_kept_apart_without_merge() {
    let app = spawn_app().await;
    let rating = json!({"alternateName": "False"});
    let twice = |from: &str| {
        json!([
            review(Some(&format!("https://{from}/a")), "Hangzhou hosts DeepSeek's headquarters.", rating.clone()),
            review(Some(&format!("https://{from}/b")), "hangzhou hosts deepseek's HEADQUARTERS", rating.clone()),
        ])
    };
    let summary = import(&app, &twice("one.example.org")).await;
    assert_eq!((summary["created"].as_u64(), summary["merged"].as_u64()), (Some(1), Some(1)), "{summary}");
    let claim = app.claim(summary["merges"][0]["claim_id"].as_i64().unwrap()).await;
    assert_eq!(claim["evidence"].as_array().unwrap().len(), 2, "both reviews cited: {claim}");
    assert_eq!(summary["merges"][0]["score"], 1.0);

    // Worded as one earlier in the same document, but not the same text: written once that one is.
    let alike = json!([
        review(Some("https://three.example.org/a"), "DeepSeek trained R1 on 2,048 Nvidia H800 chips", rating.clone()),
        review(
            Some("https://three.example.org/b"),
            "DeepSeek trained its R1 on 2048 Nvidia H800 chips!",
            rating.clone()
        ),
    ]);
    let summary = import(&app, &alike).await;
    assert_eq!((summary["created"].as_u64(), summary["merged"].as_u64()), (Some(1), Some(1)), "{summary}");

    let response = app.post_raw("/v1/import?merge=false", "application/ld+json", twice("two.example.org").to_string());
    let kept: Value = response.await.json().await.unwrap();
    assert_eq!((kept["created"].as_u64(), kept["skipped"].as_u64()), (Some(0), Some(2)), "a duplicate text: {kept}");
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

#[tokio::test]
async fn the_command_line_imports_a_feed_and_exports_everything() {
    let app = spawn_seeded_app().await;
    let db = app.db_path();
    let file = app.dir.path().join("feed.jsonld");
    std::fs::write(&file, feed("False").to_string()).unwrap();
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 2, updated 0, merged 0, skipped 0, rejected 2"), "{printed}");
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 0, updated 0, merged 0, skipped 2, rejected 2"), "{printed}");
    let repeat = |url: &str| {
        let text = "DeepSeek developed its R1 reasoning model for only $5.6M";
        json!([review(Some(url), text, json!({"alternateName": "False"}))]).to_string()
    };
    std::fs::write(&file, repeat("https://fc.example.org/cost")).unwrap();
    let (printed, _) = cli(&["import", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 0, updated 0, merged 1, skipped 0"), "as the server matches: {printed}");
    assert!(printed.contains("merged claimreview:https://fc.example.org/cost into claim 1"), "{printed}");
    std::fs::write(&file, repeat("https://fc.example.org/cost-2")).unwrap();
    let (printed, _) = cli(&["import", "--no-merge", file.to_str().unwrap()], &db);
    assert!(printed.starts_with("created 1, updated 0, merged 0"), "{printed}");

    let (lines, summary) = cli(&["export", "--format", "jsonl"], &db);
    assert_eq!(lines.lines().count(), 25, "22 seed claims and 3 imported");
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(first["evidence"].is_array() && first["confidence_breakdown"].is_object());
    assert!(summary.contains("exported 25 claims with 4 evidence items"), "{summary}");

    let (csv, _) = cli(&["export", "--format", "csv"], &db);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rows.headers().unwrap().get(1), Some("text"));
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 25);
    assert!(rows.iter().any(|r| r.get(12) == Some("refutes https://fc.example.org/a")));

    let out = app.dir.path().join("reviews.json");
    cli(&["export", "--format", "claimreview", "--out", out.to_str().unwrap()], &db);
    let reviews: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(reviews["@type"], "DataFeed");
}
