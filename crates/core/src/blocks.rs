//! Blocks between accounts. A block severs follows in both directions. This module
//! records blocks that remote servers report (`Block` / `Undo` `Block`); the local
//! blocking tools of the client API build on it.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entities::block;
use crate::error::CoreResult;
use crate::id::next_id;
use crate::instance::Instance;

/// `blocker_id` blocks `target_id` (idempotent); follows both ways are removed.
pub async fn record(
    inst: &Instance,
    blocker_id: i64,
    target_id: i64,
    uri: Option<&str>,
) -> CoreResult<()> {
    let txn = inst.store.begin().await?;
    block::Entity::insert(block::ActiveModel {
        id: Set(next_id()),
        account_id: Set(blocker_id),
        target_account_id: Set(target_id),
        uri: Set(uri.map(str::to_string)),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([block::Column::AccountId, block::Column::TargetAccountId])
    .exec_without_returning(&txn)
    .await?;
    crate::follows::sever(&txn, blocker_id, target_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Lifts a block; returns whether one existed.
pub async fn lift(inst: &Instance, blocker_id: i64, target_id: i64) -> CoreResult<bool> {
    let deleted = block::Entity::delete_many()
        .filter(block::Column::AccountId.eq(blocker_id))
        .filter(block::Column::TargetAccountId.eq(target_id))
        .exec(&inst.store.write)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Whether `blocker_id` blocks `target_id`.
pub async fn is_blocking(inst: &Instance, blocker_id: i64, target_id: i64) -> CoreResult<bool> {
    Ok(block::Entity::find()
        .filter(block::Column::AccountId.eq(blocker_id))
        .filter(block::Column::TargetAccountId.eq(target_id))
        .one(&inst.store.read)
        .await?
        .is_some())
}
