//! `media_attachments`: uploaded (or remote) media, attached to at most one status.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    /// `image`, `gifv`, `video`, `audio` or `unknown`.
    pub kind: String,
    /// Path below the media folder.
    pub file_path: Option<String>,
    pub preview_path: Option<String>,
    pub remote_url: Option<String>,
    pub content_type: Option<String>,
    pub file_size: i64,
    /// JSON: Mastodon's `meta` object (`original`, `small`, `focus`).
    pub meta: String,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
