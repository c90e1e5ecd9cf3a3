//! Domain blocks of one user (Mastodon's `AccountDomainBlock`): a local account hides a
//! whole remote domain from itself.
//!
//! As in Mastodon, the block names one domain exactly (normalised as the instance's own
//! domain blocks are, see [`crate::moderation::domains::normalize`]), and when it is
//! made, the user's relationships with that domain's accounts end in one transaction:
//! the user's follows of them and requests to follow them are undone (`Undo` `Follow`
//! to their servers), their follows of the user and requests are removed (`Reject`
//! `Follow`, as Mastodon's `AfterBlockDomainFromAccountService` sends), and their
//! notifications to the user are deleted. From then on the domain's accounts are hidden
//! from the user's timelines, notifications, search results and threads
//! ([`crate::hidden`]), and their new follows of the user are rejected
//! ([`crate::follows::inbound`]).

use std::collections::{BTreeSet, HashSet};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TryInsertResult};

use crate::accounts::LocalAccount;
use crate::entities::{account, follow, follow_request, notification, user_domain_block};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;

/// Normalises a domain a user names, refusing this instance's own.
fn normalize(inst: &Instance, domain: &str) -> CoreResult<String> {
    let domain = crate::moderation::blocks::normalize(inst, domain)?;
    if domain.eq_ignore_ascii_case(inst.domain()) {
        return Err(CoreError::Unprocessable(
            "You cannot block the domain of your own server".into(),
        ));
    }
    Ok(domain)
}

/// `SELECT id FROM accounts WHERE domain = <domain>`.
fn accounts_of(domain: &str) -> SelectStatement {
    let mut q = Query::select();
    q.column(account::Column::Id)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::Domain).eq(domain));
    q
}

/// `user` blocks `domain`; answers the domain as stored. Blocking again changes nothing.
pub async fn block(inst: &Instance, user: &LocalAccount, domain: &str) -> CoreResult<String> {
    let domain = normalize(inst, domain)?;
    let me = user.account.id;
    let txn = inst.store.begin().await?;
    let inserted = user_domain_block::Entity::insert(user_domain_block::ActiveModel {
        id: Set(next_id()),
        account_id: Set(me),
        domain: Set(domain.clone()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([
        user_domain_block::Column::AccountId,
        user_domain_block::Column::Domain,
    ])
    .exec_without_returning(&txn)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        txn.commit().await?;
        return Ok(domain);
    }

    let mut others = BTreeSet::new();
    let mut emitted = false;
    // The user's follows and requests of the domain's accounts: undone.
    let following = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(me))
        .filter(Expr::col(follow::Column::TargetAccountId).in_subquery(accounts_of(&domain)))
        .all(&txn)
        .await?;
    let requesting = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(me))
        .filter(
            Expr::col(follow_request::Column::TargetAccountId).in_subquery(accounts_of(&domain)),
        )
        .all(&txn)
        .await?;
    let outgoing = following
        .iter()
        .map(|f| (f.target_account_id, f.uri.clone()))
        .chain(
            requesting
                .iter()
                .map(|r| (r.target_account_id, r.uri.clone())),
        );
    for (target_id, uri) in outgoing {
        others.insert(target_id);
        if let Some(uri) = uri {
            events::emit(&txn, me, &Event::FollowUndone { target_id, uri }).await?;
            emitted = true;
        }
    }
    // Their follows and requests of the user: rejected.
    let followers = follow::Entity::find()
        .filter(follow::Column::TargetAccountId.eq(me))
        .filter(Expr::col(follow::Column::AccountId).in_subquery(accounts_of(&domain)))
        .all(&txn)
        .await?;
    let requesters = follow_request::Entity::find()
        .filter(follow_request::Column::TargetAccountId.eq(me))
        .filter(Expr::col(follow_request::Column::AccountId).in_subquery(accounts_of(&domain)))
        .all(&txn)
        .await?;
    let incoming = followers
        .iter()
        .map(|f| (f.account_id, f.uri.clone()))
        .chain(requesters.iter().map(|r| (r.account_id, r.uri.clone())));
    for (follower_id, uri) in incoming {
        others.insert(follower_id);
        events::emit(&txn, me, &Event::FollowRejected { follower_id, uri }).await?;
        emitted = true;
    }
    for other in others {
        crate::follows::sever(&txn, me, other).await?;
    }
    notification::Entity::delete_many()
        .filter(notification::Column::AccountId.eq(me))
        .filter(Expr::col(notification::Column::FromAccountId).in_subquery(accounts_of(&domain)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if emitted {
        inst.events_written();
    }
    Ok(domain)
}

/// `user` lifts its block of `domain` (no error when there was none).
pub async fn unblock(inst: &Instance, user: &LocalAccount, domain: &str) -> CoreResult<()> {
    let domain = normalize(inst, domain)?;
    user_domain_block::Entity::delete_many()
        .filter(user_domain_block::Column::AccountId.eq(user.account.id))
        .filter(user_domain_block::Column::Domain.eq(domain))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// The domains `account_id` blocks, newest block first, as `(block id, domain)`.
pub async fn list(inst: &Instance, account_id: i64, page: &Page) -> CoreResult<Vec<(i64, String)>> {
    let rows = page
        .apply(
            user_domain_block::Entity::find()
                .filter(user_domain_block::Column::AccountId.eq(account_id)),
            user_domain_block::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    Ok(page
        .finish(rows)
        .into_iter()
        .map(|r| (r.id, r.domain))
        .collect())
}

/// Whether `account_id` blocks `domain` (an account's domain, compared exactly).
pub async fn is_blocking(inst: &Instance, account_id: i64, domain: &str) -> CoreResult<bool> {
    Ok(user_domain_block::Entity::find()
        .filter(user_domain_block::Column::AccountId.eq(account_id))
        .filter(user_domain_block::Column::Domain.eq(domain.to_ascii_lowercase()))
        .one(&inst.store.read)
        .await?
        .is_some())
}

/// Of `targets`, the accounts whose domain `viewer` blocks.
pub async fn covering(inst: &Instance, viewer: i64, targets: &[i64]) -> CoreResult<HashSet<i64>> {
    if targets.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(targets.iter().copied()))
        .filter(Expr::col(account::Column::Domain).in_subquery(blocked_domains(viewer)))
        .into_tuple::<i64>()
        .all(&inst.store.read)
        .await?
        .into_iter()
        .collect())
}

/// `SELECT domain FROM user_domain_blocks WHERE account_id = viewer`.
fn blocked_domains(viewer: i64) -> SelectStatement {
    let mut q = Query::select();
    q.column(user_domain_block::Column::Domain)
        .from(user_domain_block::Entity)
        .and_where(Expr::col(user_domain_block::Column::AccountId).eq(viewer));
    q
}

/// `SELECT id FROM accounts WHERE domain IN (<viewer's blocked domains>)`.
pub(crate) fn blocked_account_ids(viewer: i64) -> SelectStatement {
    let mut q = Query::select();
    q.column(account::Column::Id)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::Domain).in_subquery(blocked_domains(viewer)));
    q
}
