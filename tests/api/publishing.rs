//! The public fact-check pages: a published claim's page with its ClaimReview, a reopened claim still
//! public, corrections, the index and the Atom feed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub const RATIONALE: &str = "The company's own report puts the cost of the final training run alone at $5.6 million.\n\nHardware, research and earlier runs are not counted in it.";

/// A claim with everything a fact-check shows, verified as `verdict` and published; returns its id.
pub async fn publish_fact_check(app: &TestApp, text: &str, verdict: &str) -> i64 {
    let claim = app
        .post_claim(&json!({
            "text": text,
            "claimant": "Neal Khosla",
            "appeared_in": {"url": "https://social.example.org/p/42", "title": "A post about R1",
                "published_at": "2025-01-27"},
            "tags": ["ai", "cost"],
            "language": "en",
        }))
        .await;
    assert_eq!(claim.status(), StatusCode::CREATED);
    let id = claim.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let evidence = json!({"url": format!("https://papers.example/r1-{id}"), "stance": "refutes", "reliability": 0.9,
        "title": "DeepSeek-V3 technical report", "publisher": "DeepSeek", "excerpt": "2.788M H800 GPU hours",
        "note": "desk-only remark"});
    assert_eq!(app.attach(id, &evidence).await.status(), StatusCode::CREATED);
    assert_eq!(app.transition(id, &json!({"to": "in_review"})).await.status(), StatusCode::OK);
    let verified = json!({"to": "verified", "verdict": verdict, "rationale": RATIONALE, "note": "desk-only note"});
    assert_eq!(app.transition(id, &verified).await.status(), StatusCode::OK);
    assert_eq!(app.transition(id, &json!({"to": "published"})).await.status(), StatusCode::OK);
    id
}

/// A reader: no key.
pub async fn read(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::get(app.url(path)).await.unwrap()
}

/// The JSON-LD embedded in a page.
pub fn json_ld(html: &str) -> Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("JSON-LD in the page");
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn a_published_claim_has_a_public_page_with_its_claimreview_field_by_field() {
    let app = spawn_app_with(|c| c.publisher.publisher_logo = Some("https://desk.example/logo.png".into())).await;
    let id = publish_fact_check(&app, "DeepSeek trained R1 for $5.6 million", "misleading").await;

    let response = read(&app, &format!("/fact-checks/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "public, max-age=300");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let page = response.text().await.unwrap();
    for shown in [
        "DeepSeek trained R1 for $5.6 million",
        "Neal Khosla",
        "A post about R1",
        "27 January 2025",
        "Misleading",
        "final training run alone",
        "DeepSeek-V3 technical report",
        "Refutes the claim",
    ] {
        assert!(page.contains(shown), "the page shows {shown:?}");
    }
    assert!(page.contains("href=\"https://social.example.org/p/42\""), "the appearance is linked");
    assert!(!page.contains("desk-only"), "the desk's notes stay inside");
    assert_eq!(page.matches("<script").count(), 1, "no script but the JSON-LD");
    assert!(!page.contains(" src="), "nothing loaded from anywhere");
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/fact-checks/site.css\">"));

    let again = reqwest::Client::new().get(app.url(&format!("/fact-checks/{id}"))).header("if-none-match", &etag);
    assert_eq!(again.send().await.unwrap().status(), StatusCode::NOT_MODIFIED);

    let review = json_ld(&page);
    let page_url = app.url(&format!("/fact-checks/{id}"));
    assert_eq!(review["@context"], "https://schema.org");
    assert_eq!(review["@type"], "ClaimReview");
    assert_eq!(review["url"], page_url.as_str());
    assert_eq!(review["claimReviewed"], "DeepSeek trained R1 for $5.6 million");
    assert_eq!(review["reviewBody"], RATIONALE);
    assert_eq!(
        review["author"],
        json!({"@type": "Organization", "name": "Test Desk", "url": "https://desk.example",
            "logo": {"@type": "ImageObject", "url": "https://desk.example/logo.png"}})
    );
    let item = &review["itemReviewed"];
    assert_eq!(item["@type"], "Claim");
    assert_eq!(item["author"], json!({"@type": "Person", "name": "Neal Khosla"}));
    let appearance = json!({"@type": "CreativeWork", "url": "https://social.example.org/p/42",
        "headline": "A post about R1", "datePublished": "2025-01-27"});
    assert_eq!(item["appearance"], json!([appearance.clone()]));
    assert_eq!(item["firstAppearance"], appearance);
    assert_eq!(item["datePublished"], "2025-01-27");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(review["datePublished"], today.as_str());
    let modified = review["dateModified"].as_str().unwrap();
    assert!(modified.starts_with(&today) && chrono::DateTime::parse_from_rfc3339(modified).is_ok(), "{modified}");
    assert_eq!(review["inLanguage"], "en");
    assert_eq!(review["keywords"], "ai, cost");
    assert_eq!(review["creativeWorkStatus"], "Published");
    assert_eq!(
        review["reviewRating"],
        json!({"@type": "Rating", "ratingValue": 2, "bestRating": 5, "worstRating": 1, "alternateName": "Misleading"})
    );
    let citation = &review["citation"][0];
    assert_eq!(citation["url"], format!("https://papers.example/r1-{id}"));
    assert_eq!(citation["name"], "DeepSeek-V3 technical report");
    assert_eq!(citation["claimcheck:stance"], "refutes");
    // The API serves the same review.
    let api: Value = app.get(&format!("/v1/claims/{id}/claimreview")).await.json().await.unwrap();
    assert_eq!(api, review);
}

#[tokio::test]
async fn only_published_claims_have_pages_and_every_other_address_is_an_html_404() {
    let app = spawn_app().await;
    let published = publish_fact_check(&app, "A claim that is published", "false").await;
    let draft = app.create_claim("A claim still being checked").await["id"].as_i64().unwrap();
    for path in [
        format!("/fact-checks/{draft}"),
        "/fact-checks/0".into(),
        "/fact-checks/abc".into(),
        "/fact-checks/99999999999999999999".into(),
        format!("/fact-checks/{published}/sources/999"),
        format!("/fact-checks/{published}/nothing"),
    ] {
        let response = read(&app, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8", "{path}");
    }
    let index = read(&app, "/fact-checks").await.text().await.unwrap();
    assert!(index.contains("A claim that is published") && !index.contains("still being checked"));
}

#[tokio::test]
async fn a_reopened_claim_stays_public_and_a_changed_verdict_is_corrected() {
    let app = spawn_app().await;
    let id = publish_fact_check(&app, "R1 cost $5.6 million to build", "false").await;
    let path = format!("/fact-checks/{id}");

    let reopen = json!({"to": "in_review", "public_note": "New figures have come to light; we are checking them."});
    assert_eq!(app.transition(id, &reopen).await.status(), StatusCode::OK);
    let page = read(&app, &path).await.text().await.unwrap();
    assert!(page.contains("Under review again.") && page.contains("New figures have come to light"), "{page}");
    assert_eq!(json_ld(&page)["reviewRating"]["alternateName"], "False");
    let review: Value = app.get(&format!("/v1/claims/{id}/claimreview")).await.json().await.unwrap();
    assert_eq!(review["reviewRating"]["alternateName"], "False", "the API keeps the last published revision");
    let feed: Value = app.get("/v1/claimreview").await.json().await.unwrap();
    assert_eq!(feed["dataFeedElement"][0]["reviewRating"]["alternateName"], "False");

    let verified = json!({"to": "verified", "verdict": "misleading", "rationale": "The figure covers one run only."});
    assert_eq!(app.transition(id, &verified).await.status(), StatusCode::OK);
    assert!(read(&app, &path).await.text().await.unwrap().contains("Under review again."), "not published yet");

    let publish = json!({"to": "published", "public_note": "the report counts only the final training run"});
    assert_eq!(app.transition(id, &publish).await.status(), StatusCode::OK);
    let page = read(&app, &path).await.text().await.unwrap();
    let day = chrono::Utc::now().format("%-d %B %Y").to_string();
    let note = format!(
        "Updated on {day}: rating changed from False to Misleading because the report counts only the final training run."
    );
    assert!(page.contains(&note), "{page}");
    assert!(!page.contains("Under review again."));
    assert!(page.contains("The figure covers one run only."));
    let review = json_ld(&page);
    assert_eq!(review["reviewRating"]["alternateName"], "Misleading");
    assert_eq!(review["reviewBody"], "The figure covers one run only.");
    let feed: Value = app.get("/v1/claimreview").await.json().await.unwrap();
    assert_eq!(feed["dataFeedElement"].as_array().unwrap().len(), 1);
    assert_eq!(feed["dataFeedElement"][0]["reviewRating"]["alternateName"], "Misleading");
}

#[tokio::test]
async fn the_rationale_goes_with_the_verdict_only_and_a_verdict_needs_one() {
    let app = spawn_app().await;
    let id = app.create_claim("A claim reviewed with a note only").await["id"].as_i64().unwrap();
    app.attach_ok(id, "https://source.example/a", "supports").await;
    let early = app.transition(id, &json!({"to": "in_review", "rationale": "too early"})).await;
    assert_eq!(crate::helpers::error_fields(&crate::helpers::problem(early, 422).await), ["rationale"]);
    app.transition(id, &json!({"to": "in_review"})).await;
    let bare = app.transition(id, &json!({"to": "verified", "verdict": "true", "note": "Matches the filing."})).await;
    let problem = crate::helpers::problem(bare, 422).await;
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("rationale"), Some("required"))
    );
    assert_eq!(app.claim(id).await["status"], "in_review", "a refused move changes nothing");
    let why =
        json!({"to": "verified", "verdict": "true", "note": "Matches the filing.", "rationale": "The filing says so."});
    app.transition(id, &why).await;
    assert_eq!(app.claim(id).await["rationale"], "The filing says so.");
    let review: Value = app.get(&format!("/v1/claims/{id}/claimreview")).await.json().await.unwrap();
    assert_eq!(review["reviewBody"], "The filing says so.");
    assert_eq!(review["creativeWorkStatus"], "Draft");
}

#[tokio::test]
async fn the_index_pages_and_searches_and_the_feed_is_atom() {
    let app = spawn_app().await;
    for n in 0..22 {
        let text = if n == 7 {
            "Zanzibar exports most of the world's cloves".to_owned()
        } else {
            format!("Claim number {n} is checked")
        };
        publish_fact_check(&app, &text, "mostly_true").await;
    }
    let first = read(&app, "/fact-checks").await.text().await.unwrap();
    let items = |page: &str| page.matches("<span class=\"pill ").count();
    assert_eq!(items(&first), 20, "20 a page");
    assert!(first.contains("rel=\"next\"") && !first.contains("rel=\"prev\""));
    let second = read(&app, "/fact-checks?page=2").await.text().await.unwrap();
    assert_eq!(items(&second), 2);
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
    let found = read(&app, "/fact-checks?q=zanzibar+clove").await.text().await.unwrap();
    assert_eq!(items(&found), 1);
    assert!(found.contains("Zanzibar exports"));
    for (query, status) in [("page=0", 400), ("page=x", 400), ("page=501", 404), ("q=%00%01", 200)] {
        let response = read(&app, &format!("/fact-checks?{query}")).await;
        assert_eq!(response.status().as_u16(), status, "{query}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }

    let feed = read(&app, "/fact-checks/feed.atom").await;
    assert_eq!(feed.headers()["content-type"], "application/atom+xml; charset=utf-8");
    assert!(feed.headers().contains_key("etag"));
    let xml = feed.text().await.unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">")
    );
    assert_eq!(xml.matches("<entry>").count(), 22);
    assert!(xml.contains("<title>Mostly true: Zanzibar exports most of the world's cloves</title>"), "{xml}");
    assert!(
        xml.contains(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", app.url("/fact-checks/1")))
    );
}

#[tokio::test]
async fn a_source_that_disappears_can_still_be_read_as_cited() {
    let site = crate::fixtures::Fixture::start().await;
    let app = spawn_app_with(|c| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = vec![site.port()];
    })
    .await;
    let id = app.create_claim("DeepSeek trained R1 for $5.6 million").await["id"].as_i64().unwrap();
    let item = app.attach_ok(id, &site.url("/vanishing"), "supports").await;
    let evidence = item["id"].as_i64().unwrap();
    let state = |wanted: &'static str| {
        let app = &app;
        async move {
            for _ in 0..200 {
                let item: Value = app.get(&format!("/v1/evidence/{evidence}")).await.json().await.unwrap();
                if item["fetch"]["state"] == wanted {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("evidence {evidence} never got {wanted}");
        }
    };
    state("live").await;
    app.transition(id, &json!({"to": "in_review"})).await;
    app.transition(id, &json!({"to": "verified", "verdict": "true", "rationale": "The page says so."})).await;
    app.transition(id, &json!({"to": "published"})).await;
    app.client.post(app.url(&format!("/v1/evidence/{evidence}/check"))).send().await.unwrap();
    state("gone").await;

    let page = read(&app, &format!("/fact-checks/{id}")).await.text().await.unwrap();
    let copy = format!("/fact-checks/{id}/sources/{evidence}");
    assert!(page.contains(&format!("href=\"{copy}\"")) && page.contains("the original page is gone"), "{page}");
    assert_eq!(json_ld(&page)["citation"][0]["archivedAt"], app.url(&copy));
    let response = read(&app, &copy).await;
    assert_eq!(response.status(), StatusCode::OK);
    let archived = response.text().await.unwrap();
    assert!(archived.contains("$5.6"), "what the page said when it was cited: {archived}");
}
