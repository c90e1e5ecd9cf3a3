//! # starling-core
//!
//! The heart of a Starling instance: local and remote accounts, statuses, follows,
//! timelines, notifications, media records and per-instance policy, stored with sea-orm
//! on SQLite or PostgreSQL.
//!
//! Core knows nothing of HTTP or ActivityPub JSON. Callers (the Mastodon API, the
//! federation inbox, the command line) go through the functions of each module, which
//! validate input once, the same way whoever calls them, and write each change in one
//! transaction. State lives in an explicit [`Instance`], never in globals.

pub mod accounts;
pub mod blocks;
pub mod changes;
pub mod config;
pub(crate) mod counters;
pub mod crypto;
pub mod db;
pub mod entities;
pub mod error;
pub mod events;
pub mod favourites;
pub mod follows;
pub mod hidden;
pub mod id;
pub mod instance;
pub mod languages;
pub mod media;
pub mod moderation;
pub mod mutes;
pub mod notifications;
pub mod oauth;
pub mod paging;
pub mod reblogs;
pub mod reports;
pub mod settings;
pub mod stats;
pub mod statuses;
pub mod text;
pub mod timelines;
pub mod urls;
pub mod user_domain_blocks;
pub mod views;
pub mod visibility;

pub use config::Config;
pub use error::{CoreError, CoreResult};
pub use instance::Instance;

/// The version of Starling.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
