//! Changes every part of every process must hear of at once, whichever door made them:
//! an account suspended or reinstated (a remote actor's verified key must not be
//! trusted from memory any longer), the domain rules changed.
//!
//! The operation that makes such a change writes a [`Change`] row in its own
//! transaction ([`record`]) and, once it has committed, tells the listeners of its own
//! process ([`Changes::announce`]), before it answers. Every process also reads the
//! rows other processes committed (the command line, another server on the same
//! PostgreSQL database) with [`poll`], which [`run`] does every
//! [`POLL_EVERY`]: a change made anywhere is heard everywhere within about a second.
//!
//! Listeners ([`Changes::listen`]) must be quick and idempotent: a process hears its
//! own changes twice (at once, and again from the table).

use std::collections::HashSet;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::entities::change;
use crate::error::CoreResult;
use crate::id::{min_id_at, next_id};
use crate::instance::Instance;

/// How often [`run`] reads the changes of other processes.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// How far back each poll reads again: a row another process committed a little after
/// it took its id is still seen.
const RESCAN: chrono::Duration = chrono::Duration::seconds(30);

/// How long rows are kept.
const KEEP: chrono::Duration = chrono::Duration::hours(1);

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// An account was suspended, reinstated, or deleted.
    AccountModerated(i64),
    /// The domain blocks or allows changed.
    DomainRules,
}

impl Change {
    fn kind(self) -> &'static str {
        match self {
            Change::AccountModerated(_) => "account_moderated",
            Change::DomainRules => "domain_rules",
        }
    }

    fn of(row: &change::Model) -> Option<Change> {
        match (row.kind.as_str(), row.account_id) {
            ("account_moderated", Some(id)) => Some(Change::AccountModerated(id)),
            ("domain_rules", _) => Some(Change::DomainRules),
            // Written by a newer version: not ours to act on.
            _ => None,
        }
    }
}

type Listener = Box<dyn Fn(Change) + Send + Sync>;

/// The listeners of one instance, and how far its poller has read.
pub struct Changes {
    listeners: RwLock<Vec<Listener>>,
    read: Mutex<Read>,
}

struct Read {
    /// Rows from this id on are read by the next poll.
    from: i64,
    /// Ids at or after `from` already heard.
    seen: HashSet<i64>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes").finish_non_exhaustive()
    }
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            listeners: RwLock::default(),
            // What was written before this process started concerns nothing it holds.
            read: Mutex::new(Read {
                from: min_id_at(Utc::now()),
                seen: HashSet::new(),
            }),
        }
    }
}

impl Changes {
    /// Calls `listener` with every change from now on.
    pub fn listen(&self, listener: impl Fn(Change) + Send + Sync + 'static) {
        self.listeners
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Box::new(listener));
    }

    /// Tells this process's listeners of a committed change.
    pub fn announce(&self, change: Change) {
        for listener in self
            .listeners
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            listener(change);
        }
    }
}

/// Writes `change` in the caller's transaction; announce it once committed.
pub(crate) async fn record(conn: &impl ConnectionTrait, change: Change) -> CoreResult<()> {
    change::Entity::insert(
        change::Model {
            id: next_id(),
            kind: change.kind().to_string(),
            account_id: match change {
                Change::AccountModerated(id) => Some(id),
                Change::DomainRules => None,
            },
            created_at: Utc::now(),
        }
        .into_active_model(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Records `change` on its own (after the commit of what it reports) and announces it.
pub(crate) async fn publish(inst: &Instance, change: Change) -> CoreResult<()> {
    record(&inst.store.write, change).await?;
    inst.changes.announce(change);
    Ok(())
}

/// Reads the changes committed since the last poll (by any process) and announces
/// those not heard yet; a change of the domain rules reloads them. Answers how many.
pub async fn poll(inst: &Instance) -> CoreResult<usize> {
    let from = lock(&inst.changes).from;
    let rows = change::Entity::find()
        .filter(change::Column::Id.gte(from))
        .order_by_asc(change::Column::Id)
        .all(&inst.store.read)
        .await?;
    let new: Vec<Change> = {
        let mut read = lock(&inst.changes);
        let next_from = min_id_at(Utc::now() - RESCAN).max(read.from);
        let fresh = rows
            .iter()
            .filter(|row| read.seen.insert(row.id))
            .filter_map(Change::of)
            .collect();
        read.from = next_from;
        read.seen.retain(|id| *id >= next_from);
        fresh
    };
    if new.contains(&Change::DomainRules) {
        inst.policy.reload(&inst.store.read).await?;
    }
    for change in &new {
        inst.changes.announce(*change);
    }
    Ok(new.len())
}

fn lock(changes: &Changes) -> std::sync::MutexGuard<'_, Read> {
    changes
        .read
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets rows older than an hour.
pub async fn prune(inst: &Instance) -> CoreResult<u64> {
    let cutoff = min_id_at(Utc::now() - KEEP);
    Ok(change::Entity::delete_many()
        .filter(change::Column::Id.lt(cutoff))
        .exec(&inst.store.write)
        .await?
        .rows_affected)
}

/// Runs until aborted: [`poll`] every [`POLL_EVERY`], [`prune`] every ten minutes.
pub async fn run(inst: std::sync::Arc<Instance>) {
    let mut every = tokio::time::interval(POLL_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = std::time::Instant::now();
    loop {
        every.tick().await;
        if let Err(e) = poll(&inst).await {
            tracing::warn!(error = %e, "cannot read the changes of other processes");
        }
        if last_prune.elapsed() > Duration::from_secs(600) {
            last_prune = std::time::Instant::now();
            if let Err(e) = prune(&inst).await {
                tracing::warn!(error = %e, "cannot prune old changes");
            }
        }
    }
}
