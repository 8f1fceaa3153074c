//! Fetching the page of an article named by its URL, for intake. The request that names it waits for
//! the page, so the fetch runs as evidence fetches do: on the runtime the link watch runs on (not on
//! the HTTP worker's own thread), through the same guarded client and limits, a bounded number at a
//! time; reading and archiving the page runs on the blocking pool.

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::Semaphore;

use super::archive;
use super::client::{Fetched, Fetcher, Page};
use super::extract;
use super::guard::Refusal;
use crate::domain::article::PageText;
use crate::store::links::NewSnapshot;

pub struct ArticleFetcher {
    fetcher: Arc<Fetcher>,
    runtime: Handle,
    slots: Arc<Semaphore>,
}

/// A page fetched and read: what it says, and its archived copy.
pub struct FetchedArticle {
    pub page: PageText,
    pub snapshot: NewSnapshot,
}

/// Why no article came of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFetched {
    /// The address guard said no, at the URL or at a redirect.
    Refused(Refusal),
    /// No page: the host does not resolve or answer, the answer is not 2xx, or it timed out.
    Unreachable(String),
    /// A page, but not HTML or text; its content type.
    NotText(Option<String>),
}

impl ArticleFetcher {
    /// Fetches on the runtime this is made on, at most `concurrency` pages at a time.
    pub fn new(fetcher: Arc<Fetcher>, concurrency: usize) -> ArticleFetcher {
        ArticleFetcher { fetcher, runtime: Handle::current(), slots: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    pub async fn fetch(&self, url: &str) -> Result<FetchedArticle, NotFetched> {
        let (fetcher, slots, url) = (self.fetcher.clone(), self.slots.clone(), url.to_owned());
        let fetched = self
            .runtime
            .spawn(async move {
                let _slot = slots.acquire_owned().await;
                fetcher.fetch(&url).await
            })
            .await
            .map_err(|_| NotFetched::Unreachable("the fetch was stopped".into()))?;
        let page = match fetched {
            Fetched::Page(page) => page,
            Fetched::Refused(Refusal::Unresolved) => {
                return Err(NotFetched::Unreachable(Refusal::Unresolved.to_string()));
            }
            Fetched::Refused(refusal) => return Err(NotFetched::Refused(refusal)),
            Fetched::Missing(why) | Fetched::Failed(why) => return Err(NotFetched::Unreachable(why)),
        };
        let Some(html) = readable(page.content_type.as_deref()) else {
            return Err(NotFetched::NotText(page.content_type));
        };
        tokio::task::spawn_blocking(move || read(&page, html))
            .await
            .map_err(|_| NotFetched::Unreachable("the page could not be read".into()))
    }
}

/// Whether a content type is HTML (`Some(true)`) or other text (`Some(false)`); `None` for the rest.
fn readable(content_type: Option<&str>) -> Option<bool> {
    let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(true),
        m if m.starts_with("text/") => Some(false),
        _ => None,
    }
}

fn read(page: &Page, html: bool) -> FetchedArticle {
    let extracted = extract::extract(&page.body, page.content_type.as_deref());
    let snapshot = archive::snapshot(page, &extracted);
    // Without a name on the page, the site is known by its host.
    let host = page.url.host_str().map(|h| h.trim_start_matches("www.").to_owned());
    let page = PageText {
        text: extracted.text.unwrap_or_default(),
        html,
        title: extracted.title,
        published: extracted.published,
        publisher: extracted.publisher.or(host),
    };
    FetchedArticle { page, snapshot }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_text_are_read_and_nothing_else() {
        assert_eq!(readable(Some("text/html; charset=utf-8")), Some(true));
        assert_eq!(readable(Some("application/xhtml+xml")), Some(true));
        assert_eq!(readable(Some("text/plain")), Some(false));
        for other in [Some("image/png"), Some("application/pdf"), Some("application/json"), Some(""), None] {
            assert_eq!(readable(other), None, "{other:?}");
        }
    }

    #[tokio::test]
    async fn a_host_that_does_not_resolve_is_unreachable_at_once() {
        use super::super::client::{Limits, Lookup};
        use super::super::guard::GuardConfig;
        let failing: Lookup = Arc::new(|_| Box::pin(async { Err(std::io::Error::other("NXDOMAIN")) }));
        let limits = Limits {
            max_bytes: 1024,
            timeout: std::time::Duration::from_secs(60),
            connect_timeout: std::time::Duration::from_secs(60),
        };
        let fetcher = Arc::new(Fetcher::new(GuardConfig::default(), limits, failing).unwrap());
        let articles = ArticleFetcher::new(fetcher, 1);
        match articles.fetch("https://nowhere.example.org/story").await {
            Err(NotFetched::Unreachable(why)) => assert!(why.contains("does not resolve"), "{why}"),
            Err(other) => panic!("expected unreachable, got {other:?}"),
            Ok(_) => panic!("expected unreachable, got a page"),
        }
    }

    #[test]
    fn a_page_without_a_site_name_is_published_by_its_host() {
        let page = Page {
            url: url::Url::parse("https://www.wire.example.org/r1").unwrap(),
            redirects: Vec::new(),
            status: 200,
            content_type: Some("text/html".into()),
            body: b"<title>R1</title><p>R1 cost $5.6 million.</p>".to_vec(),
            truncated: false,
        };
        let read = read(&page, true);
        assert_eq!(read.page.publisher.as_deref(), Some("wire.example.org"));
        assert_eq!(read.page.title.as_deref(), Some("R1"));
        assert!(read.snapshot.body.is_some(), "HTML is archived");
    }
}
