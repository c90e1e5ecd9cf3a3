//! What a reader does not see, for the timelines, notifications, search and threads.
//!
//! Two sources, both applied when a page is read (never by rewriting feeds), so a
//! change takes effect at once and an expired mute simply stops counting:
//!
//! - **The reader's own choices**: accounts they block or that block them
//!   ([`crate::blocks`]), accounts they mute ([`crate::mutes`], not expired), and
//!   accounts of the domains they block ([`crate::user_domain_blocks`]).
//! - **The instance's limits** (Mastodon's "limited" accounts): an account silenced by a
//!   moderator (`accounts.silenced_at`) or on a domain the policy silences (or
//!   suspends) is shown only to its followers and itself.
//!
//! The policy lives in memory and covers subdomains, so the limited domains are worked
//! out from it ([`limited_domains`]) and bound into the query as a list: each distinct
//! domain of the known accounts is asked once per version of the rules, and after that
//! only the domains of the accounts that arrived since (ids sort by creation time, so
//! that is a short range of the primary key), not every account again on every read.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{account, block, follow};
use crate::error::CoreResult;
use crate::instance::Instance;

/// How far back the domains of new accounts are read again: rows another process
/// committed late, with ids a little older than the last read, are still seen.
const RESCAN: chrono::Duration = chrono::Duration::minutes(1);

/// The limited domains worked out so far ([`limited_domains`]), kept by the instance.
#[derive(Debug, Default)]
pub struct LimitedDomains {
    known: std::sync::Mutex<Option<Known>>,
}

#[derive(Debug, Clone)]
struct Known {
    /// The version of the policy they were worked out from.
    generation: u64,
    /// When the accounts were last read.
    read_at: DateTime<Utc>,
    /// Sorted.
    domains: Arc<Vec<String>>,
}

impl LimitedDomains {
    fn get(&self) -> Option<Known> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn put(&self, known: Known) {
        *self
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(known);
    }
}

/// The remote domains of known accounts that the instance limits: silenced (or
/// suspended) by a domain block, or, in allow-list mode, not allowed; sorted.
pub async fn limited_domains(inst: &Instance) -> CoreResult<Arc<Vec<String>>> {
    let (blocks, _) = inst.policy.counts();
    if blocks == 0 && !inst.policy.is_allowlist() {
        return Ok(Arc::default());
    }
    let generation = inst.policy.generation();
    let read_at = Utc::now();
    let (mut domains, seen) = match inst.limited_domains.get() {
        Some(known) if known.generation == generation => {
            let since = crate::id::min_id_at(known.read_at - RESCAN);
            let seen =
                crate::moderation::effects::remote_domains_since(&inst.store.read, since).await?;
            (known.domains, seen)
        }
        _ => (
            Arc::default(),
            crate::moderation::effects::remote_domains(&inst.store.read).await?,
        ),
    };
    let new: Vec<String> = seen
        .into_iter()
        .filter(|d| domains.binary_search(d).is_err() && is_limited_domain(inst, d))
        .collect();
    if !new.is_empty() {
        let mut all = Vec::with_capacity(domains.len() + new.len());
        all.extend(domains.iter().cloned());
        all.extend(new);
        all.sort_unstable();
        all.dedup();
        domains = Arc::new(all);
    }
    // Kept only if the rules did not change meanwhile.
    if inst.policy.generation() == generation {
        inst.limited_domains.put(Known {
            generation,
            read_at,
            domains: domains.clone(),
        });
    }
    Ok(domains)
}

fn is_limited_domain(inst: &Instance, domain: &str) -> bool {
    let verdict = inst.policy.for_domain(Some(domain));
    verdict.silenced || verdict.suspended
}

/// Whether the instance limits `account` (silenced itself, or on a limited domain).
pub fn is_limited(inst: &Instance, account: &account::Model) -> bool {
    account.silenced_at.is_some()
        || account
            .domain
            .as_deref()
            .is_some_and(|d| is_limited_domain(inst, d))
}

/// What one reader does not see, ready to be added to a query.
#[derive(Debug, Clone)]
pub struct Hidden {
    viewer: Option<i64>,
    limited_domains: Arc<Vec<String>>,
}

impl Hidden {
    /// For `viewer` (anonymous: only the instance's limits).
    pub async fn for_viewer(inst: &Instance, viewer: Option<i64>) -> CoreResult<Self> {
        Ok(Self {
            viewer,
            limited_domains: limited_domains(inst).await?,
        })
    }

    /// Only the reader's own choices (the home timeline: what they follow is theirs).
    pub fn personal(viewer: i64) -> Self {
        Self {
            viewer: Some(viewer),
            limited_domains: Arc::default(),
        }
    }

    /// The account in `col` (never null) is not one the reader blocks, is blocked by,
    /// mutes, or whose domain the reader blocks. Always true for anonymous readers.
    pub fn not_excluded(&self, col: impl IntoColumnRef + Clone) -> Condition {
        let Some(viewer) = self.viewer else {
            return Condition::all();
        };
        Condition::all()
            .add(Expr::col(col.clone()).not_in_subquery(crate::mutes::muted_ids(viewer, false)))
            .add(Expr::col(col.clone()).not_in_subquery(blocking(viewer)))
            .add(Expr::col(col.clone()).not_in_subquery(blocked_by(viewer)))
            .add(
                Expr::col(col)
                    .not_in_subquery(crate::user_domain_blocks::blocked_account_ids(viewer)),
            )
    }

    /// The account row aliased `a` is not limited, or the reader is it or follows it.
    pub fn not_limited(&self, a: &Alias) -> Condition {
        let mut unlimited =
            Condition::all().add(Expr::col((a.clone(), account::Column::SilencedAt)).is_null());
        if !self.limited_domains.is_empty() {
            unlimited = unlimited.add(
                Expr::col((a.clone(), account::Column::Domain))
                    .is_null()
                    .or(Expr::col((a.clone(), account::Column::Domain))
                        .is_not_in(self.limited_domains.iter().cloned())),
            );
        }
        let mut shown = Condition::any().add(unlimited);
        if let Some(viewer) = self.viewer {
            shown = shown
                .add(Expr::col((a.clone(), account::Column::Id)).eq(viewer))
                .add(Expr::col((a.clone(), account::Column::Id)).in_subquery(followed(viewer)));
        }
        shown
    }

    /// `SELECT id FROM accounts` that are limited and that the reader does not follow.
    pub fn limited_unfollowed_ids(&self) -> SelectStatement {
        let mut limited =
            Condition::any().add(Expr::col(account::Column::SilencedAt).is_not_null());
        if !self.limited_domains.is_empty() {
            limited = limited.add(
                Expr::col(account::Column::Domain).is_in(self.limited_domains.iter().cloned()),
            );
        }
        let mut q = Query::select();
        q.column(account::Column::Id)
            .from(account::Entity)
            .cond_where(limited);
        if let Some(viewer) = self.viewer {
            q.and_where(Expr::col(account::Column::Id).ne(viewer))
                .and_where(Expr::col(account::Column::Id).not_in_subquery(followed(viewer)));
        }
        q
    }
}

/// `SELECT target_account_id FROM blocks WHERE account_id = viewer`.
fn blocking(viewer: i64) -> SelectStatement {
    let mut q = Query::select();
    q.column(block::Column::TargetAccountId)
        .from(block::Entity)
        .and_where(Expr::col(block::Column::AccountId).eq(viewer));
    q
}

/// `SELECT account_id FROM blocks WHERE target_account_id = viewer`.
fn blocked_by(viewer: i64) -> SelectStatement {
    let mut q = Query::select();
    q.column(block::Column::AccountId)
        .from(block::Entity)
        .and_where(Expr::col(block::Column::TargetAccountId).eq(viewer));
    q
}

/// `SELECT target_account_id FROM follows WHERE account_id = viewer`.
fn followed(viewer: i64) -> SelectStatement {
    let mut q = Query::select();
    q.column(follow::Column::TargetAccountId)
        .from(follow::Entity)
        .and_where(Expr::col(follow::Column::AccountId).eq(viewer));
    q
}

/// `SELECT target_account_id FROM blocks/mutes …`: the accounts whose mentions hide a
/// post from the reader's home timeline (blocked or muted, as Mastodon's feed filter).
pub(crate) fn blocked_or_muted(viewer: i64) -> [SelectStatement; 2] {
    [blocking(viewer), crate::mutes::muted_ids(viewer, false)]
}

/// Of `authors`, those `viewer` does not see: excluded by the reader's choices, or
/// limited by the instance and not followed. In a fixed number of queries.
pub async fn hidden_authors(
    inst: &Instance,
    viewer: Option<i64>,
    authors: &HashSet<i64>,
) -> CoreResult<HashSet<i64>> {
    if authors.is_empty() {
        return Ok(HashSet::new());
    }
    let conn = &inst.store.read;
    let accounts = crate::accounts::get_many(conn, authors.iter().copied()).await?;
    let mut hidden: HashSet<i64> = HashSet::new();
    let limited: Vec<i64> = accounts
        .iter()
        .filter(|a| Some(a.id) != viewer && is_limited(inst, a))
        .map(|a| a.id)
        .collect();
    let Some(viewer) = viewer else {
        hidden.extend(limited);
        return Ok(hidden);
    };
    if !limited.is_empty() {
        let followed: HashSet<i64> = follow::Entity::find()
            .select_only()
            .column(follow::Column::TargetAccountId)
            .filter(follow::Column::AccountId.eq(viewer))
            .filter(follow::Column::TargetAccountId.is_in(limited.iter().copied()))
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        hidden.extend(limited.into_iter().filter(|id| !followed.contains(id)));
    }
    let ids: Vec<i64> = authors.iter().copied().collect();
    let (blocking, blocked_by) = crate::blocks::between(inst, viewer, &ids).await?;
    hidden.extend(blocking);
    hidden.extend(blocked_by);
    hidden.extend(crate::mutes::marks(inst, viewer, &ids).await?.into_keys());
    hidden.extend(crate::user_domain_blocks::covering(inst, viewer, &ids).await?);
    hidden.remove(&viewer);
    Ok(hidden)
}
