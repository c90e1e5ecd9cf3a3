//! [Notification](https://docs.joinmastodon.org/entities/Notification/).

use serde::Serialize;
use starling_core::Instance;
use starling_core::views::NotificationView;

use crate::mastodon::accounts::entity::Account;
use crate::mastodon::format::timestamp;
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
        }
    }
}
