//! Who may do what: the authorization matrix, keys, public reads, rate limits, the audit chain, and
//! the reviewers' queue.

use claimcheck::domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, client_with_key, create_key_expiring, problem, spawn_app, spawn_app_with};

/// Every endpoint, with a request that is valid for it, and the least role it needs (`None`: anyone).
struct Endpoint {
    method: Method,
    path: String,
    body: Option<Value>,
    least: Option<Role>,
}

fn endpoint(method: Method, path: String, body: Option<Value>, least: Option<Role>) -> Endpoint {
    Endpoint { method, path, body, least }
}

async fn endpoints(app: &TestApp, n: usize) -> Vec<Endpoint> {
    let claim = app.create_claim(&format!("Matrix claim {n}: Advantest fell")).await["id"].as_i64().unwrap();
    let item = app.attach_ok(claim, &format!("https://matrix.example/{n}/a"), "supports").await["id"].as_i64().unwrap();
    let other = app.attach_ok(claim, &format!("https://matrix.example/{n}/b"), "refutes").await["id"].as_i64().unwrap();
    let key: Value = app
        .post("/v1/admin/keys", &json!({"name": format!("spare {n}"), "role": "submitter"}))
        .await
        .json()
        .await
        .unwrap();
    let hook: Value = app
        .post(
            "/v1/admin/webhooks",
            &json!({"url": format!("https://hooks.example.org/{n}"), "events": ["claim.created"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    use Method as M;
    let (s, r, a) = (Some(Role::Submitter), Some(Role::Reviewer), Some(Role::Admin));
    vec![
        endpoint(M::GET, "/healthz".into(), None, None),
        endpoint(M::GET, "/readyz".into(), None, None),
        endpoint(M::GET, "/metrics".into(), None, None),
        endpoint(M::GET, "/v1/verdicts".into(), None, None),
        endpoint(M::GET, "/v1/workflow".into(), None, None),
        endpoint(M::GET, "/v1/claims".into(), None, s),
        endpoint(M::POST, "/v1/claims".into(), Some(json!({"text": format!("Matrix new claim {n} {}", uuid())})), s),
        endpoint(M::GET, format!("/v1/claims/{claim}"), None, s),
        endpoint(M::PATCH, format!("/v1/claims/{claim}"), Some(json!({"tags": ["matrix"]})), r),
        endpoint(M::GET, format!("/v1/claims/{claim}/evidence"), None, s),
        endpoint(
            M::POST,
            format!("/v1/claims/{claim}/evidence"),
            Some(json!({"url": format!("https://m.example/{}", uuid()), "stance": "context"})),
            s,
        ),
        endpoint(M::GET, format!("/v1/claims/{claim}/history"), None, s),
        endpoint(M::GET, format!("/v1/claims/{claim}/claimreview"), None, s),
        endpoint(M::GET, format!("/v1/claims/{claim}/similar"), None, s),
        endpoint(M::GET, "/v1/claimreview".into(), None, s),
        endpoint(M::POST, "/v1/import".into(), Some(json!({"@type": "DataFeed", "dataFeedElement": []})), r),
        endpoint(M::POST, format!("/v1/claims/{claim}/transitions"), Some(json!({"to": "in_review"})), r),
        endpoint(M::POST, format!("/v1/claims/{claim}/assign"), Some(json!({"assignee": "rita"})), r),
        endpoint(M::GET, format!("/v1/evidence/{item}"), None, s),
        endpoint(M::PATCH, format!("/v1/evidence/{item}"), Some(json!({"note": "checked"})), r),
        endpoint(M::DELETE, format!("/v1/evidence/{other}"), None, r),
        endpoint(M::GET, "/v1/evidence?state=gone".into(), None, r),
        endpoint(M::GET, format!("/v1/evidence/{item}/snapshot"), None, s),
        endpoint(M::GET, format!("/v1/evidence/{item}/snapshot/original"), None, s),
        endpoint(M::POST, format!("/v1/evidence/{item}/check"), None, r),
        endpoint(M::GET, "/v1/admin/queue".into(), None, r),
        endpoint(M::GET, "/v1/admin/stats".into(), None, r),
        endpoint(M::GET, "/v1/admin/keys".into(), None, a),
        endpoint(M::POST, "/v1/admin/keys".into(), Some(json!({"name": "made in the matrix", "role": "reviewer"})), a),
        endpoint(M::DELETE, format!("/v1/admin/keys/{}", key["id"]), None, a),
        endpoint(M::GET, "/v1/admin/webhooks".into(), None, a),
        endpoint(
            M::POST,
            "/v1/admin/webhooks".into(),
            Some(json!({"url": "https://hooks.example.org/matrix", "events": ["claim.created"]})),
            a,
        ),
        endpoint(M::GET, format!("/v1/admin/webhooks/{}", hook["id"]), None, a),
        endpoint(M::GET, format!("/v1/admin/webhooks/{}/deliveries", hook["id"]), None, a),
        endpoint(M::DELETE, format!("/v1/admin/webhooks/{}", hook["id"]), None, a),
        endpoint(M::GET, "/v1/admin/audit".into(), None, a),
        endpoint(M::GET, "/v1/admin/audit/verify".into(), None, a),
    ]
}

fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

async fn call(client: &reqwest::Client, app: &TestApp, e: &Endpoint) -> reqwest::Response {
    let mut request = client.request(e.method.clone(), app.url(&e.path));
    if e.method == Method::PATCH && e.path.starts_with("/v1/claims") {
        request = request.header("if-match", "*");
    }
    if let Some(body) = &e.body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_endpoint_by_every_kind_of_caller() {
    let app = spawn_app().await;
    let db = app.db_path();
    let mut callers: Vec<(&str, reqwest::Client, Option<Role>, bool)> =
        vec![("no key", reqwest::Client::new(), None, false)];
    for role in Role::ALL {
        let key = crate::helpers::create_key(&db, role.as_str(), role).await;
        callers.push((role.as_str(), client_with_key(&key), Some(role), true));
    }
    let expired = create_key_expiring(&db, "expired", Role::Admin, Some("2020-01-01T00:00:00.000000Z")).await;
    callers.push(("expired admin", client_with_key(&expired), None, false));
    let created: Value =
        app.post("/v1/admin/keys", &json!({"name": "to revoke", "role": "admin"})).await.json().await.unwrap();
    let revoke = app.client.delete(app.url(&format!("/v1/admin/keys/{}", created["id"]))).send().await.unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    callers.push(("revoked admin", client_with_key(created["key"].as_str().unwrap()), None, false));
    callers.push(("garbage", client_with_key("cck_00000000_nothing"), None, false));

    let mut checked = 0;
    for (n, (who, client, role, valid)) in callers.iter().enumerate() {
        for e in endpoints(&app, n).await {
            let response = call(client, &app, &e).await;
            let status = response.status().as_u16();
            let allowed = match (e.least, role) {
                (None, _) => true,
                (Some(least), Some(role)) => *role >= least,
                (Some(_), None) => false,
            };
            let context = format!("{who} {} {}", e.method, e.path);
            if allowed {
                assert!(status != 401 && status != 403 && status < 500, "{context}: {status}");
            } else if *valid {
                let p = problem(response, 403).await;
                assert_eq!(p["type"], "/problems/forbidden", "{context}");
            } else {
                let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
                let p = problem(response, 401).await;
                assert_eq!(p["type"], "/problems/unauthorized", "{context}");
                assert!(challenge.unwrap().starts_with("Bearer realm=\"claimcheck\""), "{context}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 37 * 7);
}

#[tokio::test]
async fn changes_name_their_actor() {
    let app = spawn_app().await;
    let submitter =
        client_with_key(&crate::helpers::create_key(&app.db_path(), "Sam Submitter", Role::Submitter).await);
    let claim: Value = submitter
        .post(app.url("/v1/claims"))
        .json(&json!({"text": "Hang Seng Tech climbed 2%."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = claim["id"].as_i64().unwrap();
    app.transition(id, &json!({"to": "in_review"})).await;
    let history = app.history(id).await;
    assert_eq!(
        (history[0]["actor"].as_str(), history[0]["actor_role"].as_str()),
        (Some("Sam Submitter"), Some("submitter"))
    );
    assert_eq!((history[1]["actor"].as_str(), history[1]["actor_role"].as_str()), (Some("test-admin"), Some("admin")));
}

#[tokio::test]
async fn keys_are_shown_once_stored_hashed_and_revocable() {
    let app = spawn_app().await;
    let created = app.post("/v1/admin/keys", &json!({"name": "Rita Reviewer", "role": "reviewer"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    let listed: Value = app.get("/v1/admin/keys").await.json().await.unwrap();
    assert!(!listed.to_string().contains(&key), "the list never shows a secret");
    let stored: String = rusqlite::Connection::open(app.db_path())
        .unwrap()
        .query_row("SELECT group_concat(hash || prefix) FROM api_keys", [], |r| r.get(0))
        .unwrap();
    assert!(!stored.contains(&key[13..]), "the database never holds a secret");

    let rita = client_with_key(&key);
    assert_eq!(rita.get(app.url("/v1/admin/queue")).send().await.unwrap().status(), 200);
    app.client.delete(app.url(&format!("/v1/admin/keys/{}", created["id"]))).send().await.unwrap();
    problem(rita.get(app.url("/v1/admin/queue")).send().await.unwrap(), 401).await;

    let p = problem(app.post("/v1/admin/keys", &json!({"name": "x", "role": "owner"})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "role");
    let p = problem(
        app.post("/v1/admin/keys", &json!({"name": "x", "role": "admin", "expires_at": "2001-01-01T00:00:00Z"})).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "expires_at");
}

#[tokio::test]
async fn public_read_opens_published_claims_only() {
    let app = spawn_app_with(|c| c.public_read = true).await;
    let draft = app.create_claim("Nikkei 225 futures dropped 0.6%.").await["id"].as_i64().unwrap();
    let published = app.create_claim("SoftBank Group Corp. fell by 5.4%.").await["id"].as_i64().unwrap();
    app.attach_ok(published, "https://markets.example/softbank", "supports").await;
    for to in [
        json!({"to": "in_review"}),
        json!({"to": "verified", "verdict": "true", "rationale": "What the record shows."}),
        json!({"to": "published"}),
    ] {
        assert_eq!(app.transition(published, &to).await.status(), 200);
    }
    let anonymous = reqwest::Client::new();
    let get = |path: String| anonymous.get(app.url(&path)).send();
    assert_eq!(get(format!("/v1/claims/{published}")).await.unwrap().status(), 200);
    assert_eq!(get(format!("/v1/claims/{published}/history")).await.unwrap().status(), 200);
    problem(get(format!("/v1/claims/{draft}")).await.unwrap(), 404).await;
    problem(get(format!("/v1/claims/{draft}/evidence")).await.unwrap(), 404).await;
    let listed: Value = get("/v1/claims".into()).await.unwrap().json().await.unwrap();
    let ids: Vec<i64> = listed["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [published]);
    let none: Value = get("/v1/claims?status=submitted".into()).await.unwrap().json().await.unwrap();
    assert_eq!(none["items"], json!([]));
    let write = anonymous.post(app.url("/v1/claims")).json(&json!({"text": "Anonymous write"})).send().await.unwrap();
    problem(write, 401).await;
}

#[tokio::test]
async fn repeated_failed_authentication_is_slowed_down() {
    let app = spawn_app_with(|c| c.auth_failures_per_minute = 3).await;
    let intruder = client_with_key("cck_deadbeef_0123456789abcdef0123456789abcdef");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = intruder.get(app.url("/v1/claims")).send().await.unwrap();
        if response.status() == 429 {
            assert!(response.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..3], [401, 401, 401]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    // The address waits, whatever key it brings now: a guessed key that works does not get through.
    assert_eq!(app.get("/v1/claims").await.status(), 429);
}

#[tokio::test]
async fn malformed_authorization_counts_as_a_failed_authentication() {
    let app = spawn_app_with(|c| c.auth_failures_per_minute = 3).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response =
            client.get(app.url("/v1/claims")).header("Authorization", "Basic dXNlcjpwYXNz").send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..3], [401, 401, 401]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(app.get("/v1/claims").await.status(), 429);
}

#[tokio::test]
async fn each_key_has_a_request_rate() {
    let app = spawn_app_with(|c| c.rate_limit = 2).await;
    let mut limited = 0;
    for _ in 0..20 {
        let response = app.get("/v1/claims").await;
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
            problem(response, 429).await;
            limited += 1;
        }
    }
    assert!(limited >= 10, "only {limited} of 20 were limited");
}

#[tokio::test]
async fn the_audit_chain_verifies_and_pinpoints_tampering() {
    let app = spawn_app().await;
    for n in 0..4 {
        let id = app.create_claim(&format!("Audited claim {n}")).await["id"].as_i64().unwrap();
        app.transition(id, &json!({"to": "in_review", "note": "audit"})).await;
    }
    let verified: Value = app.get("/v1/admin/audit/verify").await.json().await.unwrap();
    // The test key (row 1), then two rows per claim.
    assert_eq!((verified["ok"].as_bool(), verified["rows"].as_i64()), (Some(true), Some(9)));
    let page: Value = app.get("/v1/admin/audit?action=claim.transitioned&limit=2").await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["actor"], "test-admin");
    let next: Value = app
        .get(&format!(
            "/v1/admin/audit?action=claim.transitioned&limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"].as_array().unwrap().len(), 2);
    assert!(next["next_cursor"].is_null());
    let by_claim: Value = app.get("/v1/admin/audit?claim_id=1").await.json().await.unwrap();
    assert_eq!(by_claim["items"].as_array().unwrap().len(), 2);

    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3", []).unwrap();
    let tampered: Value = app.get("/v1/admin/audit/verify").await.json().await.unwrap();
    assert_eq!((tampered["ok"].as_bool(), tampered["first_broken"].as_i64()), (Some(false), Some(3)));

    conn.execute("UPDATE audit_log SET actor = 'test-admin' WHERE id = 3", []).unwrap();
    assert_eq!(app.get("/v1/admin/audit/verify").await.json::<Value>().await.unwrap()["ok"], true);
    conn.execute("DELETE FROM audit_log WHERE id = 5", []).unwrap();
    let deleted: Value = app.get("/v1/admin/audit/verify").await.json().await.unwrap();
    assert_eq!((deleted["ok"].as_bool(), deleted["first_broken"].as_i64()), (Some(false), Some(6)));
}

#[tokio::test]
async fn the_queue_assignments_and_stats() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(app.create_claim(&format!("Queued claim {n}")).await["id"].as_i64().unwrap());
    }
    app.post(&format!("/v1/claims/{}/assign", ids[1]), &json!({"assignee": "rita", "note": "yours"})).await;
    app.transition(ids[2], &json!({"to": "rejected"})).await;
    app.attach_ok(ids[3], "https://q.example/3", "supports").await;
    app.transition(ids[3], &json!({"to": "in_review"})).await;
    app.transition(ids[3], &json!({"to": "verified", "verdict": "false", "rationale": "What the record shows."})).await;

    let queue: Value = app.get("/v1/admin/queue").await.json().await.unwrap();
    let queued: Vec<i64> = queue["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(queued, [ids[0], ids[1]], "waiting claims, oldest first");
    assert!(queue["items"][0]["age_hours"].is_number());
    let mine: Value = app.get("/v1/admin/queue?assignee=rita").await.json().await.unwrap();
    assert_eq!(mine["items"][0]["assignee"], "rita");
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let nobody: Value = app.get("/v1/admin/queue?assignee=none").await.json().await.unwrap();
    assert_eq!(nobody["items"].as_array().unwrap().len(), 1);
    let history = app.history(ids[1]).await;
    assert_eq!((history[1]["action"].as_str(), history[1]["note"].as_str()), (Some("claim.assigned"), Some("yours")));

    let stats: Value = app.get("/v1/admin/stats?days=7").await.json().await.unwrap();
    assert_eq!(stats["claims"], 4);
    let per_day = stats["per_day"].as_array().unwrap();
    assert_eq!(per_day.len(), 7);
    assert_eq!((per_day[6]["created"].as_i64(), per_day[6]["verified"].as_i64()), (Some(4), Some(1)));
    assert!(stats["median_hours_to_verified"].is_number());
    let statuses: Vec<(String, i64)> = stats["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap().to_owned(), c["count"].as_i64().unwrap()))
        .collect();
    assert!(statuses.contains(&("rejected".into(), 1)) && statuses.contains(&("submitted".into(), 2)));
    problem(app.get("/v1/admin/queue?status=published").await, 400).await;
}
