//! The persistent delivery queue.
//!
//! An outgoing activity is stored once (`outgoing_activities`) with one `deliveries` row
//! per target inbox, in the transaction that consumed its domain event. Rows are deleted
//! only after the remote inbox answered 2xx (or refused for good), so a crash or restart
//! loses nothing: delivery is at least once, and receivers de-duplicate by activity id.
//!
//! Each remote host (`host[:port]` of the inbox) is scheduled on its own ([`worker`]):
//! a concurrency limit per host, connect and request timeouts, and after a failure a
//! backoff for the whole host (exponential with jitter, `Retry-After` honoured), so a
//! host that is down, slow, or accepts connections and never answers only ever holds its
//! own share of the workers. A failing host is probed with one delivery at a time, oldest
//! first; when it answers again its backlog is released and delivered in order. Its
//! health is kept in `federation_hosts` ([`hosts`]).

pub mod hosts;
pub mod worker;

use crate::entities::{delivery, outgoing_activity};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use starling_core::id::next_id;

use crate::error::FedResult;

/// The signer of an outgoing activity sent by the instance actor (`/actor`) rather
/// than a local account: stored as its `account_id` (no account has id 0).
pub const INSTANCE_ACTOR_SIGNER: i64 = 0;

/// `host[:port]` of an inbox URL, the unit of scheduling.
pub fn host_of(inbox: &str) -> Option<String> {
    let url = url::Url::parse(inbox).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Stores `body` (an activity by local `account_id`) and queues it for each inbox, in
/// the caller's transaction. Duplicate inboxes are sent once. Returns how many
/// deliveries were queued.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    account_id: i64,
    uri: &str,
    body: &serde_json::Value,
    inboxes: &[String],
) -> FedResult<usize> {
    let mut targets: Vec<(String, String)> = inboxes
        .iter()
        .filter_map(|inbox| host_of(inbox).map(|host| (inbox.clone(), host)))
        .collect();
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let activity_id = next_id();
    outgoing_activity::Entity::insert(outgoing_activity::ActiveModel {
        id: Set(activity_id),
        account_id: Set(account_id),
        uri: Set(uri.to_string()),
        body: Set(body.to_string()),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    for chunk in targets.chunks(200) {
        delivery::Entity::insert_many(chunk.iter().map(|(inbox, host)| delivery::ActiveModel {
            id: Set(next_id()),
            activity_id: Set(activity_id),
            inbox_url: Set(inbox.clone()),
            host: Set(host.clone()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            created_at: Set(now),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(targets.len())
}

/// Deliveries waiting, in all.
pub async fn pending(conn: &impl ConnectionTrait) -> FedResult<u64> {
    Ok(delivery::Entity::find().count(conn).await?)
}

/// Deletes those of `activity_ids` that no delivery refers to any more.
pub(crate) async fn forget_activities_if_done(
    conn: &impl ConnectionTrait,
    activity_ids: impl IntoIterator<Item = i64>,
) -> FedResult<()> {
    let ids: Vec<i64> = activity_ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        let mut left = Query::select();
        left.expr(Expr::val(1)).from(delivery::Entity).and_where(
            Expr::col((delivery::Entity, delivery::Column::ActivityId))
                .equals((outgoing_activity::Entity, outgoing_activity::Column::Id)),
        );
        outgoing_activity::Entity::delete_many()
            .filter(outgoing_activity::Column::Id.is_in(chunk.iter().copied()))
            .filter(Expr::exists(left).not())
            .exec(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_keep_their_port() {
        assert_eq!(
            host_of("https://Social.Example/inbox").as_deref(),
            Some("social.example")
        );
        assert_eq!(
            host_of("http://127.0.0.1:4000/users/a/inbox").as_deref(),
            Some("127.0.0.1:4000")
        );
        assert_eq!(
            host_of("https://social.example:443/inbox").as_deref(),
            Some("social.example")
        );
        assert_eq!(host_of("not a url"), None);
    }
}
