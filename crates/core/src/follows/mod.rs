//! Follows between accounts: following (or requesting to follow a locked account),
//! unfollowing, answering follow requests, follower lists and relationships.
//!
//! A new follow merges the target's recent statuses into the follower's home feed; an
//! unfollow removes them again, as Mastodon's feed manager does.
//!
//! Following a remote account is always a request until its server answers `Accept`
//! ([`inbound::accepted`]); every change that another server must hear about writes a
//! [`crate::events::Event`] in the same transaction.

pub mod inbound;

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};

use crate::accounts::{self, LocalAccount};
use crate::counters::{self, Counter};
use crate::entities::{account, follow, follow_request, home_feed, notification, status};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;
use crate::statuses::insert_feed_rows;

/// Statuses of a newly followed account merged into the follower's home feed.
pub const MERGE_ON_FOLLOW: u64 = 200;

/// Options of a follow; `None` keeps the current value (or the default).
#[derive(Debug, Clone, Default)]
pub struct FollowOptions {
    /// Show the target's boosts in the home timeline (default true).
    pub reblogs: Option<bool>,
    /// Notify on each new post (default false).
    pub notify: Option<bool>,
    /// Only these languages (default all).
    pub languages: Option<Vec<String>>,
}

/// The relationship of the viewer to one account, as Mastodon's `Relationship`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relationship {
    pub id: i64,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

fn languages_json(languages: &Option<Vec<String>>) -> Option<String> {
    languages
        .as_ref()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::to_string(l).unwrap_or_else(|_| "[]".into()))
}

fn parse_languages(s: &Option<String>) -> Option<Vec<String>> {
    s.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

async fn target_account(
    inst: &Instance,
    follower: &LocalAccount,
    target_id: i64,
) -> CoreResult<account::Model> {
    let target = accounts::get(inst, target_id).await?;
    // Mastodon's FollowService: following yourself is "following not possible", a 404.
    if target.suspended_at.is_some() || target.id == follower.account.id {
        return Err(CoreError::NotFound);
    }
    Ok(target)
}

/// Follows `target_id`, or asks to when the target is locked. Following again only
/// updates the options.
pub async fn follow(
    inst: &Instance,
    follower: &LocalAccount,
    target_id: i64,
    options: FollowOptions,
) -> CoreResult<()> {
    let target = target_account(inst, follower, target_id).await?;
    let me = follower.account.id;
    let txn = inst.store.begin().await?;

    let existing = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(me))
        .filter(follow::Column::TargetAccountId.eq(target.id))
        .one(&txn)
        .await?;
    if let Some(existing) = existing {
        update_options(&txn, existing.id, &options, true).await?;
        txn.commit().await?;
        return Ok(());
    }
    let requested = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(me))
        .filter(follow_request::Column::TargetAccountId.eq(target.id))
        .one(&txn)
        .await?;
    if let Some(requested) = requested {
        update_options(&txn, requested.id, &options, false).await?;
        txn.commit().await?;
        return Ok(());
    }

    let now = Utc::now();
    // As Mastodon's FollowService: a limited follower only asks, even an unlocked account.
    if target.locked || !target.is_local() || crate::hidden::is_limited(inst, &follower.account) {
        let request_id = next_id();
        let uri = (!target.is_local()).then(|| {
            inst.urls
                .follow_activity(&follower.account.username, request_id)
        });
        follow_request::Entity::insert(follow_request::ActiveModel {
            id: Set(request_id),
            account_id: Set(me),
            target_account_id: Set(target.id),
            show_reblogs: Set(options.reblogs.unwrap_or(true)),
            notify: Set(options.notify.unwrap_or(false)),
            languages: Set(languages_json(&options.languages)),
            uri: Set(uri.clone()),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        if let Some(uri) = uri {
            events::emit(
                &txn,
                me,
                &Event::FollowRequested {
                    target_id: target.id,
                    uri,
                },
            )
            .await?;
        }
        if target.is_local() {
            crate::notifications::notify_many(&txn, &[target.id], me, "follow_request", None)
                .await?;
        }
    } else {
        insert_follow(
            &txn,
            follow::Model {
                id: next_id(),
                account_id: me,
                target_account_id: target.id,
                show_reblogs: options.reblogs.unwrap_or(true),
                notify: options.notify.unwrap_or(false),
                languages: languages_json(&options.languages),
                uri: None,
                created_at: now,
            },
        )
        .await?;
        if target.is_local() {
            crate::notifications::notify_many(&txn, &[target.id], me, "follow", None).await?;
        }
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

async fn update_options(
    txn: &DatabaseTransaction,
    id: i64,
    options: &FollowOptions,
    is_follow: bool,
) -> CoreResult<()> {
    macro_rules! update {
        ($entity:ident) => {{
            let mut update = $entity::Entity::update_many().filter($entity::Column::Id.eq(id));
            let mut any = false;
            if let Some(v) = options.reblogs {
                update = update.col_expr($entity::Column::ShowReblogs, Expr::value(v));
                any = true;
            }
            if let Some(v) = options.notify {
                update = update.col_expr($entity::Column::Notify, Expr::value(v));
                any = true;
            }
            if options.languages.is_some() {
                update = update.col_expr(
                    $entity::Column::Languages,
                    Expr::value(languages_json(&options.languages)),
                );
                any = true;
            }
            if any {
                update.exec(txn).await?;
            }
        }};
    }
    if is_follow {
        update!(follow);
    } else {
        update!(follow_request);
    }
    Ok(())
}

/// Inserts a follow with its counters and home-feed merge.
async fn insert_follow(txn: &DatabaseTransaction, model: follow::Model) -> CoreResult<()> {
    let (me, target) = (model.account_id, model.target_account_id);
    follow::Entity::insert(model.into_active_model())
        .exec_without_returning(txn)
        .await?;
    counters::increment(txn, Counter::Following, me).await?;
    counters::increment(txn, Counter::Followers, target).await?;
    merge_into_home(txn, me, target).await
}

/// Copies `author`'s recent statuses that `reader` may now see into `reader`'s home
/// feed (public, unlisted, private; replies only to accounts `reader` follows).
async fn merge_into_home(txn: &DatabaseTransaction, reader: i64, author: i64) -> CoreResult<()> {
    let reader_is_local = account::Entity::find_by_id(reader)
        .one(txn)
        .await?
        .is_some_and(|a| a.is_local());
    if !reader_is_local {
        return Ok(());
    }
    let s = Alias::new("s");
    let f = Alias::new("f");
    let mut reader_follows_replied_to = Query::select();
    reader_follows_replied_to
        .expr(Expr::val(1))
        .from_as(follow::Entity, f.clone())
        .and_where(Expr::col((f.clone(), follow::Column::AccountId)).eq(reader))
        .and_where(
            Expr::col((f, follow::Column::TargetAccountId))
                .equals((s.clone(), status::Column::InReplyToAccountId)),
        );
    let mut select = Query::select();
    select
        .expr(Expr::val(reader))
        .column((s.clone(), status::Column::Id))
        .column((s.clone(), status::Column::AccountId))
        .from_as(status::Entity, s.clone())
        .and_where(Expr::col((s.clone(), status::Column::AccountId)).eq(author))
        .and_where(
            Expr::col((s.clone(), status::Column::Visibility))
                .is_in(["public", "unlisted", "private"]),
        )
        .and_where(
            Expr::col((s.clone(), status::Column::InReplyToAccountId))
                .is_null()
                .or(Expr::col((s.clone(), status::Column::InReplyToAccountId)).eq(author))
                .or(Expr::col((s.clone(), status::Column::InReplyToAccountId)).eq(reader))
                .or(Expr::exists(reader_follows_replied_to)),
        )
        .order_by((s, status::Column::Id), sea_orm::Order::Desc)
        .limit(MERGE_ON_FOLLOW);
    insert_feed_rows(txn, select).await?;
    Ok(())
}

/// Stops following (or withdraws the request to follow) `target_id`.
pub async fn unfollow(inst: &Instance, follower: &LocalAccount, target_id: i64) -> CoreResult<()> {
    let target = accounts::get(inst, target_id).await?;
    let me = follower.account.id;
    let txn = inst.store.begin().await?;
    let followed = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(me))
        .filter(follow::Column::TargetAccountId.eq(target.id))
        .one(&txn)
        .await?;
    let requested = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(me))
        .filter(follow_request::Column::TargetAccountId.eq(target.id))
        .one(&txn)
        .await?;
    remove_follow(&txn, me, target.id).await?;
    if let Some(request) = &requested {
        follow_request::Entity::delete_by_id(request.id)
            .exec(&txn)
            .await?;
        delete_request_notification(&txn, target.id, me).await?;
    }
    if !target.is_local() {
        let uri = followed
            .and_then(|f| f.uri)
            .or(requested.and_then(|r| r.uri));
        if let Some(uri) = uri {
            events::emit(
                &txn,
                me,
                &Event::FollowUndone {
                    target_id: target.id,
                    uri,
                },
            )
            .await?;
        }
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

/// Removes follows and follow requests between two accounts in both directions (a
/// block), with their counters, feed entries and notifications.
pub(crate) async fn sever(txn: &DatabaseTransaction, a: i64, b: i64) -> CoreResult<()> {
    for (from, to) in [(a, b), (b, a)] {
        remove_follow(txn, from, to).await?;
        follow_request::Entity::delete_many()
            .filter(follow_request::Column::AccountId.eq(from))
            .filter(follow_request::Column::TargetAccountId.eq(to))
            .exec(txn)
            .await?;
        delete_request_notification(txn, to, from).await?;
    }
    Ok(())
}

/// Deletes a follow with its counters and feed entries; returns whether one existed.
async fn remove_follow(txn: &DatabaseTransaction, follower: i64, target: i64) -> CoreResult<bool> {
    let deleted = follow::Entity::delete_many()
        .filter(follow::Column::AccountId.eq(follower))
        .filter(follow::Column::TargetAccountId.eq(target))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    counters::decrement(txn, Counter::Following, follower).await?;
    counters::decrement(txn, Counter::Followers, target).await?;
    home_feed::Entity::delete_many()
        .filter(home_feed::Column::AccountId.eq(follower))
        .filter(home_feed::Column::AuthorId.eq(target))
        .exec(txn)
        .await?;
    Ok(true)
}

async fn delete_request_notification(
    txn: &DatabaseTransaction,
    target: i64,
    requester: i64,
) -> CoreResult<()> {
    notification::Entity::delete_many()
        .filter(notification::Column::AccountId.eq(target))
        .filter(notification::Column::FromAccountId.eq(requester))
        .filter(notification::Column::Kind.eq("follow_request"))
        .exec(txn)
        .await?;
    Ok(())
}

/// Accepts a pending follow request to `target`.
pub async fn authorize_request(
    inst: &Instance,
    target: &LocalAccount,
    requester_id: i64,
) -> CoreResult<()> {
    let txn = inst.store.begin().await?;
    let request = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(requester_id))
        .filter(follow_request::Column::TargetAccountId.eq(target.account.id))
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    follow_request::Entity::delete_by_id(request.id)
        .exec(&txn)
        .await?;
    delete_request_notification(&txn, target.account.id, requester_id).await?;
    let already = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(requester_id))
        .filter(follow::Column::TargetAccountId.eq(target.account.id))
        .one(&txn)
        .await?;
    if already.is_none() {
        insert_follow(
            &txn,
            follow::Model {
                id: next_id(),
                account_id: requester_id,
                target_account_id: target.account.id,
                show_reblogs: request.show_reblogs,
                notify: request.notify,
                languages: request.languages,
                uri: request.uri.clone(),
                created_at: Utc::now(),
            },
        )
        .await?;
    }
    if is_remote(&txn, requester_id).await? {
        events::emit(
            &txn,
            target.account.id,
            &Event::FollowAccepted {
                follower_id: requester_id,
                uri: request.uri,
            },
        )
        .await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

async fn is_remote(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<bool> {
    Ok(account::Entity::find_by_id(account_id)
        .one(conn)
        .await?
        .is_some_and(|a| !a.is_local()))
}

/// Rejects a pending follow request to `target`.
pub async fn reject_request(
    inst: &Instance,
    target: &LocalAccount,
    requester_id: i64,
) -> CoreResult<()> {
    let txn = inst.store.begin().await?;
    let request = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(requester_id))
        .filter(follow_request::Column::TargetAccountId.eq(target.account.id))
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    follow_request::Entity::delete_by_id(request.id)
        .exec(&txn)
        .await?;
    delete_request_notification(&txn, target.account.id, requester_id).await?;
    if is_remote(&txn, requester_id).await? {
        events::emit(
            &txn,
            target.account.id,
            &Event::FollowRejected {
                follower_id: requester_id,
                uri: request.uri,
            },
        )
        .await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

/// Accounts asking to follow `target_id`, paged by request id.
pub async fn follow_requests(
    inst: &Instance,
    target_id: i64,
    page: &Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let rows = page
        .apply(
            follow_request::Entity::find()
                .filter(follow_request::Column::TargetAccountId.eq(target_id)),
            follow_request::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    with_accounts(inst, rows.iter().map(|r| (r.id, r.account_id))).await
}

/// Followers of `account_id`, newest follow first, paged by follow id.
pub async fn followers(
    inst: &Instance,
    account_id: i64,
    page: &Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let rows = page
        .apply(
            follow::Entity::find().filter(follow::Column::TargetAccountId.eq(account_id)),
            follow::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    with_accounts(inst, rows.iter().map(|r| (r.id, r.account_id))).await
}

/// Accounts `account_id` follows, newest follow first, paged by follow id.
pub async fn following(
    inst: &Instance,
    account_id: i64,
    page: &Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let rows = page
        .apply(
            follow::Entity::find().filter(follow::Column::AccountId.eq(account_id)),
            follow::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    with_accounts(inst, rows.iter().map(|r| (r.id, r.target_account_id))).await
}

/// Pairs paging ids with their (non-suspended) accounts, keeping the order.
async fn with_accounts(
    inst: &Instance,
    pairs: impl Iterator<Item = (i64, i64)>,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let pairs: Vec<(i64, i64)> = pairs.collect();
    let accounts = accounts::get_many(&inst.store.read, pairs.iter().map(|(_, a)| *a)).await?;
    Ok(pairs
        .into_iter()
        .filter_map(|(page_id, account_id)| {
            accounts
                .iter()
                .find(|a| a.id == account_id && a.suspended_at.is_none())
                .map(|a| (page_id, a.clone()))
        })
        .collect())
}

/// The viewer's relationships to each of `targets`, in the same order.
pub async fn relationships(
    inst: &Instance,
    viewer: i64,
    targets: &[i64],
) -> CoreResult<Vec<Relationship>> {
    let conn = &inst.store.read;
    let targets_set: HashSet<i64> = targets.iter().copied().collect();
    let outgoing = follow::Entity::find()
        .filter(follow::Column::AccountId.eq(viewer))
        .filter(follow::Column::TargetAccountId.is_in(targets_set.iter().copied()))
        .all(conn)
        .await?;
    let incoming: HashSet<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(viewer))
        .filter(follow::Column::AccountId.is_in(targets_set.iter().copied()))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let requested = follow_request::Entity::find()
        .filter(follow_request::Column::AccountId.eq(viewer))
        .filter(follow_request::Column::TargetAccountId.is_in(targets_set.iter().copied()))
        .all(conn)
        .await?;
    let requested_by: HashSet<i64> = follow_request::Entity::find()
        .select_only()
        .column(follow_request::Column::AccountId)
        .filter(follow_request::Column::TargetAccountId.eq(viewer))
        .filter(follow_request::Column::AccountId.is_in(targets_set.iter().copied()))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let (blocking, blocked_by) = crate::blocks::between(inst, viewer, targets).await?;
    let muting = crate::mutes::marks(inst, viewer, targets).await?;
    let domain_blocking = crate::user_domain_blocks::covering(inst, viewer, targets).await?;
    Ok(targets
        .iter()
        .map(|&id| {
            let out = outgoing.iter().find(|f| f.target_account_id == id);
            let req = requested.iter().find(|f| f.target_account_id == id);
            Relationship {
                id,
                following: out.is_some(),
                showing_reblogs: out
                    .map(|f| f.show_reblogs)
                    .or(req.map(|r| r.show_reblogs))
                    .unwrap_or(false),
                notifying: out
                    .map(|f| f.notify)
                    .or(req.map(|r| r.notify))
                    .unwrap_or(false),
                languages: out.and_then(|f| parse_languages(&f.languages)),
                followed_by: incoming.contains(&id),
                requested: req.is_some(),
                requested_by: requested_by.contains(&id),
                blocking: blocking.contains(&id),
                blocked_by: blocked_by.contains(&id),
                muting: muting.contains_key(&id),
                muting_notifications: muting.get(&id).is_some_and(|m| m.hide_notifications),
                domain_blocking: domain_blocking.contains(&id),
                ..Relationship::default()
            }
        })
        .collect())
}

/// Whether `follower` follows `target`.
pub async fn is_following(
    conn: &impl ConnectionTrait,
    follower: i64,
    target: i64,
) -> CoreResult<bool> {
    Ok(follow::Entity::find()
        .filter(follow::Column::AccountId.eq(follower))
        .filter(follow::Column::TargetAccountId.eq(target))
        .one(conn)
        .await?
        .is_some())
}

/// Removes every follow and follow request from or to an account (account deletion),
/// fixing the other side's counters.
pub(crate) async fn remove_all_of_account(
    txn: &DatabaseTransaction,
    account_id: i64,
) -> CoreResult<()> {
    let outgoing: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::TargetAccountId)
        .filter(follow::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    for target in outgoing {
        remove_follow(txn, account_id, target).await?;
    }
    let incoming: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    for follower in incoming {
        remove_follow(txn, follower, account_id).await?;
    }
    follow_request::Entity::delete_many()
        .filter(
            follow_request::Column::AccountId
                .eq(account_id)
                .or(follow_request::Column::TargetAccountId.eq(account_id)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// Accounts that `viewer` follows and that follow `target` (up to 40).
pub async fn familiar_followers(
    inst: &Instance,
    viewer: i64,
    target: i64,
) -> CoreResult<Vec<account::Model>> {
    let mut viewer_follows = Query::select();
    viewer_follows
        .column(follow::Column::TargetAccountId)
        .from(follow::Entity)
        .and_where(Expr::col(follow::Column::AccountId).eq(viewer));
    let ids: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(target))
        .filter(Expr::col(follow::Column::AccountId).in_subquery(viewer_follows))
        .limit(40)
        .into_tuple()
        .all(&inst.store.read)
        .await?;
    let mut accounts = accounts::get_many(&inst.store.read, ids).await?;
    accounts.retain(|a| a.suspended_at.is_none());
    accounts.sort_by_key(|a| a.id);
    Ok(accounts)
}
