//! Evidence that lasts: fetching on attach, archiving, the quote check, the link watch and the address
//! guard, against fixture servers on 127.0.0.1.

use std::time::Duration;

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixtures::{Canary, EXCERPT, Fixture, QUOTE_PAGE};
use crate::helpers::{TestApp, spawn_app_with};

/// A server that fetches, reaching the fixture servers on loopback.
async fn fetching_app(ports: Vec<u16>) -> TestApp {
    spawn_app_with(|c| {
        c.fetch.fetch_concurrency = 4;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = ports;
    })
    .await
}

async fn claim(app: &TestApp) -> i64 {
    app.create_claim("DeepSeek trained R1 for $5.6 million").await["id"].as_i64().unwrap()
}

async fn attach(app: &TestApp, claim_id: i64, url: &str, excerpt: Option<&str>) -> Value {
    let mut body = json!({ "url": url, "stance": "supports", "reliability": 0.8 });
    if let Some(excerpt) = excerpt {
        body["excerpt"] = json!(excerpt);
    }
    let response = app.attach(claim_id, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let item: Value = response.json().await.unwrap();
    assert_eq!(item["fetch"]["state"], "pending", "the request does not wait for the fetch");
    item
}

/// Polls the item until `done` holds (fetches run in the background).
async fn wait_for(app: &TestApp, evidence_id: i64, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let item: Value = app.get(&format!("/v1/evidence/{evidence_id}")).await.json().await.unwrap();
        if done(&item) {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("evidence {evidence_id} never got there");
}

fn state_is(state: &'static str) -> impl Fn(&Value) -> bool {
    move |item| item["fetch"]["state"] == state
}

async fn check_now(app: &TestApp, evidence_id: i64) {
    let response = app.client.post(app.url(&format!("/v1/evidence/{evidence_id}/check"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_fetch_records_the_page_archives_it_and_finds_the_quote() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, &site.url("/quote"), Some(EXCERPT)).await["id"].as_i64().unwrap();

    let item = wait_for(&app, id, state_is("live")).await;
    let cited = &item["fetch"]["cited"];
    assert_eq!(cited["final_url"], site.url("/quote"));
    assert_eq!(cited["status"], 200);
    assert_eq!(cited["content_type"], "text/html; charset=utf-8");
    assert_eq!(cited["size"], QUOTE_PAGE.len());
    assert_eq!(cited["sha256"], hex::encode(Sha256::digest(QUOTE_PAGE.as_bytes())));
    assert_eq!(cited["title"], "What DeepSeek's R1 cost");
    assert_eq!(cited["published"], "2025-01-27T08:00:00Z");
    assert_eq!((cited["archived"].as_bool(), cited["truncated"].as_bool()), (Some(true), Some(false)));
    assert_eq!(item["quote"]["found"], true);
    assert!(item["quote"]["context"].as_str().unwrap().contains("cost “$5.6 million” — excluding"), "{item}");

    let snapshot: Value = app.get(&format!("/v1/evidence/{id}/snapshot")).await.json().await.unwrap();
    assert!(snapshot["text"].as_str().unwrap().contains("DeepSeek said the final training run cost"));
    assert!(!snapshot["text"].as_str().unwrap().contains("<p>"), "the text is extracted, not HTML");
    assert_eq!(snapshot["checks"]["checks"], 1);

    let original = app.get(snapshot["original"].as_str().unwrap()).await;
    assert_eq!(original.status(), StatusCode::OK);
    let header = |name: &str| original.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-disposition").starts_with("attachment;"));
    assert!(header("content-security-policy").contains("sandbox"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-type"), "application/octet-stream", "never the remote server's type");
    assert_eq!(original.bytes().await.unwrap(), QUOTE_PAGE.as_bytes());

    let history: Value = app.get(&format!("/v1/claims/{claim_id}/history")).await.json().await.unwrap();
    let checked = history["items"].as_array().unwrap().iter().find(|h| h["action"] == "evidence.checked").unwrap();
    assert_eq!((checked["from"]["state"].as_str(), checked["to"]["state"].as_str()), (Some("pending"), Some("live")));
    assert_eq!(checked["actor"], "link-check");
}

#[tokio::test]
async fn a_quote_the_page_does_not_hold_is_shown_and_weighs_less() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, &site.url("/other"), Some(EXCERPT)).await["id"].as_i64().unwrap();
    let item = wait_for(&app, id, state_is("live")).await;
    assert_eq!(item["quote"], json!({"found": false, "context": null, "found_when_cited": false}));

    let claim = app.claim(claim_id).await;
    let weight = &claim["confidence_breakdown"]["items"][0];
    assert_eq!(weight["weight"], 0.2, "reliability 0.8 × confidence 0.5 (not given) × 0.5 for the missing quote");
    assert!(weight["reason"].as_str().unwrap().contains("not on the page"), "{weight}");

    // Mending the excerpt checks it again against the archived text, at once.
    let patched = app.patch(&format!("/v1/evidence/{id}"), None, &json!({"excerpt": "Nvidia shares fell 17%"})).await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["quote"]["found"], true);
    assert_eq!(app.claim(claim_id).await["confidence_breakdown"]["items"][0]["weight"], 0.4);
}

#[tokio::test]
async fn a_page_edited_after_citing_is_changed_and_its_cited_snapshot_kept() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, &site.url("/changing"), Some(EXCERPT)).await["id"].as_i64().unwrap();
    wait_for(&app, id, state_is("live")).await;
    check_now(&app, id).await;
    let item = wait_for(&app, id, state_is("changed")).await;

    assert_ne!(item["fetch"]["current"]["sha256"], item["fetch"]["cited"]["sha256"]);
    assert_eq!(item["quote"]["found"], false, "the quote check ran again on the new page");
    assert_eq!(item["quote"]["found_when_cited"], true);
    let claim = app.claim(claim_id).await;
    assert_eq!(claim["confidence_breakdown"]["items"][0]["weight"], 0.4, "the archive proves it was said");

    let cited: Value = app.get(&format!("/v1/evidence/{id}/snapshot?which=cited")).await.json().await.unwrap();
    assert!(cited["text"].as_str().unwrap().contains("$5.6"));
    let current: Value = app.get(&format!("/v1/evidence/{id}/snapshot?which=current")).await.json().await.unwrap();
    assert!(current["text"].as_str().unwrap().contains("Nvidia shares fell"));

    let listed: Value = app.get("/v1/evidence?state=changed").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>(), [id]);
    let history: Value = app.get(&format!("/v1/claims/{claim_id}/history")).await.json().await.unwrap();
    let states: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "evidence.checked")
        .map(|h| h["to"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["live", "changed"]);

    // What a reviewer sees on the admin page.
    let (browser, _) = crate::admin::sign_in(&app, Role::Reviewer).await;
    let page = browser.get(app.url(&format!("/admin/claims/{claim_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("pill changed") && page.contains("quote removed since citing"), "{page}");
    let cited = browser.get(app.url(&format!("/admin/evidence/{id}/snapshot"))).send().await.unwrap();
    assert!(cited.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let cited = cited.text().await.unwrap();
    assert!(cited.contains("DeepSeek said the final training run cost") && cited.contains("as cited"), "{cited}");
}

#[tokio::test]
async fn a_page_that_changes_back_and_again_keeps_one_current_version_beside_the_cited_one() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, &site.url("/flipping"), Some(EXCERPT)).await["id"].as_i64().unwrap();
    let cited = wait_for(&app, id, state_is("live")).await["fetch"]["cited"].clone();
    let mut current = Value::Null;
    for (checks, state) in [(2, "changed"), (3, "live"), (4, "changed"), (5, "changed")] {
        check_now(&app, id).await;
        for _ in 0..200 {
            let snapshot: Value = app.get(&format!("/v1/evidence/{id}/snapshot")).await.json().await.unwrap();
            if snapshot["checks"]["checks"] == checks {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let item: Value = app.get(&format!("/v1/evidence/{id}")).await.json().await.unwrap();
        assert_eq!(item["fetch"]["state"], state, "check {checks}: {item}");
        assert_eq!(item["fetch"]["cited"], cited, "the cited snapshot never changes");
        assert_eq!(item["fetch"]["current"].is_null(), state == "live", "check {checks}: {item}");
        assert_ne!(item["fetch"]["current"], current, "check {checks} archived a new current version or none");
        current = item["fetch"]["current"].clone();
    }
    let snapshots: i64 = rusqlite::Connection::open(app.db_path())
        .unwrap()
        .query_row("SELECT count(*) FROM snapshots WHERE evidence_id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert_eq!(snapshots, 2, "the cited page and the latest one, nothing in between");
}

#[tokio::test]
async fn a_page_that_disappears_is_gone_after_several_misses_and_keeps_its_archive() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, &site.url("/vanishing"), None).await["id"].as_i64().unwrap();
    wait_for(&app, id, state_is("live")).await;
    check_now(&app, id).await;
    // The misses are retried on their own, after 50 ms, 100 ms (the test's --link-retry).
    let item = wait_for(&app, id, state_is("gone")).await;
    assert_eq!(site.hits("/vanishing"), 4, "one fetch, then three misses in a row");
    assert!(item["fetch"]["reason"].as_str().unwrap().contains("404"));

    let listed: Value = app.get("/v1/evidence?state=gone|changed").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    let snapshot: Value = app.get(&format!("/v1/evidence/{id}/snapshot")).await.json().await.unwrap();
    assert!(snapshot["text"].as_str().unwrap().contains("$5.6"), "what the page said when it was cited");
}

#[tokio::test]
async fn redirects_are_followed_up_to_five_and_every_hop_is_checked() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let chain = attach(&app, claim_id, &site.url("/redirect/5"), None).await["id"].as_i64().unwrap();
    let too_long = attach(&app, claim_id, &site.url("/redirect/6"), None).await["id"].as_i64().unwrap();
    let to_file = attach(&app, claim_id, &site.url("/to-file"), None).await["id"].as_i64().unwrap();
    let to_port = attach(&app, claim_id, &site.url("/to-closed-port"), None).await["id"].as_i64().unwrap();

    let item = wait_for(&app, chain, state_is("live")).await;
    assert_eq!(item["fetch"]["cited"]["final_url"], site.url("/quote"));
    assert_eq!(item["fetch"]["cited"]["redirects"].as_array().unwrap().len(), 5);
    let item = wait_for(&app, too_long, state_is("failed")).await;
    assert!(item["fetch"]["reason"].as_str().unwrap().contains("more than 5 redirects"), "{item}");
    let item = wait_for(&app, to_file, state_is("blocked")).await;
    assert!(item["fetch"]["reason"].as_str().unwrap().contains("only http and https"), "{item}");
    let item = wait_for(&app, to_port, state_is("blocked")).await;
    assert!(item["fetch"]["reason"].as_str().unwrap().contains("port 1 is not allowed"), "{item}");
}

#[tokio::test]
async fn slow_endless_lying_and_wrongly_typed_bodies_are_bounded() {
    let site = Fixture::start().await;
    let app = fetching_app(vec![site.port()]).await;
    let claim_id = claim(&app).await;
    let mut ids = Vec::new();
    for path in ["/drip", "/endless", "/huge-length", "/short-length", "/image"] {
        ids.push(attach(&app, claim_id, &site.url(path), None).await["id"].as_i64().unwrap());
    }
    let cap = 64 * 1024; // the test configuration's --fetch-max-bytes

    let drip = wait_for(&app, ids[0], state_is("failed")).await;
    assert!(drip["fetch"]["reason"].as_str().unwrap().contains("no complete answer within"), "{drip}");
    for id in [ids[1], ids[2]] {
        let item = wait_for(&app, id, state_is("live")).await;
        assert_eq!(item["fetch"]["cited"]["size"], cap);
        assert_eq!(item["fetch"]["cited"]["truncated"], true);
    }
    let short = wait_for(&app, ids[3], state_is("live")).await;
    assert_eq!(
        (short["fetch"]["cited"]["size"].as_u64(), short["fetch"]["cited"]["truncated"].as_bool()),
        (Some(100), Some(false))
    );

    let image = wait_for(&app, ids[4], state_is("live")).await;
    assert_eq!(image["fetch"]["cited"]["archived"], false, "images are not archived");
    let original = app.get(&format!("/v1/evidence/{}/snapshot/original", ids[4])).await;
    assert_eq!(original.status(), StatusCode::NOT_FOUND);
    assert!(original.text().await.unwrap().contains("not archived (image/png)"));
}

#[tokio::test]
async fn every_loopback_form_is_refused_and_the_canary_hears_nothing() {
    let canary = Canary::start("127.0.0.1:0").await.unwrap();
    let canary6 = Canary::start("[::1]:0").await;
    let p = canary.port;
    let mut ports = vec![p];
    let mut urls: Vec<String> = [
        "http://127.0.0.1:{p}/a",
        "http://localhost:{p}/b",
        "http://LOCALHOST.:{p}/c",
        "http://app.localhost:{p}/d",
        "http://2130706433:{p}/e",
        "http://0x7f000001:{p}/f",
        "http://0x7f.0.0.1:{p}/g",
        "http://0177.0.0.1:{p}/h",
        "http://017700000001:{p}/i",
        "http://127.1:{p}/j",
        "http://127.0.1:{p}/k",
        "http://0.0.0.0:{p}/l",
        "http://0:{p}/m",
        "http://[::ffff:127.0.0.1]:{p}/n",
        "http://[::ffff:7f00:1]:{p}/o",
        "http://[0:0:0:0:0:ffff:127.0.0.1]:{p}/p",
        "http://[::127.0.0.1]:{p}/q",
        "http://[64:ff9b::7f00:1]:{p}/r",
        "http://[::]:{p}/s",
        "https://127.0.0.1:{p}/t",
    ]
    .iter()
    .map(|u| u.replace("{p}", &p.to_string()))
    .collect();
    if let Some(c6) = &canary6 {
        ports.push(c6.port);
        urls.push(format!("http://[::1]:{}/u", c6.port));
        urls.push(format!("http://[0:0:0:0:0:0:0:1]:{}/v", c6.port));
    }
    let app = spawn_app_with(|c| {
        c.fetch.fetch_concurrency = 4;
        c.fetch.fetch_ports = ports;
    })
    .await;
    let claim_id = claim(&app).await;
    let mut ids = Vec::new();
    for url in &urls {
        ids.push(attach(&app, claim_id, url, None).await["id"].as_i64().unwrap());
    }
    for (id, url) in ids.iter().zip(&urls) {
        let item = wait_for(&app, *id, |i| i["fetch"]["state"] != "pending").await;
        assert_eq!(item["fetch"]["state"], "blocked", "{url}: {item}");
        assert!(item["fetch"]["reason"].as_str().unwrap().starts_with("refused by the address guard"), "{url}");
    }
    let listed: Value = app.get("/v1/evidence?state=blocked&limit=100").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), urls.len());
    assert_eq!(canary.connections(), 0, "the canary on 127.0.0.1 was reached");
    assert_eq!(canary6.map_or(0, |c| c.connections()), 0, "the canary on ::1 was reached");
}

#[tokio::test]
async fn fetches_pending_at_a_restart_all_complete() {
    let site = Fixture::start().await;
    let port = site.port();
    let adjust = move |c: &mut claimcheck::config::Config| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = vec![port];
    };
    let app = spawn_app_with(adjust).await;
    let claim_id = claim(&app).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(attach(&app, claim_id, &site.url(&format!("/delay/{n}")), None).await["id"].as_i64().unwrap());
    }
    // Two at a time, 400 ms each: most are still pending (some in flight) when the server stops.
    let app = app.restart_with(adjust).await;
    let mut pending_at_restart = 0;
    for id in &ids {
        let item: Value = app.get(&format!("/v1/evidence/{id}")).await.json().await.unwrap();
        pending_at_restart += usize::from(item["fetch"]["state"] == "pending");
    }
    assert!(pending_at_restart >= 8, "only {pending_at_restart} were pending");
    for id in ids {
        wait_for(&app, id, state_is("live")).await;
    }
}

#[tokio::test]
async fn the_attention_list_and_snapshots_answer_bad_input_with_problems() {
    let app = spawn_app_with(|_| {}).await;
    let claim_id = claim(&app).await;
    let id = attach(&app, claim_id, "https://news.example.org/a", None).await["id"].as_i64().unwrap();
    for (path, field) in [
        ("/v1/evidence?state=vanished", "state"),
        ("/v1/evidence?limit=0", "limit"),
        ("/v1/evidence?cursor=x", "cursor"),
        (&*format!("/v1/evidence/{id}/snapshot?which=first"), "which"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{path}");
    }
    let response = app.get(&format!("/v1/evidence/{id}/snapshot")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("no snapshot yet: its link is pending"));
    assert_eq!(app.get("/v1/evidence/999/snapshot").await.status(), StatusCode::NOT_FOUND);
    let retracted = app.client.delete(app.url(&format!("/v1/evidence/{id}"))).send().await.unwrap();
    assert_eq!(retracted.status(), StatusCode::OK);
    let response = app.client.post(app.url(&format!("/v1/evidence/{id}/check"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
}
