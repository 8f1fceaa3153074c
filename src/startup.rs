//! Building and running the server. `build` binds the listener first, so callers (tests among them)
//! know the port before anything is served; `run_until` takes the shutdown signal as a parameter.

use std::future::Future;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};

use std::sync::Arc;

use crate::api::auth::{Auth, Limits};
use crate::api::cache::ClaimCache;
use crate::api::client::TrustedProxies;
use crate::api::connections::ConnectionLimits;
use crate::api::metrics::Metrics;
use crate::api::{self, AppState};
use crate::claimreview::read::RatingMap;
use crate::config::{Config, FetchArgs, MatchingArgs};
use crate::domain::matching::Thresholds;
use crate::embed::Embedder;
use crate::fetch::article::ArticleFetcher;
use crate::fetch::client::{Fetcher, guarded_client, system_lookup};
use crate::fetch::watch::{LinkWatch, Wake};
use crate::import;
use crate::service::{Service, Settings};
use crate::store::Store;
use crate::webhooks::Deliverer;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    store: Store,
    /// The link watch and the webhook deliverer.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let store_config = config.database.store_config()?;
        let (model, match_thresholds) = load_matching(&config.matching).await?;
        let store = tokio::task::spawn_blocking(move || Store::open(&store_config)).await??;
        let listener = TcpListener::bind(&config.listen)?;
        let address = listener.local_addr()?;
        let link_wake = Wake::default();
        let fetcher = fetcher(&config.fetch)?;
        let settings = Settings {
            model,
            publisher: config.publisher.publisher(&format!("http://{address}")),
            guard: config.fetch.guard(),
            article_fetcher: fetcher.clone().map(|f| ArticleFetcher::new(f, config.fetch.fetch_concurrency)),
            ratings: match &config.rating_map {
                Some(file) => RatingMap::with_file(&std::fs::read_to_string(file)?)?,
                None => RatingMap::default(),
            },
            link_wake: link_wake.clone(),
            session_idle: config.session_idle,
            match_thresholds,
        };
        let service = Service::new(store.clone(), settings);
        let vectors = service.sentence_vectors().map(tokio::spawn);
        // Built beside serving: at a million claims it takes a while, and a lookup waits for it.
        let matching = service.matching_index_builder();
        tokio::spawn(service.matching_follower());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match matching.await {
                Ok(f) => tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    claims = f.claims,
                    terms = f.terms,
                    postings_bytes = f.postings_bytes,
                    index_bytes = f.total_bytes,
                    "matching index built"
                ),
                Err(e) => tracing::error!(error = %e, "the matching index could not be built"),
            }
        });
        if !config.no_seed && service.count_claims().await? == 0 {
            let summary = import::import_seed(&service).await?;
            tracing::info!(%summary, "seed claims imported");
        }
        if !config.no_seed {
            let taken = import::seed_articles(&service).await?;
            if taken > 0 {
                tracing::info!(taken, "seed articles taken in");
            }
        }

        let claims_cache = Arc::new(ClaimCache::new(config.cache_claims));
        let list_items = Arc::new(ClaimCache::new(config.cache_claims));
        let (invalidate, invalidate_items) = (claims_cache.clone(), list_items.clone());
        store.claim_changes.listen(Arc::new(move |ids: &[i64]| {
            invalidate.invalidate(ids);
            invalidate_items.invalidate(ids);
        }));
        // Once the caches and the matching index listen: a command run beside the server changes claims.
        store.follow_others()?;
        let limits = Limits {
            per_key_per_second: config.rate_limit,
            failures_per_minute: config.auth_failures_per_minute,
            public_per_second: config.public_rate_limit,
        };
        let metrics = Metrics::new()?;
        let link_watch = fetcher.map(|f| start_link_watch(f, &config.fetch, &store, &link_wake, &metrics));
        let deliverer = start_deliverer(&config, &store, &metrics)?;
        let auth = Auth::new(config.public_read, limits, TrustedProxies(config.trusted_proxies.clone()));
        let (documents, body_timeout) = (Default::default(), config.body_timeout);
        let state = web::Data::new(AppState {
            service,
            claims_cache,
            list_items,
            auth,
            metrics,
            routes: api::middleware::Routes::new(),
            documents,
            body_timeout,
        });
        let housekeeping = tokio::spawn(housekeeping(state.clone()));
        let (total, per_address) = (config.max_connections as usize, config.max_connections_per_address as usize);
        let connections = ConnectionLimits::new(total, per_address, TrustedProxies(config.trusted_proxies.clone()));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(api::middleware::observe))
                // No answer of ours is to be sniffed into another type than it says it is.
                .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
                .configure(api::routes)
                .configure(crate::admin::routes)
                .configure(crate::site::routes)
        })
        .on_connect(move |io, data| connections.on_connect(io, data))
        // Counted per worker and, once reached, leaves connections unanswered in the backlog: kept only
        // as a backstop behind `connections`, which answers.
        .max_connections(config.max_connections as usize)
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout);
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener)?.run();
        tracing::info!(%address, db = %config.database.db.display(), "claimcheck listening");
        let background = link_watch.into_iter().chain(deliverer).chain(vectors).chain([housekeeping]).collect();
        Ok(Application { port: address.port(), server, store, background })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves; then lets in-flight requests finish, commits queued writes,
    /// and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            result = &mut server => result??,
            () = shutdown => {
                // Checks and deliveries that were running stay due and run again after a restart.
                for task in &self.background {
                    task.abort();
                }
                tracing::info!("shutting down: finishing in-flight requests");
                handle.stop(true).await;
                // The server future may already be gone if it stopped on its own.
                let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
            }
        }
        for task in &self.background {
            task.abort();
        }
        let store = self.store;
        tokio::task::spawn_blocking(move || store.close()).await?;
        tracing::info!("stopped; every acknowledged write is committed");
        Ok(())
    }
}

/// The sentence model matching uses (none when lexical only) and the tiers' thresholds, which default
/// by what makes the vectors.
pub async fn load_matching(args: &MatchingArgs) -> anyhow::Result<(Option<Arc<Embedder>>, Thresholds)> {
    let model = match (args.model.clone(), args.lexical_only) {
        (_, true) => None,
        (Some(dir), _) => Some(Arc::new(tokio::task::spawn_blocking(move || Embedder::load(&dir)).await??)),
        (None, _) => Some(tokio::task::spawn_blocking(Embedder::builtin).await??),
    };
    let defaults = Thresholds::defaults(model.as_ref().map(|m| m.vectors()));
    let same = args.match_same.unwrap_or(defaults.same);
    let related = args.match_related.unwrap_or(defaults.related);
    if !(0.0..=1.0).contains(&related) || !(related..=1.0).contains(&same) {
        anyhow::bail!(
            "--match-related ({related}) and --match-same ({same}) must be scores with 0 <= related <= same <= 1"
        );
    }
    Ok((model, Thresholds { same, related }))
}

/// The guarded fetcher evidence links and articles taken in by URL share, unless fetching is off.
fn fetcher(fetch: &FetchArgs) -> anyhow::Result<Option<Arc<Fetcher>>> {
    if fetch.fetch_concurrency == 0 {
        tracing::info!("fetching is off: evidence links stay pending and articles are not fetched by URL");
        return Ok(None);
    }
    if fetch.fetch_allow_private {
        tracing::warn!("fetches may reach private and loopback addresses (--fetch-allow-private)");
    }
    Ok(Some(Arc::new(Fetcher::new(fetch.guard(), fetch.limits(), system_lookup()?)?)))
}

/// Starts checking evidence links in the background.
fn start_link_watch(
    fetcher: Arc<Fetcher>,
    fetch: &FetchArgs,
    store: &Store,
    wake: &Wake,
    metrics: &Metrics,
) -> tokio::task::JoinHandle<()> {
    let watch = LinkWatch {
        store: store.clone(),
        fetcher,
        schedule: fetch.schedule(),
        concurrency: fetch.fetch_concurrency,
        outcomes: metrics.link_checks.clone(),
    };
    tokio::spawn(watch.run(wake.clone()))
}

/// Starts delivering webhooks in the background, unless that is turned off.
fn start_deliverer(
    config: &Config,
    store: &Store,
    metrics: &Metrics,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let hooks = &config.webhooks;
    if hooks.webhook_concurrency == 0 {
        tracing::info!("webhook delivery is off: events wait in the outbox");
        return Ok(None);
    }
    let guard = config.fetch.guard();
    let deliverer = Deliverer {
        store: store.clone(),
        client: guarded_client(&guard, config.fetch.fetch_connect_timeout, system_lookup()?)?,
        guard,
        policy: hooks.policy(),
        timeout: hooks.webhook_timeout,
        concurrency: hooks.webhook_concurrency,
        outcomes: metrics.webhook_attempts.clone(),
    };
    Ok(Some(tokio::spawn(deliverer.run())))
}

/// How often ended sessions, old idempotency answers and idle limiter state are cleared away.
const HOUSEKEEPING: Duration = Duration::from_secs(600);

/// Clears away, now and then, what no longer serves, so that it cannot pile up.
async fn housekeeping(state: web::Data<AppState>) {
    let mut every = tokio::time::interval(HOUSEKEEPING);
    loop {
        every.tick().await;
        state.auth.forget_old();
        match state.service.housekeeping().await {
            Ok((sessions, replays)) => tracing::debug!(sessions, replays, "housekeeping"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; tried again later"),
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
