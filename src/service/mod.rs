//! The use cases, once each: every interface (the HTTP API, the admin page, the importer, the command
//! line) calls these and nothing below them. A use case takes the actor and typed input, checks the
//! actor's right, validates, owns its write transaction and its idempotency, names what it did not
//! find, and wakes the background work its change makes due. It knows nothing of HTTP or HTML.

pub mod articles;
pub mod audit;
pub mod claims;
mod error;
pub mod evidence;
pub mod imports;
pub mod keys;
pub mod matching;
pub mod merges;
pub mod once;
pub mod public;
pub mod publications;
pub mod review;
mod search;
pub mod sessions;
pub mod sources;
pub mod vectors;
pub mod webhooks;

use std::sync::Arc;

pub use error::{Error, Result};

use crate::claimreview::Publisher;
use crate::claimreview::read::RatingMap;
use crate::domain::access::{Action, Actor};
use crate::fetch::article::ArticleFetcher;
use crate::fetch::guard::GuardConfig;
use crate::fetch::watch::Wake;
use crate::store::Store;

/// What the use cases work with: the store, and what they tell or consult beside it.
pub struct Service {
    store: Store,
    /// Tells the link watch that a link is due now.
    link_wake: Wake,
    /// The matching engine's index of claims.
    matcher: Arc<matching::Matcher>,
    /// Who publishes the reviews, and where they are read.
    pub publisher: Publisher,
    /// Which URLs the service may send requests to (evidence, articles and webhooks).
    guard: GuardConfig,
    /// Fetches the pages of articles taken in by URL; `None` when fetching is off.
    article_fetcher: Option<ArticleFetcher>,
    /// How foreign ClaimReview ratings map to verdicts.
    ratings: RatingMap,
    /// Keys looked up by prefix, for a short while.
    keys: keys::KeyCache,
    /// An admin page sign-in ends after this long unused.
    session_idle: std::time::Duration,
}

/// The settings the use cases need beyond the store.
pub struct Settings {
    pub publisher: Publisher,
    pub guard: GuardConfig,
    pub article_fetcher: Option<ArticleFetcher>,
    pub ratings: RatingMap,
    pub link_wake: Wake,
    pub session_idle: std::time::Duration,
    /// The least scores of the `same` and `related` match tiers.
    pub match_thresholds: crate::domain::matching::Thresholds,
    /// The sentence model matching uses beside words, when one is loaded.
    pub model: Option<Arc<crate::embed::Embedder>>,
}

impl Service {
    pub fn new(store: Store, settings: Settings) -> Service {
        let matcher = Arc::new(matching::Matcher::new(settings.match_thresholds, settings.model));
        matching::listen(&store, &matcher);
        Service {
            store,
            link_wake: settings.link_wake,
            matcher,
            publisher: settings.publisher,
            guard: settings.guard,
            article_fetcher: settings.article_fetcher,
            ratings: settings.ratings,
            keys: keys::KeyCache::default(),
            session_idle: settings.session_idle,
        }
    }

    /// Opens the database for a command-line run (no server, no background work).
    pub async fn open(config: crate::store::StoreConfig, settings: Settings) -> anyhow::Result<Service> {
        let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
        Ok(Service::new(store, settings))
    }

    /// The store, for what watches it from outside the use cases (metrics).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Commits what is queued and stops the writer.
    pub async fn close(&self) {
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }

    /// The database answers reads and the writer is running.
    pub async fn ready(&self) -> (bool, bool) {
        let reads = self.store.reader.read(crate::store::ping).await.is_ok();
        (reads, self.store.writer.is_running())
    }
}

/// Checks the actor's right to `action`.
fn require(actor: &Actor, action: Action) -> Result<()> {
    actor.require(action).map_err(Error::from)
}
