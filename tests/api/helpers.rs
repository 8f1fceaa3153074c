//! `spawn_app()`: a real server on a free port with a fresh SQLite file in a temp dir, and typed helpers.

use std::path::PathBuf;
use std::sync::Once;

use claimcheck::Application;
use claimcheck::config::{Config, LogArgs, LogFormat};
use claimcheck::domain::access::Role;
use claimcheck::store::{Actor, Store, keys};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

static TRACING: Once = Once::new();

pub struct TestApp {
    pub address: String,
    /// Sends the admin key with every request.
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

/// A server on an empty database, with settings changed by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    start_with(tempfile::tempdir().unwrap(), false, adjust).await
}

/// A server that imports the seed claims, with settings changed by `adjust`.
pub async fn spawn_seeded_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    start_with(tempfile::tempdir().unwrap(), true, adjust).await
}

/// A server that imports the seed claims, as `cargo run` does.
pub async fn spawn_seeded_app() -> TestApp {
    start(tempfile::tempdir().unwrap(), true).await
}

/// The server's own defaults, with what tests need changed: a free port, this database, small pools,
/// generous limits, and no outbound traffic unless a test turns it on (other tests attach evidence
/// and subscribe webhooks at names that must not be looked up).
pub fn config(db: PathBuf, seed: bool) -> Config {
    let mut config = Config::parse_from([
        "claimcheck",
        "--listen=127.0.0.1:0",
        "--write-queue=1024",
        "--workers=2",
        "--cache-claims=1024",
        "--rate-limit=10000",
        "--auth-failures-per-minute=1000",
        "--publisher-name=Test Desk",
        "--publisher-url=https://desk.example",
        "--shutdown-timeout=5",
        // Tests send many requests at once from 127.0.0.1; the limit itself is tested on its own.
        "--max-connections-per-address=10000",
        "--fetch-concurrency=0",
        "--fetch-max-bytes=65536",
        "--fetch-timeout=2s",
        "--fetch-connect-timeout=1s",
        "--link-retry=50ms",
        "--webhook-concurrency=0",
        "--webhook-retry=50ms",
        "--webhook-give-up=60s",
        "--webhook-timeout=2s",
    ]);
    config.database.db = db;
    config.no_seed = !seed;
    config
}

async fn start(dir: TempDir, seed: bool) -> TestApp {
    start_with(dir, seed, |_| {}).await
}

async fn start_with(dir: TempDir, seed: bool, adjust: impl FnOnce(&mut Config)) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            claimcheck::telemetry::init(&LogArgs { log_format: LogFormat::Human, log: "debug".into() });
        }
    });
    let db = dir.path().join("claimcheck.db");
    let admin_key = create_key(&db, "test-admin", Role::Admin).await;
    let mut config = config(db, seed);
    adjust(&mut config);
    let app = Application::build(config).await.expect("server builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp { address, client: client_with_key(&admin_key), dir, seed, shutdown: Some(tx), server: Some(server) }
}

/// A key made straight in the database, as `claimcheck keys create` does.
pub async fn create_key(db: &std::path::Path, name: &str, role: Role) -> String {
    create_key_expiring(db, name, role, None).await
}

/// Like `create_key`, with an expiry (which may be in the past).
pub async fn create_key_expiring(db: &std::path::Path, name: &str, role: Role, expires_at: Option<&str>) -> String {
    let config = config(db.to_owned(), false).database.store_config().unwrap();
    let store = tokio::task::spawn_blocking(move || Store::open(&config)).await.unwrap().unwrap();
    let (name, expires_at) = (name.to_owned(), expires_at.map(str::to_owned));
    let (_, key) = store
        .writer
        .write(move |conn| keys::create(conn, &name, role, expires_at.as_deref(), &Actor::system("test")))
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || store.close()).await.unwrap();
    key
}

/// A client that sends `key` with every request.
pub fn client_with_key(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {key}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).timeout(std::time::Duration::from_secs(30)).build().unwrap()
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
        self.restart_with(|_| {}).await
    }

    /// Like `restart`, with settings changed by `adjust`.
    pub async fn restart_with(self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let seed = self.seed;
        let dir = self.stop().await;
        start_with(dir, seed, adjust).await
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

/// The real `claimcheck` binary serving on a free port, for tests that kill, starve or fill it.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub address: String,
    /// Sends an admin key with every request.
    pub client: reqwest::Client,
}

/// Runs the command line on the database `db`, which must succeed; answers its stdout and stderr.
pub fn cli(args: &[&str], db: &std::path::Path) -> (String, String) {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// A new key from `claimcheck keys create`.
pub fn cli_key(db: &std::path::Path, role: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimcheck"))
        .args(["keys", "create", "--role", role, "--name", &format!("{role}-cli"), "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl ServerProcess {
    pub fn start(db: &std::path::Path, extra: &[&str]) -> ServerProcess {
        use std::io::BufRead;
        let key = cli_key(db, "admin");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claimcheck"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--no-seed",
                "--fetch-concurrency",
                "0",
                "--log-format",
                "json",
                "--db",
            ])
            .arg(db)
            .args(extra)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Keeps reading the log so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if v["message"] == "claimcheck listening" {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(v["address"].as_str().unwrap_or_default().to_owned());
                        }
                    }
                }
            }
        });
        let address = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("the server logs its address");
        ServerProcess { child, address: format!("http://{address}"), client: client_with_key(&key) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// SIGKILL: no drain, no final commit.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `url` with `json` POSTed, and the status and body that came back (or the transport error).
pub async fn post_json(client: &reqwest::Client, url: &str, json: &Value) -> Result<(u16, Value), reqwest::Error> {
    let response = client.post(url).json(json).send().await?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}
