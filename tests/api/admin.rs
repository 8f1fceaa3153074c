//! The admin page over HTTP: sign-in, the session cookie, CSRF, roles and sign-out.

use claimcheck::domain::access::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, create_key, spawn_seeded_app};

/// A browser-like client: keeps cookies, does not follow redirects (so they can be checked).
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

/// Posts the sign-in form as a browser does: after reading it.
pub async fn post_login(app: &TestApp, client: &reqwest::Client, key: &str) -> reqwest::Response {
    let form = client.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    client.post(app.url("/admin/login")).form(&[("key", key), ("csrf", csrf.as_str())]).send().await.unwrap()
}

pub async fn sign_in(app: &TestApp, role: Role) -> (reqwest::Client, String) {
    let key = create_key(&app.db_path(), &format!("{} person", role.as_str()), role).await;
    let client = browser();
    let response = post_login(app, &client, &key).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    (client, csrf_of(&page))
}

#[tokio::test]
async fn signing_in_reviewing_and_signing_out() {
    let app = spawn_seeded_app().await;
    let anonymous = browser().get(app.url("/admin")).send().await.unwrap();
    assert_eq!(anonymous.headers()["location"], "/admin/login");
    let bad = post_login(&app, &browser(), "cck_00000000_nope").await;
    assert!(bad.text().await.unwrap().contains("Unknown, revoked or expired key"));

    let (client, csrf) = sign_in(&app, Role::Reviewer).await;
    let queue = client.get(app.url("/admin")).send().await.unwrap();
    assert!(queue.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert!(queue.text().await.unwrap().contains("$5.6 million"));

    let forged = client
        .post(app.url("/admin/claims/1/transition"))
        .form(&[("csrf", "forged"), ("to", "in_review")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.claim(1).await["status"], "submitted");

    let moved = client
        .post(app.url("/admin/claims/1/transition"))
        .form(&[("csrf", csrf.as_str()), ("to", "in_review"), ("note", "checking the cost figure")])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.claim(1).await["status"], "in_review");
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("checking the cost figure") && page.contains("reviewer person"));

    let attached = client
        .post(app.url("/admin/claims/1/evidence"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", "https://arxiv.org/abs/2412.19437"),
            ("stance", "supports"),
            ("reliability", "0.7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(attached.headers()["location"], "/admin/claims/1");
    assert_eq!(app.claim(1).await["evidence_count"], 1);
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Evidence attached."), "the page says what the form did");
    let verified = client
        .post(app.url("/admin/claims/1/transition"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("to", "verified"),
            ("verdict", "misleading"),
            ("rationale", "Training-run cost shown as the whole cost."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.claim(1).await["status"], "verified");
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(r#"<script type="application/ld+json">"#) && page.contains("ClaimReview"),
        "the page embeds its ClaimReview"
    );
    let stats = client.get(app.url("/admin/stats")).send().await.unwrap().text().await.unwrap();
    assert!(stats.contains("<svg"));

    client.post(app.url("/admin/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let after = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(after.headers()["location"], "/admin/login");
}

#[tokio::test]
async fn a_submitter_sees_the_claim_but_cannot_move_it() {
    let app = spawn_seeded_app().await;
    let (client, csrf) = sign_in(&app, Role::Submitter).await;
    let page = client.get(app.url("/admin/claims/2")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Move claim"), "the form is not offered");
    let response = client
        .post(app.url("/admin/claims/2/transition"))
        .form(&[("csrf", csrf.as_str()), ("to", "rejected")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.claim(2).await["status"], "submitted");
}

#[tokio::test]
async fn a_reviewer_splits_a_merged_review_out_from_the_claim_page() {
    const HANGZHOU: &str = "DeepSeek developed its R1 reasoning model in Hangzhou for only $5.6M";
    let app = spawn_seeded_app().await;
    let held = app.claim(1).await;
    assert_eq!(held["text"], "DeepSeek developed its R1 reasoning model for just $5.6 million.");
    let review = serde_json::json!({"@type": "ClaimReview", "url": "https://fc.example.org/hangzhou",
        "claimReviewed": HANGZHOU,
        "reviewRating": {"alternateName": "False"}});
    let summary: serde_json::Value =
        app.post_raw("/v1/import", "application/ld+json", review.to_string()).await.json().await.unwrap();
    assert_eq!(summary["merges"][0]["claim_id"], 1, "{summary}");

    let (client, csrf) = sign_in(&app, Role::Reviewer).await;
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Reviews merged into this claim") && page.contains("in Hangzhou for only"), "{page}");
    let split = client
        .post(app.url("/admin/claims/1/split"))
        .form(&[("csrf", csrf.as_str()), ("review", "claimreview:https://fc.example.org/hangzhou"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(split.headers()["location"], "/admin/claims/1");
    let page = client.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    let own = page.split("Review split out into claim ").nth(1).unwrap().split(',').next().unwrap();
    let own = app.claim(own.parse().unwrap()).await;
    assert_eq!((&own["text"], &own["verdict"]), (&serde_json::json!(HANGZHOU), &serde_json::json!("false")));
    assert!(page.contains("Split a merged review out into a claim of its own"), "the history says so");

    let (submitter, csrf) = sign_in(&app, Role::Submitter).await;
    let page = submitter.get(app.url("/admin/claims/1")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Split out into a claim of its own"), "a submitter is not offered the form");
    let refused = submitter
        .post(app.url("/admin/claims/1/split"))
        .form(&[("csrf", csrf.as_str()), ("review", "claimreview:https://fc.example.org/hangzhou")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
