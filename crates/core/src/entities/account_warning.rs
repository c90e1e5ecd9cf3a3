//! `account_warnings`: one row per account action ("strike"), as Mastodon keeps them.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_warnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The moderator's account; `None` for the command line.
    pub account_id: Option<i64>,
    pub target_account_id: i64,
    /// `none`, `disable`, `sensitive`, `silence` or `suspend`.
    pub action: String,
    pub text: String,
    pub report_id: Option<i64>,
    /// JSON list of status ids.
    pub status_ids: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
