//! `moderation_log`: the audit log, one row per moderation action.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The moderator's account; `None` for the command line.
    pub account_id: Option<i64>,
    /// `domain_block.create`, `domain_block.update`, `domain_block.delete`, …
    pub action: String,
    /// `domain_block`, `domain_allow`, `account`, `report`.
    pub target_type: String,
    /// The target's id or domain.
    pub target: String,
    /// JSON: what changed, and the moderator's reason when given.
    pub details: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
