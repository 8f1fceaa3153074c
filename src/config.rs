//! Configuration: command-line flags, each with a `CLAIMCHECK_*` environment fallback. Built once in
//! `main` and passed in; nothing reads the environment anywhere else.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

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

    /// Writes that may wait for the writer; past that, requests wait up to --write-wait-ms, then get 503.
    #[arg(long, env = "CLAIMCHECK_WRITE_QUEUE", default_value_t = 4096)]
    pub write_queue: usize,

    /// How long a write waits for room in a full queue before it is refused with 503 and Retry-After.
    #[arg(long, env = "CLAIMCHECK_WRITE_WAIT_MS", default_value_t = 2000)]
    pub write_wait_ms: u64,
}

impl DatabaseArgs {
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            path: self.db.clone(),
            synchronous: self.synchronous,
            readers: self.readers,
            write_queue: self.write_queue,
            write_wait: Duration::from_millis(self.write_wait_ms),
        }
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

    /// Rendered claims kept in memory for `GET /v1/claims/{id}`; 0 turns the cache off.
    #[arg(long, env = "CLAIMCHECK_CACHE_CLAIMS", default_value_t = 4096)]
    pub cache_claims: usize,

    /// Let anyone without a key read published claims (and only those).
    #[arg(long, env = "CLAIMCHECK_PUBLIC_READ")]
    pub public_read: bool,

    /// Requests per second each API key may make (bursts of twice that); past it, 429 with Retry-After.
    #[arg(long, env = "CLAIMCHECK_RATE_LIMIT", default_value_t = 1000)]
    pub rate_limit: u32,

    /// Failed authentications per minute one address may make before it gets 429.
    #[arg(long, env = "CLAIMCHECK_AUTH_FAILURES_PER_MINUTE", default_value_t = 20)]
    pub auth_failures_per_minute: u32,

    /// The organization publishing the fact-checks, named as `author` in ClaimReview.
    #[arg(long, env = "CLAIMCHECK_PUBLISHER_NAME", default_value = "claimcheck")]
    pub publisher_name: String,

    /// The publisher's web site, for ClaimReview.
    #[arg(long, env = "CLAIMCHECK_PUBLISHER_URL")]
    pub publisher_url: Option<String>,

    /// Where this service is reached from outside (default: http:// and --listen), for URLs it publishes.
    #[arg(long, env = "CLAIMCHECK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "CLAIMCHECK_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "CLAIMCHECK_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
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
