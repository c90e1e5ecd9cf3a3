//! Remote posts: a `Note` (or `Article`, `Question`, `Page`…) mapped to core's
//! [`RemoteStatus`], with visibility read from its addressing the way Mastodon reads it,
//! mentions resolved to accounts, and parents fetched (within a depth limit) so replies
//! thread.

use std::future::Future;
use std::pin::Pin;

use starling_core::entities::{account, status};
use starling_core::statuses::Visibility;
use starling_core::statuses::inbound::{self, RemoteMedia, RemoteStatus};
use url::Url;

use crate::error::{FedError, FedResult};
use crate::fetch;
use crate::state::Federation;
use crate::vocab::{self, Object};

/// Mentions resolved per post; more are kept as links only.
const MAX_MENTIONS_RESOLVED: usize = 20;

/// Mastodon's reading of addressing: `Public` in `to` is public, in `cc` unlisted; the
/// author's followers collection makes it followers-only; anything else is direct.
pub fn visibility(object: &Object, author: &account::Model) -> Visibility {
    if object.to.iter().any(|a| a.is_public()) {
        return Visibility::Public;
    }
    if object.cc.iter().any(|a| a.is_public()) {
        return Visibility::Unlisted;
    }
    let followers = author.followers_url.as_deref();
    let addressed = object.to.iter().chain(object.cc.iter());
    if addressed
        .clone()
        .any(|a| Some(a.as_str()) == followers || a.as_str().ends_with("/followers"))
    {
        return Visibility::Private;
    }
    Visibility::Direct
}

/// An account a post names, by its id: stored already, local, or fetched.
async fn mentioned_account(fed: &Federation, uri: &str) -> Option<account::Model> {
    match starling_core::accounts::remote::find_by_uri(&fed.inst, uri).await {
        Ok(Some(a)) => Some(a),
        Ok(None) => fetch::actor(fed, uri, false).await.ok(),
        Err(_) => None,
    }
}

fn media_kind(media_type: Option<&str>, kind: &str) -> &'static str {
    match (media_type.unwrap_or(""), kind) {
        (t, _) if t.starts_with("image/gif") => "gifv",
        (t, _) if t.starts_with("image/") => "image",
        (t, _) if t.starts_with("video/") => "video",
        (t, _) if t.starts_with("audio/") => "audio",
        (_, "Image") => "image",
        (_, "Video") => "video",
        (_, "Audio") => "audio",
        _ => "unknown",
    }
}

/// The parent of a reply: stored, or fetched while `depth` allows.
fn parent<'a>(
    fed: &'a Federation,
    uri: &'a str,
    depth: usize,
) -> Pin<Box<dyn Future<Output = Option<status::Model>> + Send + 'a>> {
    Box::pin(async move {
        if let Ok(Some(known)) = inbound::find_by_uri(&fed.inst, uri).await {
            return Some(known);
        }
        if depth == 0 {
            return None;
        }
        match fetch_note(fed, uri, depth - 1).await {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::debug!(error = %e, uri, "cannot fetch the parent of a reply");
                None
            }
        }
    })
}

/// Builds core's view of a remote post by `author`.
pub async fn to_remote_status(
    fed: &Federation,
    object: &Object,
    author: &account::Model,
    depth: usize,
) -> FedResult<RemoteStatus> {
    let (content, language) = object
        .content_and_language()
        .map(|(c, l)| (c.to_string(), l.map(str::to_string)))
        .unwrap_or_default();
    let mut content_html = content;
    // Polls arrive as plain notes for now: their options are listed under the text.
    if let Some((options, _multiple)) = object.poll_options()
        && !options.is_empty()
    {
        let list: String = options
            .iter()
            .map(|o| format!("<li>{}</li>", html_escape(&o.name)))
            .collect();
        content_html.push_str(&format!("<ul>{list}</ul>"));
    }
    if content_html.is_empty()
        && let Some(name) = &object.name
    {
        content_html = format!("<p>{}</p>", html_escape(name));
    }
    let mut mentions = Vec::new();
    for uri in object.mentions().take(MAX_MENTIONS_RESOLVED) {
        if let Some(a) = mentioned_account(fed, uri.as_str()).await
            && !mentions.contains(&a.id)
        {
            mentions.push(a.id);
        }
    }
    let tags = object
        .tag
        .iter()
        .filter_map(|t| match t {
            vocab::Tag::Hashtag { name, .. } => Some(name.trim_start_matches('#').to_string()),
            _ => None,
        })
        .filter(|n| !n.is_empty())
        .collect();
    // A domain whose media is rejected: its posts come without their attachments.
    let reject_media = fed
        .inst
        .policy
        .for_domain(author.domain.as_deref())
        .reject_media;
    let media = object
        .attachment
        .iter()
        .filter(|_| !reject_media)
        .filter_map(|a| {
            let url = a.url.as_ref()?;
            Some(RemoteMedia {
                remote_url: url.as_str().to_string(),
                kind: media_kind(a.media_type.as_deref(), &a.kind).to_string(),
                content_type: a.media_type.clone(),
                description: a.alt_text().map(str::to_string),
                blurhash: a.blurhash.clone(),
                width: a.width,
                height: a.height,
                focus: a.focal_point,
            })
        })
        .take(16)
        .collect();
    let parent = match &object.in_reply_to {
        Some(uri) => parent(fed, uri.as_str(), depth).await,
        None => None,
    };
    let now = chrono::Utc::now();
    Ok(RemoteStatus {
        uri: object.id.as_str().to_string(),
        // Mastodon: a post without a `url` links to its id.
        url: Some(
            object
                .url
                .as_ref()
                .unwrap_or(&object.id)
                .as_str()
                .to_string(),
        ),
        account_id: author.id,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        content_html,
        spoiler_text: object.summary.clone().unwrap_or_default(),
        sensitive: object.sensitive.unwrap_or(false),
        visibility: visibility(object, author),
        language,
        // A post dated in the future is dated now.
        created_at: object.published.filter(|t| *t <= now).unwrap_or(now),
        edited_at: object.updated,
        conversation: object
            .conversation
            .clone()
            .or_else(|| object.context.clone()),
        mentions,
        tags,
        media,
    })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The author of `object`, which must be on the object's own host.
pub async fn author_of(fed: &Federation, object: &Object) -> FedResult<account::Model> {
    let author = object
        .author()
        .ok_or_else(|| FedError::BadRequest(format!("{}: no attributedTo", object.id.as_str())))?;
    if fetch::authority(author.url()) != fetch::authority(object.id.url()) {
        return Err(FedError::BadRequest(format!(
            "{}: author {} on another host",
            object.id.as_str(),
            author.as_str()
        )));
    }
    fetch::actor(fed, author.as_str(), false).await
}

/// Fetches a remote post by its id and stores it (with up to `depth` parents).
pub async fn fetch_note(fed: &Federation, uri: &str, depth: usize) -> FedResult<status::Model> {
    if let Some(known) = inbound::find_by_uri(&fed.inst, uri).await? {
        return Ok(known);
    }
    let url = Url::parse(uri).map_err(|e| FedError::BadRequest(format!("{uri}: {e}")))?;
    let doc = fetch::get_document(fed, &url).await?;
    let object = vocab::parse_object(doc).map_err(|e| FedError::BadRequest(e.to_string()))?;
    if fetch::authority(object.id.url()) != fetch::authority(&url) {
        return Err(FedError::BadRequest(format!(
            "{uri}: post id on another host"
        )));
    }
    store_object(fed, &object, depth).await
}

/// Stores a fetched post (with up to `depth` parents).
pub async fn store_object(
    fed: &Federation,
    object: &Object,
    depth: usize,
) -> FedResult<status::Model> {
    if !object.kind.is_status_like() {
        return Err(FedError::BadRequest(format!(
            "{} is not a post",
            object.id.as_str()
        )));
    }
    let author = author_of(fed, object).await?;
    let remote = to_remote_status(fed, object, &author, depth).await?;
    let (stored, _) = inbound::ingest(&fed.inst, remote).await?;
    Ok(stored)
}
