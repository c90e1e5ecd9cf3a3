//! `starling`: the command line of a Starling instance.
//!
//! `starling serve` runs the instance; `starling migrate` applies database migrations;
//! `starling account …` manages local accounts; `starling federation status` shows the
//! delivery queue and remote hosts; `starling config check` validates the
//! configuration. Every command takes `--config FILE` (default `./config.toml` when it
//! exists) and honours `STARLING_<SECTION>__<KEY>` environment overrides. Progress and
//! errors go to stderr; failures exit non-zero; a closed stdout (`| head`) is not one
//! ([`out`]).

#[macro_use]
mod out;

mod account;
mod blocklist;
mod check;
mod domain;
mod federation;
mod held;
mod logging;
mod report;
mod seed;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use starling_core::Config;

#[derive(Debug, Parser)]
#[command(
    name = "starling",
    version,
    about = "A federated ActivityPub microblogging server"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./config.toml when it exists.
    #[arg(long, short, global = true, env = "STARLING_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the instance (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage local accounts.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Inspect federation: the delivery queue and remote hosts.
    #[command(subcommand)]
    Federation(federation::FederationCommand),
    /// Block or allow remote domains; import and export Mastodon's CSV of blocks.
    #[command(subcommand)]
    Domain(domain::DomainCommand),
    /// Subscribe to published lists of domain blocks, sync them, review their entries.
    #[command(subcommand)]
    Blocklist(blocklist::BlocklistCommand),
    /// List, resolve and reopen reports.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Review the remote posts the content policy holds: list, release, discard.
    #[command(subcommand)]
    Held(held::HeldCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Fill a database with generated accounts and posts, for benchmarks.
    #[command(hide = true)]
    Seed(seed::SeedArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and check that the database and data folder work.
    Check,
}

/// Loads the configuration, printing every problem to stderr.
fn load_config(path: Option<&std::path::Path>) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|errors| {
        for e in &errors {
            eprintln!("error: {e}");
        }
        eprintln!(
            "{} configuration error{}; see config.example.toml for every key and its default.",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(cli.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    logging::init(&config.log, matches!(cli.command, Command::Serve));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve::run(config, cli.config).await,
            Command::Migrate => serve::migrate(config).await,
            Command::Account(cmd) => account::run(config, cmd, cli.config.as_deref()).await,
            Command::Config(ConfigCommand::Check) => {
                check::run(config, cli.config.as_deref()).await
            }
            Command::Federation(cmd) => federation::run(config, cmd).await,
            Command::Domain(cmd) => domain::run(config, cmd).await,
            Command::Blocklist(cmd) => blocklist::run(config, cmd).await,
            Command::Report(cmd) => report::run(config, cmd).await,
            Command::Held(cmd) => held::run(config, cmd).await,
            Command::Seed(args) => seed::run(config, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
