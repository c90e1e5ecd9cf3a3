//! [Status](https://docs.joinmastodon.org/entities/Status/) and
//! [Context](https://docs.joinmastodon.org/entities/Context/).

use serde::Serialize;
use serde_json::{Value, json};
use starling_core::Instance;
use starling_core::statuses::Visibility;
use starling_core::views::StatusView;

use crate::mastodon::accounts::entity::Account;
use crate::mastodon::format::timestamp;
use crate::mastodon::media::entity::MediaAttachment;

#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: String,
    pub created_at: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub visibility: String,
    pub language: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub quotes_count: i64,
    pub edited_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Only in the answer to a delete (for "delete and redraft").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub reblog: Option<Box<Status>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    pub account: Account,
    pub media_attachments: Vec<MediaAttachment>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<Value>,
    pub quote: Option<Value>,
    pub card: Option<Value>,
    pub poll: Option<Value>,
    pub quote_approval: Value,
}

impl Status {
    /// The entity of a status view; `source_requested` swaps `content` for `text`.
    pub fn build(inst: &Instance, v: &StatusView, source_requested: bool) -> Self {
        let s = &v.status;
        let viewer_is_author = v.viewer_id == Some(s.account_id);
        Self {
            id: s.id.to_string(),
            created_at: timestamp(s.created_at),
            in_reply_to_id: s.in_reply_to_id.map(|id| id.to_string()),
            in_reply_to_account_id: s.in_reply_to_account_id.map(|id| id.to_string()),
            sensitive: s.sensitive || (!viewer_is_author && v.account.sensitized_at.is_some()),
            spoiler_text: s.spoiler_text.clone(),
            visibility: s.visibility.clone(),
            language: s.language.clone(),
            uri: s.uri.clone(),
            url: s.url.clone(),
            replies_count: s.replies_count,
            reblogs_count: s.reblogs_count,
            favourites_count: s.favourites_count,
            quotes_count: 0,
            edited_at: s.edited_at.map(timestamp),
            favourited: v.viewer.map(|m| m.favourited),
            reblogged: v.viewer.map(|m| m.reblogged),
            muted: v.viewer.map(|m| m.muted),
            bookmarked: v.viewer.map(|m| m.bookmarked),
            pinned: (viewer_is_author
                && s.reblog_of_id.is_none()
                && Visibility::of(s) != Visibility::Direct)
                .then(|| v.viewer.map(|m| m.pinned).unwrap_or(false)),
            filtered: v.viewer.map(|_| Vec::new()),
            content: (!source_requested).then(|| s.content.clone()),
            text: source_requested.then(|| s.text.clone()),
            reblog: v
                .reblog
                .as_ref()
                .map(|r| Box::new(Status::build(inst, r, false))),
            application: v.application.as_ref().map(|a| Application {
                name: a.name.clone(),
                website: a.website.clone(),
            }),
            account: Account::build(inst, &v.account, None),
            media_attachments: v
                .media
                .iter()
                .map(|m| MediaAttachment::build(inst, m))
                .collect(),
            mentions: v
                .mentions
                .iter()
                .map(|a| Mention {
                    id: a.id.to_string(),
                    username: a.username.clone(),
                    url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
                    acct: a.acct(),
                })
                .collect(),
            tags: v
                .tags
                .iter()
                .map(|t| Tag {
                    url: inst.urls.tag(&t.name),
                    name: t.name.clone(),
                })
                .collect(),
            emojis: Vec::new(),
            quote: None,
            card: None,
            poll: None,
            // Quote posts are not supported: nobody may quote.
            quote_approval: json!({ "automatic": [], "manual": [], "current_user": "denied" }),
        }
    }
}

/// `{"ancestors": […], "descendants": […]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}
