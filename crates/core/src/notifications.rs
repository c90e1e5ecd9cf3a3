//! Notifications: rows written in the same transaction as the event that causes them
//! (a mention, a follow, a follow request), read back through the Mastodon API.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{block, notification};
use crate::error::{CoreError, CoreResult};
use crate::hidden::Hidden;
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;

/// Mastodon's notification types this server produces or understands.
pub const TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
];

/// Writes one notification of `kind` from `from` to each of `recipients`.
pub async fn notify_many(
    conn: &impl ConnectionTrait,
    recipients: &[i64],
    from: i64,
    kind: &str,
    status_id: Option<i64>,
) -> CoreResult<()> {
    insert(conn, recipients, from, kind, status_id, None).await
}

/// Writes an `admin.report` notification of report `report_id`, filed by `reporter`,
/// to each of `recipients`.
pub(crate) async fn notify_report(
    conn: &impl ConnectionTrait,
    recipients: &[i64],
    reporter: i64,
    report_id: i64,
) -> CoreResult<()> {
    insert(
        conn,
        recipients,
        reporter,
        "admin.report",
        None,
        Some(report_id),
    )
    .await
}

async fn insert(
    conn: &impl ConnectionTrait,
    recipients: &[i64],
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    report_id: Option<i64>,
) -> CoreResult<()> {
    if recipients.is_empty() {
        return Ok(());
    }
    let wanted: Vec<i64>;
    let recipients = if UNFILTERED_TYPES.contains(&kind) {
        recipients
    } else {
        let refused = refusing(conn, recipients, from).await?;
        wanted = recipients
            .iter()
            .copied()
            .filter(|r| !refused.contains(r))
            .collect();
        &wanted
    };
    if recipients.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    notification::Entity::insert_many(recipients.iter().map(|&account_id| {
        notification::ActiveModel {
            id: sea_orm::Set(next_id()),
            account_id: sea_orm::Set(account_id),
            from_account_id: sea_orm::Set(from),
            kind: sea_orm::Set(kind.to_string()),
            status_id: sea_orm::Set(status_id),
            created_at: sea_orm::Set(now),
            report_id: sea_orm::Set(report_id),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Those of `recipients` who want nothing from `from`, as Mastodon decides when it
/// notifies: they block it or are blocked by it, block its domain, or mute it with its
/// notifications (not expired). What they are not sent does not come back when the
/// block or mute ends. (What arrived before is hidden while it lasts, at read time.)
async fn refusing(
    conn: &impl ConnectionTrait,
    recipients: &[i64],
    from: i64,
) -> CoreResult<HashSet<i64>> {
    use sea_orm::sea_query::UnionType;
    use sea_orm::{FromQueryResult, StatementBuilder};

    use crate::entities::{account, mute, user_domain_block};

    let to = || recipients.iter().copied();
    let mut muting = Query::select();
    muting
        .expr_as(Expr::col(mute::Column::AccountId), "id")
        .from(mute::Entity)
        .and_where(Expr::col(mute::Column::TargetAccountId).eq(from))
        .and_where(Expr::col(mute::Column::HideNotifications).eq(true))
        .and_where(
            Expr::col(mute::Column::ExpiresAt)
                .is_null()
                .or(Expr::col(mute::Column::ExpiresAt).gt(Utc::now())),
        )
        .and_where(Expr::col(mute::Column::AccountId).is_in(to()));
    let mut blocking = Query::select();
    blocking
        .expr_as(Expr::col(block::Column::AccountId), "id")
        .from(block::Entity)
        .and_where(Expr::col(block::Column::TargetAccountId).eq(from))
        .and_where(Expr::col(block::Column::AccountId).is_in(to()));
    let mut blocked = Query::select();
    blocked
        .expr_as(Expr::col(block::Column::TargetAccountId), "id")
        .from(block::Entity)
        .and_where(Expr::col(block::Column::AccountId).eq(from))
        .and_where(Expr::col(block::Column::TargetAccountId).is_in(to()));
    let mut sender_domain = Query::select();
    sender_domain
        .column(account::Column::Domain)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::Id).eq(from));
    let mut domain_blocking = Query::select();
    domain_blocking
        .expr_as(Expr::col(user_domain_block::Column::AccountId), "id")
        .from(user_domain_block::Entity)
        .and_where(Expr::col(user_domain_block::Column::Domain).in_subquery(sender_domain))
        .and_where(Expr::col(user_domain_block::Column::AccountId).is_in(to()));
    muting
        .union(UnionType::Distinct, blocking)
        .union(UnionType::Distinct, blocked)
        .union(UnionType::Distinct, domain_blocking);

    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
    }
    let rows = Row::find_by_statement(StatementBuilder::build(
        &muting,
        &conn.get_database_backend(),
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only these types (empty: all).
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    /// Only from this account.
    pub account_id: Option<i64>,
}

/// Notification types that no block, mute or limit hides: what moderators must see and
/// what the server itself tells the user.
pub const UNFILTERED_TYPES: &[&str] = &[
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
];

/// Notification types the "limited" filter leaves alone (Mastodon's non-filterable
/// types): news of posts the recipient asked for or took part in.
const UNLIMITED_TYPES: &[&str] = &["status", "poll", "update"];

/// A page of `account_id`'s notifications, newest first. Hidden are those from accounts
/// the recipient blocks, is blocked by, or whose domain they block, from accounts they
/// mute with `hide_notifications`, and (Mastodon's "limited" filter, but for the kinds
/// in `UNLIMITED_TYPES`) from accounts the instance limits that the recipient does not
/// follow; the kinds in [`UNFILTERED_TYPES`] always show.
pub async fn list(
    inst: &Instance,
    account_id: i64,
    filter: &NotificationFilter,
    page: &Page,
) -> CoreResult<Vec<notification::Model>> {
    let mut select =
        notification::Entity::find().filter(notification::Column::AccountId.eq(account_id));
    if !filter.types.is_empty() {
        select = select.filter(notification::Column::Kind.is_in(filter.types.iter().cloned()));
    }
    if !filter.exclude_types.is_empty() {
        select = select
            .filter(notification::Column::Kind.is_not_in(filter.exclude_types.iter().cloned()));
    }
    if let Some(from) = filter.account_id {
        select = select.filter(notification::Column::FromAccountId.eq(from));
    }
    select = select.filter(hidden_condition(inst, account_id).await?);
    let rows = page
        .apply(select, notification::Column::Id)
        .all(&inst.store.read)
        .await?;
    Ok(page.finish(rows))
}

/// The condition a notification to `recipient` must meet to be shown.
async fn hidden_condition(inst: &Instance, recipient: i64) -> CoreResult<Condition> {
    let hidden = Hidden::for_viewer(inst, Some(recipient)).await?;
    let from = (notification::Entity, notification::Column::FromAccountId);
    let mut blocking = Query::select();
    blocking
        .column(block::Column::TargetAccountId)
        .from(block::Entity)
        .and_where(Expr::col(block::Column::AccountId).eq(recipient));
    let mut blocked_by = Query::select();
    blocked_by
        .column(block::Column::AccountId)
        .from(block::Entity)
        .and_where(Expr::col(block::Column::TargetAccountId).eq(recipient));
    Ok(Condition::any()
        .add(notification::Column::Kind.is_in(UNFILTERED_TYPES.iter().copied()))
        .add(
            Condition::all()
                .add(Expr::col(from).not_in_subquery(crate::mutes::muted_ids(recipient, true)))
                .add(Expr::col(from).not_in_subquery(blocking))
                .add(Expr::col(from).not_in_subquery(blocked_by))
                .add(
                    Expr::col(from)
                        .not_in_subquery(crate::user_domain_blocks::blocked_account_ids(recipient)),
                )
                .add(
                    Condition::any()
                        .add(notification::Column::Kind.is_in(UNLIMITED_TYPES.iter().copied()))
                        .add(Expr::col(from).not_in_subquery(hidden.limited_unfollowed_ids())),
                ),
        ))
}

/// One of `account_id`'s notifications.
pub async fn get(inst: &Instance, account_id: i64, id: i64) -> CoreResult<notification::Model> {
    notification::Entity::find_by_id(id)
        .filter(notification::Column::AccountId.eq(account_id))
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Deletes one notification.
pub async fn dismiss(inst: &Instance, account_id: i64, id: i64) -> CoreResult<()> {
    let res = notification::Entity::delete_many()
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::AccountId.eq(account_id))
        .exec(&inst.store.write)
        .await?;
    if res.rows_affected == 0 {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

/// Deletes all of an account's notifications.
pub async fn clear(inst: &Instance, account_id: i64) -> CoreResult<()> {
    notification::Entity::delete_many()
        .filter(notification::Column::AccountId.eq(account_id))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}
