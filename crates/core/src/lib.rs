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

/// The Mastodon release whose client API this server serves, as it tells clients
/// (`/api/v2/instance`'s `version`) and NodeInfo (`metadata.upstream`).
///
/// Clients switch features on by this number and by `api_versions` (Phanpy and the
/// official Android app use grouped notifications from `api_versions.mastodon` 2, Ice
/// Cubes from version 4.3, several turn quotes on at API version 7), so it claims no
/// more than is served: 4.2, the last release before `api_versions` existed, whose
/// client API this server answers (with empty lists where a feature is not here yet).
/// The instance entity leaves `api_versions` out, as 4.2 had none, and names no
/// streaming server and no push key. `docs/compatibility.md` says what each client
/// then does.
pub const MASTODON_VERSION: &str = "4.2.0";
