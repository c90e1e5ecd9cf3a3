//! Blocks between accounts. A block severs follows in both directions. Local accounts
//! block through the client API ([`block`], [`unblock`]; a remote target hears of it as
//! `Block` / `Undo` `Block`); blocks by remote accounts arrive from their servers
//! ([`record`], [`lift`]).

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::accounts::LocalAccount;
use crate::entities::{account, block};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
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

/// `blocker` blocks `target_id`: follows and requests both ways end; a remote target's
/// server is told. Blocking again changes nothing.
pub async fn block(inst: &Instance, blocker: &LocalAccount, target_id: i64) -> CoreResult<()> {
    let me = &blocker.account;
    let target = crate::accounts::get(inst, target_id).await?;
    if target.id == me.id {
        return Err(CoreError::NotFound);
    }
    if is_blocking(inst, me.id, target.id).await? {
        return Ok(());
    }
    let id = next_id();
    let uri = (!target.is_local()).then(|| inst.urls.activity(&me.username, "blocks", id));
    let txn = inst.store.begin().await?;
    block::Entity::insert(block::ActiveModel {
        id: Set(id),
        account_id: Set(me.id),
        target_account_id: Set(target.id),
        uri: Set(uri.clone()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([block::Column::AccountId, block::Column::TargetAccountId])
    .exec_without_returning(&txn)
    .await?;
    crate::follows::sever(&txn, me.id, target.id).await?;
    if let Some(uri) = uri {
        events::emit(
            &txn,
            me.id,
            &Event::Blocked {
                target_id: target.id,
                uri,
            },
        )
        .await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

/// `blocker` lifts its block of `target_id` (no error when there was none).
pub async fn unblock(inst: &Instance, blocker: &LocalAccount, target_id: i64) -> CoreResult<()> {
    let me = &blocker.account;
    let target = crate::accounts::get(inst, target_id).await?;
    let Some(row) = block::Entity::find()
        .filter(block::Column::AccountId.eq(me.id))
        .filter(block::Column::TargetAccountId.eq(target.id))
        .one(&inst.store.write)
        .await?
    else {
        return Ok(());
    };
    let txn = inst.store.begin().await?;
    block::Entity::delete_by_id(row.id).exec(&txn).await?;
    if let (false, Some(uri)) = (target.is_local(), row.uri) {
        events::emit(
            &txn,
            me.id,
            &Event::Unblocked {
                target_id: target.id,
                uri,
            },
        )
        .await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(())
}

/// Accounts `account_id` blocks, newest block first, paged by block id.
pub async fn blocked_accounts(
    inst: &Instance,
    account_id: i64,
    page: &crate::paging::Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let rows = page
        .apply(
            block::Entity::find().filter(block::Column::AccountId.eq(account_id)),
            block::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    let accounts =
        crate::accounts::get_many(&inst.store.read, rows.iter().map(|r| r.target_account_id))
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            accounts
                .iter()
                .find(|a| a.id == r.target_account_id)
                .map(|a| (r.id, a.clone()))
        })
        .collect())
}

/// Of `targets`: those `viewer` blocks, and those that block `viewer`.
pub async fn between(
    inst: &Instance,
    viewer: i64,
    targets: &[i64],
) -> CoreResult<(Vec<i64>, Vec<i64>)> {
    use sea_orm::QuerySelect;
    let blocking: Vec<i64> = block::Entity::find()
        .select_only()
        .column(block::Column::TargetAccountId)
        .filter(block::Column::AccountId.eq(viewer))
        .filter(block::Column::TargetAccountId.is_in(targets.iter().copied()))
        .into_tuple()
        .all(&inst.store.read)
        .await?;
    let blocked_by: Vec<i64> = block::Entity::find()
        .select_only()
        .column(block::Column::AccountId)
        .filter(block::Column::TargetAccountId.eq(viewer))
        .filter(block::Column::AccountId.is_in(targets.iter().copied()))
        .into_tuple()
        .all(&inst.store.read)
        .await?;
    Ok((blocking, blocked_by))
}
