//! Attacks on the service itself: inputs and connection patterns meant to exhaust its memory, files
//! or metrics, or to break its pages.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimcheck::domain::access::Role;
use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::admin::sign_in;
use crate::helpers::{TestApp, create_key, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let mut rng = rand::rng();
    for _ in 0..200 {
        let name: String = (0..12).map(|_| rng.random_range(b'A'..=b'Z') as char).collect();
        let method = Method::from_bytes(name.as_bytes()).unwrap();
        let response = app.client.request(method, app.url("/v1/claims")).send().await.unwrap();
        assert!(response.status().is_client_error(), "{name}: {}", response.status());
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    let methods: BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("claimcheck_http_request"))
        .filter_map(|l| l.split("method=\"").nth(1)?.split('"').next())
        .collect();
    assert!(methods.len() <= 8, "{methods:?}");
    assert!(methods.contains("OTHER"), "{methods:?}");
    assert!(text.len() < 64 * 1024, "{} bytes of metrics", text.len());
}

#[tokio::test]
async fn forged_search_cursors_with_out_of_range_numbers_are_refused() {
    let app = spawn_app().await;
    app.create_claim("x marks the spot on the Nikkei chart").await;
    let forged = [
        ("relevance", json!({"sort": "relevance", "offset": 1u64 << 63})),
        ("relevance", json!({"sort": "relevance", "offset": u64::MAX})),
        ("relevance", json!({"sort": "relevance", "after": ["x", 1], "offset": 1u64 << 63})),
        ("-created", json!({"sort": "-created", "offset": 1u64 << 63})),
        ("created", json!({"sort": "created", "offset": u64::MAX})),
    ];
    for (sort, cursor) in forged {
        let raw = URL_SAFE_NO_PAD.encode(cursor.to_string());
        let p = problem(app.get(&format!("/v1/claims?q=x&sort={sort}&cursor={raw}")).await, 400).await;
        assert_eq!(p["errors"][0]["field"], "cursor", "{cursor}");
        assert_eq!(p["errors"][0]["rule"], "cursor", "{cursor}");
    }
    // A cursor the server issued still works.
    for i in 0..3 {
        app.create_claim(&format!("x number {i} of the cursor check")).await;
    }
    let first: Value = app.get("/v1/claims?q=x&limit=2").await.json().await.unwrap();
    let next = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/v1/claims?q=x&limit=2&cursor={next}")).await;
    assert_eq!(second.status(), 200);
}

#[tokio::test]
async fn claim_text_cannot_break_out_of_the_json_ld_on_the_admin_page() {
    let app = spawn_app().await;
    let text = "Markets fell 8% <!--<script> and then </script><p>rose</p> again";
    let id = app.create_claim(text).await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://evidence.example/markets", "supports").await;
    assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), 200);
    assert_eq!(
        app.transition(id, &json!({"to": "verified", "verdict": "mostly_true", "rationale": "What the record shows."}))
            .await
            .status(),
        200
    );

    let (browser, _) = sign_in(&app, Role::Reviewer).await;
    let page = browser.get(app.url(&format!("/admin/claims/{id}"))).send().await.unwrap().text().await.unwrap();
    let start = page.find("<script type=\"application/ld+json\">").expect("the page embeds JSON-LD");
    let script = &page[start..];
    let script = &script[..script.find("</script>").unwrap()];
    assert!(!script.contains("<!--") && !script[1..].contains('<'), "{script}");

    // Parsed as a browser would: the rest of the page is still markup, not script text.
    let document = scraper::Html::parse_document(&page);
    let headings = scraper::Selector::parse("h2").unwrap();
    let headings: Vec<String> = document.select(&headings).map(|h| h.text().collect()).collect();
    assert!(headings.iter().any(|h| h == "History"), "{headings:?}");
    let json_ld = scraper::Selector::parse("script[type=\"application/ld+json\"]").unwrap();
    let embedded: String = document.select(&json_ld).next().unwrap().text().collect();
    let review: Value = serde_json::from_str(&embedded).unwrap();
    assert_eq!(review["claimReviewed"], text);
}

#[tokio::test]
async fn an_import_of_millions_of_values_is_refused_before_it_is_built() {
    let app = spawn_app().await;
    let mut zeros = String::with_capacity(4_000_002);
    zeros.push('[');
    zeros.push_str(&"0,".repeat(1_999_999));
    zeros.push_str("0]");
    let p = problem(app.post_raw("/v1/import", "application/json", zeros).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "body");
    assert_eq!(p["errors"][0]["rule"], "max-values");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("values"), "{p}");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// The request head of a body that never comes.
fn stalled_head(path: &str, content_type: &str, key: Option<&str>) -> String {
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: {content_type}\r\nContent-Length: 16000\r\n\r\n"
    )
}

fn port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// A connection to the server from `source` (any address of 127.0.0.0/8 is this machine).
async fn connect_from(app: &TestApp, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(SocketAddr::from(([127, 0, 0, 1], port(app)))).await.unwrap()
}

/// Everything the server sends until it closes the connection (or resets it, or 20 s pass).
async fn read_to_close(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// A client whose connections come from `source`.
fn client_from(source: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::from(source)).timeout(Duration::from_secs(30)).build().unwrap()
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_once_its_time_is_up() {
    let app = spawn_app_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let key = create_key(&app.db_path(), "stalling", Role::Submitter).await;
    for (head, partial) in [
        (stalled_head("/admin/login", "application/x-www-form-urlencoded", None), ""),
        (stalled_head("/admin/login", "application/x-www-form-urlencoded", None), "key=cck_"),
        (stalled_head("/v1/claims", "application/json", Some(&key)), ""),
        (stalled_head("/v1/claims", "application/json", Some(&key)), "{\"text\": \"Markets"),
        (stalled_head("/v1/import", "application/json", Some(&key)), "["),
    ] {
        let mut stream = connect_from(&app, [127, 0, 0, 1]).await;
        stream.write_all(format!("{head}{partial}").as_bytes()).await.unwrap();
        let answer = read_to_close(stream).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{head}: {answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("\"rule\":\"body-timeout\""), "{answer}");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn stalled_bodies_from_one_address_cannot_take_every_connection() {
    let app = spawn_app_with(|c| {
        c.body_timeout = Duration::from_secs(3);
        c.max_connections_per_address = 20;
    })
    .await;
    let key = create_key(&app.db_path(), "stalling", Role::Submitter).await;
    let mut stalled = Vec::new();
    for i in 0..40 {
        let mut stream = connect_from(&app, [127, 0, 0, 1]).await;
        let head = if i % 2 == 0 {
            stalled_head("/admin/login", "application/x-www-form-urlencoded", None)
        } else {
            stalled_head("/v1/claims", "application/json", Some(&key))
        };
        // A refused connection may already be closed.
        let _ = stream.write_all(head.as_bytes()).await;
        stalled.push(stream);
    }

    // Another address is still served while they stall.
    let other = client_from([127, 0, 0, 2]);
    assert_eq!(other.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let listed = other.get(app.url("/v1/claims")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(listed.status(), 200);

    let answers = futures::future::join_all(stalled.into_iter().map(read_to_close)).await;
    let timed_out = answers.iter().filter(|a| a.starts_with("HTTP/1.1 408")).count();
    let refused = answers.iter().filter(|a| a.is_empty() || a.starts_with("HTTP/1.1 429")).count();
    assert_eq!(timed_out + refused, 40, "{answers:?}");
    assert!(timed_out <= 20 && refused >= 20, "{timed_out} cut off, {refused} refused");
    assert!(answers.iter().any(|a| a.starts_with("HTTP/1.1 429")), "a refusal says why");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_is_refused_at_once() {
    let app = spawn_app_with(|c| {
        c.body_timeout = Duration::from_secs(2);
        c.max_connections = 10;
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut stream = connect_from(&app, [127, 0, 0, 1]).await;
        let head = stalled_head("/admin/login", "application/x-www-form-urlencoded", None);
        // "100 Continue" tells that the server has taken the connection in: several workers take
        // connections in, not always in the order they came.
        let head = head.replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut interim = [0; 25];
        stream.read_exact(&mut interim).await.unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        stalled.push(stream);
    }
    // Refused before it says anything, so the refusal is all it reads.
    let refused = read_to_close(connect_from(&app, [127, 0, 0, 3]).await).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("application/problem+json") && refused.contains("\"rule\":\"max-connections\""));

    for answer in futures::future::join_all(stalled.into_iter().map(read_to_close)).await {
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    let healthz = client_from([127, 0, 0, 3]).get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200);
}
