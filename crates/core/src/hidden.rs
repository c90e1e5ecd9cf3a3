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
//! out once per request: each distinct domain of the known accounts is asked once
//! ([`limited_domains`]), and the answer is bound into the query as a list.

use std::collections::HashSet;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{account, block, follow};
use crate::error::CoreResult;
use crate::instance::Instance;

/// The remote domains of known accounts that the instance limits: silenced (or
/// suspended) by a domain block, or, in allow-list mode, not allowed.
pub async fn limited_domains(inst: &Instance) -> CoreResult<Vec<String>> {
    let (blocks, _) = inst.policy.counts();
    if blocks == 0 && !inst.policy.is_allowlist() {
        return Ok(Vec::new());
    }
    let domains = crate::moderation::effects::remote_domains(&inst.store.read).await?;
    Ok(domains
        .into_iter()
        .filter(|d| is_limited_domain(inst, d))
        .collect())
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
    limited_domains: Vec<String>,
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
            limited_domains: Vec::new(),
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
