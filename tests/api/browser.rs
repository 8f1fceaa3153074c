//! The admin page and the public fact-check pages in real headless Chromium, driven over WebDriver by
//! chromedriver. `.ci/run` installs Debian's chromium and chromium-driver and runs this; it fails if they
//! are missing.
//!
//! The few W3C WebDriver calls are made with reqwest directly: the Rust WebDriver clients pull in a
//! second TLS stack to build, and a local chromedriver needs none.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use claimcheck::domain::access::Role;
use serde_json::{Value, json};

use crate::helpers::{create_key, spawn_app, spawn_seeded_app};
use crate::publishing::publish_fact_check;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    http: reqwest::Client,
    session: String,
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver) must be installed");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=1280,1400".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let created: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let session =
            created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_owned();
        Driver { child, http, session, base, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).await.unwrap_or_else(|answer| panic!("WebDriver {path}: {answer}"))
    }

    async fn try_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if answer["value"]["error"].is_null() { Ok(answer["value"].clone()) } else { Err(answer) }
    }

    /// The text of the element once it holds `needle`. A click that submits a form returns before the
    /// next page has loaded, so the element may first be found on the page being left (then it goes
    /// stale) or not be there yet: both are tried again, for a few seconds.
    async fn text_with(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            let find = json!({"using": "css selector", "value": css});
            if let Ok(found) = self.try_call(reqwest::Method::POST, "/element", Some(find)).await {
                let element = found[ELEMENT].as_str().unwrap_or_default().to_owned();
                let path = format!("/element/{element}/text");
                if let Ok(text) = self.try_call(reqwest::Method::GET, &path, None).await {
                    last = text.as_str().unwrap_or_default().to_owned();
                    if last.contains(needle) {
                        return last;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{css} never held {needle:?}; last seen: {last:?}");
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn find(&self, css: &str) -> String {
        let found =
            self.call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{element}/text"), None).await.as_str().unwrap().to_owned()
    }

    /// The value of a script run in the page (WebDriver runs it whatever the page's own policy).
    async fn eval(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    /// Sets the viewport's width (a reader's phone, a desktop), and a height to match.
    async fn resize(&self, width: u32, height: u32) {
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({"width": width, "height": height}))).await;
    }

    async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: run by .ci/run with Debian's chromium and chromium-driver"]
async fn browser_a_reviewer_signs_in_and_moves_a_seed_claim_to_review() {
    let app = spawn_seeded_app().await;
    let key = create_key(&app.db_path(), "Rita Reviewer", Role::Reviewer).await;
    let driver = Driver::start().await;

    driver.goto(&app.url("/admin/login")).await;
    driver.type_into("input[name=key]", &key).await;
    driver.click("button[type=submit]").await;
    driver.text_with("main h1", "Waiting for review").await;

    driver.click("td a[href='/admin/claims/1']").await;
    driver.text_with(".claim-text", "$5.6 million").await;
    driver.click("select[name=to] option[value=in_review]").await;
    driver.type_into("textarea[name=note]", "Checking the training-cost figure").await;
    driver.click("form[action$='/transition'] button").await;

    driver.text_with(".notice", "Moved to in_review").await;
    let history = driver.text("#history").await;
    assert!(
        history.contains("claim.transitioned") && history.contains("Checking the training-cost figure"),
        "{history}"
    );
    assert!(history.contains("Rita Reviewer"));
    assert_eq!(app.claim(1).await["status"], "in_review");

    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("admin-claim.png");
    driver.screenshot(&shot).await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    println!("browser: signed in, moved claim 1 to in_review, screenshot at {}", shot.display());
    driver.call(reqwest::Method::DELETE, "", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: run by .ci/run with Debian's chromium and chromium-driver"]
async fn browser_a_reader_reads_a_fact_check_on_a_phone_and_on_a_desktop() {
    let app = spawn_app().await;
    let id = publish_fact_check(&app, "DeepSeek trained R1 for $5.6 million, the post says", "misleading").await;
    let driver = Driver::start().await;
    let page = app.url(&format!("/fact-checks/{id}"));

    for (width, height) in [(390, 844), (1280, 900)] {
        driver.resize(width, height).await;
        driver.goto(&page).await;
        driver.text_with("h1", "DeepSeek trained R1").await;
        assert_eq!(driver.text(".verdict").await, "Misleading");
        let viewport = driver.eval("return document.documentElement.clientWidth").await.as_u64().unwrap();
        let content = driver.eval("return document.documentElement.scrollWidth").await.as_u64().unwrap();
        assert!(content <= viewport, "{width} px: the page is {content} px wide in a {viewport} px viewport");
        let font = driver.eval("return parseFloat(getComputedStyle(document.querySelector('section[aria-labelledby=why] p')).fontSize)").await;
        assert!(font.as_f64().unwrap() >= 16.0, "{width} px: text of {font} px");
        // Only the JSON-LD is a script, and it is data a search engine reads from the page as served.
        let scripts = driver.eval("return [...document.scripts].map(s => s.type)").await;
        assert_eq!(scripts, json!(["application/ld+json"]));
        let review: Value = serde_json::from_str(
            driver
                .eval("return document.querySelector('script[type=\"application/ld+json\"]').textContent")
                .await
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!((review["@type"].as_str(), review["url"].as_str()), (Some("ClaimReview"), Some(page.as_str())));
        let foreign = driver
            .eval("return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin))")
            .await;
        assert_eq!(foreign, json!([]), "nothing is fetched from another server");
        let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fact-check-{width}.png"));
        driver.screenshot(&shot).await;
        println!("browser: fact-check {id} at {width} px ({content} px of content), screenshot at {}", shot.display());
    }

    driver.goto(&app.url("/fact-checks")).await;
    driver.type_into("input[name=q]", "trained").await;
    driver.click("form.search button").await;
    driver.text_with("main h1", "trained").await;
    driver.click(&format!("a[href='/fact-checks/{id}']")).await;
    driver.text_with("h1", "DeepSeek trained R1").await;
    driver.call(reqwest::Method::DELETE, "", None).await;
}

/// Where a walk-through's screenshots go: CI keeps this folder as an artifact.
fn shots(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Driver {
    /// The page is no wider than the window: nothing to scroll sideways to. Returns the page's width.
    async fn fits(&self, what: &str) -> u64 {
        let content = self.eval("return document.documentElement.scrollWidth").await.as_u64().unwrap();
        let window = self.eval("return window.innerWidth").await.as_u64().unwrap();
        assert!(content <= window, "{what}: the page is {content} px wide in a {window} px window");
        content
    }

    /// Submits the form `form` (a CSS selector) with its button, and waits for the page it leads to.
    async fn submit(&self, form: &str) {
        self.follow(&format!("{form} button[type=submit]")).await;
    }

    /// Clicks what leads to another page and waits until that page has loaded (a click returns as soon
    /// as it is made: reading at once would read the old page).
    async fn follow(&self, css: &str) {
        self.eval("window.leaving = true").await;
        self.click(css).await;
        for _ in 0..100 {
            let arrived = self.eval("return window.leaving === undefined && document.readyState === 'complete'").await;
            if arrived == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} led to no new page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: run by .ci/run with Debian's chromium and chromium-driver"]
async fn browser_a_check_is_carried_from_submission_to_publication_and_reopened() {
    let app = spawn_seeded_app().await;
    let key = create_key(&app.db_path(), "Rita Reviewer", Role::Reviewer).await;
    let driver = Driver::start().await;
    let dir = shots("review-desk");
    let mut step = 0;
    let mut shot = async |name: &str| {
        step += 1;
        let path = dir.join(format!("{step:02}-{name}.png"));
        driver.screenshot(&path).await;
        assert!(std::fs::metadata(&path).unwrap().len() > 5_000);
    };
    driver.resize(1280, 1000).await;

    driver.goto(&app.url("/admin/login")).await;
    driver.type_into("input[name=key]", &key).await;
    driver.follow("button[type=submit]").await;
    driver.text_with("main h1", "Waiting for review").await;
    shot("signed-in").await;

    // The desk says once how far it trusts a site; evidence from it attached without a number takes it.
    driver.follow("nav a[href='/admin/sources']").await;
    driver.type_into("form#register input[name=site]", "https://arxiv.org/").await;
    driver.type_into("form#register input[name=publisher]", "arXiv").await;
    driver.type_into("form#register input[name=reliability]", "0.6").await;
    driver.type_into("form#register textarea[name=note]", "Preprints: not peer reviewed.").await;
    driver.submit("form#register").await;
    driver.text_with(".notice", "registered").await;
    driver.text_with("table.cards", "arxiv.org").await;
    shot("source-registered").await;

    driver.follow("nav a[href='/admin/claims/new']").await;
    driver.type_into("textarea[name=text]", "DeepSeek spent only 5.6 million dollars to build its R1 model").await;
    driver.type_into("input[name=claimant]", "A viral post").await;
    driver.type_into("input[name=tags]", "cost, r1").await;
    driver.submit("form[action='/admin/claims']").await;
    driver.text_with(".notice", "submitted").await;
    shot("submitted-with-similar-claims").await;
    let href = driver.eval("return document.querySelector('a.button').getAttribute('href')").await;
    let id: i64 = href.as_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    driver.follow("a.button").await;
    driver.text_with(".claim-text", "5.6 million dollars").await;

    let cited =
        [("https://arxiv.org/abs/2412.19437", "supports", None), ("https://wire.example/cost", "refutes", Some("0.8"))];
    for (url, stance, reliability) in cited {
        let form = format!("form[action='/admin/claims/{id}/evidence']");
        driver.type_into(&format!("{form} input[name=url]"), url).await;
        driver.click(&format!("{form} select[name=stance] option[value={stance}]")).await;
        if let Some(reliability) = reliability {
            driver.type_into(&format!("{form} input[name=reliability]"), reliability).await;
        }
        driver.submit(&form).await;
        driver.text_with(".notice", "Evidence attached.").await;
    }
    shot("evidence-attached").await;
    let items: serde_json::Value = app.get(&format!("/v1/claims/{id}/evidence")).await.json().await.unwrap();
    let supporting =
        items["items"].as_array().unwrap().iter().find(|e| e["stance"] == "supports").unwrap()["id"].as_i64().unwrap();

    driver.text_with(&format!("#evidence-{supporting}"), "reliability 0.6 (the Sources registry's").await;
    driver.click(&format!("#evidence-{supporting} summary")).await;
    let retract = format!("form[action='/admin/evidence/{supporting}/retract']");
    driver.type_into(&format!("{retract} input[name=note]"), "Covers the final training run only.").await;
    driver.submit(&retract).await;
    driver.text_with(".notice", "no longer counts").await;
    driver.text_with(&format!("#evidence-{supporting}"), "Covers the final training run only.").await;
    shot("evidence-retracted").await;

    let transition = format!("form[action='/admin/claims/{id}/transition']");
    driver.click(&format!("{transition} option[value=in_review]")).await;
    driver.type_into(&format!("{transition} textarea[name=note]"), "Checking the cost figure").await;
    driver.submit(&transition).await;
    driver.text_with(".notice", "Moved to in_review").await;
    shot("in-review").await;

    driver.click(&format!("{transition} option[value=verified]")).await;
    driver.click(&format!("{transition} select[name=verdict] option[value=mostly_false]")).await;
    driver.submit(&transition).await;
    driver.text_with(".notice.error", "rationale is required").await;
    driver.click(&format!("{transition} option[value=verified]")).await;
    driver.click(&format!("{transition} select[name=verdict] option[value=mostly_false]")).await;
    driver
        .type_into(
            &format!("{transition} textarea[name=rationale]"),
            "The figure is one training run, not the model's cost.",
        )
        .await;
    driver.submit(&transition).await;
    driver.text_with(".notice", "Moved to verified").await;
    driver.text_with(".rationale", "one training run").await;
    shot("verified").await;

    driver.click(&format!("{transition} option[value=published]")).await;
    driver.submit(&transition).await;
    driver.text_with(".notice", "Moved to published").await;
    assert_eq!(app.claim(id).await["status"], "published");
    shot("published").await;

    driver.click(&format!("{transition} option[value=in_review]")).await;
    driver.type_into(&format!("{transition} textarea[name=public_note]"), "New figures came to light.").await;
    driver.submit(&transition).await;
    driver.text_with(".notice", "Moved to in_review").await;
    let history = driver.text("#history").await;
    assert!(history.contains("Moved the claim") && history.contains("Retracted evidence"), "{history}");
    assert!(history.contains("Mostly false") && history.contains("Rita Reviewer"), "{history}");
    shot("reopened").await;

    // Every page a reviewer uses, at a phone's width and a desk's: nothing to scroll sideways to.
    let pages = [
        format!("/admin/claims/{id}"),
        "/admin".to_owned(),
        "/admin/claims".to_owned(),
        "/admin/claims/new".to_owned(),
        format!("/admin/claims/{id}/edit"),
        "/admin/stats".to_owned(),
        "/admin/sources".to_owned(),
        "/admin/sources/1".to_owned(),
        "/admin/claims/999999".to_owned(),
        "/admin/articles".to_owned(),
        // The seed article: its sentences shaded, their reasons and the forms that accept them.
        "/admin/articles/1".to_owned(),
    ];
    for (width, height) in [(390, 844), (1280, 900)] {
        driver.resize(width, height).await;
        for path in &pages {
            driver.goto(&app.url(path)).await;
            let content = driver.fits(&format!("{path} at {width} px")).await;
            println!("browser: {path} at {width} px is {content} px wide");
        }
        driver.goto(&app.url(&format!("/admin/claims/{id}"))).await;
        shot(&format!("claim-at-{width}")).await;
        driver.goto(&app.url("/admin/sources")).await;
        shot(&format!("sources-at-{width}")).await;
        driver.goto(&app.url("/admin/claims")).await;
        shot(&format!("claims-at-{width}")).await;
        driver.goto(&app.url("/admin/articles/1")).await;
        // Reasons and the edit form open, as a tap opens them: they must fit too.
        driver.eval("document.querySelectorAll('details').forEach(d => d.open = true)").await;
        driver.fits(&format!("the seed article with every detail open at {width} px")).await;
        shot(&format!("article-at-{width}")).await;
        let hidden = driver
            .eval(
                "return [...document.querySelectorAll('table.cards td')].filter(td => td.offsetParent === null).length",
            )
            .await;
        assert_eq!(hidden, json!(0), "{width} px: no cell of the list is hidden");
    }
    println!("browser: screenshots in {}", dir.display());
    driver.call(reqwest::Method::DELETE, "", None).await;
}
