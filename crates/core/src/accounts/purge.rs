//! The one purge: what an account leaves here when it goes for good. Every path that
//! removes an account's content calls [`purge`] — a remote actor's `Delete` of itself,
//! the suspension of its domain, a moderator's suspension of a remote account, the
//! deletion of a local account and the rejection of a sign-up — so they all remove
//! exactly the same things:
//!
//! - its statuses and boosts, with everything that hangs off them (favourites, boosts
//!   and notifications of them, mentions, tags, pins, media, edits, home-feed rows) and
//!   the counters they added to;
//! - the favourites it gave (counted down), its pins;
//! - its follows and follow requests, both ways (counted down), and its home feed;
//! - notifications to and from it, mentions of it in others' statuses;
//! - blocks and mutes, both ways, and the domains it blocks;
//! - its posts held for review;
//! - its media, unattached uploads included, and profile images (the files once the
//!   transaction has committed: [`remove_files`]);
//! - its profile: name, bio, fields and counters emptied.
//!
//! The account row stays (suspended through [`suspend`]), so that its id and username keep
//! pointing at nothing and a late or replayed activity cannot bring it back. Reports
//! and the audit log stay: they are the moderators' record.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use chrono::Utc;

use crate::changes::{self, Change};
use crate::entities::{account, block, mute, status_mention, user_domain_block};
use crate::error::CoreResult;
use crate::instance::Instance;

/// Purges account `id` in the caller's transaction (see the module docs); answers the
/// stored files to remove once it has committed.
pub(crate) async fn purge(txn: &DatabaseTransaction, id: i64) -> CoreResult<Vec<String>> {
    let files = crate::media::files_of_account(txn, id).await?;
    crate::statuses::delete_all_of_account(txn, id).await?;
    crate::follows::remove_all_of_account(txn, id).await?;
    crate::moderation::held::forget_account(txn, id).await?;
    block::Entity::delete_many()
        .filter(
            block::Column::AccountId
                .eq(id)
                .or(block::Column::TargetAccountId.eq(id)),
        )
        .exec(txn)
        .await?;
    mute::Entity::delete_many()
        .filter(
            mute::Column::AccountId
                .eq(id)
                .or(mute::Column::TargetAccountId.eq(id)),
        )
        .exec(txn)
        .await?;
    user_domain_block::Entity::delete_many()
        .filter(user_domain_block::Column::AccountId.eq(id))
        .exec(txn)
        .await?;
    status_mention::Entity::delete_many()
        .filter(status_mention::Column::AccountId.eq(id))
        .exec(txn)
        .await?;
    let none = || Expr::value(Option::<String>::None);
    account::Entity::update_many()
        .col_expr(account::Column::DisplayName, Expr::value(""))
        .col_expr(account::Column::Note, Expr::value(""))
        .col_expr(account::Column::NoteSource, Expr::value(""))
        .col_expr(account::Column::Fields, Expr::value("[]"))
        .col_expr(account::Column::AvatarFile, none())
        .col_expr(account::Column::HeaderFile, none())
        .col_expr(account::Column::AvatarRemoteUrl, none())
        .col_expr(account::Column::HeaderRemoteUrl, none())
        .col_expr(account::Column::StatusesCount, Expr::value(0))
        .col_expr(account::Column::FollowersCount, Expr::value(0))
        .col_expr(account::Column::FollowingCount, Expr::value(0))
        .filter(account::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(files)
}

/// Stamps account `id` suspended (unless it is already) and records the change for
/// every process ([`crate::changes`]), in the caller's transaction; the caller
/// announces it once committed. Every suspension, purged or not, goes through here.
pub(crate) async fn suspend(txn: &DatabaseTransaction, id: i64) -> CoreResult<()> {
    account::Entity::update_many()
        .col_expr(account::Column::SuspendedAt, Expr::value(Some(Utc::now())))
        .filter(account::Column::Id.eq(id))
        .filter(account::Column::SuspendedAt.is_null())
        .exec(txn)
        .await?;
    changes::record(txn, Change::AccountModerated(id)).await
}

/// Removes the files a committed [`purge`] answered.
pub(crate) async fn remove_files(inst: &Instance, files: Vec<String>) {
    for path in files {
        inst.media.remove(&path).await;
    }
}
