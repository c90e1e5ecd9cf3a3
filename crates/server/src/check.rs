//! `starling config check`: the configuration parses (done before this runs), the
//! database answers, and the data folder is writable.

use std::path::Path;

use anyhow::bail;
use starling_core::Config;
use starling_core::db::Store;

pub async fn run(config: Config, file: Option<&Path>) -> anyhow::Result<()> {
    let source = file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "defaults (no config.toml)".into());
    let mut problems = Vec::new();
    match Store::connect(&config.database_url(), &config.database).await {
        Ok(store) => {
            match store.pending_migrations().await {
                Ok(p) if !p.is_empty() => eprintln!(
                    "note: {} migration(s) pending; `starling serve` applies them",
                    p.len()
                ),
                Ok(_) => {}
                Err(e) => problems.push(format!(
                    "{source}: `database.url`: cannot read migrations: {e}"
                )),
            }
            store.close().await;
        }
        Err(e) => problems.push(format!("{source}: `database.url`: {e}")),
    }
    for (key, dir) in [
        ("storage.data_dir", config.storage.data_dir.clone()),
        ("storage.media_dir", config.media_dir()),
    ] {
        let probe = dir.join(format!(".starling-write-test-{}", std::process::id()));
        let ok = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&probe, b"ok"));
        let _ = std::fs::remove_file(&probe);
        if let Err(e) = ok {
            problems.push(format!(
                "{source}: `{key}`: {} is not writable: {e}",
                dir.display()
            ));
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        bail!("{} problem(s) found", problems.len());
    }
    eprintln!("Configuration OK ({source})");
    eprintln!("  instance:  {}", config.base_url());
    eprintln!("  listen:    {}", config.server.listen);
    eprintln!("  database:  {}", redact(&config.database_url()));
    eprintln!("  data dir:  {}", config.storage.data_dir.display());
    eprintln!("  sign-ups:  {:?}", config.instance.registrations);
    Ok(())
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
