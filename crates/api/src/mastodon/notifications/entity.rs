//! [Notification](https://docs.joinmastodon.org/entities/Notification/).

use serde::Serialize;
use starling_core::Instance;
use starling_core::views::NotificationView;

use crate::mastodon::accounts::entity::Account;
use crate::mastodon::format::timestamp;
use crate::mastodon::reports::Report;
use crate::mastodon::statuses::entity::Status;

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub group_key: String,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// For `severed_relationships`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<RelationshipSeveranceEvent>,
    /// For `admin.report`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

/// [RelationshipSeveranceEvent](https://docs.joinmastodon.org/entities/RelationshipSeveranceEvent/).
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipSeveranceEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub purged: bool,
    pub target_name: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: String,
}

impl Notification {
    pub fn build(inst: &Instance, v: &NotificationView) -> Self {
        let n = &v.notification;
        Self {
            id: n.id.to_string(),
            kind: n.kind.clone(),
            created_at: timestamp(n.created_at),
            group_key: format!("ungrouped-{}", n.id),
            account: Account::build(inst, &v.account, None),
            status: v.status.as_ref().map(|s| Status::build(inst, s, false)),
            event: v.severance.as_ref().map(|e| RelationshipSeveranceEvent {
                id: e.id.to_string(),
                kind: e.kind.clone(),
                purged: e.purged,
                target_name: e.target_name.clone(),
                followers_count: e.followers_count,
                following_count: e.following_count,
                created_at: timestamp(e.created_at),
            }),
            report: v
                .report
                .as_ref()
                .map(|(r, target)| Report::build(r, Account::build(inst, target, None))),
        }
    }
}
