//! One guarded fetch: every URL and redirect hop passes the address guard, names are resolved once by
//! `GuardedResolver` and the connection goes to an address it checked, the body is read up to the
//! size cap whatever Content-Length says, and the whole fetch has a deadline.

use std::error::Error as _;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use url::Url;

use super::guard::{self, GuardConfig, MAX_REDIRECTS, Refusal};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes read from a body at most; the rest is never read.
    pub max_bytes: usize,
    /// For the whole fetch, redirects and body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

/// A page as it came over the wire.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body went on past `max_bytes`.
    pub truncated: bool,
}

#[derive(Debug, Clone)]
pub enum Fetched {
    Page(Page),
    /// 404, 410, or a host name that does not resolve.
    Missing(String),
    Refused(Refusal),
    Failed(String),
}

/// Looks a name up; the guarded resolver checks what comes back. Swappable so tests can play DNS.
pub type Lookup =
    Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> + Send + Sync>;

/// The system's name servers and hosts file (`/etc/resolv.conf`, `/etc/hosts`), read by an in-process
/// resolver rather than libc's: the container image is `FROM scratch` with a static binary, where
/// glibc's resolver cannot load the modules it needs.
pub fn system_lookup() -> anyhow::Result<Lookup> {
    let resolver = Arc::new(hickory_resolver::TokioResolver::builder_tokio()?.build());
    Ok(Arc::new(move |host: String| {
        let resolver = resolver.clone();
        Box::pin(async move {
            let found = resolver.lookup_ip(host.as_str()).await.map_err(std::io::Error::other)?;
            Ok(found.iter().collect())
        })
    }))
}

/// A host name that did not resolve.
#[derive(Debug, thiserror::Error)]
#[error("the host name {0} does not resolve")]
pub struct Unresolvable(String);

/// Resolves once and hands the connector only addresses the guard allowed, all of them checked:
/// there is no second lookup for DNS rebinding to answer differently.
pub struct GuardedResolver {
    pub guard: GuardConfig,
    pub lookup: Lookup,
}

impl GuardedResolver {
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let found = (self.lookup)(host.to_owned()).await.map_err(|_| Unresolvable(host.to_owned()))?;
        guard::check_resolved(&found, &self.guard)?;
        Ok(found)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = GuardedResolver { guard: self.guard.clone(), lookup: self.lookup.clone() };
        Box::pin(async move {
            let found = resolver.addresses(name.as_str()).await?;
            Ok(Box::new(found.into_iter().map(|ip| SocketAddr::new(ip, 0))) as Addrs)
        })
    }
}

/// An HTTP client that resolves names only through the guard, follows no redirects on its own (the
/// caller checks each hop) and ignores proxy settings from the environment. Callers still check each
/// URL with `guard::check_url`: IP literals never reach the resolver.
pub fn guarded_client(
    guard: &GuardConfig,
    connect_timeout: Duration,
    lookup: Lookup,
) -> reqwest::Result<reqwest::Client> {
    let resolver = GuardedResolver { guard: guard.clone(), lookup };
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .dns_resolver(Arc::new(resolver))
        .user_agent(concat!("claimcheck/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why a request got no answer, in words; refusals by the guard come out as such.
pub fn describe(e: &reqwest::Error) -> String {
    match classify(e) {
        Fetched::Refused(refusal) => format!("refused by the address guard: {refusal}"),
        Fetched::Missing(why) | Fetched::Failed(why) => why,
        Fetched::Page(_) => String::new(),
    }
}

pub struct Fetcher {
    client: reqwest::Client,
    guard: GuardConfig,
    limits: Limits,
}

const ACCEPTED: &str =
    "text/html,application/xhtml+xml,application/json;q=0.9,application/pdf;q=0.9,text/*;q=0.8,*/*;q=0.1";

impl Fetcher {
    pub fn new(guard: GuardConfig, limits: Limits, lookup: Lookup) -> anyhow::Result<Fetcher> {
        let client = guarded_client(&guard, limits.connect_timeout, lookup)?;
        Ok(Fetcher { client, guard, limits })
    }

    pub async fn fetch(&self, url: &str) -> Fetched {
        match tokio::time::timeout(self.limits.timeout, self.follow(url)).await {
            Ok(fetched) => fetched,
            Err(_) => Fetched::Failed(format!("no complete answer within {:?}", self.limits.timeout)),
        }
    }

    async fn follow(&self, url: &str) -> Fetched {
        let mut url = match Url::parse(url) {
            Ok(url) => url,
            Err(e) => return Fetched::Failed(format!("not a URL: {e}")),
        };
        let mut redirects = Vec::new();
        loop {
            if let Err(refusal) = guard::check_url(&url, &self.guard) {
                return Fetched::Refused(refusal);
            }
            let response = match self.client.get(url.clone()).header(ACCEPT, ACCEPTED).send().await {
                Ok(response) => response,
                Err(e) => return classify(&e),
            };
            let status = response.status();
            if status.is_redirection() {
                let Some(location) = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()) else {
                    return Fetched::Failed(format!("HTTP {} without a usable Location", status.as_u16()));
                };
                if redirects.len() == MAX_REDIRECTS {
                    return Fetched::Failed(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match guard::check_redirect(&url, location, &self.guard) {
                    Ok(next) => redirects.push(std::mem::replace(&mut url, next).to_string()),
                    Err(refusal) => return Fetched::Refused(refusal),
                }
                continue;
            }
            if matches!(status.as_u16(), 404 | 410) {
                return Fetched::Missing(format!("HTTP {}", status.as_u16()));
            }
            if !status.is_success() {
                return Fetched::Failed(format!("HTTP {}", status.as_u16()));
            }
            let content_type = response.headers().get(CONTENT_TYPE).and_then(|t| t.to_str().ok()).map(str::to_owned);
            return match self.read(response).await {
                Ok((body, truncated)) => {
                    Fetched::Page(Page { url, redirects, status: status.as_u16(), content_type, body, truncated })
                }
                Err(e) => classify(&e),
            };
        }
    }

    /// Reads chunks until the body ends or the cap is passed; never trusts Content-Length for either.
    async fn read(&self, mut response: reqwest::Response) -> Result<(Vec<u8>, bool), reqwest::Error> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > self.limits.max_bytes {
                body.truncate(self.limits.max_bytes);
                return Ok((body, true));
            }
        }
        Ok((body, false))
    }
}

/// Sorts a transport error into refused (the resolver's guard said no), missing (unknown host) or
/// failed, with a reason a reviewer can read.
fn classify(e: &reqwest::Error) -> Fetched {
    let mut source = e.source();
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return Fetched::Refused(refusal.clone());
        }
        if let Some(unknown) = cause.downcast_ref::<Unresolvable>() {
            return Fetched::Missing(unknown.to_string());
        }
        source = cause.source();
    }
    if e.is_timeout() {
        return Fetched::Failed("timed out".into());
    }
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        root = next;
    }
    let what = if e.is_connect() { "could not connect" } else { "the transfer failed" };
    Fetched::Failed(format!("{what}: {root}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answering(addresses: &'static [&'static str]) -> Lookup {
        Arc::new(move |_| Box::pin(async move { Ok(addresses.iter().map(|a| a.parse().unwrap()).collect()) }))
    }

    #[tokio::test]
    async fn a_name_with_any_forbidden_answer_is_refused() {
        let resolver =
            GuardedResolver { guard: GuardConfig::default(), lookup: answering(&["93.184.216.34", "10.0.0.7"]) };
        let error = resolver.addresses("mixed.example.org").await.unwrap_err();
        assert!(error.downcast_ref::<Refusal>().is_some(), "{error}");
        let resolver = GuardedResolver { guard: GuardConfig::default(), lookup: answering(&["93.184.216.34"]) };
        assert_eq!(
            resolver.addresses("public.example.org").await.unwrap(),
            vec!["93.184.216.34".parse::<IpAddr>().unwrap()]
        );
    }

    #[tokio::test]
    async fn rebinding_gets_no_second_chance() {
        // A resolver that answers public first and private after: each answer is checked as it comes.
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        let lookup: Lookup = Arc::new(move |_| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move { Ok(vec![if n == 0 { "93.184.216.34" } else { "127.0.0.1" }.parse().unwrap()]) })
        });
        let resolver = GuardedResolver { guard: GuardConfig::default(), lookup };
        assert!(resolver.addresses("rebind.example.org").await.is_ok());
        assert!(resolver.addresses("rebind.example.org").await.is_err());
    }

    #[tokio::test]
    async fn a_refusal_from_the_resolver_reaches_the_caller_as_refused() {
        let guard = GuardConfig { allowed_ports: vec![80, 443], ..GuardConfig::default() };
        let limits =
            Limits { max_bytes: 1024, timeout: Duration::from_secs(5), connect_timeout: Duration::from_secs(1) };
        let fetcher = Fetcher::new(guard, limits, answering(&["127.0.0.1"])).unwrap();
        match fetcher.fetch("http://loopback.example.org/").await {
            Fetched::Refused(Refusal::Address { reason, .. }) => assert_eq!(reason, "a loopback address"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let failing: Lookup = Arc::new(|_| Box::pin(async { Err(std::io::Error::other("NXDOMAIN")) }));
        let fetcher = Fetcher::new(GuardConfig::default(), limits, failing).unwrap();
        assert!(matches!(fetcher.fetch("http://nowhere.example.org/").await, Fetched::Missing(_)));
    }
}
