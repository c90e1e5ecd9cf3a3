//! Statuses: posting ([`create`]: validation, formatting, mentions, hashtags, media,
//! idempotency, home feeds and notifications, in one transaction), editing ([`edit`]),
//! remote statuses ([`inbound`]), home feeds (`feeds`), threads ([`context`]), pins
//! and deletion. Who may see a status is [`crate::visibility`]'s rule.

use sea_orm::EntityTrait;

use crate::entities::status;
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;
pub use crate::languages::is_valid_language;

mod delete;
pub mod edit;
mod feeds;
pub mod inbound;
mod pins;
mod post;
mod thread;

pub use delete::delete;
pub(crate) use delete::{delete_all_of_account, delete_rows, deleted_event, media_files_of};
pub(crate) use feeds::{fan_out, insert_feed_rows};
pub use pins::{pin, unpin};
pub use post::create;
pub(crate) use post::{CheckedText, check_text, count_new_status, count_new_statuses, upsert_tags};
pub use thread::context;

/// How long an `Idempotency-Key` is remembered (Mastodon: one hour).
pub const IDEMPOTENCY_WINDOW_MINUTES: i64 = 60;
/// Statuses an account may pin.
pub const MAX_PINS: u64 = 5;
/// Ancestors and descendants returned by a thread.
pub const MAX_ANCESTORS: usize = 40;
pub const MAX_DESCENDANTS: usize = 4096;
pub const MAX_DESCENDANTS_ANONYMOUS: usize = 60;
pub const MAX_DESCENDANT_DEPTH: usize = 20;

/// Who can see a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everyone, in public timelines.
    Public,
    /// Everyone, but not in public timelines.
    Unlisted,
    /// Followers and mentioned accounts.
    Private,
    /// Mentioned accounts only.
    Direct,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "unlisted" => Some(Self::Unlisted),
            "private" => Some(Self::Private),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }

    /// Of a stored status (unknown values read as the most restrictive).
    pub fn of(status: &status::Model) -> Self {
        Self::parse(&status.visibility).unwrap_or(Self::Direct)
    }

    /// Public and unlisted statuses count as "distributable" (boostable, counted).
    pub fn is_distributable(self) -> bool {
        matches!(self, Self::Public | Self::Unlisted)
    }
}

/// A status as a local user submits it.
#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    /// `None`: the author's default.
    pub visibility: Option<Visibility>,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub media_ids: Vec<i64>,
    pub application_id: Option<i64>,
    pub idempotency_key: Option<String>,
}

/// Mastodon's answer when the status replied to cannot be seen.
pub const REPLY_NOT_FOUND: &str = "The post you are trying to reply to does not appear to exist.";

/// A status by id, if it exists, whoever may see it.
pub async fn find(inst: &Instance, id: i64) -> CoreResult<Option<status::Model>> {
    Ok(status::Entity::find_by_id(id).one(&inst.store.read).await?)
}

/// A status by id, whoever may see it.
pub async fn get(inst: &Instance, id: i64) -> CoreResult<status::Model> {
    status::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

impl CoreError {
    /// A NotFound with Mastodon's specific wording for the case.
    pub fn with_message(self, message: &str) -> CoreError {
        match self {
            CoreError::NotFound => CoreError::NotFoundMessage(message.to_string()),
            other => other,
        }
    }
}
