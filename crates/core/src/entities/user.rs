//! `users`: the login behind a local account.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    /// `user`, `moderator` or `admin`.
    pub role: String,
    pub approved: bool,
    pub disabled: bool,
    pub locale: String,
    pub registration_reason: String,
    pub default_visibility: String,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
