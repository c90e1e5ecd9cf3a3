//! `relationship_severance_events`: a moderation event that severed follows.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relationship_severance_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Mastodon's event `type`: `domain_block`.
    pub kind: String,
    /// The blocked domain.
    pub target_name: String,
    pub purged: bool,
    /// Also the `suspended_at` of the accounts the event suspended.
    pub created_at: DateTimeUtc,
    /// When the suspension ended and its accounts were unsuspended.
    pub lifted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
