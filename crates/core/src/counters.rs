//! The denormalised counters: an account's statuses, followers and following, a
//! status's replies, boosts and favourites. How a counter moves lives here, once: in the
//! transaction that changes the rows it counts, by whole steps, never below zero.
//!
//! Amounts are bound as `i32` in every statement: sqlx caches prepared statements by
//! their text, and PostgreSQL refuses an `int8` bound where the cached statement was
//! prepared with an `int4`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query, SimpleExpr};

use crate::entities::{account, status};
use crate::error::CoreResult;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// One counter column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    /// `accounts.statuses_count`: posts and boosts that are not direct.
    Statuses,
    /// `accounts.followers_count`.
    Followers,
    /// `accounts.following_count`.
    Following,
    /// `statuses.replies_count`: public and unlisted replies.
    Replies,
    /// `statuses.reblogs_count`.
    Reblogs,
    /// `statuses.favourites_count`.
    Favourites,
}

impl Counter {
    fn update(self) -> sea_orm::sea_query::UpdateStatement {
        let mut update = Query::update();
        match self {
            Counter::Statuses | Counter::Followers | Counter::Following => {
                update.table(account::Entity)
            }
            Counter::Replies | Counter::Reblogs | Counter::Favourites => {
                update.table(status::Entity)
            }
        };
        update
    }

    fn column(self) -> sea_orm::sea_query::DynIden {
        match self {
            Counter::Statuses => account::Column::StatusesCount.into_iden(),
            Counter::Followers => account::Column::FollowersCount.into_iden(),
            Counter::Following => account::Column::FollowingCount.into_iden(),
            Counter::Replies => status::Column::RepliesCount.into_iden(),
            Counter::Reblogs => status::Column::ReblogsCount.into_iden(),
            Counter::Favourites => status::Column::FavouritesCount.into_iden(),
        }
    }

    /// The id column of the counter's table (both tables call it `id`).
    fn id(self) -> sea_orm::sea_query::DynIden {
        account::Column::Id.into_iden()
    }

    /// The counter moved by `delta`, floored at zero.
    fn moved(self, delta: i32) -> SimpleExpr {
        let col = Expr::col(self.column());
        if delta >= 0 {
            col.add(delta)
        } else {
            let n = delta.saturating_neg();
            Expr::case(col.clone().gt(n), col.sub(n))
                .finally(0i32)
                .into()
        }
    }
}

/// Moves `counter` by `delta` on each of the rows `ids` (repeated ids count once).
pub(crate) async fn add(
    conn: &impl ConnectionTrait,
    counter: Counter,
    ids: &[i64],
    delta: i32,
) -> CoreResult<()> {
    if delta == 0 || ids.is_empty() {
        return Ok(());
    }
    for chunk in ids.chunks(CHUNK) {
        let mut update = counter.update();
        update.value(counter.column(), counter.moved(delta));
        match chunk {
            [one] => update.and_where(Expr::col(counter.id()).eq(*one)),
            many => update.and_where(Expr::col(counter.id()).is_in(many.iter().copied())),
        };
        conn.execute(&update).await?;
    }
    Ok(())
}

/// Moves `counter` on each row by its own amount (`deltas`: row id to amount), with
/// one statement per distinct amount.
pub(crate) async fn add_each(
    conn: &impl ConnectionTrait,
    counter: Counter,
    deltas: &HashMap<i64, i32>,
) -> CoreResult<()> {
    let mut by_delta: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for (&id, &delta) in deltas {
        by_delta.entry(delta).or_default().push(id);
    }
    for (delta, mut ids) in by_delta {
        ids.sort_unstable();
        add(conn, counter, &ids, delta).await?;
    }
    Ok(())
}

/// `n` new posts (or boosts) by `author_id`, the newest at `last`: its statuses count
/// and `last_status_at` move together, in one statement.
pub(crate) async fn posted(
    conn: &impl ConnectionTrait,
    author_id: i64,
    n: i32,
    last: DateTime<Utc>,
) -> CoreResult<()> {
    let counter = Counter::Statuses;
    let mut update = counter.update();
    update
        .value(counter.column(), counter.moved(n))
        .value(account::Column::LastStatusAt, Expr::value(Some(last)))
        .and_where(Expr::col(counter.id()).eq(author_id));
    conn.execute(&update).await?;
    Ok(())
}

/// One more on the row `id`.
pub(crate) async fn increment(
    conn: &impl ConnectionTrait,
    counter: Counter,
    id: i64,
) -> CoreResult<()> {
    add(conn, counter, &[id], 1).await
}

/// One less on the row `id` (never below zero).
pub(crate) async fn decrement(
    conn: &impl ConnectionTrait,
    counter: Counter,
    id: i64,
) -> CoreResult<()> {
    add(conn, counter, &[id], -1).await
}

/// Sets an account's followers and following counts from its follows, after removing
/// many at once.
pub(crate) async fn recount_follows(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    account::Entity::update_many()
        .col_expr(
            account::Column::FollowersCount,
            Expr::cust(
                "(SELECT COUNT(*) FROM follows WHERE follows.target_account_id = accounts.id)",
            ),
        )
        .col_expr(
            account::Column::FollowingCount,
            Expr::cust("(SELECT COUNT(*) FROM follows WHERE follows.account_id = accounts.id)"),
        )
        .filter(account::Column::Id.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}
