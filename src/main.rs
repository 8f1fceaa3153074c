use std::path::PathBuf;

use clap::{Parser, Subcommand};

use claimcheck::config::{Config, DatabaseArgs, LogArgs};
use claimcheck::store::{Actor, Store};
use claimcheck::{Application, import, shutdown_signal, telemetry};

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(config) => {
            Application::build(config)
                .await?
                .run_until(shutdown_signal())
                .await
        }
        Command::Import { path, database } => {
            let config = database.store_config();
            let store = tokio::task::spawn_blocking(move || Store::open(&config)).await??;
            let result = import::import_path(&store, &path, &Actor::system("import")).await;
            tokio::task::spawn_blocking(move || store.close()).await?;
            let summary = result?;
            println!("{summary}");
            Ok(())
        }
    }
}
