//! The review desk over HTTP: the list of every claim, submitting, editing under If-Match, evidence
//! retraction and editing, the history in words, and failures as pages naming their rule.

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::admin::sign_in;
use crate::helpers::{TestApp, spawn_seeded_app};

async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Posts a form and follows its redirect back, if it made one.
async fn post(app: &TestApp, browser: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = browser.post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let back = response.headers()["location"].to_str().unwrap().to_owned();
        return page(app, browser, &back).await;
    }
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn every_claim_is_listed_searched_filtered_and_paged() {
    let app = spawn_seeded_app().await;
    app.post("/v1/claims/2/assign", &json!({"assignee": "alice"})).await;
    for n in 0..26 {
        app.create_claim(&format!("Listed claim number {n} about GPU count {}", n * 7919)).await;
    }
    let (browser, _) = sign_in(&app, Role::Reviewer).await;

    let (status, all) = page(&app, &browser, "/admin/claims").await;
    assert_eq!(status, StatusCode::OK);
    let total = app.count("claims");
    assert!(all.contains(&format!("{total} matching claims")), "the list counts every claim");
    assert!(all.contains("Next page"), "25 a page");

    let (_, found) = page(&app, &browser, "/admin/claims?q=5.6+million&status=&verdict=&sort=").await;
    assert!(found.contains("$5.6 million") && found.contains("1 matching claim."), "{found}");

    let (_, mine) = page(&app, &browser, "/admin/claims?assignee=alice").await;
    assert!(mine.contains("1 matching claim.") && mine.contains("href=\"/admin/claims/2\""));

    let (_, dated) = page(&app, &browser, "/admin/claims?created_after=2000-01-01&created_before=2000-01-31").await;
    assert!(dated.contains("No claim matches."));

    let (status, wrong) = page(&app, &browser, "/admin/claims?sort=relevance").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong.contains("sort") && wrong.contains("needs-q"), "the page names the field and the rule");

    let next = all.split("href=\"/admin/claims?cursor=").nth(1).unwrap().split('"').next().unwrap();
    let (status, second) = page(&app, &browser, &format!("/admin/claims?cursor={}", next.replace("&amp;", "&"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("First page"));
}

#[tokio::test]
async fn a_claim_is_submitted_from_the_page_and_its_lookalikes_are_shown() {
    let app = spawn_seeded_app().await;
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("text", "DeepSeek built its R1 reasoning model for only 5.6 million dollars"),
        ("claimant", "A viral post"),
        ("tags", "cost, r1"),
        ("url", ""),
        ("title", ""),
    ];
    let (status, done) = post(&app, &browser, "/admin/claims", &form).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(done.contains("submitted.") && done.contains("Similar claims"));
    assert!(done.contains("href=\"/admin/claims/1\""), "the seed claim it repeats is linked: {done}");

    let (status, again) = post(&app, &browser, "/admin/claims", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(again.contains("a claim with the same text exists"));

    let blank = [("csrf", csrf.as_str()), ("text", "  "), ("tags", "no spaces!")];
    let (status, refused) = post(&app, &browser, "/admin/claims", &blank).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("text must not be empty") && refused.contains("rule: not-empty"), "{refused}");
}

#[tokio::test]
async fn an_edit_over_someone_elses_says_what_they_changed_and_keeps_yours() {
    let app = spawn_seeded_app().await;
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let (_, form) = page(&app, &browser, "/admin/claims/1/edit").await;
    let version = form.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let seen = app.claim(1).await;
    let seen_text = seen["text"].as_str().unwrap().to_owned();
    let seen_claimant = seen["claimant"].as_str().unwrap_or("").to_owned();

    // Someone else saves first, through the API.
    let etag = format!("\"{version}\"");
    let theirs = app.patch("/v1/claims/1", Some(&etag), &json!({"tags": ["cost", "disputed"]})).await;
    assert_eq!(theirs.status(), StatusCode::OK);

    let mine = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("seen_text", seen_text.as_str()),
        ("seen_claimant", seen_claimant.as_str()),
        ("seen_tags", ""),
        ("text", "DeepSeek developed R1 for just $5.6 million."),
        ("claimant", ""),
        ("tags", "cost"),
    ];
    let (status, conflict) = post(&app, &browser, "/admin/claims/1/edit", &mine).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert!(conflict.contains("someone changed this claim after you opened the form"), "{conflict}");
    assert!(conflict.contains("cost, disputed"), "what they changed is shown");
    assert!(conflict.contains("DeepSeek developed R1 for just $5.6 million."), "my edit is kept in the form");
    assert_eq!(app.claim(1).await["text"], seen_text.as_str(), "nothing of mine was saved");

    let fresh = conflict.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let retry = [
        ("csrf", csrf.as_str()),
        ("version", fresh.as_str()),
        ("text", "DeepSeek developed R1 for just $5.6 million."),
        ("tags", "cost"),
    ];
    let (status, saved) = post(&app, &browser, "/admin/claims/1/edit", &retry).await;
    assert_eq!(status, StatusCode::OK);
    assert!(saved.contains("Saved: the claim is now version"));
    assert_eq!(app.claim(1).await["tags"], json!(["cost"]));
    assert!(saved.contains("Edited the claim") && saved.contains("<del>"), "the history says from what to what");
}

#[tokio::test]
async fn evidence_is_edited_and_retracted_with_a_note_that_is_shown() {
    let app = spawn_seeded_app().await;
    let item = app.attach_ok(1, "https://example.org/report", "supports").await;
    let id = item["id"].as_i64().unwrap().to_string();
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;

    let edit = [
        ("csrf", csrf.as_str()),
        ("claim", "1"),
        ("stance", "refutes"),
        ("reliability", "0.8"),
        ("confidence", "0.6"),
        ("title", "The report"),
        ("excerpt", ""),
        ("note", ""),
    ];
    let (_, after) = post(&app, &browser, &format!("/admin/evidence/{id}/edit"), &edit).await;
    assert!(after.contains(&format!("Evidence {id} saved.")), "{after}");
    let now = app.get(&format!("/v1/evidence/{id}")).await.json::<serde_json::Value>().await.unwrap();
    assert_eq!((now["stance"].as_str(), now["reliability"].as_f64()), (Some("refutes"), Some(0.8)));

    let bad = [("csrf", csrf.as_str()), ("claim", "1"), ("stance", "refutes"), ("reliability", "2")];
    let (_, refused) = post(&app, &browser, &format!("/admin/evidence/{id}/edit"), &bad).await;
    assert!(refused.contains("reliability") && refused.contains("rule:"), "the message names field and rule");

    let (_, no_reason) =
        post(&app, &browser, &format!("/admin/evidence/{id}/retract"), &[("csrf", &csrf), ("claim", "1")]).await;
    assert!(no_reason.contains("note is required to retract"));
    let why = "The report was withdrawn by its authors.";
    let (_, retracted) = post(
        &app,
        &browser,
        &format!("/admin/evidence/{id}/retract"),
        &[("csrf", &csrf), ("claim", "1"), ("note", why)],
    )
    .await;
    assert!(retracted.contains("retracted: it no longer counts"));
    assert!(retracted.contains(why), "the retraction note is on the page");
    assert_eq!(app.claim(1).await["evidence_count"], 0);
}

#[tokio::test]
async fn verifying_from_the_page_needs_a_rationale_and_the_page_says_so() {
    let app = spawn_seeded_app().await;
    app.attach_ok(1, "https://example.org/a", "refutes").await;
    app.transition(1, &json!({"to": "in_review"})).await;
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let form = [("csrf", csrf.as_str()), ("to", "verified"), ("verdict", "false"), ("rationale", " ")];
    let (_, page) = post(&app, &browser, "/admin/claims/1/transition", &form).await;
    assert!(page.contains("rationale is required to verify") && page.contains("rule: required"), "{page}");
    assert_eq!(app.claim(1).await["status"], "in_review");
    assert!(page.contains("How settled that leaning is"), "the figures are explained in words");
}

#[tokio::test]
async fn unknown_pages_and_claims_are_pages_not_json() {
    let app = spawn_seeded_app().await;
    let (browser, _) = sign_in(&app, Role::Reviewer).await;
    for path in ["/admin/claims/999999", "/admin/nowhere", "/admin/claims/abc", "/admin/evidence/999/compare"] {
        let response = browser.get(app.url(path)).send().await.unwrap();
        assert!(response.status().is_client_error(), "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains("<h1>"), "{path}: {body}");
    }
    let (status, missing) = page(&app, &browser, "/admin/claims/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("Not found") && missing.contains("no claim 999999"));
}

#[tokio::test]
async fn the_stats_name_verdicts_in_words_and_time_in_units() {
    let app = spawn_seeded_app().await;
    app.attach_ok(1, "https://example.org/a", "refutes").await;
    app.transition(1, &json!({"to": "in_review"})).await;
    app.transition(1, &json!({"to": "verified", "verdict": "mostly_false", "rationale": "Only the last run."})).await;
    app.post("/v1/claims/2/assign", &json!({"assignee": "alice"})).await;
    let (browser, _) = sign_in(&app, Role::Reviewer).await;
    let (_, stats) = page(&app, &browser, "/admin/stats").await;
    assert!(stats.contains("Mostly false") && !stats.contains(">mostly_false<"));
    assert!(!stats.contains("0.0 h"), "a quick verification reads in minutes");
    assert!(stats.contains("Claims per reviewer") && stats.contains("alice"));
    assert!(stats.contains("Links needing attention"));
}
