//! `held_posts`: remote posts and edits held for review by the content policy.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "held_posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub uri: String,
    /// `create` or `update`.
    pub kind: String,
    pub account_id: i64,
    pub rule: String,
    pub reason: String,
    /// The parsed post, as JSON.
    pub post: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
