//! `notifications`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Recipient.
    pub account_id: i64,
    pub from_account_id: i64,
    /// Mastodon's notification type: `mention`, `follow`, `follow_request`, ….
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// For `admin.report`: the report.
    pub report_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
