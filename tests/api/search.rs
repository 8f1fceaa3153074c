//! Searching claims: ranked by relevance, every word required, with filters, counts and other sorts,
//! up to date with edits, and only published claims for readers.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::listing::ids;

async fn claim(app: &TestApp, body: Value) -> i64 {
    let response = app.post_claim(&body).await;
    assert_eq!(response.status(), 201, "{body}");
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn total(app: &TestApp, query: &str) -> i64 {
    let body: Value = app.get(&format!("/v1/claims?count=true&{query}")).await.json().await.unwrap();
    body["total"].as_i64().unwrap_or_else(|| panic!("{query}: {body}"))
}

async fn publish(app: &TestApp, id: i64) {
    app.attach_ok(id, &format!("https://records.example/{id}"), "supports").await;
    for to in [
        json!({"to": "in_review"}),
        json!({"to": "verified", "verdict": "true", "rationale": "What the record shows."}),
        json!({"to": "published"}),
    ] {
        assert_eq!(app.transition(id, &to).await.status(), 200);
    }
}

#[tokio::test]
async fn a_claim_about_the_words_ranks_above_one_that_mentions_them() {
    let app = spawn_app().await;
    let long = "A long survey of travel across Europe between the wars mentions the zeppelin once, among trains, \
                steamships, motor cars, bicycles, ferries, sleeper coaches and many other ways of getting about.";
    let mentions = claim(&app, json!({"text": long})).await;
    let about = claim(&app, json!({"text": "Zeppelins: the zeppelin crossed the Atlantic."})).await;
    let unrelated = claim(&app, json!({"text": "Trains crossed the Alps."})).await;
    assert_eq!(ids(&app, "q=zeppelin").await, [about, mentions]);
    assert_eq!(ids(&app, "q=zeppelins&sort=relevance").await, [about, mentions], "inflections are one word");
    assert_eq!(ids(&app, "q=zeppelin%20crossed").await, [about]);
    assert_eq!(ids(&app, "q=crossed&sort=created").await, [about, unrelated]);
    // A word the index does not know as a whole word is read as typed, the last as a prefix.
    assert_eq!(ids(&app, "q=zeppel&sort=created").await, [mentions, about]);
    assert_eq!(ids(&app, "q=zeppelin%20atl").await, [about]);
    // Stop words alone, and words no claim holds, find what the words as typed find.
    assert_eq!(app.get("/v1/claims?q=the%20of").await.status(), 200);
    assert_eq!(ids(&app, "q=the%20of&sort=created").await, [mentions]);
    assert!(ids(&app, "q=zeppelin%20submarine").await.is_empty());
}

#[tokio::test]
async fn searches_combine_with_filters_sorts_and_counts() {
    let app = spawn_app().await;
    let mut all = Vec::new();
    for i in 0..12 {
        let tags = if i % 3 == 0 { json!(["airships"]) } else { json!(["other"]) };
        let claimant = if i % 2 == 0 { "Hugo Eckener" } else { "Someone Else" };
        let text = format!("Report {i}: the zeppelin fleet grew{}.", " and grew".repeat(i % 4));
        all.push(claim(&app, json!({"text": text, "tags": tags, "claimant": claimant})).await);
    }
    claim(&app, json!({"text": "Blimps are not zeppelins, says the report.", "tags": ["other"]})).await;
    assert_eq!(total(&app, "q=zeppelin").await, 13);
    assert_eq!(total(&app, "q=zeppelin%20fleet").await, 12);
    assert_eq!(total(&app, "q=zeppelin&tag=airships").await, 4);
    assert_eq!(total(&app, "q=zeppelin%20fleet&claimant=hugo%20eckener&tag=airships").await, 2);
    assert_eq!(total(&app, "q=zeppel&tag=airships").await, 4, "counted as typed, too");

    let tagged = ids(&app, "q=zeppelin&tag=airships&limit=100").await;
    let mut expected: Vec<i64> = all.iter().copied().step_by(3).collect();
    expected.sort_unstable();
    let mut sorted = tagged.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(
        ids(&app, "q=zeppelin&tag=airships&sort=-created").await,
        expected.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(ids(&app, "q=zeppelin&tag=airships&sort=created&limit=3").await, expected[..3]);

    // Paging a filtered search walks every match once, in relevance order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/v1/claims?q=zeppelin&claimant=hugo%20eckener&limit=4&cursor={c}"),
            None => "/v1/claims?q=zeppelin&claimant=hugo%20eckener&limit=4".into(),
        };
        let page: Value = app.get(&query).await.json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    assert_eq!(seen, ids(&app, "q=zeppelin&claimant=hugo%20eckener&limit=100").await);

    let other = all[1];
    app.attach_ok(other, "https://records.example/fleet", "supports").await;
    app.transition(other, &json!({"to": "in_review"})).await;
    assert_eq!(ids(&app, "q=zeppelin&status=in_review").await, [other]);
    assert_eq!(total(&app, "q=zeppelin&status=in_review").await, 1);
}

#[tokio::test]
async fn an_edit_moves_a_claim_into_and_out_of_a_search() {
    let app = spawn_app().await;
    let id = claim(&app, json!({"text": "The airship landed in Lakehurst."})).await;
    let other = claim(&app, json!({"text": "A zeppelin landed in Friedrichshafen."})).await;
    assert_eq!(ids(&app, "q=zeppelin").await, [other]);
    let patch = |text: &str| json!({"text": text});
    let edited = app.patch(&format!("/v1/claims/{id}"), Some("*"), &patch("The zeppelin landed in Lakehurst.")).await;
    assert_eq!(edited.status(), 200);
    assert_eq!(ids(&app, "q=zeppelin&sort=created").await, [id, other]);
    assert_eq!(ids(&app, "q=lakehurst").await, [id]);
    let edited = app.patch(&format!("/v1/claims/{id}"), Some("*"), &patch("The airship landed in Lakehurst.")).await;
    assert_eq!(edited.status(), 200);
    assert_eq!(ids(&app, "q=zeppelin").await, [other]);
    assert_eq!(total(&app, "q=zeppelin").await, 1);
    // The claimant is searched too.
    let claimant = app.patch(&format!("/v1/claims/{id}"), Some("*"), &json!({"claimant": "Zeppelin Museum"})).await;
    assert_eq!(claimant.status(), 200);
    assert_eq!(total(&app, "q=zeppelin").await, 2);
}

#[tokio::test]
async fn readers_search_published_claims_only() {
    let app = spawn_app_with(|c| c.public_read = true).await;
    let draft = claim(&app, json!({"text": "The zeppelin fleet was grounded in 1937."})).await;
    let published = claim(&app, json!({"text": "The zeppelin Hindenburg burned at Lakehurst in 1937."})).await;
    publish(&app, published).await;
    let anonymous = reqwest::Client::new();
    let get = |path: &str| anonymous.get(app.url(path)).send();
    let found: Value = get("/v1/claims?q=zeppelin&count=true").await.unwrap().json().await.unwrap();
    let found_ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(found_ids, [published]);
    assert_eq!(found["total"], 1);
    for query in ["q=zeppelin&status=submitted", "q=grounded", "q=zeppel&sort=created", "q=the"] {
        let none: Value = get(&format!("/v1/claims?{query}")).await.unwrap().json().await.unwrap();
        assert!(none["items"].as_array().unwrap().iter().all(|c| c["id"] != draft), "{query}: {none}");
    }
    assert_eq!(ids(&app, "q=zeppelin&sort=created").await, [draft, published], "the desk sees both");
}

fn review(n: usize, text: &str, author: &str) -> Value {
    json!({"@type": "ClaimReview", "claimReviewed": text, "datePublished": "2025-01-30",
        "url": format!("https://fc.example.org/{n}"),
        "author": {"@type": "Organization", "name": "Other Desk"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": author}},
        "reviewRating": {"alternateName": "False"}})
}

#[tokio::test]
async fn a_filter_that_keeps_few_of_the_best_matches_still_finds_its_claims() {
    let app = spawn_app().await;
    // More claims about zeppelins than a filter is tried on, ranking first, all by one claimant; three
    // by another that mention the word once in a long text.
    let mut reviews: Vec<Value> =
        (0..4200).map(|i| review(i, &format!("Zeppelin {i}: the zeppelin flew."), "Frequent Poster")).collect();
    for i in 0..3 {
        let text = format!(
            "Report {i} on transport between the wars mentions the zeppelin once, among trains, ships and cars."
        );
        reviews.push(review(5000 + i, &text, "Rare Poster"));
    }
    let feed = json!({"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": reviews});
    let imported = app.post_raw("/v1/import", "application/ld+json", feed.to_string()).await;
    assert_eq!(imported.json::<Value>().await.unwrap()["created"], 4203);
    let rare = ids(&app, "q=zeppelin&claimant=rare%20poster").await;
    assert_eq!(rare.len(), 3);
    assert_eq!(total(&app, "q=zeppelin&claimant=rare%20poster").await, 3);
    assert_eq!(
        ids(&app, "q=zeppelin&claimant=rare%20poster&sort=-created").await,
        rare.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(total(&app, "q=zeppelin&claimant=frequent%20poster").await, 4200);
    assert_eq!(total(&app, "q=zeppelin").await, 4203);
}

#[tokio::test]
async fn a_word_run_together_finds_the_claim_that_writes_it_apart() {
    let app = spawn_app().await;
    let corn = app.create_claim("Corn flakes were first made to curb appetites in a sanatorium.").await;
    app.create_claim("A sanatorium in Michigan served cereal.").await;
    assert_eq!(ids(&app, "q=cornflakes").await, [corn["id"].as_i64().unwrap()]);
    assert_eq!(ids(&app, "q=%23cornflakes%20sanatorium").await, [corn["id"].as_i64().unwrap()]);
    assert!(ids(&app, "q=cornflakes%20michigan").await.is_empty(), "every word is still required");
}
