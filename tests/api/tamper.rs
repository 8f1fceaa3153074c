//! What someone holding a copy of the database (but not the audit key) can no longer do unseen: change
//! or remove history, cut back the audit log past a witnessed head.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn verified(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/v1/admin/audit/verify{query}")).await.json().await.unwrap()
}

/// The database as a thief has it: triggers dropped.
fn stolen(app: &TestApp) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS history_no_update; DROP TRIGGER IF EXISTS history_no_delete;").unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    conn
}

async fn some_history(app: &TestApp) -> i64 {
    let id = app.create_claim("Nvidia lost $593 billion of market value in one day").await["id"].as_i64().unwrap();
    app.transition(id, &json!({"to": "in_review", "note": "checking the figure"})).await;
    app.attach_ok(id, "https://example.org/markets", "supports").await;
    id
}

#[tokio::test]
async fn history_changed_or_removed_behind_the_service_is_found() {
    let app = spawn_app().await;
    let id = some_history(&app).await;
    assert_eq!(verified(&app, "").await["ok"], true);
    let conn = stolen(&app);
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for name in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    }

    conn.execute("UPDATE history SET note = 'nothing to see' WHERE claim_id = ?1 AND note IS NOT NULL", [id]).unwrap();
    let edited = verified(&app, "").await;
    assert_eq!(edited["ok"], false, "{edited}");
    assert!(edited["reason"].as_str().unwrap().contains("differs"), "{edited}");

    conn.execute("UPDATE history SET note = 'checking the figure' WHERE claim_id = ?1 AND note IS NOT NULL", [id])
        .unwrap();
    assert_eq!(verified(&app, "").await["ok"], true);
    conn.execute("DELETE FROM history WHERE action = 'evidence.added'", []).unwrap();
    let removed = verified(&app, "").await;
    assert_eq!(removed["ok"], false, "{removed}");
    assert!(removed["reason"].as_str().unwrap().contains("missing"), "{removed}");
}

#[tokio::test]
async fn a_cut_back_audit_log_is_found_against_a_witnessed_head() {
    let app = spawn_app().await;
    some_history(&app).await;
    let db = app.db_path();
    let head = claimcheck_cli(&["audit", "head"], &db);
    assert!(head.0, "audit head works");
    let witnessed = head.1.trim().to_owned();
    assert!(claimcheck_cli(&["audit", "verify", "--since", &witnessed], &db).0);
    assert_eq!(verified(&app, &format!("?since={witnessed}")).await["ok"], true);

    // The last rows removed (history and audit alike): the chain alone still holds.
    let conn = stolen(&app);
    let last: i64 = conn.query_row("SELECT max(id) FROM audit_log", [], |r| r.get(0)).unwrap();
    conn.execute("DELETE FROM audit_log WHERE id = ?1", [last]).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS history_no_delete").unwrap();
    conn.execute("DELETE FROM history WHERE id = (SELECT max(id) FROM history)", []).unwrap();
    assert_eq!(verified(&app, "").await["ok"], true);
    let against = verified(&app, &format!("?since={witnessed}")).await;
    assert_eq!(against["ok"], false, "{against}");
    let (ok, _, stderr) = claimcheck_cli_full(&["audit", "verify", "--since", &witnessed], &db);
    assert!(!ok && stderr.contains("no longer in the chain"), "{stderr}");
    let refused = app.get("/v1/admin/audit/verify?since=nonsense").await;
    assert_eq!(refused.status(), 400);
}

fn claimcheck_cli(args: &[&str], db: &std::path::Path) -> (bool, String) {
    let (ok, out, _) = claimcheck_cli_full(args, db);
    (ok, out)
}

fn claimcheck_cli_full(args: &[&str], db: &std::path::Path) -> (bool, String, String) {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).arg("--db").arg(db).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
