//! [`Instance`]: the one explicit state of a running instance (configuration, database,
//! media storage, URL builder), passed to every core operation. No globals: several
//! instances run side by side in one test process.

use std::sync::Arc;

use crate::config::Config;
use crate::config::FederationMode;
use crate::db::Store;
use crate::error::CoreResult;
use crate::media::MediaStore;
use crate::moderation::Policy;
use crate::moderation::content::ContentPolicy;
use crate::urls::Urls;

/// Everything a core operation needs to know about its instance.
#[derive(Debug)]
pub struct Instance {
    pub config: Config,
    pub store: Store,
    pub urls: Urls,
    pub media: MediaStore,
    /// Wakes the federation consumer of [`crate::events`] after a commit.
    pub events_notify: tokio::sync::Notify,
    /// Domain blocks and allows in force ([`crate::moderation`]).
    pub policy: Policy,
    /// The content rules every post passes ([`crate::moderation::content`]).
    pub content_policy: ContentPolicy,
    /// The limited domains worked out from the policy ([`crate::hidden`]).
    pub limited_domains: crate::hidden::LimitedDomains,
    /// Who hears of suspensions and rule changes, from any process ([`crate::changes`]).
    pub changes: crate::changes::Changes,
}

impl Instance {
    /// Connects to the configured database and applies pending migrations.
    pub async fn open(config: Config) -> CoreResult<Arc<Self>> {
        let store = Store::connect(&config.database_url(), &config.database).await?;
        store.migrate().await?;
        let inst = Self::with_store(config, store);
        inst.policy.reload(&inst.store.read).await?;
        Ok(inst)
    }

    /// An instance over an already-migrated store.
    pub fn with_store(config: Config, store: Store) -> Arc<Self> {
        let urls = Urls::new(config.base_url());
        let allowlist = config.federation.mode == FederationMode::Allowlist;
        let media = MediaStore::new(config.media_dir());
        // `Config::validate` names a bad rule before the instance is opened.
        let content_policy =
            ContentPolicy::new(&config.content_policy).unwrap_or_else(|(key, message)| {
                tracing::error!(%key, %message, "content policy not in force");
                ContentPolicy::default()
            });
        Arc::new(Self {
            config,
            store,
            urls,
            media,
            events_notify: tokio::sync::Notify::new(),
            policy: Policy::new(allowlist),
            content_policy,
            limited_domains: Default::default(),
            changes: Default::default(),
        })
    }

    /// Tells the event consumer that committed events wait (see [`crate::events`]).
    pub fn events_written(&self) {
        self.events_notify.notify_one();
    }

    /// The host part of account addresses (`alice@<domain>`).
    pub fn domain(&self) -> &str {
        &self.config.instance.domain
    }
}
