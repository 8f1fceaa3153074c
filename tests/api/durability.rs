//! Nothing acknowledged is lost: concurrency, restarts, shutdown, and the seed and import paths.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_seeded_app};

#[tokio::test]
async fn two_hundred_concurrent_posts_make_two_hundred_claims() {
    let app = spawn_app().await;
    let posts = (0..200).map(|i| {
        let client = app.client.clone();
        let url = app.url("/v1/claims");
        tokio::spawn(async move {
            let response =
                client.post(url).json(&json!({ "text": format!("Concurrent claim number {i}") })).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        })
    });
    let ids: HashSet<i64> = futures::future::join_all(posts).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(app.count("claims"), 200);
    assert_eq!(app.count("history"), 200);
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let app = spawn_app().await;
    let id = app.create_claim("DeepSeek's assistant topped the App Store.").await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://apps.example/top", "supports").await;
    app.transition(id, &json!({"to": "in_review"})).await;
    let before = app.claim(id).await;
    let history = app.history(id).await;

    let app = app.restart().await;
    assert_eq!(app.claim(id).await, before);
    assert_eq!(app.history(id).await, history);
}

#[tokio::test]
async fn shutdown_commits_every_acknowledged_write() {
    let app = spawn_app().await;
    let writers: Vec<_> = (0..100)
        .map(|i| {
            let client = app.client.clone();
            let url = app.url("/v1/claims");
            tokio::spawn(async move {
                let response =
                    client.post(url).json(&json!({ "text": format!("In flight at shutdown {i}") })).send().await;
                matches!(response, Ok(r) if r.status() == StatusCode::CREATED).then_some(i)
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let dir = app.stop().await;
    let acknowledged: Vec<i64> =
        futures::future::join_all(writers).await.into_iter().filter_map(|r| r.unwrap()).collect();

    let conn = rusqlite::Connection::open(dir.path().join("claimcheck.db")).unwrap();
    for i in &acknowledged {
        let text = format!("In flight at shutdown {i}");
        let found: i64 = conn.query_row("SELECT count(*) FROM claims WHERE text = ?1", [&text], |r| r.get(0)).unwrap();
        assert_eq!(found, 1, "acknowledged claim {i} lost");
    }
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}

#[tokio::test]
async fn the_database_is_wal_with_migrations_applied() {
    let app = spawn_app().await;
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    assert_eq!(version as usize, files);
}

#[tokio::test]
async fn seed_claims_load_once_on_an_empty_database() {
    let app = spawn_seeded_app().await;
    let seeded = app.count("claims");
    assert!(seeded >= 12, "{seeded} seed claims");
    let body: Value = app.get("/v1/claims?q=5.6%20million").await.json().await.unwrap();
    let cost = &body["items"][0];
    assert!(cost["text"].as_str().unwrap().contains("$5.6 million"));
    assert!(cost["appeared_in"]["quote"].as_str().unwrap().contains("$5.6 million"));
    assert!(cost["tags"].as_array().unwrap().contains(&json!("cost")));

    let app = app.restart().await;
    assert_eq!(app.count("claims"), seeded);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_claimcheck"))
}

#[test]
fn import_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.db");
    let claims_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/claims");
    let run = || {
        let out = binary().args(["import", claims_dir, "--db"]).arg(&db).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    assert!(first.starts_with("created 22, updated 0, merged 0, skipped 0, rejected 0"), "{first}");
    let count = |db: &std::path::Path| -> i64 {
        rusqlite::Connection::open(db).unwrap().query_row("SELECT count(*) FROM history", [], |r| r.get(0)).unwrap()
    };
    let history = count(&db);
    let second = run();
    assert!(second.starts_with("created 0, updated 0, merged 0, skipped 22, rejected 0"), "{second}");
    assert_eq!(count(&db), history);
}

#[test]
fn import_reports_rejected_claims_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.toml");
    std::fs::write(
        &file,
        "[source]\nid = \"t\"\n\n[[claims]]\nkey = \"ok\"\ntext = \"A fine claim.\"\n\n[[claims]]\nkey = \"bad\"\ntext = \"  \"\n",
    )
    .unwrap();
    let out = binary().args(["import"]).arg(&file).arg("--db").arg(dir.path().join("x.db")).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(stdout.starts_with("created 1, updated 0, merged 0, skipped 0, rejected 1"), "{stdout}");
    assert!(stdout.contains("t/bad"), "{stdout}");
}

#[test]
fn sigterm_drains_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let key = crate::helpers::cli_key(&dir.path().join("s.db"), "submitter");
    let mut child = binary()
        .args(["serve", "--listen", "127.0.0.1:0", "--no-seed", "--db"])
        .arg(dir.path().join("s.db"))
        .env("CLAIMCHECK_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let v: Value = serde_json::from_str(&line).ok()?;
            (v["message"] == "claimcheck listening").then(|| v["address"].as_str().unwrap().to_owned())
        })
        .expect("the server logs its address");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        crate::helpers::client_with_key(&key)
            .post(format!("http://{address}/v1/claims"))
            .json(&json!({"text": "Written before SIGTERM."}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::CREATED);
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM claims", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn backup_copies_a_live_database() {
    let app = spawn_app().await;
    app.create_claim("Backed up while serving.").await;
    let dest = app.dir.path().join("backup.db");
    let out = binary().arg("backup").arg(&dest).arg("--db").arg(app.db_path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let conn = rusqlite::Connection::open(&dest).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM claims", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    let again = binary().arg("backup").arg(&dest).arg("--db").arg(app.db_path()).output().unwrap();
    assert!(!again.status.success(), "an existing backup is never overwritten");
}
