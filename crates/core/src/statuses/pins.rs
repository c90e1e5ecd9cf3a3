//! Pinned statuses (the `featured` collection of an actor).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::accounts::LocalAccount;
use crate::entities::{status, status_pin};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;

use super::{MAX_PINS, Visibility, get};

/// Pins one of the author's own statuses to their profile.
pub async fn pin(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = get(inst, id).await?;
    if status.account_id != author.account.id || status.reblog_of_id.is_some() {
        return Err(CoreError::Unprocessable(
            "Validation failed: Status must be one of your own posts".into(),
        ));
    }
    if Visibility::of(&status) == Visibility::Direct {
        return Err(CoreError::Unprocessable(
            "Validation failed: Direct messages cannot be pinned".into(),
        ));
    }
    let txn = inst.store.begin().await?;
    let pins = status_pin::Entity::find()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .count(&txn)
        .await?;
    let already = status_pin::Entity::find()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .filter(status_pin::Column::StatusId.eq(id))
        .one(&txn)
        .await?;
    if already.is_none() {
        if pins >= MAX_PINS {
            return Err(CoreError::Unprocessable(
                "Validation failed: You have already pinned the maximum number of posts".into(),
            ));
        }
        status_pin::ActiveModel {
            id: Set(next_id()),
            account_id: Set(author.account.id),
            status_id: Set(id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(status)
}

/// Unpins a status (a status that is not pinned is not an error).
pub async fn unpin(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = crate::visibility::get_status(inst, id, Some(author.account.id)).await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .filter(status_pin::Column::StatusId.eq(id))
        .exec(&inst.store.write)
        .await?;
    Ok(status)
}
