use std::path::PathBuf;

use clap::{Parser, Subcommand};

use claimcheck::config::{Config, DatabaseArgs, LogArgs};
use claimcheck::store::{Actor, Store};
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
    Serve(Config),
    /// Import a claims file, or every .toml file in a folder; importing twice changes nothing.
    Import {
        path: PathBuf,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(config) => Application::build(config).await?.run_until(shutdown_signal()).await,
        Command::Import { path, database } => {
            let config = database.store_config();
            let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
            let result = import::import_path(&store, &path, &Actor::system("import")).await;
            tokio::task::spawn_blocking(move || store.close()).await?;
            let summary = result?;
            println!("{summary}");
            Ok(())
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
