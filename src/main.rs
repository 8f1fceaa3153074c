use std::path::PathBuf;

use clap::{Parser, Subcommand};

use claimcheck::claimreview::Publisher;
use claimcheck::claimreview::read::RatingMap;
use claimcheck::config::{Config, DatabaseArgs, LogArgs};
use claimcheck::domain::access::Role;
use claimcheck::export::{self, Format};
use claimcheck::store::{Actor, Store, keys};
use claimcheck::{Application, healthcheck, import, shutdown_signal, telemetry};

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
    /// Import a claims file, or every .toml file in a folder; importing twice changes nothing.
    Import {
        path: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// TOML file mapping foreign ClaimReview rating names to verdicts, over the built-in table.
        #[arg(long, env = "CLAIMCHECK_RATING_MAP")]
        rating_map: Option<PathBuf>,
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
        /// The organization publishing the fact-checks, named as `author` in ClaimReview.
        #[arg(long, env = "CLAIMCHECK_PUBLISHER_NAME", default_value = "claimcheck")]
        publisher_name: String,
        #[arg(long, env = "CLAIMCHECK_PUBLISHER_URL")]
        publisher_url: Option<String>,
        /// Where the service is reached from outside, for review URLs.
        #[arg(long, env = "CLAIMCHECK_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    /// Manage API keys: the way to get the first admin key on a fresh install.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(config) => Application::build(*config).await?.run_until(shutdown_signal()).await,
        Command::Import { path, database, rating_map } => {
            let ratings = match rating_map {
                Some(file) => RatingMap::with_file(&std::fs::read_to_string(&file)?)?,
                None => RatingMap::default(),
            };
            let config = database.store_config();
            let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
            let result = import::import_path(&store, &path, &Actor::system("import"), &ratings).await;
            tokio::task::spawn_blocking(move || store.close()).await?;
            let summary = result?;
            println!("{summary}");
            Ok(())
        }
        Command::Export { format, out, database, publisher_name, publisher_url, public_url } => {
            let publisher = Publisher { name: publisher_name, url: publisher_url, base_url: public_url };
            let config = database.store_config();
            let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let bar = claimcheck::progress::bar("export");
            let result = export::export(&store, format, &publisher, &mut sink, &bar).await;
            bar.finish_and_clear();
            drop(sink);
            tokio::task::spawn_blocking(move || store.close()).await?;
            eprintln!("{}", result?);
            Ok(())
        }
        Command::Keys { command, database } => {
            let config = database.store_config();
            let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
            let result = keys_command(&store, command).await;
            tokio::task::spawn_blocking(move || store.close()).await?;
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

async fn keys_command(store: &Store, command: KeysCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        KeysCommand::Create { role, name, expires_at } => {
            let expires_at = expires_at
                .map(|e| {
                    chrono::DateTime::parse_from_rfc3339(&e)
                        .map(|t| t.to_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
                })
                .transpose()?;
            let (row, key) =
                store.writer.write(move |conn| keys::create(conn, &name, role, expires_at.as_deref(), &actor)).await?;
            eprintln!("created {} key {} ({}); it is shown only now:", row.role.as_str(), row.id, row.name);
            println!("{key}");
        }
        KeysCommand::List => {
            for key in store.reader.read(keys::list).await? {
                let state = match (&key.revoked_at, &key.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "active".to_owned(),
                };
                println!("{}\t{}\t{}\t{}\t{}", key.id, key.prefix, key.role.as_str(), key.name, state);
            }
        }
        KeysCommand::Revoke { key } => {
            let row = store.writer.write(move |conn| keys::revoke(conn, &key, &actor)).await?;
            println!("revoked key {} ({})", row.id, row.name);
        }
    }
    Ok(())
}
