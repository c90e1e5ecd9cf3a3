//! Logging to stderr, filtered by `[log] level` (or `RUST_LOG`), as text or JSON.

use std::io::IsTerminal;

use starling_core::config::LogConfig;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Commands other than `serve` only log warnings, so
/// that their own output stays readable.
pub fn init(config: &LogConfig, serving: bool) {
    let default = if serving {
        config.level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in log files or journald.
        .with_ansi(std::io::stderr().is_terminal());
    let result = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = result {
        eprintln!("warning: logging not initialised: {e}");
    }
}
