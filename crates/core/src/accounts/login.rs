//! Logins: checking a password, why a login cannot be used, resetting a password, and
//! deleting a local account with its login.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{LocalAccount, find_local_with_user, find_user_by_email, get};
use super::{purge, remote};
use crate::crypto;
use crate::entities::{oauth_access_token, user, web_session};
use crate::error::CoreResult;
use crate::instance::Instance;

/// Why a login cannot be used right now, in Mastodon's words; `None` when it can.
pub fn login_problem(local: &LocalAccount) -> Option<&'static str> {
    if local.account.suspended_at.is_some() || local.user.disabled {
        Some("Your login is currently disabled")
    } else if local.user.confirmed_at.is_none() {
        Some("Your login is missing a confirmed e-mail address")
    } else if !local.user.approved {
        Some("Your login is currently pending approval")
    } else {
        None
    }
}

/// Checks an email address (or username) and password. Unknown addresses and wrong
/// passwords take the same time and give the same answer.
pub async fn authenticate(
    inst: &Instance,
    login: &str,
    password: &str,
) -> CoreResult<Option<LocalAccount>> {
    let user = match find_user_by_email(inst, login).await? {
        Some(user) => Some(user),
        None => match find_local_with_user(inst, login).await? {
            Some(local) => Some(local.user),
            None => None,
        },
    };
    let ok = crypto::verify_password_async(
        user.as_ref().map(|u| u.password_hash.clone()),
        password.to_string(),
    )
    .await;
    match user {
        Some(user) if ok => {
            let account = get(inst, user.account_id).await?;
            Ok(Some(LocalAccount { account, user }))
        }
        _ => Ok(None),
    }
}

/// Records a successful sign-in.
pub async fn touch_sign_in(inst: &Instance, user_id: i64) -> CoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::LastSignInAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// Sets a new random password, signs the user out everywhere, and returns the password.
pub async fn reset_password(inst: &Instance, user_id: i64) -> CoreResult<String> {
    let password = crypto::random_password(20);
    let hash = crypto::hash_password_async(password.clone()).await?;
    let txn = inst.store.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    revoke_all_sessions(&txn, user_id).await?;
    txn.commit().await?;
    Ok(password)
}

async fn revoke_all_sessions(conn: &impl ConnectionTrait, user_id: i64) -> CoreResult<()> {
    oauth_access_token::Entity::update_many()
        .col_expr(
            oauth_access_token::Column::RevokedAt,
            Expr::value(Utc::now()),
        )
        .filter(oauth_access_token::Column::UserId.eq(user_id))
        .filter(oauth_access_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    web_session::Entity::delete_many()
        .filter(web_session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a local account's content ([`purge`]) and login. The account row stays,
/// suspended and emptied, so that its username (and ActivityPub id) can never be taken
/// by someone else, as Mastodon does; the servers that knew it hear of its deletion.
pub async fn delete_local(inst: &Instance, local: &LocalAccount) -> CoreResult<()> {
    use crate::changes::Change;
    let account_id = local.account.id;
    let txn = inst.store.begin().await?;
    // Who knew the account, before its follows go.
    let inboxes = remote::related_inboxes(&txn, account_id).await?;
    if !inboxes.is_empty() {
        crate::events::emit(
            &txn,
            account_id,
            &crate::events::Event::AccountDeleted {
                uri: local.account.uri.clone(),
                inboxes,
            },
        )
        .await?;
    }
    let files = purge::purge(&txn, account_id).await?;
    revoke_all_sessions(&txn, local.user.id).await?;
    user::Entity::delete_by_id(local.user.id).exec(&txn).await?;
    purge::suspend(&txn, account_id).await?;
    txn.commit().await?;
    inst.changes.announce(Change::AccountModerated(account_id));
    inst.events_written();
    purge::remove_files(inst, files).await;
    Ok(())
}
