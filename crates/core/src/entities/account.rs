//! `accounts`: local and remote actors.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub username: String,
    /// `None` for local accounts.
    pub domain: Option<String>,
    pub acct_key: String,
    pub display_name: String,
    /// Bio as sanitised HTML.
    pub note: String,
    /// Bio as the owner typed it (local accounts).
    pub note_source: String,
    /// JSON list of `{name, value, value_source?, verified_at?}`.
    pub fields: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub actor_type: String,
    pub avatar_file: Option<String>,
    pub avatar_remote_url: Option<String>,
    pub header_file: Option<String>,
    pub header_remote_url: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub featured_url: Option<String>,
    pub public_key_pem: String,
    /// The key's id as the actor publishes it (remote accounts).
    pub public_key_id: Option<String>,
    /// JSON list of actor URIs this account is also known as.
    pub also_known_as: String,
    pub private_key_pem: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<DateTimeUtc>,
    pub suspended_at: Option<DateTimeUtc>,
    pub silenced_at: Option<DateTimeUtc>,
    pub sensitized_at: Option<DateTimeUtc>,
    pub fetched_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// `alice` for local accounts, `alice@example.com` for remote ones.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(d) => format!("{}@{d}", self.username),
        }
    }
}
