//! One use case, two interfaces: the same request through the API and through the admin page's forms
//! gets the same outcome, because both call the same service function.

use std::time::Duration;

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::sign_in;
use crate::fixtures::Fixture;
use crate::helpers::{TestApp, error_fields, problem, spawn_app_with, spawn_seeded_app};

/// Posts an admin form for claim `id` and returns the page it leads back to.
async fn post_form(app: &TestApp, browser: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> String {
    let response = browser.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    browser.get(app.url(&back)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn an_over_long_assignee_is_refused_by_both_and_the_assignment_stands() {
    let app = spawn_seeded_app().await;
    let assigned = app.post("/v1/claims/1/assign", &json!({"assignee": "alice"})).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let long = "a".repeat(101);

    let refused = problem(app.post("/v1/claims/1/assign", &json!({"assignee": long})).await, 422).await;
    assert_eq!(error_fields(&refused), ["assignee"]);
    assert_eq!(app.claim(1).await["assignee"], "alice");

    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let page = post_form(&app, &browser, "/admin/claims/1/assign", &[("csrf", &csrf), ("assignee", &long)]).await;
    assert!(page.contains("assignee must be at most 100 characters"), "the page names the rule");
    assert_eq!(app.claim(1).await["assignee"], "alice", "the admin page does not unassign either");
}

#[tokio::test]
async fn an_unknown_stance_is_refused_by_both_and_nothing_is_attached() {
    let app = spawn_seeded_app().await;
    let body = json!({"url": "https://example.org/a", "stance": "agrees"});
    let refused = problem(app.attach(1, &body).await, 422).await;
    assert_eq!(error_fields(&refused), ["stance"]);

    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let form = [("csrf", csrf.as_str()), ("url", "https://example.org/a"), ("stance", "agrees")];
    let page = post_form(&app, &browser, "/admin/claims/1/evidence", &form).await;
    assert!(page.contains("stance must be one of"), "the page names the rule");
    assert_eq!(app.claim(1).await["evidence_count"], 0, "no default stance is put in its place");

    let form =
        [("csrf", csrf.as_str()), ("url", "https://example.org/a"), ("stance", "supports"), ("reliability", "high")];
    let page = post_form(&app, &browser, "/admin/claims/1/evidence", &form).await;
    assert!(page.contains("reliability must be a number"), "a number that is not one is not ignored");
    assert_eq!(app.claim(1).await["evidence_count"], 0);
}

/// Waits (at most ten seconds; the link watch otherwise sleeps a minute) for the item's first fetch.
async fn fetched(app: &TestApp, evidence_id: i64) -> bool {
    for _ in 0..200 {
        let item: Value = app.get(&format!("/v1/evidence/{evidence_id}")).await.json().await.unwrap();
        if item["fetch"]["state"] == "live" {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn evidence_attached_from_either_interface_is_fetched_at_once() {
    let fixture = Fixture::start().await;
    let app = spawn_app_with(|c| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = vec![fixture.port()];
    })
    .await;
    let claim = app.create_claim("DeepSeek trained R1 for $5.6 million").await["id"].as_i64().unwrap();
    // Long enough for the watch to have found nothing due and gone to sleep.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let url = fixture.url("/quote");
    let form = [("csrf", csrf.as_str()), ("url", url.as_str()), ("stance", "supports")];
    post_form(&app, &browser, &format!("/admin/claims/{claim}/evidence"), &form).await;
    let items: Value = app.get(&format!("/v1/claims/{claim}/evidence")).await.json().await.unwrap();
    let from_page = items["items"][0]["id"].as_i64().unwrap();
    assert!(fetched(&app, from_page).await, "the admin page wakes the link watch");

    let from_api = app.attach_ok(claim, &fixture.url("/other"), "context").await["id"].as_i64().unwrap();
    assert!(fetched(&app, from_api).await, "the API wakes the link watch");
}
