//! The sections of the configuration, one structure each, with their defaults. Every
//! field is documented in `config.example.toml`, which a test keeps in step.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Who may create an account through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may sign up; the account is usable at once.
    Open,
    /// Anyone may sign up; an admin approves the account before it can be used.
    Approval,
    /// No sign-ups; admins create accounts with `starling account create`.
    Closed,
}

/// `[instance]`: identity and public description of the instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceConfig {
    /// Public host name, optionally with a port (`social.example`, `localhost:8080`).
    /// It is part of every account's address and every ActivityPub id: do not change it
    /// once the instance has federated.
    pub domain: String,
    /// `https` or `http`. Unset: `http` for localhost and loopback addresses, `https`
    /// otherwise.
    pub scheme: Option<String>,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    /// Username of the local account shown as the contact (optional).
    pub contact_account: Option<String>,
    /// Server rules, shown on the landing page and in the instance API.
    pub rules: Vec<String>,
    /// Languages of the instance (ISO 639-1).
    pub languages: Vec<String>,
    pub registrations: RegistrationMode,
    /// Who sees the list of domain blocks at `GET /api/v1/instance/domain_blocks`.
    pub show_domain_blocks: Audience,
    /// Who sees the public comment of each block in that list.
    pub show_domain_blocks_rationale: Audience,
}

/// Who may see something the admins choose to publish (Mastodon's `disabled`, `users`,
/// `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Nobody.
    #[default]
    Disabled,
    /// Signed-in local users.
    Users,
    /// Anyone.
    All,
}

impl Audience {
    /// Whether a viewer (`signed_in`: a usable local user) may see it.
    pub fn admits(self, signed_in: bool) -> bool {
        match self {
            Audience::Disabled => false,
            Audience::Users => signed_in,
            Audience::All => true,
        }
    }
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            domain: "localhost:8080".into(),
            scheme: None,
            title: "Starling".into(),
            description: "A small corner of the fediverse.".into(),
            contact_email: String::new(),
            contact_account: None,
            rules: Vec::new(),
            languages: vec!["en".into()],
            registrations: RegistrationMode::Open,
            show_domain_blocks: Audience::Disabled,
            show_domain_blocks_rationale: Audience::Disabled,
        }
    }
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` header is believed (addresses or CIDR
    /// ranges). Rate limits key on the client address this yields.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            trusted_proxies: vec!["127.0.0.1".into(), "::1".into()],
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`. Unset: SQLite at
    /// `<storage.data_dir>/starling.db`.
    pub url: Option<String>,
    /// Connections in the pool (PostgreSQL), or readers beside the single writer (SQLite).
    pub max_connections: u32,
    /// SQLite `synchronous` pragma: `normal` (durable across process crashes, the
    /// default) or `full` (also across power loss, slower writes).
    pub sqlite_synchronous: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 8,
            sqlite_synchronous: "normal".into(),
        }
    }
}

/// `[storage]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Folder for the SQLite database and uploaded media. Relative paths are resolved
    /// against the folder of the configuration file (or the working directory when
    /// there is no file).
    pub data_dir: PathBuf,
    /// Folder for uploaded media. Unset: `<data_dir>/media`.
    pub media_dir: Option<PathBuf>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            media_dir: None,
        }
    }
}

/// `[limits]`: sizes and rates accepted from clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Characters in a post (content warning included; links count as 23).
    pub max_post_chars: usize,
    /// Media attachments per post.
    pub max_media_attachments: usize,
    /// Bytes of one uploaded image.
    pub max_image_bytes: usize,
    /// Pixels (width x height) of one uploaded image.
    pub max_image_pixels: u64,
    /// Bytes of an uploaded avatar or header.
    pub max_avatar_bytes: usize,
    /// Bytes of any other request body.
    pub max_body_bytes: usize,
    /// Characters of a display name.
    pub max_display_name_chars: usize,
    /// Characters of a profile bio.
    pub max_bio_chars: usize,
    /// Profile metadata fields.
    pub max_profile_fields: usize,
    /// API requests per client (token, or address when anonymous) per 5 minutes. 0 = off.
    pub api_requests_per_5min: u32,
    /// Account registrations per address per 30 minutes. 0 = off.
    pub registrations_per_30min: u32,
    /// Sign-in attempts (password grant and login form) per address per 5 minutes.
    pub sign_ins_per_5min: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_post_chars: 500,
            max_media_attachments: 4,
            max_image_bytes: 16 * 1024 * 1024,
            max_image_pixels: 8_294_400 * 4,
            max_avatar_bytes: 2 * 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            max_display_name_chars: 30,
            max_bio_chars: 500,
            max_profile_fields: 4,
            api_requests_per_5min: 300,
            registrations_per_30min: 5,
            sign_ins_per_5min: 25,
        }
    }
}

/// `federation.mode`: whom this instance federates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    /// Everyone but blocked domains.
    #[default]
    Blocklist,
    /// Allowed domains only.
    Allowlist,
}

/// `[federation]`: how this instance talks to other servers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Allow requests to private, loopback and link-local addresses, `http://` URLs and
    /// `host:port` domains. For test networks only: it opens the server to SSRF.
    pub allow_private_addresses: bool,
    /// Require signed requests for ActivityPub documents ("secure mode").
    pub authorized_fetch: bool,
    /// `blocklist` (the default): every domain federates unless blocked.
    /// `allowlist`: only allowed domains (`starling domain allow`, the admin API's
    /// `domain_allows`) federate; every other domain is treated as suspended.
    pub mode: FederationMode,
    /// Deliveries in flight at once, over all hosts.
    pub delivery_concurrency: usize,
    /// Deliveries in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Seconds to wait for a remote server to accept a connection.
    pub connect_timeout_secs: u64,
    /// Seconds to wait for a remote server's whole answer.
    pub request_timeout_secs: u64,
    /// First pause before retrying a failing host, in milliseconds; it doubles with each
    /// failure (with jitter) up to `retry_max_ms`.
    pub retry_base_ms: u64,
    /// Longest pause between retries of a failing host, in milliseconds.
    pub retry_max_ms: u64,
    /// Hours a delivery is kept while its host fails (7 days); then it is dropped.
    pub delivery_max_age_hours: u64,
    /// Bytes of a remote document (actor, post, WebFinger answer) we read.
    pub max_fetch_bytes: usize,
    /// Bytes of an activity POSTed to our inboxes.
    pub max_inbox_bytes: usize,
    /// Parent posts fetched, one after the other, to thread a remote reply.
    pub max_thread_fetch_depth: usize,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            authorized_fetch: false,
            mode: FederationMode::Blocklist,
            delivery_concurrency: 64,
            per_host_concurrency: 4,
            connect_timeout_secs: 10,
            request_timeout_secs: 30,
            retry_base_ms: 30_000,
            retry_max_ms: 6 * 60 * 60 * 1000,
            delivery_max_age_hours: 7 * 24,
            max_fetch_bytes: 2 * 1024 * 1024,
            max_inbox_bytes: 1024 * 1024,
            max_thread_fetch_depth: 10,
        }
    }
}

/// `[content_policy]`: rules every post passes, incoming and outgoing
/// (`core::moderation::content`). Each rule that acts says why, in the audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContentPolicyConfig {
    /// Keyword and regular-expression rules (`[[content_policy.rules]]`).
    pub rules: Vec<ContentRule>,
    /// Refuse posts with more than this many mentions from accounts younger than
    /// `new_account_days` (the classic spam wave). 0: off.
    pub max_mentions_from_new_accounts: usize,
    /// Days an account counts as new for the mention rule.
    pub new_account_days: u32,
    /// Media hosted on these domains (and their subdomains) is dropped from posts.
    pub reject_media_domains: Vec<String>,
}

impl Default for ContentPolicyConfig {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            max_mentions_from_new_accounts: 0,
            new_account_days: 7,
            reject_media_domains: Vec::new(),
        }
    }
}

/// One keyword or regular-expression rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentRule {
    /// Shown in the audit log and, for a refused local post, to its author.
    pub name: String,
    /// Matches the text (content and content warning) ignoring case.
    #[serde(default)]
    pub keyword: Option<String>,
    /// A regular expression (Rust `regex` syntax) over the same text; `(?i)` for
    /// ignoring case.
    #[serde(default)]
    pub regex: Option<String>,
    /// `reject` or `sensitive`.
    pub action: ContentAction,
    /// `all` (the default), `remote` or `local` posts.
    #[serde(default)]
    pub applies_to: RuleScope,
}

/// What a content rule does to a post it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentAction {
    /// The post is marked sensitive (its media hidden behind a warning).
    Sensitive,
    /// The post is refused: a remote one is dropped, a local one is not published.
    Reject,
    /// A remote post is held for review: kept aside, unseen, until a moderator
    /// releases or discards it. Local posts are never held (use `reject` for them).
    Hold,
}

/// Which posts a content rule looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleScope {
    #[default]
    All,
    Remote,
    Local,
}

/// `[moderation]`: blocklist subscriptions (`starling blocklist …`,
/// `core::moderation::subscriptions`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationConfig {
    /// Minutes between two fetches of each subscribed blocklist (6 hours). 0: fetched
    /// only by `starling blocklist sync`.
    pub blocklist_sync_every_minutes: u64,
    /// Seconds one fetch of a blocklist may take, from connecting until the whole list
    /// has been read.
    pub blocklist_timeout_secs: u64,
    /// Bytes of a blocklist read (20 MiB); a longer list fails its sync.
    pub blocklist_max_bytes: usize,
}

impl Default for ModerationConfig {
    fn default() -> Self {
        Self {
            blocklist_sync_every_minutes: 6 * 60,
            blocklist_timeout_secs: 60,
            blocklist_max_bytes: 20 * 1024 * 1024,
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter: `info`, `debug`, `starling_api=debug,info`, ….
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}
