//! `severed_relationships`: one follow a moderation event severed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "severed_relationships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub event_id: i64,
    pub local_account_id: i64,
    pub remote_account_id: i64,
    /// `active`: the local account followed the remote one; `passive`: the other way.
    pub direction: String,
    pub show_reblogs: bool,
    pub notify: bool,
    pub languages: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
