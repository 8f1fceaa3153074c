use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app, spawn_app_with};

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

#[tokio::test]
async fn a_long_history_is_read_a_page_at_a_time_and_readers_page_through_public_changes_only() {
    let app = spawn_app_with(|c| c.public_read = true).await;
    let id = app.create_claim("Nvidia lost 17% of its market value in one session.").await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://markets.example/nvidia", "supports").await;
    for to in [
        json!({"to": "in_review", "note": "taking it"}),
        json!({"to": "verified", "verdict": "true", "rationale": "The exchange's record shows it."}),
        json!({"to": "published"}),
    ] {
        assert_eq!(app.transition(id, &to).await.status(), 200);
    }
    let everything = app.history(id).await;
    assert_eq!(everything.len(), 6, "created, added, rescored and three moves");

    // Pages of two, each starting after the last row of the one before, make up the whole history.
    let page = |client: reqwest::Client, query: String| {
        let url = app.url(&format!("/v1/claims/{id}/history{query}"));
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (mut read, mut pages) = (Vec::new(), 0);
    let mut query = "?limit=2".to_owned();
    loop {
        let body = page(app.client.clone(), query).await;
        let items = body["items"].as_array().unwrap();
        assert!((1..=2).contains(&items.len()), "a page is never empty: the last full one has no next_cursor");
        read.extend(items.iter().cloned());
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(read, everything);
    assert_eq!(pages, 3);
    let whole = page(app.client.clone(), "?limit=500".into()).await;
    assert_eq!(whole["items"].as_array().unwrap().len(), 6);

    // A reader without a key pages through the public changes alone: no rescoring, no notes.
    let anonymous = reqwest::Client::new();
    let first = page(anonymous.clone(), "?limit=2".into()).await;
    let actions = |body: &Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(actions(&first), ["claim.created", "evidence.added"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = page(anonymous, format!("?cursor={cursor}")).await;
    assert_eq!(actions(&rest), ["claim.transitioned"; 3]);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert!(rest["items"].as_array().unwrap().iter().all(|h| h["note"].is_null()));

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=0", "cursor"),
        ("cursor=x", "cursor"),
        ("cursor=01", "cursor"),
    ] {
        let body = problem(app.get(&format!("/v1/claims/{id}/history?{query}")).await, 400).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    problem(app.get(&format!("/v1/claims/{id}/history?page=2")).await, 400).await;
}
