//! `statuses`: posts and boosts, local and remote.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statuses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub uri: String,
    pub url: Option<String>,
    pub account_id: i64,
    pub local: bool,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    /// The source text as typed (local statuses).
    pub text: String,
    /// Sanitised HTML.
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// `public`, `unlisted`, `private` or `direct`.
    pub visibility: String,
    pub language: Option<String>,
    pub application_id: Option<i64>,
    pub has_media: bool,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub edited_at: Option<DateTimeUtc>,
    /// ActivityPub `conversation`/`context` of the thread.
    pub conversation: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
