//! Reviewing what subscriptions propose (approving or rejecting drafts) and ending a
//! subscription.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{BlockChanges, Values, describe_source, reconcile, state};
use crate::entities::{blocklist_entry, blocklist_source, domain_block};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;
use crate::moderation::blocks::{self, Moderator};

/// Approves the draft `entry_id`: what it proposes is put in force.
pub async fn approve(inst: &Instance, by: Moderator, entry_id: i64) -> CoreResult<BlockChanges> {
    review(inst, by, Some(entry_id), true).await
}

/// Approves every draft.
pub async fn approve_all(inst: &Instance, by: Moderator) -> CoreResult<BlockChanges> {
    review(inst, by, None, true).await
}

/// Rejects entry `entry_id`: a draft's proposal is not applied (what was approved before
/// stays); an entry in force is taken out of force. It stays rejected until its list
/// changes it.
pub async fn reject(inst: &Instance, by: Moderator, entry_id: i64) -> CoreResult<BlockChanges> {
    review(inst, by, Some(entry_id), false).await
}

async fn review(
    inst: &Instance,
    by: Moderator,
    entry_id: Option<i64>,
    approve: bool,
) -> CoreResult<BlockChanges> {
    let txn = inst.store.begin().await?;
    let rows = match entry_id {
        Some(id) => {
            let row = blocklist_entry::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| CoreError::NotFoundMessage(format!("no blocklist entry {id}")))?;
            if approve && row.state != state::DRAFT {
                return Err(CoreError::Unprocessable(format!(
                    "entry {id} ({}) is {}, not a draft",
                    row.domain, row.state
                )));
            }
            if !approve && row.state == state::REJECTED {
                return Err(CoreError::Unprocessable(format!(
                    "entry {id} ({}) is rejected already",
                    row.domain
                )));
            }
            vec![row]
        }
        None => {
            blocklist_entry::Entity::find()
                .filter(blocklist_entry::Column::State.eq(state::DRAFT))
                .order_by_asc(blocklist_entry::Column::Domain)
                .all(&txn)
                .await?
        }
    };
    let mut touched = HashSet::new();
    for row in rows {
        let approved = if approve {
            Some(Values::listed(&row).json())
        } else if row.state == state::DRAFT {
            row.approved.clone()
        } else {
            None
        };
        blocklist_entry::ActiveModel {
            id: sea_orm::Unchanged(row.id),
            state: Set(if approve {
                state::APPROVED
            } else {
                state::REJECTED
            }
            .into()),
            approved: Set(approved),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        blocks::log(
            &txn,
            by,
            if approve {
                "blocklist_entry.approve"
            } else {
                "blocklist_entry.reject"
            },
            "blocklist_entry",
            &row.domain,
            json!({"entry_id": row.id, "source_id": row.source_id, "proposed": Values::listed(&row)}),
        )
        .await?;
        touched.insert(row.domain);
    }
    let changes = reconcile(&txn, Some(&touched)).await?;
    txn.commit().await?;
    blocks::put_in_force(inst).await?;
    Ok(changes)
}

/// Ends a subscription: its entries are deleted and its blocks lifted (another source
/// listing a domain takes over), or with `keep_blocks` they stay as blocks made by hand.
pub async fn unsubscribe(
    inst: &Instance,
    by: Moderator,
    source_id: i64,
    keep_blocks: bool,
) -> CoreResult<BlockChanges> {
    let txn = inst.store.begin().await?;
    let source = blocklist_source::Entity::find_by_id(source_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            CoreError::NotFoundMessage(format!("no blocklist subscription {source_id}"))
        })?;
    let mut changes = BlockChanges::default();
    if keep_blocks {
        let kept = domain_block::Entity::find()
            .filter(domain_block::Column::SourceId.eq(source_id))
            .order_by_asc(domain_block::Column::Domain)
            .all(&txn)
            .await?;
        for b in kept {
            let mut new = b.clone();
            new.source_id = None;
            new.private_comment = Some(format!(
                "Kept from the blocklist subscription {} when unsubscribing",
                source.url
            ));
            new.updated_at = Utc::now();
            blocks::write_changed(&txn, by, &b, &new, true).await?;
            changes.changed += 1;
        }
    }
    blocklist_entry::Entity::delete_many()
        .filter(blocklist_entry::Column::SourceId.eq(source_id))
        .exec(&txn)
        .await?;
    blocklist_source::Entity::delete_by_id(source_id)
        .exec(&txn)
        .await?;
    blocks::log(
        &txn,
        by,
        "blocklist_source.delete",
        "blocklist_source",
        &source.url,
        json!({"source": describe_source(&source), "keep_blocks": keep_blocks}),
    )
    .await?;
    let rest = reconcile(&txn, None).await?;
    changes.created += rest.created;
    changes.changed += rest.changed;
    changes.lifted += rest.lifted;
    changes.manual = rest.manual;
    txn.commit().await?;
    blocks::put_in_force(inst).await?;
    Ok(changes)
}
