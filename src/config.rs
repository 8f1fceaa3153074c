//! Configuration: command-line flags, each with a `CLAIMCHECK_*` environment fallback. Built once in
//! `main` and passed in; nothing reads the environment anywhere else.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::store::audit_key::AuditKey;
use crate::store::{StoreConfig, Synchronous};

/// Where the database lives and how it is written.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// SQLite database file; created with its folder if missing.
    #[arg(long, env = "CLAIMCHECK_DB", default_value = "data/claimcheck.db", global = true)]
    pub db: PathBuf,

    /// Durability of each commit: `full` survives a power cut, `normal` only a crash of the process.
    #[arg(long, env = "CLAIMCHECK_SYNCHRONOUS", value_enum, default_value = "full")]
    pub synchronous: Synchronous,

    /// Read-only connections serving queries in parallel.
    #[arg(long, env = "CLAIMCHECK_READERS", default_value_t = 4)]
    pub readers: usize,

    /// Reads of a claim by id and of a page of a list run on the request's own thread, stopped after
    /// this many microseconds and run again on the blocking pool; a run of slower ones (the disk, not
    /// memory, answered) sends them all to the blocking pool for a second. 0 sends them there always.
    #[arg(long, env = "CLAIMCHECK_QUICK_READ_LIMIT_US", default_value_t = 1000)]
    pub quick_read_limit_us: u64,

    /// Writes that may wait for the writer; past that, requests wait up to --write-wait-ms, then get 503.
    #[arg(long, env = "CLAIMCHECK_WRITE_QUEUE", default_value_t = 4096)]
    pub write_queue: usize,

    /// How long a write waits for room in a full queue before it is refused with 503 and Retry-After.
    #[arg(long, env = "CLAIMCHECK_WRITE_WAIT_MS", default_value_t = 2000)]
    pub write_wait_ms: u64,

    /// The audit log's secret key file (64 hex digits), created readable by its owner only if missing
    /// (default: audit.key beside the database). Keep it, and a copy of it, apart from the database.
    #[arg(long, env = "CLAIMCHECK_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,

    /// The audit log's secret key itself (64 hex digits), instead of a file.
    #[arg(long, env = "CLAIMCHECK_AUDIT_KEY", hide_env_values = true, global = true)]
    pub audit_key: Option<String>,
}

impl DatabaseArgs {
    /// The store's settings, with the audit key read (or made).
    pub fn store_config(&self) -> anyhow::Result<StoreConfig> {
        let audit_key = match (&self.audit_key, &self.audit_key_file) {
            (Some(hex), _) => AuditKey::from_hex(hex)?,
            (None, Some(file)) => AuditKey::load_or_create(file)?,
            (None, None) => AuditKey::load_or_create(&self.db.with_file_name("audit.key"))?,
        };
        Ok(StoreConfig {
            path: self.db.clone(),
            synchronous: self.synchronous,
            readers: self.readers,
            quick_read_limit: Duration::from_micros(self.quick_read_limit_us),
            write_queue: self.write_queue,
            write_wait: Duration::from_millis(self.write_wait_ms),
            audit_key,
        })
    }
}

/// `claimcheck serve`.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CLAIMCHECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Do not import the built-in seed claims into an empty database.
    #[arg(long, env = "CLAIMCHECK_NO_SEED")]
    pub no_seed: bool,

    /// Rendered claims kept in memory for `GET /v1/claims/{id}`, and as many as list items; 0 turns the
    /// caches off.
    #[arg(long, env = "CLAIMCHECK_CACHE_CLAIMS", default_value_t = 4096)]
    pub cache_claims: usize,

    /// Let anyone without a key read published claims (and only those).
    #[arg(long, env = "CLAIMCHECK_PUBLIC_READ")]
    pub public_read: bool,

    /// Requests per second each API key may make (bursts of twice that); past it, 429 with Retry-After.
    #[arg(long, env = "CLAIMCHECK_RATE_LIMIT", default_value_t = 1000)]
    pub rate_limit: u32,

    /// Failed authentications per minute one address may make; past it, every request from that
    /// address gets 429 until the wait is over, whatever key it brings.
    #[arg(long, env = "CLAIMCHECK_AUTH_FAILURES_PER_MINUTE", default_value_t = 20)]
    pub auth_failures_per_minute: u32,

    /// Anonymous requests per second one address may make under --public-read (bursts of twice that).
    #[arg(long, env = "CLAIMCHECK_PUBLIC_RATE_LIMIT", default_value_t = 20)]
    pub public_rate_limit: u32,

    /// Proxies (CIDRs, comma-separated) whose `Forwarded` or `X-Forwarded-For` names the client; no one
    /// else's is believed. Limits then apply per client rather than to the proxy's one address.
    #[arg(long, env = "CLAIMCHECK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// An admin page sign-in ends after this long without a request (it ends after 12 hours anyway).
    #[arg(long, env = "CLAIMCHECK_SESSION_IDLE", value_parser = humantime::parse_duration, default_value = "30m")]
    pub session_idle: Duration,

    #[command(flatten)]
    pub matching: MatchingArgs,

    #[command(flatten)]
    pub publisher: PublisherArgs,

    /// TOML file mapping foreign ClaimReview rating names to verdicts, over the built-in table.
    #[arg(long, env = "CLAIMCHECK_RATING_MAP")]
    pub rating_map: Option<PathBuf>,

    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "CLAIMCHECK_WORKERS")]
    pub workers: Option<usize>,

    /// Time a request's body has to arrive in full, counted from the end of its headers; past it the
    /// request gets 408 and its connection is closed. Large imports over slow links may need more.
    #[arg(long, env = "CLAIMCHECK_BODY_TIMEOUT", value_parser = humantime::parse_duration, default_value = "10s")]
    pub body_timeout: Duration,

    /// Connections open at once, in all; past it a new connection is answered 503 and closed. Keep it
    /// well under the process's open-file limit (`ulimit -n`): the database and fetches need files too.
    #[arg(long, env = "CLAIMCHECK_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Connections open at once from one client address (IPv6: one /64); past it a new connection is
    /// answered 429 and closed. Proxies named in --trusted-proxies count towards --max-connections only.
    #[arg(long, env = "CLAIMCHECK_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_address: u32,

    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "CLAIMCHECK_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,

    #[command(flatten)]
    pub fetch: FetchArgs,

    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

impl Config {
    /// Every setting at its default (environment variables still apply), as `claimcheck serve` with
    /// no flags has them: the one definition tests start from.
    pub fn defaults() -> Config {
        Config::parse_from(["claimcheck"])
    }

    /// `claimcheck serve` with these flags.
    pub fn parse_from<I, T>(args: I) -> Config
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            config: Config,
        }
        <Serve as clap::Parser>::parse_from(args).config
    }
}

/// How claims are matched: shared by `serve` and `import`, which merges a review into the claim it
/// repeats.
#[derive(Debug, Clone, Args)]
pub struct MatchingArgs {
    /// The least match score at which a claim is reported as the same claim (`same` tier); see the
    /// README for its measured precision on the CheckThat! 2020 dev tweets.
    /// Default: 0.8 with a static table (the built-in one), 0.7 with the transformer (`--model`), 0.6
    /// with `--lexical-only`.
    #[arg(long, env = "CLAIMCHECK_MATCH_SAME")]
    pub match_same: Option<f64>,

    /// The least match score at which a claim is shown at all (`related` tier).
    /// Default: 0.01 with sentence vectors, 0.05 with `--lexical-only`.
    #[arg(long, env = "CLAIMCHECK_MATCH_RELATED")]
    pub match_related: Option<f64>,

    /// A sentence model's folder, in place of the static table built into the binary:
    /// `models/derive.py` makes the transformer's (closer matches; milliseconds per text, and each
    /// claim's vector made in the background and kept), `bench/matching/static_vectors.py` a table's.
    #[arg(long, env = "CLAIMCHECK_MODEL", conflicts_with = "lexical_only")]
    pub model: Option<PathBuf>,

    /// Match claims by their words alone, without sentence vectors.
    #[arg(long, env = "CLAIMCHECK_LEXICAL_ONLY")]
    pub lexical_only: bool,
}

/// Who publishes the fact-checks, and where they are read: shared by `serve` and `export`.
#[derive(Debug, Clone, Args)]
pub struct PublisherArgs {
    /// The organization publishing the fact-checks, named as `author` in ClaimReview.
    #[arg(long, env = "CLAIMCHECK_PUBLISHER_NAME", default_value = "claimcheck")]
    pub publisher_name: String,

    /// The publisher's web site, for ClaimReview.
    #[arg(long, env = "CLAIMCHECK_PUBLISHER_URL")]
    pub publisher_url: Option<String>,

    /// The publisher's logo (an image URL), for ClaimReview and the public pages' feed.
    #[arg(long, env = "CLAIMCHECK_PUBLISHER_LOGO")]
    pub publisher_logo: Option<String>,

    /// Where this service is reached from outside (default: http:// and --listen), for URLs it publishes:
    /// the public fact-check pages are under <public-url>/fact-checks.
    #[arg(long, env = "CLAIMCHECK_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl PublisherArgs {
    /// The publisher; `fallback` is where the service is reached when no public URL is set.
    pub fn publisher(&self, fallback: &str) -> crate::claimreview::Publisher {
        crate::claimreview::Publisher {
            name: self.publisher_name.clone(),
            url: self.publisher_url.clone(),
            logo: self.publisher_logo.clone(),
            base_url: self.public_url.clone().unwrap_or_else(|| fallback.to_owned()),
        }
    }
}

/// Delivering webhooks (through the same address guard as fetching: see `--fetch-*`).
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// Webhook deliveries attempted at the same time; 0 turns delivery off (events wait in the outbox).
    #[arg(long, env = "CLAIMCHECK_WEBHOOK_CONCURRENCY", default_value_t = 4)]
    pub webhook_concurrency: usize,

    /// The wait after a failed delivery; doubled after each further failure (with jitter), up to an hour.
    #[arg(long, env = "CLAIMCHECK_WEBHOOK_RETRY", value_parser = humantime::parse_duration, default_value = "5s")]
    pub webhook_retry: Duration,

    /// How long after an event its delivery is given up.
    #[arg(long, env = "CLAIMCHECK_WEBHOOK_GIVE_UP", value_parser = humantime::parse_duration, default_value = "1d")]
    pub webhook_give_up: Duration,

    /// Time a receiver gets to answer one attempt.
    #[arg(long, env = "CLAIMCHECK_WEBHOOK_TIMEOUT", value_parser = humantime::parse_duration, default_value = "15s")]
    pub webhook_timeout: Duration,
}

impl WebhookArgs {
    pub fn policy(&self) -> crate::domain::webhook::Policy {
        crate::domain::webhook::Policy { first_retry: self.webhook_retry, give_up_after: self.webhook_give_up }
    }
}

/// Fetching, archiving and re-checking evidence links.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// Links fetched at the same time, and articles' pages fetched at the same time; 0 turns fetching
    /// off (links stay `pending`, articles are taken in only as text).
    #[arg(long, env = "CLAIMCHECK_FETCH_CONCURRENCY", default_value_t = 8)]
    pub fetch_concurrency: usize,

    /// Let fetches reach loopback, private and other non-public addresses (tests, closed networks).
    /// Lifts the address rule only: schemes, ports, redirects and limits still apply.
    #[arg(long, env = "CLAIMCHECK_FETCH_ALLOW_PRIVATE")]
    pub fetch_allow_private: bool,

    /// Ports fetches may connect to, comma-separated.
    #[arg(long, env = "CLAIMCHECK_FETCH_PORTS", value_delimiter = ',', default_value = "80,443")]
    pub fetch_ports: Vec<u16>,

    /// Bytes of a page read and archived at most; the rest is not read.
    #[arg(long, env = "CLAIMCHECK_FETCH_MAX_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub fetch_max_bytes: usize,

    /// Time for a whole fetch, redirects and body included (`30s`, `2m`).
    #[arg(long, env = "CLAIMCHECK_FETCH_TIMEOUT", value_parser = humantime::parse_duration, default_value = "30s")]
    pub fetch_timeout: Duration,

    /// Time to establish a connection.
    #[arg(long, env = "CLAIMCHECK_FETCH_CONNECT_TIMEOUT", value_parser = humantime::parse_duration, default_value = "10s")]
    pub fetch_connect_timeout: Duration,

    /// How often every link is checked again (`1d`, `12h`).
    #[arg(long, env = "CLAIMCHECK_LINK_RECHECK", value_parser = humantime::parse_duration, default_value = "1d")]
    pub link_recheck: Duration,

    /// The first retry after a failed check; doubled for each further failure in a row, up to --link-recheck.
    #[arg(long, env = "CLAIMCHECK_LINK_RETRY", value_parser = humantime::parse_duration, default_value = "1m")]
    pub link_retry: Duration,
}

impl FetchArgs {
    pub fn guard(&self) -> crate::fetch::guard::GuardConfig {
        crate::fetch::guard::GuardConfig {
            allow_private: self.fetch_allow_private,
            allowed_ports: self.fetch_ports.clone(),
        }
    }

    pub fn limits(&self) -> crate::fetch::client::Limits {
        crate::fetch::client::Limits {
            max_bytes: self.fetch_max_bytes,
            timeout: self.fetch_timeout,
            connect_timeout: self.fetch_connect_timeout,
        }
    }

    pub fn schedule(&self) -> crate::domain::linkcheck::Schedule {
        crate::domain::linkcheck::Schedule { recheck: self.link_recheck, retry: self.link_retry }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    #[arg(long, env = "CLAIMCHECK_LOG_FORMAT", value_enum, default_value = "human", global = true)]
    pub log_format: LogFormat,

    /// Log filter, as in RUST_LOG: `info`, `warn`, `claimcheck=debug`, ...
    #[arg(long, env = "CLAIMCHECK_LOG", default_value = "info", global = true)]
    pub log: String,
}
