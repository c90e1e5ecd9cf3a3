//! `blocklist_sources`: lists of domain blocks this instance subscribes to, fetched on a
//! schedule ([`crate::moderation::subscriptions`]).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocklist_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub url: String,
    /// `auto`, `csv`, `mastodon` or `plain`.
    pub format: String,
    /// The higher wins when two sources list one domain.
    pub priority: i32,
    /// New and changed entries are drafts until a moderator approves them.
    pub review: bool,
    /// `remove` or `keep`: what becomes of the block of a domain that leaves the list.
    pub retraction: String,
    /// The severity of every domain of a plain list.
    pub plain_severity: String,
    pub enabled: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetched_at: Option<DateTimeUtc>,
    /// `ok`, `unchanged` or `error`.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    /// Entries of the list at the last successful sync.
    pub entry_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
