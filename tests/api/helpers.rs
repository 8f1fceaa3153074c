//! `spawn_app()`: a real server on a free port with a fresh SQLite file in a temp dir, and typed helpers.

use std::path::PathBuf;
use std::sync::Once;

use claimcheck::Application;
use claimcheck::config::{Config, DatabaseArgs, LogArgs, LogFormat};
use claimcheck::store::Synchronous;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

static TRACING: Once = Once::new();

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
    pub seed: bool,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A server on an empty database (no seed claims).
pub async fn spawn_app() -> TestApp {
    start(tempfile::tempdir().unwrap(), false).await
}

/// A server that imports the seed claims, as `cargo run` does.
pub async fn spawn_seeded_app() -> TestApp {
    start(tempfile::tempdir().unwrap(), true).await
}

pub fn config(db: PathBuf, seed: bool) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        database: DatabaseArgs {
            db,
            synchronous: Synchronous::Full,
            readers: 4,
            write_queue: 1024,
            write_wait_ms: 2000,
        },
        no_seed: !seed,
        workers: Some(2),
        cache_claims: 1024,
        shutdown_timeout: 5,
    }
}

async fn start(dir: TempDir, seed: bool) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            claimcheck::telemetry::init(&LogArgs { log_format: LogFormat::Human, log: "debug".into() });
        }
    });
    let app = Application::build(config(dir.path().join("claimcheck.db"), seed)).await.expect("server builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp { address, client: reqwest::Client::new(), dir, seed, shutdown: Some(tx), server: Some(server) }
}

impl TestApp {
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("claimcheck.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the server gracefully and waits until every queued write is committed.
    pub async fn stop(mut self) -> TempDir {
        let _ = self.shutdown.take().unwrap().send(());
        self.server.take().unwrap().await.unwrap().expect("server stops cleanly");
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }

    /// Stops the server and starts a new one on the same database file.
    pub async fn restart(self) -> TestApp {
        let seed = self.seed;
        let dir = self.stop().await;
        start(dir, seed).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        self.client.post(self.url(path)).header("content-type", content_type).body(body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.patch(self.url(path)).json(body);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.unwrap()
    }

    pub async fn post_claim(&self, body: &Value) -> Response {
        self.post("/v1/claims", body).await
    }

    /// Creates a claim and returns it.
    pub async fn create_claim(&self, text: &str) -> Value {
        let response = self.post_claim(&json!({ "text": text })).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {text:?}");
        response.json().await.unwrap()
    }

    pub async fn claim(&self, id: i64) -> Value {
        let response = self.get(&format!("/v1/claims/{id}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn attach(&self, claim_id: i64, body: &Value) -> Response {
        self.post(&format!("/v1/claims/{claim_id}/evidence"), body).await
    }

    /// Attaches evidence and returns it.
    pub async fn attach_ok(&self, claim_id: i64, url: &str, stance: &str) -> Value {
        let response = self.attach(claim_id, &json!({ "url": url, "stance": stance, "reliability": 0.8 })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn transition(&self, claim_id: i64, body: &Value) -> Response {
        self.post(&format!("/v1/claims/{claim_id}/transitions"), body).await
    }

    pub async fn history(&self, claim_id: i64) -> Vec<Value> {
        let body: Value = self.get(&format!("/v1/claims/{claim_id}/history")).await.json().await.unwrap();
        body["items"].as_array().unwrap().clone()
    }

    /// Claims in the database, counted directly in SQLite.
    pub fn count(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db_path()).unwrap();
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }
}

/// Asserts a problem+json response with this status, and returns its body.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    for member in ["type", "title", "detail"] {
        assert!(body[member].is_string(), "problem has {member}: {body}");
    }
    body
}

/// The fields named in a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}
