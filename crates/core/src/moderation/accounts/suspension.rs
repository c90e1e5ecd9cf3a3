//! What suspending an account does besides stamping it: a local account's actor is
//! deleted on the servers that knew it and its remote follows severed; a remote
//! account is purged ([`crate::accounts::purge`]).

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};

use super::CHUNK;
use crate::accounts::remote;
use crate::counters::{self, Counter};
use crate::entities::{account, follow, follow_request, home_feed};
use crate::error::CoreResult;
use crate::events::{self, Event};

/// Suspends a local account; answers whether an event for federation was written.
pub(super) async fn suspend_local(
    txn: &DatabaseTransaction,
    a: &account::Model,
) -> CoreResult<bool> {
    // Who knew the account, before any follow is severed.
    let inboxes = remote::related_inboxes(txn, a.id).await?;
    crate::accounts::purge::suspend(txn, a.id).await?;
    let federates = !inboxes.is_empty();
    if federates {
        events::emit(
            txn,
            a.id,
            &Event::AccountDeleted {
                uri: a.uri.clone(),
                inboxes,
            },
        )
        .await?;
    }
    sever_remote_follows(txn, a.id).await?;
    Ok(federates)
}

/// Suspends a remote account: purged ([`crate::accounts::purge`]) and stamped; answers
/// the files to remove once committed.
pub(super) async fn suspend_remote(txn: &DatabaseTransaction, id: i64) -> CoreResult<Vec<String>> {
    let files = crate::accounts::purge::purge(txn, id).await?;
    crate::accounts::purge::suspend(txn, id).await?;
    Ok(files)
}

/// Removes the follows (and requests) between local account `id` and remote accounts,
/// both ways, with everyone's counters and `id`'s home feed entries from them.
async fn sever_remote_follows(txn: &DatabaseTransaction, id: i64) -> CoreResult<()> {
    let remote_ids = || {
        Query::select()
            .column(account::Column::Id)
            .from(account::Entity)
            .and_where(Expr::col(account::Column::Domain).is_not_null())
            .to_owned()
    };
    let followed: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::TargetAccountId)
        .filter(follow::Column::AccountId.eq(id))
        .filter(follow::Column::TargetAccountId.in_subquery(remote_ids()))
        .into_tuple()
        .all(txn)
        .await?;
    let followers: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(id))
        .filter(follow::Column::AccountId.in_subquery(remote_ids()))
        .into_tuple()
        .all(txn)
        .await?;
    for chunk in followed.chunks(CHUNK) {
        follow::Entity::delete_many()
            .filter(follow::Column::AccountId.eq(id))
            .filter(follow::Column::TargetAccountId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        home_feed::Entity::delete_many()
            .filter(home_feed::Column::AccountId.eq(id))
            .filter(home_feed::Column::AuthorId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        counters::add(txn, Counter::Followers, chunk, -1).await?;
    }
    for chunk in followers.chunks(CHUNK) {
        follow::Entity::delete_many()
            .filter(follow::Column::TargetAccountId.eq(id))
            .filter(follow::Column::AccountId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        counters::add(txn, Counter::Following, chunk, -1).await?;
    }
    follow_request::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(follow_request::Column::AccountId.eq(id))
                        .add(follow_request::Column::TargetAccountId.in_subquery(remote_ids())),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(follow_request::Column::TargetAccountId.eq(id))
                        .add(follow_request::Column::AccountId.in_subquery(remote_ids())),
                ),
        )
        .exec(txn)
        .await?;
    // The account's own counters, from what is left.
    counters::recount_follows(txn, id).await
}
