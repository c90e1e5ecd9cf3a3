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
use crate::inbox::queue::InboxQueue;
use crate::net::{HttpClient, NetConfig};
use crate::signatures::{PrivateKey, PublicKey};

/// How long a remote actor's verified key is trusted from memory before it is read
/// from the database again (an `Update` of the actor, a refetch or its deletion forget it
/// at once, and every suspension or reinstatement, from any process, forgets them all:
/// see [`starling_core::changes`]).
pub const KNOWN_KEY_TTL: Duration = Duration::from_secs(600);

/// Remote keys kept in memory, at most.
const KNOWN_KEYS: usize = 20_000;

/// A remote actor's public key as the inbox last verified it.
#[derive(Clone)]
pub struct KnownKey {
    pub account: account::Model,
    pub key: PublicKey,
    pub at: std::time::Instant,
}

/// A local account's signing identity: its key id and parsed private key.
#[derive(Clone)]
pub struct Signer {
    pub key_id: Arc<str>,
    pub key: PrivateKey,
}

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
    /// Parsed private keys of local accounts with their key ids, by account id (parsing
    /// PEM costs more than a signature).
    signing_keys: Mutex<HashMap<i64, Signer>>,
    /// Remote actors' parsed public keys, by key id.
    known_keys: quick_cache::sync::Cache<String, KnownKey>,
    /// Received activities waiting for their group commit.
    pub(crate) inbox_queue: InboxQueue,
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
        let fed = Arc::new(Self {
            inst,
            http,
            delivery_http,
            deliveries_notify: Notify::new(),
            inbox_notify: Notify::new(),
            signing_keys: Mutex::new(HashMap::new()),
            known_keys: quick_cache::sync::Cache::new(KNOWN_KEYS),
            inbox_queue: InboxQueue::default(),
            instance_key: tokio::sync::OnceCell::new(),
            stats_cache: Mutex::new(None),
        });
        // A suspension, a reinstatement or a change of the domain rules, made by any door
        // of any process: no remembered key vouches for an account's state any longer.
        let weak = Arc::downgrade(&fed);
        fed.inst.changes.listen(move |_change| {
            if let Some(fed) = weak.upgrade() {
                fed.known_keys.clear();
            }
        });
        Ok(fed)
    }

    /// The signing identity of local account `account_id`, read and parsed once, or of
    /// the instance actor for [`crate::delivery::INSTANCE_ACTOR_SIGNER`].
    pub async fn signer(&self, account_id: i64) -> Result<Signer, FedError> {
        if account_id == crate::delivery::INSTANCE_ACTOR_SIGNER {
            return Ok(Signer {
                key_id: self.instance_key_id().into(),
                key: self.instance_key().await?,
            });
        }
        if let Some(signer) = self.lock_keys().get(&account_id) {
            return Ok(signer.clone());
        }
        let account = starling_core::accounts::find(&self.inst, account_id)
            .await?
            .ok_or_else(|| FedError::Internal(format!("signer {account_id} is gone")))?;
        let pem = account
            .private_key_pem
            .as_deref()
            .ok_or_else(|| FedError::Internal(format!("{} has no private key", account.uri)))?;
        let key = PrivateKey::from_pem(pem)
            .map_err(|e| FedError::Internal(format!("key of {}: {e}", account.uri)))?;
        let signer = Signer {
            key_id: format!("{}#main-key", account.uri).into(),
            key,
        };
        let mut keys = self.lock_keys();
        if keys.len() > 10_000 {
            keys.clear();
        }
        keys.insert(account_id, signer.clone());
        Ok(signer)
    }

    /// A remote key verified within [`KNOWN_KEY_TTL`].
    pub fn known_key(&self, key_id: &str) -> Option<KnownKey> {
        self.known_keys
            .get(key_id)
            .filter(|k| k.at.elapsed() < KNOWN_KEY_TTL)
    }

    /// Remembers a remote key that just verified a signature.
    pub fn remember_key(&self, key_id: &str, account: &account::Model, key: PublicKey) {
        self.known_keys.insert(
            key_id.to_string(),
            KnownKey {
                account: account.clone(),
                key,
                at: std::time::Instant::now(),
            },
        );
    }

    /// Forgets the remembered keys of a remote actor (updated, refetched or deleted).
    pub fn forget_keys_of(&self, account: &account::Model) {
        if let Some(id) = &account.public_key_id {
            self.known_keys.remove(id.as_str());
        }
        self.known_keys
            .remove(format!("{}#main-key", account.uri).as_str());
    }

    fn lock_keys(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Signer>> {
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
