//! Articles: taken in (as text, or fetched from a URL on a fixture server), split, scored and
//! explained; a candidate accepted as a claim, once; bad input and pages that cannot be had refused
//! clearly; the seed article's candidates hold the seed claims.

use claimcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::admin::sign_in;
use crate::fixtures::{ARTICLE_PAGE, Fixture};
use crate::helpers::{TestApp, error_fields, problem, spawn_app, spawn_app_with, spawn_seeded_app};

const TEXT: &str = "Thank you all for coming. Exports fell 12% in 2019, according to the Census Bureau. \
    Dr. Smith said the plan would cost $5.6 million. What do you think? I love this city.";

async fn submit(app: &TestApp, body: &Value) -> Value {
    let response = app.post("/v1/articles", body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/v1/articles/"));
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_article_is_split_scored_and_explained() {
    let app = spawn_app().await;
    let article = submit(
        &app,
        &json!({"text": TEXT, "title": "Trade", "url": "https://news.example.com/trade",
        "published_at": "2026-01-27"}),
    )
    .await;
    assert_eq!(article["sentence_count"], 5);
    assert_eq!((article["format"].as_str(), article["english"].as_bool()), (Some("text"), Some(true)));
    assert!(article["note"].is_null());
    let candidates = article["candidates"].as_array().unwrap();
    let scores: Vec<f64> = candidates.iter().map(|c| c["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {scores:?}");
    let census = candidates.iter().find(|c| c["position"] == 2).unwrap();
    assert_eq!(census["claimant"], "the Census Bureau");
    assert_eq!(census["kind"], "quote_or_attribution");
    assert!(!census["raised_by"].as_array().unwrap().is_empty());
    let question = candidates.iter().find(|c| c["position"] == 4).unwrap();
    assert!(question["score"].as_f64() < census["score"].as_f64());
    assert!(question["lowered_by"].as_array().unwrap().iter().any(|r| r["feature"] == "is:question"));

    let id = article["id"].as_i64().unwrap();
    let again: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    assert_eq!(again["candidates"], article["candidates"]);
    let listed: Value = app.get("/v1/articles?limit=1").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["items"][0]["actor"], "test-admin");
    problem(app.get("/v1/articles/999").await, 404).await;
}

#[tokio::test]
async fn a_candidate_accepted_becomes_a_claim_once() {
    let app = spawn_app().await;
    let article = submit(
        &app,
        &json!({"text": TEXT, "title": "Trade", "url": "https://news.example.com/trade",
        "published_at": "2026-01-27"}),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let response = app.post(&format!("/v1/articles/{id}/candidates/2/accept"), &json!({"tags": ["trade"]})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let claim: Value = response.json().await.unwrap();
    assert_eq!(claim["claimant"], "the Census Bureau");
    assert_eq!(claim["tags"], json!(["trade"]));
    let appeared = &claim["appeared_in"];
    assert_eq!(appeared["url"], "https://news.example.com/trade");
    assert_eq!((appeared["title"].as_str(), appeared["published_at"].as_str()), (Some("Trade"), Some("2026-01-27")));
    assert_eq!((appeared["article_id"].as_i64(), appeared["position"].as_i64()), (Some(id), Some(2)));
    assert_eq!(appeared["quote"], "Exports fell 12% in 2019, according to the Census Bureau.");

    let twice = problem(app.post(&format!("/v1/articles/{id}/candidates/2/accept"), &json!({})).await, 409).await;
    assert_eq!(twice["duplicate_of"], claim["id"]);
    let edited = app
        .post(
            &format!("/v1/articles/{id}/candidates/3/accept"),
            &json!({"text": "The plan costs $5.6 million.", "claimant": "John Smith"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::CREATED);
    let page: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    let taken: Vec<i64> = page["claims"].as_array().unwrap().iter().map(|c| c["position"].as_i64().unwrap()).collect();
    assert_eq!(taken, [2, 3]);
    problem(app.post(&format!("/v1/articles/{id}/candidates/99/accept"), &json!({})).await, 404).await;
    problem(app.post(&format!("/v1/articles/{id}/candidates/0/accept"), &json!({})).await, 400).await;
}

#[tokio::test]
async fn transcripts_keep_their_speakers() {
    let app = spawn_app().await;
    let lines =
        submit(&app, &json!({"text": "HOLT: Good evening.\nTRUMP: We lost 70,000 factories. It is a disgrace."})).await;
    assert_eq!((lines["format"].as_str(), lines["sentence_count"].as_i64()), (Some("transcript"), Some(3)));
    let factories = lines["candidates"].as_array().unwrap().iter().find(|c| c["position"] == 2).unwrap();
    assert_eq!(factories["speaker"], "TRUMP");
    let given =
        submit(&app, &json!({"sentences": [{"speaker": "CLINTON", "text": "I voted against it in 2002."}]})).await;
    let id = given["id"].as_i64().unwrap();
    let claim: Value =
        app.post(&format!("/v1/articles/{id}/candidates/1/accept"), &json!({})).await.json().await.unwrap();
    assert_eq!(claim["claimant"], "CLINTON", "the speaker is the claimant when the sentence names no other");
}

#[tokio::test]
async fn bad_input_is_refused_clearly() {
    let app = spawn_app().await;
    let empty = problem(app.post("/v1/articles", &json!({"text": "   "})).await, 422).await;
    assert_eq!(error_fields(&empty), ["text"]);
    let both = problem(app.post("/v1/articles", &json!({"text": "a", "html": "<p>b</p>"})).await, 422).await;
    assert_eq!(both["errors"][0]["rule"], "one-of");
    let binary = problem(app.post("/v1/articles", &json!({"text": "PK\u{3}\u{4}\u{0}\u{0}binary"})).await, 422).await;
    assert_eq!(error_fields(&binary), ["text"]);
    let large = "A sentence of words. ".repeat(60_000);
    problem(app.post("/v1/articles", &json!({"text": large})).await, 413).await;
    problem(app.post_raw("/v1/articles", "application/json", vec![0xff, 0xfe, 0x00]).await, 400).await;
    let date =
        problem(app.post("/v1/articles", &json!({"text": "It rained.", "published_at": "soon"})).await, 422).await;
    assert_eq!(error_fields(&date), ["published_at"]);
}

#[tokio::test]
async fn other_languages_are_stored_with_a_note() {
    let app = spawn_app().await;
    let text = "Die Exporte sind im Jahr 2019 um zwölf Prozent gesunken. Das sagte das Statistische Bundesamt am Montag in Wiesbaden.";
    let article = submit(&app, &json!({"text": text})).await;
    assert_eq!((article["english"].as_bool(), article["sentence_count"].as_i64()), (Some(false), Some(2)));
    assert!(article["note"].as_str().unwrap().contains("English"));
}

#[tokio::test]
async fn html_is_read_as_text() {
    let app = spawn_app().await;
    let html = "<html><head><title>T</title><script>var x = 1;</script></head><body><p>Exports fell 12% in 2019.</p><p>Thanks.</p></body></html>";
    let article = submit(&app, &json!({"html": html})).await;
    assert_eq!((article["format"].as_str(), article["sentence_count"].as_i64()), (Some("html"), Some(2)));
}

#[tokio::test]
async fn the_seed_article_holds_the_seed_claims_among_its_best_candidates() {
    let app = spawn_seeded_app().await;
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let article: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    let claims: Value = app.get("/v1/claims?limit=100").await.json().await.unwrap();
    let mut quotes: Vec<&str> =
        claims["items"].as_array().unwrap().iter().filter_map(|c| c["appeared_in"]["quote"].as_str()).collect();
    quotes.sort();
    quotes.dedup();
    let top: Vec<&str> =
        article["candidates"].as_array().unwrap().iter().take(20).map(|c| c["text"].as_str().unwrap()).collect();
    let found = quotes.iter().filter(|q| top.contains(q)).count();
    assert!(found * 10 >= quotes.len() * 9, "{found} of {} quoted sentences in the top 20", quotes.len());
    for claim in claims["items"].as_array().unwrap() {
        assert_eq!(claim["appeared_in"]["article_id"], id, "seed claims point to the seed article: {claim}");
    }
    let candidates = article["candidates"].as_array().unwrap();
    let cost = candidates.iter().find(|c| c["text"].as_str().unwrap().contains("$5.6 million—")).unwrap();
    assert!(cost["claim_id"].is_i64(), "the sentence names the seed claim quoting it");
    // Registered claims that say much the same are shown beside the candidates they match.
    let matched = candidates.iter().flat_map(|c| c["matches"].as_array().unwrap()).next().expect("a match");
    assert_eq!(matched["url"], format!("/v1/claims/{}", matched["id"]));
    assert_eq!(matched["already_checked"], false, "no seed claim has a verdict");

    let app = app.restart().await;
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "taken in once");
}

/// A server that fetches pages, reaching the fixture server on loopback.
async fn fetching_app(site: &Fixture) -> TestApp {
    let port = site.port();
    spawn_app_with(move |c| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_allow_private = true;
        c.fetch.fetch_ports = vec![port];
    })
    .await
}

#[tokio::test]
async fn an_article_is_taken_in_from_its_url() {
    let site = Fixture::start().await;
    let app = fetching_app(&site).await;
    let article = submit(&app, &json!({"url": site.url("/to-article")})).await;
    assert_eq!(article["title"], "Chip stocks fall after DeepSeek's R1");
    assert_eq!(article["publisher"], "The Wire");
    assert_eq!(article["published_at"], "2025-01-28T06:30:00Z");
    assert_eq!(
        (article["url"].as_str(), article["format"].as_str()),
        (Some(site.url("/to-article").as_str()), Some("html"))
    );
    let fetched = &article["fetched"];
    assert_eq!(fetched["final_url"], site.url("/article"));
    assert_eq!(fetched["redirects"], json!([site.url("/to-article")]));
    assert_eq!((fetched["status"].as_i64(), fetched["archived"].as_bool()), (Some(200), Some(true)));
    assert_eq!(fetched["sha256"], hex::encode(Sha256::digest(ARTICLE_PAGE.as_bytes())));
    assert_eq!(fetched["size"], ARTICLE_PAGE.len());

    let candidates = article["candidates"].as_array().unwrap();
    let text = |c: &Value| c["text"].as_str().unwrap().to_owned();
    assert!(candidates.iter().all(|c| !text(c).contains("datePublished")), "scripts are not text");
    let nvidia = candidates.iter().position(|c| text(c).starts_with("Nvidia shares fell 17%")).unwrap();
    let unknown = candidates.iter().position(|c| text(c) == "Nobody knows.").unwrap();
    assert!(nvidia < unknown, "the figure ranks above the shrug");
    assert_eq!(candidates[nvidia]["claimant"], "Bloomberg");

    // What the request gives overrides what the page says; the claim taken names both.
    let given = json!({"url": site.url("/article"), "title": "Our title", "published_at": "2025-01-29",
        "publisher": "Wire"});
    let article = submit(&app, &given).await;
    assert_eq!((article["title"].as_str(), article["published_at"].as_str()), (Some("Our title"), Some("2025-01-29")));
    assert_eq!(article["publisher"], "Wire");
    let id = article["id"].as_i64().unwrap();
    let position = article["candidates"][0]["position"].as_i64().unwrap();
    let claim: Value =
        app.post(&format!("/v1/articles/{id}/candidates/{position}/accept"), &json!({})).await.json().await.unwrap();
    assert_eq!(claim["appeared_in"]["url"], site.url("/article"));
    assert_eq!(claim["appeared_in"]["title"], "Our title");

    // Plain text is read as it is: here, a transcript; its publisher is the host.
    let transcript = submit(&app, &json!({"url": site.url("/transcript.txt")})).await;
    assert_eq!((transcript["format"].as_str(), transcript["sentence_count"].as_i64()), (Some("transcript"), Some(3)));
    assert_eq!(transcript["publisher"], "127.0.0.1");
    assert_eq!(app.count("article_snapshots"), 3, "every page fetched is archived");
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["fetched"]["final_url"], site.url("/transcript.txt"));
}

#[tokio::test]
async fn pages_that_cannot_be_had_are_refused_naming_the_url_and_the_rule() {
    let site = Fixture::start().await;
    let app = fetching_app(&site).await;
    for (path, rule, says) in [
        ("/nowhere", "reachable", "HTTP 404"),
        ("/server-error", "reachable", "HTTP 500"),
        ("/image", "content-type", "image/png"),
        ("/blank", "not-empty", "no readable text"),
        ("/to-file", "address-guard", "file"),
    ] {
        let refused = problem(app.post("/v1/articles", &json!({"url": site.url(path)})).await, 422).await;
        assert_eq!(error_fields(&refused), ["url"], "{path}");
        assert_eq!(refused["errors"][0]["rule"], rule, "{path}: {refused}");
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains(says), "{path}: {refused}");
    }
    // The rest of the input is checked before anything is fetched.
    let bad_date = json!({"url": site.url("/article"), "published_at": "soon"});
    assert_eq!(error_fields(&problem(app.post("/v1/articles", &bad_date).await, 422).await), ["published_at"]);
    assert_eq!(site.hits("/article"), 0);
    let closed = problem(app.post("/v1/articles", &json!({"url": "http://127.0.0.1:1/"})).await, 422).await;
    assert_eq!(closed["errors"][0]["rule"], "address-guard", "port 1 is not among --fetch-ports: {closed}");
    assert_eq!(app.count("articles"), 0, "nothing is stored");
}

#[tokio::test]
async fn the_address_guard_refuses_private_addresses_without_the_flag() {
    let site = Fixture::start().await;
    let port = site.port();
    let app = spawn_app_with(move |c| {
        c.fetch.fetch_concurrency = 2;
        c.fetch.fetch_ports = vec![port];
    })
    .await;
    for url in [site.url("/article"), format!("http://localhost:{port}/article"), format!("http://[::1]:{port}/")] {
        let refused = problem(app.post("/v1/articles", &json!({ "url": url })).await, 422).await;
        assert_eq!(
            (error_fields(&refused), refused["errors"][0]["rule"].as_str()),
            (vec!["url".to_string()], Some("address-guard")),
            "{url}"
        );
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains("loopback"), "{refused}");
    }
    assert_eq!(site.hits("/article"), 0, "no connection was made");
    let scheme = problem(app.post("/v1/articles", &json!({"url": "file:///etc/passwd"})).await, 422).await;
    assert_eq!((error_fields(&scheme), scheme["errors"][0]["rule"].as_str()), (vec!["url".to_string()], Some("url")));

    // With fetching off, a URL the guard allows is refused as such, at once.
    let off = spawn_app().await;
    let refused = problem(off.post("/v1/articles", &json!({"url": "https://news.example.org/r1"})).await, 422).await;
    assert_eq!(refused["errors"][0]["rule"], "fetching-off");
    let guarded = problem(off.post("/v1/articles", &json!({"url": "http://10.0.0.1/"})).await, 422).await;
    assert_eq!(guarded["errors"][0]["rule"], "address-guard");
}

async fn desk_page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Posts a form and follows its redirect back, if it made one.
async fn desk_post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = browser.post(app.url(path)).form(form).send().await.unwrap();
    if response.status() == StatusCode::SEE_OTHER {
        let back = response.headers()["location"].to_str().unwrap().to_owned();
        return desk_page(app, browser, &back).await;
    }
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_desk_takes_an_article_in_and_accepts_its_sentences() {
    let app = spawn_seeded_app().await;
    let (browser, csrf) = sign_in(&app, Role::Submitter).await;
    let csrf = csrf.as_str();
    let (status, list) = desk_page(&app, &browser, "/admin/articles").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/admin/articles\"") && list.contains("Take in an article"), "{list}");
    assert!(list.contains("DeepSeek"), "the seed article is listed: {list}");

    let form = [("csrf", csrf), ("text", TEXT), ("url", "https://news.example.com/trade"), ("title", "Trade")];
    let (status, article) = desk_post(&app, &browser, "/admin/articles", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(article.contains("taken in: 5 sentences"), "{article}");
    let id: i64 = article.split("Article ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    // Every sentence in order, shaded by a band, its score written out, its reasons in <details> and on hover.
    let census = article.find("Exports fell 12% in 2019").unwrap();
    assert!(article.find("Thank you all for coming").unwrap() < census, "reading order");
    assert_eq!(article.matches("class=\"sentence band-").count(), 5);
    assert!(article.contains("<span class=\"score\" title=\"+ "), "reasons on hover");
    assert!(article.contains("<details class=\"reasons\"><summary>Why "), "reasons on tap");
    assert!(article.contains("lowered</span> by it is a question"), "{article}");

    let accept = format!("/admin/articles/{id}/candidates/2/accept");
    let (status, accepted) = desk_post(&app, &browser, &accept, &[("csrf", csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    let claim_id: i64 =
        accepted.split("Sentence 2 registered as claim ").nth(1).unwrap().split('.').next().unwrap().parse().unwrap();
    assert!(
        accepted.contains(&format!(
            "Taken as <a href=\"/admin/claims/{claim_id}\">claim {claim_id}</a> <span class=\"pill submitted\">"
        )),
        "{accepted}"
    );
    assert!(
        accepted.contains(&format!("<a href=\"/admin/claims/{claim_id}\">Claim {claim_id}</a>")),
        "listed among the claims taken"
    );
    let claim = app.claim(claim_id).await;
    assert_eq!(
        (claim["claimant"].as_str(), claim["appeared_in"]["article_id"].as_i64()),
        (Some("the Census Bureau"), Some(id))
    );

    let edited =
        [("csrf", csrf), ("text", "The plan costs $5.6 million."), ("claimant", "John Smith"), ("tags", "cost, plan")];
    let (_, page) = desk_post(&app, &browser, &format!("/admin/articles/{id}/candidates/3/accept"), &edited).await;
    let edited_id: i64 =
        page.split("Sentence 3 registered as claim ").nth(1).unwrap().split('.').next().unwrap().parse().unwrap();
    let claim = app.claim(edited_id).await;
    assert_eq!(
        (claim["text"].as_str(), claim["claimant"].as_str()),
        (Some("The plan costs $5.6 million."), Some("John Smith"))
    );
    assert_eq!(claim["tags"], json!(["cost", "plan"]));
    assert_eq!(claim["appeared_in"]["quote"], "Dr. Smith said the plan would cost $5.6 million.");

    let (_, twice) = desk_post(&app, &browser, &accept, &[("csrf", csrf)]).await;
    assert!(twice.contains(&format!("claim {claim_id}")) && twice.contains("class=\"notice error\""), "{twice}");
    let (status, _) = desk_post(&app, &browser, &accept, &[("csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The claim's status follows it: moved on, the article page says so.
    app.attach_ok(claim_id, "https://www.census.gov/trade", "supports").await;
    app.transition(claim_id, &json!({"to": "in_review"})).await;
    let (_, later) = desk_page(&app, &browser, &format!("/admin/articles/{id}")).await;
    assert!(later.contains("<span class=\"pill in_review\">in review</span>"), "{later}");

    // Refusals name the field and the rule, on the form again.
    let (status, empty) =
        desk_post(&app, &browser, "/admin/articles", &[("csrf", csrf), ("text", " "), ("url", ""), ("title", "")])
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("one-of"), "{empty}");
    let private = [("csrf", csrf), ("text", ""), ("url", "http://127.0.0.1/admin"), ("title", "")];
    let (status, refused) = desk_post(&app, &browser, "/admin/articles", &private).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("address-guard") && refused.contains("value=\"http://127.0.0.1/admin\""), "{refused}");
    let (status, _) = desk_page(&app, &browser, "/admin/articles/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_desk_sees_what_an_article_repeats_and_what_was_checked() {
    let app = spawn_seeded_app().await;
    let listed: Value = app.get("/v1/articles").await.json().await.unwrap();
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let article: Value = app.get(&format!("/v1/articles/{id}")).await.json().await.unwrap();
    let candidates = article["candidates"].as_array().unwrap();
    // A match with another claim than the one taken from the sentence itself.
    let matched = candidates
        .iter()
        .flat_map(|c| c["matches"].as_array().unwrap().iter().filter(move |m| m["id"] != c["claim_id"]))
        .next()
        .expect("a match");
    let claim_id = matched["id"].as_i64().unwrap();
    app.attach_ok(claim_id, "https://www.ft.example.org/deepseek", "refutes").await;
    app.transition(claim_id, &json!({"to": "in_review"})).await;
    let verified = app
        .transition(
            claim_id,
            &json!({"to": "verified", "verdict": "misleading", "rationale": "What the record shows."}),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);

    let (browser, _) = sign_in(&app, Role::Reviewer).await;
    let (status, page) = desk_page(&app, &browser, &format!("/admin/articles/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let said = page.split("<h2>Said before</h2>").nth(1).unwrap().split("<h2>").next().unwrap();
    assert!(said.contains(&format!("<a href=\"/admin/claims/{claim_id}\">claim {claim_id}</a>")), "{said}");
    assert!(said.contains("already checked: <span class=\"pill misleading\">Misleading</span>"), "{said}");
    let taken = page.split("<h2>Claims taken from it</h2>").nth(1).unwrap().split("<h2>").next().unwrap();
    assert!(
        taken.contains("<span class=\"pill submitted\">submitted</span>"),
        "the seed claims taken, with their status"
    );
}
