//! Statuses from other servers, as the federation inbox hands them over once it has
//! verified and parsed an activity: a new status (`Create`), an edit (`Update`) and a
//! deletion (`Delete`).
//!
//! The same rules as for local posts apply where they make sense: remote HTML is
//! sanitised ([`text::sanitize_html`]), links and media must be `http(s)`, hashtags
//! must be valid names, counters, home feeds and notifications are written in the
//! status's transaction. Media stay remote references (nothing is downloaded yet); the
//! Mastodon entity shows their remote URL. Nothing here writes outbox events: these
//! statuses came from the network and are not sent back to it.

mod update;

pub(crate) use update::apply_update;
pub use update::{delete, update};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::edit::{MAX_DESCRIPTION_CHARS, notify_mentioned, replace_tags};
use super::{Visibility, count_new_status, count_new_statuses, fan_out};
use crate::entities::{account, media_attachment, status, status_mention};
use crate::error::{CoreError, CoreResult};
use crate::id::id_at;
use crate::instance::Instance;
use crate::moderation::content::Stopped;
use crate::moderation::held::{self, HeldKind};
use crate::text;

/// Attachments kept of one remote status (Mastodon's `ACTIVITYPUB_STATUS_ATTACHMENT_MAX`).
pub const MAX_REMOTE_ATTACHMENTS: usize = 16;
/// Media kinds the Mastodon entity knows; anything else is `unknown`.
const MEDIA_KINDS: &[&str] = &["image", "video", "gifv", "audio", "unknown"];

/// An attachment of a remote status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteMedia {
    pub remote_url: String,
    /// `image`, `video`, `gifv`, `audio` or `unknown`.
    pub kind: String,
    pub content_type: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Focal point, both in -1..=1.
    pub focus: Option<(f64, f64)>,
}

/// A status of a remote account, as federation parsed it (serialisable: a post held
/// for review is kept in this form).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoteStatus {
    /// The ActivityPub id.
    pub uri: String,
    pub url: Option<String>,
    /// The author's (remote) account row.
    pub account_id: i64,
    /// The parent's row id when known locally.
    pub in_reply_to_id: Option<i64>,
    /// Remote HTML; sanitised here.
    pub content_html: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// Computed by federation from the addressing.
    pub visibility: Visibility,
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub conversation: Option<String>,
    /// Mentioned accounts (local or remote rows).
    pub mentions: Vec<i64>,
    /// Hashtag names without `#`.
    pub tags: Vec<String>,
    /// Kept as remote references.
    pub media: Vec<RemoteMedia>,
}

/// The status with this ActivityPub id, local or remote.
pub async fn find_by_uri(inst: &Instance, uri: &str) -> CoreResult<Option<status::Model>> {
    find_on(&inst.store.read, uri).await
}

async fn find_on(conn: &impl ConnectionTrait, uri: &str) -> CoreResult<Option<status::Model>> {
    Ok(status::Entity::find()
        .filter(status::Column::Uri.eq(uri))
        .one(conn)
        .await?)
}

/// Stores a remote status, unless one with its `uri` exists already: then that one is
/// answered, with `false`. Local followers of the author get it in their home feeds,
/// mentioned local accounts a `mention` notification.
pub async fn ingest(inst: &Instance, s: RemoteStatus) -> CoreResult<(status::Model, bool)> {
    let mut results = ingest_many(inst, vec![s]).await?;
    results.pop().unwrap_or(Err(CoreError::NotFound))
}

/// Stores several remote statuses in one transaction, each as [`ingest`] would, with a
/// result of its own: one that is refused (or taken by a concurrent delivery) leaves the
/// others stored. The inbox processes its backlog this way, so that a burst of posts
/// costs one commit per batch rather than one per post. The HTML is sanitised before
/// the writer is taken.
pub async fn ingest_many(
    inst: &Instance,
    mut statuses: Vec<RemoteStatus>,
) -> CoreResult<Vec<CoreResult<(status::Model, bool)>>> {
    // A remote post never takes an id of this server.
    let local: Vec<bool> = statuses
        .iter()
        .map(|s| inst.urls.is_local(&s.uri))
        .collect();
    if local.contains(&true) {
        let kept = statuses
            .into_iter()
            .zip(&local)
            .filter(|(_, local)| !**local)
            .map(|(s, _)| s)
            .collect();
        let mut stored = Box::pin(ingest_many(inst, kept)).await?.into_iter();
        return Ok(local
            .into_iter()
            .map(|local| match local {
                true => Err(CoreError::Invalid(
                    "a remote post cannot have an id of this server".into(),
                )),
                false => stored.next().unwrap_or(Err(CoreError::NotFound)),
            })
            .collect());
    }
    // The content policy first: what it refuses or holds is answered so, in place.
    let stopped = crate::moderation::content::screen_remote(inst, &mut statuses).await?;
    if stopped.iter().all(Option::is_none) {
        return store_many(inst, statuses).await;
    }
    let mut kept = Vec::new();
    for (s, stop) in statuses.into_iter().zip(&stopped) {
        match stop {
            None => kept.push(s),
            Some(Stopped::Held(d)) => held::hold(inst, HeldKind::Create, &s, d).await?,
            Some(Stopped::Refused(_)) => {}
        }
    }
    let mut stored = store_many(inst, kept).await?.into_iter();
    Ok(stopped
        .into_iter()
        .map(|stop| match stop {
            Some(stop) => Err(stopped_error(&stop)),
            None => stored.next().unwrap_or(Err(CoreError::NotFound)),
        })
        .collect())
}

/// What the inbox (or a fetch) hears of a post the content policy stopped.
fn stopped_error(stop: &Stopped) -> CoreError {
    CoreError::Forbidden(match stop {
        Stopped::Refused(d) => format!("refused by the content policy ({}: {})", d.rule, d.reason),
        Stopped::Held(d) => format!(
            "held for review by the moderators ({}: {})",
            d.rule, d.reason
        ),
    })
}

/// Stores a remote status that has passed the content policy already (a held post
/// released by a moderator), as [`ingest`] would.
pub(crate) async fn store(inst: &Instance, s: RemoteStatus) -> CoreResult<(status::Model, bool)> {
    let mut results = store_many(inst, vec![s]).await?;
    results.pop().unwrap_or(Err(CoreError::NotFound))
}

/// [`ingest_many`] once the content policy has passed the statuses.
async fn store_many(
    inst: &Instance,
    statuses: Vec<RemoteStatus>,
) -> CoreResult<Vec<CoreResult<(status::Model, bool)>>> {
    let cleaned: Vec<Cleaned> = statuses.iter().map(Cleaned::of).collect();
    let txn = inst.store.begin().await?;
    match ingest_together(&txn, &statuses, &cleaned).await {
        Ok(results) => {
            txn.commit().await?;
            return Ok(results);
        }
        Err(e) => {
            // Rare (an id taken, a concurrent delivery of the same post): start again,
            // each post in a savepoint of its own.
            tracing::debug!(error = %e, n = statuses.len(), "storing posts one by one");
            txn.rollback().await?;
        }
    }
    let txn = inst.store.begin().await?;
    let mut results = Vec::with_capacity(statuses.len());
    for (s, clean) in statuses.iter().zip(&cleaned) {
        results.push(ingest_in(&txn, s, clean).await);
    }
    txn.commit().await?;
    Ok(results)
}

/// The quick way of [`ingest_many`]: known posts and authors read in one query each,
/// then each post written with as few statements as it needs. Refusals (a local or
/// suspended author) are per post; a failed write fails the whole batch.
async fn ingest_together(
    txn: &DatabaseTransaction,
    statuses: &[RemoteStatus],
    cleaned: &[Cleaned],
) -> CoreResult<Vec<CoreResult<(status::Model, bool)>>> {
    let mut known: HashMap<String, status::Model> = HashMap::new();
    let mut authors: HashMap<i64, account::Model> = HashMap::new();
    for chunk in statuses.chunks(500) {
        let found = status::Entity::find()
            .filter(status::Column::Uri.is_in(chunk.iter().map(|s| s.uri.clone())))
            .all(txn)
            .await?;
        known.extend(found.into_iter().map(|s| (s.uri.clone(), s)));
        let found = account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().map(|s| s.account_id)))
            .all(txn)
            .await?;
        authors.extend(found.into_iter().map(|a| (a.id, a)));
    }
    let now = Utc::now();
    let mut results = Vec::with_capacity(statuses.len());
    let mut new: Vec<(status::Model, &Cleaned)> = Vec::new();
    for (s, clean) in statuses.iter().zip(cleaned) {
        if let Some(existing) = known.get(&s.uri) {
            results.push(Ok((existing.clone(), false)));
            continue;
        }
        let author = match authors.get(&s.account_id) {
            Some(author) => match refusal(author) {
                Some(refused) => {
                    results.push(Err(refused));
                    continue;
                }
                None => author,
            },
            None => {
                results.push(Err(CoreError::NotFound));
                continue;
            }
        };
        let parent = match s.in_reply_to_id {
            Some(id) => status::Entity::find_by_id(id).one(txn).await?,
            None => None,
        };
        let model = new_model(s, clean, author, parent.as_ref(), now);
        known.insert(model.uri.clone(), model.clone());
        results.push(Ok((model.clone(), true)));
        new.push((model, clean));
    }
    // The rows in as few statements as possible, then what each post needs more.
    for chunk in new.chunks(STATUSES_PER_INSERT) {
        status::Entity::insert_many(chunk.iter().map(|(m, _)| m.clone().into_active_model()))
            .exec_without_returning(txn)
            .await?;
    }
    let models: Vec<status::Model> = new.iter().map(|(m, _)| m.clone()).collect();
    count_new_statuses(txn, &models).await?;
    for (model, clean) in &new {
        write_extras_but_feeds(txn, model, clean, now).await?;
    }
    // Every new post's home-feed rows, in two statements per 500 posts.
    let ids: Vec<i64> = new.iter().map(|(m, _)| m.id).collect();
    fan_out(txn, &ids).await?;
    Ok(results)
}

/// Status rows per `INSERT` (26 columns each, well under SQLite's variable limit).
const STATUSES_PER_INSERT: usize = 100;

/// Why a remote status by `author` cannot be stored, if it cannot.
fn refusal(author: &account::Model) -> Option<CoreError> {
    if author.is_local() {
        return Some(CoreError::Invalid(
            "a remote status must have a remote author".into(),
        ));
    }
    if author.suspended_at.is_some() {
        return Some(CoreError::Forbidden("the author is suspended".into()));
    }
    None
}

/// The row of a new remote status.
fn new_model(
    s: &RemoteStatus,
    clean: &Cleaned,
    author: &account::Model,
    parent: Option<&status::Model>,
    now: DateTime<Utc>,
) -> status::Model {
    let created_at = s.created_at.min(now);
    status::Model {
        // Remote statuses keep their place in time, as in Mastodon.
        id: id_at(created_at),
        uri: s.uri.clone(),
        url: clean.url.clone(),
        account_id: author.id,
        local: false,
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        reblog_of_id: None,
        text: String::new(),
        content: clean.content.clone(),
        spoiler_text: clean.spoiler_text.clone(),
        sensitive: s.sensitive,
        visibility: s.visibility.as_str().into(),
        language: clean.language.clone(),
        application_id: None,
        has_media: !clean.media.is_empty(),
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        edited_at: s.edited_at.map(|t| t.min(now)),
        conversation: s
            .conversation
            .clone()
            .or_else(|| parent.and_then(|p| p.conversation.clone())),
        created_at,
        updated_at: now,
    }
}

/// One status of [`ingest_many`]: read in `txn`, written in a savepoint of it.
async fn ingest_in(
    txn: &DatabaseTransaction,
    s: &RemoteStatus,
    clean: &Cleaned,
) -> CoreResult<(status::Model, bool)> {
    if let Some(existing) = find_on(txn, &s.uri).await? {
        return Ok((existing, false));
    }
    let author = account::Entity::find_by_id(s.account_id)
        .one(txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if let Some(refused) = refusal(&author) {
        return Err(refused);
    }
    let parent = match s.in_reply_to_id {
        Some(id) => status::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let now = Utc::now();
    let mut attempts = 0;
    loop {
        let model = new_model(s, clean, &author, parent.as_ref(), now);
        // A savepoint: a failed attempt leaves the rest of the batch as it was.
        let attempt = txn.begin().await?;
        let written = match write_new(&attempt, &model, clean, now).await {
            Ok(()) => attempt.commit().await.map_err(CoreError::from),
            Err(e) => {
                attempt.rollback().await?;
                Err(e)
            }
        };
        match written {
            Ok(()) => return Ok((model, true)),
            Err(e) if e.is_unique_violation() => {
                // A concurrent delivery of the same status won, or (rarely) the id was
                // taken: answer the other one, or try another id.
                if let Some(existing) = find_on(txn, &s.uri).await? {
                    return Ok((existing, false));
                }
                attempts += 1;
                if attempts >= 3 {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The parts of a remote status that are checked or cleaned before they are stored.
struct Cleaned {
    content: String,
    spoiler_text: String,
    url: Option<String>,
    language: Option<String>,
    mentions: Vec<i64>,
    tags: Vec<String>,
    media: Vec<RemoteMedia>,
}

impl Cleaned {
    fn of(s: &RemoteStatus) -> Self {
        Cleaned {
            content: text::sanitize_html(&s.content_html),
            spoiler_text: s.spoiler_text.trim().to_string(),
            url: s.url.clone().filter(|u| is_http_url(u)),
            language: s.language.clone().filter(|l| super::is_valid_language(l)),
            mentions: s.mentions.clone(),
            tags: s
                .tags
                .iter()
                .map(|t| t.trim().trim_start_matches('#').to_string())
                .filter(|t| text::is_valid_tag(t))
                .collect(),
            media: s
                .media
                .iter()
                .filter(|m| is_http_url(&m.remote_url))
                .take(MAX_REMOTE_ATTACHMENTS)
                .cloned()
                .collect(),
        }
    }
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Everything a new remote status writes, inside the caller's transaction.
async fn write_new(
    txn: &DatabaseTransaction,
    model: &status::Model,
    clean: &Cleaned,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    status::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    count_new_status(txn, model).await?;
    write_extras(txn, model, clean, now).await
}

/// What a new remote status writes besides its row and counters: media, mentions,
/// tags, home feeds and notifications.
async fn write_extras(
    txn: &DatabaseTransaction,
    model: &status::Model,
    clean: &Cleaned,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    write_extras_but_feeds(txn, model, clean, now).await?;
    fan_out(txn, &[model.id]).await
}

/// [`write_extras`] but the home feeds, which a batch writes together (after the
/// mentions, which the home feeds of a direct message depend on); returns the
/// mentioned accounts that exist.
async fn write_extras_but_feeds(
    txn: &DatabaseTransaction,
    model: &status::Model,
    clean: &Cleaned,
    now: DateTime<Utc>,
) -> CoreResult<Vec<i64>> {
    if !clean.media.is_empty() {
        media_attachment::Entity::insert_many(
            clean
                .media
                .iter()
                .map(|m| media_row(m, model.account_id, model.id, now).into_active_model()),
        )
        .exec_without_returning(txn)
        .await?;
    }
    let mentions = existing_accounts(txn, &clean.mentions).await?;
    if !mentions.is_empty() {
        status_mention::Entity::insert_many(mentions.iter().map(|&account_id| {
            status_mention::Model {
                status_id: model.id,
                account_id,
                silent: false,
            }
            .into_active_model()
        }))
        .exec_without_returning(txn)
        .await?;
    }
    if !clean.tags.is_empty() {
        replace_tags(txn, model.id, &clean.tags).await?;
    }
    notify_mentioned(txn, model, &mentions).await?;
    Ok(mentions)
}

/// Those of `ids` that name accounts, without repeats.
async fn existing_accounts(txn: &DatabaseTransaction, ids: &[i64]) -> CoreResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    found.sort_unstable();
    Ok(found)
}

/// The attachment row of a remote medium.
fn media_row(
    m: &RemoteMedia,
    account_id: i64,
    status_id: i64,
    now: DateTime<Utc>,
) -> media_attachment::Model {
    let mut meta = json!({});
    if let (Some(w), Some(h)) = (m.width, m.height)
        && w > 0
        && h > 0
    {
        meta["original"] = json!({
            "width": w,
            "height": h,
            "size": format!("{w}x{h}"),
            "aspect": f64::from(w) / f64::from(h),
        });
    }
    if let Some((x, y)) = m.focus
        && x.is_finite()
        && y.is_finite()
    {
        meta["focus"] = json!({"x": x.clamp(-1.0, 1.0), "y": y.clamp(-1.0, 1.0)});
    }
    let description = m
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            use unicode_segmentation::UnicodeSegmentation;
            d.graphemes(true).take(MAX_DESCRIPTION_CHARS).collect()
        });
    let kind = if MEDIA_KINDS.contains(&m.kind.as_str()) {
        m.kind.clone()
    } else {
        "unknown".to_string()
    };
    media_attachment::Model {
        id: crate::id::next_id(),
        account_id,
        status_id: Some(status_id),
        kind,
        file_path: None,
        preview_path: None,
        remote_url: Some(m.remote_url.clone()),
        content_type: m.content_type.clone().filter(|c| c.len() <= 255),
        file_size: 0,
        meta: meta.to_string(),
        description,
        blurhash: m.blurhash.clone().filter(|b| is_blurhash(b)),
        created_at: now,
        updated_at: now,
    }
}

/// A plausible blurhash: base83 characters, of a sane length.
fn is_blurhash(s: &str) -> bool {
    (6..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"#$%*+,-.:;=?@[]^_{|}~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote() -> RemoteStatus {
        RemoteStatus {
            uri: "https://remote.example/notes/1".into(),
            url: Some("javascript:alert(1)".into()),
            account_id: 1,
            in_reply_to_id: None,
            content_html: "<p>hi<script>alert(1)</script></p>".into(),
            spoiler_text: "  cw ".into(),
            sensitive: false,
            visibility: Visibility::Public,
            language: Some("not a language".into()),
            created_at: Utc::now(),
            edited_at: None,
            conversation: None,
            mentions: vec![],
            tags: vec!["#Rust".into(), "not a tag!".into()],
            media: vec![
                RemoteMedia {
                    remote_url: "https://remote.example/a.png".into(),
                    kind: "image".into(),
                    content_type: Some("image/png".into()),
                    description: Some("  ".into()),
                    blurhash: Some("<bad>".into()),
                    width: Some(200),
                    height: Some(100),
                    focus: Some((2.0, -0.5)),
                },
                RemoteMedia {
                    remote_url: "data:image/png;base64,AAAA".into(),
                    kind: "image".into(),
                    content_type: None,
                    description: None,
                    blurhash: None,
                    width: None,
                    height: None,
                    focus: None,
                },
            ],
        }
    }

    #[test]
    fn remote_input_is_cleaned() {
        let c = Cleaned::of(&remote());
        assert_eq!(c.content, "<p>hi</p>");
        assert_eq!(c.spoiler_text, "cw");
        assert_eq!(c.url, None);
        assert_eq!(c.language, None);
        assert_eq!(c.tags, vec!["Rust".to_string()]);
        assert_eq!(c.media.len(), 1);
    }

    #[test]
    fn remote_media_rows_carry_meta_for_the_entity() {
        let m = &remote().media[0];
        let row = media_row(m, 1, 2, Utc::now());
        let meta: serde_json::Value = serde_json::from_str(&row.meta).unwrap();
        assert_eq!(meta["original"]["size"], "200x100");
        assert_eq!(meta["original"]["aspect"], 2.0);
        assert_eq!(meta["focus"]["x"], 1.0);
        assert_eq!(row.description, None);
        assert_eq!(row.blurhash, None);
        assert_eq!(
            row.remote_url.as_deref(),
            Some("https://remote.example/a.png")
        );
        assert!(row.file_path.is_none());
        assert!(is_blurhash("LEHV6nWB2yk8pyo0adR*.7kCMdnj"));
    }
}
