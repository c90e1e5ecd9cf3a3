//! [`Federation`]: the federation side of one instance — its HTTP client, key caches
//! and the signals that wake its background workers. One per [`Instance`], passed
//! explicitly (several instances run in one test process).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use starling_core::Instance;
use starling_core::entities::account;
use tokio::sync::Notify;

use crate::error::FedError;
use crate::net::{HttpClient, NetConfig};
use crate::signatures::PrivateKey;

/// The federation state of one instance.
pub struct Federation {
    pub inst: Arc<Instance>,
    /// For fetches (actors, objects, WebFinger): the document size limit applies.
    pub http: HttpClient,
    /// For deliveries: same guard, the delivery timeouts.
    pub delivery_http: HttpClient,
    /// Wakes the delivery workers when new deliveries are queued.
    pub deliveries_notify: Notify,
    /// Wakes the inbox processor when an activity was stored.
    pub inbox_notify: Notify,
    /// Parsed private keys of local accounts, by account id (parsing PEM costs more
    /// than a signature).
    signing_keys: Mutex<HashMap<i64, PrivateKey>>,
    instance_key: tokio::sync::OnceCell<PrivateKey>,
    /// NodeInfo's counts and when they were taken.
    pub stats_cache: Mutex<Option<(std::time::Instant, starling_core::stats::Stats)>>,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field("domain", &self.inst.domain())
            .finish_non_exhaustive()
    }
}

impl Federation {
    /// The federation state of `inst`. Starts nothing: see [`crate::workers::start`].
    pub fn new(inst: Arc<Instance>) -> Result<Arc<Self>, FedError> {
        let cfg = &inst.config.federation;
        let user_agent = format!(
            "Starling/{} (+{}/)",
            starling_core::VERSION,
            inst.urls.base()
        );
        let base = NetConfig {
            allow_private_addresses: cfg.allow_private_addresses,
            connect_timeout: Duration::from_secs(cfg.connect_timeout_secs),
            request_timeout: Duration::from_secs(cfg.request_timeout_secs),
            max_redirects: 3,
            max_response_bytes: cfg.max_fetch_bytes,
            user_agent,
        };
        let http = HttpClient::new(base.clone()).map_err(FedError::from)?;
        // A delivery's answer is not read beyond a little error text.
        let delivery_http = HttpClient::new(NetConfig {
            max_redirects: 0,
            max_response_bytes: 64 * 1024,
            ..base
        })
        .map_err(FedError::from)?;
        Ok(Arc::new(Self {
            inst,
            http,
            delivery_http,
            deliveries_notify: Notify::new(),
            inbox_notify: Notify::new(),
            signing_keys: Mutex::new(HashMap::new()),
            instance_key: tokio::sync::OnceCell::new(),
            stats_cache: Mutex::new(None),
        }))
    }

    /// The private key of a local account, parsed once.
    pub fn signing_key(&self, account: &account::Model) -> Result<PrivateKey, FedError> {
        if let Some(key) = self.lock_keys().get(&account.id) {
            return Ok(key.clone());
        }
        let pem = account
            .private_key_pem
            .as_deref()
            .ok_or_else(|| FedError::Internal(format!("{} has no private key", account.uri)))?;
        let key = PrivateKey::from_pem(pem)
            .map_err(|e| FedError::Internal(format!("key of {}: {e}", account.uri)))?;
        let mut keys = self.lock_keys();
        if keys.len() > 10_000 {
            keys.clear();
        }
        keys.insert(account.id, key.clone());
        Ok(key)
    }

    fn lock_keys(&self) -> std::sync::MutexGuard<'_, HashMap<i64, PrivateKey>> {
        self.signing_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The instance actor's key, which signs fetches (`{base}/actor#main-key`).
    pub async fn instance_key(&self) -> Result<PrivateKey, FedError> {
        self.instance_key
            .get_or_try_init(|| async {
                let keys = starling_core::settings::instance_actor_keys(&self.inst).await?;
                PrivateKey::from_pem(&keys.private_pem)
                    .map_err(|e| FedError::Internal(format!("instance actor key: {e}")))
            })
            .await
            .cloned()
    }

    /// The key id of the instance actor.
    pub fn instance_key_id(&self) -> String {
        format!("{}#main-key", self.inst.urls.instance_actor())
    }
}
