//! Instance configuration: one typed, strict structure read from a TOML file and
//! `STARLING_<SECTION>__<KEY>` environment variables.
//!
//! Every key has a default, so an empty (or missing) file gives a working local instance.
//! Unknown keys are errors, naming the key and where it came from. `config.example.toml`
//! at the repository root documents every key; a test fails when it and these structs
//! disagree.

mod sections;

pub use sections::{
    Audience, ContentAction, ContentPolicyConfig, ContentRule, DatabaseConfig, FederationConfig,
    FederationMode, InstanceConfig, LimitsConfig, LogConfig, ModerationConfig, RegistrationMode,
    RuleScope, ServerConfig, StorageConfig,
};

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

    const EXAMPLE: &str = include_str!("../../../../config.example.toml");

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
