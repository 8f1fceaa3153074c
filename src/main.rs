use std::path::PathBuf;

use clap::{Parser, Subcommand};

use claimcheck::claimreview::read::RatingMap;
use claimcheck::config::{Config, DatabaseArgs, LogArgs, MatchingArgs, PublisherArgs};
use claimcheck::domain::access::{Actor, Role};
use claimcheck::domain::matching::Thresholds;
use claimcheck::export::{self, Format};
use claimcheck::service::audit::parse_head;
use claimcheck::service::keys::KeyInput;
use claimcheck::service::{Service, Settings};
use claimcheck::{Application, healthcheck, import, load_matching, shutdown_signal, telemetry};

/// claimcheck: a claim fact-checking service. Without a subcommand, `serve`.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    serve: Config,

    #[command(flatten)]
    log: LogArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve(Box<Config>),
    /// Import claims files (TOML) and ClaimReview JSON-LD: a file, or every such file in a folder;
    /// importing twice changes nothing.
    Import {
        path: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// TOML file mapping foreign ClaimReview rating names to verdicts, over the built-in table.
        #[arg(long, env = "CLAIMCHECK_RATING_MAP")]
        rating_map: Option<PathBuf>,
        /// Keep each ClaimReview a claim of its own, even one that repeats a claim already held
        /// (which is otherwise merged into it, as its evidence).
        #[arg(long)]
        no_merge: bool,
        /// How a review is found to repeat a claim, as `serve` matches.
        #[command(flatten)]
        matching: MatchingArgs,
    },
    /// Write every claim with its evidence to stdout or --out: JSON lines, CSV, or a ClaimReview feed.
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// File to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        publisher: PublisherArgs,
    },
    /// Manage API keys: the way to get the first admin key on a fresh install.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// The audit log: its head, for a witness to write down, and its verification.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a consistent copy of the database to DEST while the server keeps running.
    Backup {
        dest: PathBuf,
        #[arg(long, env = "CLAIMCHECK_DB", default_value = "data/claimcheck.db")]
        db: PathBuf,
    },
    /// Exit 0 if the server at --listen answers /readyz (for container health checks).
    Healthcheck {
        #[arg(long, env = "CLAIMCHECK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Seconds to wait for an answer.
        #[arg(long, default_value_t = 2)]
        timeout: u64,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key and print it (it is shown only this once).
    Create {
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long)]
        name: String,
        /// RFC 3339 time at which the key stops working.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id or prefix.
    Revoke { key: String },
}

/// Where review URLs point when no public URL is set: the default listening address.
const DEFAULT_BASE: &str = "http://127.0.0.1:8080";

/// The service over the database, for a command that runs and exits; it matches claims as `matching`
/// says, else by words alone (the commands that match nothing).
async fn open(
    database: &DatabaseArgs,
    publisher: &PublisherArgs,
    ratings: RatingMap,
    matching: Option<&MatchingArgs>,
) -> anyhow::Result<Service> {
    let (model, match_thresholds) = match matching {
        Some(args) => load_matching(args).await?,
        None => (None, Thresholds::default()),
    };
    let settings = Settings {
        publisher: publisher.publisher(DEFAULT_BASE),
        guard: Default::default(),
        article_fetcher: None,
        ratings,
        link_wake: Default::default(),
        session_idle: std::time::Duration::from_secs(1800),
        match_thresholds,
        model,
    };
    Service::open(database.store_config()?, settings).await
}

fn default_publisher() -> PublisherArgs {
    PublisherArgs { publisher_name: "claimcheck".into(), publisher_url: None, publisher_logo: None, public_url: None }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Print the head of the chain as ROW:HASH. Write it down somewhere the database's holder cannot
    /// reach: a later `verify --since` shows whether the log was cut back or rewritten since.
    Head,
    /// Check the chain and the history against it; exit 1 if they do not hold.
    Verify {
        /// A head printed by `audit head` earlier, which must still be in the chain.
        #[arg(long)]
        since: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    limit_heaps();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

/// glibc gives threads that allocate at once heaps of their own, up to eight per core, and each keeps
/// what was freed in it. Two per core: at 1M claims the benchmark's mixed load peaked at 129 MB of RSS
/// instead of 149 MB, at the same throughput.
#[allow(unsafe_code)]
fn limit_heaps() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let heaps = libc::c_int::try_from(2 * cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, heaps);
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(config) => Application::build(*config).await?.run_until(shutdown_signal()).await,
        Command::Import { path, database, rating_map, no_merge, matching } => {
            let ratings = match rating_map {
                Some(file) => RatingMap::with_file(&std::fs::read_to_string(&file)?)?,
                None => RatingMap::default(),
            };
            let service = open(&database, &default_publisher(), ratings, (!no_merge).then_some(&matching)).await?;
            let result = import::import_path(&service, &path, &Actor::system("import"), !no_merge).await;
            service.close().await;
            println!("{}", result?);
            Ok(())
        }
        Command::Export { format, out, database, publisher } => {
            let service = open(&database, &publisher, RatingMap::default(), None).await?;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let bar = claimcheck::progress::bar("export");
            let result = export::export(&service, format, &mut sink, &bar).await;
            bar.finish_and_clear();
            drop(sink);
            service.close().await;
            eprintln!("{}", result?);
            Ok(())
        }
        Command::Keys { command, database } => {
            let service = open(&database, &default_publisher(), RatingMap::default(), None).await?;
            let result = keys_command(&service, command).await;
            service.close().await;
            result
        }
        Command::Audit { command, database } => {
            let service = open(&database, &default_publisher(), RatingMap::default(), None).await?;
            let result = audit_command(&service, command).await;
            service.close().await;
            result
        }
        Command::Backup { dest, db } => {
            claimcheck::store::backup(&db, &dest)?;
            println!("backed up {} to {}", db.display(), dest.display());
            Ok(())
        }
        Command::Healthcheck { listen, timeout } => {
            if let Err(reason) = healthcheck::check(&listen, std::time::Duration::from_secs(timeout)) {
                eprintln!("unhealthy: {reason}");
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

async fn keys_command(service: &Service, command: KeysCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        KeysCommand::Create { role, name, expires_at } => {
            let (row, key) = service.create_key(&actor, &KeyInput { name, role, expires_at }).await?;
            eprintln!("created {} key {} ({}); it is shown only now:", row.role.as_str(), row.id, row.name);
            println!("{key}");
        }
        KeysCommand::List => {
            for key in service.keys(&actor).await? {
                let state = match (&key.revoked_at, &key.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "active".to_owned(),
                };
                println!("{}\t{}\t{}\t{}\t{}", key.id, key.prefix, key.role.as_str(), key.name, state);
            }
        }
        KeysCommand::Revoke { key } => {
            let row = service.revoke_key(&actor, &key).await?;
            println!("revoked key {} ({})", row.id, row.name);
        }
    }
    Ok(())
}

async fn audit_command(service: &Service, command: AuditCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        AuditCommand::Head => {
            let (row, hash) = service.audit_head(&actor).await?;
            println!("{row}:{hash}");
        }
        AuditCommand::Verify { since } => {
            let witnessed = since
                .map(|s| {
                    parse_head(&s).ok_or_else(|| anyhow::anyhow!("--since takes ROW:HASH, as `audit head` prints it"))
                })
                .transpose()?;
            let verification = service.verify_audit(&actor, witnessed).await?;
            if !verification.ok {
                let row = verification.first_broken.unwrap_or_default();
                eprintln!("broken at row {row}: {}", verification.reason.unwrap_or_default());
                std::process::exit(1);
            }
            println!("ok: {} rows, and the history matches", verification.rows);
        }
    }
    Ok(())
}
