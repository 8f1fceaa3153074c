use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_change_is_in_the_history_with_from_to_and_note() {
    let app = spawn_app().await;
    let id = app.create_claim("Advantest Corp. lost 8.6%.").await["id"].as_i64().unwrap();
    app.patch(&format!("/v1/claims/{id}"), Some("*"), &json!({"claimant": "the article"})).await;
    let item = app.attach_ok(id, "https://markets.example/advantest", "supports").await;
    app.patch(&format!("/v1/evidence/{}", item["id"]), None, &json!({"confidence": 0.3})).await;
    app.transition(id, &json!({"to": "in_review", "note": "taking it"})).await;
    app.client.delete(app.url(&format!("/v1/evidence/{}?note=paywalled", item["id"]))).send().await.unwrap();

    let history = app.history(id).await;
    let actions: Vec<&str> = history.iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "claim.created",
            "claim.updated",
            "evidence.added",
            "claim.rescored",
            "evidence.updated",
            "claim.rescored",
            "claim.transitioned",
            "evidence.retracted",
            "claim.rescored",
        ]
    );
    assert_eq!(history[1]["from"], json!({"claimant": null}));
    assert_eq!(history[1]["to"], json!({"claimant": "the article"}));
    assert_eq!(history[6]["from"], json!({"status": "submitted", "verdict": null}));
    assert_eq!(history[6]["to"], json!({"status": "in_review", "verdict": null}));
    assert_eq!(history[6]["note"], "taking it");
    assert_eq!(history[7]["note"], "paywalled");
    assert_eq!(history[7]["evidence_id"], item["id"]);
    for h in &history {
        assert!(h["at"].is_string() && h["actor"].is_string());
    }
}

#[tokio::test]
async fn history_rows_cannot_be_changed_or_deleted_even_in_sqlite() {
    let app = spawn_app().await;
    app.create_claim("DeepSeek is funded only by High-Flyer.").await;
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    let update = conn.execute("UPDATE history SET actor = 'someone else'", []).unwrap_err();
    assert!(update.to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM history", []).unwrap_err();
    assert!(delete.to_string().contains("append-only"));
    assert_eq!(app.count("history"), 1);
}

#[tokio::test]
async fn a_no_op_patch_changes_nothing() {
    let app = spawn_app().await;
    let claim = app.create_claim("Hang Seng Tech rose 2%.").await;
    let id = claim["id"].as_i64().unwrap();
    let same = app.patch(&format!("/v1/claims/{id}"), Some("\"1\""), &json!({"text": "Hang Seng Tech rose 2%."})).await;
    assert_eq!(same.headers()["etag"], "\"1\"");
    assert_eq!(app.history(id).await.len(), 1);
}
