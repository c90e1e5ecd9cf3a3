//! `starling serve` and `starling migrate`.

use std::path::PathBuf;

use anyhow::Context;
use starling_api::AppState;
use starling_core::db::Store;
use starling_core::{Config, Instance, accounts};

/// Opens the database, applies migrations, and serves until SIGINT or SIGTERM.
pub async fn run(config: Config, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let inst = Instance::open(config)
        .await
        .context("cannot open the database (check [database] url, or `starling config check`)")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set [server] listen)"))?;
    tracing::info!(
        listen = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        url = %inst.urls.base(),
        version = starling_core::VERSION,
        "Starling is serving"
    );
    eprintln!(
        "Starling {} is serving {} on http://{listen}",
        starling_core::VERSION,
        inst.urls.base()
    );
    if accounts::list_local(&inst).await?.is_empty() {
        let config_arg = config_path
            .map(|p| format!(" --config {}", p.display()))
            .unwrap_or_default();
        eprintln!(
            "\nThis instance has no accounts yet. Create an admin account (its password is printed once):\n\n    starling{config_arg} account create --username admin --email admin@example.com --admin\n\n(from a source checkout: cargo run --release --{config_arg} account create …)\nthen log in from any Mastodon app with the server {}.\n",
            inst.urls.base()
        );
    }
    starling_core::crypto::warm_up_random();
    let fed = starling_federation::Federation::new(inst.clone())
        .context("cannot set up federation (check [federation])")?;
    let workers = starling_federation::workers::start(&fed);
    let state = AppState::new(fed);
    starling_api::serve(listener, state, shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    tracing::info!("shutting down");
    workers.stop().await;
    inst.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Applies pending migrations and reports what was applied.
pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url(), &config.database)
        .await
        .context("cannot open the database")?;
    let pending = store.pending_migrations().await?;
    if pending.is_empty() {
        eprintln!("Database is up to date.");
    } else {
        for name in &pending {
            eprintln!("applying {name}");
        }
        store.migrate().await?;
        eprintln!("Applied {} migration(s).", pending.len());
    }
    store.close().await;
    Ok(())
}
