//! Mutes: a local account hides another account from itself, without telling anyone.
//!
//! A muted account's posts, boosts of its posts, its boosts and posts mentioning it
//! leave the muter's home timeline; its posts leave the muter's public and hashtag
//! timelines, search results and threads; with `hide_notifications` (the default) its
//! notifications are hidden too. A mute may expire: an expired mute is ignored
//! everywhere as if it had been lifted. Nothing federates, as in Mastodon.
//!
//! The timelines honour mutes when they are read ([`crate::hidden`]), so muting,
//! unmuting and expiry take effect at once without rewriting anyone's feed.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use crate::accounts::LocalAccount;
use crate::entities::{account, mute};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;

/// The longest mute with an end: 100 years, beyond which `duration` is refused.
pub const MAX_DURATION_SECS: i64 = 100 * 365 * 24 * 3600;

/// A muted account as the mute list shows it.
#[derive(Debug, Clone)]
pub struct Muted {
    /// The mute's id (the paging id).
    pub id: i64,
    pub account: account::Model,
    pub hide_notifications: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the viewer's mute of one account says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MuteMark {
    pub hide_notifications: bool,
}

/// Mutes still in force at `now`: without an end, or ending later.
fn in_force(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(mute::Column::ExpiresAt.is_null())
        .add(mute::Column::ExpiresAt.gt(now))
}

/// `muter` mutes `target_id` (muting again changes the options). `duration_secs` of 0
/// mutes until lifted.
pub async fn mute(
    inst: &Instance,
    muter: &LocalAccount,
    target_id: i64,
    hide_notifications: bool,
    duration_secs: i64,
) -> CoreResult<()> {
    let me = &muter.account;
    let target = crate::accounts::get(inst, target_id).await?;
    if target.id == me.id {
        return Err(CoreError::Unprocessable("You cannot mute yourself".into()));
    }
    if !(0..=MAX_DURATION_SECS).contains(&duration_secs) {
        return Err(CoreError::Unprocessable(format!(
            "duration must be a number of seconds from 0 (until lifted) to {MAX_DURATION_SECS}"
        )));
    }
    let now = Utc::now();
    let expires_at = (duration_secs > 0).then(|| now + Duration::seconds(duration_secs));
    mute::Entity::insert(mute::ActiveModel {
        id: Set(next_id()),
        account_id: Set(me.id),
        target_account_id: Set(target.id),
        hide_notifications: Set(hide_notifications),
        expires_at: Set(expires_at),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([mute::Column::AccountId, mute::Column::TargetAccountId])
            .update_columns([mute::Column::HideNotifications, mute::Column::ExpiresAt])
            .to_owned(),
    )
    .exec_without_returning(&inst.store.write)
    .await?;
    Ok(())
}

/// `muter` lifts its mute of `target_id` (no error when there was none).
pub async fn unmute(inst: &Instance, muter: &LocalAccount, target_id: i64) -> CoreResult<()> {
    let target = crate::accounts::get(inst, target_id).await?;
    mute::Entity::delete_many()
        .filter(mute::Column::AccountId.eq(muter.account.id))
        .filter(mute::Column::TargetAccountId.eq(target.id))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// Accounts `account_id` mutes now, newest mute first, paged by mute id. Suspended
/// accounts are left out, as in the other account lists.
pub async fn muted_accounts(
    inst: &Instance,
    account_id: i64,
    page: &Page,
) -> CoreResult<Vec<Muted>> {
    let rows = page
        .apply(
            mute::Entity::find()
                .filter(mute::Column::AccountId.eq(account_id))
                .filter(in_force(Utc::now())),
            mute::Column::Id,
        )
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    let accounts: HashMap<i64, account::Model> =
        crate::accounts::get_many(&inst.store.read, rows.iter().map(|r| r.target_account_id))
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let account = accounts
                .get(&r.target_account_id)
                .filter(|a| a.suspended_at.is_none())?;
            Some(Muted {
                id: r.id,
                account: account.clone(),
                hide_notifications: r.hide_notifications,
                expires_at: r.expires_at,
            })
        })
        .collect())
}

/// Of `targets`, those `viewer` mutes now, with the mute's options.
pub async fn marks(
    inst: &Instance,
    viewer: i64,
    targets: &[i64],
) -> CoreResult<HashMap<i64, MuteMark>> {
    if targets.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(mute::Entity::find()
        .filter(mute::Column::AccountId.eq(viewer))
        .filter(mute::Column::TargetAccountId.is_in(targets.iter().copied()))
        .filter(in_force(Utc::now()))
        .all(&inst.store.read)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.target_account_id,
                MuteMark {
                    hide_notifications: m.hide_notifications,
                },
            )
        })
        .collect())
}

/// `SELECT target_account_id FROM mutes WHERE account_id = viewer AND <in force>`,
/// only those hiding notifications when `notifications_only`.
pub(crate) fn muted_ids(viewer: i64, notifications_only: bool) -> SelectStatement {
    let mut q = Query::select();
    q.column(mute::Column::TargetAccountId)
        .from(mute::Entity)
        .and_where(Expr::col(mute::Column::AccountId).eq(viewer))
        .and_where(
            Expr::col(mute::Column::ExpiresAt)
                .is_null()
                .or(Expr::col(mute::Column::ExpiresAt).gt(Utc::now())),
        );
    if notifications_only {
        q.and_where(Expr::col(mute::Column::HideNotifications).eq(true));
    }
    q
}
