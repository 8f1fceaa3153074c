//! Signed webhooks against a receiver on 127.0.0.1 that turns the first attempts away: every event
//! arrives, once, signed, in commit order per claim.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::fixtures::Fixture;
use crate::helpers::{TestApp, spawn_app_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
    answered: u16,
}

/// Answers 500 to the first `failures` attempts of each message (the first message gets a 429 with
/// `Retry-After: 1` instead of its first 500), then 200; `/gone` always answers 410.
struct Receiver {
    port: u16,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = shared.clone();
                tokio::spawn(async move {
                    let Some((path, headers, body)) = read_request(&mut stream).await else { return };
                    let id = headers.get("webhook-id").cloned().unwrap_or_default();
                    let (status, extra) = {
                        let mut log = log.lock().unwrap();
                        let seen = log.iter().filter(|r| r.headers.get("webhook-id") == Some(&id)).count();
                        let first_message = log.first().is_none_or(|r| r.headers.get("webhook-id") == Some(&id));
                        let answer = match (path.as_str(), seen) {
                            ("/gone", _) => (410, ""),
                            (_, 0) if first_message => (429, "retry-after: 1\r\n"),
                            (_, n) if n < failures => (500, ""),
                            _ => (200, ""),
                        };
                        log.push(Received { headers, body, answered: answer.0 });
                        answer
                    };
                    let response =
                        format!("HTTP/1.1 {status} X\r\n{extra}content-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = stream.write_all(response.as_bytes()).await;
                });
            }
        });
        Receiver { port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The messages answered 200, in the order they were.
    fn accepted(&self) -> Vec<Received> {
        self.log.lock().unwrap().iter().filter(|r| r.answered == 200).cloned().collect()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(String, HashMap<String, String>, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.lines();
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some((path, headers, String::from_utf8_lossy(&data[head_end..head_end + length]).to_string()))
}

async fn subscribe(app: &TestApp, url: &str) -> Value {
    let response = app.post("/v1/admin/webhooks", &json!({"url": url, "events": ["claim.created", "claim.transitioned", "evidence.added", "evidence.checked"]})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_event_arrives_once_signed_and_in_commit_order_per_claim() {
    let receiver = Receiver::start(3).await;
    let site = Fixture::start().await;
    let ports = vec![receiver.port, site.port()];
    let app = spawn_app_with(|c| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = ports;
        c.webhooks.webhook_concurrency = 4;
    })
    .await;
    let hook = subscribe(&app, &receiver.url("/hook")).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));

    let mut claims = Vec::new();
    for n in 0..3 {
        let id = app.create_claim(&format!("Webhook claim {n}: DeepSeek spent $5.{n} million")).await["id"]
            .as_i64()
            .unwrap();
        app.attach(id, &json!({"url": site.url("/quote"), "stance": "supports"})).await;
        assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), StatusCode::OK);
        // A refused change commits nothing, so it sends nothing.
        assert_eq!(app.transition(id, &json!({"to": "published"})).await.status(), StatusCode::CONFLICT);
        claims.push(id);
    }
    let expected = claims.len() * 4;
    for _ in 0..300 {
        if receiver.accepted().len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), expected, "every event, and none twice: {accepted:#?}");

    let mut ids: Vec<&str> = accepted.iter().map(|r| r.headers["webhook-id"].as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "each message id is acknowledged once");
    for r in &accepted {
        let (id, ts) = (&r.headers["webhook-id"], r.headers["webhook-timestamp"].parse::<i64>().unwrap());
        let expected = claimcheck::domain::webhook::sign(&secret, id, ts, &r.body).unwrap();
        assert_eq!(r.headers["webhook-signature"], expected, "signature of {id}");
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        assert_eq!(r.headers["content-type"], "application/json");
    }
    for claim in &claims {
        let events: Vec<Value> = accepted
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
            .filter(|e| e["data"]["claim_id"] == *claim)
            .collect();
        let order: Vec<i64> = events.iter().map(|e| e["data"]["history_id"].as_i64().unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "claim {claim} out of order: {order:?}");
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types[0], "claim.created");
        assert!(types.contains(&"evidence.checked") && types.contains(&"claim.transitioned"), "{types:?}");
    }
    let log = receiver.log.lock().unwrap().clone();
    let retried = log.iter().filter(|r| r.headers["webhook-id"] == log[0].headers["webhook-id"]).count();
    let first = &log[0];
    assert_eq!((first.answered, retried), (429, 4), "429 with Retry-After, two 500s, then 200");

    let log: Value =
        app.get(&format!("/v1/admin/webhooks/{}/deliveries?limit=200", hook["id"])).await.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), expected);
    for d in items {
        assert_eq!(d["state"], "delivered");
        let statuses: Vec<i64> = d["log"].as_array().unwrap().iter().map(|a| a["status"].as_i64().unwrap()).collect();
        assert_eq!(statuses.last(), Some(&200));
        assert_eq!(statuses.len(), d["attempts"].as_u64().unwrap() as usize);
    }
}

#[tokio::test]
async fn a_receiver_that_answers_410_is_switched_off() {
    let receiver = Receiver::start(0).await;
    let port = receiver.port;
    let app = spawn_app_with(|c| {
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = vec![port];
        c.webhooks.webhook_concurrency = 4;
    })
    .await;
    let hook = subscribe(&app, &receiver.url("/gone")).await;
    app.create_claim("A claim nobody wants to hear about").await;
    let path = format!("/v1/admin/webhooks/{}", hook["id"]);
    for _ in 0..100 {
        let row: Value = app.get(&path).await.json().await.unwrap();
        if row["active"] == false {
            assert!(row["disabled_reason"].as_str().unwrap().contains("410"));
            app.create_claim("Another claim nobody wants to hear about").await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let log: Value = app.get(&format!("{path}/deliveries")).await.json().await.unwrap();
            let states: Vec<&str> =
                log["items"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
            assert_eq!(states, ["cancelled"], "no event is queued for a switched-off subscription");
            assert_eq!(receiver.log.lock().unwrap().len(), 1, "nothing more is sent after the 410");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the subscription stayed active");
}

#[tokio::test]
async fn subscriptions_are_checked_and_managed_by_admins() {
    let app = spawn_app_with(|_| {}).await;
    for (body, field, rule) in [
        (json!({"url": "ftp://x.example.org/", "events": ["claim.created"]}), "url", "url"),
        (json!({"url": "http://127.0.0.1/hook", "events": ["claim.created"]}), "url", "address-guard"),
        (json!({"url": "https://hooks.example.org/", "events": []}), "events", "not-empty"),
        (json!({"url": "https://hooks.example.org/", "events": ["claim.deleted"]}), "events[0]", "one-of"),
        (
            json!({"url": "https://hooks.example.org/", "events": ["claim.created"], "secret": "hunter2"}),
            "secret",
            "whsec",
        ),
    ] {
        let response = app.post("/v1/admin/webhooks", &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
            (Some(field), Some(rule)),
            "{problem}"
        );
    }
    let hook = subscribe(&app, "https://hooks.example.org/claimcheck").await;
    let listed: Value = app.get("/v1/admin/webhooks").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["url"], "https://hooks.example.org/claimcheck");
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once");
    let deleted = app.client.delete(app.url(&format!("/v1/admin/webhooks/{}", hook["id"]))).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let deleted: Value = deleted.json().await.unwrap();
    assert_eq!(deleted["active"], false);
    assert_eq!(app.get("/v1/admin/webhooks/999").await.status(), StatusCode::NOT_FOUND);
}
