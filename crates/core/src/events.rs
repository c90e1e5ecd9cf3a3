//! Domain events: the transactional outbox.
//!
//! A core operation that other servers must hear about (a post, a follow, a favourite…)
//! writes an [`Event`] row in the SAME transaction as the change, so the change and the
//! promise to federate it commit or vanish together: a crash between the two cannot
//! lose a delivery. The federation crate reads the events in order, turns each into an
//! activity and its deliveries, and deletes it ([`take`] / [`finish`]). Core never builds
//! ActivityPub: an event names what happened, with just what the consumer needs once the
//! subject row may be gone (a deleted status, say).

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entities::outbox_event;
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;

/// What a local account did that federates. `account_id` of the row is the actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new status or boost (`Create` / `Announce`).
    StatusCreated { status_id: i64 },
    /// An edited status (`Update`).
    StatusUpdated { status_id: i64 },
    /// A deleted status (`Delete`) or boost (`Undo` `Announce`), with who should hear.
    StatusDeleted {
        uri: String,
        visibility: String,
        /// Remote accounts mentioned by the status.
        mentioned: Vec<i64>,
        /// For a boost: the boosted status's author.
        reblog_of_author: Option<i64>,
        /// For a boost: the boosted status's uri.
        reblog_of_uri: Option<String>,
    },
    /// A follow, or a request to follow, a remote account (`Follow`).
    FollowRequested { target_id: i64, uri: String },
    /// An unfollow or a withdrawn request (`Undo` `Follow`).
    FollowUndone { target_id: i64, uri: String },
    /// A remote account's follow was accepted (`Accept`); `uri` is its `Follow` id.
    FollowAccepted {
        follower_id: i64,
        uri: Option<String>,
    },
    /// A remote account's follow was rejected or removed (`Reject`).
    FollowRejected {
        follower_id: i64,
        uri: Option<String>,
    },
    /// A favourite (`Like`).
    Favourited { status_id: i64, uri: String },
    /// A withdrawn favourite (`Undo` `Like`).
    Unfavourited {
        status_id: i64,
        uri: String,
        status_author_id: i64,
    },
    /// A block (`Block`).
    Blocked { target_id: i64, uri: String },
    /// A lifted block (`Undo` `Block`).
    Unblocked { target_id: i64, uri: String },
    /// A profile change (`Update` of the actor).
    ProfileUpdated,
    /// A report by this account against a remote account, to forward (`Flag` from the
    /// instance actor) to `domains`: the target's server and those its reported
    /// statuses reply to.
    ReportForwarded {
        report_id: i64,
        domains: Vec<String>,
    },
    /// A deleted local account (`Delete` of the actor).
    AccountDeleted {
        uri: String,
        /// Inboxes that knew the account, computed before its follows were removed.
        inboxes: Vec<String>,
    },
}

impl Event {
    /// The `kind` column: the serde tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::StatusCreated { .. } => "status_created",
            Event::StatusUpdated { .. } => "status_updated",
            Event::StatusDeleted { .. } => "status_deleted",
            Event::FollowRequested { .. } => "follow_requested",
            Event::FollowUndone { .. } => "follow_undone",
            Event::FollowAccepted { .. } => "follow_accepted",
            Event::FollowRejected { .. } => "follow_rejected",
            Event::Favourited { .. } => "favourited",
            Event::Unfavourited { .. } => "unfavourited",
            Event::Blocked { .. } => "blocked",
            Event::Unblocked { .. } => "unblocked",
            Event::ProfileUpdated => "profile_updated",
            Event::ReportForwarded { .. } => "report_forwarded",
            Event::AccountDeleted { .. } => "account_deleted",
        }
    }
}

/// A stored event, as the consumer reads it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: i64,
    pub account_id: i64,
    pub event: Event,
}

/// Writes `event` by local `account_id` inside the caller's transaction. Call
/// [`Instance::events_written`] after the commit to wake the consumer.
pub async fn emit(conn: &impl ConnectionTrait, account_id: i64, event: &Event) -> CoreResult<()> {
    let payload =
        serde_json::to_string(event).map_err(|e| CoreError::Internal(format!("event: {e}")))?;
    outbox_event::Entity::insert(
        outbox_event::Model {
            id: next_id(),
            kind: event.kind().to_string(),
            account_id,
            subject_id: None,
            payload,
            created_at: Utc::now(),
        }
        .into_active_model(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The oldest `limit` events. An event whose payload this version cannot read (written
/// by a newer one) is returned as `Err` with its id, so the consumer can skip it.
pub async fn take(inst: &Instance, limit: u64) -> CoreResult<Vec<Result<StoredEvent, i64>>> {
    let rows = outbox_event::Entity::find()
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(&inst.store.write)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            serde_json::from_str::<Event>(&row.payload)
                .map(|event| StoredEvent {
                    id: row.id,
                    account_id: row.account_id,
                    event,
                })
                .map_err(|_| row.id)
        })
        .collect())
}

/// Deletes a consumed event, inside the transaction that wrote its deliveries.
pub async fn finish(conn: &impl ConnectionTrait, id: i64) -> CoreResult<()> {
    outbox_event::Entity::delete_many()
        .filter(outbox_event::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// How many events wait to be consumed.
pub async fn pending(inst: &Instance) -> CoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(outbox_event::Entity::find().count(&inst.store.read).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_serde_tag() {
        let events = [
            Event::StatusCreated { status_id: 1 },
            Event::FollowAccepted {
                follower_id: 2,
                uri: None,
            },
            Event::ProfileUpdated,
            Event::ReportForwarded {
                report_id: 3,
                domains: vec!["remote.example".into()],
            },
            Event::AccountDeleted {
                uri: "u".into(),
                inboxes: vec![],
            },
        ];
        for event in events {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["kind"], event.kind());
            assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
        }
    }
}
