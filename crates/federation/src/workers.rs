//! The background work of federation: the event consumer, the delivery scheduler, the
//! inbox processor, and the reader of changes made by other processes. They keep nothing in memory that matters: stopping them at any
//! point (SIGKILL included) loses nothing, and they pick up where they were on start.

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::state::Federation;
use crate::{delivery, dispatch, inbox};

/// The running workers; dropping this does not stop them, [`Workers::stop`] does.
#[derive(Debug)]
pub struct Workers {
    handles: Vec<JoinHandle<()>>,
}

/// Starts the workers of `fed`.
pub fn start(fed: &Arc<Federation>) -> Workers {
    if fed.inst.config.federation.allow_private_addresses {
        tracing::warn!(
            "federation.allow_private_addresses is on: this server will fetch and deliver to \
             private and loopback addresses. Use it only on test networks."
        );
    }
    Workers {
        handles: vec![
            tokio::spawn(dispatch::run(fed.clone())),
            tokio::spawn(delivery::worker::run(fed.clone())),
            tokio::spawn(inbox::process::run(fed.clone())),
            tokio::spawn(reload_policy(fed.clone())),
            tokio::spawn(crate::blocklists::run(fed.inst.clone())),
            tokio::spawn(starling_core::changes::run(fed.inst.clone())),
        ],
    }
}

/// Reads the moderation rules again now and then, for changes made by another process
/// (the command line, another server on the same PostgreSQL database), and carries out
/// what they do to stored content: at once on start (finishing a purge a crash
/// interrupted), then after every reload.
async fn reload_policy(fed: Arc<Federation>) {
    let mut every = tokio::time::interval(starling_core::moderation::RELOAD_EVERY);
    every.tick().await;
    loop {
        if let Err(e) = starling_core::moderation::effects::enforce(&fed.inst).await {
            tracing::warn!(error = %e, "cannot carry out the domain blocks' effects");
        }
        every.tick().await;
        if let Err(e) = fed.inst.policy.reload(&fed.inst.store.read).await {
            tracing::warn!(error = %e, "cannot read the moderation rules");
        }
    }
}

impl Workers {
    /// Stops the workers. Work in flight is abandoned and done again on the next start.
    pub async fn stop(self) {
        for h in &self.handles {
            h.abort();
        }
        for h in self.handles {
            let _ = h.await;
        }
    }
}
