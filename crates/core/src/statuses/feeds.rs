//! Home feeds: who gets a new or edited status in their home timeline, as Mastodon
//! decides it, written for any number of statuses in the same few statements.
//!
//! - Its author, when local.
//! - The author's local followers; a reply to someone else only to those who also
//!   follow the account replied to (or are it).
//! - A direct message only to the mentioned accounts among the author's followers.
//!
//! Boosts have their own rule ([`crate::reblogs`]), as has the backfill of a new
//! follow ([`crate::follows`]).

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::entities::{account, follow, home_feed, status, status_mention};
use crate::error::{CoreError, CoreResult};

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// Writes the home-feed rows of the stored statuses `status_ids` (their mentions
/// written already): two `INSERT … SELECT` per chunk of ids, however many statuses.
pub(crate) async fn fan_out(txn: &DatabaseTransaction, status_ids: &[i64]) -> CoreResult<()> {
    let (s, f, a, f2, m) = (
        Alias::new("s"),
        Alias::new("f"),
        Alias::new("a"),
        Alias::new("f2"),
        Alias::new("m"),
    );
    for chunk in status_ids.chunks(CHUNK) {
        let ids = || Expr::col((s.clone(), status::Column::Id)).is_in(chunk.iter().copied());
        // Local authors see their own statuses.
        let mut own = Query::select();
        own.column((s.clone(), status::Column::AccountId))
            .column((s.clone(), status::Column::Id))
            .column((s.clone(), status::Column::AccountId))
            .from_as(status::Entity, s.clone())
            .join_as(
                JoinType::InnerJoin,
                account::Entity,
                a.clone(),
                Expr::col((a.clone(), account::Column::Id))
                    .equals((s.clone(), status::Column::AccountId)),
            )
            .and_where(ids())
            .and_where(Expr::col((a.clone(), account::Column::Domain)).is_null());
        insert_feed_rows(txn, own).await?;

        let replied_to = || Expr::col((s.clone(), status::Column::InReplyToAccountId));
        let mut follows_replied_to = Query::select();
        follows_replied_to
            .expr(Expr::val(1))
            .from_as(follow::Entity, f2.clone())
            .and_where(
                Expr::col((f2.clone(), follow::Column::AccountId))
                    .equals((f.clone(), follow::Column::AccountId)),
            )
            .and_where(
                Expr::col((f2.clone(), follow::Column::TargetAccountId))
                    .equals((s.clone(), status::Column::InReplyToAccountId)),
            );
        let mut mentioned = Query::select();
        mentioned
            .expr(Expr::val(1))
            .from_as(status_mention::Entity, m.clone())
            .and_where(
                Expr::col((m.clone(), status_mention::Column::StatusId))
                    .equals((s.clone(), status::Column::Id)),
            )
            .and_where(
                Expr::col((m.clone(), status_mention::Column::AccountId))
                    .equals((f.clone(), follow::Column::AccountId)),
            );
        let direct = Expr::col((s.clone(), status::Column::Visibility)).eq("direct");
        let not_direct = Expr::col((s.clone(), status::Column::Visibility)).ne("direct");
        let reaches_follower = replied_to()
            .is_null()
            .or(replied_to().equals((s.clone(), status::Column::AccountId)))
            .or(replied_to().equals((f.clone(), follow::Column::AccountId)))
            .or(Expr::exists(follows_replied_to));
        let mut followers = Query::select();
        followers
            .column((f.clone(), follow::Column::AccountId))
            .column((s.clone(), status::Column::Id))
            .column((s.clone(), status::Column::AccountId))
            .from_as(status::Entity, s.clone())
            .join_as(
                JoinType::InnerJoin,
                follow::Entity,
                f.clone(),
                Expr::col((f.clone(), follow::Column::TargetAccountId))
                    .equals((s.clone(), status::Column::AccountId)),
            )
            .join_as(
                JoinType::InnerJoin,
                account::Entity,
                a.clone(),
                Expr::col((a.clone(), account::Column::Id))
                    .equals((f.clone(), follow::Column::AccountId)),
            )
            .and_where(ids())
            .and_where(Expr::col((a.clone(), account::Column::Domain)).is_null())
            .and_where(
                not_direct
                    .and(reaches_follower)
                    .or(direct.and(Expr::exists(mentioned))),
            );
        insert_feed_rows(txn, followers).await?;
    }
    Ok(())
}

/// `INSERT INTO home_feeds (account_id, status_id, author_id) <select> ON CONFLICT DO
/// NOTHING`: home-feed rows from a query that yields those three columns.
pub(crate) async fn insert_feed_rows(
    txn: &DatabaseTransaction,
    select: SelectStatement,
) -> CoreResult<()> {
    let insert = Query::insert()
        .into_table(home_feed::Entity)
        .columns([
            home_feed::Column::AccountId,
            home_feed::Column::StatusId,
            home_feed::Column::AuthorId,
        ])
        .select_from(select)
        .map_err(|e| CoreError::Internal(e.to_string()))?
        .on_conflict(
            OnConflict::columns([home_feed::Column::AccountId, home_feed::Column::StatusId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    txn.execute(&insert).await?;
    Ok(())
}
