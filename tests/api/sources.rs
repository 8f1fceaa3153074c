//! The Sources registry: who may read and change it, the rules a source keeps, evidence taking its
//! reliability from it, the confidence naming the numbers nobody gave, and the admin Sources page.

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::sign_in;
use crate::helpers::{TestApp, client_with_key, create_key, error_fields, problem, spawn_app, spawn_seeded_app};

fn reuters() -> Value {
    json!({"site": "https://www.Reuters.com/world/", "publisher": "Reuters", "reliability": 0.9,
           "note": "A wire service with a public corrections policy."})
}

async fn client(app: &TestApp, role: Role) -> reqwest::Client {
    client_with_key(&create_key(&app.db_path(), &format!("{} key", role.as_str()), role).await)
}

async fn register(app: &TestApp, body: &Value) -> Value {
    let response = app.post("/v1/sources", body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "registering {body}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_key_reads_the_registry_and_only_reviewers_and_admins_change_it() {
    let app = spawn_app().await;
    let (submitter, reviewer) = (client(&app, Role::Submitter).await, client(&app, Role::Reviewer).await);

    let refused = submitter.post(app.url("/v1/sources")).json(&reuters()).send().await.unwrap();
    problem(refused, 403).await;
    assert_eq!(app.count("sources"), 0);

    let created = reviewer.post(app.url("/v1/sources")).json(&reuters()).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["etag"], "\"1\"");
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let source: Value = created.json().await.unwrap();
    assert_eq!(location, format!("/v1/sources/{}", source["id"]));
    assert_eq!((source["site"].as_str(), source["reliability"].as_f64()), (Some("reuters.com"), Some(0.9)));

    let read = submitter.get(app.url(&location)).send().await.unwrap();
    assert_eq!((read.status(), read.headers()["etag"].to_str().unwrap()), (StatusCode::OK, "\"1\""));
    let found: Value =
        submitter.get(app.url("/v1/sources?site=WWW.reuters.com")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["items"][0]["id"], source["id"], "found by its site, however written");
    let none: Value = submitter.get(app.url("/v1/sources?site=apnews.com")).send().await.unwrap().json().await.unwrap();
    assert_eq!(none["items"], json!([]));

    // Changes need the version read, and a reviewer's or admin's key.
    let change = json!({"reliability": 0.85, "note": "Corrections are prompt, but some stories are thinly sourced."});
    problem(app.patch(&location, None, &change).await, 428).await;
    let stale = problem(app.patch(&location, Some("\"7\""), &change).await, 412).await;
    assert_eq!(stale["current_etag"], "\"1\"");
    problem(submitter.patch(app.url(&location)).header("if-match", "\"1\"").json(&change).send().await.unwrap(), 403)
        .await;
    let changed = reviewer.patch(app.url(&location)).header("if-match", "\"1\"").json(&change).send().await.unwrap();
    assert_eq!((changed.status(), changed.headers()["etag"].to_str().unwrap()), (StatusCode::OK, "\"2\""));
    let changed: Value = changed.json().await.unwrap();
    assert_eq!((changed["reliability"].as_f64(), changed["publisher"].as_str()), (Some(0.85), Some("Reuters")));

    // Each change is in the source's history and the audit log, under who made it.
    assert_eq!(app.count("source_history"), 2);
    let audit: Value = app.get("/v1/admin/audit?action=source.updated").await.json().await.unwrap();
    let row = &audit["items"][0];
    assert_eq!((row["actor"].as_str(), row["actor_role"].as_str()), (Some("reviewer key"), Some("reviewer")));
    assert_eq!(row["detail"]["to"]["reliability"], 0.85);
    assert_eq!(row["detail"]["from"]["reliability"], 0.9);
    let verified: Value = app.get("/v1/admin/audit/verify").await.json().await.unwrap();
    assert_eq!(verified["ok"], true, "{verified}");

    // Sites in order, a page at a time.
    for site in ["apnews.com", "bbc.co.uk", "zeit.de"] {
        register(&app, &json!({"site": site, "publisher": site, "reliability": 0.8, "note": "Known desk."})).await;
    }
    let first: Value = app.get("/v1/sources?limit=2").await.json().await.unwrap();
    let sites = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|s| s["site"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(sites(&first), ["apnews.com", "bbc.co.uk"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app.get(&format!("/v1/sources?limit=2&cursor={cursor}")).await.json().await.unwrap();
    assert_eq!(sites(&second), ["reuters.com", "zeit.de"]);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_source_that_breaks_a_rule_is_refused_naming_the_field_and_the_rule() {
    let app = spawn_app().await;
    let bad = json!({"site": "not a host", "publisher": "  ", "reliability": 1.5, "note": "x".repeat(2001)});
    let p = problem(app.post("/v1/sources", &bad).await, 422).await;
    let rules: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [("site", "host"), ("publisher", "not-empty"), ("reliability", "range"), ("note", "max-length")];
    assert_eq!(rules, expected.map(|(f, r)| (f.to_owned(), r.to_owned())));
    let negative = json!({"site": "a.org", "publisher": "A", "reliability": -0.1, "note": "n"});
    assert_eq!(error_fields(&problem(app.post("/v1/sources", &negative).await, 422).await), ["reliability"]);
    let missing =
        problem(app.post("/v1/sources", &json!({"site": "a.org", "publisher": "A", "note": "n"})).await, 422).await;
    assert_eq!(
        (missing["errors"][0]["field"].as_str(), missing["errors"][0]["rule"].as_str()),
        (Some("reliability"), Some("required"))
    );
    let empty = json!({"site": "a.org", "publisher": "A", "reliability": 0.5, "note": ""});
    assert_eq!(problem(app.post("/v1/sources", &empty).await, 422).await["errors"][0]["rule"], "not-empty");
    assert_eq!(app.count("sources"), 0, "nothing of a refused source is kept");

    let first = register(&app, &reuters()).await;
    let again = json!({"site": "reuters.com", "publisher": "Thomson Reuters", "reliability": 0.5, "note": "n"});
    let duplicate = problem(app.post("/v1/sources", &again).await, 409).await;
    assert_eq!(duplicate["duplicate_of"], first["id"]);
    assert_eq!(duplicate["type"], "/problems/duplicate-source");

    let path = format!("/v1/sources/{}", first["id"]);
    let moved = problem(app.patch(&path, Some("\"1\""), &json!({"site": "apnews.com"})).await, 422).await;
    assert_eq!(moved["errors"][0]["rule"], "immutable");
    let out_of_range = problem(app.patch(&path, Some("\"1\""), &json!({"reliability": 2})).await, 422).await;
    assert_eq!(error_fields(&out_of_range), ["reliability"]);
    problem(app.patch(&path, Some("\"1\""), &json!({"weight": 2})).await, 422).await;
    problem(app.get("/v1/sources/999").await, 404).await;
    problem(app.get("/v1/sources/abc").await, 400).await;
    let filter = problem(app.get("/v1/sources?site=not%20a%20host").await, 400).await;
    assert_eq!(error_fields(&filter), ["site"]);
    assert_eq!(app.get(&path).await.json::<Value>().await.unwrap()["version"], 1, "no refused change was made");
}

#[tokio::test]
async fn evidence_without_a_reliability_takes_its_sites_and_the_explanation_names_each_default() {
    let app = spawn_app().await;
    let source = register(&app, &reuters()).await;
    let id = app.create_claim("DeepSeek developed R1 for $5.6 million.").await["id"].as_i64().unwrap();

    let registered: Value = app
        .attach(id, &json!({"url": "https://reuters.com/tech/deepseek", "stance": "refutes"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(registered["reliability"], 0.9);
    assert_eq!(registered["reliability_source"], "source");
    assert_eq!((registered["confidence"].as_f64(), registered["confidence_given"].as_bool()), (Some(0.5), Some(false)));
    let unknown: Value =
        app.attach(id, &json!({"url": "https://example.com/post", "stance": "supports"})).await.json().await.unwrap();
    assert_eq!((unknown["reliability"].as_f64(), unknown["reliability_source"].as_str()), (Some(0.5), Some("default")));
    let given: Value = app
        .attach(
            id,
            &json!({"url": "https://www.reuters.com/b", "stance": "refutes", "reliability": 0.3, "confidence": 0.9}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((given["reliability"].as_f64(), given["reliability_source"].as_str()), (Some(0.3), Some("given")));
    assert_eq!(given["confidence_given"], true);

    let claim = app.claim(id).await;
    let reason = |evidence: &Value| -> String {
        let items = claim["confidence_breakdown"]["items"].as_array().unwrap();
        let item = items.iter().find(|i| i["evidence_id"] == evidence["id"]).unwrap();
        item["reason"].as_str().unwrap().to_owned()
    };
    assert!(
        reason(&registered)
            .starts_with("reliability 0.9 (registered for reuters.com) × confidence 0.5 (not given) = 0.45"),
        "{}",
        reason(&registered)
    );
    assert!(
        reason(&unknown)
            .starts_with("reliability 0.5 (no source registered for example.com) × confidence 0.5 (not given) = 0.25"),
        "{}",
        reason(&unknown)
    );
    assert!(reason(&given).starts_with("reliability 0.3 × confidence 0.9 = 0.27"), "{}", reason(&given));
    assert_eq!(claim["evidence"][0]["reliability_source"], "source", "the claim's evidence says it too");

    // A changed source weighs the evidence attached after it; what was attached keeps its number.
    let path = format!("/v1/sources/{}", source["id"]);
    assert_eq!(app.patch(&path, Some("\"1\""), &json!({"reliability": 0.6})).await.status(), StatusCode::OK);
    let after: Value =
        app.attach(id, &json!({"url": "https://reuters.com/c", "stance": "context"})).await.json().await.unwrap();
    assert_eq!(after["reliability"], 0.6);
    let before: Value = app.get(&format!("/v1/evidence/{}", registered["id"])).await.json().await.unwrap();
    assert_eq!(before["reliability"], 0.9);

    // A number edited in is the editor's own.
    let edited: Value = app
        .patch(&format!("/v1/evidence/{}", unknown["id"]), None, &json!({"confidence": 0.5}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (edited["confidence_given"].as_bool(), edited["reliability_source"].as_str()),
        (Some(true), Some("default"))
    );
}

#[tokio::test]
async fn an_item_attached_with_no_numbers_weighs_less_than_one_weighed_with_care() {
    let app = spawn_app().await;
    let id = app.create_claim("R1 matches o1 on every benchmark.").await["id"].as_i64().unwrap();
    app.attach(id, &json!({"url": "https://blog.example/r1-wins", "stance": "supports"})).await;
    app.attach(
        id,
        &json!({"url": "https://lab.example/r1-evals", "stance": "refutes", "reliability": 0.8, "confidence": 0.5}),
    )
    .await;
    let claim = app.claim(id).await;
    let b = &claim["confidence_breakdown"];
    assert_eq!((b["supporting_weight"].as_f64(), b["refuting_weight"].as_f64()), (Some(0.25), Some(0.4)));
    assert!(claim["support"].as_f64().unwrap() < 0.5, "the weighed refutation outweighs the unweighed support");
}

/// Posts a form and follows its redirect back, if it made one.
async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = browser.post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let back = response.headers()["location"].to_str().unwrap().to_owned();
        let page = browser.get(app.url(&back)).send().await.unwrap();
        return (page.status(), page.text().await.unwrap());
    }
    (status, response.text().await.unwrap())
}

async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_sources_page_lists_registers_and_edits_for_reviewers_only() {
    let app = spawn_seeded_app().await;
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let (_, queue) = page(&app, &browser, "/admin").await;
    assert!(queue.contains("href=\"/admin/sources\""), "the menu leads to the Sources page");
    let (status, empty) = page(&app, &browser, "/admin/sources?site=reuters.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("No source is registered yet.") && empty.contains("Register a source"));
    assert!(empty.contains("name=\"site\" value=\"reuters.com\""), "a site named in the address fills the form");

    let form = [
        ("csrf", csrf.as_str()),
        ("site", "www.reuters.com"),
        ("publisher", "Reuters"),
        ("reliability", "0.9"),
        ("note", "A wire service with a public corrections policy."),
    ];
    let (status, listed) = post_form(&app, &browser, "/admin/sources", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(listed.contains("Source 1 registered") && listed.contains(">reuters.com</a>"), "{listed}");
    assert!(listed.contains("A wire service with a public corrections policy."));

    let (status, duplicate) = post_form(&app, &browser, "/admin/sources", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(duplicate.contains("registered already, as source 1") && duplicate.contains("href=\"/admin/sources/1\""));
    let bad = [("csrf", csrf.as_str()), ("site", "a.org"), ("publisher", " "), ("reliability", "2"), ("note", "n")];
    let (status, refused) = post_form(&app, &browser, "/admin/sources", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("reliability must be a number from 0 to 1") && refused.contains("rule: range"));
    assert!(refused.contains("publisher must not be empty"), "every broken rule is named");
    assert!(refused.contains("value=\"a.org\""), "what was typed stays in the form");
    let blank = [("csrf", csrf.as_str()), ("site", "b.org"), ("publisher", "B"), ("reliability", ""), ("note", "n")];
    let (_, refused) = post_form(&app, &browser, "/admin/sources", &blank).await;
    assert!(refused.contains("reliability is required"), "{refused}");
    let forged = [("csrf", "forged"), ("site", "c.org"), ("publisher", "C"), ("reliability", "0.5"), ("note", "n")];
    assert_eq!(post_form(&app, &browser, "/admin/sources", &forged).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.count("sources"), 1);

    // Its page: the edit form, saved under the version it was read at.
    let (_, one) = page(&app, &browser, "/admin/sources/1").await;
    assert!(one.contains("Save source") && one.contains("Registered"));
    let edit = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("publisher", "Reuters"),
        ("reliability", "0.85"),
        ("note", "Corrections are prompt."),
    ];
    let (status, saved) = post_form(&app, &browser, "/admin/sources/1", &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(saved.contains("Saved: source reuters.com is now version 2."), "{saved}");
    assert!(saved.contains("<del>0.9</del>") && saved.contains("<ins>0.85</ins>"), "the change is shown");
    let (status, conflict) = post_form(&app, &browser, "/admin/sources/1", &edit).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert!(conflict.contains("someone changed this source after you opened the form"), "{conflict}");

    // The claim page names the source of an item's site, and offers to register one that has none.
    app.attach(1, &json!({"url": "https://www.reuters.com/tech/r1", "stance": "refutes"})).await;
    app.attach(1, &json!({"url": "https://unlisted.example/r1", "stance": "supports"})).await;
    let (_, claim) = page(&app, &browser, "/admin/claims/1").await;
    assert!(claim.contains("href=\"/admin/sources/1\">Reuters</a> · reliability 0.85"), "{claim}");
    assert!(claim.contains("the Sources registry") && claim.contains("(not given)"));
    assert!(claim.contains("No source registered for unlisted.example"));
    assert!(claim.contains("href=\"/admin/sources?site=unlisted.example#register\""));
    assert!(claim.contains("reliability 0.5 (no source registered for unlisted.example) × confidence 0.5 (not given)"));

    // A submitter reads the registry but gets no form, and a form sent anyway is refused.
    let (submitter, submitter_csrf) = sign_in(&app, Role::Submitter).await;
    let (status, read_only) = page(&app, &submitter, "/admin/sources").await;
    assert_eq!(status, StatusCode::OK);
    assert!(read_only.contains("reuters.com") && !read_only.contains("Register a source"));
    let (_, one) = page(&app, &submitter, "/admin/sources/1").await;
    assert!(!one.contains("Save source"));
    let mut sent = form;
    sent[0] = ("csrf", submitter_csrf.as_str());
    sent[1] = ("site", "apnews.com");
    assert_eq!(post_form(&app, &submitter, "/admin/sources", &sent).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.count("sources"), 1);
}
