//! Favourites: a local account favourites (or stops favouriting) a status, who
//! favourited a status, and an account's own favourites. [`inbound`] records the `Like`s
//! of remote accounts.
//!
//! As in Mastodon, favouriting a boost favourites the boosted status, favouriting twice
//! counts once, and unfavouriting what was never favourited is not an error. Each change
//! writes the favourite, the status's `favourites_count`, the author's notification and
//! the domain event in one transaction.

pub mod inbound;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set, TryInsertResult,
};

use crate::accounts::{self, LocalAccount};
use crate::counters::{self, Counter};
use crate::entities::{account, favourite, notification, status};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;
use crate::visibility;
use crate::{reblogs, statuses};

/// The notification type of a favourite.
const NOTIFICATION: &str = "favourite";

/// Favourites `status_id` (a boost: the boosted status) for `liker`; returns the
/// favourited status with its new count. NotFound when `liker` may not see it.
pub async fn favourite(
    inst: &Instance,
    liker: &LocalAccount,
    status_id: i64,
) -> CoreResult<status::Model> {
    let me = &liker.account;
    let status = reblogs::actionable(inst, status_id, Some(me.id)).await?;
    let id = next_id();
    let uri = like_uri(inst, &me.username, id);
    let txn = inst.store.begin().await?;
    if !insert(&txn, id, me.id, status.id, Some(uri.clone())).await? {
        // Already favourited: nothing changes, nothing federates.
        txn.rollback().await?;
        return reblogs::reload(&inst.store.write, status).await;
    }
    reblogs::notify_local_author(&txn, &status, me.id, NOTIFICATION).await?;
    events::emit(
        &txn,
        me.id,
        &Event::Favourited {
            status_id: status.id,
            uri,
        },
    )
    .await?;
    let status = reblogs::reload(&txn, status).await?;
    txn.commit().await?;
    inst.events_written();
    Ok(status)
}

/// Withdraws `liker`'s favourite of `status_id` (a boost: the boosted status); returns
/// the status with its new count. A status that was not favourited is answered as it
/// is, if `liker` may see it.
pub async fn unfavourite(
    inst: &Instance,
    liker: &LocalAccount,
    status_id: i64,
) -> CoreResult<status::Model> {
    let me = &liker.account;
    let status = reblogs::original_of(inst, statuses::get(inst, status_id).await?).await?;
    let txn = inst.store.begin().await?;
    let Some(removed) = remove(&txn, me.id, status.id).await? else {
        txn.rollback().await?;
        // As Mastodon: without a favourite to withdraw, the status must be visible.
        if !visibility::can_view(inst, &status, Some(me.id)).await? {
            return Err(CoreError::NotFound);
        }
        return Ok(status);
    };
    events::emit(
        &txn,
        me.id,
        &Event::Unfavourited {
            status_id: status.id,
            uri: removed
                .uri
                .unwrap_or_else(|| like_uri(inst, &me.username, removed.id)),
            status_author_id: status.account_id,
        },
    )
    .await?;
    let status = reblogs::reload(&txn, status).await?;
    txn.commit().await?;
    inst.events_written();
    Ok(status)
}

/// The accounts that favourited `status_id`, newest favourite first, paged by
/// favourite id, as `viewer` may see the status (NotFound otherwise). Suspended
/// accounts are left out.
pub async fn favourited_by(
    inst: &Instance,
    status_id: i64,
    viewer: Option<i64>,
    page: &Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let status = visibility::get_status(inst, status_id, viewer).await?;
    let rows: Vec<(i64, i64)> = page
        .apply(
            favourite::Entity::find().filter(favourite::Column::StatusId.eq(status.id)),
            favourite::Column::Id,
        )
        .select_only()
        .column(favourite::Column::Id)
        .column(favourite::Column::AccountId)
        .into_tuple()
        .all(&inst.store.read)
        .await?;
    with_accounts(inst, page.finish(rows)).await
}

/// The statuses `account_id` favourited, newest favourite first, paged by favourite id
/// (`GET /api/v1/favourites`). Favourites of deleted statuses are skipped.
pub async fn of_account(
    inst: &Instance,
    account_id: i64,
    page: &Page,
) -> CoreResult<Vec<(i64, status::Model)>> {
    let conn = &inst.store.read;
    let rows: Vec<(i64, i64)> = page
        .apply(
            favourite::Entity::find()
                .join(sea_orm::JoinType::InnerJoin, to_status())
                .filter(favourite::Column::AccountId.eq(account_id)),
            favourite::Column::Id,
        )
        .select_only()
        .column(favourite::Column::Id)
        .column(favourite::Column::StatusId)
        .into_tuple()
        .all(conn)
        .await?;
    let rows = page.finish(rows);
    let statuses = status::Entity::find()
        .filter(status::Column::Id.is_in(rows.iter().map(|(_, s)| *s)))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(fav_id, status_id)| {
            statuses
                .iter()
                .find(|s| s.id == status_id)
                .map(|s| (fav_id, s.clone()))
        })
        .collect())
}

/// The id of the `Like` activity of a local favourite.
pub fn like_uri(inst: &Instance, username: &str, favourite_id: i64) -> String {
    inst.urls.activity(username, "likes", favourite_id)
}

fn to_status() -> sea_orm::RelationDef {
    favourite::Entity::belongs_to(status::Entity)
        .from(favourite::Column::StatusId)
        .to(status::Column::Id)
        .into()
}

/// Inserts a favourite and counts it; false (and nothing written) when `account_id`
/// already favourited the status.
async fn insert(
    txn: &DatabaseTransaction,
    id: i64,
    account_id: i64,
    status_id: i64,
    uri: Option<String>,
) -> CoreResult<bool> {
    let inserted = favourite::Entity::insert(favourite::ActiveModel {
        id: Set(id),
        account_id: Set(account_id),
        status_id: Set(status_id),
        uri: Set(uri),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([favourite::Column::AccountId, favourite::Column::StatusId])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(txn)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    counters::increment(txn, Counter::Favourites, status_id).await?;
    Ok(true)
}

/// Removes `account_id`'s favourite of `status_id` with its count and notification;
/// returns the removed row. The delete itself decides, so two concurrent withdrawals
/// count once.
async fn remove(
    txn: &DatabaseTransaction,
    account_id: i64,
    status_id: i64,
) -> CoreResult<Option<favourite::Model>> {
    let Some(row) = favourite::Entity::find()
        .filter(favourite::Column::AccountId.eq(account_id))
        .filter(favourite::Column::StatusId.eq(status_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let deleted = favourite::Entity::delete_by_id(row.id).exec(txn).await?;
    if deleted.rows_affected == 0 {
        return Ok(None);
    }
    counters::decrement(txn, Counter::Favourites, status_id).await?;
    notification::Entity::delete_many()
        .filter(notification::Column::FromAccountId.eq(account_id))
        .filter(notification::Column::StatusId.eq(status_id))
        .filter(notification::Column::Kind.eq(NOTIFICATION))
        .exec(txn)
        .await?;
    Ok(Some(row))
}

/// Pairs paging ids with their accounts, in order, leaving out suspended and missing
/// accounts.
pub(crate) async fn with_accounts(
    inst: &Instance,
    pairs: Vec<(i64, i64)>,
) -> CoreResult<Vec<(i64, account::Model)>> {
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
