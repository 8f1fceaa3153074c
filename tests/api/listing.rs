use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_seeded_app};

pub async fn ids(app: &crate::helpers::TestApp, query: &str) -> Vec<i64> {
    let body: Value = app.get(&format!("/v1/claims?{query}")).await.json().await.unwrap();
    body["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn filters_by_status_verdict_tag_and_claimant() {
    let app = spawn_seeded_app().await;
    let all = ids(&app, "limit=100").await;
    assert!(all.len() >= 12);
    let markets = ids(&app, "tag=markets&limit=100").await;
    assert_eq!(markets.len(), 8);
    assert_eq!(ids(&app, "claimant=neal%20khosla").await.len(), 1);
    assert_eq!(ids(&app, "status=submitted&limit=100").await.len(), all.len());

    let id = markets[0];
    app.attach_ok(id, "https://example.org/x", "refutes").await;
    app.transition(id, &json!({"to": "in_review"})).await;
    app.transition(id, &json!({"to": "verified", "verdict": "mostly_false", "rationale": "What the record shows."}))
        .await;
    assert_eq!(ids(&app, "status=verified").await, [id]);
    assert_eq!(ids(&app, "verdict=mostly_false&tag=markets").await, [id]);
    assert!(ids(&app, "verdict=true").await.is_empty());
}

#[tokio::test]
async fn full_text_search_is_ranked_and_safe() {
    let app = spawn_seeded_app().await;
    let body: Value = app.get("/v1/claims?q=psyop").await.json().await.unwrap();
    // Khosla's allegation, and the article's note that it was flagged for lacking evidence.
    let found = body["items"].as_array().unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().any(|c| c["claimant"] == "Neal Khosla"));
    // Inflections and prefixes match, several words are all required, and operators are just words.
    assert!(!ids(&app, "q=benchmark").await.is_empty(), "benchmarks, by its stem");
    assert!(!ids(&app, "q=deepseek%20benchm").await.is_empty(), "the last word matches as a prefix");
    // The Nikkei claim by its text, then the Advantest claim by the sentence it was quoted in.
    let nikkei: Value = app.get("/v1/claims?q=nikkei%20futures").await.json().await.unwrap();
    let texts: Vec<&str> = nikkei["items"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].contains("Nikkei 225 futures") && texts[1].contains("Advantest"), "{texts:?}");
    assert!(ids(&app, "q=nikkei%20bitcoin").await.is_empty());
    for hostile in ["%22", "NEAR(a%20b)", "a%20OR%20b", "*", "-x", "col:val", "%E2%80%9Cpsyop%E2%80%9D"] {
        let response = app.get(&format!("/v1/claims?q={hostile}")).await;
        assert!(response.status().as_u16() < 500, "{hostile}");
    }
    let sorted = ids(&app, "q=deepseek&sort=-created").await;
    let mut expected = sorted.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn cursor_pagination_walks_every_claim_once_in_every_sort() {
    let app = spawn_seeded_app().await;
    let total: Value = app.get("/v1/claims?count=true&limit=1").await.json().await.unwrap();
    let total = total["total"].as_i64().unwrap() as usize;
    for sort in ["created", "-created", "updated", "-updated", "confidence", "-confidence"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("sort={sort}&limit=5&cursor={c}"),
                None => format!("sort={sort}&limit=5"),
            };
            let page: Value = app.get(&format!("/v1/claims?{query}")).await.json().await.unwrap();
            assert!(page.get("total").is_none(), "no count unless asked");
            seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), total, "{sort}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), total, "{sort}");
    }
    // Search pages too.
    let first: Value = app.get("/v1/claims?q=deepseek&limit=2").await.json().await.unwrap();
    let next = first["next_cursor"].as_str().unwrap();
    let second = ids(&app, &format!("q=deepseek&limit=2&cursor={next}")).await;
    assert_eq!(second.len(), 2);
    assert!(!second.contains(&first["items"][0]["id"].as_i64().unwrap()));
    // A cursor is bound to its sort.
    let response = app.get(&format!("/v1/claims?sort=created&cursor={next}")).await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn created_range_filters() {
    let app = spawn_app().await;
    let before = chrono::Utc::now().to_rfc3339();
    app.create_claim("Claim made after the mark.").await;
    assert_eq!(ids(&app, &format!("created_after={}", urlencode(&before))).await.len(), 1);
    assert!(ids(&app, &format!("created_before={}", urlencode(&before))).await.is_empty());
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn new_and_edited_claims_are_searchable_and_the_index_stays_consistent() {
    let app = spawn_app().await;
    let ids: Vec<i64> =
        futures::future::join_all((0..30).map(|i| {
            let app = &app;
            async move {
                app.create_claim(&format!("Quarterly filing {i} mentions zeppelins")).await["id"].as_i64().unwrap()
            }
        }))
        .await;
    assert_eq!(crate::listing::ids(&app, "q=zeppelins&limit=100").await.len(), 30);
    app.patch(&format!("/v1/claims/{}", ids[0]), Some("*"), &json!({"text": "Quarterly filing mentions airships"}))
        .await;
    assert_eq!(crate::listing::ids(&app, "q=zeppelins&limit=100").await.len(), 29);
    assert_eq!(crate::listing::ids(&app, "q=airships").await, [ids[0]]);
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    conn.execute("INSERT INTO claims_fts (claims_fts) VALUES ('integrity-check')", []).unwrap();
}

#[tokio::test]
async fn a_claim_changed_after_it_was_listed_is_listed_as_it_now_is() {
    let app = spawn_app().await;
    let id = app.create_claim("The index fell four percent on Monday.").await["id"].as_i64().unwrap();
    let listed = |query: &'static str| {
        let app = &app;
        async move {
            let page: Value = app.get(&format!("/v1/claims?{query}")).await.json().await.unwrap();
            page["items"].as_array().unwrap().clone()
        }
    };
    assert_eq!(listed("").await[0]["version"], 1);
    app.patch(&format!("/v1/claims/{id}"), Some("*"), &json!({"tags": ["markets"]})).await;
    app.attach_ok(id, "https://example.org/index", "supports").await;
    app.transition(id, &json!({"to": "in_review"})).await;
    let now = app.claim(id).await;
    for query in ["", "tag=markets", "status=in_review", "tag=markets&status=in_review&sort=-confidence"] {
        let items = listed(query).await;
        assert_eq!(items.len(), 1, "{query}");
        for field in ["version", "status", "tags", "evidence_count", "confidence", "updated_at"] {
            assert_eq!(items[0][field], now[field], "{field} in {query}");
        }
    }
    assert!(listed("status=submitted").await.is_empty());
}
