//! `reports`: reports of accounts (and their statuses) to moderators.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Who reported: a local account, or for a remote report the remote instance's actor.
    pub account_id: i64,
    pub target_account_id: i64,
    /// JSON list of status ids.
    pub status_ids: String,
    pub comment: String,
    pub category: String,
    /// JSON list of rule ids.
    pub rule_ids: String,
    pub forwarded: bool,
    /// The `Flag` activity id (remote reports).
    pub uri: Option<String>,
    pub assigned_account_id: Option<i64>,
    pub action_taken_by_account_id: Option<i64>,
    pub action_taken_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
