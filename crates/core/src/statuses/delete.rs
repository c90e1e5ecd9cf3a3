//! Deleting statuses: one by its author, or every status of an account, with every
//! row that refers to them and the counters they added to.

use std::collections::HashMap;

use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};

use crate::accounts::LocalAccount;
use crate::counters::{self, Counter};
use crate::entities::{
    favourite, home_feed, idempotency_key, media_attachment, notification, status, status_mention,
    status_pin, status_tag,
};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::instance::Instance;

use super::{Visibility, edit};

/// Deletes a status of `author` with everything that hangs off it; returns the row as
/// it was.
pub async fn delete(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = status::Entity::find_by_id(id)
        .filter(status::Column::AccountId.eq(author.account.id))
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)?;
    let files = media_files_of(&inst.store.read, &[status.id]).await?;
    let txn = inst.store.begin().await?;
    let event = deleted_event(&txn, &status).await?;
    delete_rows(&txn, std::slice::from_ref(&status)).await?;
    events::emit(&txn, author.account.id, &event).await?;
    txn.commit().await?;
    inst.events_written();
    for f in files {
        inst.media.remove(&f).await;
    }
    Ok(status)
}

/// The event announcing the deletion of `status` (or of a boost), computed while the
/// rows it names still exist.
pub(crate) async fn deleted_event(
    conn: &impl ConnectionTrait,
    status: &status::Model,
) -> CoreResult<Event> {
    let mentioned: Vec<i64> = status_mention::Entity::find()
        .select_only()
        .column(status_mention::Column::AccountId)
        .filter(status_mention::Column::StatusId.eq(status.id))
        .into_tuple()
        .all(conn)
        .await?;
    let original = match status.reblog_of_id {
        Some(id) => status::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    Ok(Event::StatusDeleted {
        uri: status.uri.clone(),
        visibility: status.visibility.clone(),
        mentioned,
        reblog_of_author: original.as_ref().map(|o| o.account_id),
        reblog_of_uri: original.map(|o| o.uri),
    })
}

/// The stored files of the statuses' media, those their edits took off included.
pub(crate) async fn media_files_of(
    conn: &impl ConnectionTrait,
    status_ids: &[i64],
) -> CoreResult<Vec<String>> {
    let left_by_edits = edit::media_left_by_edits(conn, status_ids).await?;
    Ok(media_attachment::Entity::find()
        .filter(
            media_attachment::Column::StatusId
                .is_in(status_ids.iter().copied())
                .or(media_attachment::Column::Id.is_in(left_by_edits)),
        )
        .all(conn)
        .await?
        .into_iter()
        .flat_map(|m| m.file_path.into_iter().chain(m.preview_path))
        .collect())
}

/// Removes statuses, their boosts, and every row that refers to them, and fixes the
/// counters they contributed to.
pub(crate) async fn delete_rows(
    txn: &DatabaseTransaction,
    statuses: &[status::Model],
) -> CoreResult<()> {
    if statuses.is_empty() {
        return Ok(());
    }
    let mut all: Vec<status::Model> = statuses.to_vec();
    let boosts = status::Entity::find()
        .filter(status::Column::ReblogOfId.is_in(statuses.iter().map(|s| s.id)))
        .all(txn)
        .await?;
    all.extend(boosts);
    let ids: Vec<i64> = all.iter().map(|s| s.id).collect();

    let (mut authors, mut parents, mut originals) =
        (HashMap::new(), HashMap::new(), HashMap::new());
    for s in &all {
        let visibility = Visibility::of(s);
        if visibility != Visibility::Direct {
            *authors.entry(s.account_id).or_insert(0) -= 1;
        }
        if let (Some(parent), true) = (s.in_reply_to_id, visibility.is_distributable()) {
            *parents.entry(parent).or_insert(0) -= 1;
        }
        if let Some(original) = s.reblog_of_id {
            *originals.entry(original).or_insert(0) -= 1;
        }
    }
    counters::add_each(txn, Counter::Statuses, &authors).await?;
    counters::add_each(txn, Counter::Replies, &parents).await?;
    counters::add_each(txn, Counter::Reblogs, &originals).await?;
    home_feed::Entity::delete_many()
        .filter(home_feed::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    favourite::Entity::delete_many()
        .filter(favourite::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    // A boost's notification points at the original: remove the booster's.
    for boost in all.iter().filter(|s| s.reblog_of_id.is_some()) {
        notification::Entity::delete_many()
            .filter(notification::Column::FromAccountId.eq(boost.account_id))
            .filter(notification::Column::StatusId.eq(boost.reblog_of_id))
            .filter(notification::Column::Kind.eq("reblog"))
            .exec(txn)
            .await?;
    }
    notification::Entity::delete_many()
        .filter(notification::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_mention::Entity::delete_many()
        .filter(status_mention::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_tag::Entity::delete_many()
        .filter(status_tag::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    let left_by_edits = edit::media_left_by_edits(txn, &ids).await?;
    media_attachment::Entity::delete_many()
        .filter(
            media_attachment::Column::StatusId
                .is_in(ids.clone())
                .or(media_attachment::Column::Id.is_in(left_by_edits)),
        )
        .exec(txn)
        .await?;
    crate::entities::status_edit::Entity::delete_many()
        .filter(crate::entities::status_edit::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status::Entity::delete_many()
        .filter(status::Column::Id.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes every status of an account (account deletion).
pub(crate) async fn delete_all_of_account(
    txn: &DatabaseTransaction,
    account_id: i64,
) -> CoreResult<()> {
    let statuses = status::Entity::find()
        .filter(status::Column::AccountId.eq(account_id))
        .all(txn)
        .await?;
    for chunk in statuses.chunks(500) {
        delete_rows(txn, chunk).await?;
    }
    // Favourites the account gave: counted down on the statuses, then removed.
    let favourited: Vec<i64> = favourite::Entity::find()
        .select_only()
        .column(favourite::Column::StatusId)
        .filter(favourite::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    counters::add(txn, Counter::Favourites, &favourited, -1).await?;
    favourite::Entity::delete_many()
        .filter(favourite::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    media_attachment::Entity::delete_many()
        .filter(media_attachment::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    home_feed::Entity::delete_many()
        .filter(home_feed::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    notification::Entity::delete_many()
        .filter(
            notification::Column::AccountId
                .eq(account_id)
                .or(notification::Column::FromAccountId.eq(account_id)),
        )
        .exec(txn)
        .await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    Ok(())
}
