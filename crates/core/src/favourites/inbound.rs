//! Favourites as remote servers report them: a remote account's `Like` of a local
//! status, and its `Undo`. Nothing here emits an event: remote actions are not
//! federated again.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{NOTIFICATION, insert, remove};
use crate::entities::{account, favourite};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::{reblogs, statuses};

/// Remote `liker` favourites local status `status_id` (a boost: the boosted status);
/// `uri` is the `Like` activity id. Returns whether a favourite was added: false when
/// it already existed (by account and status) or the status is not local, as Mastodon
/// ignores likes of statuses it does not own. NotFound when `liker` may not see the
/// status.
pub async fn liked(
    inst: &Instance,
    liker: &account::Model,
    status_id: i64,
    uri: &str,
) -> CoreResult<bool> {
    if liker.is_local() {
        return Err(CoreError::Invalid(
            "a local account cannot favourite remotely".into(),
        ));
    }
    let status = reblogs::actionable(inst, status_id, Some(liker.id)).await?;
    if !status.local {
        return Ok(false);
    }
    let txn = inst.store.begin().await?;
    if !insert(&txn, next_id(), liker.id, status.id, Some(uri.to_string())).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    reblogs::notify_local_author(&txn, &status, liker.id, NOTIFICATION).await?;
    txn.commit().await?;
    Ok(true)
}

/// Remote `liker_id` withdraws a favourite (`Undo` `Like`), named by the `Like`'s id
/// `like_uri` or, when that is unknown here, by the status it liked. Returns whether a
/// favourite was removed.
pub async fn unliked(
    inst: &Instance,
    liker_id: i64,
    like_uri: Option<&str>,
    status_id: Option<i64>,
) -> CoreResult<bool> {
    let by_uri = match like_uri {
        Some(uri) => favourite::Entity::find()
            .filter(favourite::Column::AccountId.eq(liker_id))
            .filter(favourite::Column::Uri.eq(uri))
            .one(&inst.store.read)
            .await?
            .map(|f| f.status_id),
        None => None,
    };
    let target = match (by_uri, status_id) {
        (Some(id), _) => id,
        (None, Some(id)) => match statuses::get(inst, id).await {
            Ok(status) => reblogs::original_of(inst, status).await?.id,
            Err(CoreError::NotFound) => return Ok(false),
            Err(e) => return Err(e),
        },
        (None, None) => return Ok(false),
    };
    let txn = inst.store.begin().await?;
    let removed = remove(&txn, liker_id, target).await?;
    txn.commit().await?;
    Ok(removed.is_some())
}
