//! Instance configuration: one typed, strict structure read from a TOML file and
//! `STARLING_<SECTION>__<KEY>` environment variables.
//!
//! Every key has a default, so an empty (or missing) file gives a working local instance.
//! Unknown keys are errors, naming the key and where it came from. `config.example.toml`
//! at the repository root documents every key; a test fails when it and these structs
//! disagree.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration of one Starling instance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub instance: InstanceConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub limits: LimitsConfig,
    pub federation: FederationConfig,
    pub content_policy: ContentPolicyConfig,
    pub moderation: ModerationConfig,
    pub log: LogConfig,
}

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

/// A problem found in the configuration, naming the key and where it was set.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: `{key}`: {message}")]
pub struct ConfigError {
    /// The file or environment variable the bad value came from.
    pub source_name: String,
    /// The dotted key, `instance.domain`.
    pub key: String,
    pub message: String,
}

impl Config {
    /// Reads `path` (when given and present) and the `STARLING_*` environment.
    ///
    /// A `path` that is given but missing is an error; with no path, `./config.toml`
    /// is read when it exists.
    pub fn load(path: Option<&Path>) -> Result<Self, Vec<ConfigError>> {
        let file = match path {
            Some(p) if !p.exists() => {
                return Err(vec![ConfigError {
                    source_name: p.display().to_string(),
                    key: "-".into(),
                    message: "file not found".into(),
                }]);
            }
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("config.toml")).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = &file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(env_provider());
        let mut config: Config = figment.extract().map_err(|e| {
            e.into_iter()
                .map(|e| {
                    let key = if e.path.is_empty() {
                        "-".to_string()
                    } else {
                        e.path.join(".")
                    };
                    let source_name = e
                        .metadata
                        .as_ref()
                        .map(|m| describe_source(m, &key))
                        .unwrap_or_else(|| "configuration".into());
                    ConfigError {
                        source_name,
                        key,
                        message: e.kind.to_string(),
                    }
                })
                .collect::<Vec<_>>()
        })?;
        let base = file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        config.resolve_paths(&base);
        let mut errors = config.validate(file.as_deref());
        // A bad value set in the environment is blamed on its variable, not the file.
        for e in &mut errors {
            if let Some(m) = figment.find_metadata(&e.key)
                && is_env(m)
            {
                e.source_name = describe_source(m, &e.key);
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// Makes relative storage paths relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        if self.storage.data_dir.is_relative() && !base.as_os_str().is_empty() {
            self.storage.data_dir = base.join(&self.storage.data_dir);
        }
        if let Some(media) = &self.storage.media_dir
            && media.is_relative()
            && !base.as_os_str().is_empty()
        {
            self.storage.media_dir = Some(base.join(media));
        }
    }

    /// Checks values that parse but make no sense. `file` names the source in errors.
    pub fn validate(&self, file: Option<&Path>) -> Vec<ConfigError> {
        let source_name = file
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "configuration".into());
        let mut errors = Vec::new();
        let mut err = |key: &str, message: String| {
            errors.push(ConfigError {
                source_name: source_name.clone(),
                key: key.into(),
                message,
            })
        };
        if let Err(message) = validate_domain(&self.instance.domain) {
            err("instance.domain", message);
        }
        if let Some(scheme) = &self.instance.scheme
            && scheme != "http"
            && scheme != "https"
        {
            err(
                "instance.scheme",
                format!("must be \"http\" or \"https\", not {scheme:?}"),
            );
        }
        if let Some(url) = &self.database.url {
            match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "sqlite" | "postgres" | "postgresql") => {}
                Ok(u) => err(
                    "database.url",
                    format!(
                        "unsupported database {:?}: use sqlite://… or postgres://…",
                        u.scheme()
                    ),
                ),
                Err(e) => err("database.url", format!("not a valid URL: {e}")),
            }
        }
        if self.database.max_connections == 0 {
            err("database.max_connections", "must be at least 1".into());
        }
        if !matches!(self.database.sqlite_synchronous.as_str(), "normal" | "full") {
            err(
                "database.sqlite_synchronous",
                format!(
                    "must be \"normal\" or \"full\", not {:?}",
                    self.database.sqlite_synchronous
                ),
            );
        }
        for proxy in &self.server.trusted_proxies {
            if parse_net(proxy).is_none() {
                err(
                    "server.trusted_proxies",
                    format!("{proxy:?} is not an IP address or CIDR range"),
                );
            }
        }
        if self.limits.max_post_chars == 0 {
            err("limits.max_post_chars", "must be at least 1".into());
        }
        if self.limits.max_body_bytes < 1024 {
            err("limits.max_body_bytes", "must be at least 1024".into());
        }
        let fed = &self.federation;
        for (key, value) in [
            ("federation.delivery_concurrency", fed.delivery_concurrency),
            ("federation.per_host_concurrency", fed.per_host_concurrency),
            (
                "federation.connect_timeout_secs",
                fed.connect_timeout_secs as usize,
            ),
            (
                "federation.request_timeout_secs",
                fed.request_timeout_secs as usize,
            ),
            ("federation.max_fetch_bytes", fed.max_fetch_bytes),
            ("federation.max_inbox_bytes", fed.max_inbox_bytes),
        ] {
            if value == 0 {
                err(key, "must be at least 1".into());
            }
        }
        if fed.retry_max_ms < fed.retry_base_ms {
            err(
                "federation.retry_max_ms",
                "must not be less than federation.retry_base_ms".into(),
            );
        }
        if let Err((key, message)) =
            crate::moderation::content::ContentPolicy::new(&self.content_policy)
        {
            err(&key, message);
        }
        for (key, value) in [
            (
                "moderation.blocklist_timeout_secs",
                self.moderation.blocklist_timeout_secs as usize,
            ),
            (
                "moderation.blocklist_max_bytes",
                self.moderation.blocklist_max_bytes,
            ),
        ] {
            if value == 0 {
                err(key, "must be at least 1".into());
            }
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            err(
                "log.format",
                format!("must be \"text\" or \"json\", not {:?}", self.log.format),
            );
        }
        errors
    }

    /// `http` or `https`, as URLs of this instance are written.
    pub fn scheme(&self) -> &str {
        match &self.instance.scheme {
            Some(s) => s,
            None if is_loopback_host(&self.instance.domain) => "http",
            None => "https",
        }
    }

    /// `https://domain` without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.instance.domain)
    }

    /// Where the SQLite database lives when no URL is configured.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.storage.data_dir.join("starling.db").display()
            ),
        }
    }

    pub fn media_dir(&self) -> PathBuf {
        self.storage
            .media_dir
            .clone()
            .unwrap_or_else(|| self.storage.data_dir.join("media"))
    }
}

/// `STARLING_<SECTION>__<KEY>` variables. Variables without `__` (such as those the test
/// suite uses) are not configuration and are left alone.
fn env_provider() -> Env {
    Env::prefixed("STARLING_")
        .filter(|key| key.as_str().contains("__"))
        .split("__")
}

fn is_env(metadata: &figment::Metadata) -> bool {
    metadata.name.contains("environment variable")
}

/// Where a value came from: `TOML file (path)`, or the environment variable of `key`.
fn describe_source(metadata: &figment::Metadata, key: &str) -> String {
    if is_env(metadata) && key != "-" {
        // `section.key`, or deeper (`server.trusted_proxies.0`): the variable sets the
        // first two levels.
        let var: Vec<_> = key.split('.').take(2).collect();
        return format!(
            "environment variable STARLING_{}",
            var.join("__").to_ascii_uppercase()
        );
    }
    match &metadata.source {
        Some(source) => format!("{} ({source})", metadata.name),
        None => metadata.name.to_string(),
    }
}

fn validate_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("must not be empty".into());
    }
    if domain.contains("://") || domain.contains('/') {
        return Err(format!(
            "{domain:?} must be a host name (optionally with :port), without scheme or path"
        ));
    }
    let parsed = url::Url::parse(&format!("http://{domain}/"))
        .map_err(|e| format!("{domain:?} is not a valid host name: {e}"))?;
    if parsed.host_str().is_none() {
        return Err(format!("{domain:?} is not a valid host name"));
    }
    if domain.to_ascii_lowercase() != domain {
        return Err(format!("{domain:?} must be lower case"));
    }
    Ok(())
}

fn is_loopback_host(domain: &str) -> bool {
    let Ok(url) = url::Url::parse(&format!("http://{domain}/")) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses `10.0.0.1` or `10.0.0.0/8` into a network.
pub fn parse_net(s: &str) -> Option<ipnet::IpNet> {
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert!(Config::default().validate(None).is_empty());
    }

    #[test]
    fn scheme_defaults_to_http_on_loopback_only() {
        let mut c = Config::default();
        c.instance.domain = "localhost:8080".into();
        assert_eq!(c.base_url(), "http://localhost:8080");
        c.instance.domain = "127.0.0.1:3000".into();
        assert_eq!(c.scheme(), "http");
        c.instance.domain = "social.example".into();
        assert_eq!(c.base_url(), "https://social.example");
        c.instance.scheme = Some("http".into());
        assert_eq!(c.scheme(), "http");
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut c = Config::default();
        c.instance.domain = "https://x.example/".into();
        c.database.url = Some("mysql://x".into());
        c.log.format = "yaml".into();
        let keys: Vec<_> = c.validate(None).into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["instance.domain", "database.url", "log.format"]);
    }

    #[test]
    fn unknown_key_in_file_is_an_error_naming_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[instance]\ndomian = \"x.example\"\n").unwrap();
        let errors = Config::load(Some(&path)).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].source_name.contains("c.toml"), "{errors:?}");
        assert!(errors[0].message.contains("domian"), "{errors:?}");
        assert_eq!(errors[0].key, "instance.domian");
    }

    #[test]
    fn relative_data_dir_is_resolved_against_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[storage]\ndata_dir = \"state\"\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.storage.data_dir, dir.path().join("state"));
        assert_eq!(
            config.database_url(),
            format!(
                "sqlite://{}",
                dir.path().join("state/starling.db").display()
            )
        );
    }

    const EXAMPLE: &str = include_str!("../../../config.example.toml");

    fn is_key(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }

    /// `section.key` of every key line in the example, commented out (`# key = …`) or
    /// not, with whether it is commented out.
    fn example_keys() -> Vec<(String, bool)> {
        let mut section = String::new();
        let mut keys = Vec::new();
        for line in EXAMPLE.lines() {
            let line = line.trim_end();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
                continue;
            }
            let (commented, rest) = match line.strip_prefix("# ") {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let Some((key, _)) = rest.split_once(" = ") else {
                continue;
            };
            if is_key(key) {
                assert!(!section.is_empty(), "key {key:?} outside a section");
                keys.push((format!("{section}.{key}"), commented));
            }
        }
        keys
    }

    /// `section.key` of every key the default configuration serialises, with whether
    /// its default is unset (`None`).
    fn default_keys() -> Vec<(String, bool)> {
        let value = serde_json::to_value(Config::default()).unwrap();
        let mut keys = Vec::new();
        for (section, table) in value.as_object().unwrap() {
            for (key, v) in table.as_object().unwrap() {
                keys.push((format!("{section}.{key}"), v.is_null()));
            }
        }
        keys
    }

    #[test]
    fn example_config_is_the_defaults() {
        let parsed: Config = Figment::from(Toml::string(EXAMPLE))
            .extract()
            .unwrap_or_else(|e| panic!("config.example.toml: {e}"));
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            serde_json::to_value(Config::default()).unwrap(),
            "config.example.toml must give exactly the defaults"
        );
        assert!(parsed.validate(None).is_empty());
    }

    #[test]
    fn example_config_documents_every_key_and_only_real_keys() {
        let example = example_keys();
        let defaults = default_keys();
        for (key, unset) in &defaults {
            match example.iter().find(|(k, _)| k == key) {
                None => panic!("config.example.toml does not document `{key}`"),
                Some((_, commented)) => assert_eq!(
                    commented, unset,
                    "config.example.toml: `{key}` must be commented out exactly when its \
                     default is unset"
                ),
            }
        }
        for (key, _) in &example {
            assert!(
                defaults.iter().any(|(k, _)| k == key),
                "config.example.toml documents `{key}`, which is not a configuration key"
            );
            assert_eq!(
                example.iter().filter(|(k, _)| k == key).count(),
                1,
                "config.example.toml documents `{key}` twice"
            );
        }
    }

    #[test]
    fn example_values_of_unset_keys_parse() {
        // Uncommenting every commented-out key must give a valid configuration.
        let uncommented: String = EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| is_key(k)) => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let parsed: Config = Figment::from(Toml::string(&uncommented))
            .extract()
            .unwrap_or_else(|e| panic!("config.example.toml, uncommented: {e}"));
        assert!(
            parsed.validate(None).is_empty(),
            "{:?}",
            parsed.validate(None)
        );
        assert!(parsed.database.url.is_some() && parsed.instance.scheme.is_some());
    }

    #[test]
    fn missing_file_is_an_error() {
        let errors = Config::load(Some(Path::new("/nonexistent/starling.toml"))).unwrap_err();
        assert!(errors[0].message.contains("not found"));
    }
}
