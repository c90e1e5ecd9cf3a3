//! Boosts (reblogs): a local account boosts a status or withdraws its boost, and who
//! boosted a status. [`inbound`] records the `Announce`s of remote accounts.
//!
//! A boost is a `statuses` row with `reblog_of_id` set, empty content and the
//! visibility of the boost, as in Mastodon. The rules are Mastodon's `ReblogService`
//! and `StatusPolicy#reblog?`: boosting a boost boosts the original; public and unlisted
//! statuses may be boosted by anyone who can see them, followers-only ones only by
//! their author (and the boost stays followers-only), direct ones never; boosting twice
//! answers the first boost. A boost counts in the booster's `statuses_count` and the
//! original's `reblogs_count`, joins the home feeds of the booster and of local
//! followers who show their boosts, and notifies the original's local author, all in
//! one transaction with its domain event.
//!
//! Ids: a local boost's `uri` and `url` are both `<status uri>/activity`
//! (`https://example.com/users/alice/statuses/1/activity`), the id Mastodon gives its
//! `Announce` activities and the URL it answers for a boost.

pub mod inbound;

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use crate::accounts::LocalAccount;
use crate::counters::{self, Counter};
use crate::entities::{account, follow, home_feed, notification, status};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;
use crate::statuses::insert_feed_rows;
use crate::statuses::{self, Visibility};
use crate::visibility;

/// The notification type of a boost.
const NOTIFICATION: &str = "reblog";

/// Mastodon's answer (403) to a boost its policy refuses.
pub const NOT_PERMITTED: &str = "This action is not allowed";

/// Boosts `status_id` (a boost: its original) for `booster`, with `visibility` (`None`:
/// the booster's default). Returns the boost: the new one, or the one that existed.
/// NotFound when the status cannot be seen, Forbidden when it may not be boosted.
pub async fn reblog(
    inst: &Instance,
    booster: &LocalAccount,
    status_id: i64,
    visibility: Option<Visibility>,
) -> CoreResult<status::Model> {
    let me = &booster.account;
    let original = actionable(inst, status_id, Some(me.id)).await?;
    check_boostable(&original, me.id)?;
    if let Some(existing) = boost_of(&inst.store.read, me.id, original.id).await? {
        return Ok(existing);
    }
    let visibility = match Visibility::of(&original) {
        // Only the author's own followers-only post gets here; its boost stays so.
        hidden @ (Visibility::Private | Visibility::Direct) => hidden,
        _ => match visibility {
            Some(Visibility::Direct) => {
                return Err(CoreError::Unprocessable(
                    "Validation failed: Visibility of a boost cannot be direct".into(),
                ));
            }
            Some(v) => v,
            None => Visibility::parse(&booster.user.default_visibility)
                .filter(|v| *v != Visibility::Direct)
                .unwrap_or(Visibility::Public),
        },
    };
    let id = next_id();
    let uri = boost_uri(inst, &me.username, id);
    let ids = BoostIds {
        id,
        url: Some(uri.clone()),
        uri,
        local: true,
    };
    let boost = new_boost(ids, me.id, &original, visibility, Utc::now());

    let txn = inst.store.begin().await?;
    if let Some(existing) = write_boost(&txn, &boost, &original).await? {
        // A concurrent request boosted first.
        txn.rollback().await?;
        return Ok(existing);
    }
    events::emit(
        &txn,
        me.id,
        &Event::StatusCreated {
            status_id: boost.id,
        },
    )
    .await?;
    txn.commit().await?;
    inst.events_written();
    Ok(boost)
}

/// Withdraws `booster`'s boost of `status_id` (a boost: its original); returns the
/// original with its new count. Without a boost to withdraw, the status is answered
/// as it is, if `booster` may see it.
pub async fn unreblog(
    inst: &Instance,
    booster: &LocalAccount,
    status_id: i64,
) -> CoreResult<status::Model> {
    let me = booster.account.id;
    let original = original_of(inst, statuses::get(inst, status_id).await?).await?;
    let Some(boost) = boost_of(&inst.store.read, me, original.id).await? else {
        if !visibility::can_view(inst, &original, Some(me)).await? {
            return Err(CoreError::NotFound);
        }
        return Ok(original);
    };
    let txn = inst.store.begin().await?;
    // Computed while the rows it names still exist.
    let event = statuses::deleted_event(&txn, &boost).await?;
    if !remove_boost(&txn, &boost).await? {
        txn.rollback().await?;
        return reload(&inst.store.write, original).await;
    }
    events::emit(&txn, me, &event).await?;
    let original = reload(&txn, original).await?;
    txn.commit().await?;
    inst.events_written();
    Ok(original)
}

/// The accounts that boosted `status_id` publicly (public and unlisted boosts, as
/// Mastodon lists them), newest boost first, paged by boost id, as `viewer` may see the
/// status (NotFound otherwise). Suspended accounts are left out.
pub async fn reblogged_by(
    inst: &Instance,
    status_id: i64,
    viewer: Option<i64>,
    page: &Page,
) -> CoreResult<Vec<(i64, account::Model)>> {
    let status = visibility::get_status(inst, status_id, viewer).await?;
    let rows: Vec<(i64, i64)> = page
        .apply(
            status::Entity::find()
                .filter(status::Column::ReblogOfId.eq(status.id))
                .filter(status::Column::Visibility.is_in(["public", "unlisted"])),
            status::Column::Id,
        )
        .select_only()
        .column(status::Column::Id)
        .column(status::Column::AccountId)
        .into_tuple()
        .all(&inst.store.read)
        .await?;
    crate::favourites::with_accounts(inst, page.finish(rows)).await
}

/// The id (and URL) of a local boost: `<status uri>/activity`.
pub fn boost_uri(inst: &Instance, username: &str, boost_id: i64) -> String {
    format!("{}/activity", inst.urls.status(username, boost_id))
}

/// The status an interaction with `status_id` acts on, as `viewer` may see it: the
/// status itself, or for a boost the boosted status. NotFound when either is missing
/// or hidden from `viewer`.
pub(crate) async fn actionable(
    inst: &Instance,
    status_id: i64,
    viewer: Option<i64>,
) -> CoreResult<status::Model> {
    let status = visibility::get_status(inst, status_id, viewer).await?;
    match status.reblog_of_id {
        Some(original) => visibility::get_status(inst, original, viewer).await,
        None => Ok(status),
    }
}

/// The boosted status of a boost; any other status itself.
pub(crate) async fn original_of(
    inst: &Instance,
    status: status::Model,
) -> CoreResult<status::Model> {
    match status.reblog_of_id {
        Some(original) => statuses::get(inst, original).await,
        None => Ok(status),
    }
}

/// `status` as stored now (its counters changed), or as given if it has gone.
pub(crate) async fn reload(
    conn: &impl ConnectionTrait,
    status: status::Model,
) -> CoreResult<status::Model> {
    Ok(status::Entity::find_by_id(status.id)
        .one(conn)
        .await?
        .unwrap_or(status))
}

/// Notifies the author of `status` of an interaction `kind` by `from`, when the author
/// is a local, unsuspended account other than `from`.
pub(crate) async fn notify_local_author(
    conn: &impl ConnectionTrait,
    status: &status::Model,
    from: i64,
    kind: &str,
) -> CoreResult<()> {
    if status.account_id == from {
        return Ok(());
    }
    let author = account::Entity::find_by_id(status.account_id)
        .one(conn)
        .await?;
    if author.is_some_and(|a| a.is_local() && a.suspended_at.is_none()) {
        crate::notifications::notify_many(conn, &[status.account_id], from, kind, Some(status.id))
            .await?;
    }
    Ok(())
}

/// Mastodon's `StatusPolicy#reblog?` once the status is known to be visible.
fn check_boostable(original: &status::Model, booster_id: i64) -> CoreResult<()> {
    match Visibility::of(original) {
        Visibility::Public | Visibility::Unlisted => Ok(()),
        Visibility::Private if original.account_id == booster_id => Ok(()),
        Visibility::Private | Visibility::Direct => Err(CoreError::Forbidden(NOT_PERMITTED.into())),
    }
}

/// `account_id`'s boost of `original_id`, if any.
async fn boost_of(
    conn: &impl ConnectionTrait,
    account_id: i64,
    original_id: i64,
) -> CoreResult<Option<status::Model>> {
    Ok(status::Entity::find()
        .filter(status::Column::AccountId.eq(account_id))
        .filter(status::Column::ReblogOfId.eq(original_id))
        .one(conn)
        .await?)
}

/// What identifies a new boost.
struct BoostIds {
    id: i64,
    uri: String,
    url: Option<String>,
    local: bool,
}

/// The row of a new boost.
fn new_boost(
    ids: BoostIds,
    account_id: i64,
    original: &status::Model,
    visibility: Visibility,
    created_at: chrono::DateTime<Utc>,
) -> status::Model {
    let BoostIds {
        id,
        uri,
        url,
        local,
    } = ids;
    status::Model {
        id,
        uri,
        url,
        account_id,
        local,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id),
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: visibility.as_str().into(),
        language: None,
        application_id: None,
        has_media: false,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        edited_at: None,
        conversation: None,
        created_at,
        updated_at: Utc::now(),
    }
}

/// Writes a new boost with its counters, home-feed rows and notification. When the
/// booster already boosted `original`, writes nothing and returns that boost (the
/// caller rolls back).
async fn write_boost(
    txn: &DatabaseTransaction,
    boost: &status::Model,
    original: &status::Model,
) -> CoreResult<Option<status::Model>> {
    // The counter first: on PostgreSQL its row lock makes a concurrent boost of the same
    // status wait here, and then see this one.
    counters::increment(txn, Counter::Reblogs, original.id).await?;
    if let Some(existing) = boost_of(txn, boost.account_id, original.id).await? {
        return Ok(Some(existing));
    }
    status::Entity::insert(boost.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    crate::statuses::count_new_status(txn, boost).await?;
    fan_out(txn, boost, original.id).await?;
    notify_local_author(txn, original, boost.account_id, NOTIFICATION).await?;
    Ok(None)
}

/// Removes a boost with everything that hangs off it, its counters and the original
/// author's notification. False when the boost had already gone (a concurrent
/// withdrawal), and nothing is written.
async fn remove_boost(txn: &DatabaseTransaction, boost: &status::Model) -> CoreResult<bool> {
    // Claim the row first: on PostgreSQL a concurrent withdrawal waits here, then finds
    // nothing to claim.
    let claimed = status::Entity::update_many()
        .col_expr(status::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(status::Column::Id.eq(boost.id))
        .exec(txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    if let Some(original) = boost.reblog_of_id {
        notification::Entity::delete_many()
            .filter(notification::Column::FromAccountId.eq(boost.account_id))
            .filter(notification::Column::StatusId.eq(original))
            .filter(notification::Column::Kind.eq(NOTIFICATION))
            .exec(txn)
            .await?;
    }
    statuses::delete_rows(txn, std::slice::from_ref(boost)).await?;
    Ok(true)
}

/// Puts a new boost in the home feeds of its local booster and of the booster's local
/// followers who show their boosts (`show_reblogs`), except where the feed already holds
/// the original or another boost of it (Mastodon's reblog aggregation).
async fn fan_out(
    txn: &DatabaseTransaction,
    boost: &status::Model,
    original_id: i64,
) -> CoreResult<()> {
    let booster = boost.account_id;
    let is_local = account::Entity::find_by_id(booster)
        .one(txn)
        .await?
        .is_some_and(|a| a.is_local());
    if is_local && !feed_shows(txn, booster, original_id).await? {
        home_feed::Entity::insert(home_feed::ActiveModel {
            account_id: Set(booster),
            status_id: Set(boost.id),
            author_id: Set(booster),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(txn)
        .await?;
    }

    let f = Alias::new("f");
    let a = Alias::new("a");
    let mut select = Query::select();
    select
        .column((f.clone(), follow::Column::AccountId))
        .expr(Expr::val(boost.id))
        .expr(Expr::val(booster))
        .from_as(follow::Entity, f.clone())
        .join_as(
            JoinType::InnerJoin,
            account::Entity,
            a.clone(),
            Expr::col((a.clone(), account::Column::Id))
                .equals((f.clone(), follow::Column::AccountId)),
        )
        .and_where(Expr::col((f.clone(), follow::Column::TargetAccountId)).eq(booster))
        .and_where(Expr::col((f.clone(), follow::Column::ShowReblogs)).eq(true))
        .and_where(Expr::col((a, account::Column::Domain)).is_null())
        .and_where(
            Expr::exists(shows_original(
                Expr::col((f, follow::Column::AccountId)),
                original_id,
            ))
            .not(),
        );
    insert_feed_rows(txn, select).await?;
    Ok(())
}

/// `SELECT 1 FROM home_feed WHERE account_id = <reader> AND status_id IN (<original>,
/// <its boosts>)`.
fn shows_original(reader: Expr, original_id: i64) -> sea_orm::sea_query::SelectStatement {
    let h = Alias::new("h");
    let mut boosts = Query::select();
    boosts
        .column(status::Column::Id)
        .from(status::Entity)
        .and_where(Expr::col(status::Column::ReblogOfId).eq(original_id));
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from_as(home_feed::Entity, h.clone())
        .and_where(Expr::col((h.clone(), home_feed::Column::AccountId)).eq(reader))
        .and_where(
            Expr::col((h.clone(), home_feed::Column::StatusId))
                .eq(original_id)
                .or(Expr::col((h, home_feed::Column::StatusId)).in_subquery(boosts)),
        );
    q
}

/// Whether `reader`'s home feed already holds `original_id` or a boost of it.
async fn feed_shows(txn: &DatabaseTransaction, reader: i64, original_id: i64) -> CoreResult<bool> {
    let boosts = status::Entity::find()
        .select_only()
        .column(status::Column::Id)
        .filter(status::Column::ReblogOfId.eq(original_id))
        .into_tuple::<i64>()
        .all(txn)
        .await?;
    Ok(home_feed::Entity::find()
        .filter(home_feed::Column::AccountId.eq(reader))
        .filter(home_feed::Column::StatusId.is_in(boosts.into_iter().chain([original_id])))
        .count(txn)
        .await?
        > 0)
}
