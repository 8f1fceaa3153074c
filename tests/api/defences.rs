//! What a hostile client, a shared proxy or a curious reader can no longer do: reuse another caller's
//! idempotency key, keep trying keys from behind a proxy, read the desk's pages and notes without the
//! right, or make the admin page say what they want.

use std::net::{IpAddr, Ipv4Addr};

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::{csrf_of, post_login, sign_in};
use crate::helpers::{client_with_key, create_key, problem, spawn_app, spawn_app_with, spawn_seeded_app};

#[tokio::test]
async fn idempotency_keys_belong_to_the_caller_that_sent_them() {
    let app = spawn_app().await;
    let other = client_with_key(&create_key(&app.db_path(), "other desk", Role::Submitter).await);
    let post = |client: &reqwest::Client, text: &str| {
        client.post(app.url("/v1/claims")).header("idempotency-key", "k-1").json(&json!({ "text": text })).send()
    };
    let first = post(&app.client, "DeepSeek's R1 matches OpenAI's o1 on reasoning").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();

    // Another caller with the same key and the same body: its own request, not the first answer.
    let same = post(&other, "DeepSeek's R1 matches OpenAI's o1 on reasoning").await.unwrap();
    assert!(!same.headers().contains_key("idempotent-replayed"));
    assert_eq!(same.status(), StatusCode::CONFLICT, "a duplicate of the first claim, not a replay of its answer");
    // ...and with another body: no 422 telling it the key was used.
    let other_body = post(&other, "Nvidia lost $593 billion in one day").await.unwrap();
    assert_eq!(other_body.status(), StatusCode::CREATED);

    let replay = post(&app.client, "DeepSeek's R1 matches OpenAI's o1 on reasoning").await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], first["id"]);
}

/// A client whose connections come from `address` (any of 127.0.0.0/8 reaches the server).
fn from(address: [u8; 4], key: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(key) = key {
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {key}").parse().unwrap());
    }
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(address)))
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_failure_limit() {
    let app = spawn_app_with(|c| {
        c.auth_failures_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.9/32".parse().unwrap()];
    })
    .await;
    let key = create_key(&app.db_path(), "desk", Role::Submitter).await;
    let bad = "cck_deadbeef_0123456789abcdef0123456789abcdef";
    let proxy_bad = from([127, 0, 0, 9], Some(bad));
    let proxy_good = from([127, 0, 0, 9], Some(&key));
    let as_client =
        |client: &reqwest::Client, who: &str| client.get(app.url("/v1/claims")).header("x-forwarded-for", who).send();
    for _ in 0..3 {
        as_client(&proxy_bad, "198.51.100.1").await.unwrap();
    }
    assert_eq!(as_client(&proxy_good, "198.51.100.1").await.unwrap().status(), 429, "the guessing client waits");
    assert_eq!(as_client(&proxy_good, "198.51.100.2").await.unwrap().status(), 200, "its neighbours do not");

    // Not a trusted proxy: its header is not believed, so it cannot pass for fresh clients.
    let liar = from([127, 0, 0, 5], Some(bad));
    for i in 0..3 {
        as_client(&liar, &format!("203.0.113.{i}")).await.unwrap();
    }
    let honest_key_same_address = from([127, 0, 0, 5], Some(&key));
    assert_eq!(as_client(&honest_key_same_address, "203.0.113.200").await.unwrap().status(), 429);
}

#[tokio::test]
async fn a_throttled_sign_in_is_refused_with_429() {
    let app = spawn_app_with(|c| c.auth_failures_per_minute = 2).await;
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for expected in [200, 200, 429] {
        assert_eq!(post_login(&app, &browser, "cck_00000000_nope").await.status(), expected);
    }
    let key = create_key(&app.db_path(), "reviewer", Role::Reviewer).await;
    let throttled = post_login(&app, &browser, &key).await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn submitters_get_no_admin_queue_or_figures() {
    let app = spawn_seeded_app().await;
    let (browser, _) = sign_in(&app, Role::Submitter).await;
    for page in ["/admin", "/admin/stats"] {
        let response = browser.get(app.url(page)).send().await.unwrap();
        assert_eq!(response.status(), 403, "{page}");
        assert!(response.text().await.unwrap().contains("may not"), "{page} says why");
    }
    assert_eq!(browser.get(app.url("/admin/claims/1")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_admin_page_says_only_what_the_desk_did() {
    let app = spawn_seeded_app().await;
    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let page = browser.get(app.url("/admin/claims/1?error=Your+key+expired.+Call+555-0100")).send().await.unwrap();
    assert!(!page.text().await.unwrap().contains("555-0100"), "the URL does not speak for the site");

    let headers = browser.get(app.url("/admin/claims/1")).send().await.unwrap().headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("base-uri 'none'"));
    assert_eq!(app.get("/v1/claims/1").await.headers()["x-content-type-options"], "nosniff");

    let foreign = browser
        .post(app.url("/admin/claims/1/assign"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("assignee", "mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "a form posted from another site");
    assert!(app.claim(1).await["assignee"].is_null());
}

#[tokio::test]
async fn signing_in_and_out_cannot_be_forced_or_faked() {
    let app = spawn_seeded_app().await;
    let key = create_key(&app.db_path(), "reviewer", Role::Reviewer).await;
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let forced = browser.post(app.url("/admin/login")).form(&[("key", key.as_str())]).send().await.unwrap();
    assert_eq!(forced.status(), 200, "a sign-in without the form's token is the form again");
    assert!(
        !forced.headers().contains_key("set-cookie")
            || !forced.headers()["set-cookie"].to_str().unwrap().contains("cc_session")
    );

    let (browser, csrf) = sign_in(&app, Role::Reviewer).await;
    let out = browser.post(app.url("/admin/logout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(out.status(), 403);
    let still = browser.get(app.url("/admin/claims/1")).send().await.unwrap();
    assert_eq!(still.status(), 200, "a forged sign-out changes nothing");
    assert_eq!(csrf_of(&still.text().await.unwrap()), csrf);
}

#[tokio::test]
async fn sessions_end_when_left_idle_and_cookies_are_secure_over_https() {
    let app = spawn_app_with(|c| {
        c.session_idle = std::time::Duration::from_millis(1500);
        c.publisher.public_url = Some("https://checks.example".into());
    })
    .await;
    app.create_claim("DeepSeek spent $5.6 million on training").await;
    let key = create_key(&app.db_path(), "reviewer", Role::Reviewer).await;
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed = post_login(&app, &browser, &key).await;
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    // reqwest keeps Secure cookies for https only; send it by hand.
    let session = cookie.split(';').next().unwrap().to_owned();
    let page = |session: String| browser.get(app.url("/admin/claims/1")).header("cookie", session).send();
    assert_eq!(page(session.clone()).await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(page(session).await.unwrap().status(), 303, "idle too long: back to the sign-in");
}

#[tokio::test]
async fn key_names_cannot_forge_rows_of_a_listing() {
    let app = spawn_app().await;
    let refused = app
        .post("/v1/admin/keys", &json!({"name": "alice\n9\tcck_00000000\tadmin\tmallory\tactive", "role": "submitter"}))
        .await;
    let p = problem(refused, 422).await;
    assert_eq!(p["errors"][0]["rule"], "no-control-characters");
    let first =
        app.post("/v1/admin/keys", &json!({"name": "alice", "role": "submitter"})).await.json::<Value>().await.unwrap();
    let second =
        app.post("/v1/admin/keys", &json!({"name": "alice", "role": "submitter"})).await.json::<Value>().await.unwrap();
    let (a, b) = (first["key"].as_str().unwrap(), second["key"].as_str().unwrap());
    let id = client_with_key(a)
        .post(app.url("/v1/claims"))
        .json(&json!({"text": "R1 is open source"}))
        .send()
        .await
        .unwrap();
    let id = id.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    client_with_key(b)
        .post(app.url(&format!("/v1/claims/{id}/evidence")))
        .json(&json!({"url": "https://github.com/deepseek-ai/DeepSeek-R1", "stance": "supports"}))
        .send()
        .await
        .unwrap();
    let history = app.history(id).await;
    let by: Vec<(Value, Value)> = history.iter().map(|h| (h["actor"].clone(), h["actor_key_id"].clone())).collect();
    assert_eq!(by[0], (json!("alice"), first["id"].clone()));
    assert_eq!(by[1], (json!("alice"), second["id"].clone()), "two keys named alice stay apart");
}

#[tokio::test]
async fn readers_without_a_key_see_the_check_not_the_desk() {
    let app = spawn_app_with(|c| {
        c.public_read = true;
        c.public_rate_limit = 5;
    })
    .await;
    let id = app.create_claim("SoftBank Group Corp. fell by 5.4%.").await["id"].as_i64().unwrap();
    app.post(&format!("/v1/claims/{id}/assign"), &json!({"assignee": "alice", "note": "call the source back"})).await;
    let body = json!({"url": "https://markets.example/softbank", "stance": "supports", "note": "source is a friend of the editor"});
    app.attach(id, &body).await;
    for to in [
        json!({"to": "in_review"}),
        json!({"to": "verified", "verdict": "true", "note": "internal: rushed", "rationale": "What the record shows."}),
        json!({"to": "published"}),
    ] {
        assert_eq!(app.transition(id, &to).await.status(), 200);
    }
    let reader = reqwest::Client::new();
    let claim = reader.get(app.url(&format!("/v1/claims/{id}"))).send().await.unwrap().text().await.unwrap();
    let history = reader.get(app.url(&format!("/v1/claims/{id}/history"))).send().await.unwrap().text().await.unwrap();
    for seen in [&claim, &history] {
        for secret in ["friend of the editor", "alice", "call the source back", "internal: rushed", "test-admin"] {
            assert!(!seen.contains(secret), "a reader sees {secret:?}: {seen}");
        }
    }
    assert!(claim.contains("markets.example") && history.contains("claim.transitioned"), "the check itself is shown");
    let staff = app.get(&format!("/v1/claims/{id}")).await.text().await.unwrap();
    assert!(staff.contains("friend of the editor"), "the desk still sees its notes");

    let mut limited = 0;
    for _ in 0..30 {
        if reader.get(app.url(&format!("/v1/claims/{id}"))).send().await.unwrap().status() == 429 {
            limited += 1;
        }
    }
    assert!(limited > 10, "anonymous reads are limited per address ({limited} of 30)");
}
