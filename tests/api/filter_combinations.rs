//! Every combination of the claim list's filters, in every sort, page by page: the same claims in the same
//! order as the filters' definitions applied to the whole set here. The claims vary in status, verdict,
//! tags (some edited after creation), claimant and assignee (in differing case), evidence and confidence
//! (many tied), so the copies the tag listings read (claim_tags) are checked after every kind of change.

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const CLAIMS: usize = 48;
const PAGE: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Combination {
    status: Option<&'static str>,
    verdict: Option<&'static str>,
    tag: Option<&'static str>,
    claimant: Option<&'static str>,
    assignee: Option<&'static str>,
    after: bool,
    before: bool,
}

#[tokio::test]
async fn every_filter_combination_lists_the_matching_claims_in_order_across_pages() {
    let app = spawn_app().await;
    make_claims(&app).await;
    let all: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    let all = all["items"].as_array().unwrap().clone();
    assert_eq!(all.len(), CLAIMS);
    // Bounds between claims, so that each date filter keeps some and drops some.
    let mut created: Vec<&str> = all.iter().map(|c| c["created_at"].as_str().unwrap()).collect();
    created.sort();
    let (after, before) = (created[10].to_owned(), created[37].to_owned());

    let mut combinations = Vec::new();
    for status in [None, Some("in_review"), Some("verified")] {
        for verdict in [None, Some("false")] {
            for tag in [None, Some("markets")] {
                for claimant in [None, Some("REUTERS")] {
                    for assignee in [None, Some("ALICE"), Some("none")] {
                        for (after, before) in [(false, false), (true, false), (false, true), (true, true)] {
                            combinations.push(Combination { status, verdict, tag, claimant, assignee, after, before });
                        }
                    }
                }
            }
        }
    }
    let mut nonempty = 0;
    for chunk in combinations.chunks(16) {
        let checks = chunk.iter().map(|c| check(&app, &all, *c, &after, &before));
        nonempty += join_all(checks).await.into_iter().filter(|n| *n > 0).count();
    }
    assert!(nonempty > combinations.len() / 3, "only {nonempty} combinations match anything");
}

/// Claims of every kind. Claim i: claimant, tags and assignee by i; evidence with a confidence that
/// repeats; in review, verified (with one of two verdicts), published, reopened or rejected by i; tags
/// edited on some after the rest.
async fn make_claims(app: &TestApp) {
    let claimants = [Some("Reuters"), Some("reuters"), Some("DeepSeek"), None];
    let tags: [&[&str]; 4] = [&[], &["markets"], &["markets", "chips"], &["cost"]];
    let mut ids = Vec::new();
    for i in 0..CLAIMS {
        let body = json!({"text": format!("Claim number {i} says something checkable."),
                          "claimant": claimants[i % 4], "tags": tags[i % 4]});
        let response = app.post_claim(&body).await;
        assert_eq!(response.status(), 201);
        ids.push(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    for (i, &id) in ids.iter().enumerate() {
        if i % 3 > 0 {
            let confidence = [0.5, 0.9, 0.5, 0.2][i % 4];
            let item =
                json!({"url": format!("https://example.org/{i}"), "stance": "supports", "confidence": confidence});
            assert_eq!(app.attach(id, &item).await.status(), 201);
        }
        match i % 8 {
            1 | 2 | 4 | 5 | 7 if i % 3 > 0 => {
                assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), 200);
                if i % 8 != 1 {
                    let verdict = if i % 2 == 0 { "false" } else { "mostly_true" };
                    let verify = json!({"to": "verified", "verdict": verdict, "rationale": "As the record shows."});
                    assert_eq!(app.transition(id, &verify).await.status(), 200);
                }
                if i % 8 == 4 {
                    assert_eq!(app.transition(id, &json!({"to": "published"})).await.status(), 200);
                }
                if i % 8 == 7 {
                    // Back to review, keeping its verdict.
                    assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), 200);
                }
            }
            6 => assert_eq!(app.transition(id, &json!({"to": "rejected"})).await.status(), 200),
            _ => {}
        }
        if let Some(assignee) = [Some("Alice"), Some("alice"), Some("bob"), None, None][i % 5] {
            let response = app.post(&format!("/v1/claims/{id}/assign"), &json!({"assignee": assignee})).await;
            assert_eq!(response.status(), 200);
        }
    }
    for (i, &id) in ids.iter().enumerate().filter(|(i, _)| i % 5 == 2) {
        let retagged: &[&str] = if i % 2 == 0 { &["markets"] } else { &["cost", "chips"] };
        let response = app.patch(&format!("/v1/claims/{id}"), Some("*"), &json!({"tags": retagged})).await;
        assert_eq!(response.status(), 200);
    }
}

/// Lists the combination in every sort, page by page, against the filter applied here; returns how many
/// claims it matches.
async fn check(app: &TestApp, all: &[Value], c: Combination, after: &str, before: &str) -> usize {
    let mut query = Vec::new();
    for (name, value) in [
        ("status", c.status),
        ("verdict", c.verdict),
        ("tag", c.tag),
        ("claimant", c.claimant),
        ("assignee", c.assignee),
    ] {
        if let Some(value) = value {
            query.push(format!("{name}={value}"));
        }
    }
    if c.after {
        query.push(format!("created_after={after}"));
    }
    if c.before {
        query.push(format!("created_before={before}"));
    }
    let same = |a: &Value, b: &str| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b));
    let matching: Vec<&Value> = all
        .iter()
        .filter(|claim| c.status.is_none_or(|s| claim["status"] == s))
        .filter(|claim| c.verdict.is_none_or(|v| claim["verdict"] == v))
        .filter(|claim| c.tag.is_none_or(|t| claim["tags"].as_array().unwrap().iter().any(|x| x == t)))
        .filter(|claim| c.claimant.is_none_or(|name| same(&claim["claimant"], name)))
        .filter(|claim| match c.assignee {
            None => true,
            Some("none") => claim["assignee"].is_null(),
            Some(name) => same(&claim["assignee"], name),
        })
        .filter(|claim| !c.after || claim["created_at"].as_str().unwrap() >= after)
        .filter(|claim| !c.before || claim["created_at"].as_str().unwrap() < before)
        .collect();

    for sort in ["created", "-created", "updated", "-updated", "confidence", "-confidence"] {
        let (field, descending) = match sort.strip_prefix('-') {
            Some(field) => (field, true),
            None => (sort, false),
        };
        let key = |claim: &Value| match field {
            "confidence" => format!("{:020.6}", claim["confidence"].as_f64().unwrap()),
            _ => claim[format!("{field}_at")].as_str().unwrap().to_owned(),
        };
        let mut expected: Vec<(String, i64)> = matching.iter().map(|c| (key(c), c["id"].as_i64().unwrap())).collect();
        expected.sort();
        if descending {
            expected.reverse();
        }
        let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();

        let mut listed = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut page_query = query.clone();
            page_query.push(format!("sort={sort}&limit={PAGE}&count=true"));
            if let Some(cursor) = &cursor {
                page_query.push(format!("cursor={cursor}"));
            }
            let path = format!("/v1/claims?{}", page_query.join("&").replace('+', "%2B").replace(':', "%3A"));
            let response = app.get(&path).await;
            let status = response.status();
            assert_eq!(status, 200, "{path}: {}", response.text().await.unwrap_or_default());
            let page: Value = response.json().await.unwrap();
            assert_eq!(page["total"].as_u64(), Some(expected.len() as u64), "{path}");
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= PAGE);
            listed.extend(items.iter().map(|c| c["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(listed.len() <= CLAIMS, "{path} pages on and on");
        }
        assert_eq!(listed, expected, "{c:?} sort={sort}");
    }
    matching.len()
}
