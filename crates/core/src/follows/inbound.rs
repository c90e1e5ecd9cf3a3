//! Follows as remote servers report them: a remote account follows (or stops
//! following) a local one, and a remote account answers a local account's request.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{delete_request_notification, insert_follow, remove_follow};
use crate::entities::{account, follow, follow_request, notification};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;

/// What became of a remote account's `Follow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    /// Now following; an `Accept` is on its way.
    Accepted,
    /// The target is locked, or the follower limited by this instance: a follow
    /// request waits for the target's owner.
    Requested,
    /// The target blocks the follower or the follower's domain: a `Reject` is on its way.
    Rejected,
}

/// A remote account follows local `target_id`; `uri` is the `Follow` activity id.
///
/// As Mastodon's follow handler: a follower the target blocks, or whose domain the
/// target blocks, is rejected; a follower the instance limits (silenced, or on a
/// silenced domain) only asks, even when the target is not locked.
pub async fn followed_by_remote(
    inst: &Instance,
    follower: &account::Model,
    target_id: i64,
    uri: &str,
) -> CoreResult<FollowOutcome> {
    let target = account::Entity::find_by_id(target_id)
        .one(&inst.store.write)
        .await?
        .filter(|a| a.is_local() && a.suspended_at.is_none())
        .ok_or(CoreError::NotFound)?;
    if follower.is_local() {
        return Err(CoreError::Invalid(
            "a local account cannot follow remotely".into(),
        ));
    }
    let refused = crate::blocks::is_blocking(inst, target.id, follower.id).await?
        || match follower.domain.as_deref() {
            Some(domain) => crate::user_domain_blocks::is_blocking(inst, target.id, domain).await?,
            None => false,
        };
    let limited = crate::hidden::is_limited(inst, follower);
    let txn = inst.store.begin().await?;
    if refused {
        events::emit(
            &txn,
            target.id,
            &Event::FollowRejected {
                follower_id: follower.id,
                uri: Some(uri.to_string()),
            },
        )
        .await?;
        txn.commit().await?;
        inst.events_written();
        return Ok(FollowOutcome::Rejected);
    }
    let existing = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(follower.id))
        .filter(follow::Column::TargetAccountId.eq(target.id))
        .one(&txn)
        .await?;
    let outcome = if existing.is_some() {
        // Already following (their server missed our Accept, say): accept again.
        follow::Entity::update_many()
            .col_expr(
                follow::Column::Uri,
                sea_orm::sea_query::Expr::value(Some(uri.to_string())),
            )
            .filter(follow::Column::AccountId.eq(follower.id))
            .filter(follow::Column::TargetAccountId.eq(target.id))
            .exec(&txn)
            .await?;
        FollowOutcome::Accepted
    } else if target.locked || limited {
        let pending = follow_request::Entity::find()
            .filter(follow_request::Column::AccountId.eq(follower.id))
            .filter(follow_request::Column::TargetAccountId.eq(target.id))
            .one(&txn)
            .await?;
        if pending.is_none() {
            follow_request::Entity::insert(follow_request::ActiveModel {
                id: Set(next_id()),
                account_id: Set(follower.id),
                target_account_id: Set(target.id),
                show_reblogs: Set(true),
                notify: Set(false),
                languages: Set(None),
                uri: Set(Some(uri.to_string())),
                created_at: Set(Utc::now()),
            })
            .exec_without_returning(&txn)
            .await?;
            crate::notifications::notify_many(
                &txn,
                &[target.id],
                follower.id,
                "follow_request",
                None,
            )
            .await?;
        }
        FollowOutcome::Requested
    } else {
        insert_follow(
            &txn,
            follow::Model {
                id: next_id(),
                account_id: follower.id,
                target_account_id: target.id,
                show_reblogs: true,
                notify: false,
                languages: None,
                uri: Some(uri.to_string()),
                created_at: Utc::now(),
            },
        )
        .await?;
        crate::notifications::notify_many(&txn, &[target.id], follower.id, "follow", None).await?;
        FollowOutcome::Accepted
    };
    if outcome == FollowOutcome::Accepted {
        events::emit(
            &txn,
            target.id,
            &Event::FollowAccepted {
                follower_id: follower.id,
                uri: Some(uri.to_string()),
            },
        )
        .await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(outcome)
}

/// A remote account stops following local `target_id` (`Undo` `Follow`), or withdraws
/// its request. Returns whether anything was removed.
pub async fn unfollowed_by_remote(
    inst: &Instance,
    follower_id: i64,
    target_id: i64,
) -> CoreResult<bool> {
    let txn = inst.store.begin().await?;
    let removed = remove_follow(&txn, follower_id, target_id).await?;
    let withdrawn = follow_request::Entity::delete_many()
        .filter(follow_request::Column::AccountId.eq(follower_id))
        .filter(follow_request::Column::TargetAccountId.eq(target_id))
        .exec(&txn)
        .await?;
    if withdrawn.rows_affected > 0 {
        delete_request_notification(&txn, target_id, follower_id).await?;
    }
    notification::Entity::delete_many()
        .filter(notification::Column::AccountId.eq(target_id))
        .filter(notification::Column::FromAccountId.eq(follower_id))
        .filter(notification::Column::Kind.eq("follow"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(removed || withdrawn.rows_affected > 0)
}

/// Remote `target_id` accepted local `follower_id`'s request: it becomes a follow and
/// the target's recent posts we know of join the follower's home feed. `uri`, when the
/// `Accept` names it, must be the request's `Follow` id.
pub async fn accepted(
    inst: &Instance,
    follower_id: i64,
    target_id: i64,
    uri: Option<&str>,
) -> CoreResult<bool> {
    let txn = inst.store.begin().await?;
    let request = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(follower_id))
        .filter(follow_request::Column::TargetAccountId.eq(target_id))
        .one(&txn)
        .await?;
    let Some(request) = request else {
        return Ok(false);
    };
    if let (Some(uri), Some(ours)) = (uri, request.uri.as_deref())
        && uri != ours
    {
        return Ok(false);
    }
    follow_request::Entity::delete_by_id(request.id)
        .exec(&txn)
        .await?;
    let already = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(follower_id))
        .filter(follow::Column::TargetAccountId.eq(target_id))
        .one(&txn)
        .await?;
    if already.is_none() {
        insert_follow(
            &txn,
            follow::Model {
                id: next_id(),
                account_id: follower_id,
                target_account_id: target_id,
                show_reblogs: request.show_reblogs,
                notify: request.notify,
                languages: request.languages,
                uri: request.uri,
                created_at: Utc::now(),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Remote `target_id` rejected local `follower_id`'s request, or removed them from its
/// followers. Returns whether anything was removed.
pub async fn rejected(inst: &Instance, follower_id: i64, target_id: i64) -> CoreResult<bool> {
    let txn = inst.store.begin().await?;
    let withdrawn = follow_request::Entity::delete_many()
        .filter(follow_request::Column::AccountId.eq(follower_id))
        .filter(follow_request::Column::TargetAccountId.eq(target_id))
        .exec(&txn)
        .await?;
    let removed = remove_follow(&txn, follower_id, target_id).await?;
    txn.commit().await?;
    Ok(removed || withdrawn.rows_affected > 0)
}

/// The local follower whose request (or, `accepted`, follow) of remote `target_id`
/// has the `Follow` id `uri`: what an `Accept` or `Reject` by the target answers.
pub async fn follower_by_follow_uri(
    inst: &Instance,
    uri: &str,
    target_id: i64,
    accepted: bool,
) -> CoreResult<Option<i64>> {
    use sea_orm::QuerySelect;
    let conn = &inst.store.read;
    if accepted {
        return Ok(follow::Entity::find()
            .select_only()
            .column(follow::Column::AccountId)
            .filter(follow::Column::Uri.eq(uri))
            .filter(follow::Column::TargetAccountId.eq(target_id))
            .into_tuple()
            .one(conn)
            .await?);
    }
    Ok(follow_request::Entity::find()
        .select_only()
        .column(follow_request::Column::AccountId)
        .filter(follow_request::Column::Uri.eq(uri))
        .filter(follow_request::Column::TargetAccountId.eq(target_id))
        .into_tuple()
        .one(conn)
        .await?)
}
