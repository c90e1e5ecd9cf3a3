//! The review of sign-ups in approval mode: approved, or rejected (the login and the
//! account deleted, the username free again).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::list::{Moderated, get, load};
use super::{Actor, not_allowed};
use crate::entities::{account, oauth_access_token, user, web_session};
use crate::error::CoreResult;
use crate::instance::Instance;
use crate::moderation::blocks::log;

/// The local login awaiting approval behind account `id` (Mastodon answers 403 for
/// anything else).
fn pending_user(target: &Moderated) -> CoreResult<&user::Model> {
    match &target.user {
        Some(u) if target.account.is_local() && !u.approved => Ok(u),
        _ => Err(not_allowed()),
    }
}

/// Approves a registration.
pub async fn approve(inst: &Instance, actor: Actor, id: i64) -> CoreResult<Moderated> {
    actor.require_staff()?;
    let target = get(inst, id).await?;
    let u = pending_user(&target)?;
    let txn = inst.store.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::Approved, Expr::value(true))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    log(
        &txn,
        actor.moderator(),
        "account.approve",
        "account",
        &id.to_string(),
        json!({"acct": target.account.acct(), "email": u.email}),
    )
    .await?;
    let now = load(&txn, id).await?;
    txn.commit().await?;
    Ok(now)
}

/// Rejects a registration: the login and the account are deleted, the username and
/// email address free again (as Mastodon's `reserve_username: false`).
pub async fn reject(inst: &Instance, actor: Actor, id: i64) -> CoreResult<()> {
    actor.require_staff()?;
    let target = get(inst, id).await?;
    let u = pending_user(&target)?;
    let txn = inst.store.begin().await?;
    let files = crate::accounts::purge::purge(&txn, id).await?;
    oauth_access_token::Entity::delete_many()
        .filter(oauth_access_token::Column::UserId.eq(u.id))
        .exec(&txn)
        .await?;
    web_session::Entity::delete_many()
        .filter(web_session::Column::UserId.eq(u.id))
        .exec(&txn)
        .await?;
    user::Entity::delete_by_id(u.id).exec(&txn).await?;
    account::Entity::delete_by_id(id).exec(&txn).await?;
    log(
        &txn,
        actor.moderator(),
        "account.reject",
        "account",
        &id.to_string(),
        json!({"acct": target.account.acct(), "email": u.email}),
    )
    .await?;
    txn.commit().await?;
    crate::accounts::purge::remove_files(inst, files).await;
    Ok(())
}
